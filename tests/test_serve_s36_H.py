"""Session 36, helper H: the service's content-type rules against FastAPI's own (the reference: a plain route with a
pydantic body, in the same test), and N parallel updates over TCP to one run: every acknowledged update is in the
journal read back after a restart (oracle: the public API's update of exactly the acknowledged values)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
from pydantic import BaseModel  # noqa: E402


def _run(tmp_path):
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)).save(
        tmp_path / "run")
    return tmp_path / "run"


class Obs(BaseModel):   # module level: the route's annotation is a string (__future__ annotations) FastAPI resolves
    observations: list[dict]


CASES = [None, "application/json; charset=latin-1", "application/json; charset=us-ascii", "text/plain"]


def test_content_types_are_read_as_fastapi_reads_them(tmp_path):
    """FastAPI (strict_content_type, its default) reads no JSON from a body without a content-type: 422; a charset
    parameter it ignores (RFC 8259 11: it 'really has no effect on compliant recipients'): an ASCII body under
    charset=latin-1 passes. rnnkit's status is FastAPI's for each; its error named a missing header as the
    content-type 'none' (at 531fa65f), now as no content-type header."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service

    ref = FastAPI()

    @ref.post("/observations")
    def post(body: Obs):
        return {"accepted": len(body.observations)}

    reference = TestClient(ref)
    service = open_service(_run(tmp_path), tmp_path / "state")
    try:
        client = TestClient(create_app(service))
        for i, kind in enumerate(CASES):
            body = json.dumps({"observations": [{"id": "series", "time": 60 + i, "value": 1.0}]})
            headers = {} if kind is None else {"content-type": kind}
            want = reference.post("/observations", content=body, headers=headers).status_code
            got = client.post("/observations", content=body, headers=headers)
            assert got.status_code == want, (kind, got.text)
            if kind is None:
                assert got.json()["error"] == ("body: expected a JSON object sent with content-type application/json, "
                                               "got no content-type header")
    finally:
        service.close()


def test_parallel_updates_acknowledged_are_in_the_journal_after_a_restart(tmp_path):
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    run = _run(tmp_path)
    service = open_service(run, tmp_path / "state")

    def client(k):   # 8 clients at once, each posting the next steps; 200s are acknowledged, 409s refused
        acked = []
        with httpx.Client(timeout=60) as c:
            for step in range(60, 68):
                body = {"observations": [{"id": "series", "time": step, "value": 40.0 + k + step / 100}]}
                r = c.post(url + "/observations", content=json.dumps(body), headers={"content-type": "application/json"})
                assert r.status_code in (200, 409), r.text
                if r.status_code == 200:
                    acked.append((step, body["observations"][0]["value"]))
        return acked

    from rnnkit.serve.app import create_app
    from test_serve_s23_S import served     # the server on 127.0.0.1, stopped and joined when the block ends

    with served(create_app(service)) as port, ThreadPoolExecutor(8) as pool:
        url = f"http://127.0.0.1:{port}"
        acked = sorted(p for got in pool.map(client, range(8)) for p in got)
    assert acked
    again = open_service(run, tmp_path / "state")     # the restart: the journal as read back from disk
    try:
        journal = sorted((int(ob["time"]), ob["value"]) for e in again.journal.entries for ob in e["observations"])
        assert journal == acked and [s for s, _ in acked] == list(range(60, 60 + len(acked)))
        oracle = Forecaster.load(run).update(np.array([v for _, v in acked]))
        served = json.loads(again.forecast())["forecast"]          # the restarted service replays the journal
        np.testing.assert_allclose([r["value"] for r in served], oracle["value"].to_numpy())
    finally:
        again.close()
