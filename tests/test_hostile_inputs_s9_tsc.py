"""Hostile inputs for the session-9 time-series classifier (review V): UCR archive files written by other
tools (empty fields, decimal commas, integer labels beyond float precision), series longer than the old
2,000-step cap, and the auto model's reproducibility. Each test failed on the code before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnkit.data.tsc import read_ucr
from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("text, match", [
    ("1,0.5,,0.7\n", "an empty field at line 1"),           # was [0.5, 0.7]: the 0.7 moved one step earlier
    ("1\t0.5\t\t0.7\n", "an empty field at line 1"),
    ("1\t1,5\t2,5\n", "numbers after the label at line 1"),   # decimal commas: was the four values 1, 5, 2, 5
    ("1;0,5;0,7\n", "numbers after the label at line 1"),
    ("\t0.5\t0.7\n", "an empty field at line 1"),                # no label: was label '0.5', values [0.7]
    ("target," + ",".join(map(str, range(12))) + "\n1" + ",0.5" * 12 + "\n", "column numbers of a header"),
    ("\t".join(map(str, range(13))) + "\n1" + "\t0.5" * 12 + "\n", "column numbers of a header"),  # pandas to_csv
])
def test_ucr_fields_are_never_dropped_or_split_silently(text, match):
    with pytest.raises(DataError, match=match):
        read_ucr(text=text)


def test_ucr_separators_still_read_and_labels_keep_their_digits():
    X, y = read_ucr(text="1, 0.5, 0.25\n2 \t 3\t4 \n-1  5   6\n12345678901234567890\t1\t2\n01\t3\t4\n1.5e0\t1\t2\n")
    assert [x[:, 0].tolist() for x in X] == [[0.5, 0.25], [3, 4], [5, 6], [1, 2], [3, 4], [1, 2]]
    # an integer label is the integer it writes (before: via float, '12345678901234567168'); 1.5e0 stays as written
    assert y == ["1", "2", "-1", "12345678901234567890", "1", "1.5e0"]
    ramp = "\t".join(map(str, range(12)))                       # a short ramp, a ramp after a series: data
    X, _ = read_ucr(text=f"1\t0\t1\t2\t\n0\t{ramp}\n")        # (and a trailing tab is no field)
    assert [x[:, 0].tolist() for x in X] == [[0, 1, 2], list(range(12))]
    _, y = read_ucr(text="1_2 1\n+3 1\n1e400 1\n\u0661 1\n")   # Python's int('1_2') is 12, int('\u0661') 1
    assert y == ["1_2", "3", "1e400", "\u0661"]
    # a label 'nan' was kept as a class here (session 9) while the API refuses a NaN label: refused since session 18
    with pytest.raises(DataError, match="line 1, got a missing value 'nan'"):
        read_ucr(text="nan 1\n")


def _long_set(T: int, n: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(0, 1, (T, 1)).astype("float32") for _ in range(n)]
    return X, ["a", "b"] * (n // 2)


def _fit(X, y, **kw):
    cfg = TSCConfig(**{"model": "rnn", "hidden_size": 4, "epochs": 1, "progress": False, **kw})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # 'did not learn' after one epoch
        return TimeSeriesClassifier(cfg).fit(X, y)


def test_series_longer_than_2000_steps_are_read_whole_by_default():
    X, y = _long_set(2100)
    clf = _fit(X, y)
    assert clf.config.max_len is None and clf.config.patch == 33          # ceil(2100 / 64): the whole series
    changed = [x.copy() for x in X]
    for x in changed:
        x[2050:] += 5.0                                                   # only steps past the old cap differ
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                   # no truncation warning either
        p, q = clf.predict_proba(X), clf.predict_proba(changed)
    assert not np.allclose(p, q)


def test_the_cap_is_never_reached_by_series_up_to_2000_steps():
    X, y = _long_set(300)
    a, b = _fit(X, y), _fit(X, y, max_len=2000)
    assert a.config.patch == b.config.patch == 5
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_auto_is_reproducible_and_validates_on_training_series_only():
    X, y = _long_set(30, n=24, seed=1)
    runs = [_fit(X[:16], y[:16], model="auto", epochs=3) for _ in range(2)]
    assert runs[0].history["auto"] == runs[1].history["auto"]
    assert np.array_equal(runs[0].predict_proba(X[16:]), runs[1].predict_proba(X[16:]))
    assert set(runs[0].split["validation"]["indices"]) <= set(range(16))


def _ucr_files(tmp_path, nan_at: int | None = None):
    rng = np.random.default_rng(0)
    rows = [(c, np.round(np.sin(np.linspace(0, 3 + 3 * c, 20)) + rng.normal(0, .1, 20), 4)) for c in (0, 1) * 8]
    text = lambda rs: "".join(f"{c}\t" + "\t".join(f"{v:.5f}" for v in r) + "\n" for c, r in rs)  # noqa: E731
    (tmp_path / "train.tsv").write_text(text(rows[:12]))
    test = [(c, r.copy()) for c, r in rows[12:]]
    filled = text(test)
    if nan_at is not None:
        test[1][1][nan_at] = np.nan                       # series 2 of the test file misses one value
        r = test[1][1]
        r2 = r.copy()
        r2[nan_at] = (r[nan_at - 1] + r[nan_at + 1]) / 2  # what linear interpolation in time gives
        filled = text([test[0], (test[1][0], r2), *test[2:]])
    (tmp_path / "test.tsv").write_text(text(test).replace("nan", "NaN"))
    (tmp_path / "filled.tsv").write_text(filled)
    return tmp_path / "train.tsv", tmp_path / "test.tsv", tmp_path / "filled.tsv"


def test_a_bad_test_file_is_refused_before_training_naming_the_file_and_series(tmp_path, capsys):
    from rnnkit.cli.main import main

    train, test, _ = _ucr_files(tmp_path, nan_at=5)
    out = tmp_path / "run"
    args = ["tsc", "train", "--ucr", str(train), "--epochs", "1", "--hidden-size", "4", "--quiet", "--out", str(out)]
    assert main(args + ["--test-ucr", str(test)]) == 1
    err = capsys.readouterr().err
    assert f"--test-ucr {str(test)!r}: expected no missing values, got NaN inside series 2" in err
    assert "--missing interpolate" in err and not (out / "metrics.jsonl").exists()     # nothing trained
    (tmp_path / "two.ts").write_text("@problemName x\n@classLabel true 0 1\n@data\n1,2:3,4:0\n5,6:7,8:1\n")
    assert main(args + ["--test-ts", str(tmp_path / "two.ts")]) == 1
    assert "--test-ts" in capsys.readouterr().err and not (out / "metrics.jsonl").exists()


def test_missing_values_interpolated_on_request_as_if_filled_by_hand(tmp_path, capsys):
    import json

    from rnnkit.cli.main import main

    train, test, filled = _ucr_files(tmp_path, nan_at=5)
    run = tmp_path / "run"
    assert main(["tsc", "train", "--ucr", str(train), "--epochs", "1", "--hidden-size", "4", "--model", "rnn",
                 "--quiet", "--out", str(run)]) == 0
    capsys.readouterr()
    got = []
    for path, extra in ((test, ["--missing", "interpolate"]), (filled, [])):
        assert main(["tsc", "predict", "--run", str(run), "--ucr", str(path), "--json", *extra]) == 0
        got.append(json.loads(capsys.readouterr().out)["probabilities"])
    assert np.allclose([list(p.values()) for p in got[0]], [list(p.values()) for p in got[1]], atol=1e-5)
    assert main(["tsc", "predict", "--run", str(run), "--ucr", str(test)]) == 1
    assert "NaN inside series 2" in capsys.readouterr().err


def test_1nn_finds_the_nearest_of_near_neighbours_in_long_series():
    from rnnkit.tasks.tsc import OneNNEuclidean

    rng = np.random.default_rng(0)
    base, d = rng.normal(50, 3, (5000, 1)).astype("float32"), rng.normal(size=(5000, 1)).astype("float32")
    nn1 = OneNNEuclidean().fit([base, base + 0.02 * d, rng.normal(size=(5000, 1)).astype("float32")], list("ABC"))
    q = base + 0.011 * d                                          # nearer B than A
    z = ((q - nn1.mean) / nn1.std).reshape(-1).astype(np.float64)
    direct = ((nn1.train.astype(np.float64) - z) ** 2).sum(1)   # the distances written out, in float64
    assert "ABC"[direct.argmin()] == "B" and nn1.predict([q]) == ["B"]   # float32's expansion said 'A'


@pytest.mark.parametrize("n_train, n_test, T", [(4000, 4000, 8), (4, 200, 20000)])
def test_1nn_predicts_many_series_in_bounded_memory(n_train, n_test, T):
    import tracemalloc

    from rnnkit.tasks.tsc import OneNNEuclidean

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(T, 1)).astype("float32") for _ in range(max(n_train, n_test))]
    nn1 = OneNNEuclidean().fit(X[:n_train], [str(i % 3) for i in range(n_train)])
    tracemalloc.start()
    try:
        got = nn1.predict(X[:n_test])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if n_train == n_test:
        assert got == [str(i % 3) for i in range(n_train)]   # each series is its own nearest neighbour
    # 4000 x 4000 distances at once peaked at 128 MB; 200 queries of 20,000 steps at once hold 16 MB (float32)
    assert peak < 20e6


@pytest.mark.parametrize("model", ["auto", "rnn"])
def test_a_class_held_out_whole_is_named_not_silently_untrained(model):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(10, 1)).astype("float32") for _ in range(8)]
    y = ["a"] * 6 + ["b", "a"]                     # seed 3 holds out series 6 (and 7): 'b' has no training series
    clf = TimeSeriesClassifier(TSCConfig(model=model, hidden_size=4, epochs=1, seed=3, progress=False))
    with pytest.warns(UserWarning, match=r"every training series of 1 class\(es\) \['b'\]"):
        clf.fit(X, y)
    assert 6 in clf.split["validation"]["indices"] and clf.history["classes_not_trained"] == ["b"]
    kept = TimeSeriesClassifier(TSCConfig(model=model, hidden_size=4, epochs=1, seed=0, progress=False))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        kept.fit(X, y)
    assert 6 not in kept.split["validation"]["indices"] and kept.history["classes_not_trained"] == []
    assert not [m for m in w if "every training series" in str(m.message)]


@pytest.mark.parametrize("name", ["epochs", "batch_size", "patience", "patch"])
def test_zero_for_a_derived_setting_in_the_api_names_none(name):
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^{name}: expected an int >= 1, got 0 \(None: derived from the training "
                                          r"set\)$"):
        TSCConfig(**{name: 0})


def test_a_file_given_to_the_other_reader_says_which_reader_it_needs():
    from rnnkit.data.tsc import read_ts

    with pytest.raises(DataError, match=r"at line 1, got '@problemName GunPoint' \(a \.ts file\? .*--ts\)$"):
        read_ucr(text="@problemName GunPoint\n@data\n1,2,3:1\n")
    with pytest.raises(DataError, match=r"got data at line 1 \(a UCR archive file, the label first\? .*--ucr\)$"):
        read_ts(text="1\t0.5\t0.7\n")
