"""The baselines a spent ``max_seconds`` leaves out (session 27): only the text classifier's, whose linear models'
C grids over every text ran ~500 s past a 20 s budget (helper B, 3143b1e); every other task's baselines are one pass
over the data (the most frequent tag, the word dictionary and copy, the n-gram counts: seconds) and are fitted
always, as the held-out scoring is done after the budget -- with B's rule alone a network that used its whole budget
(the usual stop) left ``translate train --max-seconds`` and ``tag train --max-seconds`` without the baseline they
are read beside, and ``benchmarks/bench_translation.py`` without its dictionary rows. Oracle: the decision with a
budget already spent (a fit begun long ago), no seconds asserted."""

from __future__ import annotations

import json
import warnings

import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.base import Task
from rnnkit.tasks.classification import TextClassifier
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
from rnnkit.tasks.task_parts import fit_baselines

pytestmark = pytest.mark.usefixtures("one_thread")

LONG_AGO = -1e6


def test_only_the_classifier_bounds_its_baselines():
    ours = [cls for cls in _subclasses(Task) if cls.__module__.startswith("rnnkit.")]   # not the tests' subclasses
    assert {cls.__name__ for cls in ours if cls.baselines_in_budget} == {TextClassifier.__name__}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_tagger_fits_its_baseline_after_a_spent_budget():
    sentences = [["the", "cat", "sat"], ["a", "dog", "ran"], ["the", "dog", "sat"]] * 4
    tags = [["DET", "NOUN", "VERB"]] * 12
    tagger = SequenceTagger(TaggerConfig(epochs=1, max_seconds=1e6, word_dim=8, char_dim=8, char_hidden=8, hidden_size=8)).fit(sentences, tags, baselines=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no 'not fitted' warning: the baseline is fitted
        got = fit_baselines(tagger, (sentences, tags), True, LONG_AGO)
    assert list(got) == ["most_frequent_tag"] and "budget" not in tagger.history


def test_translate_train_with_a_spent_budget_reports_its_dictionary(tmp_path, capsys):
    pytest.importorskip("num2words")
    from rnnkit.data.translation import num2words_pairs

    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in num2words_pairs(300, seed=1)), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="max_seconds: .*baseline")
        assert main(["translate", "train", "--tsv", str(tmp_path / "p.tsv"), "--max-seconds", "1", "--epochs", "1000",
                     "--batch-size", "8", "--beam", "1", "--out", str(tmp_path / "run"), "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "word_dictionary" in json.dumps(out), out
