"""Session 22, helper T: new kinds of hostile input to time-series classification (files, CLI)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tsc import read_long_csv
import rnnkit.cli.common  # noqa: F401 -- imported before any test patches rnnkit._memory.available_memory: a module
import rnnkit.tasks.generation.ngram  # noqa: F401 -- first imported under the patch kept the fake for the process
from rnnkit.errors import DataError
from toy_data import run_cli, write_frame

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = ["--epochs", "2", "--hidden-size", "4", "--batch-size", "4", "--quiet", "--json"]


def _long_frame(n: int = 12, T: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{"id": f"s{i}", "time": t, "v": float(np.sin((1 + 4 * (i % 2)) * t / T) + rng.normal(0, .1)),
             "label": "ab"[i % 2]} for i in range(n) for t in range(T)]
    return pd.DataFrame(rows)


def _ts_lines(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [",".join(f"{v:.4f}" for v in np.sin(np.linspace(0, 2 + 6 * (i % 2), 12)) + rng.normal(0, .1, 12))
            + ":" + "ab"[i % 2] for i in range(n)]


def _ts_file(path, lines: list[str]) -> str:
    path.write_text("\n".join(["@problemName toy", "@classLabel true a b", "@data", *lines]) + "\n")
    return str(path)


def test_a_pandas_row_index_is_not_read_as_a_channel(tmp_path, capsys):
    # df.to_csv(path) -- pandas' default keeps the index -- writes a first column named ''; read again and written
    # again, 'Unnamed: 0'. It was read as a channel (the row number) and the run remembered the channel '', which
    # its own predict and evaluate then refused ('--value-cols: expected comma-separated column names').
    frame = _long_frame()
    frame.to_csv(tmp_path / "indexed.csv")
    pd.read_csv(tmp_path / "indexed.csv").to_csv(tmp_path / "again.csv", index=False)
    want, want_y = read_long_csv(write_frame(tmp_path / "plain.csv", frame))          # the oracle: no index column
    assert [x.shape for x in want] == [(8, 1)] * 12
    for name, col in (("indexed.csv", ""), ("again.csv", "Unnamed: 0")):
        with pytest.raises(DataError, match=f"unnamed column {col!r} .*to_csv without index=False.*value_cols"):
            read_long_csv(tmp_path / name)
        X, y = read_long_csv(tmp_path / name, value_cols=["v"])                      # named: read as asked
        assert y == want_y and all(np.array_equal(a, b) for a, b in zip(X, want))
    run = tmp_path / "run"
    code, _, err = run_cli(["tsc", "train", "--csv", str(tmp_path / "indexed.csv"), "--out", str(run), *FAST], capsys)
    assert code == 1 and "unnamed column ''" in err and "--value-cols" in err and not run.exists()


def test_a_held_out_file_of_the_training_series_is_refused_and_some_of_them_named(tmp_path, capsys):
    # a copy of the training file (another path: same_file could not see it) was scored as the run's test split
    train = _ts_lines(16, seed=0)
    other = _ts_lines(6, seed=1)
    args = ["tsc", "train", "--ts", _ts_file(tmp_path / "train.ts", train), *FAST]
    run = tmp_path / "run"
    code, _, err = run_cli([*args, "--test-ts", _ts_file(tmp_path / "copy.ts", train[::-1]), "--out", str(run)],
                           capsys)
    assert code == 2 and "every one of the 16 series" in err and "a copy of the training file?" in err
    assert not run.exists()
    # the oracle: other series are held out as given; two training series among them are named, and scored
    with pytest.warns(UserWarning, match=r"2 of its 8 held-out series are also training series in --ts \(the same "
                      r"values\), series \[7, 8\]"):
        code, out, _ = run_cli([*args, "--test-ts", _ts_file(tmp_path / "mix.ts", other + train[3:5]),
                                "--out", str(run)], capsys)
    assert code == 0 and json.loads(out)["test_size"] == 8
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code, _, _ = run_cli([*args, "--test-ts", _ts_file(tmp_path / "other.ts", other),
                              "--out", str(tmp_path / "run2")], capsys)
    assert code == 0 and not [w for w in seen if "also training series" in str(w.message)]


def test_timestamped_values_without_their_header_name_the_layout():
    # '(t,v)' pairs under '@timeStamps false' (or no such line) said only 'expected comma-separated numbers'
    from rnnkit.data.tsc import read_ts

    with pytest.raises(DataError, match=r"at line 3, got '\(0,1\),\(1,2\):a' \(\(timestamp,value\) pairs: the "
                                        r"'@timeStamps true' layout, which is not supported\)"):
        read_ts(text="@classLabel true a b\n@data\n(0,1),(1,2):a\n")
    with pytest.raises(DataError, match=r"expected comma-separated numbers at line 3, got '1,x:a'; channel 1 field 2 "
                                        r"is 'x'; a report's mark of a missing value: write \? \(the file's missing "
                                        r"value\)$"):   # other text: no pairs hint (its field named since session 23)
        read_ts(text="@classLabel true a b\n@data\n1,x:a\n")
    assert read_ts(text="@classLabel true a b\n@data\n0,1:a\n")[1] == ["a"]  # the values alone read


def test_predicting_ucr_lines_of_values_alone_warns_that_their_first_value_is_read_as_a_label(tmp_path, capsys):
    # a UCR line is 'label, values': predict dropped the first value of each unlabelled line as its 'label', silently
    rng = np.random.default_rng(0)
    lines = ["ab"[i % 2] + "\t" + "\t".join(f"{v:.4f}" for v in np.sin(np.linspace(0, 2 + 6 * (i % 2), 12))
                                              + rng.normal(0, .1, 12)) for i in range(20)]
    (tmp_path / "train.tsv").write_text("\n".join(lines[:14]) + "\n")
    run = str(tmp_path / "run")
    assert run_cli(["tsc", "train", "--ucr", str(tmp_path / "train.tsv"), "--out", run, *FAST], capsys)[0] == 0
    # four lines (five or more of fractional values alone are refused when read: the next test)
    (tmp_path / "values.tsv").write_text("\n".join(line.split("\t", 1)[1] for line in lines[16:]) + "\n")
    (tmp_path / "labelled.tsv").write_text("\n".join(lines[16:]) + "\n")
    with pytest.warns(UserWarning, match=r"--ucr .*values.tsv': expected each line to start with its label \(a class "
                                         r"of the run: \['a', 'b'\]\), got none of them .*each series lost its first"):
        code, out, _ = run_cli(["tsc", "predict", "--run", run, "--ucr", str(tmp_path / "values.tsv"), "--json"],
                               capsys)
    assert code == 0 and len(json.loads(out)["predictions"]) == 4
    with warnings.catch_warnings(record=True) as seen:   # the oracle: the same series with their labels
        warnings.simplefilter("always")
        code, out, _ = run_cli(["tsc", "predict", "--run", run, "--ucr", str(tmp_path / "labelled.tsv"), "--json"],
                               capsys)
    assert code == 0 and not [w for w in seen if "start with its label" in str(w.message)]


def test_a_long_ts_line_is_read_in_bounded_memory():
    # a series of millions of values is one line: its fields were split twice and held as a list of Python floats
    # too (170 bytes a value at the peak, ~26x the text); one split read straight into an array: 93
    import tracemalloc

    from rnnkit.data.tsc import read_ts

    rng = np.random.default_rng(0)
    values = rng.standard_normal(200_000).astype(np.float32)
    text = "@classLabel true a b\n@data\n" + ",".join(f"{v:.3f}" for v in values) + ",?:a\n1,2:b\n"
    tracemalloc.start()
    try:
        X, y = read_ts(text=text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert y == ["a", "b"] and X[0].shape == (200_001, 1) and np.isnan(X[0][-1, 0])   # the oracle: the values written
    assert np.array_equal(X[0][:-1, 0], np.array([f"{v:.3f}" for v in values], dtype=np.float64).astype(np.float32))
    assert peak < 120 * len(values)


def test_a_label_column_named_otherwise_is_not_read_as_a_channel(tmp_path):
    # label_col='class' on a file whose labels are in 'label': numeric labels were read as a channel (labels are
    # optional, for prediction), text ones said only 'expected numbers in ['time', 'v', 'label']'
    frame = _long_frame()
    want_X, want_y = read_long_csv(write_frame(tmp_path / "text.csv", frame))            # the oracle: label_col
    for labels in (frame["label"], frame["label"].map({"a": 0, "b": 1})):                # text, then numbers
        path = write_frame(tmp_path / "x.csv", frame.assign(label=labels))
        with pytest.raises(DataError, match=r"expected label_col 'class' among the columns \['id', 'time', 'v', "
                                            r"'label'\], got a file without it and with a 'label' column"):
            read_long_csv(path, label_col="class")
        X, y = read_long_csv(path, label_col="class", value_cols=["v"])                 # channels named: no labels
        assert y is None and all(np.array_equal(a, b) for a, b in zip(X, want_X))
    assert read_long_csv(path)[1] == [str(v) for v in frame.groupby("id", sort=False)["label"].first().map(
        {"a": 0, "b": 1})] and want_y[:2] == ["a", "b"]


def test_a_ucr_file_whose_first_fields_are_values_is_refused(tmp_path, capsys):
    # a file with the label last (a Weka/pandas export) trained each series as a class of its own ('-0.0654', ...)
    # and the real label as its last value, silently: only a warning on classes the validation split held out
    from rnnkit.data.tsc import read_ucr

    rng = np.random.default_rng(0)
    series = [np.sin(np.linspace(0, 2 + 6 * (i % 2), 12)) + rng.normal(0, .1, 12) for i in range(10)]
    values = ["\t".join(f"{v:.4f}" for v in x) for x in series]
    first = "\n".join(f"{i % 2 + 1}\t{v}" for i, v in enumerate(values)) + "\n"
    X, y = read_ucr(text=first)                                      # the oracle: the same file, labels first
    assert y == ["1", "2"] * 5 and all(np.allclose(x[:, 0], s, atol=1e-4) for x, s in zip(X, series))
    (tmp_path / "last.tsv").write_text("\n".join(f"{v}\t{i % 2 + 1}" for i, v in enumerate(values)) + "\n")
    with pytest.raises(DataError, match=r"expected a class label first on each line \(the UCR layout\), got a "
                                        r"fractional number first on every line, 10 different ones in 10 series "
                                        r".*\(the last fields take 2 value\(s\) \['1', '2'\]: the label last\?\)"):
        read_ucr(tmp_path / "last.tsv")
    with pytest.raises(DataError, match=r"fractional number first on every line.*not labels\. Move the label first"):
        read_ucr(text="\n".join(values[:5]) + "\n")                   # values alone: no label to point at
    assert read_ucr(text="\n".join(values[:4]) + "\n")[1][0] == values[0].split("\t")[0]   # four: read (predict warns)
    assert read_ucr(text="".join(f"{c}\t{v}\n" for c, v in zip(["0.5", "1.5"] * 3, values)))[1][:2] == ["0.5", "1.5"]
    code, _, err = run_cli(["tsc", "train", "--ucr", str(tmp_path / "last.tsv"), "--out", str(tmp_path / "run"),
                            *FAST], capsys)
    assert code == 1 and "--ucr" in err and "the label last?" in err and not (tmp_path / "run").exists()


def test_evaluating_a_registered_set_with_a_run_trained_elsewhere_scores_its_test_split(tmp_path, capsys):
    # 'tsc evaluate --run R --dataset gunpoint' (R trained on another file) scored GunPoint's 50 TRAIN series, 'n': 50,
    # the split unnamed; a channel mismatch said 'X[0]: expected 1 channels, got 6', naming neither flag nor set
    from rnnkit.data.registry import get_dataset
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    info = get_dataset("gunpoint")
    if not info.available():
        pytest.skip("sktime's data files not installed")
    d = info.load()
    rng = np.random.default_rng(0)
    lines = [",".join(f"{v:.4f}" for v in x[::5, 0] + rng.normal(0, .1, 30)) + f":{c}"
             for x, c in zip(d.X_train[:20], d.y_train[:20])]           # other data of the same labels
    run = tmp_path / "run"
    (tmp_path / "t.ts").write_text("\n".join(["@problemName toy", "@classLabel true 1 2", "@data", *lines]) + "\n")
    assert run_cli(["tsc", "train", "--ts", str(tmp_path / "t.ts"), "--out", str(run), *FAST], capsys)[0] == 0
    code, out, _ = run_cli(["tsc", "evaluate", "--run", str(run), "--dataset", "gunpoint", "--json"], capsys)
    want = TimeSeriesClassifier.load(run).evaluate(d.X_test, d.y_test)   # the oracle: the set's test split
    got = json.loads(out)
    assert code == 0 and got["n"] == len(d.X_test) == 150
    assert got["metrics"]["confusion_matrix"] == want["confusion_matrix"]
    code, _, err = run_cli(["tsc", "evaluate", "--run", str(run), "--dataset", "basic-motions"], capsys)
    assert code == 1 and "X[0] (--dataset 'basic-motions' test series 1): expected 1 channels, got 6" in err


def test_a_1nn_that_cannot_fit_in_memory_is_refused_before_the_network_trains(monkeypatch):
    # one series far longer than the others: the 1-NN resamples every series to it (and predict copies it to
    # float64); it was allocated after the network had trained, and the allocator or the OOM killer ended the fit
    from rnnkit import _memory
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig
    from rnnkit.training.callbacks import Callback

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(20, 1)).astype(np.float32) for _ in range(11)] + [rng.normal(size=(5000, 1))
                                                                            .astype(np.float32)]
    y = ["a", "b"] * 6
    nn1 = OneNNEuclidean().fit(X, y)       # what the 1-NN holds, and predict's float64 copy of it
    need = nn1.train.nbytes + nn1.train.astype(np.float64).nbytes
    assert need == 12 * 5000 * 12

    class Epochs(Callback):
        seen = 0

        def on_epoch_end(self, trainer, epoch, row):
            Epochs.seen += 1

    monkeypatch.setattr(_memory, "available_memory", lambda device="cpu": need - 1)
    for model in ("auto", "rnn"):
        task = TimeSeriesClassifier(TSCConfig(model=model, epochs=1, hidden_size=4, progress=False))
        with pytest.raises(DataError, match=r"X: expected series whose 1-NN baseline fits in memory .* got 12 series "
                                            r"resampled to the longest, 5,000 steps \(series 12; median 20\) x 1 "
                                            r"channel\(s\).*model='rnn' with baselines=False"):
            task.fit(X, y, callbacks=[Epochs()])
        assert Epochs.seen == 0                                            # refused before any training
    with pytest.raises(DataError, match="1-NN baseline fits in memory"):
        OneNNEuclidean().fit(X, y)
    task = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, hidden_size=4, progress=False))
    task.fit(X, y, baselines=False, callbacks=[Epochs()])                 # no 1-NN: fitted as before
    assert Epochs.seen == 1 and task.baselines == {}
    monkeypatch.setattr(_memory, "available_memory", lambda device="cpu": need)
    assert OneNNEuclidean().fit(X, y).predict(X[:2]) == ["a", "b"]        # exactly enough: fitted
    from rnnkit.tasks.tsc_memory import onenn_bytes

    assert onenn_bytes(X) == need                                          # the estimate is what is held


@pytest.mark.parametrize("target", ["list", "compare", "addng"])
def test_experiment_compare_of_a_name_that_is_no_experiment_says_what_compare_takes(target, capsys):
    # 'rnnkit experiment compare list' said "expected one of [...], 'compare' or 'list', got 'list'": 'list' and
    # 'compare' are names of the command, not experiments compare can run
    code, _, err = run_cli(["experiment", "compare", target], capsys)
    assert code == 2 and f"compare: expected an experiment name after 'compare' (one of ['adding'," in err
    assert err.rstrip().endswith(f"got {target!r}") and "'compare' or 'list'" not in err
    code, _, err = run_cli(["experiment", "compare", "adding", "--steps", "0"], capsys)   # an experiment: past it
    assert code == 2 and "--steps: expected an int >= 1, got 0" in err
    code, _, err = run_cli(["experiment", "addng"], capsys)            # not comparing: the command's names, as before
    assert code == 2 and "expected one of ['adding'," in err and "'compare' or 'list', got 'addng'" in err


@pytest.mark.parametrize("edit,match", [
    ({"length": 13}, r"got ValueError: 'train': expected 12 series \(one per label\) x 13 steps x 1 channel"),
    ({"labels": ["a", "b"]}, r"'train': expected 2 series \(one per label\)"),
    ({"length": 0}, r"'length': expected an int >= 1, got 0"),
    ({"length": "12"}, r"'length': expected an int >= 1, got '12'"),
    ({"labels": [1, 2] * 6}, r"'labels': expected non-empty strs"),
    ({"labels": ["a", "c"] * 6}, r"expected the 1-NN of this run \(1 channel\(s\), labels among \['a', 'b'\]\), got 1 "
                                 r"channel\(s\) and labels \['a', 'c'\]"),
])
def test_a_saved_1nn_edited_by_hand_is_a_checkpoint_error_naming_its_file(tmp_path, edit, match):
    # a run whose baseline.json was edited and its digests written again loaded, and predict died in numpy
    # ('matmul: Input operand 1 has a mismatch'), on an IndexError or on a KeyError: 1
    from rnnkit._io import write_digests
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, 2 + 6 * (i % 2), 12))[:, None].astype(np.float32) + rng.normal(0, .1, (12, 1))
         .astype(np.float32) for i in range(12)]
    y = ["a", "b"] * 6
    task = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, hidden_size=4, progress=False)).fit(X, y)
    run = tmp_path / "run"
    task.save(run)
    want = TimeSeriesClassifier.load(run).baseline.predict(X)         # the oracle: the run as saved
    assert want == task.baseline.predict(X)
    state = json.loads((run / "baseline.json").read_text())
    state["1nn_euclidean"].update(edit)
    (run / "baseline.json").write_text(json.dumps(state))
    write_digests(run, list(json.loads((run / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match=match) as e:
        TimeSeriesClassifier.load(run)
    assert "baseline.json" in str(e.value)
