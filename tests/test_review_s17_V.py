"""Session 17 helper V: fixes found reviewing the session's changes (each test fails on the code before its fix)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.batching import pad_sequences
from rnnkit.errors import InputTypeError

from toy_data import needs_snownlp


@pytest.mark.parametrize("pad", [False, np.bool_(False)])
def test_pad_sequences_pads_bool_masks_with_a_bool(pad):
    """pad_value=False is how a batch of bool masks is padded (torch.full takes it); 90dfd62 refused every bool
    pad_value as 'expected a number' whatever the dtype. Oracle: the same batch padded with pad_value=0."""
    masks = [torch.tensor([True, True, False]), torch.tensor([True])]
    x, lengths = pad_sequences(masks, pad_value=pad, dtype=torch.bool)
    ref, ref_lengths = pad_sequences(masks, pad_value=0, dtype=torch.bool)
    assert x.dtype == torch.bool and torch.equal(x, ref) and torch.equal(lengths, ref_lengths)
    y, _ = pad_sequences([np.ones((2, 3), bool), np.ones((1, 3), bool)], pad_value=pad)   # (T_i, C) masks: dtype bool
    assert y.dtype == torch.bool and not y[1, 1].any() and y[0].all()
    with pytest.raises(InputTypeError, match=r"^pad_value: expected a number, got True \(a bool pads torch.bool"):
        pad_sequences([[1, 2], [3]], pad_value=True)   # ids: still refused (True padded them with 1s)
    with pytest.raises(InputTypeError, match=r"^pad_value: expected a number, got False"):
        pad_sequences([[1.5], [2.5, 1.0]], pad_value=False, dtype=torch.float32)


@needs_snownlp()
def test_an_exported_segmented_classifier_says_how_to_cut_texts_and_following_it_gives_the_runs_tokens():
    """tokenizer='segmented' (66d87fd) exported a meta naming the tokenizer 'segmented' and nothing more (no splitter,
    no segmenter): a consumer of the graph could not turn a text into its ids. Oracle: the run's own tokens
    (clf._tokens) against the meta's recipe followed with the regex package and the segmenter it names."""
    import re
    import unicodedata

    import regex

    from rnnkit.data.segment import pku_segmenter
    from rnnkit.export.tasks import classifier_spec
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["我们喜欢这部电影, GOOD film!", "中国菜很好吃 ok", "这个产品太差了 bad", "质量不好, 不喜欢 Ça va"] * 4
    cfg = TextClassifierConfig(tokenizer="segmented", embeddings="own", lowercase=True, min_freq=1, embed_dim=4,
                               hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False)
    clf = TextClassifier(cfg).fit(texts, ["pos", "pos", "neg", "neg"] * 4, baselines=False)
    spec = classifier_spec(clf).meta["splitter"]
    seg = pku_segmenter()
    assert spec["segmenter"] == seg.fingerprint() and (spec["normalize"], spec["casefold"]) == ("NFC", True)
    words, han = regex.compile(spec["pattern"], regex.V1), re.compile(spec["han_runs"])
    for text in texts[:4] + ["東京タワー e\u0301 中国\ufe00人"]:
        cased = unicodedata.normalize("NFC", text).casefold()
        got, pos = [], 0
        for m in han.finditer(cased):
            got += words.findall(cased[pos:m.start()]) + seg.cut(m.group())
            pos = m.end()
        assert got + words.findall(cased[pos:]) == clf._tokens([text])[0]


def test_forecast_help_names_the_default_candidates_auto_uses():
    """ce3979c took the pretrained yearly networks out of auto's defaults, but `rnnkit forecast --help` still said
    the defaults were 'the statistical methods, the LSTM, the ES-RNN and pretrained' ('leave it out to forecast
    without them'). Oracle: the candidates auto_model builds when --candidates is left out."""
    import argparse
    import re

    from rnnkit.cli.main import build_parser
    from rnnkit.tasks.forecasting.auto_model import build_candidates
    from rnnkit.tasks.forecasting.config import ForecastConfig

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices["forecast"]._actions if "--candidates" in a.option_strings)
    default_clause = re.search(r"\(default: ([^;)]*)", action.help).group(1)
    defaults = build_candidates(ForecastConfig(horizon=2))
    assert ("pretrained" in default_clause) == ("pretrained" in defaults), (default_clause, sorted(defaults))


def test_a_gzip_body_of_several_members_is_read_whole(tmp_path):
    """RFC 1952 2.2: a gzip file is a series of members (``cat a.gz b.gz``, streaming compressors); dde4175 refused
    the second member as 'bytes after its end' (400). Oracle: Python's gzip.decompress of the same bytes, posted
    uncompressed -- the same answer. Bytes after a deflate (zlib) stream, or a member cut short, stay a 400."""
    import gzip
    import json
    import zlib

    from fastapi.testclient import TestClient
    from test_reliability_s13_serve import _small_classifier

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service

    _small_classifier(tmp_path / "clf")
    body = json.dumps({"texts": ["good nice", "bad awful bad"]}).encode()
    two = gzip.compress(body[:10]) + gzip.compress(body[10:])
    assert gzip.decompress(two) == body
    with TestClient(create_app(open_service(tmp_path / "clf"))) as client:
        headers = {"content-type": "application/json"}
        plain = client.post("/predict", content=gzip.decompress(two), headers=headers)
        reply = client.post("/predict", content=two, headers={**headers, "content-encoding": "gzip"})
        assert plain.status_code == 200 and (reply.status_code, reply.json()) == (200, plain.json())
        for coding, data in (("gzip", two[:-4]), ("deflate", zlib.compress(body[:10]) + zlib.compress(body[10:]))):
            reply = client.post("/predict", content=data, headers={**headers, "content-encoding": coding})
            assert reply.status_code == 400 and reply.json()["error"].startswith("body: expected one complete"), coding


def test_pad_sequences_pads_the_values_of_a_dict_again():
    """90dfd62's check of seqs asked for indexing, which pad_sequences never does (it iterates): dict.values(), a
    sized and ordered collection that padded before, became 'seqs: expected a list of sequences, got dict_values'.
    Oracle: the same sequences as a list. A generator (no len) and limit_length (which indexes) are still refused."""
    from rnnkit.data.batching import limit_length

    by_id = {"a": [1, 2, 3], "b": [4]}
    x, lengths = pad_sequences(by_id.values())
    ref, ref_lengths = pad_sequences(list(by_id.values()))
    assert torch.equal(x, ref) and torch.equal(lengths, ref_lengths)
    with pytest.raises(InputTypeError, match=r"^seqs: expected a list of sequences, got generator"):
        pad_sequences(s for s in by_id.values())
    with pytest.raises(InputTypeError, match=r"^seqs: expected a list of sequences, got dict_values"):
        limit_length(by_id.values(), 2)


def test_point_metrics_score_a_column_of_actuals_against_a_flat_forecast():
    """509bf9d refused every pair of shapes that differ, to stop a (2, 3) table being scored against its (3, 2)
    transpose -- but a column (H, 1) (df[["y"]]) against a forecast (H,) or (1, H) holds its values in one order, and
    scored before. Oracle: scikit-learn's mean_absolute_error, which reads (H, 1) against (H,) so. The transpose and
    a length mismatch keep their errors."""
    from sklearn.metrics import mean_absolute_error

    from rnnkit.errors import ShapeError
    from rnnkit.tasks.forecasting.metrics import mae, rmse

    y, f = np.array([1.0, 2.0, 4.0, 7.0]), np.array([1.5, 2.0, 3.0, 9.0])
    want = mean_absolute_error(y[:, None], f)
    for a, b in ((y[:, None], f), (y, f[None, :]), (y[:, None], f[None, :])):
        assert mae(a, b) == pytest.approx(want) and rmse(a, b) == pytest.approx(rmse(y, f))
    table = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(ShapeError, match=r"^forecast: expected the actuals' shape \(2, 3\), got \(3, 2\)$"):
        mae(table, table.T.copy())
    with pytest.raises(ShapeError, match=r"^forecast: expected the actuals' length 4, got 3$"):
        mae(y, f[:3])
