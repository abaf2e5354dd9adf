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

Decoding (a padded batch of sources at once): ``beam=1`` is greedy (argmax each step); ``beam=k`` keeps
the ``k`` best partial outputs by summed log-probability (``B * k`` decoder rows), moves one to the finished
list when it ends with ``</s>`` *and that candidate ranks among the step's ``k`` best* (fairseq's rule; a
``</s>`` ranked below ``k`` live continuations is dropped), stops when ``k`` are finished and none of the
live ones would score better if it ended now (or nothing is alive), and returns the
finished output with the best length-normalised score ``sum log p / len ** length_penalty`` (``len``
counts ``</s>``; ``length_penalty=0``: no normalisation). ``<pad>``, ``<unk>`` and ``<s>`` are never produced. Longest output:
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
from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import ON_LONG, bucket_batches, limit_length, pad_sequences
from rnnkit.data.vocab import BOS, EOS, PAD, UNK, Vocab, tokenize
from rnnkit.errors import DataError
from rnnkit.tasks.base import Task, WallClock
from rnnkit.tasks.common import (
    SequenceEncoder, budget_left, check_bool, check_choice, check_number, check_texts, run_vocab, task_layer,
    unseen_report,
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
    max_seconds: float | None = None  # wall-clock budget of fit (vocabularies, encoding, training; every step)
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
        E2 = 2 * cfg.enc_hidden
        self.src_embed = nn.Embedding(n_src, cfg.embed_dim, padding_idx=0)
        self.tgt_embed = nn.Embedding(n_tgt, cfg.embed_dim, padding_idx=0)
        self.encoder = SequenceEncoder(cfg.embed_dim, cfg.enc_hidden, "lstm", bidirectional=True)
        self.bridge = nn.Linear(E2, cfg.dec_hidden)
        self.decoder = task_layer("lstm", cfg.embed_dim, cfg.dec_hidden)
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
class Translator(Task):
    """A character-level translator (the task contract of :mod:`rnnkit.tasks.base`): ``fit(sources,
    targets)`` (the network and both baselines), ``predict``/``translate(sources, beam)``,
    ``evaluate(sources, targets, beam)``, ``save`` / ``load``."""

    name = TASK
    config_class = Seq2SeqConfig
    noun, input_name, one_target = "translator", "sources", "one target per source"

    def __init__(self, config: Seq2SeqConfig | None = None) -> None:
        super().__init__(config)
        self.src_vocab: Vocab | None = None
        self.tgt_vocab: Vocab | None = None

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return {"copy_source": CopySource, "word_dictionary": WordDictionary}

    def check_inputs(self, inputs: Any, what: str) -> list[str]:
        return check_texts(inputs, what)

    def check_targets(self, targets: Any, inputs: list, what: str) -> list[str]:
        out = check_texts(targets, what)
        if len(out) != len(inputs):
            raise DataError(f"{what}: expected {self.one_target} ({len(inputs)}), got {len(out)}")
        return out

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
    def validation_split(self, inputs: list, targets: list | None):
        """As :meth:`Task.validation_split` for 20 pairs or more (fewer: no validation); at most
        ``val_max`` validation pairs are decoded after each epoch."""
        if len(inputs) < 20:
            self.split = {}
            return (inputs, targets), None
        train, val = super().validation_split(inputs, targets)
        return train, None if val is None else (val[0][: self.config.val_max], val[1][: self.config.val_max])

    def _fit(self, train, val, callbacks) -> None:
        """Teacher forcing on :class:`rnnkit.training.Trainer` (Adam, clipping, early stopping on the
        validation chrF of greedy outputs with the best weights restored)."""
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer
        from rnnkit.training.data import EpochBatches

        c = self.config
        t0 = time.perf_counter()
        src, tgt = train
        self.src_vocab = Vocab.build([tokenize(t, "chars") for t in src])
        self.tgt_vocab = Vocab.build([tokenize(t, "chars") for t in tgt], specials=(PAD, UNK, BOS, EOS))
        src_ids, tgt_ids = self._src_ids(src), self._tgt_ids(tgt)
        self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), c)
        lengths = [len(s) + len(t) for s, t in zip(src_ids, tgt_ids)]

        def batches(epoch: int):  # reshuffled every epoch with seed + epoch
            for idx in bucket_batches(lengths, c.batch_size, shuffle=True, seed=c.seed + epoch):
                yield self._batch(src_ids, tgt_ids, idx)

        def eval_fn(model, _data) -> dict[str, float]:
            m = self.score(*val, beam=1)
            return {"bleu": m["bleu"], "chrf": m["chrf"]}

        cfg = TrainConfig(epochs=c.epochs, optim=OptimConfig("adam", lr=c.lr), clip_norm=c.clip, seed=c.seed,
                          early_stopping=EarlyStoppingConfig("val_chrf", "max", patience=c.patience)
                          if val is not None else None, quiet=not c.progress,
                          max_seconds=budget_left(t0, c.max_seconds))
        trainer = Trainer(self.net, lambda model, batch: self._loss(batch), config=cfg,
                          eval_fn=eval_fn if val is not None else None, callbacks=[*callbacks, WallClock(t0)])
        result = trainer.fit(EpochBatches(batches, math.ceil(len(src_ids) / c.batch_size)),
                             [None] if val is not None else None)
        self.net.eval()
        self.epoch_log = list(result.history)
        curve = [{"epoch": r["epoch"], "wall_s": r["wall_s"], "train_loss": r.get("train_loss"),
                  **{k: v for k, v in r.items() if k in ("val_bleu", "val_chrf")}} for r in result.history]
        self.history = {"curve": curve, "epochs": result.epochs_run, "best": result.best,
                        "seconds": time.perf_counter() - t0, "stop_reason": result.stop_reason, "train_pairs": len(src)}

    def default_baselines(self) -> dict[str, Any]:
        return {"word_dictionary": WordDictionary(), "copy_source": CopySource()}

    # -------------------------------------------------------------- decoding
    def _banned(self) -> list[int]:
        return [self.tgt_vocab.index[t] for t in (PAD, UNK, BOS)]

    def predict(self, inputs: Any, beam: int | None = None) -> list[str]:
        """Translations in input order (see :meth:`translate`)."""
        return self.translate(inputs, beam=beam)

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
            hyps = self._greedy(x, xl) if beam == 1 else self._beam(x, xl, beam)
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

    def _beam(self, x: Tensor, xl: Tensor, k: int) -> list[list[int]]:
        """Beam search for a padded batch of sources ``(B, S)`` at once (``B * k`` decoder rows); see the
        module docstring. A ``</s>`` candidate ends a hypothesis only when it ranks among the ``k`` best
        candidates of its step (fairseq's rule): ``</s>`` ranked ``k..2k-1`` is worse than ``k`` live
        continuations, and accepting it filled the finished list with short, poor outputs. A source is
        done when nothing is alive, or when ``k`` have finished *and* the best finished score is at least
        the best live one's if it ended now (``sum / (len + 1) ** alpha``): on characters, weak
        hypotheses that happen to end (``... cinq cent sept``) otherwise fill the ``k`` slots before the
        best one, many characters longer, has finished."""
        memory, state = self.net.encode(x, xl)
        B = x.shape[0]
        bos, eos = self.tgt_vocab.index[BOS], self.tgt_vocab.index[EOS]
        alpha, banned = self.config.length_penalty, self._banned()
        limits = [self._max_steps(int(n)) for n in xl]
        memory, state = _select(memory, state, torch.arange(B).repeat_interleave(k))
        scores = torch.full((B, k), float("-inf"))
        scores[:, 0] = 0.0                                             # one live hypothesis to start
        seqs: list[list[list[int]]] = [[[] for _ in range(k)] for _ in range(B)]
        finished: list[list[tuple[list[int], float]]] = [[] for _ in range(B)]   # (tokens, normalised score)
        done = [False] * B
        prev = torch.full((B * k, 1), bos, dtype=torch.long)
        for t in range(max(limits) + 1):
            logits, state, _ = self.net.decode(prev, state, memory)
            logp = torch.log_softmax(logits[:, -1], -1)
            logp[:, banned] = float("-inf")
            V = logp.shape[1]
            logp = logp.view(B, k, V)
            full = torch.tensor([t >= lim for lim in limits])
            if bool(full.any()):                                       # out of room: only </s> may follow
                only_eos = torch.full((V,), float("-inf"))
                only_eos[eos] = 0.0
                logp[full] = logp[full] + only_eos
            top_v, top_i = (scores.unsqueeze(-1) + logp).view(B, k * V).topk(min(2 * k, k * V), dim=1)
            rows, toks, new_scores = [], [], torch.full((B, k), float("-inf"))
            for b in range(B):
                alive: list[tuple[int, int, float]] = []
                if not done[b]:
                    for rank, (s, pos) in enumerate(zip(top_v[b].tolist(), top_i[b].tolist())):
                        if s == float("-inf") or len(alive) == k:
                            break
                        h, tok = divmod(pos, V)
                        if tok != eos:
                            alive.append((h, tok, s))
                        elif rank < k:
                            finished[b].append((seqs[b][h], s / (len(seqs[b][h]) + 1) ** alpha))
                    done[b] = not alive or (len(finished[b]) >= k and max(f[1] for f in finished[b]) >=
                                            max(sc / (len(seqs[b][h]) + 2) ** alpha for h, _, sc in alive))
                if done[b]:
                    alive = []
                new_seqs = []
                for j, (h, tok, s) in enumerate(alive):
                    new_seqs.append(seqs[b][h] + [tok])
                    new_scores[b, j] = s
                    rows.append(b * k + h)
                    toks.append(tok)
                pad = k - len(alive)                                   # empty slots: score -inf
                new_seqs += [[] for _ in range(pad)]
                rows += [b * k] * pad
                toks += [bos] * pad
                seqs[b] = new_seqs
            if all(done):
                break
            scores = new_scores
            prev = torch.tensor(toks, dtype=torch.long).unsqueeze(1)
            memory, state = _select(memory, state, torch.tensor(rows))
        return [max(f, key=lambda ts: ts[1])[0] if f else [] for f in finished]

    # -------------------------------------------------------------- scoring
    def score(self, inputs: list[str], targets: list[str], beam: int | None = None) -> dict[str, Any]:
        """``{"bleu", "chrf"}`` of the translations; target characters never seen in training (the
        network cannot produce them) are counted in ``unseen_labels``."""
        m: dict[str, Any] = translation_metrics(self.translate(inputs, beam=beam), targets, self.config.bleu_tokenize)
        return {**m, **unseen_report((ch for t in targets for ch in tokenize(t, "chars")), self.tgt_vocab.tokens)}

    def score_baseline(self, baseline: Any, inputs: list[str], targets: list[str]) -> dict[str, Any]:
        return translation_metrics(baseline.translate(inputs), targets, self.config.bleu_tokenize)

    # -------------------------------------------------------------- persistence
    def _vocabs(self) -> dict[str, Any]:
        return {"source": self.src_vocab, "target": self.tgt_vocab}

    def _restore(self, run) -> None:
        self.src_vocab, self.tgt_vocab = run_vocab(run, "source"), run_vocab(run, "target")
        self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), self.config)


# ----------------------------------------------------------------------------- baselines
class CopySource:
    """The baseline that outputs the source unchanged (names, numbers, cognates survive)."""

    def fit(self, sources=None, targets=None) -> "CopySource":
        return self

    def translate(self, sources) -> list[str]:
        return list(check_texts(sources, "sources"))

    def state(self) -> tuple[dict, dict]:
        return {}, {}

    @classmethod
    def from_state(cls, state: Any) -> "CopySource":
        return cls()


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
        src, tgt = check_texts(sources, "sources"), check_texts(targets, "targets")
        if len(src) != len(tgt):
            raise DataError(f"targets: expected one target per source ({len(src)}), got {len(tgt)}")
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

    def state(self) -> tuple[dict, dict[str, Any]]:
        return {}, {"iterations": self.iterations, "table": self.table}

    @classmethod
    def from_state(cls, state: tuple[dict, dict[str, Any]]) -> "WordDictionary":
        s = state[1]
        self = cls(s["iterations"])
        self.table = dict(s["table"])
        return self
