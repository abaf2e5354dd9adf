"""Many-to-one text classification (and its one-to-one feed-forward control), with a TF-IDF + logistic
regression baseline.

Model: token embedding -> (Bi)LSTM/GRU/Elman over the valid steps only (``lengths``) -> pooling (the
last valid state of each direction, or a masked max / mean over time) -> dropout -> linear -> softmax.
``model="feedforward"`` replaces the recurrence by a feed-forward layer on the pooled inputs
(masked mean and max of the embeddings, concatenated, -> linear -> ReLU): the same pipeline without
word order, to show what the recurrence buys.

Tokenization is language-agnostic (:func:`rnnkit.data.vocab.tokenize`); the vocabulary (with ``<pad>``
and ``<unk>``) and the label set are saved with the run.

>>> texts = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 8
>>> labels = ["pos", "neg", "pos", "neg"] * 8
>>> clf = TextClassifier(TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=3,
...                                           batch_size=8, lr=0.05, val_fraction=0.0, progress=False))
>>> clf.fit(texts, labels).predict(["good nice", "bad"])
['pos', 'neg']
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences
from rnnkit.data.vocab import TOKENIZERS, Vocab, tokenize
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.base import ClassifierTask, split_indices
from rnnkit.tasks.common import (
    CELLS, POOLINGS, SequenceEncoder, budget_left, check_choice, check_number, check_texts, check_training,
    classification_metrics, masked_pool, run_vocab,
)

__all__ = ["TextClassifierConfig", "TextClassifier", "TextClassifierNet", "TfidfLogReg", "MODELS", "split_indices",
           "space_share", "choose_units"]

MODELS = ("rnn", "feedforward")
TASK = "classify"
UNITS = TOKENIZERS + ("auto",)
CLASSIFY_POOLINGS = POOLINGS + ("meanmax",)
#: "auto" units: characters when whitespace is less than this share of the training characters (Chinese
#: reviews: 0.5%; English tweets: 14%).
SPACE_SHARE = 0.05
#: Weights of the network's probabilities tried on the validation split (the rest is the baseline's).
MIX_WEIGHTS = tuple(i / 10 for i in range(11))


def space_share(texts: Sequence[str]) -> float:
    """The share of whitespace among the characters of ``texts``.

    >>> round(space_share(["a b", "这是中文"]), 3)
    0.143
    """
    n = sum(len(t) for t in texts)
    return sum(ch.isspace() for t in texts for ch in t) / max(1, n)


def choose_units(texts: Sequence[str]) -> str:
    """``"chars"`` for text with few spaces (no word boundaries to trust), else ``"words"``."""
    return "chars" if space_share(texts) < SPACE_SHARE else "words"


@dataclass(frozen=True)
class TextClassifierConfig:
    """Everything that defines a text classifier run (saved in the run's config.json)."""

    tokenizer: str = "auto"         # "words" (Unicode word/punctuation/CJK-char tokens), "chars", or "auto":
                                    # chars when < 5% of the training characters are whitespace, else words
    lowercase: bool = True          # casefold before tokenizing
    min_freq: int = 2               # rarer tokens map to <unk>
    max_vocab: int | None = 30000   # including <pad> and <unk>
    max_len: int | None = 200       # tokens per text; longer ones are cut (on_long="truncate") or rejected
    on_long: str = "truncate"       # "truncate" (with a warning) or "error"
    model: str = "rnn"              # "rnn" or "feedforward" (the one-to-one control)
    cell: str = "lstm"              # "lstm", "gru" or "elman"
    embed_dim: int = 100
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "meanmax"        # "last" (final state of each direction), "max"/"mean" over time, or
                                    # "meanmax" (both, concatenated)
    dropout: float = 0.3
    epochs: int = 8
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    clip: float = 1.0               # gradient-norm clipping (0: off)
    patience: int = 2               # epochs without validation gain before stopping
    val_fraction: float = 0.1       # held out from training for early stopping (0: no early stopping)
    max_seconds: float | None = None  # wall-clock budget of the fit (units, encoding, training; checked every step)
    combine: bool = True            # average the network's probabilities with the TF-IDF + LR baseline's, the
                                    # weight chosen on the validation split (needs val_fraction > 0 and baselines)
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("tokenizer", self.tokenizer, UNITS)
        check_choice("model", self.model, MODELS)
        check_choice("cell", self.cell, CELLS)
        check_choice("pooling", self.pooling, CLASSIFY_POOLINGS)
        if self.model == "feedforward" and self.pooling == "last":
            raise ConfigError("pooling: expected 'max' or 'mean' with model='feedforward' (no recurrence, no "
                              "last state), got 'last'")
        check_training(self, ints=("min_freq", "embed_dim", "hidden_size", "num_layers"),
                       bools=("lowercase", "bidirectional", "combine"))
        check_number("max_vocab", self.max_vocab, lo=3, integer=True, allow_none=True)


class TextClassifierNet(nn.Module):
    """The network only (no vocabulary, no training): ids ``(B, T)`` + ``lengths`` -> logits ``(B, C)``."""

    def __init__(self, vocab_size: int, num_classes: int, cfg: TextClassifierConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(vocab_size, cfg.embed_dim, padding_idx=0)
        self.drop = nn.Dropout(cfg.dropout)
        if cfg.model == "rnn":
            self.encoder = SequenceEncoder(cfg.embed_dim, cfg.hidden_size, cfg.cell, cfg.num_layers,
                                           cfg.bidirectional, dropout=cfg.dropout)
            feat = self.encoder.output_size * (2 if cfg.pooling == "meanmax" else 1)
        else:
            self.ff = nn.Linear(2 * cfg.embed_dim, cfg.hidden_size)
            feat = cfg.hidden_size
        self.head = nn.Linear(feat, num_classes)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        x = self.drop(self.embed(ids))
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
        return self.head(self.drop(pooled))


class TextClassifier(ClassifierTask):
    """A text classifier (the task contract of :mod:`rnnkit.tasks.base`): ``fit(texts, labels)`` (the
    network and the TF-IDF + logistic regression baseline), ``predict(texts)``, ``predict_proba(texts)``,
    ``evaluate(texts, labels)``, ``save(run_dir)`` / ``TextClassifier.load(run_dir)``."""

    name = TASK
    config_class = TextClassifierConfig
    input_name, one_target = "texts", "one per text"

    def __init__(self, config: TextClassifierConfig | None = None) -> None:
        super().__init__(config)
        self.vocab: Vocab | None = None
        self.units: str | None = None      # the tokenizer used ("auto" resolved on the training texts)
        self.mix: float | None = None      # weight of the network in the combination (None: network only)
        self._mix_C: float | None = None   # the baseline's C chosen with the mix on the validation split

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return {"tfidf_logreg": TfidfLogReg}

    def check_inputs(self, inputs: Any, what: str) -> list[str]:
        return check_texts(inputs, what)

    # ------------------------------------------------------------------ data
    def _tokens(self, texts: list[str]) -> list[list[str]]:
        c = self.config
        toks = [tokenize(t, self.units, c.lowercase) for t in texts]
        for i, t in enumerate(toks):
            if not t:
                raise DataError(f"texts[{i}]: expected at least one token, got none from {texts[i]!r}")
        return limit_length(toks, c.max_len, c.on_long, what="texts")

    def _encode(self, texts: list[str]) -> list[list[int]]:
        return [self.vocab.encode(t) for t in self._tokens(texts)]

    def _batches(self, ids: list[list[int]], y: list[int] | None, shuffle: bool, seed: int = 0):
        for idx in bucket_batches([len(s) for s in ids], self.config.batch_size, shuffle=shuffle, seed=seed):
            x, lengths = pad_sequences([ids[i] for i in idx])
            yield idx, x, lengths, (torch.tensor([y[i] for i in idx]) if y is not None else None)

    def _inference_batches(self, inputs: list[str]):
        for idx, x, lengths, _ in self._batches(self._encode(inputs), None, shuffle=False):
            yield idx, (x, lengths)

    # ------------------------------------------------------------------ fit
    def _fit(self, train, val, callbacks) -> None:
        c = self.config
        t0 = time.perf_counter()
        texts, labels = train
        self.units = choose_units(texts) if c.tokenizer == "auto" else c.tokenizer
        self.mix = self._mix_C = None
        toks = self._tokens(texts)
        self.vocab = Vocab.build(toks, min_freq=c.min_freq, max_size=c.max_vocab)
        self.labels = Vocab.build([labels], specials=())
        ids = [self.vocab.encode(t) for t in toks]
        y = self.labels.encode(labels)
        self.net = TextClassifierNet(len(self.vocab), len(self.labels), c)

        def loss_fn(batch):
            _, x, lengths, yb = batch
            return F.cross_entropy(self.net(x, lengths), yb)

        val_score = None if not val or not val[0] else \
            (lambda: self.score(*val)["accuracy"])  # unseen validation labels count as errors
        self._train(lambda e: self._batches(ids, y, True, c.seed + e), -(-len(ids) // c.batch_size), loss_fn,
                    val_score=val_score, val_name="accuracy", callbacks=callbacks,
                    max_seconds=budget_left(t0, c.max_seconds))
        self.history["seconds"] = time.perf_counter() - t0
        self.history["units"] = self.units
        if c.combine and val_score is not None:
            self._choose_mix(train, val)
            self.history["mix"] = {"network_weight": self.mix, "C": self._mix_C,
                                   "seconds": time.perf_counter() - t0 - self.history["seconds"]}

    def _choose_mix(self, train, val) -> None:
        """The combination: a TF-IDF + LR fitted on the training part (its C chosen on the validation
        split), then the network weight in :data:`MIX_WEIGHTS` with the best validation accuracy of the
        averaged probabilities (ties: the larger weight). The baseline fitted afterwards on all the
        training data uses that C, and :meth:`predict_proba` averages with it."""
        lr = TfidfLogReg(self.units, self.config.lowercase, Cs=None).fit_choose(*train, *val)
        self._mix_C = lr.C
        gold = np.array([self.labels.index.get(v, -1) for v in val[1]])   # unseen labels: always wrong
        net = self._network_proba(val[0])
        base = lr.proba_for(val[0], self.classes)
        accs = [float(((w * net + (1 - w) * base).argmax(1) == gold).mean()) for w in MIX_WEIGHTS]
        best = max(range(len(MIX_WEIGHTS)), key=lambda i: (accs[i], i))
        self.mix = MIX_WEIGHTS[best]

    def fit_baseline(self, baseline: Any, inputs: list, targets: list | None) -> Any:
        if isinstance(baseline, TfidfLogReg) and self._mix_C is not None and baseline.C is None:
            baseline.C = self._mix_C          # already chosen on the validation split
        return baseline.fit(inputs, targets)

    def default_baselines(self) -> dict[str, Any]:
        return {"tfidf_logreg": TfidfLogReg(self.units or "words", self.config.lowercase)}

    # ------------------------------------------------------------------ prediction
    def _network_proba(self, inputs: list) -> np.ndarray:
        return ClassifierTask.predict_proba(self, inputs)

    def predict_proba(self, inputs: Any) -> np.ndarray:
        """Class probabilities ``(N, C)``: the network's, or -- when the fit chose a combination and the
        baseline is there -- ``mix * network + (1 - mix) * baseline``."""
        p = self._network_proba(inputs)
        base = self.baselines.get("tfidf_logreg")
        if self.mix is None or self.mix == 1.0 or base is None:
            return p
        return (self.mix * p + (1 - self.mix) * base.proba_for(list(inputs), self.classes)).astype(np.float32)

    def score(self, inputs: list, targets: list | None, **options: Any) -> dict[str, Any]:
        """Accuracy, macro-F1 and confusion matrix of :meth:`predict`; with a combination, also
        ``network_accuracy`` (the network alone) and ``network_weight``."""
        m = super().score(inputs, targets, **options)
        if self.mix is not None and self.baselines.get("tfidf_logreg") is not None:
            alone = [self.labels.tokens[i] for i in self._network_proba(inputs).argmax(1)]
            m["network_accuracy"] = classification_metrics(targets, alone, self.classes)["accuracy"]
            m["network_weight"] = self.mix
        return m

    def _state(self) -> dict[str, Any]:
        return {"units": self.units, "mix": self.mix}

    # ------------------------------------------------------------------ persistence
    def _vocabs(self) -> dict[str, Any]:
        return {"tokens": self.vocab, "labels": self.labels}

    def _restore(self, run) -> None:
        state = run.get("state") or {}
        c = self.config
        self.units = state.get("units", c.tokenizer if c.tokenizer != "auto" else "words")
        self.mix = state.get("mix")
        self.vocab, self.labels = run_vocab(run, "tokens"), run_vocab(run, "labels")
        self.net = TextClassifierNet(len(self.vocab), len(self.labels), self.config)


# ----------------------------------------------------------------------------- baseline
class TfidfLogReg:
    """TF-IDF + multinomial logistic regression (scikit-learn), made fair: the features are word uni+bigrams
    of the same language-agnostic tokens **and** character n-grams (``char_wb`` 1-5 inside words for text
    with spaces, ``char`` 1-3 for text with few spaces, see :func:`choose_units`), sublinear tf, l2 norm,
    min_df 2; and ``C`` is chosen on a validation split from ``Cs`` (``C=None``: 10% of the training texts
    held out, seed 0, then refit on all of them). Its state is arrays + JSON (no pickle), so it is saved in
    the run folder and ``evaluate`` reports it next to the network. ``features="word"`` and a fixed ``C``
    give the earlier baseline (word 1-2-grams, C=4)."""

    def __init__(self, tokenizer: str = "words", lowercase: bool = True, C: float | None = None,
                 features: str = "word+char", Cs: Sequence[float] | None = (1.0, 2.0, 4.0, 8.0)) -> None:
        check_choice("features", features, ("word", "char", "word+char"))
        self.tokenizer, self.lowercase, self.C, self.features = tokenizer, lowercase, C, features
        self.Cs = tuple(Cs or (1.0, 2.0, 4.0, 8.0))
        self.char_mode: str | None = None     # "char_wb" (spaced text) or "char" (few spaces), set by fit
        self.vocabulary: dict[str, int] = {}
        self.idf = self.coef = self.intercept = None
        self.classes: list[str] = []

    def _analyze(self, text: str) -> list[str]:
        out: list[str] = []
        if self.features != "char":
            toks = tokenize(text, "words" if self.tokenizer == "auto" else self.tokenizer, self.lowercase)
            out += toks + [a + "\x00" + b for a, b in zip(toks, toks[1:])]
        if self.features != "word":
            out += ["\x01" + g for g in self._char_analyzer(text)]
        return out

    @property
    def _char_analyzer(self):
        from sklearn.feature_extraction.text import CountVectorizer

        if getattr(self, "_chars", None) is None:
            rng = (1, 5) if self.char_mode == "char_wb" else (1, 3)
            self._chars = CountVectorizer(analyzer=self.char_mode, ngram_range=rng,
                                          lowercase=self.lowercase).build_analyzer()
        return self._chars

    def _vectorize(self, texts: list[str]):
        """Learn the TF-IDF vocabulary and idf on ``texts``; returns their feature matrix (C plays no part)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer=self._analyze, min_df=2, sublinear_tf=True)
        X = vec.fit_transform(texts)
        self.vocabulary = {k: int(v) for k, v in vec.vocabulary_.items()}
        self.idf = vec.idf_.astype(np.float64)
        return X

    def _fit_lr(self, X, labels: list[str], C: float):
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=C, max_iter=2000)
        lr.fit(X, labels)
        self.C = C
        self.coef, self.intercept = lr.coef_.astype(np.float64), lr.intercept_.astype(np.float64)
        self.classes = [str(c) for c in lr.classes_]
        return self

    def _fit_once(self, texts: list[str], labels: list[str], C: float):
        return self._fit_lr(self._vectorize(texts), labels, C)

    def _set_char_mode(self, texts: Sequence[str]) -> None:
        self.char_mode = "char" if choose_units(texts) == "chars" else "char_wb"
        self._chars = None

    def fit_choose(self, texts: Sequence[str], labels: Sequence[str], val_texts: Sequence[str],
                   val_labels: Sequence[str]) -> "TfidfLogReg":
        """Fit on ``texts`` with each C of ``Cs`` and keep the one with the best accuracy on the validation
        texts (ties: the smaller C); the fitted model is the one trained on ``texts`` only."""
        texts, labels = list(texts), list(labels)
        self._set_char_mode(texts)
        X = self._vectorize(texts)                  # the features do not depend on C: computed once
        X_val = self._features(val_texts)
        gold = np.array(list(val_labels))
        best = None
        for C in self.Cs:
            self._fit_lr(X, labels, C)
            acc = float(np.mean(np.array(self._labels(self._scores(X_val))) == gold))
            if best is None or acc > best[0]:
                best = (acc, C, self.state())
        fitted = self.from_state(best[2])
        self.__dict__.update(fitted.__dict__)
        return self

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TfidfLogReg":
        texts, labels = list(texts), list(labels)
        self._set_char_mode(texts)
        if self.C is None:
            tr, va = split_indices(len(texts), 0.1, 0)
            if len(va) and len({labels[i] for i in tr}) > 1:
                pick = lambda xs, idx: [xs[i] for i in idx]  # noqa: E731
                self.C = self.fit_choose(pick(texts, tr), pick(labels, tr), pick(texts, va), pick(labels, va)).C
            else:
                self.C = 4.0
        return self._fit_once(texts, labels, self.C)

    def _features(self, texts: Sequence[str]):
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        X = CountVectorizer(analyzer=self._analyze, vocabulary=self.vocabulary).transform(list(texts)).astype(np.float64)
        X.data = 1.0 + np.log(X.data)
        X = X.multiply(self.idf[None, :]).tocsr()
        return normalize(X)

    def _scores(self, X) -> np.ndarray:
        """Decision scores of a feature matrix from :meth:`_features`."""
        return np.asarray(X @ self.coef.T + self.intercept)

    def _text_scores(self, texts: Sequence[str]) -> np.ndarray:
        if self.coef is None:
            raise ConfigError("baseline: expected a fitted TfidfLogReg, got an unfitted one")
        return self._scores(self._features(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return self._labels(self._text_scores(texts))

    def _labels(self, scores: np.ndarray) -> list[str]:
        if scores.shape[1] == 1:
            return [self.classes[int(s > 0)] for s in scores[:, 0]]
        return [self.classes[i] for i in scores.argmax(1)]

    def proba_for(self, texts: Sequence[str], classes: Sequence[str]) -> np.ndarray:
        """Probabilities ``(N, len(classes))`` with columns in the order of ``classes`` (a class the model
        never saw gets 0)."""
        scores = self._text_scores(texts)
        if scores.shape[1] == 1:
            p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            p = np.stack([1.0 - p1, p1], 1)
        else:
            e = np.exp(scores - scores.max(1, keepdims=True))
            p = e / e.sum(1, keepdims=True)
        col = {c: i for i, c in enumerate(self.classes)}
        return np.stack([p[:, col[c]] if c in col else np.zeros(len(p)) for c in classes], 1)

    def state(self) -> tuple[dict[str, Tensor], dict[str, Any]]:
        return ({"idf": torch.from_numpy(self.idf), "coef": torch.from_numpy(self.coef),
                 "intercept": torch.from_numpy(self.intercept)},
                {"kind": "tfidf_logreg", "tokenizer": self.tokenizer, "lowercase": self.lowercase, "C": self.C,
                 "features": self.features, "char_mode": self.char_mode, "Cs": list(self.Cs),
                 "classes": self.classes, "vocabulary": self.vocabulary})

    @classmethod
    def from_state(cls, state) -> "TfidfLogReg":
        tensors, meta = state
        self = cls(meta["tokenizer"], meta["lowercase"], meta["C"], meta.get("features", "word"), meta.get("Cs"))
        self.char_mode = meta.get("char_mode")
        self.vocabulary = {k: int(v) for k, v in meta["vocabulary"].items()}
        self.classes = list(meta["classes"])
        self.idf, self.coef, self.intercept = (tensors[k].numpy() for k in ("idf", "coef", "intercept"))
        return self
