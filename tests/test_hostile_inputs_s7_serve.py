"""Hostile requests to `rnnkit serve`, session 7 sweep: duplicate JSON keys, steps with leading zeros,
over-long integer literals, query parameters no endpoint takes, bodies that are not objects. Each was
accepted (silently taking one reading) or a bare 400/500 before; now a one-line 4xx naming what is wrong,
and nothing is journalled."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


@pytest.fixture()
def client(tmp_path):
    from toy_data import seasonal_service

    c, service = seasonal_service(tmp_path)
    with c:
        yield c, service
    service.close()


def _post(c, body: str):
    return c.post("/observations", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("body, pattern", [
    # json.loads keeps the last value of a repeated key: {"value": 1.0, "value": 2.0} journalled 2.0 with a 200
    ('{"observations":[{"id":"series","time":60,"value":1.0,"value":2.0}]}',
     r"^body: expected each key once in a JSON object, got 'value' twice$"),
    ('{"observations":[{"id":"series","time":60,"value":1.0}],"observations":[{"id":"series","time":61,"value":1}]}',
     r"^body: expected each key once in a JSON object, got 'observations' twice$"),
    # "060" read as step 60 (a strict integer parser, JSON's included, refuses leading zeros)
    ('{"observations":[{"id":"series","time":"060","value":1.0}]}',
     r"^observations\[0\]\.time: expected an integer step like 60, got '060'$"),
    # a 5000-digit step as text: int() raised ValueError (over Python's 4300-digit limit) -> a 500
    ('{"observations":[{"id":"series","time":"' + "1" * 5000 + '","value":1.0}]}',
     r"^observations\[0\]\.time: expected an integer step like 60, got '1111"),
    # a 5000-digit JSON integer: '{"error": "POST /observations: There was an error parsing the body"}' (400)
    ('{"observations":[{"id":"series","time":60,"value":' + "1" * 5000 + '}]}',
     r"^body: expected integers of at most \d+ digits, got one of 5000$"),
    ('[{"id":"series","time":60,"value":1.0}]', r"^body: expected a JSON object, got an array$"),
    ("null", r"^body: expected a JSON object, got null$"),
])
def test_bodies_read_one_way_only_or_refused_naming_the_key(client, body, pattern):
    c, service = client
    r = _post(c, body)
    assert r.status_code == 422, r.text
    assert re.search(pattern, r.json()["error"]), r.json()["error"]
    assert "\n" not in r.json()["error"]
    assert service.journal.entries == []                  # nothing applied
    ok = _post(c, '{"observations":[{"id":"series","time":"60","value":1.0}]}')   # a plain step as text still works
    assert ok.status_code == 200, ok.text
    assert service.journal.entries == [{"observations": [{"id": "series", "time": "60", "value": 1.0}]}]


@pytest.mark.parametrize("path", ["/forecast?horizn=5", "/forecast?horizon=5", "/health?verbose=1"])
def test_unknown_query_parameters_are_refused_not_ignored(client, path):
    # '/forecast?horizn=5' answered the default forecast with a 200: the typo went unnoticed
    c, _ = client
    r = c.get(path)
    assert r.status_code == 422, r.text
    name = path.split("?")[1].split("=")[0]
    assert r.json()["error"] == f"query: expected no query parameters (GET {path.split('?')[0]}), got {name!r}"
    assert c.get(path.split("?")[0]).status_code == 200
    assert c.get("/nowhere?x=1").status_code == 404        # an unknown path is still a 404
