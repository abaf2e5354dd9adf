"""Session 31, helper S: ``generate train --text`` validates and tests on different text.

The file's last ``--val-fraction`` was both the validation text (the curve, LR decay, the best weights) and the test text
``train`` and ``evaluate`` reported: a figure on the text that selected the weights, called a held-out score. Now its
first half validates and its second half is the test; a run saved before keeps its whole part, with a warning."""

from __future__ import annotations

import hashlib
import json
import warnings

import pytest

from rnnkit.cli.driver import Data, held_out_digest
from rnnkit.tasks.generation.data import held_out_halves, text_split
from toy_data import run_cli

LINES = ["the cat sat on the mat.", "a dog ran to the log!", "we met at noon, then ran.", "so it goes; so it went."]
TEXT = "\n".join(LINES[i % 4] for i in range(40)) + "\n"


def _train(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    argv = ["generate", "train", "--text", str(corpus), "--out", str(tmp_path / "run"), "--hidden-size", "8",
            "--embed-dim", "4", "--batch-size", "2", "--bptt", "5", "--chunks-per-round", "2", "--rounds", "2",
            "--val-fraction", "0.3", "--quiet", "--json", "--threads", "1", "--seed", "0"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    return corpus, json.loads(out)


def test_text_validation_and_test_are_the_two_halves_of_the_held_out_part(tmp_path, capsys):
    corpus, trained = _train(tmp_path, capsys)
    val, test = held_out_halves(text_split(TEXT, 0.3)[1])
    assert val and test and not set(range(len(val))) & set(range(len(val), len(val) + len(test)))
    run = json.loads((tmp_path / "run" / "config.json").read_text())
    assert run["data"]["held_out"] == "halves"
    assert run["history"]["val_chars"] <= len(val)            # validation scored within the first half only
    with warnings.catch_warnings():
        warnings.simplefilter("error")         # no warning: this run's test half selected nothing
        code, out, err = run_cli(["generate", "evaluate", "--run", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    scored = json.loads(out)
    assert scored["n"] == len(test) - 1     # the test half's next-character predictions (was the whole held-out part)


def test_a_run_saved_before_keeps_its_whole_held_out_part_with_a_warning(tmp_path, capsys):
    _train(tmp_path, capsys)
    path = tmp_path / "run" / "config.json"
    run = json.loads(path.read_text())
    del run["data"]["held_out"]                                # as saved before session 31: the whole part held out
    path.write_text(json.dumps(run))
    split = json.loads((tmp_path / "run" / "split.json").read_text())
    split["test"]["items_sha256"] = held_out_digest(Data(text_split(TEXT, 0.3)[1]))
    (tmp_path / "run" / "split.json").write_text(json.dumps(split))
    digests = json.loads((tmp_path / "run" / "digests.json").read_text())
    for name in ("config.json", "split.json"):
        digests["sha256"][name] = hashlib.sha256((tmp_path / "run" / name).read_bytes()).hexdigest()
    (tmp_path / "run" / "digests.json").write_text(json.dumps(digests))
    with pytest.warns(UserWarning, match="validated on the same held-out text that is scored here"):
        code, out, err = run_cli(["generate", "evaluate", "--run", str(tmp_path / "run"), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n"] == len(text_split(TEXT, 0.3)[1]) - 1


@pytest.mark.parametrize("held", ["a", "ab", "abc", "ab\n  \n"])
def test_a_held_out_part_too_short_for_two_halves_is_refused(held):
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=r"^val_fraction: expected a held-out part that splits into a validation and a "
                                        r"test half"):
        held_out_halves(held)
