"""Session 28, helper H: every task command's ``--help`` and argparse's usage errors need no torch (session 27 did
forecast, hopfield and bench). classify, tsc, tag, translate and generate imported their task class (torch) with the
command module, and built the train flags from config classes that lived in torch modules: 1.4-1.7 s of CPU here for
one help text.

Oracle: ``sys.modules`` after the parse, in a fresh process (the help texts, usage errors and exit codes themselves
were compared byte for byte with the commit before, outside the suite: 807 command lines, none differ)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest


def test_the_config_modules_import_no_torch():
    # fails at 9e7b5a7: classify_config loaded torch through tasks.common (CELLS, check_training), classify_avg /
    # classify_bigram / classify_wide (their mode tuples), classify_refit (through tasks.common) and tasks.runs (torch
    # for annotations); the other four configs lived in their task's torch module
    code = ("import sys\n"
            "import rnnkit.tasks.classify_config, rnnkit.tasks.config_checks, rnnkit.tasks.tagging_config, "
            "rnnkit.tasks.seq2seq_config, rnnkit.tasks.tsc_config, rnnkit.tasks.generation_config\n"
            "print(sorted(m for m in ('torch', 'pandas', 'scipy', 'sklearn') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout == "[]\n", run.stdout + run.stderr[-1500:]


def test_the_moved_names_are_still_where_they_were():
    # every 'from rnnkit.tasks.<module> import <name>' of before session 28 gets the same object
    from rnnkit.tasks import (classify_avg, classify_bigram, classify_config, classify_refit, classify_wide, common,
                              config_checks, generation_config, seq2seq, seq2seq_config, tagging, tagging_config, tsc,
                              tsc_config)
    from rnnkit.tasks.generation import CharLMConfig, lm

    assert (common.CELLS, common.POOLINGS, common.check_training) == \
        (config_checks.CELLS, config_checks.POOLINGS, config_checks.check_training)
    assert classify_avg.AVERAGES is classify_config.AVERAGES and classify_wide.WIDE_MODES is classify_config.WIDE_MODES
    assert classify_bigram.BIGRAM_MODES is classify_config.BIGRAM_MODES
    assert classify_refit.check_refit_config is classify_config.check_refit_config
    assert tagging.TaggerConfig is tagging_config.TaggerConfig and tsc.TSCConfig is tsc_config.TSCConfig
    assert seq2seq.Seq2SeqConfig is seq2seq_config.Seq2SeqConfig and seq2seq.MAX_BEAM == seq2seq_config.MAX_BEAM
    assert seq2seq.BLEU_TOKENIZERS is seq2seq_config.BLEU_TOKENIZERS
    assert lm.CharLMConfig is CharLMConfig is generation_config.CharLMConfig and lm.LM_CELLS == ("lstm", "gru")


@pytest.mark.parametrize("old, new, cls", [
    ("rnnkit.tasks.tagging", "rnnkit.tasks.tagging_config", "TaggerConfig"),
    ("rnnkit.tasks.seq2seq", "rnnkit.tasks.seq2seq_config", "Seq2SeqConfig"),
    ("rnnkit.tasks.tsc", "rnnkit.tasks.tsc_config", "TSCConfig"),
    ("rnnkit.tasks.generation.lm", "rnnkit.tasks.generation_config", "CharLMConfig"),
])
def test_a_config_pickled_under_its_old_module_still_loads(old, new, cls):
    # a user's pickle (of a config, or of a task holding one) names the class by module: one written before the move
    # names the task module, which still exports it
    import importlib

    config = getattr(importlib.import_module(new), cls)(seed=3)
    data = pickle.dumps(config, protocol=0)
    assert f"c{new}\n{cls}\n".encode() in data
    back = pickle.loads(data.replace(f"c{new}\n".encode(), f"c{old}\n".encode()))
    assert back == config and type(back) is type(config)
