"""``rnnkit forecast predict|update --run DIR --out DIR`` (session 17, lead): the module's help says ``--out DIR2``
saves there and "the run is untouched", but the run's own folder was accepted: ``update`` rewrote the saved model in
place (its metrics.json left describing the fit) and ``predict`` replaced the run's forecast.csv. Now a usage error
(exit 2) before anything is read or written; the run's files are byte for byte as they were (oracle: their bytes
before the call)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture()
def run(tmp_path):
    from rnnkit.cli.main import main

    t = pd.date_range("2018-01-01", periods=36, freq="MS").strftime("%Y-%m-%d")
    y = 100 + 10 * np.sin(np.arange(36) * 2 * np.pi / 12)
    pd.DataFrame({"date": t, "y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"date": ["2021-01-01"], "y": [5.0]}).to_csv(tmp_path / "new.csv", index=False)
    assert main(["forecast", "--csv", str(tmp_path / "y.csv"), "--target", "y", "--time-col", "date", "--model",
                 "seasonal_naive", "--horizon", "3", "--out", str(tmp_path / "run"), "--quiet", "--json"]) == 0
    return tmp_path


@pytest.mark.parametrize("action", ["update", "predict"])
@pytest.mark.parametrize("spelling", ["run", "run/", "./run/../run"])
def test_out_the_run_folder_itself_is_refused_and_the_run_is_unchanged(run, capsys, monkeypatch, action, spelling):
    from rnnkit.cli.main import main

    monkeypatch.chdir(run)
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in sorted((run / "run").rglob("*")) if p.is_file()}
    argv = ["forecast", action, "--run", "run", "--out", spelling, "--quiet", "--json"]
    if action == "update":
        argv += ["--csv", "new.csv"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--out: expected a folder other than --run's (the run stays as it was fitted), got the run folder itself" in err
    assert {p.name: p.read_bytes() for p in sorted((run / "run").rglob("*")) if p.is_file()} == before


def test_out_elsewhere_still_saves_the_update(run, capsys, monkeypatch):
    from rnnkit.cli.main import main

    monkeypatch.chdir(run)
    assert main(["forecast", "update", "--run", "run", "--csv", "new.csv", "--out", "run2", "--quiet", "--json"]) == 0
    assert (run / "run2" / "config.json").exists() and (run / "run2" / "forecast.csv").exists()
