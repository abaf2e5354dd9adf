"""One-to-many: a character-level language model trained with truncated BPTT over a long stream,
sampling with temperature, top-k and a prompt, and bits per character on held-out text.

Training (:meth:`CharLM.fit`) cuts the training text into ``B`` parallel streams (stream ``b`` is the
``b``-th contiguous ``1/B`` of the text) and walks them together in chunks of ``k`` steps
(``bptt``). The recurrent state is carried from chunk to chunk, detached (no gradient crosses a chunk
boundary), and one optimizer step is taken per chunk -- across the whole pass, not only inside one
batch. The loop is :class:`rnnkit.training.Trainer` with ``tbptt_k=k``: one trainer "epoch" is a
*round* of ``chunks_per_round`` chunks, after which the held-out bits/char is measured (the curve);
the state at the end of a round is handed to the next round's first chunk, and reset to zeros only
when a new pass over the text starts.

Characters are Unicode code points after NFC normalisation (:func:`rnnkit.data.vocab.tokenize` in
``"chars"`` mode): any script, no assumption about spaces. The vocabulary is ``<pad>``, ``<unk>`` and
every training character seen at least ``min_freq`` times. **Unknown characters**: in training and in
evaluation, characters outside the vocabulary are read as ``<unk>`` (so an evaluation text's unseen
characters cost ``-log2 p(<unk>)`` bits each; ``evaluate`` reports how many there were). In a prompt
they raise a :class:`~rnnkit.errors.DataError` naming them (``unknown="unk"`` feeds ``<unk>`` instead).
Sampling never emits ``<pad>`` or ``<unk>``.

**Subword units** (``units="bpe"``): the same network reads and predicts BPE units learned on the
training text (:class:`rnnkit.data.subword.BPEVocab`); every bit count is still divided by characters
(``unit_chars[i]`` = the characters unit ``i`` covers), ``bptt`` counts units and sampling ``length``
characters. **Dynamic evaluation** (:meth:`CharLM.evaluate` with ``dynamic_lr``) scores each segment,
then adapts a copy of the network to it; it is an extra number, never the default one.

Bits per character of a text ``c_0 .. c_{N-1}``: the mean of ``-log2 p(c_t | c_<t)`` over
``t = 1 .. N-1`` (the first character has no context and is not scored). Baseline
(:class:`NGramCharModel`): an interpolated Witten-Bell character n-gram fitted on the training text
(order 1 = a unigram smoothed towards uniform).

>>> m = NGramCharModel(order=1).fit("aab")
>>> round(m.bits_per_char("ab"), 4)   # p(b) = (1 + 2 * 1/3) / (3 + 2): 2 types after "", V = 3 (<unk>, a, b)
1.585
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.subword import BPEVocab
from rnnkit.data.vocab import PAD, UNK, Vocab, tokenize
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.common import (
    check_bool, check_choice, check_number, load_run, load_weights, run_baseline, run_vocab, save_run, task_config,
)

__all__ = ["CharLMConfig", "CharLM", "CharLMNet", "NGramCharModel", "StreamRounds", "stream_matrix",
           "shakespeare_split", "text_split", "SHAKESPEARE_SPLIT_RULE", "check_sampling"]

TASK = "generate"
LM_CELLS = ("lstm", "gru")
LM_SCHEDULES = ("plateau", "cosine")
LM_PRECISIONS = ("fp32", "bf16")
LM_UNITS = ("chars", "bpe")
UNKNOWN = ("error", "unk")
LN2 = math.log(2.0)

SHAKESPEARE_SPLIT_RULE = ("works sorted by name; every 10th from the 5th (index 4, 14, 24, 34) is validation, "
                          "every 10th from the 10th (index 9, 19, 29, 39) is test, the other 34 train")


# ----------------------------------------------------------------------------- data
def _check_text(text: Any, what: str) -> str:
    if not isinstance(text, str):
        raise InputTypeError(f"{what}: expected a str, got {type(text).__name__}")
    if not text.strip():
        raise DataError(f"{what}: expected a non-empty text, got {text[:20]!r}")
    return text


def shakespeare_split() -> dict[str, Any]:
    """Held-out split by whole works (see :data:`SHAKESPEARE_SPLIT_RULE`): ``{"train", "val", "test"}``
    texts (works joined by blank lines, in name order) and ``"works"`` (the names in each part)."""
    from rnnkit.data.text import load_shakespeare

    works = load_shakespeare()
    names = sorted(works)
    val, test = set(names[4::10]), set(names[9::10])
    parts = {"train": [n for n in names if n not in val and n not in test], "val": sorted(val), "test": sorted(test)}
    out: dict[str, Any] = {k: "\n\n\n".join(works[n].strip("\n") for n in v) + "\n" for k, v in parts.items()}
    out["works"] = parts
    return out


def text_split(text: str, val_fraction: float) -> tuple[str, str]:
    """``(train, held_out)``: the last ``val_fraction`` of ``text`` (cut at a line start when there is
    one in the last half of the held-out part) is held out -- contiguous text, never random characters."""
    _check_text(text, "text")
    check_number("val_fraction", val_fraction, lo=0, hi=0.5)
    if val_fraction == 0:
        return text, ""
    cut = int(len(text) * (1 - val_fraction))
    nl = text.find("\n", cut, cut + max(1, int(len(text) * val_fraction) // 2))
    if nl != -1:
        cut = nl + 1
    return text[:cut], text[cut:]


def stream_matrix(ids: Tensor, streams: int) -> tuple[Tensor, Tensor]:
    """Inputs and next-character targets as ``(streams, L)`` matrices: row ``b`` is the ``b``-th
    contiguous piece of ``ids`` (the tail that does not fill a row is dropped).

    >>> x, y = stream_matrix(torch.arange(9), 2)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2, 3], [4, 5, 6, 7]], [[1, 2, 3, 4], [5, 6, 7, 8]])
    """
    L = (len(ids) - 1) // streams
    if L < 1:
        raise DataError(f"text: expected at least {streams + 1} characters for {streams} streams, got {len(ids)}")
    x = ids[: streams * L].view(streams, L)
    y = ids[1: streams * L + 1].view(streams, L)
    return x, y


class StreamRounds:
    """The training data for the :class:`~rnnkit.training.Trainer`: epoch ``e`` yields one batch, the
    ``e``-th round ``(x, y, start)`` -- ``(B, R*k)`` slices of the stream matrices (cut into chunks of
    ``k`` by the trainer) and ``start``, the round's first column (``0`` = a new pass: state reset).
    Rounds go through the stream in order and wrap around; the last round of a pass may be shorter.

    The trainer calls ``data.set_epoch(epoch)`` at every epoch start (its epoch data protocol), which is
    how this object knows which round to give -- also after a resume.
    """

    def __init__(self, x: Tensor, y: Tensor, round_len: int) -> None:
        self.x, self.y, self.round_len = x, y, round_len
        self.rounds_per_pass = math.ceil(x.shape[1] / round_len)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def start(self, epoch: int) -> int:
        return (epoch % self.rounds_per_pass) * self.round_len

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        s = self.start(self.epoch)
        e = min(s + self.round_len, self.x.shape[1])
        yield self.x[:, s:e], self.y[:, s:e], torch.tensor(s)


# ----------------------------------------------------------------------------- config + network
@dataclass(frozen=True)
class CharLMConfig:
    """Everything that defines a character LM run (saved in the run's config.json)."""

    cell: str = "lstm"            # lstm | gru (rnnkit layers; torch's fused kernels when they apply)
    units: str = "chars"          # chars | bpe: subword units learned on the training text (bits stay per char)
    bpe_vocab: int = 1024         # bpe: vocabulary size (specials and every training character included)
    embed_dim: int = 64
    hidden_size: int = 512
    num_layers: int = 1
    dropout: float = 0.0          # between stacked layers and before the output layer
    min_freq: int = 1             # rarer training characters are read as <unk>
    batch_size: int = 32          # B parallel streams
    bptt: int = 100               # k: steps per chunk (gradient truncation length)
    chunks_per_round: int = 50    # chunks (optimizer steps) between two held-out measurements
    rounds: int = 1000            # at most this many rounds (the time budget usually stops first)
    max_seconds: float | None = None  # wall-clock budget for fit (training + held-out measurements)
    val_chars: int | None = 100_000   # held-out characters scored after each round (None: all)
    val_streams: int = 16         # parallel streams used to score held-out text during training
    lr: float = 3e-3
    schedule: str = "plateau"     # plateau: decay on held-out stalls | cosine: warmup, then cosine to 0
    warmup: float = 0.02          # cosine: fraction of the budget spent ramping the lr up linearly
    lr_decay: float = 0.5         # plateau: multiply the lr by this when held-out bits/char stops improving
    lr_patience: int = 1          # plateau: rounds without improvement before the lr decays
    reset_prob: float = 0.0       # chance per chunk and stream that the carried state restarts from zeros
    precision: str = "fp32"       # fp32 | bf16 (autocast for training steps; scoring stays fp32)
    patience: int | None = None   # stop after this many rounds without improvement (None: never)
    weight_decay: float = 0.0
    clip: float = 1.0             # global gradient-norm clipping
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("cell", self.cell, LM_CELLS)
        check_choice("units", self.units, LM_UNITS)
        check_number("bpe_vocab", self.bpe_vocab, lo=3, integer=True)
        if self.units == "bpe" and self.min_freq != 1:
            raise ConfigError(f"min_freq: applies to units='chars' only (BPE keeps every training character), "
                              f"expected 1 with units='bpe', got {self.min_freq!r}")
        check_choice("schedule", self.schedule, LM_SCHEDULES)
        check_choice("precision", self.precision, LM_PRECISIONS)
        check_number("warmup", self.warmup, lo=0, hi=0.5)
        check_number("reset_prob", self.reset_prob, lo=0, hi=1)
        check_bool("progress", self.progress)
        for name in ("embed_dim", "hidden_size", "num_layers", "min_freq", "batch_size", "bptt",
                     "chunks_per_round", "rounds", "val_streams", "lr_patience"):
            check_number(name, getattr(self, name), lo=1, integer=True)
        check_number("patience", self.patience, lo=1, integer=True, allow_none=True)
        check_number("val_chars", self.val_chars, lo=2, integer=True, allow_none=True)
        check_number("max_seconds", self.max_seconds, lo=0, lo_open=True, allow_none=True)
        check_number("dropout", self.dropout, lo=0, hi=0.95)
        check_number("lr", self.lr, lo=0, lo_open=True)
        check_number("lr_decay", self.lr_decay, lo=0, hi=1, lo_open=True)
        check_number("weight_decay", self.weight_decay, lo=0)
        check_number("clip", self.clip, lo=0, lo_open=True)
        check_number("seed", self.seed, lo=0, integer=True)


class CharLMNet(nn.Module):
    """The network only: ids ``(B, T)`` and a state (``None``: zeros) -> logits ``(B, T, V)`` and the new
    state. Embedding -> stacked rnnkit LSTM/GRU -> dropout -> linear."""

    def __init__(self, n_chars: int, cfg: CharLMConfig) -> None:
        super().__init__()
        import rnnkit

        self.embed = nn.Embedding(n_chars, cfg.embed_dim)
        layer = {"lstm": rnnkit.LSTM, "gru": rnnkit.GRU}[cfg.cell]
        self.rnn = layer(cfg.embed_dim, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
                         dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.hidden_size, n_chars)

    def forward(self, ids: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        out, state = self.rnn(self.embed(ids), state)
        return self.head(self.drop(out)), state


def check_sampling(length: Any, temperature: Any, top_k: Any) -> None:
    """ConfigError unless ``length >= 1``, ``temperature > 0`` and ``top_k`` is None or ``>= 1``."""
    check_number("length", length, lo=1, integer=True)
    check_number("temperature", temperature, lo=0, lo_open=True)
    check_number("top_k", top_k, lo=1, integer=True, allow_none=True)


# ----------------------------------------------------------------------------- the task
class CharLM:
    """A character language model: ``fit(text, val_text)``, ``bits_per_char(text)``,
    ``sample(prompt, length, temperature, top_k, seed)``, ``evaluate(text)``, ``save`` / ``load``.

    >>> lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1,
    ...                          chunks_per_round=2, progress=False)).fit("abcab" * 20)
    >>> len(lm.sample("ab", length=7, top_k=1))
    7
    """

    def __init__(self, config: CharLMConfig | None = None) -> None:
        self.config = task_config(config, CharLMConfig)
        self.chars: Vocab | BPEVocab | None = None   # the units: characters, or subwords (units="bpe")
        self.net: CharLMNet | None = None
        self.history: dict[str, Any] = {}

    def _set_units(self, vocab: "Vocab | BPEVocab") -> None:
        self.chars = vocab
        # characters each unit id covers (<pad> none): bits are divided by these, never by units
        lengths = vocab.char_lengths if isinstance(vocab, BPEVocab) else [0 if t == PAD else 1 for t in vocab.tokens]
        self.unit_chars = torch.tensor(lengths, dtype=torch.long)

    # -------------------------------------------------------------- encoding
    def encode(self, text: str, unknown: str = "unk", what: str = "text") -> Tensor:
        """Unit ids of ``text`` (NFC): characters, or subwords when ``units="bpe"``.
        ``unknown="unk"`` reads unseen characters as ``<unk>`` (one per character); ``"error"`` raises
        DataError naming them."""
        if self.chars is None:
            raise ConfigError("model: expected a fitted char LM (call fit or load), got an unfitted one")
        check_choice("unknown", unknown, UNKNOWN)
        text = _check_text(text, what)
        if isinstance(self.chars, BPEVocab):
            unseen = self.chars.unseen(text) if unknown == "error" else []
        else:
            chars = tokenize(text, "chars")
            unseen = sorted({c for c in chars if c not in self.chars.index or c in (PAD, UNK)}) \
                if unknown == "error" else []
        if unseen:
            raise DataError(f"{what}: expected characters seen in training, got {len(unseen)} unseen "
                            f"{unseen[:10]}; pass unknown='unk' (CLI: --unknown unk) to read them as <unk>")
        ids = self.chars.encode(text) if isinstance(self.chars, BPEVocab) else self.chars.encode(chars)
        return torch.tensor(ids, dtype=torch.long)

    # -------------------------------------------------------------- training
    def fit(self, text: str, val_text: str | None = None) -> "CharLM":
        """Train on ``text`` (truncated BPTT over ``batch_size`` streams, see the module docstring);
        ``val_text`` (held-out) gives the bits/char curve, the LR decay and early stopping, and the
        best round's weights are kept. Without it the last weights are kept."""
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, ScheduleConfig, TrainConfig, Trainer

        c = self.config
        t0 = time.perf_counter()   # the time budget includes learning the units and encoding
        text = _check_text(text, "text")
        if val_text is not None and not val_text.strip():
            val_text = None
        torch.manual_seed(c.seed)
        if c.units == "bpe":
            self._set_units(BPEVocab.train(text, c.bpe_vocab))
        else:
            self._set_units(Vocab.build([tokenize(text, "chars")], min_freq=c.min_freq))
        ids = self.encode(text, "unk", "text")
        x, y = stream_matrix(ids, c.batch_size)
        data = StreamRounds(x, y, c.bptt * c.chunks_per_round)
        val_ids = None
        if val_text is not None:
            if c.val_chars is not None:
                val_text = val_text[: c.val_chars]
            val_ids = self.encode(val_text, "unk", "val_text")
        has_val = val_ids is not None and len(val_ids) > 1
        self.net = CharLMNet(len(self.chars), c)
        unit_chars = self.unit_chars

        carry: dict[str, Any] = {"state": None}
        # optimizer steps in the whole fit (a pass's last round may be shorter): the cosine's length
        # when there is no time budget
        total_steps = sum(math.ceil((min(data.start(e) + data.round_len, x.shape[1]) - data.start(e)) / c.bptt)
                          for e in range(c.rounds))
        reset_gen = torch.Generator().manual_seed(c.seed + 1)

        def step_fn(model, chunk, state):
            xb, yb, start = chunk
            if state is None and int(start) > 0:  # first chunk of a round that continues the pass
                state = carry["state"]
            if c.reset_prob > 0 and state is not None:  # some streams restart from zeros (see the docs)
                keep = (torch.rand(xb.shape[0], 1, generator=reset_gen) >= c.reset_prob).to(xb.device)
                state = tuple(st * keep.to(st.dtype) for st in state) if isinstance(state, tuple) \
                    else state * keep.to(state.dtype)
            if c.schedule == "cosine":
                tr = trainer_ref["trainer"]
                frac = ((time.perf_counter() - t0) / c.max_seconds if c.max_seconds
                        else tr.global_step / total_steps)
                for group in tr.optimizer.param_groups:
                    group["lr"] = cosine_lr(c.lr, frac, c.warmup)
            with torch.autocast(xb.device.type, dtype=torch.bfloat16, enabled=c.precision == "bf16"):
                logits, state = model(xb, state)
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), yb.reshape(-1))
            carry["state"] = _detach(state)
            bpc = loss.detach() * yb.numel() / unit_chars[yb].sum() / LN2   # per character, also for subwords
            return loss, {"bits_per_char": bpc}, state

        curve: list[dict[str, Any]] = []
        bar = _bar(c.rounds, c.progress)
        trainer_ref: dict[str, Any] = {}

        def eval_fn(model, _data) -> dict[str, float]:
            if not has_val:  # called only to check the time budget
                bpc = None
            else:
                bpc = _stream_bits(model, val_ids, c.val_streams, c.bptt * 10, unit_chars)[0]
            tr = trainer_ref["trainer"]
            wall = time.perf_counter() - t0
            curve.append({"round": tr.epoch + 1, "steps": tr.global_step, "wall_s": round(wall, 2),
                          "val_bits_per_char": bpc})
            if bar is not None:
                bar.update(1)
                bar.set_postfix(val_bpc="-" if bpc is None else f"{bpc:.3f}", s=f"{wall:.0f}")
            return {"bits_per_char": bpc} if has_val else {}

        cfg = TrainConfig(
            epochs=c.rounds, optim=OptimConfig("adam", lr=c.lr, weight_decay=c.weight_decay),
            schedule=ScheduleConfig("plateau", gamma=c.lr_decay, patience=c.lr_patience - 1)
            if has_val and c.schedule == "plateau" else ScheduleConfig("none"),
            early_stopping=EarlyStoppingConfig("val_bits_per_char", "min",
                                               patience=c.patience if c.patience is not None else c.rounds + 1)
            if has_val else None,
            tbptt_k=c.bptt, time_dim=1, clip_norm=c.clip, seed=c.seed, quiet=True,
            max_seconds=None if c.max_seconds is None else max(c.max_seconds - (time.perf_counter() - t0), 1e-3))
        trainer = Trainer(self.net, step_fn=step_fn, eval_fn=eval_fn, config=cfg)
        trainer_ref["trainer"] = trainer
        try:
            # eval_fn runs after every round when there is held-out text or a time budget to check
            result = trainer.fit(data, [None] if has_val or c.max_seconds else None)
        finally:
            if bar is not None:
                bar.close()
        self.net.eval()
        for row, h in zip(curve, result.history):
            row["chars_seen"] = round(row["steps"] * c.batch_size * c.bptt * len(text) / len(ids))
            row["train_bits_per_char"] = h.get("train_bits_per_char")
            row["lr"] = h.get("lr")
        self.history = {"curve": curve, "rounds": result.epochs_run, "steps": result.global_step,
                        "best": result.best, "seconds": time.perf_counter() - t0,
                        "train_chars": len(text), "train_units": len(ids),
                        "val_chars": None if val_ids is None else len(val_text)}
        return self

    def _require_fitted(self) -> None:
        if self.net is None or self.chars is None:
            raise ConfigError("model: expected a fitted char LM (call fit or load), got an unfitted one")

    # -------------------------------------------------------------- scoring
    @torch.no_grad()
    def bits_per_char(self, text: str, streams: int = 1, chunk: int = 1000) -> float:
        """Mean ``-log2 p(c_t | c_<t)`` over ``t >= 1`` (unseen characters read as ``<unk>``). With
        ``streams > 1`` the text is cut into that many pieces scored side by side (faster; each piece
        starts from a zero state, so it is slightly higher than the exact ``streams=1`` value)."""
        return self.evaluate(text, streams=streams, chunk=chunk)["bits_per_char"]

    @torch.no_grad()
    def evaluate(self, text: str, streams: int = 1, chunk: int = 1000, dynamic_lr: float | None = None,
                 dynamic_decay: float = 0.0) -> dict[str, Any]:
        """``{"bits_per_char", "chars_scored", "units_scored", "unknown_chars"}`` on ``text``.

        ``dynamic_lr``: **dynamic evaluation** (Krause et al., 2018) -- the text is read in segments
        of ``bptt`` units; each segment is scored first, then a copy of the network takes one SGD
        step (lr ``dynamic_lr``, gradient norm clipped at ``clip``) on it, and moves ``dynamic_decay``
        of the way back to the trained weights. Every unit is still predicted before the model has
        seen it, so this is an online code length, but one that adapts to the text; the model itself
        is left unchanged. With ``streams > 1`` the pieces are read side by side and adapt one shared
        copy, so a piece also learns from text that comes later in the others (an online code in the
        interleaved order, not the text's); ``streams=1`` (default) is the exact protocol.
        ``None`` (default): the static score."""
        self._require_fitted()
        check_number("streams", streams, lo=1, integer=True)
        check_number("chunk", chunk, lo=1, integer=True)
        check_number("dynamic_lr", dynamic_lr, lo=0, lo_open=True, allow_none=True)
        check_number("dynamic_decay", dynamic_decay, lo=0, hi=1)
        ids = self.encode(text, "unk")
        if len(ids) < 2:
            what = "subword units" if self.config.units == "bpe" else "characters"
            raise DataError(f"text: expected at least 2 {what} to score, got {len(ids)}")
        self.net.eval()
        if dynamic_lr is None:
            bpc, n = _stream_bits(self.net, ids, streams, chunk, self.unit_chars)
        else:
            import copy

            bpc, n = _stream_bits(copy.deepcopy(self.net), ids, streams, self.config.bptt, self.unit_chars,
                                  dynamic=(dynamic_lr, dynamic_decay, self.config.clip))
        unk = self.chars.unk_id
        out = {"bits_per_char": bpc, "chars_scored": n, "units_scored": len(ids) - 1,
               "unknown_chars": int((ids == unk).sum())}
        if dynamic_lr is not None:
            out["dynamic"] = {"lr": dynamic_lr, "decay": dynamic_decay, "segment": self.config.bptt}
        return out

    # -------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, prompt: str, length: int, temperature: float = 1.0, top_k: int | None = None,
               seed: int | None = None, unknown: str = "error") -> str:
        """``length`` characters continuing ``prompt``: at each step the next-unit distribution is
        ``softmax(logits / temperature)`` restricted to the ``top_k`` most likely units (characters,
        or subwords with ``units="bpe"``; ``top_k=1``: greedy, whatever the seed), sampled with a
        generator seeded by ``seed``. ``<pad>``/``<unk>`` are never produced. Subword units are drawn
        until ``length`` characters exist and the last one is cut to fit. Returns the continuation only."""
        self._require_fitted()
        check_sampling(length, temperature, top_k)
        check_number("seed", seed, integer=True, allow_none=True)
        ids = self.encode(prompt, unknown, "prompt")
        gen = torch.Generator()
        if seed is None:
            gen.seed()                                     # fresh entropy; the global RNG is left alone
        else:
            gen.manual_seed(seed)
        self.net.eval()
        banned = [i for i in (self.chars.pad_id, self.chars.unk_id) if i is not None]
        logits, state = self.net(ids.unsqueeze(0))         # read the whole prompt in one call
        last = logits[0, -1]
        out: list[int] = []
        made = 0
        while made < length:
            scores = last.clone()
            scores[banned] = float("-inf")                 # never emit <pad>/<unk>
            if top_k is not None and top_k < scores.numel():
                kth = torch.topk(scores, top_k).values[-1]
                scores[scores < kth] = float("-inf")       # keep the top_k most likely (ties kept)
            if top_k == 1:
                nxt = int(torch.argmax(scores))            # greedy: no randomness at all
            else:
                probs = torch.softmax(scores / temperature, -1)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
            out.append(nxt)
            made += int(self.unit_chars[nxt])
            if made >= length:
                break
            logits, state = self.net(torch.tensor([[nxt]]), state)   # one step, state carried
            last = logits[0, -1]
        if isinstance(self.chars, BPEVocab):
            return self.chars.decode(out)[:length]
        return "".join(self.chars.decode(out))

    # -------------------------------------------------------------- persistence
    def save(self, path, baseline: "NGramCharModel | None" = None, extra: dict | None = None):
        self._require_fitted()
        base = None if baseline is None else ({}, baseline.state())
        return save_run(path, TASK, replace(self.config, progress=False), self.net, {self.config.units: self.chars},
                        extra={"history": self.history, **(extra or {})}, baseline=base)

    @classmethod
    def load(cls, path) -> "CharLM":
        run = load_run(path, TASK, CharLMConfig)
        self = cls(run["config"])
        units = self.config.units
        self._set_units(run_vocab(run, units, BPEVocab if units == "bpe" else Vocab))
        self.net = CharLMNet(len(self.chars), self.config)
        load_weights(self.net, run["state"])
        self.history = run["extra"].get("history", {})
        self.extra = run["extra"]
        self.baseline = run_baseline(run, lambda b: NGramCharModel.from_state(b[1]))
        return self


def _detach(state: Any) -> Any:
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def cosine_lr(lr: float, frac: float, warmup: float) -> float:
    """The learning rate at ``frac`` (0..1) of the budget: a linear ramp from ``lr/20`` over the first
    ``warmup``, then a cosine from ``lr`` to 0 at ``frac = 1`` (held at 0 beyond).

    >>> [round(cosine_lr(1.0, f, 0.1), 3) for f in (0.0, 0.05, 0.1, 0.55, 1.0, 1.2)]
    [0.05, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    if frac < warmup:
        return lr * max(frac / warmup, 0.05)
    g = min(1.0, (frac - warmup) / (1.0 - warmup))
    return lr * 0.5 * (1.0 + math.cos(math.pi * g))


def _bar(total: int, on: bool):
    import sys

    if not on or not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="generate: rounds", leave=False, file=sys.stderr)


def _stream_bits(model: nn.Module, ids: Tensor, streams: int, chunk: int, unit_chars: Tensor | None = None,
                 dynamic: tuple[float, float, float] | None = None) -> tuple[float, int]:
    """Total bits / scored characters over ``ids`` cut into ``streams`` contiguous pieces, each read in
    chunks of ``chunk`` steps with the state carried (exact for ``streams=1``). ``unit_chars[i]``: the
    characters unit ``i`` covers (``None``: one each). ``dynamic=(lr, decay, clip)``: after scoring
    each chunk, one SGD step of ``model`` on it (see :meth:`CharLM.evaluate`); ``model`` is changed."""

    def chars(targets: Tensor) -> int:
        return targets.numel() if unit_chars is None else int(unit_chars[targets].sum())

    params = [p for p in model.parameters() if p.requires_grad] if dynamic else []
    trained = [p.detach().clone() for p in params] if dynamic and dynamic[1] else None

    def adapt(nll: Tensor, count: int) -> None:   # one clipped SGD step on the mean loss of the chunk
        lr, decay, clip = dynamic
        model.zero_grad(set_to_none=True)
        (nll / count).backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        with torch.no_grad():
            for i, p in enumerate(params):
                if p.grad is not None:
                    p.sub_(p.grad, alpha=lr)
                if trained is not None:
                    p.add_(trained[i] - p, alpha=decay)

    was = model.training
    model.eval()
    streams = max(1, min(streams, (len(ids) - 1)))
    with torch.set_grad_enabled(dynamic is not None):
        x, y = stream_matrix(ids, streams)
        bits, n = 0.0, 0
        state = None
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s: s + chunk], state)
            nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, s: s + chunk].reshape(-1), reduction="sum")
            bits += float(nll.detach()) / LN2
            n += chars(y[:, s: s + chunk])
            if dynamic:                        # scored first, then learned from
                adapt(nll, y[:, s: s + chunk].numel())
                state = _detach(state)
        # the characters after the last full row continue that row (same state)
        start = streams * x.shape[1]
        if len(ids) - start >= 2:
            last = tuple(t[:, -1:] for t in state) if isinstance(state, tuple) else state[:, -1:]
            logits, _ = model(ids[start:-1].unsqueeze(0), last)
            bits += float(F.cross_entropy(logits[0], ids[start + 1:], reduction="sum")) / LN2
            n += chars(ids[start + 1:])
    model.train(was)
    return bits / n, n


# ----------------------------------------------------------------------------- baseline
class NGramCharModel:
    """Interpolated Witten-Bell character n-gram (order 1: unigram smoothed towards uniform):
    ``P(c | h) = (C(h c) + T(h) P(c | h')) / (C(h) + T(h))`` with ``T(h)`` the number of distinct
    characters seen after ``h`` and ``h'`` the context one character shorter; the order-0 distribution
    is uniform over the vocabulary (``<pad>`` excluded, ``<unk>`` included). Characters outside the
    vocabulary are read as ``<unk>``, as the network does."""

    def __init__(self, order: int = 3, min_freq: int = 1) -> None:
        check_number("order", order, lo=1, hi=8, integer=True)
        check_number("min_freq", min_freq, lo=1, integer=True)
        self.order, self.min_freq = order, min_freq
        self.vocab: list[str] = []
        self.counts: dict[str, dict[str, int]] = {}

    def _map(self, text: str) -> list[str]:
        known = set(self.vocab)
        return [c if c in known else UNK for c in tokenize(text, "chars")]

    def fit(self, text: str) -> "NGramCharModel":
        chars = tokenize(_check_text(text, "text"), "chars")
        freq = Counter(chars)
        self.vocab = [UNK] + sorted(c for c, n in freq.items() if n >= self.min_freq and c not in (PAD, UNK))
        seq = self._map(text)
        counts: dict[str, Counter] = defaultdict(Counter)
        for n in range(self.order):              # context length n = 0 .. order-1
            for i in range(n, len(seq)):
                counts["".join(seq[i - n: i]) if n else ""][seq[i]] += 1
        self.counts = {h: dict(c) for h, c in counts.items()}
        self._prep()
        return self

    def _prep(self) -> None:
        self._tot = {h: (sum(c.values()), len(c)) for h, c in self.counts.items()}

    def _prob(self, hist: list[str], c: str) -> float:
        p = 1.0 / len(self.vocab)
        for n in range(0, min(self.order - 1, len(hist)) + 1):
            h = "".join(hist[len(hist) - n:]) if n else ""
            tot = self._tot.get(h)
            if tot is None:
                break
            total, types = tot
            p = (self.counts[h].get(c, 0) + types * p) / (total + types)
        return p

    def bits_per_char(self, text: str) -> float:
        """Mean ``-log2 P(c_t | c_<t)`` over ``t >= 1`` (as :meth:`CharLM.bits_per_char`)."""
        if not self.vocab:
            raise ConfigError("baseline: expected a fitted n-gram model, got an unfitted one")
        seq = self._map(_check_text(text, "text"))
        if len(seq) < 2:
            raise DataError(f"text: expected at least 2 characters to score, got {len(seq)}")
        k = self.order - 1
        bits = 0.0
        for t in range(1, len(seq)):
            bits -= math.log2(self._prob(seq[max(0, t - k): t], seq[t]))
        return bits / (len(seq) - 1)

    def state(self) -> dict[str, Any]:
        return {"order": self.order, "min_freq": self.min_freq, "vocab": self.vocab, "counts": self.counts}

    @classmethod
    def from_state(cls, s: dict[str, Any]) -> "NGramCharModel":
        self = cls(s["order"], s["min_freq"])
        self.vocab, self.counts = list(s["vocab"]), {h: dict(c) for h, c in s["counts"].items()}
        self._prep()
        return self
