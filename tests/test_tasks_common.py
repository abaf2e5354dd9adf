"""Shared task pieces: metrics vs hand-computed cases, vocabularies/tokenizers, batching, strict readers,
run folders, masked pooling."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest
import torch

from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences, padding_fraction
from rnnkit.data.text import read_conll, read_csv_texts, read_text_lines, read_tsv_pairs, read_utf8
from rnnkit.data.vocab import Vocab, tokenize
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.common import (
    SequenceEncoder, accuracy, bio_spans, confusion_matrix, entity_prf, load_run, macro_f1, masked_pool, save_run,
)


# ----------------------------------------------------------------------------- metrics
def test_macro_f1_hand_computed_and_sklearn():
    t, p = ["a", "a", "b", "c"], ["a", "b", "b", "b"]
    # a: 2*1/(2*1+0+1) = 2/3; b: 2/(2+2+0) = 1/2; c: 0 -> mean 7/18
    assert macro_f1(t, p) == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    from sklearn.metrics import f1_score

    assert macro_f1(t, p) == pytest.approx(f1_score(t, p, average="macro"))
    assert accuracy(t, p) == 0.5
    assert confusion_matrix(t, p, ["a", "b", "c"]) == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_metric_errors():
    with pytest.raises(DataError, match="expected 2 predictions"):
        accuracy(["a", "b"], ["a"])
    with pytest.raises(DataError, match="expected every label"):
        confusion_matrix(["a"], ["z"], ["a"])


def test_bio_spans_follow_conlleval():
    assert bio_spans(["B-per", "I-per", "O", "B-loc"]) == {("per", 0, 2), ("loc", 3, 4)}
    # I- after O (or another type) starts a new entity; B- right after B- starts another one
    assert bio_spans(["O", "I-org", "I-org", "I-per", "B-per", "B-per"]) == {
        ("org", 1, 3), ("per", 3, 4), ("per", 4, 5), ("per", 5, 6)}
    assert bio_spans(["O", "O"]) == set()


def test_entity_prf_hand_computed():
    true = [["B-per", "I-per", "O", "B-loc"], ["B-org", "O"]]
    pred = [["B-per", "I-per", "O", "B-org"], ["B-org", "O"]]
    # true spans 3, predicted 3, matching 2 (per, org) -> P = R = F = 2/3
    m = entity_prf(true, pred)
    assert m["entity_precision"] == pytest.approx(2 / 3)
    assert m["entity_recall"] == pytest.approx(2 / 3)
    assert m["entity_f1"] == pytest.approx(2 / 3)
    # boundary error: a partial match is a miss
    m = entity_prf([["B-per", "I-per"]], [["B-per", "O"]])
    assert m == {"entity_precision": 0.0, "entity_recall": 0.0, "entity_f1": 0.0}


# ----------------------------------------------------------------------------- tokenizers + vocab
def test_tokenize_any_script_without_spaces():
    assert tokenize("私は学生です。", "words") == ["私", "は", "学", "生", "で", "す", "。"]
    assert tokenize("ภาษาไทย", "words") == list("ภาษาไทย")
    assert tokenize("Привет, мир!", "words", lowercase=True) == ["привет", ",", "мир", "!"]
    assert tokenize("مرحبا بالعالم", "words") == ["مرحبا", "بالعالم"]
    # NFC: a decomposed é is one character
    assert tokenize("e\u0301", "chars") == ["é"]
    with pytest.raises(ConfigError, match="tokenizer"):
        tokenize("x", "bpe")
    with pytest.raises(InputTypeError):
        tokenize(b"x", "words")


def test_vocab_order_unk_roundtrip(tmp_path):
    v = Vocab.build([["b", "a", "a"], ["c", "b", "a"]], min_freq=1)
    assert v.tokens == ["<pad>", "<unk>", "a", "b", "c"] and v.pad_id == 0 and v.unk_id == 1
    assert v.encode(["c", "zzz"]) == [4, 1]
    assert Vocab.build([["b", "a", "a"], ["c", "b", "a"]], min_freq=2).tokens == ["<pad>", "<unk>", "a", "b"]
    assert Vocab.build([["b", "a", "a"], ["c"]], max_size=3).tokens == ["<pad>", "<unk>", "a"]
    v.save(tmp_path / "v.json")
    assert Vocab.load(tmp_path / "v.json") == v
    closed = Vocab.build([["x", "y"]], specials=())
    with pytest.raises(DataError, match="expected one seen in training"):
        closed.encode(["z"])
    with pytest.raises(ConfigError, match="min_freq"):
        Vocab.build([["a"]], min_freq=0)


# ----------------------------------------------------------------------------- batching
def test_pad_sequences_ids_and_arrays():
    x, L = pad_sequences([[1, 2, 3], [4]])
    assert x.tolist() == [[1, 2, 3], [4, 0, 0]] and L.tolist() == [3, 1]
    x, L = pad_sequences([np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)])
    assert x.shape == (2, 4, 3) and x[0, 2:].abs().sum() == 0 and L.tolist() == [2, 4]
    with pytest.raises(DataError, match="non-empty"):
        pad_sequences([[1], []])


def test_bucketing_covers_everything_once_and_reduces_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 100, size=1000).tolist()
    batches = bucket_batches(lengths, 32, shuffle=True, seed=1)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    random_batches = [list(range(i, min(i + 32, 1000))) for i in range(0, 1000, 32)]
    assert padding_fraction(lengths, batches) < 0.1 < padding_fraction(lengths, random_batches)
    assert bucket_batches(lengths, 32, seed=1) == batches  # seeded
    with pytest.raises(ConfigError, match="batch_size"):
        bucket_batches(lengths, 0)


def test_limit_length_truncates_with_warning_or_errors():
    seqs = [[1] * 5, [1] * 2]
    with pytest.warns(UserWarning, match="truncated 1 of 2 to max_len=3"):
        out = limit_length(seqs, 3)
    assert [len(s) for s in out] == [3, 2]
    with pytest.raises(DataError, match="at most max_len=3"):
        limit_length(seqs, 3, on_long="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert limit_length(seqs, 5) is seqs


# ----------------------------------------------------------------------------- readers
def test_readers_reject_bad_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,label\n\xff\xfe oops,a\n")
    with pytest.raises(DataError, match="expected UTF-8 text, got invalid byte 0xff .* at line 2"):
        read_csv_texts(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(DataError, match="non-empty file"):
        read_text_lines(empty)
    with pytest.raises(DataError, match="not found"):
        read_utf8(tmp_path / "nope.txt")
    cols = tmp_path / "cols.csv"
    cols.write_text("sentence,label\nhi,a\n")
    with pytest.raises(DataError, match=r"expected column\(s\) \['text'\]"):
        read_csv_texts(cols)
    blank = tmp_path / "blank.csv"
    blank.write_text("text,label\nhi,a\n   ,b\n")
    with pytest.raises(DataError, match="non-empty text .* at row 3"):
        read_csv_texts(blank)
    conll = tmp_path / "x.conll"
    conll.write_text("a\tO\nb O\n")
    with pytest.raises(DataError, match="token<TAB>tag' at line 2"):
        read_conll(conll)
    tsv = tmp_path / "x.tsv"
    tsv.write_text("eins\tone\nzwei\n")
    with pytest.raises(DataError, match="at line 2"):
        read_tsv_pairs(tsv)


def test_conll_reader_any_script(tmp_path):
    p = tmp_path / "ja.conll"
    p.write_text("東京\tB-loc\nへ\tO\n\t\nBerlin\tB-loc\n", encoding="utf-8")
    assert read_conll(p) == [(["東京", "へ"], ["B-loc", "O"]), (["Berlin"], ["B-loc"])]


# ----------------------------------------------------------------------------- run folders
@dataclasses.dataclass(frozen=True)
class _Cfg:
    a: int = 1


def test_run_folder_roundtrip_and_wrong_task(tmp_path):
    from rnnkit.training.checkpoint import write_digests

    net = torch.nn.Linear(3, 2)
    save_run(tmp_path / "r", "classify", {"a": 1}, net, vocabs={"tokens": Vocab(["<pad>", "<unk>", "x"])},
             data={"file": "x.csv", "columns": {"text_col": "review"}}, split={"test": {"items": [3, 1]}},
             epochs=[{"epoch": 1, "train_loss": float("nan")}])
    run = load_run(tmp_path / "r", "classify", _Cfg)
    assert run["config"] == _Cfg(1) and torch.equal(run["weights"]["weight"], net.weight.detach())
    assert run["data"]["columns"] == {"text_col": "review"} and run["split"] == {"test": {"items": [3, 1]}}
    assert (tmp_path / "r" / "metrics.jsonl").read_text() == '{"epoch": 1, "train_loss": null}\n'  # NaN: null
    assert Vocab.from_dict(run["vocabs"]["tokens"]).tokens == ["<pad>", "<unk>", "x"]
    assert not list((tmp_path / "r").glob("*.tmp")) and not list((tmp_path / "r").glob(".tmp-*"))
    with pytest.raises(CheckpointError, match="expected a 'tag' run folder, got a 'classify' run"):
        load_run(tmp_path / "r", "tag", _Cfg)
    with pytest.raises(CheckpointError, match="no such folder"):
        load_run(tmp_path / "missing", "classify", _Cfg)
    meta = json.loads((tmp_path / "r" / "config.json").read_text())
    meta["schema_version"] = 99
    (tmp_path / "r" / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"config\.json: expected sha256"):
        load_run(tmp_path / "r", "classify", _Cfg)  # an edited file is refused by its digest
    write_digests(tmp_path / "r", ["config.json", "model.safetensors", "vocab.json", "split.json", "metrics.jsonl"])
    with pytest.raises(CheckpointError, match="schema_version"):
        load_run(tmp_path / "r", "classify", _Cfg)


def test_saving_without_a_baseline_removes_an_earlier_one(tmp_path):
    net = torch.nn.Linear(3, 2)
    vocabs = {"tokens": Vocab(["<pad>", "<unk>", "x"])}
    save_run(tmp_path, "classify", {"a": 1}, net, vocabs=vocabs, split={"test": {}}, epochs=[{"epoch": 1}],
             baselines={"b": ({"w": torch.ones(2)}, {"kind": "k"}), "c": ({}, {"n": 1})})
    run = load_run(tmp_path, "classify", _Cfg)
    assert run["baselines"]["b"][1] == {"kind": "k"} and torch.equal(run["baselines"]["b"][0]["w"], torch.ones(2))
    assert run["baselines"]["c"] == ({}, {"n": 1})
    save_run(tmp_path, "classify", {"a": 2}, net, vocabs=vocabs)
    run = load_run(tmp_path, "classify", _Cfg)
    assert run["baselines"] == {} and run["config"] == _Cfg(2) and run["split"] == {}
    assert {p.name for p in tmp_path.iterdir()} == {"config.json", "model.safetensors", "vocab.json", "digests.json"}


# ----------------------------------------------------------------------------- pooling / encoder
@pytest.mark.parametrize("mode", ["max", "mean", "last"])
def test_masked_pool_ignores_padding(mode):
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5)
    L = torch.tensor([4, 2, 1])
    padded = torch.cat([x, torch.full((3, 6, 5), 1e3)], 1)
    torch.testing.assert_close(masked_pool(x, L, mode), masked_pool(padded, L, mode))
    assert torch.allclose(masked_pool(x, L, mode)[2], x[2, 0])


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman"])
def test_encoder_summary_is_padding_invariant(cell):
    torch.manual_seed(0)
    enc = SequenceEncoder(3, 4, cell=cell, num_layers=2, bidirectional=True).eval()
    x = torch.randn(2, 5, 3)
    L = torch.tensor([5, 3])
    out1, s1 = enc(x, L)
    out2, s2 = enc(torch.cat([x, torch.randn(2, 4, 3)], 1), L)
    torch.testing.assert_close(s1, s2)
    torch.testing.assert_close(out1, out2[:, :5])
    # the summary of the short sequence equals running it alone, unpadded
    _, s_alone = enc(x[1:, :3], torch.tensor([3]))
    torch.testing.assert_close(s1[1:], s_alone)
