"""Session 23, helper S: the HTTP service under slow and hostile clients, and export's lengths dtypes.

Servers are real uvicorn servers on 127.0.0.1 (a thread of the test) talked to over raw sockets where the client's
timing is the point. Oracles: the same body sent whole (a 200 and its journal line), the service's own sequential
answers and ``TextClassifier.predict_proba``, the forecasts of ``Forecaster.load(run).update(...)``, and, for export,
the model itself fed int64 lengths.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from toy_data import run_cli, seasonal_service

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

pytestmark = pytest.mark.usefixtures("one_thread")

OBS = b'{"observations":[{"id":"series","time":60,"value":1.0}]}'


@contextlib.contextmanager
def served(app, http="auto"):
    """``app`` on uvicorn (``http``: its protocol) in a thread on 127.0.0.1 (a free port): yields the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="on", http=http))
    thread = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    for _ in range(500):                           # wait until it answers (no timing is asserted)
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            break
        except httpx.TransportError:
            time.sleep(0.02)
    try:
        yield port
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


def _forecaster(tmp_path):
    """A seasonal-naive run (tmp_path/run) and its service (state in tmp_path/state)."""
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)).save(
        tmp_path / "run")
    return open_service(tmp_path / "run", tmp_path / "state")


def _reply(sock) -> tuple[bytes, bool]:
    """Everything the server sends until it closes (or resets) the connection, 30 s at most: (bytes, closed)."""
    sock.settimeout(30)
    got = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return got, True
            got += data
    except ConnectionResetError:                   # closed with bytes of ours unread: a reset
        return got, True
    except socket.timeout:
        return got, False


def _one_response(sock) -> bytes:
    """One whole response (its head, then Content-Length bytes) read from a kept-alive connection."""
    got = b""
    while b"\r\n\r\n" not in got:
        got += sock.recv(65536)
    head, _, body = got.partition(b"\r\n\r\n")
    size = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < size:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _trickle(port, head: bytes, body: bytes, pause: float = 0.1, size: int = 1) -> tuple[bytes, bool]:
    """Send ``head`` at once, then ``body`` ``size`` bytes every ``pause`` s until the server answers; (the reply,
    closed)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    with c:
        c.sendall(head)
        for i in range(0, len(body), size):
            try:
                c.sendall(body[i:i + size])
            except OSError:                        # the server closed it
                break
            c.setblocking(False)
            try:
                if c.recv(1, socket.MSG_PEEK):     # an answer came: stop sending
                    break
            except BlockingIOError:
                pass
            finally:
                c.setblocking(True)
            time.sleep(0.1)
        return _reply(c)


def _status_and_json(reply: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


# ------------------------------------------------------------------ 1. slow clients: a bounded body read
def test_a_body_trickled_past_body_timeout_is_408_and_the_connection_is_closed(tmp_path):
    """A client that sent its headers and then its body a byte at a time held its connection for as long as it liked
    (uvicorn has no body timeout). A body not all there ``body_timeout`` s after its headers is a 408 with a one-line
    JSON error, and the connection is closed. Oracle: the same body sent at once is accepted (200, journalled)."""
    from rnnkit.serve.app import create_app

    service = _forecaster(tmp_path)
    with served(create_app(service, body_timeout=0.5)) as port:
        head = (b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(OBS))
        reply, closed = _trickle(port, head, OBS)
        status, headers, body = _status_and_json(reply)
        assert (status, headers["connection"], closed) == (408, "close", True), reply
        assert body["error"].startswith("body: expected the request body within 0.5 s of its headers (rnnkit serve "
                                        "--body-timeout, and 1 s more per 16 KiB received), got "), body
        assert body["error"].endswith(f"bytes of {len(OBS)} in that time") and "\n" not in body["error"]
        # chunked, no Content-Length: the same bound
        chunked = (b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n")
        reply, closed = _trickle(port, chunked, b"%x\r\n%s\r\n0\r\n\r\n" % (len(OBS), OBS))
        status, headers, body = _status_and_json(reply)
        assert (status, closed) == (408, True) and body["error"].endswith("bytes (chunked) in that time"), reply
        assert service.journal.entries == []                 # nothing applied
        ok = httpx.post(f"http://127.0.0.1:{port}/observations", content=OBS,
                        headers={"content-type": "application/json"}, timeout=30)
        assert ok.status_code == 200 and len(service.journal.entries) == 1, ok.text


def test_a_head_trickled_past_head_timeout_is_408_and_the_connection_is_closed(tmp_path):
    """Nothing bounded a request's head in progress: a client sending a header line every 0.1 s (slowloris) held its
    connection as long as it liked (uvicorn's keep-alive timer is cancelled by any byte). ``rnnkit serve`` runs
    uvicorn with :func:`rnnkit.serve.head.head_timeout_protocol`: a head not there in time is a 408 and the
    connection is closed; an idle connection is closed without a word. Oracles: a request whose body takes longer than
    the head timeout (within its body timeout) is served, and so is a second request on the same connection."""
    from rnnkit.serve.app import create_app
    from rnnkit.serve.head import head_timeout_protocol

    service = _forecaster(tmp_path)
    with served(create_app(service, body_timeout=30), http=head_timeout_protocol(0.5)) as port:
        lines = b"".join(b"X-Line-%d: %d\r\n" % (i, i) for i in range(200)) + b"\r\n"
        reply, closed = _trickle(port, b"GET /health HTTP/1.1\r\nHost: t\r\n", lines, size=len(lines) // 200)
        status, headers, body = _status_and_json(reply)
        assert (status, headers["connection"], closed) == (408, "close", True), reply
        assert body == {"error": "request: expected its request line and headers within 0.5 s, got part of them in "
                                 "that time"}
        with socket.create_connection(("127.0.0.1", port), timeout=30) as idle:
            assert _reply(idle) == (b"", True)
        head = (b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(OBS))
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        with c:
            c.sendall(head)
            for i in range(0, len(OBS), 8):         # the body in about 1.4 s, past the head's 0.5 s
                c.sendall(OBS[i:i + 8])
                time.sleep(0.2)
            first = _one_response(c)
            c.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            second, _ = _reply(c)
        assert first.startswith(b"HTTP/1.1 200 ") and second.startswith(b"HTTP/1.1 200 "), (first, second)
        assert len(service.journal.entries) == 1


def test_a_malformed_head_or_a_length_beside_chunked_is_a_json_400_and_the_connection_closed(tmp_path):
    """uvicorn answered a head h11 cannot read in plain text ('Invalid HTTP request received.', h11's reason in the
    log only); the served protocol answers a one-line JSON error naming h11's reason. A Content-Length beside
    Transfer-Encoding: chunked (RFC 9112 6.3; a proxy reading the length sees another request boundary) was read as
    chunked, silently: it is a 400 naming both. Nothing is applied; oracle: the well-formed request is accepted."""
    from rnnkit.serve.app import create_app
    from rnnkit.serve.head import head_timeout_protocol

    service = _forecaster(tmp_path)
    post = b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    cases = [(b"GARBAGE\r\n\r\n", "illegal request line"),
             (post + b"Content-Length: %d\r\nContent-Length: 3\r\n\r\n" % len(OBS) + OBS,
              "conflicting Content-Length headers"),
             (post + b"Transfer-Encoding: gzip, chunked\r\n\r\n", "Only Transfer-Encoding: chunked is supported")]
    with served(create_app(service), http=head_timeout_protocol(30)) as port:
        for data, reason in cases:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
                c.sendall(data)
                reply, closed = _reply(c)
            status, headers, body = _status_and_json(reply)
            assert (status, headers["content-type"], closed) == (400, "application/json", True), reply
            assert body["error"].startswith(f"request: expected an HTTP/1.1 request h11 reads, got one it does not "
                                            f"({reason}"), body
        with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
            c.sendall(post + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
                      % (len(OBS), OBS))
            reply, closed = _reply(c)
        status, headers, body = _status_and_json(reply)
        assert (status, headers["connection"], closed) == (400, "close", True), reply
        assert body == {"error": "content-length: expected none beside Transfer-Encoding (RFC 9112 6.3: the two "
                                 "disagree on where the body ends), got both"}
        assert service.journal.entries == []
        with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
            c.sendall(post + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(OBS) + OBS)
            assert _status_and_json(_reply(c)[0])[0] == 200
        assert len(service.journal.entries) == 1


def test_body_timeout_is_checked_where_it_is_given(tmp_path, capsys, monkeypatch):
    """``create_app``/``serve``/``BodyLimit`` take a finite number of seconds > 0, and ``rnnkit serve --body-timeout``
    is a usage error (exit 2) before the run is loaded otherwise; the flag's value reaches the server, and without it
    the documented default."""
    import rnnkit.serve.app as app_module
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.serve.app import BODY_TIMEOUT, BodyLimit, create_app, serve

    service = _forecaster(tmp_path)
    for bad, error in ((0, ConfigError), (-1.0, ConfigError), (float("nan"), ConfigError), (float("inf"), ConfigError),
                       ("5", InputTypeError), (True, InputTypeError), (None, InputTypeError)):
        for call in (lambda: create_app(service, body_timeout=bad), lambda: serve(tmp_path / "run", body_timeout=bad),
                     lambda: BodyLimit(None, body_timeout=bad)):
            with pytest.raises(error, match=r"^body_timeout: expected "):
                call()
        if bad is not None:
            with pytest.raises(error, match=r"^head_timeout: expected "):
                serve(tmp_path / "run", head_timeout=bad)
    service.close()
    for text in ("0", "nan", "inf", "-3"):
        code, _, err = run_cli(["serve", "--run", str(tmp_path / "run"), "--body-timeout", text], capsys)
        assert code == 2 and "--body-timeout: expected a finite number of seconds > 0, got" in err, err
    seen = []
    monkeypatch.setattr(app_module, "serve", lambda run, **kw: seen.append(kw["body_timeout"]))
    monkeypatch.setattr("rnnkit.cli.serve.check_address", lambda host, port: None)
    for argv, want in ((["--body-timeout", "2.5"], 2.5), ([], BODY_TIMEOUT)):
        code, _, err = run_cli(["serve", "--run", str(tmp_path / "run"), *argv], capsys)
        assert code == 0, err
        assert seen.pop() == want


# ------------------------------------------------------------------ 2. JSON and header edge cases
def test_a_charset_other_than_utf8_is_a_415_naming_it(tmp_path):
    """The body was decoded as UTF-8 whatever charset its Content-Type declared: Latin-1 bytes that happen to be valid
    UTF-8 were read as other text, silently (a forecaster's id 'Ã©' read as 'é'), and UTF-16 was refused as 'not
    UTF-8'. A declared charset other than UTF-8 is a 415 naming it; utf-8 in any spelling is read as before (oracle:
    the same bytes without a charset)."""
    client, service = seasonal_service(tmp_path)
    with client:
        for kind, body in (("application/json; charset=iso-8859-1", "{\"observations\":[{\"id\":\"s\u00c3\u00a9\","
                                                                     "\"time\":60,\"value\":1.0}]}".encode("utf-8")),
                           ("application/json; charset=utf-16", OBS.decode().encode("utf-16")),
                           ('application/json; charset="latin1"', OBS.replace(b"series", "séries".encode("latin-1")))):
            r = client.post("/observations", content=body, headers={"content-type": kind})
            charset = kind.split("=")[1].strip('"')
            assert r.status_code == 415, r.text
            assert r.json() == {"error": f"content-type: expected charset utf-8 or none (JSON text is UTF-8, RFC 8259 "
                                         f"8.1), got charset {charset!r}"}
        assert service.journal.entries == []
        for n, kind in enumerate(("application/json", "application/json; charset=UTF-8", "application/json;charset=utf8",
                                  'application/json; charset="utf-8"'), 60):
            r = client.post("/observations", content=OBS.replace(b"60", str(n).encode()), headers={"content-type": kind})
            assert r.status_code == 200, (kind, r.text)
        assert len(service.journal.entries) == 4


def test_json_edge_cases_get_a_typed_4xx_naming_the_field_on_every_endpoint(tmp_path):
    """NaN / Infinity literals (Python's json reads them), a body of null / an array / a string, a key given twice,
    integers past 2**63 where an int is expected, arrays nested past the parser: each a 4xx with one line naming the
    field or the body, never a 500 or an answer; nothing is applied."""
    client, service = seasonal_service(tmp_path)
    big = str(2 ** 64)

    def ob(id_='"series"', time_="60", value="1.0"):
        return f'{{"observations":[{{"id":{id_},"time":{time_},"value":{value}}}]}}'

    cases = [(ob(value="NaN"), 422, "observations[0].value: expected a finite number, got NaN"),
             (ob(value="-Infinity"), 422, "observations[0].value: expected a finite number, got -Infinity"),
             (ob(time_="Infinity"), 422, "observations[0].time: expected a string or an integer, got Infinity"),
             (ob(id_="NaN"), 422, "observations[0].id: expected a string or an integer, got NaN"),
             (ob(time_=big), 422, "observations: expected times at most 10000 steps after the end of series 'series', "
                                  f"got {big}"),
             (ob(time_="-" + big), 409, "observations[0].time: expected a time after the last one of series 'series' "
                                        f"(the next is 60), got -{big}"),
             (ob(id_=big), 404, f"observations[0].id: expected one of ['series'], got '{big}'"),
             ("null", 422, "body: expected a JSON object, got null"),
             ("[1]", 422, "body: expected a JSON object, got an array"),
             ('"x"', 422, "body: expected a JSON object, got a string"),
             ("NaN", 422, "body: expected a JSON object, got a number"),
             ('{"observations":[], "observations":[]}', 422,
              "body: expected each key once in a JSON object, got 'observations' twice"),
             ("[" * 100_000 + "]" * 100_000, 400, "body: expected JSON nested less deeply, got more levels of "
                                                  "arrays/objects than the parser reads (about 1,000)")]
    with client:
        for body, status, error in cases:
            r = client.post("/observations", content=body, headers={"content-type": "application/json"})
            assert (r.status_code, r.json()) == (status, {"error": error}), body[:80]
        r = client.get("/forecast", params={"h": "NaN"})
        assert r.status_code == 422 and r.json()["error"].startswith("query: expected no query parameters")
    assert service.journal.entries == []


def test_a_chunked_body_over_the_limit_is_a_413_and_the_connection_closed(tmp_path):
    """Transfer-Encoding: chunked without Content-Length is size-limited while it streams in (413 past
    MAX_BODY_BYTES), and the connection is closed after the reply (it was kept open reading whatever the client went
    on sending). Oracle: a chunked body within the limit is accepted."""
    from rnnkit.serve.app import MAX_BODY_BYTES, create_app

    service = _forecaster(tmp_path)
    with served(create_app(service)) as port:
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        with c:
            c.sendall(b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b" " * 2 ** 20
            try:
                for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
                    c.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:                        # refused while it streamed in: the server closed it
                pass
            reply, closed = _reply(c)
        status, headers, body = _status_and_json(reply)
        assert (status, headers["connection"], closed) == (413, "close", True), reply[:300]
        assert body == {"error": f"body: expected at most {MAX_BODY_BYTES} bytes, got more"}
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        with c:
            c.sendall(b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close"
                      b"\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(OBS), OBS))
            reply, _ = _reply(c)
        assert _status_and_json(reply)[0] == 200 and len(service.journal.entries) == 1


# ------------------------------------------------------------------ 3. concurrency
def test_parallel_predictions_equal_sequential_ones(tmp_path):
    """N clients posting /predict at once get what one client posting the same requests one after another gets, and
    what ``TextClassifier.predict_proba`` gives (the run has dropout 0.3: a prediction in training mode, or state
    shared between requests, would differ)."""
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False)
    assert cfg.dropout > 0
    TextClassifier(cfg).fit(texts, labels).save(tmp_path / "clf")
    clf = TextClassifier.load(tmp_path / "clf")
    words = ["good", "bad", "nice", "awful", "fine", "terrible", "great", "so", "very"]
    rng = np.random.default_rng(0)
    requests = [[" ".join(rng.choice(words, size=rng.integers(1, 30))) for _ in range(rng.integers(1, 6))]
                for _ in range(24)]
    with served(create_app(open_service(tmp_path / "clf"))) as port:
        url = f"http://127.0.0.1:{port}/predict"

        def post(batch):
            with httpx.Client(timeout=60) as c:
                r = c.post(url, json={"texts": batch})
                assert r.status_code == 200, r.text
                return r.json()

        sequential = [post(b) for b in requests]
        with ThreadPoolExecutor(6) as pool:
            parallel = list(pool.map(post, requests))
    assert parallel == sequential
    for batch, got in zip(requests, parallel):
        want = clf.predict_proba(batch)
        assert [p["label"] for p in got["predictions"]] == [clf.classes[int(i)] for i in want.argmax(1)]
        np.testing.assert_allclose([[p["probabilities"][c] for c in clf.classes] for p in got["predictions"]], want,
                                   rtol=1e-6)


def test_forecast_reads_during_updates_are_one_whole_state(tmp_path):
    """GET /forecast and /health while updates are applied get the state before or after an update, never a mix:
    every forecast read is one of the forecasts the public API gives after 0, 1, ... of the accepted updates, and
    /health's update count and next time agree."""
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import forecast_records
    from rnnkit.tasks.forecasting import Forecaster

    service = _forecaster(tmp_path)
    values = [51.0, 49.5, 53.25, 50.0, 52.0, 48.0]
    states, f = [forecast_records(Forecaster.load(tmp_path / "run").predict())], Forecaster.load(tmp_path / "run")
    for v in values:
        states.append(forecast_records(f.update(np.array([v]))))
    done = threading.Event()
    with served(create_app(service)) as port:
        url = f"http://127.0.0.1:{port}"

        def reader():
            seen = []
            with httpx.Client(base_url=url, timeout=60) as c:
                while not done.is_set() or not seen:
                    seen.append((c.get("/forecast").json()["forecast"], c.get("/health").json()))
            return seen

        with ThreadPoolExecutor(3) as pool:
            readers = [pool.submit(reader) for _ in range(2)]
            with httpx.Client(base_url=url, timeout=60) as c:
                for step, v in enumerate(values, 60):
                    body = {"observations": [{"id": "series", "time": step, "value": v}]}
                    assert c.post("/observations", json=body).status_code == 200
                done.set()
                last = c.get("/forecast").json()["forecast"]
            seen = [s for r in readers for s in r.result()]
    assert last == states[-1]
    for forecast, health in seen:
        assert forecast in states
        assert health["next_time"] == {"series": str(60 + health["updates"])}


# ------------------------------------------------------------------ 4. export: lengths dtypes
def test_input_spec_refuses_a_lengths_dtype_that_wraps_or_rounds():
    """A lengths input of dtype int8/uint8 held lengths up to 127/255: a sequence of 300 steps had length 44, and
    bfloat16/float16 round lengths past 256/2048 (301 -> 300), silently. Such a spec is a ConfigError naming the
    dtype; int16 and wider, float32/64 and the ids of any integer dtype are taken as before."""
    from rnnkit.errors import ConfigError
    from rnnkit.export.signature import InputSpec

    assert torch.tensor(300).to(torch.int8).item() == 44 and torch.tensor(301.0).to(torch.bfloat16).item() == 300
    for dtype, top in ((torch.int8, 127), (torch.uint8, 255), (torch.bfloat16, 256), (torch.float16, 2048)):
        with pytest.raises(ConfigError, match=rf"^InputSpec.dtype: expected a dtype holding lengths up to at least "
                                              rf"32767 for kind 'lengths' .*{dtype} holds whole numbers up to {top} "
                                              rf"only"):
            InputSpec("lengths", ("batch",), dtype, "lengths")
    for dtype in (torch.int16, torch.int32, torch.int64, torch.float32, torch.float64):
        InputSpec("lengths", ("batch",), dtype, "lengths")
    InputSpec("ids", ("batch", "time"), torch.int8, "ids", high=100)
    InputSpec("x", ("batch", "time", 3), torch.float16)


class _LengthsModel(torch.nn.Module):
    """A GRU reading ``(x, lengths)``; lengths of any dtype are read as int64."""

    def __init__(self):
        super().__init__()
        import rnnkit

        torch.manual_seed(0)
        self.gru = rnnkit.GRU(3, 4, batch_first=True)

    def forward(self, x, lengths):
        return self.gru(x, None, lengths.long())[1]


def test_the_runner_refuses_lengths_that_are_not_whole_or_a_time_axis_past_their_dtype(tmp_path):
    """onnxruntime ran float lengths 2.5 (as 3 steps: the model itself refuses them) and NaN (NaN passes every range
    check); a time axis longer than the lengths dtype holds (int16: 32767) can only come with wrapped lengths. Each is
    a typed error naming the input. Oracle: the model fed the same whole lengths as int64."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from rnnkit.errors import DataError, ShapeError
    from rnnkit.export import export, load_runner
    from rnnkit.export.signature import InputSpec

    model = _LengthsModel().eval()
    x = torch.randn(2, 5, 3)
    for dtype in (torch.float32, torch.int16):
        path = tmp_path / f"m_{str(dtype)[6:]}.onnx"
        export(model, path, inputs=[InputSpec("x", ("batch", "time", 3)), InputSpec("lengths", ("batch",), dtype,
                                                                                     "lengths")])
        run = load_runner(path, "onnx")
        with torch.no_grad():
            want = model(x, torch.tensor([5, 3])).numpy()
        np.testing.assert_allclose(run(x, torch.tensor([5, 3], dtype=dtype))[0], want, atol=1e-5)
        if dtype == torch.float32:
            for bad in (2.5, float("nan")):
                with pytest.raises(DataError, match=rf"^lengths: expected whole numbers \(lengths in dtype float32\), "
                                                    rf"got {bad}$"):
                    run(x, torch.tensor([5.0, bad]))
        else:
            with pytest.raises(ShapeError, match=r"^lengths: expected a time axis of at most 32767 steps \(the longest "
                                                 r"length its dtype int16 holds"):
                run(torch.zeros(1, 32768, 3), torch.tensor([5], dtype=dtype))


class _CategoryModel(torch.nn.Module):
    """A GRU over ``x`` plus the embedding of one category code per row."""

    def __init__(self):
        super().__init__()
        import rnnkit

        torch.manual_seed(0)
        self.emb, self.gru = torch.nn.Embedding(5, 3), rnnkit.GRU(3, 4, batch_first=True)

    def forward(self, x, cat):
        return self.gru(x + self.emb(cat)[:, None, :])[1]


def test_an_integer_or_bool_input_of_kind_normal_is_refused_before_tracing():
    """An InputSpec of kind 'normal' (the default) with an integer dtype drew randn cast to int (-2..2, mostly 0): a
    category code was fed -1 and the export died in the probe with torch's bare 'IndexError: index out of range in
    self' (a bool one 'Expected tensor for argument #1 'indices' ...'). It is a ConfigError naming the input and the
    kind that draws it. Oracles: the same model with kind 'ids' (high=5), and with example= tensors of int64."""
    from rnnkit.errors import ConfigError
    from rnnkit.export.signature import InputSpec, module_spec

    model, x = _CategoryModel().eval(), InputSpec("x", ("batch", "time", 3))
    for dtype, hint in ((torch.int64, r"an integer input is kind 'ids'"), (torch.bool, r"a bool input exports with "
                                                                                       r"example= tensors")):
        with pytest.raises(ConfigError, match=rf"^inputs: expected a floating dtype for 'cat' of kind 'normal' \(drawn "
                                              rf"from a normal distribution\), got {dtype}; {hint}"):
            module_spec(model, inputs=[x, InputSpec("cat", ("batch",), dtype)])
    spec = module_spec(model, inputs=[x, InputSpec("cat", ("batch",), torch.int64, "ids", high=5)])
    assert spec.sample(3, 4)[1].dtype == torch.int64
    example = (torch.randn(2, 4, 3), torch.tensor([0, 4]))
    assert module_spec(model, example=example).sample(0, 0) == example


def test_the_runner_names_its_inputs_when_fed_by_keyword(tmp_path):
    """``load_runner``'s function takes its tensors by position; a keyword (``run(x=x)``, the way an onnxruntime feed
    names them) was Python's bare "checked_feed.<locals>.checked() got an unexpected keyword argument 'x'" (with a
    description) or "run_program() got ..." (without). It is an InputTypeError naming the order. Oracle: the same
    tensors by position."""
    import rnnkit
    from rnnkit.errors import InputTypeError
    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 4, batch_first=True).eval()
    path = tmp_path / "g.pt2"
    export(gru, path, format="torch-export")
    x, h0 = torch.randn(2, 5, 3), torch.zeros(1, 2, 4)
    with torch.no_grad():
        want = gru(x, h0)[0].numpy()
    for run, order in ((load_runner(path, "torch-export"), " (x, h0)"), (load_runner(path.read_bytes(), "torch-export"),
                                                                         "")):
        np.testing.assert_allclose(run(x, h0)[0], want, atol=1e-6)
        with pytest.raises(InputTypeError, match=rf"^inputs: expected the tensors by position{re.escape(order)}, got "
                                                 rf"keyword argument\(s\) 'h0'$"):
            run(x, h0=h0)


def test_state_false_or_lengths_true_where_the_graph_has_no_such_option_is_refused(tmp_path, capsys):
    """``export(..., state=False)`` (``rnnkit export --no-state``) drops a forecaster's or a layer's initial-state
    inputs, and ``lengths=True`` adds a layer's lengths input; for a classify or tsc run, a fitted classifier, or a
    module given example=/inputs= both were ignored, silently (the graph written as if not asked). Each is a
    ConfigError naming the argument before anything is loaded or written (the CLI: a usage error naming --no-state,
    exit 2). Oracle: the same targets resolve with the defaults."""
    from rnnkit.errors import ConfigError
    from rnnkit.export.api import export, resolve
    from rnnkit.export.signature import InputSpec
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = ["good fine", "bad awful", "nice good", "awful bad"] * 4, ["pos", "neg", "pos", "neg"] * 4
    clf = TextClassifier(TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8,
                                              val_fraction=0.0, progress=False)).fit(texts, labels)
    clf.save(tmp_path / "clf")
    model, spec = _CategoryModel().eval(), [InputSpec("x", ("batch", "time", 3)),
                                            InputSpec("cat", ("batch",), torch.int64, "ids", high=5)]
    cases = [(lambda: export(tmp_path / "clf", tmp_path / "a.onnx", state=False),
              r"^state: expected True \(the default\) for a 'classify' run \(its graph has no state inputs"),
             (lambda: export(clf, tmp_path / "a.onnx", state=False),
              r"^state: expected True \(the default\) for a fitted TextClassifier \(its graph has no state inputs"),
             (lambda: export(tmp_path / "clf", tmp_path / "a.onnx", lengths=True),
              r"^lengths: expected False for a run folder \(only a recurrent layer's graph takes lengths"),
             (lambda: export(clf, tmp_path / "a.onnx", lengths=True), r"^lengths: expected False for a fitted "
                                                                      r"TextClassifier"),
             (lambda: export(model, tmp_path / "a.onnx", inputs=spec, lengths=True),
              r"^lengths: expected False for a _CategoryModel exported with inputs="),
             (lambda: export(model, tmp_path / "a.onnx", inputs=spec, state=False),
              r"^state: expected True \(the default\) for a _CategoryModel exported with inputs= \(its graph's "
              r"inputs are the ones given\), got False$")]
    for call, pattern in cases:
        with pytest.raises(ConfigError, match=pattern):
            call()
    assert not (tmp_path / "a.onnx").exists()
    code, _, err = run_cli(["export", "--run", str(tmp_path / "clf"), "--no-state", "--out", str(tmp_path / "a.onnx")],
                           capsys)
    assert code == 2 and "--no-state: applies to forecast runs only (a classify run's graph has no state inputs)" in err
    assert [i.name for i in resolve(tmp_path / "clf").inputs] == [i.name for i in resolve(clf).inputs] == ["ids",
                                                                                                           "lengths"]
    assert [i.name for i in resolve(model, inputs=spec).inputs] == ["x", "cat"]


def test_a_body_sent_with_get_or_head_is_refused_not_ignored(tmp_path):
    """GET /forecast and /health take no parameters: a query parameter is refused (a typo is not ignored), but a body
    ('{"horizon": 5}', a client that meant to ask for something) was ignored, silently, and the default answer given.
    It is a 422 naming the body; nothing changes. Oracle: the same requests without a body."""
    client, service = seasonal_service(tmp_path)
    with client:
        for method, path in (("GET", "/forecast"), ("GET", "/health"), ("HEAD", "/forecast"), ("HEAD", "/health")):
            r = client.request(method, path, content=b'{"horizon": 5}', headers={"content-type": "application/json"})
            assert r.status_code == 422, (method, path, r.text)
            if method == "GET":
                assert r.json() == {"error": f"body: expected none ({method} {path} takes no parameters), got 14 bytes"}
            assert client.request(method, path).status_code == 200
    assert service.journal.entries == []
