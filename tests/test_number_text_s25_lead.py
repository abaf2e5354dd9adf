"""Decimals written in another script's digits are told as such (session 25, found by helper F's fuzzing): the
hint fired only for whole numbers (``str.isdigit``), so a target of '١٠.٥' (Arabic-Indic, decimal point),
'١٠٫٥' (the Arabic decimal separator U+066B) or '１０．５' (full-width) got a bare 'expected numeric values, got
dtype str' with no word of the cause. Oracle: pandas reads none of them as numbers (checked in the test)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from rnnkit.data.number_text import number_text_hint
from rnnkit.errors import DataError


@pytest.mark.parametrize("value, digit", [("\u0661\u0660.\u0665", "\u0661"), ("\u0661\u0660\u066b\u0665", "\u0661"),
                                          ("\uff11\uff10\uff0e\uff15", "\uff11"), ("-\u0661\u0662", "\u0661"),
                                          ("\u0661\u0660,\u0665", "\u0661")])
def test_other_script_decimals_get_the_hint(value, digit):
    assert not pd.api.types.is_numeric_dtype(pd.read_csv(io.StringIO(f"y\n{value}\n"), sep="\t")["y"])
    assert number_text_hint(value) == f"; digits of another script ({digit!r}, U+{ord(digit):04X}): write ASCII digits 0-9"


@pytest.mark.parametrize("value", ["10.5", "10\uff0e5", "10\u066b5", "x\u0661", "\u00bd", ""])
def test_ascii_digits_or_words_get_no_script_hint(value):
    assert "another script" not in number_text_hint(value)


def test_forecast_target_of_arabic_indic_decimals_is_refused_with_the_hint():
    from rnnkit.tasks.forecasting import Forecaster

    frame = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=30).strftime("%Y-%m-%d"),
                          "y": ["\u0661\u0660.\u0665"] * 30})
    with pytest.raises(DataError, match=re.escape("; digits of another script ('\u0661', U+0661): write ASCII "
                                                  "digits 0-9") + "$"):
        Forecaster("seasonal_naive", horizon=2).fit(frame, target="y", time_col="day")
