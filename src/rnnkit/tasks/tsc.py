"""Many-to-one on numbers: time-series classification, with a 1-nearest-neighbour Euclidean baseline.

Input: a list of float arrays ``(T_i, C)`` (time by channels; lengths may differ, as in
JapaneseVowels) and string labels. Each channel is standardised with the training mean/std (saved with
the run); ``patch=k`` feeds windows of ``k`` steps as one input step (for long univariate series). Model: (Bi)LSTM/GRU/Elman over the valid steps (``lengths``) -> pooling (last valid state,
masked max or mean) -> linear. ``model="feedforward"`` pools the inputs (masked mean, max and std per
channel) and applies a feed-forward layer instead of the recurrence (the one-to-one control).

Baseline (:class:`OneNNEuclidean`): each series (standardised the same way) is linearly resampled to
the longest training length, and a test series takes the label of the training series at the smallest
Euclidean distance -- the classic UCR baseline, extended to variable lengths by resampling.

Defaults (:mod:`rnnkit.tasks.tsc_auto`, adopted by a pre-registered check in session 9): ``epochs``,
``batch_size``, ``patience`` and ``patch`` left at ``None`` (CLI: unset or 0) are derived from the
training set (at least 1,000 optimizer steps; at most 64 recurrent steps),
and ``model="auto"`` predicts with the network unless 1-NN, fitted on the same training part, is more
accurate on the same validation series (``history["auto"]``: what it chose and why; ``model="rnn"``
always uses the network). The resolved values are what the run folder's config.json holds.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = [np.sin(np.linspace(0, f, 20))[:, None].astype("float32") for f in (1, 9) * 10]
>>> y = ["slow", "fast"] * 10
>>> OneNNEuclidean().fit(X, y).predict([np.sin(np.linspace(0, 8.5, 30))[:, None]])
['fast']
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import replace
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences
from rnnkit.data.timeseries.transforms import column_scaler
from rnnkit.data.vocab import Vocab
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.base import ClassifierTask, check_baselines
from rnnkit.tasks.classify_data import warn_case_variants, warn_missing_marks, warn_mixed_kinds
from rnnkit.tasks.task_parts import not_learned, not_learned_advice, not_learned_message  # noqa: F401 (older imports)
from rnnkit.tasks.common import (
    SequenceEncoder, accuracy, check_choice, check_labels, item_at, masked_pool, run_file, run_vocab,
)
from rnnkit.tasks.tsc_config import TSCConfig
from rnnkit.tasks.tsc_auto import CHOICES, auto_patch, auto_val_fraction, choose, derived_schedule
from rnnkit.tasks.tsc_memory import check_1nn_memory, check_1nn_state

__all__ = ["TSCConfig", "TimeSeriesClassifier", "TSCNet", "OneNNEuclidean", "resample", "check_series", "r_quoted_labels"]

TASK = "tsc"


def check_series(X: Any, what: str = "X", channels: int | None = None, layout: str | None = None,
                 places: Sequence[str] | None = None) -> list[np.ndarray]:
    """Validate a list of ``(T_i, C)`` finite float arrays with one ``C``; returns float32 copies. Every series one
    step of several channels is a DataError (sktime's ``(N, 1, T)`` read as ``(N, T, C)``), fewer steps than
    channels in every series a warning -- both for data whose ``channels`` are not known yet (training: a
    fitted model's own count refuses a transposed array, and may predict a one-step series); ``layout`` says how the data at hand could be laid out wrong (default
    :data:`TRANSPOSE`, arrays); ``places``: where each series was read, for the messages."""
    layout = TRANSPOSE if layout is None else layout
    if isinstance(X, np.ndarray) and (X.ndim == 3 or (X.ndim == 1 and X.dtype == object)):
        X = list(X)                       # (N, T, C), or N series of unequal lengths (numpy's ragged object array)
    if isinstance(X, np.ndarray):         # 'got ndarray' while an ndarray of 3 dimensions was fine
        hint = " (univariate series: X[:, :, None])" if X.ndim == 2 else ""
        raise InputTypeError(f"{what}: expected a list of (T_i, C) arrays or an (N, T, C) array, got an array of "
                             f"shape {X.shape}{hint}")
    if not isinstance(X, (list, tuple)):
        raise InputTypeError(f"{what}: expected a list of (T_i, C) arrays, got {type(X).__name__}")
    if not X:
        raise DataError(f"{what}: expected at least one series, got none")
    out = []
    for i, x in enumerate(X):
        at = item_at(what, i, places)
        if not isinstance(x, (np.ndarray, Tensor)):
            raise InputTypeError(f"{at}: expected a numpy array (T, C), got {type(x).__name__}")
        if isinstance(x, Tensor):
            x = x.detach().cpu().numpy()
        if isinstance(x, np.ma.MaskedArray) and np.ma.is_masked(x):   # np.asarray read the values under the mask
            raise DataError(f"{at}: expected values, got a masked array with {np.ma.count_masked(x)} masked value(s) "
                            "(numpy.ma): the values under the mask would be read as data; fill them (x.filled(...)) "
                            "or drop those steps first")
        # real numbers only: complex values would lose their imaginary part, strings ('1.5') and bools
        # be read as numbers, objects fail in numpy -- none is silently converted
        if x.dtype == np.bool_ or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
            raise InputTypeError(f"{at}: expected an array of real numbers (int or float), got dtype {x.dtype}")
        with np.errstate(over="ignore"):
            a = np.asarray(x, dtype=np.float32)
        if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
            hint = " (a univariate series is (T, 1): x[:, None])" if a.ndim == 1 else ""
            raise DataError(f"{at}: expected a 2-D array (T, C) with T >= 1 and C >= 1, got shape {a.shape}{hint}")
        if not np.isfinite(a).all():
            raise DataError(f"{at}: expected finite values within float32, got {_not_finite(a)}")
        c = channels if channels is not None else (out[0].shape[1] if out else a.shape[1])
        if a.shape[1] != c:
            flip = f" ({layout})" if a.shape[0] in (c, out[0].shape[0] if out else -1) else ""
            raise DataError(f"{at}: expected {c} channels, got {a.shape[1]}{flip}")
        out.append(a)
    if channels is None and all(a.shape[0] < a.shape[1] for a in out):   # sktime's (N, 1, T) read as one-step series
        # (only when the channels are not known yet: a fitted model's own count already refuses a transposed array,
        # and a batch of one-step series of a model trained with some was predicted before session 15)
        fewer = f"every series has fewer steps than channels (the first {out[0].shape[0]} x {out[0].shape[1]})"
        if all(a.shape[0] == 1 for a in out):
            raise DataError(f"{what}: expected series of several steps, got every series a single step of "
                            f"{out[0].shape[1]} channels; {layout}")
        warnings.warn(f"{what}: {fewer}, read as (T, C) = steps x channels; {layout}", stacklevel=3)
    return out


def nan_padding(a: np.ndarray) -> str | None:
    """``"6 of 26 steps all NaN at its end"`` when the only non-finite values of the series ``a`` ``(T, C)`` are
    whole NaN rows at its end (or start) -- padding of series of unequal lengths (tslearn's
    ``to_time_series_dataset``, a padded table melted to long form) --, else ``None``."""
    empty = np.isnan(a).all(1)
    if empty.any() and (~empty).any() and np.isfinite(a[~empty]).all():
        k = np.flatnonzero(~empty)
        if (k[-1] - k[0] + 1) == k.size:   # the finite rows are one run: NaN rows before or after it only
            at = "end" if k[0] == 0 else "start" if k[-1] == len(a) - 1 else "start and end"
            return f"{int(empty.sum())} of {len(a)} steps all NaN at its {at}"
    return None


def _not_finite(a: np.ndarray) -> str:
    """What a series with a value that is not finite holds, for the message: padding (:func:`nan_padding`) --
    filling it, as the message said, made the padding data --, else missing values to fill or drop."""
    if (pad := nan_padding(a)) is not None:
        return (f"{pad}: padding of series of unequal lengths (tslearn's to_time_series_dataset)? give each series "
                "without it, a list of (T_i, C) arrays: [x[~np.isnan(x).all(axis=1)] for x in X]")
    return "NaN, inf or a value beyond 3.4e38 (fill or drop missing values first)"


#: How a series laid out as sktime and aeon hold one becomes rnnkit's, for messages.
TRANSPOSE = ("a series is (T, C), steps x channels; sktime's and aeon's (N, C, T) arrays need X.transpose(0, 2, 1) "
             "(a list of (C, T) series: x.T each)")


def not_learned_warning(fact: str, auto: dict | None) -> str:
    """The warning for a network that did not learn (``fact``: :func:`not_learned`'s); ``auto``:
    ``history["auto"]``, when ``model="auto"`` ran its choice -- a run that predicts with 1-NN says so
    rather than that its predictions are the majority class's.

    >>> not_learned_warning("its loss ...", {"chose": "1nn_euclidean", "val_accuracy": {"network": 0.5,
    ...     "1nn_euclidean": 0.9}})[:98]
    "tsc: the network did not learn (its loss ...), so model='auto' predicts with 1-NN Euclidean (valid"
    """
    advice = not_learned_advice("time-series classification")
    if auto is not None and auto.get("chose") == "1nn_euclidean":
        acc = auto["val_accuracy"]
        return (f"{TASK}: the network did not learn ({fact}), so model='auto' predicts with 1-NN Euclidean "
                f"(validation accuracy: 1-NN {acc['1nn_euclidean']:.3f}, network {acc['network']:.3f}); to use "
                f"the network, {advice}")
    return not_learned_message(TASK, fact, advice)


def _channel_scaler(X: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each channel's mean and standard deviation over every step of ``X`` (float32), in the values' own unit
    (:func:`~rnnkit.data.timeseries.transforms.column_scaler`): ``std + 1e-6`` read series of values ~1e-7 as
    constant (the network saw zeros and predicted one class), and ``std`` overflowed float32 at ~1e20 (inf:
    every input 0) -- silently, for the network and the 1-NN alike."""
    loc, div = column_scaler(np.concatenate(X, 0))
    return loc.astype(np.float32), div.astype(np.float32)


#: The largest distance from the training mean, in training standard deviations, a value may have: its square stays
#: within float32 (the feedforward model's ``x * x``; the network's input products)
FAR_MAX = float(np.sqrt(np.finfo(np.float32).max))


def check_scale(X: list[np.ndarray], mean: np.ndarray, std: np.ndarray, what: str = "X",
                places: Sequence[str] | None = None) -> None:
    """A DataError naming the first value of ``X`` more than :data:`FAR_MAX` training standard deviations from its
    channel's training mean: a series on another scale than training's (a fill value such as NetCDF's 9.97e36 for a
    missing one; values ~1 given to a run trained on values ~1e-40) standardised to inf after numpy's RuntimeWarning
    -- the network's probabilities NaN and a class all the same, 1-NN's distances NaN and the label of its first
    training series, silently."""
    for i, x in enumerate(X):
        far = np.abs((x.astype(np.float64) - mean) / std)
        if far.max() > FAR_MAX:
            t, c = (int(k) for k in np.unravel_index(far.argmax(), far.shape))
            raise DataError(f"{item_at(what, i, places)}: expected values on the training series' scale, got "
                            f"{x[t, c]:.4g} at step {t} of channel {c} (0-based), {far[t, c]:.3g} training standard "
                            "deviations from its mean, beyond what the model reads in float32 (a fill value for a "
                            "missing one? drop it or fill it)")


def resample(x: np.ndarray, length: int) -> np.ndarray:
    """Linear interpolation of ``(T, C)`` to ``(length, C)`` (endpoints kept)."""
    T = x.shape[0]
    if T == length:
        return x
    if T == 1:
        return np.repeat(x, length, 0)
    src = np.linspace(0.0, 1.0, T)
    dst = np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(dst, src, x[:, c]) for c in range(x.shape[1])], 1).astype(np.float32)


class OneNNEuclidean:
    """1-nearest-neighbour with Euclidean distance (see the module docstring)."""

    def __init__(self) -> None:
        self.train: np.ndarray | None = None
        self.labels: list[str] = []
        self.mean = self.std = None

    def fit(self, X: Sequence[np.ndarray], y: Sequence[str]) -> "OneNNEuclidean":
        X = check_series(list(X))
        if isinstance(y, str) or len(y) != len(X):
            got = "a str" if isinstance(y, str) else len(y)
            raise DataError(f"y: expected one label per series ({len(X)}), got {got}")
        labels = check_labels(y, "y")   # str(v) made None a class 'None' and 0 and '0' one class, silently
        check_1nn_memory(X)   # every series resampled to the longest: refused before the allocation
        self.mean, self.std = _channel_scaler(X)
        self.length = max(x.shape[0] for x in X)
        self.train = np.stack([resample((x - self.mean) / self.std, self.length) for x in X]).reshape(len(X), -1)
        self.labels = labels
        return self

    def predict(self, X: Sequence[np.ndarray]) -> list[str]:
        if self.train is None:
            raise ConfigError("baseline: expected a fitted OneNNEuclidean, got an unfitted one")
        X = check_series(list(X), channels=self.mean.shape[0])
        check_scale(X, self.mean, self.std)
        # |q|^2 - 2 q.t + |t|^2 in float64: in float32 the norms of a long series (5,000 steps: ~5e3) swamp the
        # distances of near neighbours and the farther one won; queries in chunks of <= 2^20 distances and values,
        # not all at once (4,000 x 4,000 series peaked at 128 MB; UCR's Crop, 16,800 x 7,200, at ~1.5 GB)
        train = self.train.astype(np.float64)
        norms = (train ** 2).sum(1)
        rows = max(1, (1 << 20) // max(train.shape))   # both the distances and the queries' values
        out: list[str] = []
        for s in range(0, len(X), rows):
            Q = np.stack([resample((x - self.mean) / self.std, self.length) for x in X[s:s + rows]])
            Q = Q.reshape(len(Q), -1).astype(np.float64)
            d = Q @ train.T       # in place from here: one matrix of the chunk's distances
            d *= -2
            d += norms[None, :]
            d += (Q ** 2).sum(1)[:, None]
            out += [self.labels[i] for i in d.argmin(1)]
        return out

    def state(self):
        return ({"train": torch.from_numpy(self.train), "mean": torch.from_numpy(self.mean),
                 "std": torch.from_numpy(self.std)}, {"kind": "1nn_euclidean", "labels": self.labels,
                                                      "length": self.length})

    @classmethod
    def from_state(cls, state) -> "OneNNEuclidean":
        t, meta = state
        self = cls()
        self.train, self.mean, self.std = t["train"].numpy(), t["mean"].numpy(), t["std"].numpy()
        self.labels, self.length = list(meta["labels"]), meta["length"]
        check_1nn_state(self)   # a run edited by hand (its digests written again): raw numpy errors at predict
        return self


def _saved_vector(values: Any) -> np.ndarray:
    """A saved list of finite numbers as a float32 vector (ValueError otherwise)."""
    ok = isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    out = np.asarray(values if ok else [], dtype=np.float32)
    if not ok or not np.isfinite(out).all():
        raise ValueError(f"not a list of finite numbers: {str(values)[:60]}")
    return out


def _patchify(x: np.ndarray, patch: int) -> np.ndarray:
    """``(T, C)`` -> ``(ceil(T / patch), patch * C)``: windows of ``patch`` steps side by side (the last
    window is padded by repeating the final step). Shortens long series so the recurrence has fewer
    steps to carry information across (GunPoint: 150 steps -> 15 with ``patch=10``)."""
    if patch == 1:
        return x
    T, C = x.shape
    n = -(-T // patch)
    if n * patch > T:
        x = np.concatenate([x, np.repeat(x[-1:], n * patch - T, 0)], 0)
    return x.reshape(n, patch * C)


def r_quoted_labels(task: "TimeSeriesClassifier") -> dict[str, str]:
    """``{label as --ucr reads it now: label as the run saved it}`` for a run trained before session 33 on a UCR file
    R wrote (``"1",0.5,...``): its labels were saved with their quotes ('"1"'), and the reader now reads that file's
    labels as ``1`` (:func:`rnnkit.data.ucr_lines.unquoted`) -- evaluating the run on its own file scored every series
    as an unseen label (accuracy 0). ``{}`` unless every saved label of a ``--ucr`` run is so quoted (their unquoted
    forms distinct); ``rnnkit tsc`` reads a file's labels through it, so such a run predicts and scores as before."""
    from rnnkit.data.ucr_lines import unquoted

    old = list(task.labels.tokens)
    new = [unquoted(t) for t in old]
    if (not isinstance(task.data, dict) or task.data.get("flag") != "ucr"
            or any(a == b or not b for a, b in zip(old, new)) or len(set(new)) != len(new)):
        return {}
    return dict(zip(new, old))


class TSCNet(nn.Module):
    """The network only: standardised series ``(B, T, C)`` + ``lengths`` -> logits ``(B, K)``."""

    def __init__(self, channels: int, num_classes: int, cfg: TSCConfig) -> None:
        super().__init__()
        self.cfg = cfg
        if cfg.model != "feedforward":   # "rnn" or "auto"
            self.encoder = SequenceEncoder(channels, cfg.hidden_size, cfg.cell, cfg.num_layers, cfg.bidirectional,
                                           dropout=cfg.dropout)
            feat = self.encoder.output_size
        else:
            self.ff = nn.Linear(3 * channels, cfg.hidden_size)
            feat = cfg.hidden_size
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(feat, num_classes)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        if self.cfg.model != "feedforward":
            out, last = self.encoder(x, lengths)
            pooled = last if self.cfg.pooling == "last" else masked_pool(out, lengths, self.cfg.pooling)
        else:
            mean = masked_pool(x, lengths, "mean")
            sq = masked_pool(x * x, lengths, "mean")
            std = (sq - mean * mean).clamp_min(0).add(1e-6).sqrt()
            pooled = torch.relu(self.ff(torch.cat([mean, masked_pool(x, lengths, "max"), std], -1)))
        return self.head(self.drop(pooled))


class TimeSeriesClassifier(ClassifierTask):
    """``fit(X, y)`` (the network and the 1-NN Euclidean baseline), ``predict(X)``, ``predict_proba(X)``,
    ``evaluate(X, y)``, ``save`` / ``load`` (the task contract of :mod:`rnnkit.tasks.base`). ``predict`` gives labels
    in the type ``y`` had when all were of one int, float or bool type (``[1, 2]`` for ``y = [1, 2, ...]``), else
    text (:mod:`rnnkit.tasks.label_values`).

    ``X`` is a list of ``(T_i, C)`` arrays (see the module docstring)."""

    name = TASK
    config_class = TSCConfig
    input_name, target_name, one_target = "X", "y", "one label per series"
    baseline_types = {"1nn_euclidean": OneNNEuclidean}
    _fitting: int | None = None     # the thread running this classifier's fit (check_inputs)

    def __init__(self, config: TSCConfig | None = None) -> None:
        super().__init__(config)
        self.mean = self.std = None
        self.chose = "network"      # model="auto": "network" or "1nn_euclidean" (what predict uses)
        self._may_use_1nn = True    # fit(baselines=...): whether the 1-NN auto may choose will be fitted

    def fit(self, inputs: Any, targets: Any = None, val_inputs: Any = None, val_targets: Any = None, *,
            baselines: bool | dict[str, Any] = True, callbacks: Sequence[Any] = (),
            places: Sequence[str] | None = None, checkpoint_dir: Any = None,
            resume: bool = False) -> "TimeSeriesClassifier":
        """:meth:`Task.fit` (``checkpoint_dir``, ``resume``: its checkpointed, resumable fit); the auto model may fall
        back on 1-NN only when that baseline is fitted (it is what predicts then): ``baselines=False`` (or a dict
        without a ``"1nn_euclidean"`` 1-NN) keeps the network."""
        baselines = check_baselines(baselines)   # np.True_ is True is false
        self._may_use_1nn = baselines is True or (isinstance(baselines, dict) and isinstance(
            baselines.get("1nn_euclidean"), OneNNEuclidean))
        self._fitting = threading.get_ident()   # check_inputs: the data's channels, not an earlier fit's
        try:
            return super().fit(inputs, targets, val_inputs, val_targets, baselines=baselines, callbacks=callbacks,
                               places=places, checkpoint_dir=checkpoint_dir, resume=resume)
        finally:
            self._fitting = None

    def validation_split(self, inputs: list, targets: list | None) -> tuple[tuple, tuple | None]:
        if self.config.model == "auto":   # a split the choice can rest on (tsc_auto.auto_val_fraction)
            self.config = replace(self.config, val_fraction=auto_val_fraction(len(inputs), self.config.val_fraction))
        return super().validation_split(inputs, targets)

    @classmethod
    def load(cls, path: Any) -> "TimeSeriesClassifier":
        self = super().load(path)
        nn1 = self.baselines.get("1nn_euclidean")
        if isinstance(nn1, OneNNEuclidean) and (len(nn1.mean) != len(self.mean)
                                                or set(nn1.labels) - set(self.labels.index)):
            from rnnkit.errors import CheckpointError   # its predictions were a KeyError, its channels a numpy error

            raise CheckpointError(f"{path}/baseline.json: expected the 1-NN of this run ({len(self.mean)} channel(s), "
                                  f"labels among {sorted(self.labels.index)[:10]}), got {len(nn1.mean)} channel(s) "
                                  f"and labels {sorted(set(nn1.labels))[:10]}")
        self.saved_quotes = r_quoted_labels(self)   # a run saved with R's quotes: gold labels read as it saved them
        if self.saved_quotes:
            shown = ", ".join(f"{a} as {b}" for a, b in list(self.saved_quotes.items())[:3])
            warnings.warn(f"{path}: the run's labels were saved with the quotes R wrote around them (rnnkit before "
                          f"session 33): gold labels are read as them ({shown})", stacklevel=2)
        derived = self.history.get("derived") if isinstance(self.history, dict) else None
        if isinstance(derived, dict):   # a refit starts from the settings given, not those derived from the run's data
            self._given_config = replace(self.config, **{k: None for k in derived if k in ("epochs", "batch_size",
                                                                                             "patience", "patch")})
        return self

    def given_targets(self, targets: Any) -> Any:
        """Gold labels; a run saved with R's quotes (:func:`r_quoted_labels`) reads ``1`` as its class '"1"'."""
        from rnnkit.data.ucr_lines import as_saved

        return as_saved(super().given_targets(targets), getattr(self, "saved_quotes", None))

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        super().check_trainable(inputs, targets)
        where = lambda i: item_at(self.target_name, i, self.places)    # noqa: E731
        # as the text classifier's labels (session 27); 'a' and 'A' were two classes without a word (session 33)
        for warn in (warn_mixed_kinds, warn_missing_marks, warn_case_variants):
            warn(targets, where, self.target_name, stacklevel=5)
        if self._may_use_1nn or self.config.model == "auto":   # a 1-NN is fitted after the network: checked before
            check_1nn_memory(inputs, self.input_name, self.places)   # the places of the data fit was given

    def check_inputs(self, inputs: Any, what: str) -> list[np.ndarray]:
        """The series as arrays; outside a fit of this thread, with the fitted channels. A second fit on data of
        other channels (sklearn's refit) was refused with the first fit's 'expected 1 channels, got 2'."""
        fitted = self.mean is not None and self._fitting != threading.get_ident()
        X = check_series(inputs, what, channels=len(self.mean) if fitted else None, places=self.places_of(what))
        if fitted:
            check_scale(X, self.mean, self.std, what, self.places_of(what))
        return X

    def _prepare(self, X: list[np.ndarray]) -> list[np.ndarray]:
        X = limit_length(X, self.config.max_len, self.config.on_long, what="series")
        return [_patchify((x - self.mean) / self.std, self.config.patch) for x in X]

    def _batches(self, X, y, shuffle: bool, seed: int = 0):
        for idx in bucket_batches([len(x) for x in X], self.config.batch_size, shuffle=shuffle, seed=seed):
            xb, L = pad_sequences([X[i] for i in idx], dtype=torch.float32)
            yield idx, xb, L, (torch.tensor([y[i] for i in idx]) if y is not None else None)

    def _inference_batches(self, inputs: list[np.ndarray]):
        for idx, xb, L, _ in self._batches(self._prepare(inputs), None, shuffle=False):
            yield idx, (xb, L)

    def _resolve(self, X: list[np.ndarray]) -> dict[str, int]:
        """Derive the settings left unset (tsc_auto) from the training part; ``self.config`` keeps the
        resolved values (what the run folder saves); returns the derived ones."""
        c = self.config
        sched = derived_schedule(len(X), batch_size=c.batch_size, epochs=c.epochs, patience=c.patience)
        patch = c.patch if c.patch is not None else (
            1 if c.model == "feedforward" else auto_patch([len(x) for x in X], c.max_len))
        self.config = replace(c, patch=patch, **sched)
        return {k: v for k, v in {**sched, "patch": patch}.items() if getattr(c, k) is None}

    def _fit(self, train, val, callbacks) -> None:
        X, y = train
        self.chose = "network"
        derived = self._resolve(X)
        c = self.config
        self.mean, self.std = _channel_scaler(X)
        Xs = self._prepare(X)
        auto = c.model == "auto" and val is not None and len(val[0]) > 0
        self.labels = Vocab.build([y, list(val[1])] if auto else [y], specials=())  # 1-NN sees the val labels too
        yi = self.labels.encode(y)
        self.net = TSCNet(Xs[0].shape[1], len(self.labels), c)  # channels * patch inputs

        def loss_fn(batch):
            _, xb, L, yb = batch
            return F.cross_entropy(self.net(xb, L), yb)

        val_score = None
        if val is not None and len(val[0]) > 0:
            Xv = self._prepare(check_series(val[0], "val_X", channels=len(self.mean)))
            yv = [self.labels.index.get(v, -100) for v in val[1]]  # -100: a label unseen in training, ignored

            def val_score() -> float:  # minus the validation cross-entropy (smoother than accuracy on few series)
                tot, n = 0.0, 0
                for _, xb, L, yb in self._batches(Xv, yv, shuffle=False):
                    tot += F.cross_entropy(self.net(xb, L), yb, reduction="sum", ignore_index=-100).item()
                    n += int((yb != -100).sum())
                return -tot / max(n, 1)
        self._train(lambda e: self._batches(Xs, yi, True, c.seed + e), -(-len(Xs) // c.batch_size), loss_fn,
                    val_score=val_score, val_name="neg_cross_entropy", callbacks=callbacks)
        fact = not_learned(self.epoch_log, yi)
        self.history["learned"] = fact is None
        self.history["derived"] = derived
        self.warn_lost_classes(y, val, "series of", "1-NN, fitted on every training series, can", ", no auto choice")
        if c.model == "auto":
            self._choose(X, y, val if auto else None)
        if fact is not None:
            warnings.warn(not_learned_warning(fact, self.history.get("auto")), stacklevel=4)

    def _choose(self, X: list[np.ndarray], y: list[str], val: tuple | None) -> None:
        """The auto model's choice: the trained network against 1-NN fitted on the same training part,
        both scored on the same validation series (tsc_auto.choose); recorded in ``history["auto"]``."""
        acc = {"network": None, "1nn_euclidean": None}
        if val is not None:
            gold = list(val[1])
            acc = {"network": accuracy(gold, self.predict_texts(val[0])),   # the labels' text, as gold's
                   "1nn_euclidean": accuracy(gold, OneNNEuclidean().fit(X, y).predict(val[0]))}
        self.chose, why = choose(acc["network"], acc["1nn_euclidean"], learned=self.history["learned"],
                                 n_val=0 if val is None else len(val[0]))
        if self.chose != "network" and not self._may_use_1nn:
            self.chose, why = "network", f"fitted without the 1-NN baseline (baselines=False), so not {why}"
        self.history["auto"] = {"chose": self.chose, "why": why, "val_accuracy": acc}

    def predict_proba(self, inputs: Any) -> np.ndarray:
        """Class probabilities ``(N, C)``: the network's, or 1-NN's (one-hot) when ``model="auto"`` chose it."""
        if self.chose == "network":
            out = super().predict_proba(inputs)
            if not np.isfinite(out).all():   # values within FAR_MAX whose sums are not (feedforward's mean of x * x)
                i = int(np.flatnonzero(~np.isfinite(out).all(1))[0])
                raise DataError(f"{item_at(self.input_name, i)}: expected values on the training series' scale, got "
                                "values so far from the training mean that the network's output is not finite "
                                "(a fill value for a missing one? drop it or fill it)")
            return out
        self._require_fitted()
        items = self.check_inputs(inputs, self.input_name)
        nn1 = self.baselines.get("1nn_euclidean")
        if not isinstance(nn1, OneNNEuclidean):
            raise ConfigError("model: expected the 1-NN baseline the auto model chose, got a run without it")
        out = np.zeros((len(items), len(self.labels)), dtype=np.float32)
        out[np.arange(len(items)), [self.labels.index[p] for p in nn1.predict(items)]] = 1.0
        return out

    def score(self, inputs: list, targets: list | None, **options: Any) -> dict[str, Any]:
        metrics = super().score(inputs, targets, **options)
        if self.config.model == "auto":
            metrics["model"] = self.chose   # which of the two the predictions (and so these figures) come from
        return metrics

    def default_baselines(self) -> dict[str, Any]:
        return {"1nn_euclidean": OneNNEuclidean()}

    def _vocabs(self) -> dict[str, Any]:
        return {"labels": self.labels}

    def _state(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "chose": self.chose}

    def _restore(self, run) -> None:
        self.labels = run_vocab(run, "labels")
        with run_file(run["path"] / "config.json", "the standardisation 'mean' and 'std' in 'state'"):
            self.mean, self.std = (_saved_vector(run["state"][k]) for k in ("mean", "std"))
            if len(self.mean) != len(self.std) or not len(self.mean) or (self.std <= 0).any():
                raise ValueError(f"{len(self.mean)} means and {len(self.std)} std > 0")
            self.chose = run["state"].get("chose", "network")    # runs saved before model="auto": the network
            check_choice("chose", self.chose, CHOICES)
        self.net = TSCNet(len(self.mean) * self.config.patch, len(self.labels), self.config)
