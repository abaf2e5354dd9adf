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
from test_startup_s27_H import _parsed_without   # a fresh process: its exit codes and the heavy modules it loaded

# each command: its own --help and each action's, a missing action, an unknown flag, a value a typed train flag
# refuses, a choice not offered (those two come from the config class's fields and the command's choices)
ARGVS = {
    "classify": [["classify", "--help"], ["classify", "train", "--help"], ["classify", "predict", "--help"],
                 ["classify", "evaluate", "--help"], ["classify"], ["classify", "train", "--bogus"],
                 ["classify", "train", "--epochs", "x"], ["classify", "train", "--tokenizer", "nosuch"]],
    "tsc": [["tsc", "--help"], ["tsc", "train", "--help"], ["tsc", "predict", "--help"], ["tsc", "evaluate", "--help"],
            ["tsc", "train", "--patch", "x"], ["tsc", "train", "--pooling", "nosuch"], ["tsc", "nosuch"]],
    "tag": [["tag", "--help"], ["tag", "train", "--help"], ["tag", "predict", "--help"], ["tag", "evaluate", "--help"],
            ["tag", "train", "--word-dropout", "x"], ["tag", "train", "--cell", "nosuch"], ["tag", "predict", "--bogus"]],
    "translate": [["translate", "--help"], ["translate", "train", "--help"], ["translate", "predict", "--help"],
                  ["translate", "evaluate", "--help"], ["translate", "train", "--beam", "x"],
                  ["translate", "train", "--decode", "nosuch"], ["translate", "evaluate", "--beam"]],
    "generate": [["generate", "--help"], ["generate", "train", "--help"], ["generate", "predict", "--help"],
                 ["generate", "evaluate", "--help"], ["generate", "train", "--bptt", "x"],
                 ["generate", "train", "--units", "nosuch"], ["generate"]],
    "(root)": [["--help"], ["nosuch"]],   # every command's parser
}


@pytest.mark.parametrize("command", sorted(ARGVS))
def test_help_and_usage_errors_import_no_torch(command):
    # fails at 9e7b5a7: "[0, 0, ...] ['torch', ...]" -- the command modules imported their task class, and the train
    # flags' types and defaults came from TaggerConfig (tasks.tagging), Seq2SeqConfig (tasks.seq2seq), CharLMConfig
    # (tasks.generation.lm), TSCConfig (tasks.tsc), and TextClassifierConfig through tasks.common / classify_avg
    argvs = ARGVS[command]
    codes = [0 if "--help" in a else 2 for a in argvs]
    assert _parsed_without(argvs) == f"{codes} []"


@pytest.mark.parametrize("command", ["classify", "tsc", "tag", "translate", "generate"])
def test_the_flags_come_from_the_task_s_own_config_class(command):
    # the command reads its train flags from the light config module, and runs the task class imported on first use:
    # the two must stay the one class (a config moved again, or a second copy, would build flags the task refuses)
    import importlib

    cmd = importlib.import_module(f"rnnkit.cli.{command}").COMMAND
    assert cmd.config_class() is cmd.task.config_class
    assert cmd.task.name == cmd.name and type(cmd).task is cmd.task


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
