"""`rnnkit serve`: a real client against a real server process on 127.0.0.1 (a free port), including a
`kill -9` and a restart.

Oracles: the public ``Forecaster.load(run).update(points).predict()`` run in the test (the service must
serve exactly that), the forecast before the kill (the restarted server must serve it again), and
``TextClassifier.predict_proba`` for /predict.
"""

import json
import signal

import httpx
import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import CheckpointError
from rnnkit.serve.journal import Journal
from rnnkit.serve.services import forecast_records

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def fc_run(tmp_path_factory):
    from rnnkit.tasks.forecasting import Forecaster

    root = tmp_path_factory.mktemp("serve")
    t = np.arange(72)
    rows = [pd.DataFrame({"store": s, "date": pd.date_range("2015-01-01", periods=72, freq="MS"),
                          "sales": 50 + k * 10 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)}) for k, s in enumerate("ab")]
    data = pd.concat(rows, ignore_index=True)
    f = Forecaster("gru", horizon=3, epochs=2, lookback=12, hidden_size=8)
    f.fit(data, target="sales", time_col="date", id_col="store")
    f.save(root / "run")
    return root / "run"


class Server:
    """``python -m rnnkit serve`` in a child process (the ``start_service`` fixture); ``kill()`` is SIGKILL (no
    shutdown code runs)."""

    def __init__(self, start, run, state):
        self.proc, self.url = start("--run", run, "--state", state)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def _oracle(run, batches):
    """What the service must serve: the run loaded and updated through the public API, batch by batch."""
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster.load(run)
    for batch in batches:
        f.update(pd.DataFrame({"store": [o["id"] for o in batch], "date": pd.to_datetime([o["time"] for o in batch]),
                               "sales": [o["value"] for o in batch]}))
    return forecast_records(f.predict())


def test_forecast_service_updates_rejects_and_survives_kill_9(fc_run, tmp_path, start_service):
    state = tmp_path / "state"
    srv = Server(start_service, fc_run, state)
    try:
        c = srv.client
        health = c.get("/health").json()
        assert health["status"] == "ok" and health["series"] == ["a", "b"] and health["updates"] == 0
        assert health["next_time"] == {"a": "2021-01-01", "b": "2021-01-01"}
        first = c.get("/forecast").json()
        assert first == {"forecast": _oracle(fc_run, [])}
        assert [r["time"] for r in first["forecast"][:3]] == ["2021-01-01", "2021-02-01", "2021-03-01"]

        batches = [[{"id": "a", "time": "2021-01-01", "value": 66.0}, {"id": "b", "time": "2021-01-01", "value": 75.5},
                    {"id": "a", "time": "2021-02-01", "value": 64.0}],
                   [{"id": "b", "time": "2021-04-01", "value": 80.0}]]  # b: 2021-02/03 missing -> interpolated
        # the same updates through the public API, the gap given as missing values
        direct = [batches[0], [{"id": "b", "time": t, "value": np.nan} for t in ("2021-02-01", "2021-03-01")]
                  + batches[1]]
        for i, batch in enumerate(batches):
            r = c.post("/observations", json={"observations": batch})
            assert r.status_code == 200, r.text
            assert r.json()["forecast"] == _oracle(fc_run, direct[: i + 1])
        before = c.get("/forecast").json()
        assert before["forecast"] == _oracle(fc_run, direct) and before != first

        bad = [({"observations": [{"id": "zz", "time": "2021-05-01", "value": 1.0}]}, 404, "id"),
               ({"observations": [{"id": "a", "time": "2021-02-01", "value": 1.0}]}, 409, "after the last"),
               ({"observations": [{"id": "a", "time": "2021-03-15", "value": 1.0}]}, 422, "grid"),
               ({"observations": [{"id": "a", "time": "2021-03-01", "value": "1"}]}, 422, "value"),
               ({"observations": [{"id": "a", "time": "2021-03-01"}]}, 422, "value"),
               ({"observations": [{"id": "a", "time": "2021-03-01", "value": 1.0, "x": 2}]}, 422, "x"),
               ({"observations": []}, 422, "observations"),
               ({"texts": ["hi"]}, 422, "observations"),
               # one good point and one bad: nothing at all is applied
               ({"observations": [{"id": "b", "time": "2021-05-01", "value": 1.0},
                                  {"id": "a", "time": "2020-01-01", "value": 1.0}]}, 409, "after the last")]
        for body, status, word in bad:
            r = c.post("/observations", json=body)
            assert r.status_code == status, (body, r.text)
            reason = r.json()["error"]
            assert word in reason and "\n" not in reason
        r = c.post("/observations", content=b'{"observations": [{"id": "a", "time": "2021-03-01", "value": NaN}]}',
                   headers={"content-type": "application/json"})
        assert r.status_code == 422 and "finite" in r.json()["error"]
        r = c.post("/observations", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert c.get("/forecast").json() == before and c.get("/health").json()["updates"] == 2
        assert c.post("/predict", json={"texts": ["x"]}).status_code == 404  # not a classifier
    finally:
        srv.kill()
    assert srv.proc.returncode == -signal.SIGKILL

    again = Server(start_service, fc_run, state)  # replays the journal
    try:
        assert again.client.get("/forecast").json() == before
        assert again.client.get("/health").json()["updates"] == 2
        more = [{"id": "a", "time": "2021-03-01", "value": 65.0}]
        r = again.client.post("/observations", json={"observations": more})
        assert r.status_code == 200 and r.json()["forecast"] == _oracle(fc_run, direct + [more])
    finally:
        again.kill()


def test_journal_drops_a_torn_tail_and_refuses_corruption_a_second_owner_and_another_run(fc_run, tmp_path):
    j = Journal(tmp_path / "s", fc_run)
    j.append({"observations": [{"id": "a", "time": "2021-01-01", "value": 1.0}]})
    with pytest.raises(CheckpointError, match="locked"):
        Journal(tmp_path / "s", fc_run)
    j.close()
    with open(tmp_path / "s" / "journal.jsonl", "ab") as f:
        f.write(b'{"observations": [{"id": "a", "ti')  # a write killed before its reply
    j = Journal(tmp_path / "s", fc_run)
    assert len(j.entries) == 1
    j.append({"observations": []})
    j.close()
    lines = (tmp_path / "s" / "journal.jsonl").read_bytes().split(b"\n")
    assert [json.loads(x) for x in lines if x][1] == {"observations": []}
    (tmp_path / "s" / "journal.jsonl").write_bytes(b"{bad\n{}\n")
    with pytest.raises(CheckpointError, match="corrupt line 1"):
        Journal(tmp_path / "s", fc_run)
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text("{}")
    with pytest.raises(CheckpointError, match="another"):
        Journal(tmp_path / "s", other)


def test_classifier_service_predicts_as_the_run(tmp_path):
    import anyio

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False)
    TextClassifier(cfg).fit(texts, labels).save(tmp_path / "clf")
    clf = TextClassifier.load(tmp_path / "clf")
    app = create_app(open_service(tmp_path / "clf"))
    query = ["good nice", "awful terrible", "unseen words only"]
    bad = ({"texts": []}, {"texts": [3]}, {"texts": ["  "]}, {"observations": []})

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return ((await c.get("/health")).json(), (await c.post("/predict", json={"texts": query})).json(),
                    [await c.post("/predict", json=b) for b in bad], (await c.get("/forecast")).status_code)

    health, out, rejected, forecast_status = anyio.run(talk)
    assert health["classes"] == ["neg", "pos"]
    probs = clf.predict_proba(query)
    assert [p["label"] for p in out["predictions"]] == clf.predict(query)
    got = np.array([[p["probabilities"][k] for k in ("neg", "pos")] for p in out["predictions"]])
    assert np.abs(got - probs).max() < 1e-6
    assert all(r.status_code == 422 and r.json()["error"] for r in rejected)
    assert forecast_status == 404
