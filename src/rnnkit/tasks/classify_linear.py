"""The linear text classifiers of :mod:`rnnkit.tasks.classification`: the fair TF-IDF + logistic regression
baseline and its NB-weighted variant (NBSVM, Wang & Manning 2012), which the classifier's combination can use
beside the network. Both keep their state as arrays + JSON (no pickle), so a run folder stores them.

The unit rule lives here too (:func:`choose_units`): characters when whitespace is under 5% of the
characters, else words -- the network and the linear models read the text the same way.

>>> texts = ["good movie", "bad movie", "good film", "bad film", "so good", "so bad"] * 5
>>> labels = ["p", "n"] * 15
>>> NbLogReg(C=1.0).fit(texts, labels).predict(["good one", "bad one"])
['p', 'n']
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor

from rnnkit._validate import check_bool, check_number
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.base import split_indices
from rnnkit.tasks.classify_counts import active, counts_store, shared_counts
from rnnkit.tasks.classify_pieces import char_text, in_pieces, piece_terms
from rnnkit.tasks.common import check_choice, check_labels, check_texts, check_two_classes
from rnnkit.tasks.task_parts import budget_spent
from rnnkit.data.segment import pku_segmenter
from rnnkit.data.vocab import tokenize

__all__ = ["TfidfLogReg", "NbLogReg", "space_share", "choose_units", "align_columns", "SPACE_SHARE",
           "LINEAR_TOKENIZERS", "check_cs", "check_fit_data"]

#: "auto" units: characters when whitespace is less than this share of the training characters (Chinese
#: reviews: 0.5%; English tweets: 14%).
SPACE_SHARE = 0.05
#: texts whose features are made (and scored) at a time by a fitted model (:meth:`TfidfLogReg._text_scores`)
SCORE_PART = 4096


def space_share(texts: Sequence[str]) -> float:
    """The share of whitespace among the characters of ``texts``.

    >>> round(space_share(["a b", "这是中文"]), 3)
    0.143
    """
    joined = "".join(texts)     # str.split() cuts at the characters str.isspace() is true of: the rest is not space
    return (len(joined) - len("".join(joined.split()))) / max(1, len(joined))


def align_columns(p: np.ndarray, own: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """The columns of ``p`` (one per class of ``own``) in the order of ``classes``; a class absent from
    ``own`` gets zeros.

    >>> align_columns(np.array([[0.2, 0.8]]), ["a", "b"], ["b", "c", "a"]).tolist()
    [[0.8, 0.0, 0.2]]
    """
    col = {c: i for i, c in enumerate(own)}
    return np.stack([p[:, col[c]] if c in col else np.zeros(len(p)) for c in classes], 1)


def choose_units(texts: Sequence[str]) -> str:
    """``"chars"`` for text with few spaces (no word boundaries to trust), else ``"words"``."""
    return "chars" if space_share(texts) < SPACE_SHARE else "words"


#: The tokens the linear models' word n-grams read: :func:`~rnnkit.data.vocab.tokenize`'s, "auto" (words), or the
#: PKU segmenter's ("segmented").
LINEAR_TOKENIZERS = ("words", "chars", "auto", "segmented")


def check_cs(Cs, default: tuple[float, ...]) -> tuple[float, ...]:
    """The grid of C values as a tuple of numbers > 0 (``None``: ``default``); an empty grid, or one holding a
    non-number or a C <= 0, is a typed error naming ``Cs`` -- ``Cs=[]`` became the default grid silently, and a
    bad C failed inside the fit.

    >>> check_cs([1, 0.5], (1.0,)), check_cs(None, (1.0,)), check_cs(range(1, 3), (1.0,))
    ((1.0, 0.5), (1.0,), (1.0, 2.0))
    """
    if Cs is None:
        return default
    if (isinstance(Cs, np.ndarray) and Cs.ndim == 1) or type(Cs).__name__ == "Series":
        Cs = Cs.tolist()          # read in order, as texts and labels are (range(1, 5) is a Sequence too)
    if isinstance(Cs, (str, bytes)) or not isinstance(Cs, Sequence):
        raise InputTypeError(f"Cs: expected None or a list of numbers > 0, got {type(Cs).__name__}")
    if len(Cs) == 0:
        raise ConfigError("Cs: expected None (the default grid) or at least one C, got none")
    return tuple(float(check_number(f"Cs[{i}]", c, lo=0, lo_open=True)) for i, c in enumerate(Cs))


def _two_classes(texts: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    check_two_classes(labels)    # the classifier's rule (scikit-learn's ValueError before)
    return texts, labels


def check_fit_data(texts, labels, what: str = "texts") -> tuple[list[str], list[str]]:
    """Texts and their labels as lists of str, one label per text, at least two classes -- what the TF-IDF models
    fit on (the classifier checked them already; fitted alone, a length mismatch was a bare IndexError, a NaN
    text a TypeError, one class scikit-learn's ValueError)."""
    texts, name = check_texts(texts, what), "labels" if what == "texts" else f"{what[:-5]}labels"   # val_labels
    labels = check_labels(labels, name)
    if len(labels) != len(texts):
        raise DataError(f"{name}: expected one label per text ({len(texts)}), got {len(labels)}")
    return texts, labels


class TfidfLogReg:
    """TF-IDF + multinomial logistic regression (scikit-learn), made fair: the features are word uni+bigrams
    of the same language-agnostic tokens **and** character n-grams (``char_wb`` 1-5 inside words for text
    with spaces, ``char`` 1-3 for text with few spaces, see :func:`choose_units`), sublinear tf, l2 norm,
    min_df 2; and ``C`` is chosen on a validation split from ``Cs`` (``C=None``: 10% of the training texts
    held out, seed 0, then refit on all of them). Its state is arrays + JSON (no pickle), so it is saved in
    the run folder and ``evaluate`` reports it next to the network. ``features="word"`` and a fixed ``C``
    give the earlier baseline (word 1-2-grams, C=4)."""

    kind = "tfidf_logreg"     # its name among a classifier's baselines and in its saved state
    copies = 40               # (classes x features) float64 arrays a fit holds at its peak: L-BFGS's history
                              # and gradients (measured: 38-41 on 10-183 classes x 19,651 features)

    default_Cs = (1.0, 2.0, 4.0, 8.0)

    def __init__(self, tokenizer: str = "words", lowercase: bool = True, C: float | None = None,
                 features: str = "word+char", Cs: Sequence[float] | None = (1.0, 2.0, 4.0, 8.0)) -> None:
        # checked here, not at the first text: tokenizer='bogus' and C=-1 were taken and failed inside the fit
        # (a bare scikit-learn InvalidParameterError for C), lowercase='no' lowercased
        check_choice("tokenizer", tokenizer, LINEAR_TOKENIZERS)
        lowercase = check_bool("lowercase", lowercase)
        check_number("C", C, lo=0, lo_open=True, allow_none=True)
        check_choice("features", features, ("word", "char", "word+char"))
        self.tokenizer, self.lowercase, self.C, self.features = tokenizer, lowercase, C, features
        self.Cs = check_cs(Cs, self.default_Cs)
        self.char_mode: str | None = None     # "char_wb" (spaced text) or "char" (few spaces), set by fit
        self.vocabulary: dict[str, int] = {}
        self.idf = self.coef = self.intercept = None
        self.classes: list[str] = []
        self.budget: tuple[float, float | None] | None = None   # (start, max_seconds) of the fit it is part of
        self.cuts: list[tuple[str, str]] = []   # what that budget cut in the last fit: (what "is", what instead)

    def _analyze(self, text: str) -> list[str] | Iterator[str]:
        if in_pieces(self, text):     # a text of megabytes: its n-grams made piece by piece, in this order
            return piece_terms(self, text)
        out: list[str] = []
        if self.features != "char":
            toks = self._word_tokens(text)
            out += toks + [a + "\x00" + b for a, b in zip(toks, toks[1:])]
        if self.features != "word":
            out += ["\x01" + g for g in self._char_analyzer(text)]
        return out

    def _word_tokens(self, text: str) -> list[str]:
        """The tokens of the word n-grams: ``tokenize``'s, or the PKU segmenter's (``tokenizer="segmented"``)."""
        if self.tokenizer == "segmented":
            return pku_segmenter().tokens(text, self.lowercase)
        return tokenize(text, "words" if self.tokenizer == "auto" else self.tokenizer, self.lowercase)

    def __getstate__(self) -> dict:
        """The state pickled without the cached character analyzer: a closure pickle refuses (a fitted
        TextClassifier did not pickle: 'Can't pickle local object'); :attr:`_char_analyzer` rebuilds it on use."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_chars", "_kept_vectorizer")}

    @property
    def _char_analyzer(self):
        if getattr(self, "_chars", None) is None:
            grams = self.char_vectorizer().build_analyzer()
            self._chars = lambda text: grams(char_text(text))
        return self._chars

    def char_vectorizer(self):
        """The scikit-learn vectorizer whose analyzer makes the character n-grams (``char_mode``, after fit)."""
        from sklearn.feature_extraction.text import CountVectorizer

        rng = (1, 5) if self.char_mode == "char_wb" else (1, 3)
        return CountVectorizer(analyzer=self.char_mode, ngram_range=rng, lowercase=self.lowercase)

    def _vectorize(self, texts: list[str]):
        """Learn the TF-IDF vocabulary and idf on ``texts``; returns their feature matrix (C plays no part)."""
        X, vocabulary, idf = self._tfidf(self._counts(), texts)     # a matrix of its own: see classify_counts
        self.vocabulary = {k: int(v) for k, v in vocabulary.items()}
        self.idf = idf.astype(np.float64)
        return X

    def _tfidf(self, store, texts: list[str]):
        """``TfidfVectorizer(analyzer, min_df=2, sublinear_tf=True).fit_transform(texts)``, its vocabulary and idf,
        from the counts of ``store``."""
        from sklearn.feature_extraction.text import TfidfTransformer

        counts, vocabulary = store.fit(texts, min_df=2)   # TfidfVectorizer(min_df=2)'s counts, exactly
        if counts is None:   # scikit-learn's 'After pruning, no terms remain' (two texts 'a' and 'b')
            raise DataError(f"texts: expected a word or character n-gram found in at least 2 of the training texts "
                            f"(the {self.kind} features keep those: min_df=2), got none in {len(texts)} texts; give "
                            "more texts, or leave the linear models out (baselines=False and combine=False; CLI "
                            "--no-baseline --combine false)")
        tfidf = TfidfTransformer(sublinear_tf=True)     # TfidfVectorizer(sublinear_tf=True)'s own steps
        tfidf.fit(counts)
        return tfidf.transform(counts, copy=False), vocabulary, tfidf.idf_

    def _counts(self):
        """The :class:`~.classify_counts.CountStore` of this model's analyser: shared with every linear model that
        reads texts the same way inside :func:`~.classify_counts.shared_counts`, else its own for this call."""
        return counts_store((self.tokenizer, self.lowercase, self.features, self.char_mode), self._analyze)

    def _check_size(self, X, labels: Sequence[str]) -> None:
        """A ConfigError before the fit when its weights would not fit in memory: a multinomial L-BFGS fit holds
        about :attr:`copies` arrays of classes x features -- 1,280 classes of tweets' first words (60,000
        features) grew past 10 GB, the network beside it 0.4 GB, until the OOM killer."""
        from rnnkit._memory import require_memory

        k, f = len(set(labels)), X.shape[1]
        require_memory(self.kind, self.copies * 8 * k * f, f"{k} classes x {f:,} features",
                       "classes x TF-IDF features whose weights fit in memory (a classifier without its linear "
                       "models: baselines=False and combine=False, CLI --no-baseline --combine false)")

    def _fit_lr(self, X, labels: list[str], C: float):
        from sklearn.linear_model import LogisticRegression

        self._check_size(X, labels)
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
        texts (ties: the smaller C); the fitted model is the one trained on ``texts`` only. Each text is analysed
        once (the validation texts too: their features, then their probabilities), by every linear model inside one
        :func:`~.classify_counts.shared_counts` block."""
        self.cuts = []
        with shared_counts():
            return self._fit_choose(texts, labels, val_texts, val_labels)

    def _spent(self) -> bool:
        """Whether the time budget of the fit this model is part of (``budget``, set by its task) is spent: each C
        of the grid and the refit after it is one L-BFGS fit (NB-LR: one per class), minutes on 30k tweets' word and
        character n-grams, so the grid stops there (the C from those tried; recorded in ``cuts``)."""
        budget = getattr(self, "budget", None)      # a model pickled before session 27 has none
        return budget is not None and budget_spent(*budget)

    def _fit_choose(self, texts, labels, val_texts, val_labels) -> "TfidfLogReg":
        texts, labels = _two_classes(*check_fit_data(texts, labels))
        val_texts, val_labels = check_fit_data(val_texts, val_labels, "val_texts")
        self._set_char_mode(texts)
        X = self._vectorize(texts)                  # the features do not depend on C: computed once
        X_val = self._features(val_texts)
        gold = np.array(list(val_labels))
        best = None
        for i, C in enumerate(self.Cs):
            if best is not None and self._spent():
                self.cuts.append((f"the rest of its C grid {list(self.Cs[i:])} is",
                                  f"C chosen from {list(self.Cs[:i])}"))
                break
            self._fit_lr(X, labels, C)
            acc = float(np.mean(np.array(self._labels(self._scores(X_val))) == gold))
            if best is None or acc > best[0]:
                best = (acc, C, self.state())
        fitted = self.from_state(best[2])
        self.__dict__.update({k: v for k, v in fitted.__dict__.items() if k not in ("budget", "cuts")})
        return self

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TfidfLogReg":
        """Fit on ``texts`` (with ``C=None``: C chosen on 10% of them first, see :meth:`fit_choose`; the texts are
        analysed once for both fits)."""
        self.cuts = []
        with shared_counts():
            return self._fit(texts, labels)

    def _fit(self, texts, labels) -> "TfidfLogReg":
        texts, labels = _two_classes(*check_fit_data(texts, labels))
        self._set_char_mode(texts)
        if self.C is None:
            tr, va = split_indices(len(texts), 0.1, 0)
            if len(va) and len({labels[i] for i in tr}) > 1:
                pick = lambda xs, idx: [xs[i] for i in idx]  # noqa: E731
                self.C = self.fit_choose(pick(texts, tr), pick(labels, tr), pick(texts, va), pick(labels, va)).C
                if self._spent():      # fitted on the 90%: kept so
                    self.cuts.append(("its refit on every training text is", "kept as fitted on 90% of them"))
                    return self
            else:
                self.C = 4.0
        return self._fit_once(texts, labels, self.C)

    def _vectorizer(self):
        """The ``CountVectorizer`` of the fitted vocabulary, made and validated once per vocabulary (a fit or a load
        sets a new one): a new vectorizer per call validated the whole vocabulary again at its first ``transform``
        (a Python loop over every index), 11.8 ms of a one-text predict at 88,599 terms (8,000 tweets), 0.02 ms
        kept. ``transform`` of a fitted vectorizer only reads it, so threads share one; not pickled (rebuilt)."""
        from sklearn.feature_extraction.text import CountVectorizer

        kept = getattr(self, "_kept_vectorizer", None)
        if kept is not None and kept[0] is self.vocabulary:
            return kept[1]
        vectorizer = CountVectorizer(analyzer=self._analyze, vocabulary=self.vocabulary)
        vectorizer.fit([])        # fixed vocabulary: validated (repeated / missing indices are scikit-learn's error)
        self._kept_vectorizer = (self.vocabulary, vectorizer)
        return vectorizer

    def _features(self, texts: Sequence[str]):
        from sklearn.preprocessing import normalize

        if active():     # the texts a fit analysed already (the validation texts, the training texts)
            X = self._counts().transform(list(texts), self.vocabulary).astype(np.float64)
        else:
            X = self._vectorizer().transform(list(texts)).astype(np.float64)
        X.data = 1.0 + np.log(X.data)
        X = X.multiply(self.idf[None, :]).tocsr()
        return normalize(X)

    def _scores(self, X) -> np.ndarray:
        """Decision scores of a feature matrix from :meth:`_features`."""
        return np.asarray(X @ self.coef.T + self.intercept)

    def _text_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Decision scores of ``texts``, :data:`SCORE_PART` texts at a time: the scores are row by row, the same
        numbers as one call's, but the features of every text at once (word and character n-grams, float64,
        copied by each step of :meth:`_features`) held ~700 MB more for 200k short texts -- ``classify evaluate``
        (the baselines, the combination's members) peaked at 1.6 GB where ``predict``, by parts, took 0.55."""
        if self.coef is None:
            raise ConfigError("baseline: expected a fitted TfidfLogReg, got an unfitted one")
        texts = check_texts(texts)   # a str was read as one text per character
        if len(texts) <= SCORE_PART:
            return self._scores(self._features(texts))
        return np.concatenate([self._scores(self._features(texts[s:s + SCORE_PART]))
                               for s in range(0, len(texts), SCORE_PART)])

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
        return align_columns(p, self.classes, classes)

    def state(self) -> tuple[dict[str, Tensor], dict[str, Any]]:
        return ({"idf": torch.from_numpy(self.idf), "coef": torch.from_numpy(self.coef),
                 "intercept": torch.from_numpy(self.intercept)},
                {"kind": self.kind, "tokenizer": self.tokenizer, "lowercase": self.lowercase, "C": self.C,
                 "features": self.features, "char_mode": self.char_mode, "Cs": list(self.Cs),
                 "classes": self.classes, "vocabulary": self.vocabulary})

    @classmethod
    def from_state(cls, state) -> "TfidfLogReg":
        tensors, meta = state
        self = cls(meta["tokenizer"], meta["lowercase"], meta["C"], meta.get("features", "word"), meta.get("Cs"))
        self.char_mode = meta.get("char_mode")
        if self.char_mode not in ((None, "char", "char_wb") if self.features == "word" else ("char", "char_wb")):
            raise ValueError(f"{self.kind} char_mode: expected 'char' or 'char_wb' for features {self.features!r}, "
                             f"got {self.char_mode!r}")   # scikit-learn's untyped error at predict (F's fuzzer)
        self.vocabulary = {k: int(v) for k, v in meta["vocabulary"].items()}
        self._vectorizer()   # validated here, once: a repeated or missing index was scikit-learn's error at a predict
        self.classes = list(meta["classes"])
        self.idf, self.coef, self.intercept = (tensors[k].numpy() for k in ("idf", "coef", "intercept"))
        return self


class NbLogReg(TfidfLogReg):
    """NB-weighted logistic regression (NBSVM, Wang & Manning 2012, with a logistic loss): the features of
    :class:`TfidfLogReg` scaled by each feature's naive-Bayes log-count ratio and normalised again, then a
    logistic regression. For a class ``c`` against the rest, with ``b`` the binarised training features,
    ``r_c = log((1 + sum_{y=c} b) / |1 + sum_{y=c} b|_1) - log((1 + sum_{y!=c} b) / |1 + sum_{y!=c} b|_1)``:
    features that tell the classes apart are stretched before the regression sees them. Two classes: one
    ratio and one regression (second class vs first); more: one per class, one-vs-rest, the scores
    combined by softmax. ``C`` as in :class:`TfidfLogReg` (chosen on validation when ``None``)."""

    kind = "nb_logreg"
    default_Cs = (1.0, 2.0, 4.0)
    copies = 6      # classes x features: the ratios, the weights, the copies the C search keeps, one scaled matrix

    def __init__(self, tokenizer: str = "words", lowercase: bool = True, C: float | None = None,
                 features: str = "word+char", Cs: Sequence[float] | None = (1.0, 2.0, 4.0)) -> None:
        super().__init__(tokenizer, lowercase, C, features, Cs)
        self.ratios: np.ndarray | None = None     # (1 or K, F) log-count ratios
        self._ratios_of = None                    # the feature matrix they were computed on

    @staticmethod
    def log_count_ratios(X, labels: Sequence[str], classes: Sequence[str]) -> np.ndarray:
        """``(1, F)`` for two classes (the second against the first), else ``(K, F)`` (each against the rest)."""
        b = (X > 0).astype(np.float64).tocsr()
        y = np.asarray(list(labels))
        rows = []
        for c in (classes[1:] if len(classes) == 2 else classes):
            p, q = 1.0 + np.asarray(b[y == c].sum(0)).ravel(), 1.0 + np.asarray(b[y != c].sum(0)).ravel()
            rows.append(np.log(p / p.sum()) - np.log(q / q.sum()))
        return np.stack(rows)

    def _scaled(self, X, k: int):
        from sklearn.preprocessing import normalize

        return normalize(X.multiply(self.ratios[k][None, :]).tocsr())

    def _fit_lr(self, X, labels: list[str], C: float):
        from sklearn.linear_model import LogisticRegression

        classes = sorted({str(v) for v in labels})
        self._check_size(X, labels)
        if self._ratios_of is not X:                     # the ratios do not depend on C: once per matrix
            self.ratios, self._ratios_of = self.log_count_ratios(X, labels, classes), X
        y = np.asarray(list(labels))
        targets = [y == c for c in classes[1:]] if len(classes) == 2 else [y == c for c in classes]
        fits = [LogisticRegression(C=C, max_iter=2000).fit(self._scaled(X, k), t) for k, t in enumerate(targets)]
        self.C, self.classes = C, classes
        self.coef = np.concatenate([f.coef_ for f in fits]).astype(np.float64)
        self.intercept = np.concatenate([f.intercept_ for f in fits]).astype(np.float64)
        return self

    def _scores(self, X) -> np.ndarray:
        return np.stack([np.asarray(self._scaled(X, k) @ self.coef[k]).ravel() + self.intercept[k]
                         for k in range(len(self.coef))], 1)

    def state(self) -> tuple[dict[str, Tensor], dict[str, Any]]:
        tensors, meta = super().state()
        return {**tensors, "ratios": torch.from_numpy(self.ratios)}, meta

    @classmethod
    def from_state(cls, state) -> "NbLogReg":
        self = super().from_state(state)
        self.ratios = state[0]["ratios"].numpy()
        return self
