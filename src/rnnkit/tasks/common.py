"""What the text and sequence tasks share: metrics, run folders, the recurrent encoder with masked
pooling, and a small fit loop with early stopping.

Metrics (plain Python, checked against hand-computed cases in the tests):

>>> accuracy(["a", "b", "b"], ["a", "b", "a"])
0.6666666666666666
>>> confusion_matrix(["a", "b", "b"], ["a", "b", "a"], labels=["a", "b"])
[[1, 0], [1, 1]]
>>> sorted(bio_spans(["B-per", "I-per", "O", "I-loc"]))
[('loc', 3, 4), ('per', 0, 2)]

A run folder (what ``predict`` needs, portable to another machine; never pickle)::

    RUN/config.json        {"task": ..., "schema_version": 1, "rnnkit_version": ..., "config": {...}, "extra": {...}}
    RUN/model.safetensors  the network's weights
    RUN/vocab.json         the vocabularies (tokens incl. <pad>/<unk>, labels/tags)
    RUN/baseline.safetensors + baseline.json  the baseline fitted in the same run (when it has state)
    RUN/digests.json       the sha256 of each file above, written last

Loading verifies every file against ``digests.json`` first (a missing or empty map is an error), then
rebuilds the config through its own validation: a modified, truncated or hand-edited file is a
CheckpointError naming it, never a wrong model.
"""

from __future__ import annotations

import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError, RnnkitError

__all__ = [
    "accuracy", "confusion_matrix", "macro_f1", "bio_spans", "entity_prf", "classification_metrics",
    "save_run", "load_run", "load_weights", "task_config", "RUN_SCHEMA", "config_from_dict",
    "SequenceEncoder", "masked_pool", "POOLINGS", "CELLS", "fit_loop", "check_choice", "check_bool", "check_number",
    "check_labels_known", "check_labels", "run_file", "run_vocab", "run_baseline", "RUN_FILES", "BASELINE_FILES",
]

RUN_SCHEMA = 1
POOLINGS = ("last", "max", "mean")
CELLS = ("lstm", "gru", "elman")


# ----------------------------------------------------------------------------- validation helpers
def check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    if value not in choices:
        raise ConfigError(f"{name}: expected one of {list(choices)}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    """ConfigError unless ``value`` is a bool (1 and "yes" are not)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: expected a bool, got {value!r}")


def check_number(name: str, value: Any, lo: float | None = None, hi: float | None = None, integer: bool = False,
                 allow_none: bool = False, lo_open: bool = False) -> None:
    """ConfigError unless ``value`` is a number in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    if value is None and allow_none:
        return
    kind = "an int" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or (not integer and not math.isfinite(value)):
        raise ConfigError(f"{name}: expected {kind}{' or None' if allow_none else ''}, got {value!r}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise ConfigError(f"{name}: expected {kind} {'>' if lo_open else '>='} {lo}, got {value!r}")
    if hi is not None and value > hi:
        raise ConfigError(f"{name}: expected {kind} <= {hi}, got {value!r}")


def config_from_dict(cls: type, d: Any, source: str | os.PathLike = "config"):
    """Rebuild a frozen config dataclass from its saved dict, validated as if typed: unknown or missing
    keys and any value the config refuses are a CheckpointError naming ``source`` (the file).

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class C:
    ...     lr: float = 0.1
    ...     def __post_init__(self):
    ...         check_number("lr", self.lr, lo=0, lo_open=True)
    >>> config_from_dict(C, {"lr": -1.0}, "RUN/config.json")
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: RUN/config.json: expected a valid C, got lr: expected a number > 0, got -1.0
    """
    if not isinstance(d, dict):
        raise CheckpointError(f"{source}: expected the {cls.__name__} settings as a JSON object, got {type(d).__name__}")
    names = {f.name for f in fields(cls)}
    unknown, missing = sorted(set(d) - names), sorted(names - set(d))
    if unknown or missing:
        raise CheckpointError(f"{source}: expected the keys of {cls.__name__}, got unknown {unknown}, missing {missing}")
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
    with run_file(source, f"a valid {cls.__name__}"):
        return cls(**kw)


# ----------------------------------------------------------------------------- metrics
def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
    """Share of positions where the prediction equals the truth."""
    if len(y_true) != len(y_pred):
        raise DataError(f"y_pred: expected {len(y_true)} predictions (one per true label), got {len(y_pred)}")
    if not y_true:
        raise DataError("y_true: expected at least one label, got none")
    return sum(a == b for a, b in zip(y_true, y_pred)) / len(y_true)


def confusion_matrix(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any]) -> list[list[int]]:
    """``m[i][j]`` = how many items of true class ``labels[i]`` were predicted as ``labels[j]``."""
    idx = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred):
        if t not in idx or p not in idx:
            raise DataError(f"labels: expected every label in {list(labels)}, got {t if t not in idx else p!r}")
        m[idx[t]][idx[p]] += 1
    return m


def macro_f1(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: every label in truth or prediction);
    a class with no true and no predicted item is left out, an F1 with a zero denominator is 0."""
    labels = sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)
    f1s = []
    for lab in labels:
        tp = sum(t == lab and p == lab for t, p in zip(y_true, y_pred))
        fp = sum(t != lab and p == lab for t, p in zip(y_true, y_pred))
        fn = sum(t == lab and p != lab for t, p in zip(y_true, y_pred))
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """accuracy, macro_f1 and the confusion matrix (rows: truth, columns: prediction, in ``labels`` order)."""
    return {"accuracy": accuracy(y_true, y_pred), "macro_f1": macro_f1(y_true, y_pred, labels),
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels), "labels": list(labels)}


def bio_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """Entities ``(type, start, end)`` (end exclusive) in a BIO (or IOB1) tag sequence, as conlleval
    reads them: ``B-X`` starts an entity; ``I-X`` continues an entity of type X or starts a new one
    after ``O``/another type; ``O`` or any other tag ends it."""
    spans = set()
    cur_type, start = None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, typ = tag.partition("-")
        if prefix not in ("B", "I") or not typ:
            prefix, typ = "O", None
        continues = prefix == "I" and typ == cur_type
        if cur_type is not None and not continues:
            spans.add((cur_type, start, i))
            cur_type = None
        if prefix in ("B", "I") and not continues:
            cur_type, start = typ, i
    return spans


def entity_prf(true_seqs: Sequence[Sequence[str]], pred_seqs: Sequence[Sequence[str]]) -> dict[str, float]:
    """Entity-level micro precision, recall and F1 over sentences (exact span and type match)."""
    tp = n_pred = n_true = 0
    for t, p in zip(true_seqs, pred_seqs):
        if len(t) != len(p):
            raise DataError(f"pred_seqs: expected a tag per token ({len(t)}), got {len(p)}")
        ts, ps = bio_spans(t), bio_spans(p)
        tp += len(ts & ps)
        n_pred += len(ps)
        n_true += len(ts)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_true if n_true else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"entity_precision": prec, "entity_recall": rec, "entity_f1": f1}


def check_texts(texts: Any, what: str = "texts") -> list[str]:
    """A non-empty list/tuple of non-blank strings, returned as a list; typed errors otherwise."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise InputTypeError(f"{what}: expected a list of strings, got {type(texts).__name__}")
    if not texts:
        raise DataError(f"{what}: expected at least one text, got none")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputTypeError(f"{what}[{i}]: expected a str, got {type(t).__name__}")
        if not t.strip():
            raise DataError(f"{what}[{i}]: expected a non-empty text, got {t!r}")
    return list(texts)


def check_labels(labels: Any, what: str = "labels") -> list[str]:
    """The labels as strings; a missing one (``None``, NaN, ``pd.NA``, a blank string) is a DataError
    naming its position instead of becoming a class called "None" or "nan".

    >>> check_labels(["pos", 1])
    ['pos', '1']
    >>> check_labels(["pos", float("nan")], "y")
    Traceback (most recent call last):
    rnnkit.errors.DataError: y[1]: expected a label, got a missing value (nan)
    """
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise InputTypeError(f"{what}: expected a list of labels, got {type(labels).__name__}")
    out = []
    for i, lab in enumerate(labels):
        missing = (lab is None or type(lab).__name__ in ("NAType", "NaTType")
                   or (isinstance(lab, (float, np.floating)) and math.isnan(lab))
                   or (isinstance(lab, str) and not lab.strip()))
        if missing:
            raise DataError(f"{what}[{i}]: expected a label, got a missing value ({lab!r})")
        out.append(str(lab))
    return out


def check_labels_known(labels: Iterable[str], known: Sequence[str], what: str = "labels") -> None:
    """DataError naming the labels that the run never saw in training (evaluate needs known labels)."""
    unknown = sorted(set(labels) - set(known))
    if unknown:
        raise DataError(f"{what}: expected labels seen in training {sorted(known)}, got unseen {unknown[:10]}")


# ----------------------------------------------------------------------------- run folders
RUN_FILES = ("config.json", "model.safetensors", "vocab.json")
BASELINE_FILES = ("baseline.safetensors", "baseline.json")


def save_run(path: str | Path, task: str, config: Any, model: nn.Module, vocabs: dict[str, Any],
             extra: dict[str, Any] | None = None, baseline: tuple[dict[str, Tensor], dict[str, Any]] | None = None) -> Path:
    """Write a run folder (see the module docstring). ``config`` is a dataclass or dict; ``vocabs`` maps
    names to :class:`~rnnkit.data.vocab.Vocab` (or JSON-able values). Each file is replaced atomically;
    ``digests.json`` (the sha256 of every file) is written last, so a folder with it is complete."""
    from safetensors.torch import save as st_save

    from rnnkit import __version__
    from rnnkit.training.checkpoint import atomic_write_bytes, write_digests

    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(root / "model.safetensors", st_save(state))
    atomic_write_bytes(root / "vocab.json", json.dumps(
        {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in vocabs.items()}, ensure_ascii=False).encode())
    names = list(RUN_FILES)
    if baseline is not None:
        tensors, meta = baseline
        atomic_write_bytes(root / "baseline.safetensors", st_save({k: v.contiguous() for k, v in tensors.items()}))
        atomic_write_bytes(root / "baseline.json", json.dumps(meta, ensure_ascii=False).encode())
        names += BASELINE_FILES
    else:  # a baseline of an earlier save into this folder is not this run's
        for name in BASELINE_FILES:
            (root / name).unlink(missing_ok=True)
    cfg = asdict(config) if hasattr(config, "__dataclass_fields__") else dict(config)
    meta = {"task": task, "schema_version": RUN_SCHEMA, "rnnkit_version": __version__, "config": cfg,
            "extra": extra or {}}
    atomic_write_bytes(root / "config.json", json.dumps(meta, ensure_ascii=False, indent=1).encode())
    write_digests(root, names)
    return root


def load_weights(net: nn.Module, state: dict[str, Any], where: str = "model.safetensors") -> None:
    """Load a run's weights into ``net`` (built from the saved config): the same tensor names, shapes and
    dtypes or a CheckpointError naming ``where``."""
    from rnnkit.training.checkpoint import check_state_dict

    check_state_dict(net, state, f"{where} (the weights of config.json's model)")
    net.load_state_dict(state)
    net.eval()


def task_config(config: Any, cls: type) -> Any:
    """``config`` (``None``: ``cls()``), or InputTypeError unless it is a ``cls``."""
    config = cls() if config is None else config
    if not isinstance(config, cls):
        raise InputTypeError(f"config: expected a {cls.__name__}, got {type(config).__name__}")
    return config


@contextmanager
def run_file(path: str | Path, what: str):
    """Errors raised while rebuilding ``what`` from the run file ``path`` (a missing key, a wrong type, a
    value the constructor refuses) become one-line CheckpointErrors naming the file.

    >>> with run_file("RUN/vocab.json", "a 'labels' vocabulary"):
    ...     {}["tokens"]
    Traceback (most recent call last):
    rnnkit.errors.CheckpointError: RUN/vocab.json: expected a 'labels' vocabulary, got no key 'tokens'
    """
    try:
        yield
    except CheckpointError:
        raise
    except (KeyError, IndexError) as e:
        raise CheckpointError(f"{path}: expected {what}, got no key {e}") from None
    except (TypeError, ValueError, AttributeError) as e:
        detail = str(e) if isinstance(e, RnnkitError) else f"{type(e).__name__}: {e}"
        raise CheckpointError(f"{path}: expected {what}, got {' '.join(detail.split())}") from None


def load_run(path: str | Path, task: str, config_cls: type) -> dict[str, Any]:
    """Read a run folder written by :func:`save_run` for ``task``: returns ``{"path", "config", "extra",
    "state", "vocabs", "baseline"}`` with ``config`` a ``config_cls`` validated as if typed.

    Every file is checked against ``digests.json`` before it is read (a missing or empty digest map is
    an error). CheckpointError naming the file when the folder is missing or incomplete, a file differs
    from its digest, is not valid JSON / safetensors, misses a key, holds a wrong type or a value the
    config refuses, is of another schema, or is from another task."""
    from safetensors.torch import load as st_load

    from rnnkit.training.checkpoint import read_json, verify_digests

    root = Path(path)
    cfg_path = root / "config.json"
    if not root.is_dir():
        raise CheckpointError(f"run: expected a run folder, got {str(path)!r} (no such folder)")
    if not cfg_path.is_file():
        raise CheckpointError(f"run: expected {str(cfg_path)!r} (a folder written by 'train'), got no config.json")
    verify_digests(root, list(RUN_FILES) + [n for n in BASELINE_FILES if (root / n).exists()])
    meta = read_json(cfg_path, f"a {task!r} run config")
    if not isinstance(meta, dict) or meta.get("task") != task:
        got = meta.get("task") if isinstance(meta, dict) else type(meta).__name__
        raise CheckpointError(f"{cfg_path}: expected a {task!r} run folder, got a {got!r} run")
    if meta.get("schema_version") != RUN_SCHEMA:
        raise CheckpointError(f"{cfg_path}: expected schema_version {RUN_SCHEMA}, got {meta.get('schema_version')!r}")
    for key in ("config", "extra"):
        if not isinstance(meta.get(key), dict):
            raise CheckpointError(f"{cfg_path}: expected {key!r} as a JSON object, got "
                                  f"{type(meta.get(key)).__name__ if key in meta else 'no such key'}")
    config = config_from_dict(config_cls, meta["config"], source=cfg_path)

    def tensors(name: str) -> dict[str, Tensor]:
        try:
            return st_load((root / name).read_bytes())
        except Exception as e:  # safetensors raises its own error types
            raise CheckpointError(f"{root / name}: expected a valid safetensors file, got {' '.join(str(e).split())}") from None

    vocabs = read_json(root / "vocab.json", "the run's vocabularies")
    if not isinstance(vocabs, dict):
        raise CheckpointError(f"{root / 'vocab.json'}: expected a JSON object of vocabularies, got {type(vocabs).__name__}")
    baseline = None
    if (root / BASELINE_FILES[0]).is_file():
        baseline = (tensors(BASELINE_FILES[0]), read_json(root / BASELINE_FILES[1], "the baseline's state"))
    return {"path": root, "config": config, "extra": meta["extra"], "state": tensors("model.safetensors"),
            "vocabs": vocabs, "baseline": baseline}


def run_vocab(run: dict[str, Any], key: str, cls: type | None = None) -> Any:
    """The vocabulary ``key`` of a loaded run (a :class:`~rnnkit.data.vocab.Vocab`, or ``cls``), or a
    CheckpointError naming vocab.json when it is absent or malformed."""
    from rnnkit.data.vocab import Vocab

    where = run["path"] / "vocab.json"
    if key not in run["vocabs"]:
        raise CheckpointError(f"{where}: expected a {key!r} vocabulary, got {sorted(run['vocabs'])}")
    with run_file(where, f"a {key!r} vocabulary"):
        return (cls or Vocab).from_dict(run["vocabs"][key])


def run_baseline(run: dict[str, Any], build: Callable[[Any], Any]) -> Any:
    """``build(run["baseline"])`` (``None`` when the run has no baseline); a malformed baseline state is a
    CheckpointError naming baseline.json."""
    if run["baseline"] is None:
        return None
    with run_file(run["path"] / BASELINE_FILES[1], "the baseline's state"):
        return build(run["baseline"])


# ----------------------------------------------------------------------------- encoder + pooling
def masked_pool(x: Tensor, lengths: Tensor, mode: str) -> Tensor:
    """Pool batch-first ``(B, T, F)`` over each sequence's valid steps: ``"max"``, ``"mean"``, or
    ``"last"`` (the step at ``length - 1``). Padding never changes the result.

    >>> x = torch.tensor([[[1.], [5.], [-9.]], [[-2.], [-3.], [-4.]]])
    >>> masked_pool(x, torch.tensor([2, 3]), "max").flatten().tolist()
    [5.0, -2.0]
    >>> masked_pool(x, torch.tensor([2, 3]), "mean").flatten().tolist()
    [3.0, -3.0]
    """
    check_choice("pooling", mode, POOLINGS)
    T = x.shape[1]
    mask = (torch.arange(T, device=x.device).unsqueeze(0) < lengths.to(x.device).unsqueeze(1)).unsqueeze(-1)
    if mode == "max":
        return x.masked_fill(~mask, float("-inf")).amax(1)
    if mode == "mean":
        return (x * mask).sum(1) / lengths.to(x.device, x.dtype).unsqueeze(1)
    idx = (lengths.to(x.device) - 1).view(-1, 1, 1).expand(-1, 1, x.shape[2])
    return x.gather(1, idx).squeeze(1)


class SequenceEncoder(nn.Module):
    """A (bi)directional stacked rnnkit LSTM/GRU/Elman over batch-first ``(B, T, I)`` input with
    ``lengths``; ``forward`` returns ``(outputs (B, T, D*H), summary (B, D*H))`` where ``summary`` is
    the final state of the last layer (each direction's last valid step) -- the "last" pooling.

    >>> enc = SequenceEncoder(3, 4, cell="gru", bidirectional=True)
    >>> out, summary = enc(torch.randn(2, 5, 3), torch.tensor([5, 2]))
    >>> out.shape, summary.shape
    (torch.Size([2, 5, 8]), torch.Size([2, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, cell: str = "lstm", num_layers: int = 1,
                 bidirectional: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        import rnnkit

        check_choice("cell", cell, CELLS)
        layer_cls = {"lstm": rnnkit.LSTM, "gru": rnnkit.GRU, "elman": rnnkit.ElmanRNN}[cell]
        self.rnn = layer_cls(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                             bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.num_directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        out, state = self.rnn(x, lengths=lengths)
        h = state[0] if isinstance(state, tuple) else state
        D = self.num_directions
        summary = torch.cat([h[-D + d] for d in range(D)], dim=-1)
        return out, summary


# ----------------------------------------------------------------------------- fit loop
class _EpochBatches:
    """Batches the Trainer re-reads every epoch; it calls ``set_epoch`` first, which picks the order."""

    def __init__(self, make: Callable[[int], Iterable[Any]]) -> None:
        self.make, self.epoch = make, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        return iter(self.make(self.epoch))


def fit_loop(model: nn.Module, train_batches: Callable[[int], Iterable[Any]], loss_fn: Callable[[Any], Tensor],
             epochs: int, lr: float, weight_decay: float = 0.0, clip: float | None = 1.0,
             val_score: Callable[[], float] | None = None, patience: int | None = None,
             progress: bool = True, desc: str = "train", max_seconds: float | None = None,
             seed: int = 0) -> dict[str, Any]:
    """The tasks' training on :class:`rnnkit.training.Trainer`: AdamW, clipping by norm, one pass over
    ``train_batches(epoch)`` per epoch with ``loss_fn(batch)`` a scalar loss. After each epoch
    ``val_score()`` (higher is better) drives early stopping (``patience`` epochs without improvement;
    the best weights are restored); ``max_seconds`` ends training after the epoch that crosses it. A
    non-finite loss raises NonFiniteLossError (from the Trainer). Returns ``{"loss": [...], "val": [...],
    "best_epoch", "seconds"}`` per epoch."""
    from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer

    t0 = time.perf_counter()
    es = None
    if val_score is not None:
        es = EarlyStoppingConfig(monitor="val_score", mode="max", patience=epochs if patience is None else patience)
    config = TrainConfig(epochs=epochs, optim=OptimConfig(name="adamw", lr=lr, weight_decay=weight_decay),
                         clip_norm=clip or None, early_stopping=es, seed=seed, quiet=not progress,
                         max_seconds=max_seconds)

    def eval_fn(_model: nn.Module, _data: Any) -> dict[str, float]:
        return {"score": float(val_score())}

    trainer = Trainer(model, lambda _m, batch: loss_fn(batch), config=config,
                      eval_fn=eval_fn if val_score is not None else None)
    result = trainer.fit(_EpochBatches(train_batches), [None] if val_score is not None else None)
    model.eval()
    return {"loss": [r["train_loss"] for r in result.history],
            "val": [r["val_score"] for r in result.history if "val_score" in r],
            "best_epoch": result.best["epoch"] if result.best else None,
            "seconds": time.perf_counter() - t0}
