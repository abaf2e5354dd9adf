"""Many-to-many unaligned: sequence-to-sequence translation with attention, greedy and beam search,
BLEU and chrF (sacrebleu), and two baselines (copy the source; word-by-word dictionary).

**Tokens are characters** (Unicode code points after NFC, :func:`rnnkit.data.vocab.tokenize`): any
language or script works with no word segmentation and no space assumption, there are no
out-of-vocabulary words (German compounds, names, numbers are spelled out), the vocabularies are tiny
(~100 symbols: the output softmax is cheap on a CPU) and nothing extra has to be trained or
installed. The price is longer sequences (the trans-de-en sentences average 46 source and 41 target
characters), so more decoder steps per sentence.

Network (:class:`Seq2SeqNet`): character embedding -> bidirectional rnnkit LSTM encoder over the
valid steps (``lengths``) -> the decoder LSTM starts from ``tanh(W [h_fwd; h_bwd])`` of the encoder's
final states -> Luong "general" attention at every decoder step, ``score(h_t, e_s) = h_t^T W_a e_s``,
softmax over the *valid* source positions only (padding masked) -> ``tanh(W_c [c_t; h_t])`` -> linear
to the target characters. The decoder's input is the previous target character (teacher forcing in
training: the true one), so training runs the decoder over whole target sequences in one call.

Decoding: ``beam=1`` is greedy (argmax each step); ``beam=k`` keeps the ``k`` best partial outputs by
summed log-probability, moves one to the finished list when it ends with ``</s>``, stops when ``k`` are
finished (or at ``max_decode_len``), and returns the finished output with the best length-normalised
score ``sum log p / len ** length_penalty`` (``len`` counts ``</s>``; ``length_penalty=0``: no
normalisation). ``<pad>``, ``<unk>`` and ``<s>`` are never produced. Longest output:
``max_decode_ratio * source length + 10`` characters.

Source texts longer than ``max_len`` characters are cut with one warning (``on_long="truncate"``) or
raise DataError (``"error"``); in training, target texts too.

Baselines (:class:`CopySource`, :class:`WordDictionary`): the source copied unchanged, and a
word-by-word dictionary learned from the *training pairs* by IBM Model 1 alignment counts (EM over
word co-occurrences, :func:`rnnkit.data.vocab.tokenize` words): each source word becomes its most
probable target word, unknown words are copied, and the source's spacing between words is kept.

>>> d = WordDictionary(iterations=5).fit(["das Haus", "das Buch", "ein Buch"], ["the house", "the book", "a book"])
>>> d.translate(["ein Haus", "das Auto"])
['a house', 'the Auto']
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import ON_LONG, bucket_batches, limit_length, pad_sequences
from rnnkit.data.vocab import BOS, EOS, PAD, UNK, Vocab, tokenize
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.common import (
    SequenceEncoder, check_bool, check_choice, check_number, check_texts, load_run, load_weights, run_baseline,
    run_vocab, save_run, task_config,
)

__all__ = ["Seq2SeqConfig", "Translator", "Seq2SeqNet", "CopySource", "WordDictionary", "translation_metrics",
           "BLEU_TOKENIZERS"]

TASK = "translate"
BLEU_TOKENIZERS = ("13a", "intl", "char", "zh", "none")


def translation_metrics(hyps: Sequence[str], refs: Sequence[str], bleu_tokenize: str = "13a") -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu, 0-100). ``bleu_tokenize``: sacrebleu's tokenizer for BLEU
    (``"13a"`` default; ``"char"`` or ``"zh"`` for text without spaces); chrF needs none.

    >>> translation_metrics(["the cat sat on the mat"], ["the cat sat on the mat"])
    {'bleu': 100.00000000000004, 'chrf': 100.0}
    """
    import sacrebleu

    if len(hyps) != len(refs):
        raise DataError(f"hyps: expected one hypothesis per reference ({len(refs)}), got {len(hyps)}")
    if not refs:
        raise DataError("refs: expected at least one reference, got none")
    check_choice("bleu_tokenize", bleu_tokenize, BLEU_TOKENIZERS)
    return {"bleu": sacrebleu.corpus_bleu(list(hyps), [list(refs)], tokenize=bleu_tokenize).score,
            "chrf": sacrebleu.corpus_chrf(list(hyps), [list(refs)]).score}




def _check_pairs(src: Any, tgt: Any) -> tuple[list[str], list[str]]:
    src, tgt = check_texts(src, "sources"), check_texts(tgt, "targets")
    if len(src) != len(tgt):
        raise DataError(f"targets: expected one target per source ({len(src)}), got {len(tgt)}")
    return src, tgt


# ----------------------------------------------------------------------------- config + network
@dataclass(frozen=True)
class Seq2SeqConfig:
    """Everything that defines a translation run (saved in the run's config.json)."""

    embed_dim: int = 64
    enc_hidden: int = 128         # per direction of the bidirectional encoder
    dec_hidden: int = 256
    dropout: float = 0.1
    max_len: int = 200            # characters per source (and target, in training)
    on_long: str = "truncate"
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    patience: int = 4             # epochs without a better validation chrF before stopping
    val_fraction: float = 0.05    # of the training pairs, for early stopping (0: none)
    val_max: int = 300            # validation pairs decoded (greedy) after each epoch
    max_seconds: float | None = None  # wall-clock budget for fit (checked after each epoch)
    beam: int = 5                 # default beam width of translate/evaluate (1: greedy)
    length_penalty: float = 1.0   # alpha in score / len ** alpha
    max_decode_ratio: float = 2.0
    bleu_tokenize: str = "13a"
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("on_long", self.on_long, ON_LONG)
        check_choice("bleu_tokenize", self.bleu_tokenize, BLEU_TOKENIZERS)
        check_bool("progress", self.progress)
        for name in ("embed_dim", "enc_hidden", "dec_hidden", "max_len", "epochs", "batch_size", "patience",
                     "val_max", "beam"):
            check_number(name, getattr(self, name), lo=1, integer=True)
        check_number("dropout", self.dropout, lo=0, hi=0.95)
        check_number("lr", self.lr, lo=0, lo_open=True)
        check_number("clip", self.clip, lo=0, lo_open=True)
        check_number("val_fraction", self.val_fraction, lo=0, hi=0.5)
        check_number("max_seconds", self.max_seconds, lo=0, lo_open=True, allow_none=True)
        check_number("length_penalty", self.length_penalty, lo=0, hi=5)
        check_number("max_decode_ratio", self.max_decode_ratio, lo=0, lo_open=True, hi=100)
        check_number("seed", self.seed, lo=0, integer=True)


class Seq2SeqNet(nn.Module):
    """The network only (see the module docstring). ``encode(src, lengths)`` once per batch, then
    ``decode(prev, state, memory)`` over any number of steps (all at once with teacher forcing, or
    one at a time when generating)."""

    def __init__(self, n_src: int, n_tgt: int, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        import rnnkit

        E2 = 2 * cfg.enc_hidden
        self.src_embed = nn.Embedding(n_src, cfg.embed_dim, padding_idx=0)
        self.tgt_embed = nn.Embedding(n_tgt, cfg.embed_dim, padding_idx=0)
        self.encoder = SequenceEncoder(cfg.embed_dim, cfg.enc_hidden, "lstm", bidirectional=True)
        self.bridge = nn.Linear(E2, cfg.dec_hidden)
        self.decoder = rnnkit.LSTM(cfg.embed_dim, cfg.dec_hidden, batch_first=True)
        self.attn = nn.Linear(E2, cfg.dec_hidden, bias=False)     # W_a, applied to the encoder outputs once
        self.combine = nn.Linear(E2 + cfg.dec_hidden, cfg.dec_hidden)
        self.out = nn.Linear(cfg.dec_hidden, n_tgt)
        self.drop = nn.Dropout(cfg.dropout)

    def encode(self, src: Tensor, lengths: Tensor) -> tuple[dict[str, Tensor], tuple[Tensor, Tensor]]:
        enc, summary = self.encoder(self.drop(self.src_embed(src)), lengths)
        mask = torch.arange(src.shape[1], device=src.device).unsqueeze(0) < lengths.to(src.device).unsqueeze(1)
        h0 = torch.tanh(self.bridge(summary)).unsqueeze(0)
        memory = {"values": enc, "keys": self.attn(enc), "mask": mask}
        return memory, (h0, torch.zeros_like(h0))

    def decode(self, prev: Tensor, state: Any, memory: dict[str, Tensor]) -> tuple[Tensor, Any, Tensor]:
        """``prev (B, T)`` target ids -> logits ``(B, T, V)``, the new state, attention ``(B, T, S)``."""
        h, state = self.decoder(self.drop(self.tgt_embed(prev)), state)
        scores = torch.bmm(h, memory["keys"].transpose(1, 2))                  # (B, T, S)
        scores = scores.masked_fill(~memory["mask"].unsqueeze(1), float("-inf"))
        weights = torch.softmax(scores, -1)
        context = torch.bmm(weights, memory["values"])                          # (B, T, 2*enc_hidden)
        att = torch.tanh(self.combine(torch.cat([context, h], -1)))
        return self.out(self.drop(att)), state, weights


def _select(memory: dict[str, Tensor], state: Any, idx: Tensor):
    return ({k: v.index_select(0, idx) for k, v in memory.items()},
            tuple(s.index_select(1, idx) for s in state))


# ----------------------------------------------------------------------------- the task
class Translator:
    """A character-level translator: ``fit(sources, targets)``, ``translate(sources, beam)``,
    ``evaluate(sources, targets, beam)``, ``save`` / ``load``."""

    def __init__(self, config: Seq2SeqConfig | None = None) -> None:
        self.config = task_config(config, Seq2SeqConfig)
        self.src_vocab: Vocab | None = None
        self.tgt_vocab: Vocab | None = None
        self.net: Seq2SeqNet | None = None
        self.history: dict[str, Any] = {}
        self.baselines: dict[str, Any] = {}

    # -------------------------------------------------------------- encoding
    def _src_ids(self, texts: list[str]) -> list[list[int]]:
        c = self.config
        chars = limit_length([tokenize(t, "chars") for t in texts], c.max_len, c.on_long, what="sources")
        return [self.src_vocab.encode(ch) for ch in chars]

    def _tgt_ids(self, texts: list[str]) -> list[list[int]]:
        c = self.config
        chars = limit_length([tokenize(t, "chars") for t in texts], c.max_len, c.on_long, what="targets")
        return [self.tgt_vocab.encode(ch) for ch in chars]

    def _batch(self, src_ids, tgt_ids, idx):
        x, xl = pad_sequences([src_ids[i] for i in idx])
        if tgt_ids is None:
            return x, xl, None, None
        bos, eos = self.tgt_vocab.index[BOS], self.tgt_vocab.index[EOS]
        prev, _ = pad_sequences([[bos] + tgt_ids[i] for i in idx])
        gold, _ = pad_sequences([tgt_ids[i] + [eos] for i in idx], pad_value=-100)
        return x, xl, prev, gold

    def _loss(self, batch) -> Tensor:
        x, xl, prev, gold = batch
        memory, state = self.net.encode(x, xl)
        logits, _, _ = self.net.decode(prev, state, memory)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1), ignore_index=-100)

    # -------------------------------------------------------------- training
    def fit(self, sources, targets, val_sources=None, val_targets=None) -> "Translator":
        """Train with teacher forcing on :class:`rnnkit.training.Trainer` (Adam, clipping, early
        stopping on the validation chrF of greedy outputs with the best weights restored)."""
        from rnnkit.tasks.classification import split_indices
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer

        c = self.config
        src, tgt = _check_pairs(sources, targets)
        if val_sources is None and c.val_fraction > 0 and len(src) >= 20:
            tr, va = split_indices(len(src), c.val_fraction, c.seed)
            val_sources, val_targets = [src[i] for i in va], [tgt[i] for i in va]
            src, tgt = [src[i] for i in tr], [tgt[i] for i in tr]
        torch.manual_seed(c.seed)
        self.src_vocab = Vocab.build([tokenize(t, "chars") for t in src])
        self.tgt_vocab = Vocab.build([tokenize(t, "chars") for t in tgt], specials=(PAD, UNK, BOS, EOS))
        src_ids, tgt_ids = self._src_ids(src), self._tgt_ids(tgt)
        self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), c)
        lengths = [len(s) + len(t) for s, t in zip(src_ids, tgt_ids)]
        translator = self

        class Batches:  # reshuffled every epoch from torch's RNG, which the trainer seeds per epoch
            def __len__(self):
                return math.ceil(len(src_ids) / c.batch_size)

            def __iter__(self):
                seed = int(torch.randint(0, 2**31 - 1, ()))
                for idx in bucket_batches(lengths, c.batch_size, shuffle=True, seed=seed):
                    yield translator._batch(src_ids, tgt_ids, idx)

        val = None
        if val_sources is not None:
            vs, vt = _check_pairs(val_sources, val_targets)
            val = (vs[: c.val_max], vt[: c.val_max])
        t0 = time.perf_counter()
        curve: list[dict[str, Any]] = []
        ref: dict[str, Any] = {}

        def eval_fn(model, _data) -> dict[str, float]:
            m = self.evaluate(*val, beam=1, baselines=False) if val is not None else {}
            tr = ref["trainer"]
            wall = time.perf_counter() - t0
            curve.append({"epoch": tr.epoch + 1, "wall_s": round(wall, 2), **{f"val_{k}": v for k, v in m.items()}})
            if c.progress:
                import sys

                print(f"translate: epoch {tr.epoch + 1} {wall:.0f}s " +
                      " ".join(f"val_{k} {v:.2f}" for k, v in m.items()), file=sys.stderr, flush=True)
            return m or {"chrf": float("nan")}

        cfg = TrainConfig(epochs=c.epochs, optim=OptimConfig("adam", lr=c.lr), clip_norm=c.clip, seed=c.seed,
                          early_stopping=EarlyStoppingConfig("val_chrf", "max", patience=c.patience)
                          if val is not None else None, quiet=not c.progress, max_seconds=c.max_seconds)
        trainer = Trainer(self.net, lambda model, batch: self._loss(batch), eval_fn=eval_fn, config=cfg)
        ref["trainer"] = trainer
        # eval_fn runs after every epoch when there is validation data or a time budget to check
        result = trainer.fit(Batches(), [None] if val is not None or c.max_seconds else None)
        self.net.eval()
        for row, h in zip(curve, result.history):
            row["train_loss"] = h.get("train_loss")
        self.history = {"curve": curve, "epochs": result.epochs_run, "best": result.best,
                        "seconds": time.perf_counter() - t0, "train_pairs": len(src)}
        self.baselines = {"copy_source": CopySource(), "word_dictionary": WordDictionary().fit(src, tgt)}
        return self

    def _require_fitted(self) -> None:
        if self.net is None:
            raise ConfigError("model: expected a fitted translator (call fit or load), got an unfitted one")

    # -------------------------------------------------------------- decoding
    def _banned(self) -> list[int]:
        return [self.tgt_vocab.index[t] for t in (PAD, UNK, BOS)]

    @torch.no_grad()
    def translate(self, sources, beam: int | None = None, batch_size: int = 64) -> list[str]:
        """Translations in input order (``beam=1``: greedy; default ``config.beam``)."""
        self._require_fitted()
        beam = self.config.beam if beam is None else beam
        check_number("beam", beam, lo=1, integer=True)
        src = check_texts(sources, "sources")
        self.net.eval()
        ids = self._src_ids(src)
        out: list[str] = [""] * len(ids)
        for idx in bucket_batches([len(s) for s in ids], batch_size, shuffle=False):
            x, xl, _, _ = self._batch(ids, None, idx)
            if beam == 1:
                hyps = self._greedy(x, xl)
            else:
                hyps = [self._beam(x[b: b + 1, : int(xl[b])], xl[b: b + 1], beam) for b in range(len(idx))]
            for b, i in enumerate(idx):
                out[i] = "".join(self.tgt_vocab.decode(hyps[b]))
        return out

    def _max_steps(self, src_len: int) -> int:
        return int(self.config.max_decode_ratio * src_len) + 10

    def _greedy(self, x: Tensor, xl: Tensor) -> list[list[int]]:
        memory, state = self.net.encode(x, xl)
        B = x.shape[0]
        bos, eos = self.tgt_vocab.index[BOS], self.tgt_vocab.index[EOS]
        prev = torch.full((B, 1), bos, dtype=torch.long)
        done = torch.zeros(B, dtype=torch.bool)
        limit = [self._max_steps(int(n)) for n in xl]
        out: list[list[int]] = [[] for _ in range(B)]
        banned = self._banned()
        for t in range(max(limit)):
            logits, state, _ = self.net.decode(prev, state, memory)
            scores = torch.log_softmax(logits[:, -1], -1)
            scores[:, banned] = float("-inf")
            nxt = scores.argmax(-1)
            for b in range(B):
                if done[b]:
                    continue
                if int(nxt[b]) == eos or t >= limit[b]:
                    done[b] = True
                else:
                    out[b].append(int(nxt[b]))
            if bool(done.all()):
                break
            prev = nxt.unsqueeze(1)
        return out

    def _beam(self, x: Tensor, xl: Tensor, k: int) -> list[int]:
        """Beam search for one source ``(1, S)``; see the module docstring."""
        memory, state = self.net.encode(x, xl)
        bos, eos = self.tgt_vocab.index[BOS], self.tgt_vocab.index[EOS]
        alpha = self.config.length_penalty
        banned = self._banned()
        hyps: list[tuple[list[int], float]] = [([], 0.0)]          # alive: (tokens, summed log p)
        finished: list[tuple[list[int], float]] = []               # (tokens, normalised score)
        prev = torch.tensor([[bos]])
        limit = self._max_steps(int(xl[0]))
        for t in range(limit + 1):
            logits, state, _ = self.net.decode(prev, state, memory)
            logp = torch.log_softmax(logits[:, -1], -1)
            logp[:, banned] = float("-inf")
            if t == limit:                                         # out of room: only </s> may follow
                keep = logp[:, eos].clone()
                logp.fill_(float("-inf"))
                logp[:, eos] = keep
            total = torch.tensor([s for _, s in hyps]).unsqueeze(1) + logp   # (alive, V)
            flat = total.flatten()
            top = torch.topk(flat, min(2 * k, int(torch.isfinite(flat).sum())))
            V = logp.shape[1]
            alive_idx, new_hyps = [], []
            for score, pos in zip(top.values.tolist(), top.indices.tolist()):
                h, tok = divmod(pos, V)
                toks = hyps[h][0]
                if tok == eos:
                    finished.append((toks, score / (len(toks) + 1) ** alpha))
                else:
                    new_hyps.append((toks + [tok], score))
                    alive_idx.append((h, tok))
                if len(new_hyps) == k or len(finished) >= k:
                    break
            if len(finished) >= k or not new_hyps:
                break
            hyps = new_hyps
            sel = torch.tensor([h for h, _ in alive_idx])
            prev = torch.tensor([[tok] for _, tok in alive_idx])
            memory, state = _select(memory, state, sel)           # row h of the previous step, repeated
        if not finished:
            finished = [(toks, s / (len(toks) + 1) ** alpha) for toks, s in hyps]
        return max(finished, key=lambda ts: ts[1])[0]

    # -------------------------------------------------------------- scoring
    def evaluate(self, sources, targets, beam: int | None = None, baselines: bool = True) -> dict[str, Any]:
        """``{"bleu", "chrf"}`` of the network (and, with ``baselines``, ``{"baselines": {...}}`` for
        copy-source and the word dictionary when the translator has them)."""
        self._require_fitted()
        src, tgt = _check_pairs(sources, targets)
        hyps = self.translate(src, beam=beam)
        m: dict[str, Any] = translation_metrics(hyps, tgt, self.config.bleu_tokenize)
        if baselines and self.baselines:
            m["baselines"] = {name: translation_metrics(b.translate(src), tgt, self.config.bleu_tokenize)
                              for name, b in self.baselines.items()}
        return m

    # -------------------------------------------------------------- persistence
    def save(self, path, extra: dict | None = None):
        self._require_fitted()
        wd = self.baselines.get("word_dictionary")
        base = None if wd is None else ({}, {"word_dictionary": wd.state()})
        return save_run(path, TASK, replace(self.config, progress=False), self.net,
                        {"source": self.src_vocab, "target": self.tgt_vocab},
                        extra={"history": self.history, **(extra or {})}, baseline=base)

    @classmethod
    def load(cls, path) -> "Translator":
        run = load_run(path, TASK, Seq2SeqConfig)
        self = cls(run["config"])
        self.src_vocab, self.tgt_vocab = run_vocab(run, "source"), run_vocab(run, "target")
        self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), self.config)
        load_weights(self.net, run["state"])
        self.history = run["extra"].get("history", {})
        self.extra = run["extra"]
        self.baselines = {"copy_source": CopySource()}
        wd = run_baseline(run, lambda b: WordDictionary.from_state(b[1]["word_dictionary"]))
        if wd is not None:
            self.baselines["word_dictionary"] = wd
        return self


# ----------------------------------------------------------------------------- baselines
class CopySource:
    """The baseline that outputs the source unchanged (names, numbers, cognates survive)."""

    def translate(self, sources) -> list[str]:
        return list(check_texts(sources, "sources"))


class WordDictionary:
    """Word-by-word translation with a dictionary learned from training pairs by IBM Model 1 (EM on
    word translation probabilities ``t(e | f)`` with a NULL source word): each source word becomes its
    most probable target word (NULL-aligned target words are never produced), unknown words are
    copied. Words are :func:`rnnkit.data.vocab.tokenize` tokens (no space assumption); the output keeps
    the source's spacing and punctuation between them."""

    def __init__(self, iterations: int = 5) -> None:
        check_number("iterations", iterations, lo=1, integer=True)
        self.iterations = iterations
        self.table: dict[str, str] = {}

    def fit(self, sources, targets) -> "WordDictionary":
        src, tgt = _check_pairs(sources, targets)
        S = [tokenize(s, "words") for s in src]
        T = [tokenize(t, "words") for t in tgt]
        t_prob: dict[tuple[str, str], float] = {}
        pairs = [(["\0NULL"] + f, e) for f, e in zip(S, T) if f and e]
        for f, e in pairs:  # uniform start over co-occurring pairs
            for fw in f:
                for ew in e:
                    t_prob[(fw, ew)] = 1.0
        for _ in range(self.iterations):
            count: dict[tuple[str, str], float] = defaultdict(float)
            total: dict[str, float] = defaultdict(float)
            for f, e in pairs:
                for ew in e:
                    z = sum(t_prob[(fw, ew)] for fw in f)
                    for fw in f:
                        c = t_prob[(fw, ew)] / z
                        count[(fw, ew)] += c
                        total[fw] += c
            t_prob = {k: v / total[k[0]] for k, v in count.items()}
        best: dict[str, tuple[float, str]] = {}
        for (fw, ew), p in t_prob.items():
            if fw != "\0NULL" and (fw not in best or (p, ew) > best[fw]):
                best[fw] = (p, ew)
        self.table = {fw: ew for fw, (_, ew) in best.items()}
        return self

    def translate(self, sources) -> list[str]:
        """Each source word replaced by its dictionary entry; whatever stood between the words in the
        source (spaces, nothing, ...) is kept, so no spacing convention is imposed."""
        out = []
        for s in check_texts(sources, "sources"):
            s = unicodedata.normalize("NFC", s)          # tokenize() works on the NFC form
            parts, pos = [], 0
            for w in tokenize(s, "words"):
                start = s.find(w, pos)
                parts += [s[pos:start], self.table.get(w, w)]
                pos = start + len(w)
            out.append("".join(parts) + s[pos:])
        return out

    def state(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "table": self.table}

    @classmethod
    def from_state(cls, s: dict[str, Any]) -> "WordDictionary":
        self = cls(s["iterations"])
        self.table = dict(s["table"])
        return self
