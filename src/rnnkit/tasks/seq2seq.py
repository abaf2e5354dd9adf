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
``max_decode_ratio * source length + 10`` characters. ``decode="mbr"`` (not the default) returns instead the
candidate of the beam's n-best with the highest mean chrF against the others (:mod:`rnnkit.tasks.seq2seq_mbr`).

Source texts longer than ``max_len`` characters are cut with one warning (``on_long="truncate"``) or
raise DataError (``"error"``); in training, target texts too.

Baselines (:class:`CopySource`, :class:`WordDictionary`, from :mod:`rnnkit.tasks.seq2seq_words`): the
source copied unchanged, and a word-by-word dictionary learned from the *training pairs* by IBM Model 1
(EM over word co-occurrences, :func:`rnnkit.data.vocab.tokenize` words): each source word becomes its
most probable target word, unknown words are copied, and the source's spacing between words is kept.

>>> d = WordDictionary(iterations=5).fit(["das Haus", "das Buch", "ein Buch"], ["the house", "the book", "a book"])
>>> d.translate(["ein Haus", "das Auto"])
['a house', 'the Auto']
"""

from __future__ import annotations

import math
import time
import unicodedata
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import SEED_END
from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences
from rnnkit.data.heads import head_tokens, no_han_pairs
from rnnkit.data.vocab import BOS, EOS, PAD, UNK, Vocab, tokenize, warn_split_marks
from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.base import Task, WallClock
from rnnkit.tasks.common import (
    SequenceEncoder, check_choice, check_mode_settings, check_number, check_texts, run_vocab,
    task_layer, unseen_report,
)
from rnnkit.tasks.task_parts import member_budget
from rnnkit.tasks.seq2seq_pointer import WordPointer
from rnnkit.tasks.seq2seq_mbr import mbr_select
from rnnkit.tasks.seq2seq_search import beam_search, beam_search_nbest, greedy_search
from rnnkit.tasks.seq2seq_copies import warn_copied_pairs
from rnnkit.tasks.seq2seq_bleu import warn_unspaced_bleu
from rnnkit.tasks.seq2seq_unseen import warn_unseen_sources
from rnnkit.tasks.seq2seq_words import CopySource, WordDictionary
from rnnkit.tasks.seq2seq_config import (  # noqa: F401 - the config's choices, here before session 28
    BLEU_TOKENIZERS, DECODES, MAX_BEAM, MAX_ENSEMBLE, MODELS, Seq2SeqConfig, check_decode,
)

__all__ = ["Seq2SeqConfig", "Translator", "Seq2SeqNet", "CopySource", "WordDictionary", "translation_metrics",
           "BLEU_TOKENIZERS"]

TASK = "translate"
#: The settings only the dict-pointer model reads (a fit of the char model refuses them changed).
POINTER_SETTINGS = {name: ("model", "dict-pointer") for name in (
    "word_dropout", "label_smoothing", "min_count", "warmup", "no_repeat_ngram", "repeat_top", "split_compounds",
    "derive_words", "ensemble", "align_weight")}


def translation_metrics(hyps: Sequence[str], refs: Sequence[str], bleu_tokenize: str = "13a") -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu, 0-100). ``bleu_tokenize``: sacrebleu's tokenizer for BLEU
    (``"13a"`` default; ``"char"`` or ``"zh"`` for text without spaces); chrF needs none. BLEU's geometric
    mean runs over the n-gram orders 1..4 the hypotheses have at all (sacrebleu's ``effective_order``): the
    same number whenever some hypothesis has 4 tokens, and no longer 0 for perfect translations of a corpus
    of shorter sentences (``["a dog", "the cat"]`` scored 0.0 with chrF 100: no 4-gram, precision 0).

    >>> translation_metrics(["the cat sat on the mat"], ["the cat sat on the mat"])
    {'bleu': 100.00000000000004, 'chrf': 100.0}
    >>> translation_metrics(["a dog", "the cat"], ["a dog", "the cat"])["bleu"]
    100.00000000000004
    """
    import sacrebleu
    from sacrebleu.metrics import BLEU

    for name, texts in (("hyps", hyps), ("refs", refs)):   # a str was scored as one sentence per character
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise InputTypeError(f"{name}: expected a list of strings, got {type(texts).__name__}")
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise InputTypeError(f"{name}[{bad}]: expected a str, got {type(texts[bad]).__name__}")
    if len(hyps) != len(refs):
        raise DataError(f"hyps: expected one hypothesis per reference ({len(refs)}), got {len(hyps)}")
    if not refs:
        raise DataError("refs: expected at least one reference, got none")
    check_choice("bleu_tokenize", bleu_tokenize, BLEU_TOKENIZERS)
    # both sides in NFC, as every text task reads text: a reference typed decomposed ('cafe' + U+0301) against the
    # network's NFC 'café' scored BLEU 9 for a sentence identical on screen
    hyps, refs = [unicodedata.normalize("NFC", t) for t in hyps], [unicodedata.normalize("NFC", t) for t in refs]
    return {"bleu": BLEU(tokenize=bleu_tokenize, effective_order=True).corpus_score(hyps, [refs]).score,
            "chrf": sacrebleu.corpus_chrf(hyps, [refs]).score}




def _chars(texts: list[str]) -> list[list[str]]:
    return [tokenize(t, "chars") for t in texts]


# ----------------------------------------------------------------------------- config + network
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


class _CharStepper:
    """One decoder step of :class:`Seq2SeqNet` for :mod:`rnnkit.tasks.seq2seq_search`."""

    def __init__(self, net: Seq2SeqNet, memory: dict[str, Tensor], state: Any) -> None:
        self.net, self.memory, self.state = net, memory, state

    def step(self, prev: Tensor) -> Tensor:
        logits, self.state, _ = self.net.decode(prev, self.state, self.memory)
        return torch.log_softmax(logits[:, -1], -1)

    def select(self, rows: Tensor) -> None:
        self.memory = {k: v.index_select(0, rows) for k, v in self.memory.items()}
        self.state = tuple(s.index_select(1, rows) for s in self.state)


# ----------------------------------------------------------------------------- the task
class Translator(Task):
    """A translator (the task contract of :mod:`rnnkit.tasks.base`): ``fit(sources, targets)`` (the
    network and both baselines), ``predict``/``translate(sources, beam)``, ``evaluate(sources, targets,
    beam)``, ``save`` / ``load``. ``config.model`` picks the network: the word-level dictionary-aware
    pointer-generator (:class:`rnnkit.tasks.seq2seq_pointer.WordPointer`, in ``self.words``) or the
    character-level :class:`Seq2SeqNet`."""

    name = TASK
    config_class = Seq2SeqConfig
    noun, input_name, one_target = "translator", "sources", "one target per source"

    @property
    def unseen_note(self) -> str:  # type: ignore[override]
        if self.config.model != "char":   # no error: a copy can write them, and BLEU / chrF score words, not labels
            return ("{n} reference word(s) are outside the output vocabulary {names}: only a copy of a source word "
                    "can produce them")
        return "{n} reference character(s) never seen in training {names}: the network cannot produce them"

    def __init__(self, config: Seq2SeqConfig | None = None) -> None:
        super().__init__(config)
        self.src_vocab: Vocab | None = None
        self.tgt_vocab: Vocab | None = None
        self.words: WordPointer | None = None

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return {"copy_source": CopySource, "word_dictionary": WordDictionary}

    def check_inputs(self, inputs: Any, what: str) -> list[str]:
        return check_texts(inputs, what, places=self.places_of(what))   # where it was read, as classify's

    def check_targets(self, targets: Any, inputs: list, what: str) -> list[str]:
        out = check_texts(targets, what, places=self.places_of(what))
        if len(out) != len(inputs):
            raise DataError(f"{what}: expected {self.one_target} ({len(inputs)}), got {len(out)}")
        warn_copied_pairs(inputs, out, what)       # 'paste a.txt a.txt': a copy task, silently
        return out

    # -------------------------------------------------------------- encoding
    def _src_ids(self, texts: list[str]) -> list[list[int]]:
        c = self.config
        chars = limit_length(head_tokens(texts, _chars, c.max_len, no_han_pairs), c.max_len, c.on_long, what="sources")
        return [self.src_vocab.encode(ch) for ch in chars]

    def _tgt_ids(self, texts: list[str]) -> list[list[int]]:
        c = self.config
        chars = limit_length(head_tokens(texts, _chars, c.max_len, no_han_pairs), c.max_len, c.on_long, what="targets")
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
        check_mode_settings(self.config, POINTER_SETTINGS)   # the char model never reads them
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer
        from rnnkit.training.data import EpochBatches

        from rnnkit.tasks.seq2seq_average import LastEpochs, keep_better
        from rnnkit.training.callbacks import WarmupCosine

        c = self.config
        t0 = time.perf_counter()
        src, tgt = train
        warn_unspaced_bleu(tgt, c.bleu_tokenize)   # '五万四百九十四' read as one word: BLEU 24.8, chrF 99.9
        if c.model == "char":
            self.src_vocab = Vocab.build([tokenize(t, "chars") for t in src])
            self.tgt_vocab = Vocab.build([tokenize(t, "chars") for t in tgt], specials=(PAD, UNK, BOS, EOS))
            src_ids, tgt_ids = self._src_ids(src), self._tgt_ids(tgt)
            self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), c)
            lengths = [len(s) + len(t) for s, t in zip(src_ids, tgt_ids)]
            make, loss_fn = (lambda idx: self._batch(src_ids, tgt_ids, idx)), self._loss
        else:
            self.words = WordPointer(c)
            sents = self.words.build(src, tgt, self.fit_place)
            self.net = self.words.net
            lengths = [len(s.src) + len(s.gold) for s in sents]
            make, loss_fn = (lambda idx: self.words.batch([sents[i] for i in idx])), self.words.loss
        from rnnkit.tasks.seq2seq_members import member_callbacks

        members = list(self.net.members) if c.ensemble > 1 else [self.net]
        given = member_callbacks(callbacks, len(members))   # member 0's, then copies (seq2seq_members)
        runs = []
        for j, net in enumerate(members):        # an ensemble's members one after the other
            if self.words is not None:
                self.words.net = net             # validation decodes this member alone
            runs.append(self._fit_member(j, len(members), net, lengths, make, loss_fn, val, given[j], t0))
        if self.words is not None:
            self.words.net = self.net
        self.net.eval()
        tag = (lambda j, r: {**r, "member": j}) if len(runs) > 1 else (lambda j, r: r)
        self.epoch_log = [tag(j, r) for j, (result, _) in enumerate(runs) for r in result.history]
        curve = [tag(j, {"epoch": r["epoch"], "wall_s": r["wall_s"], "train_loss": r.get("train_loss"),
                         **{k: v for k, v in r.items() if k in ("val_bleu", "val_chrf")}})
                 for j, (result, _) in enumerate(runs) for r in result.history]
        result, averaged = runs[-1]
        self.history = {"curve": curve, "epochs": sum(r.epochs_run for r, _ in runs), "best": result.best,
                        "seconds": time.perf_counter() - t0, "stop_reason": result.stop_reason, "train_pairs": len(src),
                        "val_pairs": 0 if val is None else len(val[0]),   # decoded: val_max of the held-out share
                        **({"average": averaged} if averaged else {})}
        if len(runs) > 1:
            self.history["members"] = [{"epochs": r.epochs_run, "best": r.best, "stop_reason": r.stop_reason,
                                        **({"average": a} if a else {})} for r, a in runs]

    def _fit_member(self, j: int, n: int, net: nn.Module, lengths: list[int], make, loss_fn, val, callbacks,
                    t0: float) -> tuple[Any, dict | None]:
        """Train ``net``, member ``j`` of ``n`` (1: the single network): its dropout and data order from seed
        ``seed + j`` (its initial weights were drawn when the members were built, one after the other from the
        fit's one generator: member 0's are the single network's), ``epochs`` epochs and at most an equal share of what
        is left of ``max_seconds``: the dict-pointer's warm-up + cosine LR follows the limit that ends first. Returns
        the Trainer's result and the averaging record."""
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer
        from rnnkit.training.callbacks import WarmupCosine
        from rnnkit.training.data import EpochBatches
        from rnnkit.training.stages import next_stage
        from rnnkit.tasks.seq2seq_average import LastEpochs, keep_better

        c = self.config
        start, span, left = member_budget(self, t0, j, n)     # its share of the budget; one spent before it: said
        per_epoch = math.ceil(len(lengths) / c.batch_size)
        schedule = [] if c.model == "char" else [WarmupCosine(c.epochs * per_epoch, warmup=c.warmup, start=start,
                                                              deadline_seconds=None if span is None else max(span, left))]

        def batches(epoch: int):  # reshuffled every epoch with seed + epoch (member j: + 1000 j)
            for idx in bucket_batches(lengths, c.batch_size, shuffle=True, seed=c.seed + epoch + 1000 * j):
                yield make(idx)

        def eval_fn(model, _data) -> dict[str, float]:
            m = self.score(*val, beam=1, decode="beam")
            return {"bleu": m["bleu"], "chrf": m["chrf"]}

        cfg = TrainConfig(epochs=c.epochs, optim=OptimConfig("adam", lr=c.lr), clip_norm=c.clip,
                          seed=(c.seed + j) % SEED_END,
                          early_stopping=EarlyStoppingConfig("val_chrf", "max", patience=c.patience)
                          if val is not None else None, quiet=not c.progress,
                          max_seconds=left)
        last = [LastEpochs(c.average_last)] if c.average_last > 1 and val is not None else []
        cbs = [*callbacks, *schedule, WallClock(t0), *last]
        stage = next_stage(cbs)     # inside a checkpointed fit (train --resume): its run_dir (training.stages)
        trainer = Trainer(net, lambda model, batch: loss_fn(batch), config=cfg,
                          eval_fn=eval_fn if val is not None else None, callbacks=cbs, **stage.trainer_kwargs())
        result = trainer.fit(EpochBatches(batches, per_epoch), [None] if val is not None else None,
                             **stage.fit_kwargs())
        stage.end(trainer)
        net.eval()
        averaged = (keep_better(net, last[0].mean(), lambda: eval_fn(None, None)["chrf"],
                                (result.best or {}).get("value")) if last and last[0].snapshots else None)
        return result, averaged

    def default_baselines(self) -> dict[str, Any]:
        return {"word_dictionary": WordDictionary(), "copy_source": CopySource()}

    # -------------------------------------------------------------- decoding
    def _banned(self) -> list[int]:
        return [self.tgt_vocab.index[t] for t in (PAD, UNK, BOS)]

    def predict(self, inputs: Any, beam: int | None = None, decode: str | None = None) -> list[str]:
        """Translations in input order (see :meth:`translate`)."""
        return self.translate(inputs, beam=beam, decode=decode)

    @torch.no_grad()
    def translate(self, sources, beam: int | None = None, batch_size: int = 64, decode: str | None = None,
                  warn: bool = True, rescorer: "Translator | None" = None, rescore_weight: float = 0.05) -> list[str]:
        """Translations in input order (``beam=1``: greedy; default ``config.beam``). ``decode`` (default
        ``config.decode``): ``"beam"`` the beam's best output, ``"mbr"`` the candidate of the beam's n-best
        (dict-pointer: and the source glossed word by word) with the highest mean chrF against the others
        (:mod:`rnnkit.tasks.seq2seq_mbr`), ``"channel"`` (dict-pointer) the n-best reranked with a reverse channel
        model (:mod:`rnnkit.tasks.seq2seq_channel`). ``warn=False``: no warning that counts sources -- a part of an input
        whose sources :func:`~rnnkit.tasks.seq2seq_unseen.check_sources` checked and warned of all together. A
        ``decode`` other than a channel run's (its default over the 12-best) without ``beam``: beam 5, as ``translate
        train --decode beam`` gives (session 34; it was the run's 12, which no check chose). ``rescorer``
        (``decode="channel"``): a dict-pointer Translator fitted on the targets reversed, whose score joins the channel's
        with ``rescore_weight`` (:mod:`rnnkit.tasks.seq2seq_rescore`; an option)."""
        self._require_fitted()
        if beam is None and decode is not None and decode != self.config.decode == "channel":
            beam = type(self.config)().beam
        beam = self.config.beam if beam is None else beam
        decode = self.config.decode if decode is None else decode
        check_number("beam", beam, lo=1, hi=MAX_BEAM, integer=True)
        check_decode(decode, self.config.model)
        src = check_texts(sources, "sources")
        if warn:   # a script never seen in training: guesses
            warn_unseen_sources(src, (self.words or self).src_vocab)
        self.net.eval()
        score = None
        if rescorer is not None:
            from rnnkit.tasks.seq2seq_rescore import check_rescorer, r2l_scores

            check_rescorer(rescorer, rescore_weight, decode)
            score = lambda s, nbest: r2l_scores(rescorer.words, s, nbest, batch_size)   # noqa: E731
        if self.words is not None:
            return self.words.translate(src, beam, batch_size, decode, warn, score, rescore_weight)
        ids = self._src_ids(src)
        out: list[str] = [""] * len(ids)
        for idx in bucket_batches([len(s) for s in ids], batch_size, shuffle=False):
            x, xl, _, _ = self._batch(ids, None, idx)
            if decode == "mbr":
                for i, nbest in zip(idx, self._search(x, xl, beam, nbest=True)):
                    pool = ["".join(self.tgt_vocab.decode(h)) for h, _ in nbest[:beam]] or [""]
                    out[i] = pool[mbr_select(pool)]
                continue
            hyps = self._greedy(x, xl) if beam == 1 else self._beam(x, xl, beam)
            for b, i in enumerate(idx):
                out[i] = "".join(self.tgt_vocab.decode(hyps[b]))
        return out

    def _max_steps(self, src_len: int) -> int:
        return int(self.config.max_decode_ratio * src_len) + 10

    def _search(self, x: Tensor, xl: Tensor, k: int, nbest: bool = False) -> list:
        """Greedy (``k=1``) or beam search of a padded batch of sources (:mod:`rnnkit.tasks.seq2seq_search`);
        ``nbest``: each source's finished outputs with their scores, best first (``k=1``: the greedy output)."""
        memory, state = self.net.encode(x, xl)
        stepper = _CharStepper(self.net, memory, state)
        limits = [self._max_steps(int(n)) for n in xl]
        bos, eos = self.tgt_vocab.index[BOS], self.tgt_vocab.index[EOS]
        if k == 1:   # greedy, the n-best too: a beam of 1 ranks by the length-normalised score and ran on
            hyps = greedy_search(stepper, limits, bos, eos, self._banned())   # (decode="mbr" differed)
            return [[(h, 0.0)] for h in hyps] if nbest else hyps
        if nbest:
            return beam_search_nbest(stepper, limits, k, bos, eos, self._banned(), self.config.alpha)
        return beam_search(stepper, limits, k, bos, eos, self._banned(), self.config.alpha)

    def _greedy(self, x: Tensor, xl: Tensor) -> list[list[int]]:
        return self._search(x, xl, 1)

    def _beam(self, x: Tensor, xl: Tensor, k: int) -> list[list[int]]:
        """Beam search for a padded batch of sources ``(B, S)`` at once (``B * k`` decoder rows); see
        :mod:`rnnkit.tasks.seq2seq_search` (fairseq's rule for ``</s>``, and a source is done only when
        no live hypothesis could still beat the best finished one: on characters, weak hypotheses that
        happen to end otherwise fill the ``k`` slots before the best one, many characters longer, has
        finished)."""
        return self._search(x, xl, k)

    # -------------------------------------------------------------- scoring
    def score(self, inputs: list[str], targets: list[str], beam: int | None = None,
              decode: str | None = None) -> dict[str, Any]:
        """``{"bleu", "chrf"}`` of the translations (:meth:`translate`); target characters (char model) or words
        (outside the dict-pointer's output vocabulary: only a copy can produce them) never seen in training are
        counted in ``unseen_labels``."""
        m: dict[str, Any] = translation_metrics(self.translate(inputs, beam=beam, decode=decode), targets,
                                                self.config.bleu_tokenize)
        if self.words is not None:
            return {**m, **unseen_report(self.words.target_words(targets), self.words.tgt_vocab.tokens)}
        return {**m, **unseen_report((ch for t in targets for ch in tokenize(t, "chars")), self.tgt_vocab.tokens)}

    def score_baseline(self, baseline: Any, inputs: list[str], targets: list[str]) -> dict[str, Any]:
        return translation_metrics(baseline.translate(inputs), targets, self.config.bleu_tokenize)

    # -------------------------------------------------------------- persistence
    def _vocabs(self) -> dict[str, Any]:
        return self.words.vocabs() if self.words is not None else {"source": self.src_vocab, "target": self.tgt_vocab}

    def _state(self) -> dict[str, Any]:
        return self.words.state() if self.words is not None else {}

    def _extra_files(self) -> dict[str, bytes]:
        """Files of the run folder beside config.json (Task.save; rnnkit.tasks.runs.EXTRA_FILES): the lexicon's."""
        return self.words.extra_files() if self.words is not None else {}

    def _restore(self, run) -> None:
        src, tgt = run_vocab(run, "source"), run_vocab(run, "target")
        if self.config.model == "char":
            self.src_vocab, self.tgt_vocab = src, tgt
            self.net = Seq2SeqNet(len(self.src_vocab), len(self.tgt_vocab), self.config)
        else:
            warn_split_marks(TASK, src, tgt)
            self.words = WordPointer(self.config).restore(src, tgt, run["state"], run["path"] / "config.json",
                                                          run.get("extra", {}))
            self.net = self.words.net
