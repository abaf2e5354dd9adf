"""ForecastConfig.workers / `rnnkit forecast --workers N` (session 20, lead): the per-series statistical fits on a
process pool apart from torch's threads -- since 44ecce5 only threads > 1 opened the pool, which also gave the networks
that many torch threads (on a loaded 2-core machine a 100-series default run at --threads 2 had used 962 s CPU after
44 min against 128.6 s for the whole run at --threads 1). Oracle: the same fit with workers=1 (no pool)."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting import series_pool as pool_mod
from rnnkit.tasks.forecasting.auto_model import AutoModel
from rnnkit.tasks.forecasting.config import ForecastConfig
from test_forecast_series_pool_s20 import _batch


def _frame(n: int = 4, seed: int = 5) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"id": s.id, "date": s.index, "y": s.y}) for s in _batch(n, seed)],
                     ignore_index=True)


@pytest.mark.parametrize("bad", [0, -1, 2.0, "2", True])
def test_workers_typed_error(bad):
    with pytest.raises(ConfigError, match=r"^workers: expected a positive int or None"):
        ForecastConfig(horizon=6, workers=bad)


@pytest.mark.skipif(not hasattr(os, "fork") or pool_mod.usable_cpus() < 2, reason="the pool needs fork and 2 CPUs")
def test_workers_open_the_pool_with_one_torch_thread_and_give_the_same_numbers(monkeypatch):
    seen = []
    real = pool_mod.map_series

    def spy(fn, args):
        seen.append((pool_mod.pool_workers(), torch.get_num_threads()))
        return real(fn, args)

    monkeypatch.setattr(pool_mod, "map_series", spy)
    for mod in ("candidates", "backtest"):
        monkeypatch.setattr(f"rnnkit.tasks.forecasting.{mod}.map_series", spy, raising=False)
    frame = _frame()
    runs = []
    for workers in (1, 2):
        seen.clear()
        m = AutoModel(config=ForecastConfig(horizon=6, candidates=("ets", "theta", "naive"), threads=1,
                                            workers=workers))
        m.fit(frame, target="y", time_col="date", id_col="id")
        runs.append((m.predict(), list(seen)))
    (fc1, seen1), (fc2, seen2) = runs
    assert seen1 and {w for w, _ in seen1} == {1}
    assert seen2 and {w for w, _ in seen2} == {2} and {t for _, t in seen2} == {1}   # the pool, torch at 1 thread
    pd.testing.assert_frame_equal(fc1, fc2, check_exact=True)


def test_cli_workers_flag_is_checked(tmp_path, capsys):
    _frame(2).to_csv(tmp_path / "p.csv", index=False)
    code = main(["forecast", "--csv", str(tmp_path / "p.csv"), "--target", "y", "--time-col", "date", "--id-col", "id",
                 "--horizon", "6", "--model", "theta", "--workers", "0", "--no-plot", "--out", str(tmp_path / "r")])
    assert code == 2
    assert "--workers: expected a positive int, got 0" in capsys.readouterr().err
