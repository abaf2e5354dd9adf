"""Session 36, helper R: hostile sweep fixes (tsc, ...). Each test names what it fixed and what it was before."""

from __future__ import annotations

import warnings

import pytest

from rnnkit.data.tsc import read_ucr
from rnnkit.errors import DataError

UCR = "".join(f"{1 + i % 2}," + ",".join(f"{(i * 7 + j) % 5 / 4:.2f}" for j in range(6)) + "\n" for i in range(8))


def test_a_ucr_csv_whose_every_line_ends_with_a_comma_is_read_with_a_warning(tmp_path):
    # before: 'expected a value in every field, got an empty field at line 1 (write NaN for a missing value)' --
    # an empty LAST field moves no value (a trailing tab was already read past); oracle: the file without the commas
    (tmp_path / "a.csv").write_text(UCR.replace("\n", ",\r\n"), encoding="utf-8")
    (tmp_path / "b.csv").write_text(UCR, encoding="utf-8")
    with pytest.warns(UserWarning, match=r"every line ends with a comma \(an empty last field.*read without it "
                                         r"\(8 lines\)"):
        X, y = read_ucr(tmp_path / "a.csv")
    X0, y0 = read_ucr(tmp_path / "b.csv")
    assert y == y0 and [x.tolist() for x in X] == [x.tolist() for x in X0]


def test_an_empty_last_field_on_some_lines_only_is_still_refused(tmp_path):
    lines = UCR.splitlines()
    lines[3] += ","
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"expected a value in every field, got an empty field at line 4"):
            read_ucr(tmp_path / "a.csv")
