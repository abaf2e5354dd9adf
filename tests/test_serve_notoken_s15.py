"""The service tells the client that a text had no token (session 15, found by helper V): since 7d8b0a6 such a text
(zero-width spaces alone) is predicted the training labels' class shares with a warning -- in the server's log only,
so the client got the shares as if they were a prediction of its text. Now its prediction says "no_tokens": true."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


def test_a_text_with_no_token_is_flagged_to_the_client(tmp_path):
    import anyio

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False, combine=False, embeddings="own")
    TextClassifier(cfg).fit(texts, labels).save(tmp_path / "clf")
    clf = TextClassifier.load(tmp_path / "clf")
    query = ["good nice", "\u200b\u200b", "awful"]
    assert clf.no_token_rows(query) == [1]
    app = create_app(open_service(tmp_path / "clf"))

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return (await c.post("/predict", json={"texts": query})).json()

    out = anyio.run(talk)["predictions"]
    assert [p.get("no_tokens", False) for p in out] == [False, True, False]
    shares = [p["probabilities"][k] for k in ("neg", "pos") for p in out[1:2]]
    assert np.allclose(shares, clf.prior)          # what it got: the class shares, and it is told so


def test_a_text_of_unseen_units_alone_is_flagged_to_the_client(tmp_path):
    """Session 22 (Q's LEAD_NOW): `classify predict` warns for a text whose every unit training never kept (the
    network reads <unk> alone: one guess for all such texts); the service said nothing. Oracle: unknown_only_rows."""
    import anyio

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from rnnkit.tasks.classify_unknown import unknown_only_rows

    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False, combine=False, embeddings="own")
    TextClassifier(cfg).fit(texts, labels).save(tmp_path / "clf")
    query = ["good nice", "zebra quokka", "awful zebra", "\u200b"]
    expect = unknown_only_rows(TextClassifier.load(tmp_path / "clf"), query)
    assert expect == [1]
    app = create_app(open_service(tmp_path / "clf"))

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return (await c.post("/predict", json={"texts": query})).json()

    out = anyio.run(talk)["predictions"]
    assert [i for i, p in enumerate(out) if p.get("unknown_only")] == expect
    assert [p.get("no_tokens", False) for p in out] == [False, False, False, True]
