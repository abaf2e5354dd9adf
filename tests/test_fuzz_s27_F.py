"""Defects found by helper F's mutation fuzzer over the CLI's input files (session 27).

Each test is the smallest input of one cluster of failing cases; the fuzzer itself lives outside the project.
"""

from __future__ import annotations

import datetime
import json
import warnings

import pytest

from rnnkit.cli.main import main


def _series_csv(path, rows, header="date,value"):
    path.write_text(header + "\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    return path


def _daily(n=40):
    start = datetime.date(2021, 3, 1)
    return [((start + datetime.timedelta(days=i)).isoformat(), 10 + (i % 7) + 0.1 * i) for i in range(n)]


def _forecast(csv, tmp_path, *flags):
    return main(["forecast", "train", "--csv", str(csv), "--target", "value", "--model", "seasonal_naive",
                 "--horizon", "2", "--backtest", "1", "--no-plot", "--threads", "1", "--quiet",
                 "--out", str(tmp_path / "run"), "--json", *flags])


def _time_col_warnings(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run() == 0
    return [str(w.message) for w in caught if str(w.message).startswith("--time-col")]


def test_forecast_without_time_col_names_the_unread_date_column(tmp_path):
    # A file written newest first, --time-col forgotten: it was forecast backwards (from its oldest value) with
    # no word (exit 0); the date column was dropped silently.
    csv = _series_csv(tmp_path / "newest_first.csv", _daily()[::-1])
    warned = _time_col_warnings(lambda: _forecast(csv, tmp_path))
    assert len(warned) == 1, warned
    assert "column 'date' holds dates" in warned[0] and "not in increasing order" in warned[0]
    assert "pass --time-col date" in warned[0]


def test_forecast_time_col_in_order_or_given_or_absent(tmp_path):
    rows = _daily()
    in_order = _series_csv(tmp_path / "in_order.csv", rows)
    warned = _time_col_warnings(lambda: _forecast(in_order, tmp_path))      # in order: named, no order clause
    assert len(warned) == 1 and "column 'date' holds dates" in warned[0]
    assert "not in increasing order" not in warned[0]
    assert _time_col_warnings(lambda: _forecast(in_order, tmp_path, "--time-col", "date")) == []   # read
    codes = _series_csv(tmp_path / "codes.csv", [(f"S{i}", v) for i, (_, v) in enumerate(rows)], "code,value")
    assert _time_col_warnings(lambda: _forecast(codes, tmp_path)) == []      # text that is no date


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good movie", "bad film", "great plot", "awful acting", "nice one", "terrible"] * 3
    labels = ["pos", "neg"] * 9
    run = tmp_path_factory.mktemp("fuzz") / "run"
    TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "min_freq": 1, "epochs": 1})).fit(
        texts, labels, baselines=False).save(run)
    return run


def _edited_copy(run, dst, key, value):
    import shutil

    from rnnkit._io import write_digests

    shutil.copytree(run, dst)
    doc = json.loads((dst / "config.json").read_text(encoding="utf-8"))
    doc["state"][key] = value
    (dst / "config.json").write_text(json.dumps(doc), encoding="utf-8")
    write_digests(dst, ["config.json"], merge=True)        # the digest made again: the state itself is judged
    return dst


@pytest.mark.parametrize("key, value, cause", [
    ("bigrams", 1e308, r"TypeError: 'float' object is not iterable"),      # export and the API: a bare TypeError
    ("embed_width", -1, r"RuntimeError: .*negative dimension -1"),           # predict too: a bare RuntimeError
])
def test_a_run_whose_saved_state_has_a_wrong_value_is_a_checkpoint_error(saved_classifier, tmp_path, capsys, key,
                                                                          value, cause):
    # config.json edited by hand and its digest made again (the fuzzer's run-folder mutations): TextClassifier.load
    # and 'rnnkit export --run' raised the reader's bare TypeError ("'float' object is not iterable"), naming
    # nothing, and a negative width was torch's RuntimeError in 'classify predict' too (its wrapper took TypeError,
    # ValueError, KeyError and IndexError only). Now a CheckpointError naming the folder, wherever it is loaded.
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.classification import TextClassifier

    TextClassifier.load(saved_classifier)                             # as saved: loads
    run = _edited_copy(saved_classifier, tmp_path / "edited", key, value)
    with pytest.raises(CheckpointError, match=r"run: expected a valid run folder, got .*edited' whose saved state "
                                              r"does not load \(" + cause):
        TextClassifier.load(run)
    texts = tmp_path / "in.txt"
    texts.write_text("good movie\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(run), "--input", str(texts), "--threads", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnkit classify: error: CheckpointError: --run: expected a valid run "
                                               "folder"), err
