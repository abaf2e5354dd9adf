"""Session 22's hostile review (helper W): valid inputs that this session's new checks refused or warned about."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.forecasting.inputs import parse_series

#: RGI emoji tag sequences (UTS #51): the black flag, the tags of a subdivision code, CANCEL TAG
ENGLAND = "\U0001F3F4" + "".join(chr(0xE0000 + ord(c)) for c in "gbeng") + "\U000E007F"
SCOTLAND = "\U0001F3F4" + "".join(chr(0xE0000 + ord(c)) for c in "gbsct") + "\U000E007F"
WALES = "\U0001F3F4" + "".join(chr(0xE0000 + ord(c)) for c in "gbwls") + "\U000E007F"


def _panel(ids, n=30):
    return pd.DataFrame({"id": [i for i in ids for _ in range(n)], "t": list(range(n)) * len(ids),
                         "y": np.arange(n * len(ids), dtype=float)})


def test_subdivision_flags_are_distinct_ids():
    # 0adf632 removed every default-ignorable character before comparing ids, tags too: England's, Scotland's and
    # Wales' flags all read as the black flag and the panel was refused 'written one way'. Oracle: the same panel
    # with plain ids, and the ids come back as given.
    flagged = parse_series(_panel([ENGLAND, SCOTLAND, WALES]), target="y", time_col="t", id_col="id")
    plain = parse_series(_panel(["eng", "sct", "wls"]), target="y", time_col="t", id_col="id")
    assert [s.id for s in flagged] == [ENGLAND, SCOTLAND, WALES]
    for a, b in zip(flagged, plain):
        np.testing.assert_array_equal(a.y, b.y)


def test_tags_outside_an_emoji_sequence_still_ignored():
    # the rule 0adf632 added still holds where the tags follow no emoji: 'a' and 'a' + tags are one spelling
    with pytest.raises(DataError, match="differ only by default-ignorable"):
        parse_series(_panel(["a", "a" + ENGLAND[1:]]), target="y", time_col="t", id_col="id")
    with pytest.raises(DataError, match="written one way"):
        parse_series(_panel([ENGLAND, ENGLAND + "\ufe0f"]), target="y", time_col="t", id_col="id")


def test_a_label_of_many_digits_is_read_by_fit():
    # 4946d15's zero-padding warning read whole-number labels with int(), which refuses over 4,300 digits
    # (sys.int_info.str_digits_check_threshold): fit of a file with such a label (an id, a hash of digits) died with a
    # ValueError naming no argument; at 5a15cde it fitted. Oracle: the same fit with the label written "1a".
    import torch

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from rnnkit.tasks.classify_data import warn_zero_padded
    from toy_data import CLASSIFY_FAST

    long = "1" * 5000
    texts = ["good film", "bad film", "great film", "awful film"] * 3
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1})
    fits = []
    for first in (long, "1a"):    # "1a" sorts before "2" as long does
        torch.manual_seed(0)
        fits.append(TextClassifier(cfg).fit(texts, [first, "2", first, "2"] * 3).predict_proba(["good film"]))
    np.testing.assert_allclose(np.asarray(fits[0]), np.asarray(fits[1]))
    with pytest.warns(UserWarning, match="leading zeros"):     # the rule itself on long labels: '0' + long is long
        warn_zero_padded(["0" + long, long, "2"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_zero_padded([long, "1" + long, "0", "00a"])


def test_tsc_long_csv_with_a_trailing_comma_reads_as_without(tmp_path):
    # b84074e refused every unnamed column as 'a row index written by pandas' to_csv', so a file whose lines end with
    # a comma (a spreadsheet's or a script's trailing delimiter: an unnamed column empty on every row) was refused
    # with that hint; at 5a15cde it was read with a second channel, all missing. Oracle: the file without the commas.
    from rnnkit.data.tsc import read_long_csv

    lines = ["id,time,v,label"] + [f"s{i},{t},{(i * 7 + t) % 5}.5,{'ab'[i % 2]}" for i in range(4) for t in range(6)]
    plain, trailing, indexed = tmp_path / "plain.csv", tmp_path / "trailing.csv", tmp_path / "indexed.csv"
    plain.write_text("\n".join(lines) + "\n")
    trailing.write_text("\n".join(ln + "," for ln in lines) + "\n")
    indexed.write_text("\n".join([lines[0] + ","] + [ln + f",{k}" for k, ln in enumerate(lines[1:])]) + "\n")
    X0, y0 = read_long_csv(plain)
    X1, y1 = read_long_csv(trailing)
    assert y1 == y0 and len(X1) == len(X0)
    for a, b in zip(X1, X0):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="unnamed column ''"):      # an unnamed column holding values: refused still
        read_long_csv(indexed)


def test_predicting_ucr_lines_with_one_placeholder_label_is_not_warned(tmp_path, capsys):
    # b81af36 warns when no line of a predict --ucr file starts with a class of the run, and says 'write a label (any
    # placeholder) first' -- but a file that did so ('0' on every line, the UCR way to write unlabelled series) was
    # warned too, on every predict. One placeholder on every line is that layout: silent, and predicted as the same
    # series labelled with a class of the run (the oracle). Values alone (different first fields) are still warned.
    import json

    from toy_data import run_cli

    rng = np.random.default_rng(0)
    rows = [("ab"[i % 2], np.sin(np.linspace(0, 2 + 6 * (i % 2), 12)) + rng.normal(0, .1, 12)) for i in range(18)]
    line = lambda label, v: label + "\t" + "\t".join(f"{x:.4f}" for x in v)    # noqa: E731
    (tmp_path / "train.tsv").write_text("\n".join(line(c, v) for c, v in rows[:14]) + "\n")
    run = str(tmp_path / "run")
    fast = ["--epochs", "2", "--hidden-size", "4", "--batch-size", "4", "--quiet", "--json"]
    assert run_cli(["tsc", "train", "--ucr", str(tmp_path / "train.tsv"), "--out", run, *fast], capsys)[0] == 0
    outs = {}
    for name, first in (("placeholder", "0"), ("labelled", "a")):
        (tmp_path / f"{name}.tsv").write_text("\n".join(line(first, v) for _, v in rows[14:]) + "\n")
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            code, out, _ = run_cli(["tsc", "predict", "--run", run, "--ucr", str(tmp_path / f"{name}.tsv"), "--json"],
                                   capsys)
        assert code == 0 and not [w for w in seen if "start with its label" in str(w.message)], name
        outs[name] = json.loads(out)["predictions"]
    assert outs["placeholder"] == outs["labelled"]
    (tmp_path / "values.tsv").write_text("\n".join(line(f"{v[0]:.4f}", v[1:]) for _, v in rows[14:]) + "\n")
    with pytest.warns(UserWarning, match="start with its label"):
        run_cli(["tsc", "predict", "--run", run, "--ucr", str(tmp_path / "values.tsv"), "--json"], capsys)


def test_a_ucr_label_of_many_digits_is_read_as_its_number():
    # read_ucr wrote an integer label as str(int(text)) ('01' -> '1', 'however long' said its docstring), which Python
    # refuses over 4,300 digits: a ValueError naming no file or line. Oracle: int() with the limit lifted.
    import sys

    from rnnkit.data.tsc import read_ucr

    long = "0" + "7" * 5000
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        want = [str(int(t)) for t in (long, "-" + long, "+01", "-0")]
    finally:
        sys.set_int_max_str_digits(old)
    X, y = read_ucr(text="".join(f"{t}\t1\t2\n" for t in (long, "-" + long, "+01", "-0")))
    assert y == want and len(X) == 4
