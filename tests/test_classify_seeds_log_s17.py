"""A seed ensemble's saved metrics.jsonl (session 17, lead; found by helper Q): since 71aae18 the live log of a
``seeds=N`` fit holds every member's rows, each tagged ``"member"``, but the save wrote member 0's rows only, so the
file shrank at the end of the fit. Now the saved log holds every member's rows, tagged, as ``translate --ensemble``'s
does; a one-network fit's rows stay untagged."""

from __future__ import annotations

import json

from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from toy_data import CLASSIFY_FAST

X = ["good fine great", "nice good", "great good ok", "bad awful", "awful poor bad", "poor bad"] * 6
Y = ["pos", "pos", "pos", "neg", "neg", "neg"] * 6


def _rows(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if line.strip()]


def test_saved_log_of_a_seed_ensemble_holds_every_member(tmp_path):
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 2, "seeds": 2})).fit(X, Y)
    clf.save(tmp_path / "run")
    rows = _rows(tmp_path / "run")
    assert [r["member"] for r in rows] == [0, 0, 1, 1]
    assert [r["epoch"] for r in rows] == [1, 2, 1, 2]


def test_one_network_log_is_untagged(tmp_path):
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 2})).fit(X, Y)
    clf.save(tmp_path / "run")
    rows = _rows(tmp_path / "run")
    assert len(rows) == 2 and all("member" not in r for r in rows)
