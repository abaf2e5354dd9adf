"""`rnnkit serve`: a JSON number literal beyond float64 (`1e400`) is named as such. json.loads reads it as inf, so
the service answered 'expected a finite number, got Infinity' for a body that holds no Infinity (seen by helper F,
session 35). Fails on the code before the fix (the message)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from test_hostile_inputs_s7_serve import _post, client  # noqa: F401 - the served seasonal-naive run fixture


@pytest.mark.parametrize("literal", ["1e400", "-1e999", "123456789e307"])
def test_a_number_literal_beyond_float64_is_named_not_called_infinity(client, literal):
    c, service = client
    r = _post(c, '{"observations":[{"id":"series","time":60,"value":%s}]}' % literal)
    assert r.status_code == 422
    error = r.json()["error"]
    assert f"got {literal}: a number too large for float64" in error and "Infinity" not in error
    assert c.get("/health").json()["updates"] == 0 and not service.journal.entries


def test_infinity_written_as_such_is_still_refused_as_before(client):
    c, _ = client
    r = _post(c, '{"observations":[{"id":"series","time":60,"value":Infinity}]}')
    assert r.status_code == 422 and "Infinity" in r.json()["error"]


def test_a_large_finite_literal_is_taken(client):
    c, _ = client
    assert _post(c, '{"observations":[{"id":"series","time":60,"value":1e200}]}').status_code == 200
