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
    masked_pool, run_vocab,
)

__all__ = ["TextClassifierConfig", "TextClassifier", "TextClassifierNet", "TfidfLogReg", "MODELS", "split_indices"]

MODELS = ("rnn", "feedforward")
TASK = "classify"


@dataclass(frozen=True)
class TextClassifierConfig:
    """Everything that defines a text classifier run (saved in the run's config.json)."""

    tokenizer: str = "words"        # "words" (Unicode word/punctuation/CJK-char tokens) or "chars"
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
    pooling: str = "max"            # "last" (final state of each direction), "max" or "mean" over time
    dropout: float = 0.3
    epochs: int = 8
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.0
    clip: float = 1.0               # gradient-norm clipping (0: off)
    patience: int = 2               # epochs without validation gain before stopping
    val_fraction: float = 0.1       # held out from training for early stopping (0: no early stopping)
    max_seconds: float | None = None  # wall-clock budget of the fit (units, encoding, training; checked every step)
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        check_choice("model", self.model, MODELS)
        check_choice("cell", self.cell, CELLS)
        check_choice("pooling", self.pooling, POOLINGS)
        if self.model == "feedforward" and self.pooling == "last":
            raise ConfigError("pooling: expected 'max' or 'mean' with model='feedforward' (no recurrence, no "
                              "last state), got 'last'")
        check_training(self, ints=("min_freq", "embed_dim", "hidden_size", "num_layers"),
                       bools=("lowercase", "bidirectional"))
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
            feat = self.encoder.output_size
        else:
            self.ff = nn.Linear(2 * cfg.embed_dim, cfg.hidden_size)
            feat = cfg.hidden_size
        self.head = nn.Linear(feat, num_classes)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        x = self.drop(self.embed(ids))
        if self.cfg.model == "rnn":
            out, last = self.encoder(x, lengths)
            pooled = last if self.cfg.pooling == "last" else masked_pool(out, lengths, self.cfg.pooling)
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

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return {"tfidf_logreg": TfidfLogReg}

    def check_inputs(self, inputs: Any, what: str) -> list[str]:
        return check_texts(inputs, what)

    # ------------------------------------------------------------------ data
    def _tokens(self, texts: list[str]) -> list[list[str]]:
        c = self.config
        toks = [tokenize(t, c.tokenizer, c.lowercase) for t in texts]
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

    def default_baselines(self) -> dict[str, Any]:
        return {"tfidf_logreg": TfidfLogReg(self.config.tokenizer, self.config.lowercase)}

    # ------------------------------------------------------------------ persistence
    def _vocabs(self) -> dict[str, Any]:
        return {"tokens": self.vocab, "labels": self.labels}

    def _restore(self, run) -> None:
        self.vocab, self.labels = run_vocab(run, "tokens"), run_vocab(run, "labels")
        self.net = TextClassifierNet(len(self.vocab), len(self.labels), self.config)


# ----------------------------------------------------------------------------- baseline
class TfidfLogReg:
    """TF-IDF (word uni+bigrams of the same language-agnostic tokens, sublinear tf, l2 norm, min_df=2)
    + multinomial logistic regression (scikit-learn). Its state is arrays + JSON (no pickle), so it is
    saved in the run folder and ``evaluate`` reports it next to the network."""

    def __init__(self, tokenizer: str = "words", lowercase: bool = True, C: float = 4.0) -> None:
        self.tokenizer, self.lowercase, self.C = tokenizer, lowercase, C
        self.vocabulary: dict[str, int] = {}
        self.idf = self.coef = self.intercept = None
        self.classes: list[str] = []

    def _analyze(self, text: str) -> list[str]:
        toks = tokenize(text, self.tokenizer, self.lowercase)
        return toks + [a + "\x00" + b for a, b in zip(toks, toks[1:])]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TfidfLogReg":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vec = TfidfVectorizer(analyzer=self._analyze, min_df=2, sublinear_tf=True)
        X = vec.fit_transform(list(texts))
        lr = LogisticRegression(C=self.C, max_iter=2000)
        lr.fit(X, list(labels))
        self.vocabulary = {k: int(v) for k, v in vec.vocabulary_.items()}
        self.idf = vec.idf_.astype(np.float64)
        self.coef, self.intercept = lr.coef_.astype(np.float64), lr.intercept_.astype(np.float64)
        self.classes = [str(c) for c in lr.classes_]
        return self

    def _features(self, texts: Sequence[str]):
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        X = CountVectorizer(analyzer=self._analyze, vocabulary=self.vocabulary).transform(list(texts)).astype(np.float64)
        X.data = 1.0 + np.log(X.data)
        X = X.multiply(self.idf[None, :]).tocsr()
        return normalize(X)

    def predict(self, texts: Sequence[str]) -> list[str]:
        if self.coef is None:
            raise ConfigError("baseline: expected a fitted TfidfLogReg, got an unfitted one")
        scores = self._features(texts) @ self.coef.T + self.intercept
        if scores.shape[1] == 1:
            return [self.classes[int(s > 0)] for s in scores[:, 0]]
        return [self.classes[i] for i in np.asarray(scores).argmax(1)]

    def state(self) -> tuple[dict[str, Tensor], dict[str, Any]]:
        return ({"idf": torch.from_numpy(self.idf), "coef": torch.from_numpy(self.coef),
                 "intercept": torch.from_numpy(self.intercept)},
                {"kind": "tfidf_logreg", "tokenizer": self.tokenizer, "lowercase": self.lowercase, "C": self.C,
                 "classes": self.classes, "vocabulary": self.vocabulary})

    @classmethod
    def from_state(cls, state) -> "TfidfLogReg":
        tensors, meta = state
        self = cls(meta["tokenizer"], meta["lowercase"], meta["C"])
        self.vocabulary = {k: int(v) for k, v in meta["vocabulary"].items()}
        self.classes = list(meta["classes"])
        self.idf, self.coef, self.intercept = (tensors[k].numpy() for k in ("idf", "coef", "intercept"))
        return self

