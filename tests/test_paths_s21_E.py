"""Session 21, helper E: one input through every path (CLI, Python API, service, exports) gives one answer --
the cases session 20's tests/test_paths_s20_E.py left out. Defects found by comparing the paths on real data,
each with a small generated case here."""

import json

import numpy as np
import pandas as pd


from toy_data import run_cli as _cli, write_frame as _write


def _forecast(out):
    got = pd.DataFrame(json.loads(out)["forecast"])
    return got.assign(id=got["id"].astype(str), time=got["time"].astype(int))


def test_update_of_a_run_fitted_by_row_order_reads_the_runs_own_columns(tmp_path, capsys):
    """A run fitted on a CSV without --time-col (the row order: integer steps), updated with a file of the run's
    own columns ('forecast update reads --csv with the run's own columns'): 'rnnkit forecast update' stopped with
    '--time-col: expected the time column of --csv (the run was fitted on a series without one)' (exit 2), where
    Forecaster.update takes the same rows (pandas' default index: plain rows continuing each series) and the
    service the next steps (the Nile flow, 97 years fitted, 3 new). Now the CLI gives the API's forecast; a
    --time-col of steps still reads as before."""
    from rnnkit.tasks.forecasting.forecaster import Forecaster

    rng = np.random.default_rng(0)
    y = 5 + np.sin(np.arange(40.0)) + 0.1 * rng.normal(size=40)
    one = _write(tmp_path / "one.csv", pd.DataFrame({"y": y[:36]}))
    panel = _write(tmp_path / "panel.csv", pd.DataFrame({"shop": ["a"] * 36 + ["b"] * 30,
                                                         "y": np.r_[y[:36], 2 * y[:30]]}))
    for name, fit, new, id_args in (
            ("one", one, pd.DataFrame({"y": y[36:39]}), []),
            ("panel", panel, pd.DataFrame({"shop": ["a", "b", "a"], "y": [y[36], 2 * y[30], y[37]]}),
             ["--id-col", "shop"])):
        run = str(tmp_path / name)
        code, _, err = _cli(["forecast", "--csv", fit, "--target", "y", *id_args, "--horizon", "3", "--model",
                             "seasonal_naive", "--period", "6", "--out", run, "--quiet", "--no-plot"], capsys)
        assert code == 0, err
        path = _write(tmp_path / f"{name}_new.csv", new)
        code, out, err = _cli(["forecast", "update", "--run", run, "--csv", path, "--json", "--quiet"], capsys)
        assert code == 0, err
        want = Forecaster.load(run).update(new)
        got = _forecast(out)
        assert got[["id", "time"]].values.tolist() == want[["id", "time"]].astype({"id": str, "time": int}).values.tolist()
        np.testing.assert_allclose(got["value"].to_numpy(float), want["value"].to_numpy(float), rtol=0, atol=0)
    # the single series: steps 36, 37, 38 appended, so the forecast starts at 39 (as a --time-col of steps gives)
    steps = _write(tmp_path / "steps.csv", pd.DataFrame({"t": [36, 37, 38], "y": y[36:39]}))
    code, out, err = _cli(["forecast", "update", "--run", str(tmp_path / "one"), "--csv", steps, "--time-col", "t",
                           "--json", "--quiet"], capsys)
    assert code == 0, err
    code2, out2, _ = _cli(["forecast", "update", "--run", str(tmp_path / "one"), "--csv",
                           str(tmp_path / "one_new.csv"), "--json", "--quiet"], capsys)
    pd.testing.assert_frame_equal(_forecast(out2), _forecast(out))
    assert _forecast(out)["time"].tolist() == [39, 40, 41]
