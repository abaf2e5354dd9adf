"""Session 17's hostile-input sweep (helper Q): the HTTP service's request bodies.

Each test fails on the code before its fix (checked with ``git archive 23fec2f src``, PYTHONPATH).
"""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from fastapi.testclient import TestClient
from test_reliability_s13_serve import _small_classifier

from rnnkit.serve import app as app_module
from rnnkit.serve.app import create_app
from rnnkit.serve.services import open_service

pytestmark = pytest.mark.usefixtures("one_thread_module")
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s17serve") / "clf"
    _small_classifier(folder)
    with TestClient(create_app(open_service(folder))) as c:
        yield c


def test_a_compressed_body_is_read_as_its_content_encoding_says(client):
    """A gzip body (what `curl --compressed`-style clients and proxies send) was read as JSON text: 400 'got byte
    0x8b ... not UTF-8'. Oracle: the same request uncompressed -- the same answer for gzip and deflate."""
    body = json.dumps({"texts": ["good nice", "bad awful bad"]}).encode()
    plain = client.post("/predict", content=body, headers=JSON)
    assert plain.status_code == 200
    for coding, data in (("gzip", gzip.compress(body)), ("deflate", zlib.compress(body)),
                         ("GZip", gzip.compress(body))):
        reply = client.post("/predict", content=data, headers={**JSON, "content-encoding": coding})
        assert (reply.status_code, reply.json()) == (200, plain.json()), coding


def test_a_content_encoding_not_decoded_or_not_matching_the_body_is_refused(client):
    """A coding the service does not decode (br) was ignored and the bytes read as they came; a body that is not
    the gzip its header names was a 'not UTF-8' 400 or, when plain JSON, silently taken."""
    body = json.dumps({"texts": ["good"]}).encode()
    reply = client.post("/predict", content=body, headers={**JSON, "content-encoding": "br"})
    assert reply.status_code == 415 and reply.json()["error"].startswith("content-encoding: expected one of")
    assert "'br'" in reply.json()["error"]
    reply = client.post("/predict", content=body, headers={**JSON, "content-encoding": "gzip"})
    assert reply.status_code == 400 and reply.json()["error"].startswith("body: expected gzip data")
    reply = client.post("/predict", content=gzip.compress(body)[:-6], headers={**JSON, "content-encoding": "gzip"})
    assert reply.status_code == 400 and "ends before its end" in reply.json()["error"]
    reply = client.post("/predict", content=gzip.compress(body), headers={**JSON, "content-encoding": "gzip, gzip"})
    assert reply.status_code == 415
    assert client.post("/predict", content=body, headers={**JSON, "content-encoding": "identity"}).status_code == 200


def test_a_gzip_bomb_is_refused_at_the_body_limit_once_decompressed(client):
    """The limit on a body holds for what it decompresses to (a 1,000-fold bomb is ~16 KB on the wire)."""
    limited = TestClient(app_module.BodyLimit(client.app, limit=2 ** 16))
    bomb = gzip.compress(b'{"texts": ["' + b"a" * (2 ** 20) + b'"]}')
    assert len(bomb) < 2 ** 16
    reply = limited.post("/predict", content=bomb, headers={**JSON, "content-encoding": "gzip"})
    assert reply.status_code == 413 and "once decompressed" in reply.json()["error"]


def test_the_openapi_schema_is_served_without_a_warning(client):
    """GET and HEAD shared one route, so one operation id: every GET /openapi.json warned 'Duplicate Operation ID
    health_health_get' (a UserWarning in the server's log). HEAD keeps its answers (the s16 test) and stays out
    of the schema, where GET /health is."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = client.get("/openapi.json")
    assert schema.status_code == 200
    assert sorted(schema.json()["paths"]["/health"]) == ["get"]
    get, head = client.get("/health"), client.head("/health")
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
