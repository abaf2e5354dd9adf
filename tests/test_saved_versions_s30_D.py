"""Runs saved by another rnnkit (helper D, session 30): a newer rnnkit's run (a format number bumped, a key this
rnnkit does not know) is refused in one line that says to upgrade; an older one's in one line that says to save it
again -- never loaded without what its writer recorded, never "train it again" for a newer run.

Each folder is written here as the other version would have written it (today's save, then the one field its
writer would change, and the digest maps made again, as rnnkit's save makes them)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import CheckpointError
from rnnkit.tasks.runs import RUN_KEYS, load_run, save_run


@dataclass(frozen=True)
class _Cfg:
    width: int = 2


def _redigest(root: Path) -> None:
    """Make every digest map under ``root`` match its files again (inner maps first), as a save writes them."""
    for dg in sorted(root.rglob("digests.json"), key=lambda p: -len(p.parts)):
        d = json.loads(dg.read_text())
        d["sha256"] = {n: hashlib.sha256((dg.parent / n).read_bytes()).hexdigest() for n in d["sha256"]}
        dg.write_text(json.dumps(d))


def _edit(root: Path, change) -> Path:
    meta = json.loads((root / "config.json").read_text())
    change(meta)
    (root / "config.json").write_text(json.dumps(meta))
    _redigest(root)
    return root


def _task_run(tmp_path: Path) -> Path:
    return save_run(tmp_path / "run", "toy", _Cfg(), torch.nn.Linear(2, 1), state={"mean": 1.0})


def test_task_run_loads_as_saved(tmp_path):
    run = load_run(_task_run(tmp_path), "toy", _Cfg)
    assert run["config"] == _Cfg() and run["state"] == {"mean": 1.0}
    assert set(json.loads((tmp_path / "run" / "config.json").read_text())) == set(RUN_KEYS)


def test_newer_schema_is_told_to_upgrade_not_to_train_again(tmp_path):
    root = _edit(_task_run(tmp_path), lambda m: m.update(schema_version=3))
    with pytest.raises(CheckpointError, match=r"got 3 \(written by a newer rnnkit.*upgrade rnnkit") as e:
        load_run(root, "toy", _Cfg)
    assert "train it again" not in str(e.value) and "\n" not in str(e.value)   # 8119a0d: 'train it again'


def test_older_schema_is_told_to_save_again(tmp_path):
    root = _edit(_task_run(tmp_path), lambda m: m.update(schema_version=1))
    with pytest.raises(CheckpointError, match=r"got 1 \(written by an older rnnkit.*train it again"):
        load_run(root, "toy", _Cfg)


def test_unknown_section_of_a_newer_rnnkit_is_refused_not_ignored(tmp_path):
    # 8119a0d loaded it: the run predicted without what its writer put in the new section
    root = _edit(_task_run(tmp_path), lambda m: m.update(calibration={"temperature": 2.0}))
    with pytest.raises(CheckpointError, match=r"config\.json: expected the keys of a run's config\.json .*got unknown "
                                              r"\['calibration'\].*newer rnnkit\? upgrade"):
        load_run(root, "toy", _Cfg)


def test_unknown_and_missing_settings_name_the_version_to_use(tmp_path):
    root = _edit(_task_run(tmp_path), lambda m: m["config"].update(new_option=1))
    with pytest.raises(CheckpointError, match=r"unknown \['new_option'\], missing \[\] \(keys this rnnkit .*newer"):
        load_run(root, "toy", _Cfg)
    root = _edit(root, lambda m: m.update(config={}))
    with pytest.raises(CheckpointError, match=r"missing \['width'\] \(written by an older rnnkit.*save it again"):
        load_run(root, "toy", _Cfg)


def test_digest_map_of_a_newer_format_names_it(tmp_path):
    root = _task_run(tmp_path)
    d = json.loads((root / "digests.json").read_text())
    (root / "digests.json").write_text(json.dumps({**d, "format": 2}))
    # 8119a0d: "expected {"format": 1, ...}, got ['format', 'sha256']" -- the keys it has, no version
    with pytest.raises(CheckpointError, match=r"got format 2 \(written by a newer rnnkit.*upgrade rnnkit"):
        load_run(root, "toy", _Cfg)
    (root / "digests.json").write_text(json.dumps({"sha256": d["sha256"]}))   # no format at all: as before
    with pytest.raises(CheckpointError, match=r"got \['sha256'\]$"):
        load_run(root, "toy", _Cfg)


def _forecaster(tmp_path: Path, model: str) -> Path:
    from rnnkit.forecast import ForecastConfig, Forecaster

    y = pd.Series(100 + 10 * np.sin(np.arange(48) / 2.0), name="y")
    kw = {"epochs": 1, "hidden_size": 4, "windows_per_epoch": 16} if model == "gru" else {}
    f = Forecaster(config=ForecastConfig(model=model, horizon=3, threads=1, **kw)).fit(y)
    return f.save(tmp_path / model)


@pytest.mark.parametrize("model", ["seasonal_naive", "gru"])   # the two saves: auto_model, network_model
def test_forecaster_section_of_a_newer_rnnkit_is_refused(tmp_path, model):
    from rnnkit.forecast import Forecaster
    from rnnkit.tasks.forecasting.model_base import SAVED_KEYS

    root = _forecaster(tmp_path, model)
    assert set(json.loads((root / "config.json").read_text())) <= set(SAVED_KEYS)
    before = Forecaster.load(root).predict()
    _edit(root, lambda m: m.update(level_shift={"y": 5.0}))
    # 8119a0d loaded and forecast as if the section were not there
    with pytest.raises(CheckpointError, match=r"got unknown \['level_shift'\] .*newer rnnkit\? upgrade rnnkit"):
        Forecaster.load(root)
    _edit(root, lambda m: (m.pop("level_shift"), m["config"].update(new_option=1)))
    with pytest.raises(CheckpointError, match=r"expected the ForecastConfig settings, got unknown \['new_option'\] "
                                              r"\(keys this rnnkit"):
        Forecaster.load(root)
    _edit(root, lambda m: m["config"].pop("new_option"))
    pd.testing.assert_frame_equal(Forecaster.load(root).predict(), before)   # the edits undone: loads as saved
