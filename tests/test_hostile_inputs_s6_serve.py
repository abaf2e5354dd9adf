"""Hostile requests to `rnnkit serve`, session 6 sweep: a real server on 127.0.0.1 (uvicorn in a thread,
started by the test), malformed and mistyped bodies, and concurrent posts to the same model."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")


@pytest.fixture()
def server(tmp_path):
    """A seasonal-naive run served on 127.0.0.1 (a free port); yields ``(base_url, service)``."""
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)).save(
        tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(service), log_level="error", access_log=False, lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for _ in range(200):                           # wait until it answers (no timing is asserted)
        try:
            httpx.get(url + "/health", timeout=5)
            break
        except httpx.TransportError:
            threading.Event().wait(0.02)
    yield url, service, tmp_path
    srv.should_exit = True
    thread.join(10)
    sock.close()


def test_malformed_bodies_get_one_line_errors_naming_the_body(server):
    # a body that is not JSON was '{"error": "1: JSON decode error"}' ('1' is a character position, not a
    # field); an empty body 'body: Field required'; JSON sent as text/plain 'Input should be a valid
    # dictionary' (FastAPI parses JSON only under a JSON content-type; nothing said so)
    url, service, _ = server
    ok = '{"observations":[{"id":"series","time":60,"value":1.0}]}'
    cases = [(b"{", "application/json", r"^body: expected JSON text, got a decode error at character 1 \("),
             (b"", "application/json", r"^body: expected a JSON object, got an empty body$"),
             (ok, "text/plain", r"^body: expected a JSON object sent with content-type application/json, got "
                                r"content-type 'text/plain'$"),
             ('{"observations":[{"id":"series","time":60,"value":NaN}]}', "application/json",
              r"^observations\[0\]\.value: expected a finite number, got NaN$"),
             ('{"observations":[{"id":"series","time":60.0,"value":1}]}', "application/json", r"^observations\[0\]\.time"),
             ('{"observations":[]}', "application/json", r"^observations: expected at least 1 item\(s\), got 0$")]
    import re

    for body, kind, pattern in cases:
        r = httpx.post(url + "/observations", content=body, headers={"content-type": kind}, timeout=30)
        assert r.status_code == 422, r.text
        assert re.search(pattern, r.json()["error"]), r.json()["error"]
    assert service.journal.entries == []              # nothing applied


def test_concurrent_posts_over_tcp_lose_nothing_acknowledged(server):
    # 6 clients at once, each posting the next steps until one is accepted: every 200 is in the journal,
    # and the served forecast is the public API's update of exactly the journal (oracle)
    from rnnkit.tasks.forecasting import Forecaster

    url, service, tmp_path = server

    def client(k):
        accepted = []
        with httpx.Client(timeout=60) as c:
            for step in range(60, 66):
                body = {"observations": [{"id": "series", "time": step, "value": 50.0 + k}]}
                r = c.post(url + "/observations", content=json.dumps(body), headers={"content-type": "application/json"})
                assert r.status_code in (200, 409), r.text     # 409: another client took that step
                if r.status_code == 200:
                    accepted.append((step, 50.0 + k))
        return accepted

    with ThreadPoolExecutor(6) as pool:
        acked = sorted(p for got in pool.map(client, range(6)) for p in got)
    journal = sorted((int(ob["time"]), ob["value"]) for e in service.journal.entries for ob in e["observations"])
    assert acked == journal and [s for s, _ in acked] == list(range(60, 60 + len(acked)))
    oracle = Forecaster.load(tmp_path / "run").update(np.array([v for _, v in acked]))
    served = httpx.get(url + "/forecast", timeout=30).json()["forecast"]
    np.testing.assert_allclose([r["value"] for r in served], oracle["value"].to_numpy())
