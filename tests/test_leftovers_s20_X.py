"""Session 20, helper X: defects other helpers found and left. Each test fails on the code before its fix
(session start ed90d6c) unless it says otherwise."""

from __future__ import annotations

import csv
import re
import sys

import numpy as np
import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

INVISIBLE = ["\u200b", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c", "\u202e", "\u2066", "\u00ad", "\u200d",
             "\u200c"]
TEXTS = ["good movie", "bad movie", "great film", "awful film"] * 10


# ----------------------------------------------------------------------------- labels: invisible characters
@pytest.mark.parametrize("mark", INVISIBLE)
def test_labels_that_differ_only_by_an_invisible_character_are_refused(mark):
    # before: check_labels(['pos', 'pos\u200b']) gave two classes, one of them invisible on screen, while
    # ['pos', 'pos '] was refused
    from rnnkit.tasks.common import check_labels

    for twin in (f"pos{mark}", f"{mark}pos", f" {mark}pos{mark} "):
        with pytest.raises(DataError, match=r"^y: expected each label written one way, got 'pos' \(y\[0\]\) and .* "
                                            r"\(y\[2\]\), which differ only by invisible characters \(zero-width, "
                                            r"bidi marks, BOM, soft hyphens\)"):
            check_labels(["pos", "neg", twin], "y")
    assert check_labels(["pos", "neg", "pos"], "y") == ["pos", "neg", "pos"]          # oracle: one spelling


@pytest.mark.parametrize("mark", INVISIBLE)
def test_a_label_of_invisible_characters_alone_is_a_missing_label(mark):
    from rnnkit.tasks.common import check_labels

    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(.*\) \(invisible "
                                        r"characters alone\)$"):
        check_labels(["pos", f" {mark}{mark}", "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(' '\)$"):  # as before
        check_labels(["pos", " ", "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(None\)$"):
        check_labels(["pos", None, "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(<NA>\)$"):
        check_labels(["pos", __import__("pandas").NA, "neg"], "y")


def test_a_joiner_inside_a_label_and_visible_marks_keep_labels_apart():
    # a guard (passes on the code before too): a ZWNJ inside a Persian word shapes it (the words tokenizer keeps it),
    # two words, two labels
    from rnnkit.tasks.common import check_labels

    persian = ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"]
    assert check_labels(persian) == persian
    assert check_labels(["pos", "pos-", "neg"]) == ["pos", "pos-", "neg"]


def test_evaluation_names_a_gold_label_that_differs_from_a_class_by_an_invisible_character():
    # before: 'pos\u2060' was an unseen label, scored wrong every time, silently
    from rnnkit.tasks.common import check_label_spelling

    with pytest.raises(DataError, match=r"^y\[1\]: expected a label as training wrote it, got 'pos\\u2060', while the "
                                        r"class 'pos' differs only by invisible characters"):
        check_label_spelling(["neg", "pos\u2060"], ["neg", "pos\u2060"], ["neg", "pos"], "y")
    check_label_spelling(["zzz"], ["zzz"], ["neg", "pos"], "y")       # an unseen label of its own stays one


def test_every_classifier_and_the_tagger_and_tsc_refuse_them(tmp_path):
    from rnnkit.tasks.classify_linear import TfidfLogReg
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
    from rnnkit.tasks.tsc import OneNNEuclidean

    labels = ["pos", "neg", "pos\u200b", "neg"] * 10
    with pytest.raises(DataError, match=r"^labels: expected each label written one way, got 'pos' \(labels\[0\]\) "
                                        r"and 'pos\\u200b' \(labels\[2\]\)"):
        TfidfLogReg(C=1.0).fit(TEXTS, labels)
    X = [np.arange(5.0)[:, None] + i for i in range(4)]
    with pytest.raises(DataError, match=r"^y: expected each label written one way"):
        OneNNEuclidean().fit(X, ["a", "b", "\ufeffa", "b"])
    with pytest.raises(DataError, match=r"^tags: expected each label written one way, got 'B-PER' \(tags\[0\]\[0\]\) "
                                        r"and 'B-PER\\u200f' \(tags\[1\]\[0\]\)"):
        SequenceTagger(TaggerConfig(epochs=1, progress=False)).fit([["Anna", "runs"], ["Bo", "sits"]],
                                                                   [["B-PER", "O"], ["B-PER\u200f", "O"]])


def test_classify_train_names_both_csv_rows(tmp_path, capsys):
    # helper Q's finding: a CSV with 'pos' and 'pos\u200d' trained four classes and its metrics showed both
    from rnnkit.cli.main import main

    pairs = (("good movie", "pos"), ("bad movie", "neg"), ("great film", "pos\u200d"), ("awful film", "neg"))
    rows = [(f"{t} {i}", lab) for i in range(10) for t, lab in pairs]
    with open(tmp_path / "zw.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    code = main(["classify", "train", "--csv", str(tmp_path / "zw.csv"), "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code != 0 and not (tmp_path / "run" / "config.json").exists()
    # session 36 (R): each label is named by its part of the --test-fraction split and its own index there
    assert re.search(r"error: DataError: labels: expected each label written one way, got 'pos' \(labels\[\d+\] "
                     r"of the (training|--test-fraction) part, --csv '.*zw.csv' row \d+\) and 'pos\\u200d' "
                     r"\(labels\[\d+\] of the (training|--test-fraction) part, --csv '.*zw.csv' row \d+\)"
                     r", which differ only by invisible characters", err), err


# ----------------------------------------------------------------------------- forecasting ids: one rule
def _panel(ids=("a", "b"), n=40):
    import pandas as pd

    days = pd.date_range("2021-01-01", periods=n, freq="D")
    return pd.DataFrame({"day": list(days) * len(ids), "store": [s for s in ids for _ in range(n)],
                         "y": np.concatenate([np.sin(np.arange(n) / (3 + k)) * 10 + 50 for k in range(len(ids))]),
                         "promo": np.tile((np.arange(n) % 7 == 0).astype(float), len(ids))})


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_a_blank_id_is_refused_by_the_api_as_by_a_csv_file(tmp_path, blank):
    # before: the frame's '' (or '  ') was a series named so, while the same rows read from a CSV file had a
    # missing id: the same data, two answers
    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting import Forecaster

    df, shown = _panel(("a", blank)), re.escape(repr(blank))
    with pytest.raises(DataError, match=rf"^id_col 'store': expected an id on every row, got 40 blank \({shown}: "
                                        r"empty or white space alone, which a CSV file's reader reads as a missing "
                                        r"id; first in data row 41\)$"):
        Forecaster(model="seasonal_naive", horizon=3).fit(df, target="y", time_col="day", id_col="store")
    df.to_csv(tmp_path / "p.csv", index=False)
    frame = read_series_csv(tmp_path / "p.csv", "day", id_col="store")       # the CLI's reader (--csv)
    with pytest.raises(DataError, match=r"^id_col 'store': expected an id on every row, got 40 (missing|blank)"):
        Forecaster(model="seasonal_naive", horizon=3).fit(frame, target="y", time_col="day", id_col="store")
    naive = Forecaster(model="seasonal_naive", horizon=3)
    assert naive.fit(_panel(("a", " b")), target="y", time_col="day", id_col="store").predict()["id"].unique().tolist() \
        == [" b", "a"]                                       # an id with a space is an id, as before (guard)


def _promo_panel_fit():
    from rnnkit.tasks.forecasting import Forecaster

    return Forecaster(model="gru", horizon=3, epochs=1, hidden_size=4, lookback=5, seed=0).fit(
        _panel(), target="y", time_col="day", id_col="store", future_covariates=["promo"])


def _future(ids):
    import pandas as pd

    days = pd.date_range("2021-02-10", periods=3, freq="D")
    return pd.DataFrame({"day": list(days) * len(ids), "store": [s for s in ids for _ in range(3)],
                         "promo": np.tile([1.0, 0.0, 0.0], len(ids))})


def test_future_rows_for_ids_the_model_never_fitted_are_named():
    # before: the rows of 'c' and 'zz' were dropped without a word (a mistyped id hid among the others' rows)
    import warnings

    f = _promo_panel_fit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                         # the rows of the fitted ids alone: no warning
        want = f.predict(future_covariates=_future(["a", "b"]))
    with pytest.warns(UserWarning, match=r"^future_covariates: rows for ids the model never fitted are not used: "
                                         r"'c', 'zz' \(fitted: \['a', 'b'\]\)$"):
        got = f.predict(future_covariates=_future(["zz", "a", "c", "b"]))
    import pandas as pd

    pd.testing.assert_frame_equal(got, want)                   # oracle: the forecast without those rows
    with pytest.raises(DataError, match=r"^future_covariates: id_col 'store': expected an id on every row, got 3 "
                                        r"blank \('': empty"):
        f.predict(future_covariates=_future(["a", "b", ""]))


def test_update_names_a_blank_id_as_a_fit_does():
    # before: 'new_points: expected ids among ['a', 'b'], got ''' -- a CSV's empty cell was 'got 1 missing'
    import pandas as pd

    f = _promo_panel_fit()
    new = pd.DataFrame({"day": ["2021-02-10"], "store": [" "], "y": [50.0], "promo": [0.0]})
    with pytest.raises(DataError, match=r"^new_points: id_col 'store': expected an id on every row, got 1 blank "
                                        r"\(' ': empty or white space alone"):
        f.update(new, future_covariates=_future(["a", "b"]))


# ----------------------------------------------------------------------------- forecast.png written atomically
def _plotted(tmp_path):
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster(model="seasonal_naive", horizon=3).fit(_panel(("a",)), target="y", time_col="day", id_col="store")
    png = tmp_path / "forecast.png"
    f.plot(png)
    return f, png, png.read_bytes()


def test_a_plot_write_that_fails_names_the_path_and_keeps_the_earlier_image(tmp_path, monkeypatch):
    # before: savefig wrote the file itself (no fsync, no temp file): a full disk left a truncated image in place
    import errno

    import rnnkit._io

    f, png, before = _plotted(tmp_path)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(rnnkit._io.os, "fsync", full)
    with pytest.raises(OSError, match=r"No space left on device: '.*forecast\.png'$"):
        f.plot(png)
    assert png.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["forecast.png"]


def test_a_plot_whose_rendering_fails_leaves_no_half_image(tmp_path, monkeypatch):
    # before: the renderer wrote into forecast.png itself, so a failure half way left half an image there
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    f, png, before = _plotted(tmp_path)

    draw = FigureCanvasAgg.print_png

    def half(self, out, **kw):            # matplotlib's layout pass (_get_renderer) draws into a BytesIO of its own
        if sys._getframe(1).f_code.co_name == "_get_renderer":
            return draw(self, out)
        (out.write if hasattr(out, "write") else open(out, "wb").write)(before[:100])
        raise RuntimeError("renderer failed")
    monkeypatch.setattr(FigureCanvasAgg, "print_png", half)
    with pytest.raises(RuntimeError, match="renderer failed"):
        f.plot(png)
    assert png.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["forecast.png"]
    f.plot(tmp_path / "f.svg")                                             # another format: by its suffix, as before
    assert (tmp_path / "f.svg").read_bytes().lstrip().startswith(b"<?xml")
