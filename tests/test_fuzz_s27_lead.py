"""Inputs found by helper F's mutation fuzzer (session 27) that read wrong silently or named the wrong place, fixed
by the lead in files whose helpers had finished. Oracles: the cell written in the file, forecast's own refusal of
the same cell."""

from __future__ import annotations

import numpy as np
import pytest

from toy_data import run_cli

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "4", "--threads", "1", "--quiet"]


def _ucr_lines(n: int = 12, T: int = 10) -> list[list[str]]:
    rng = np.random.default_rng(0)
    return [[str(1 + i % 2), *(f"{v:.3f}" for v in np.sin(np.linspace(0, 2 + 4 * (i % 2), T)) + rng.normal(0, .1, T))]
            for i in range(n)]


@pytest.mark.parametrize("digits", ["\u0661\u0662\u0663", "\uff11\uff12\uff13"])    # Arabic-Indic, full-width 123
def test_a_series_value_in_digits_of_another_script_is_refused_not_read(tmp_path, capsys, digits):
    # at 9a58fdf float() read '١٢٣' and '１２３' as 123.0: the run trained on them with no word (forecast refuses them)
    rows = _ucr_lines()
    rows[5][3] = digits
    ucr = tmp_path / "x.tsv"
    ucr.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    code, _, err = run_cli(["tsc", "train", "--ucr", str(ucr), "--out", str(tmp_path / "run"), *FAST], capsys)
    assert code == 1 and "line 6" in err and repr(digits) in err and "write ASCII digits 0-9" in err, err
    ts = tmp_path / "x.ts"
    ts.write_text("@problemName toy\n@classLabel true 1 2\n@data\n"
                  + "".join(",".join(r[1:]) + ":" + r[0] + "\n" for r in rows), encoding="utf-8")
    code, _, err = run_cli(["tsc", "train", "--ts", str(ts), "--out", str(tmp_path / "run2"), *FAST], capsys)
    assert code == 1 and "line 9" in err and repr(digits) in err and "write ASCII digits 0-9" in err, err
