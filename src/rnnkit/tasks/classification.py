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

from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import ON_LONG, bucket_batches, limit_length, pad_sequences
from rnnkit.data.vocab import TOKENIZERS, Vocab, tokenize
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.common import (
    CELLS, POOLINGS, SequenceEncoder, check_bool, check_choice, check_labels, check_labels_known, check_number,
    check_texts, classification_metrics, fit_loop, load_run, load_weights, masked_pool, run_baseline, run_vocab,
    save_run, task_config,
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
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        check_choice("model", self.model, MODELS)
        check_choice("cell", self.cell, CELLS)
        check_choice("pooling", self.pooling, POOLINGS)
        check_choice("on_long", self.on_long, ON_LONG)
        if self.model == "feedforward" and self.pooling == "last":
            raise ConfigError("pooling: expected 'max' or 'mean' with model='feedforward' (no recurrence, no "
                              "last state), got 'last'")
        for name in ("lowercase", "bidirectional", "progress"):
            check_bool(name, getattr(self, name))
        for name in ("min_freq", "embed_dim", "hidden_size", "num_layers", "epochs", "batch_size", "patience"):
            check_number(name, getattr(self, name), lo=1, integer=True)
        check_number("max_vocab", self.max_vocab, lo=3, integer=True, allow_none=True)
        check_number("max_len", self.max_len, lo=1, integer=True, allow_none=True)
        check_number("dropout", self.dropout, lo=0, hi=0.95)
        check_number("lr", self.lr, lo=0, lo_open=True)
        check_number("weight_decay", self.weight_decay, lo=0)
        check_number("clip", self.clip, lo=0)
        check_number("val_fraction", self.val_fraction, lo=0, hi=0.5)
        check_number("seed", self.seed, integer=True)


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


def split_indices(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random ``(train, held_out)`` split of ``range(n)`` with ``round(n * fraction)`` held out."""
    perm = np.random.default_rng(seed).permutation(n)
    k = int(round(n * fraction))
    return np.sort(perm[k:]), np.sort(perm[:k])




class TextClassifier:
    """A text classifier: ``fit(texts, labels)``, ``predict(texts)``, ``predict_proba(texts)``,
    ``evaluate(texts, labels)``, ``save(run_dir)`` / ``TextClassifier.load(run_dir)``."""

    def __init__(self, config: TextClassifierConfig | None = None) -> None:
        self.config = task_config(config, TextClassifierConfig)
        self.vocab: Vocab | None = None
        self.labels: Vocab | None = None
        self.net: TextClassifierNet | None = None
        self.history: dict[str, Any] = {}
        self.baseline: TfidfLogReg | None = None

    # ------------------------------------------------------------------ data
    def _tokens(self, texts: list[str]) -> list[list[str]]:
        c = self.config
        toks = [tokenize(t, c.tokenizer, c.lowercase) for t in texts]
        for i, t in enumerate(toks):
            if not t:
                raise DataError(f"texts[{i}]: expected at least one token, got none from {texts[i]!r}")
        return limit_length(toks, c.max_len, c.on_long, what="texts")

    def _encode(self, texts: list[str]) -> list[list[int]]:
        assert self.vocab is not None
        return [self.vocab.encode(t) for t in self._tokens(texts)]

    def _batches(self, ids: list[list[int]], y: list[int] | None, shuffle: bool, seed: int = 0):
        for idx in bucket_batches([len(s) for s in ids], self.config.batch_size, shuffle=shuffle, seed=seed):
            x, lengths = pad_sequences([ids[i] for i in idx])
            yield idx, x, lengths, (torch.tensor([y[i] for i in idx]) if y is not None else None)

    # ------------------------------------------------------------------ fit / predict
    def fit(self, texts: Sequence[str], labels: Sequence[str], val_texts: Sequence[str] | None = None,
            val_labels: Sequence[str] | None = None) -> "TextClassifier":
        """Train on ``texts``/``labels``; early stopping uses ``val_*`` when given, otherwise a
        ``val_fraction`` split of the training data."""
        c = self.config
        texts = check_texts(texts)
        labels = check_labels(labels)
        if len(labels) != len(texts):
            raise DataError(f"labels: expected one per text ({len(texts)}), got {len(labels)}")
        if len(set(labels)) < 2:
            raise DataError(f"labels: expected at least 2 classes, got {sorted(set(labels))}")
        if val_texts is None and c.val_fraction > 0:
            tr, va = split_indices(len(texts), c.val_fraction, c.seed)
            val_texts, val_labels = [texts[i] for i in va], [labels[i] for i in va]
            texts, labels = [texts[i] for i in tr], [labels[i] for i in tr]
        torch.manual_seed(c.seed)
        toks = self._tokens(texts)
        self.vocab = Vocab.build(toks, min_freq=c.min_freq, max_size=c.max_vocab)
        self.labels = Vocab.build([labels], specials=())
        ids = [self.vocab.encode(t) for t in toks]
        y = self.labels.encode(labels)
        self.net = TextClassifierNet(len(self.vocab), len(self.labels), c)

        def loss_fn(batch):
            _, x, lengths, yb = batch
            return F.cross_entropy(self.net(x, lengths), yb)

        val_score = None
        if val_texts is not None and len(val_texts) > 0:
            vt = check_texts(val_texts, "val_texts")
            vl = check_labels(val_labels or [], "val_labels")
            if len(vl) != len(vt):
                raise DataError(f"val_labels: expected one per text ({len(vt)}), got {len(vl)}")
            val_score = lambda: self.evaluate(vt, vl, unseen="ignore")["accuracy"]  # noqa: E731
        self.history = fit_loop(self.net, lambda e: self._batches(ids, y, True, c.seed + e), loss_fn,
                                epochs=c.epochs, lr=c.lr, weight_decay=c.weight_decay, clip=c.clip,
                                val_score=val_score, patience=c.patience, progress=c.progress, desc="classify", seed=c.seed)
        return self

    def _require_fitted(self) -> None:
        if self.net is None:
            raise ConfigError("model: expected a fitted classifier (call fit or load), got an unfitted one")

    @torch.no_grad()
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities ``(N, C)`` in input order; columns follow ``self.classes``."""
        self._require_fitted()
        texts = check_texts(texts)
        self.net.eval()
        ids = self._encode(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for idx, x, lengths, _ in self._batches(ids, None, shuffle=False):
            out[idx] = torch.softmax(self.net(x, lengths), -1).numpy()
        return out

    @property
    def classes(self) -> list[str]:
        self._require_fitted()
        return list(self.labels.tokens)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text, in input order."""
        p = self.predict_proba(texts)
        return [self.labels.tokens[i] for i in p.argmax(1)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str], unseen: str = "error") -> dict[str, Any]:
        """accuracy, macro_f1, confusion matrix on labelled texts. Labels never seen in training raise a
        DataError (``unseen="ignore"`` scores them as errors instead)."""
        self._require_fitted()
        labels = check_labels(labels)
        if len(labels) != len(texts):
            raise DataError(f"labels: expected one per text ({len(texts)}), got {len(labels)}")
        if unseen == "error":
            check_labels_known(labels, self.labels.tokens)
        pred = self.predict(texts)
        known = list(self.labels.tokens) + sorted(set(labels) - set(self.labels.tokens))
        return classification_metrics(labels, pred, known)

    # ------------------------------------------------------------------ persistence
    def save(self, path, baseline: "TfidfLogReg | None" = None, extra: dict | None = None):
        self._require_fitted()
        cfg = replace(self.config, progress=False)
        return save_run(path, TASK, cfg, self.net, {"tokens": self.vocab, "labels": self.labels},
                        extra={"history": self.history, **(extra or {})},
                        baseline=baseline.state() if baseline is not None else None)

    @classmethod
    def load(cls, path) -> "TextClassifier":
        run = load_run(path, TASK, TextClassifierConfig)
        self = cls(run["config"])
        self.vocab, self.labels = run_vocab(run, "tokens"), run_vocab(run, "labels")
        self.net = TextClassifierNet(len(self.vocab), len(self.labels), self.config)
        load_weights(self.net, run["state"])
        self.history = run["extra"].get("history", {})
        self.baseline = run_baseline(run, TfidfLogReg.from_state)
        return self


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

