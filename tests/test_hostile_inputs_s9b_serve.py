"""`rnnkit serve`, sweep 6b (session 9): a run folder or journal replaced on disk while serving, JSON
nested too deep, a state folder given for a run that keeps none. Each test fails on the code before its
fix."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


from test_hostile_inputs_s7_serve import _post, client  # noqa: F401 - the served seasonal-naive run fixture

_OB = '{"observations":[{"id":"series","time":%d,"value":51.5}]}'


def _refit_into(path, scale: float) -> None:
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(scale * (50 + 0.2 * t)).save(path)


def test_a_run_replaced_on_disk_while_serving_refuses_updates_instead_of_losing_or_misplacing_them(client, tmp_path):
    # Before: after `rm -rf run && cp -r other run` a POST was answered 200. With the default state
    # (RUN/serve-state) its journal line went to the unlinked old file: acknowledged, then lost at the
    # restart; with --state elsewhere it was journalled against a run that no longer exists, so the
    # restart refused the whole journal; and an undo after a failed update reloaded the *new* run.
    c, service = client
    assert _post(c, _OB % 60).status_code == 200
    before = c.get("/forecast").json()
    shutil.rmtree(tmp_path / "run")
    _refit_into(tmp_path / "run", 100.0)
    r = _post(c, _OB % 61)
    assert r.status_code == 503
    assert r.json()["error"].startswith(f"run: expected the files of the run this server loaded in "
                                        f"{str(tmp_path / 'run')!r}, got them replaced or removed while serving")
    assert c.get("/forecast").json() == before and c.get("/health").json()["updates"] == 1
    assert len(service.journal.entries) == 1


def test_a_journal_removed_while_serving_refuses_updates(client, tmp_path):
    c, service = client
    shutil.rmtree(tmp_path / "state")
    r = _post(c, _OB % 60)
    assert r.status_code == 503
    assert r.json()["error"].startswith(f"journal: expected {str(tmp_path / 'state' / 'journal.jsonl')!r}, the "
                                        "journal this server opened, got it removed or replaced while serving")
    assert c.get("/health").json()["updates"] == 0


def test_json_nested_too_deep_is_named(client):
    # Before: 400 '{"error": "POST /observations: There was an error parsing the body"}'
    c, _ = client
    r = _post(c, '{"observations":' + "[" * 5000 + "]" * 5000 + "}")
    assert r.status_code == 400
    assert r.json()["error"].startswith("body: expected JSON nested less deeply")


def test_a_state_folder_for_a_classifier_run_is_refused_not_ignored(tmp_path):
    # Before: `rnnkit serve --run CLASSIFY_RUN --state DIR` served and ignored DIR (a classifier keeps no
    # state); a user expecting durability there had none.
    from rnnkit.errors import ConfigError
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0,
                               progress=False)
    TextClassifier(cfg).fit(["good fine", "bad awful"] * 4, ["pos", "neg"] * 4, baselines=False).save(tmp_path / "clf")
    with pytest.raises(ConfigError, match=r"^state: applies to forecast runs only \(a classifier keeps no state\)"):
        open_service(tmp_path / "clf", tmp_path / "state")
    open_service(tmp_path / "clf")                                           # without it: served as before
