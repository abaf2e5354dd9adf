"""`rnnkit serve` when its state folder's disk is full (session 8): POST /observations answered a
plain-text "Internal Server Error" (500) with a traceback in the log -- not the one-line JSON error every
other refusal gets. Now a 503 naming the journal and the cause; nothing was applied, and the same
request succeeds once there is space."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


def test_a_journal_that_cannot_be_written_is_a_503_and_nothing_is_applied(tmp_path, monkeypatch):
    import warnings

    from rnnkit.serve.app import create_app
    from rnnkit.serve.journal import Journal
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)).save(
        tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    body = '{"observations":[{"id":"series","time":60,"value":1.5}]}'
    real = Journal.append

    def full(self, entry):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    try:
        with TestClient(create_app(service), raise_server_exceptions=False) as c:
            before = c.get("/forecast").json()
            monkeypatch.setattr(Journal, "append", full)
            r = c.post("/observations", content=body, headers={"content-type": "application/json"})
            assert r.status_code == 503
            assert r.json() == {"error": f"journal: expected to record the update in "
                                         f"{str(tmp_path / 'state' / 'journal.jsonl')!r}, got No space left on "
                                         "device (nothing was applied; retry later)"}
            assert c.get("/health").json()["updates"] == 0 and c.get("/forecast").json() == before
            monkeypatch.setattr(Journal, "append", real)
            r = c.post("/observations", content=body, headers={"content-type": "application/json"})
            assert r.status_code == 200 and c.get("/health").json()["updates"] == 1
    finally:
        service.close()
