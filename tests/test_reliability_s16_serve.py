"""Session 16's reliability sweep (helper S): the HTTP service.

Each test fails on the code before its fix (checked with ``git archive 9c8588f src``, PYTHONPATH).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_reliability_s13_serve import _small_classifier

from rnnkit.serve.app import create_app
from rnnkit.serve.services import open_service


def test_head_is_answered_where_get_is(tmp_path):
    """RFC 9110 9.1: a general-purpose server supports GET and HEAD. HEAD /health (what uptime probes and load
    balancers send) was a 405 'Method Not Allowed'. Oracle: the GET of the same path -- same status, headers, no
    body; a POST-only path still refuses HEAD."""
    _small_classifier(tmp_path / "clf")
    client = TestClient(create_app(open_service(tmp_path / "clf")))
    get, head = client.get("/health"), client.head("/health")
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/predict").status_code == 405
