"""Callbacks that report: the progress bar with one kept line per epoch, the metric log (jsonl / csv,
optionally TensorBoard), and the gradient-flow monitor."""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO

import torch

from rnnkit._io import atomic_write_text, check_folder_path, dumps_json, to_jsonable
from rnnkit._paths import expand_user
from rnnkit._validate import check_bool, is_bool
from rnnkit.diagnostics import GradFlowRecorder, plot_gradient_flow, summarize_gradient_flow
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.training.callbacks.base import Callback
from rnnkit.training.config import LOG_FORMATS, _choice, _pos_int

__all__ = ["ProgressBar", "MetricLogger", "GradientFlowMonitor", "epoch_summary"]


def epoch_summary(row: dict, epochs: int) -> str:
    """The kept line of an epoch: ``epoch 3/8  train_loss 0.41  val_acc 0.77  12.3s``.

    >>> epoch_summary({"epoch": 3, "lr": 0.1, "train_loss": 0.4123, "val_acc": 0.77, "time_s": 12.34}, 8)
    'epoch 3/8  train_loss 0.4123  val_acc 0.77  12.3s'
    """
    parts = [f"epoch {row['epoch']}/{epochs}"]
    for k, v in row.items():
        if k.startswith(("train_", "val_")) and isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{k} {v:.4g}")
    if isinstance(row.get("time_s"), (int, float)):
        parts.append(f"{row['time_s']:.1f}s")
    return "  ".join(parts)


class ProgressBar(Callback):
    """A tqdm bar per epoch (batches done of ``len(train_data)``, running means of the first metrics),
    erased when the epoch ends, and one kept summary line per epoch (:func:`epoch_summary`).

    Off entirely when ``config.quiet`` (and on processes other than rank 0); the bar is drawn only when
    ``stream`` (default ``sys.stderr``, looked up when used) is a terminal, the summary line always.
    ``bar=False`` keeps only the summary lines. ``TrainConfig(quiet=False)`` (the default) adds one.
    """

    order = 50

    def __init__(self, stream: TextIO | None = None, bar: bool = True) -> None:
        self.stream, self.bar = stream, bar
        self._pbar = None

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def _on(self, trainer) -> bool:
        return trainer.is_main and not trainer.config.quiet

    def on_epoch_start(self, trainer, epoch: int) -> None:
        out = self._out()
        if not (self._on(trainer) and self.bar and getattr(out, "isatty", lambda: False)()):
            return
        from tqdm.auto import tqdm

        self._pbar = tqdm(total=trainer.epoch_total, initial=trainer.batch_in_epoch, leave=False, file=out,
                          desc=f"epoch {epoch + 1}/{trainer.config.epochs}", dynamic_ncols=True)

    def on_batch_end(self, trainer, batch_index: int) -> None:
        if self._pbar is not None:
            means = list(trainer.running_metrics().items())[:3]
            self._pbar.set_postfix({k: f"{v:.4g}" for k, v in means}, refresh=False)
            self._pbar.update(1)

    def _close(self) -> None:
        if self._pbar is not None:
            self._pbar.close()
            self._pbar = None

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        self._close()
        if self._on(trainer):
            out = self._out()
            out.write(epoch_summary(row, trainer.config.epochs) + "\n")
            out.flush()

    def on_exception(self, trainer, error: BaseException) -> None:
        self._close()


class MetricLogger(Callback):
    """Write ``trainer.history`` -- one row per epoch -- to ``path`` as JSON lines or CSV, atomically
    after every epoch (and at the start of a fit, so a resumed log holds exactly the checkpoint's rows).
    Non-finite values are written as ``null`` (jsonl) / empty (csv).

    ``path``: default ``run_dir/metrics.jsonl`` (``.csv``); no file without either. ``tensorboard=True``
    also writes each row's numbers as scalars under ``<folder of path>/tensorboard`` (needs the
    ``tensorboard`` package, not a dependency of rnnkit). ``TrainConfig(log_format=...)`` configures the
    one a Trainer with a ``run_dir`` adds.

    Several fits of one call (an ensemble's members, a seed ensemble's networks) log to one file: each fit's
    logger is a copy whose ``follows`` is the previous fit's (:func:`rnnkit.tasks.common.callback_copies` links
    them), and the file holds every earlier fit's rows before this fit's, each row with its ``"member"`` --
    each copy rewrote the file with its own fit's rows alone, so the live log showed the current member only.
    """

    order = 50

    def __init__(self, path: str | Path | None = None, format: str = "jsonl", tensorboard: bool = False) -> None:
        _choice("format", format, LOG_FORMATS)
        if not is_bool(tensorboard):
            raise ConfigError(f"tensorboard: expected a bool, got {tensorboard!r}")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter  # noqa: F401
            except ImportError:
                raise ConfigError("tensorboard: expected the tensorboard package to be installed "
                                  "(pip install tensorboard), got an ImportError") from None
        if path is not None:   # a folder was a raw IsADirectoryError, a path under a file a FileExistsError, at fit start
            if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes) or str(path) == "":
                raise InputTypeError(f"path: expected a file path (str or os.PathLike) or None, got {path!r}")
            path = expand_user(path, file=True)   # '~/logs/m.jsonl' expanded, 'm.jsonl/' refused (rnnkit._paths)
            if Path(path).is_dir():
                raise ConfigError(f"path: expected a file path for the metric log, got {str(path)!r} (an existing folder)")
            check_folder_path(Path(path).parent, "path")
        self.path = None if path is None else Path(path)
        self.format, self.tensorboard = format, tensorboard
        self._writer = None
        self.follows: MetricLogger | None = None   # the logger of the previous fit of one call (class docstring)
        self.member: int | None = None             # this fit's place among them (None: a fit alone)
        self._rows: list[dict] = []                # this fit's rows as last written

    def __setstate__(self, state: dict) -> None:   # a logger pickled before session 17 has no chain
        self.__dict__.update({"follows": None, "member": None, "_rows": [], **state})

    def _earlier(self) -> list[dict]:
        """The rows of every earlier fit this logger follows, first fit first."""
        if self.follows is None:
            return []
        return self.follows._earlier() + self.follows._rows

    def _path(self, trainer) -> Path | None:
        if self.path is not None:
            return self.path
        return None if trainer.run_dir is None else trainer.run_dir / f"metrics.{self.format}"

    def _write(self, trainer) -> None:
        path = self._path(trainer)
        if path is None or not trainer.is_main:
            return
        rows = to_jsonable(trainer.history)
        if self.member is not None:
            rows = [r if "member" in r else {**r, "member": self.member} for r in rows]
        self._rows = rows
        rows = self._earlier() + rows
        if self.format == "jsonl":
            text = "".join(dumps_json(r) + "\n" for r in rows)
        else:
            cols: list[str] = []
            for r in rows:
                cols += [k for k in r if k not in cols]
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
            text = buf.getvalue() if rows else ""
        atomic_write_text(path, text)

    def on_fit_start(self, trainer) -> None:
        self._write(trainer)
        path = self._path(trainer)
        if self.tensorboard and path is not None and trainer.is_main:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(path.parent / "tensorboard"))

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        self._write(trainer)
        if self._writer is not None:
            for k, v in row.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("epoch", "step") \
                        and math.isfinite(v):
                    self._writer.add_scalar(k, v, global_step=trainer.global_step)
            self._writer.flush()

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def on_fit_end(self, trainer, result) -> None:
        self._close()

    def on_exception(self, trainer, error: BaseException) -> None:
        self._close()


class GradientFlowMonitor(Callback):
    """Record ‖∂L/∂h_t‖ per step (:class:`rnnkit.diagnostics.GradFlowRecorder`) on the first batch of
    every ``every``-th epoch (epochs 0, N, 2N, ...); with truncated BPTT the chunks' records are joined in
    time (with the valid lengths the engine records, summed over the chunks). The epoch's row gets
    ``gradflow/<tag>/ratio`` (median per sequence), ``.../min_ratio``, ``.../max_ratio`` and ``.../flag``
    (:func:`rnnkit.diagnostics.summarize_gradient_flow`); with a ``run_dir``, ``gradflow/epoch-NNNN.json``
    and ``.png`` are written there. ``last_norms`` (also ``trainer.last_gradflow``) holds the latest
    record. ``TrainConfig(gradflow_every=N)`` adds one.
    """

    order = -10  # its row keys exist before loggers and the checkpointer run

    def __init__(self, every: int = 1, plots: bool = True) -> None:
        _pos_int("every", every)
        plots = check_bool("plots", plots)
        self.every, self.plots = every, plots
        self.last_norms: dict[str, torch.Tensor] | None = None
        self.last_lengths: dict[str, torch.Tensor] = {}   # valid lengths of padded records (see GradFlowRecorder)
        self._rec: GradFlowRecorder | None = None
        self._parts: dict[str, list[tuple[torch.Tensor, torch.Tensor | None]]] = {}
        self._pending: dict[str, Any] = {}
        self._warned = False

    def on_fit_start(self, trainer) -> None:
        self._warned = False   # once a fit: a fit resumed on the same Trainer warned nothing, a new Trainer's did

    def on_batch_start(self, trainer, batch_index: int) -> None:
        if batch_index == 0 and trainer.epoch % self.every == 0:
            self._rec = GradFlowRecorder().__enter__()
            self._parts = {}

    def on_step_end(self, trainer, step: int, loss: float, metrics: dict) -> None:
        if self._rec is not None:
            for tag, n in self._rec.norms.items():
                # with its valid lengths: a full chunk's are its length (T, B)[0]
                lens = self._rec.lengths.get(tag)
                self._parts.setdefault(tag, []).append((n, lens))
            self._rec.clear()  # one record per optimizer step (chunk)

    def _close(self) -> None:
        if self._rec is not None:
            self._rec.__exit__(None, None, None)
            self._rec = None

    def on_batch_end(self, trainer, batch_index: int) -> None:
        if self._rec is None:
            return
        self._close()
        if not self._parts:
            if not self._warned:   # gradflow_every asked for a record; the rows would lack it silently
                self._warned = True
                warnings.warn("gradient flow: the recorded batch gave no record; only rnnkit recurrent layers "
                              "running the hand-written BPTT record it (engine 'auto', 'bptt' or 'fused'), not "
                              "engine 'native' or 'reference', MinGRU/MinLSTM or other modules", stacklevel=2)
            return
        joined = {tag: self._same_rows(tag, parts) for tag, parts in self._parts.items()}
        self.last_norms = {tag: torch.cat([n for n, _ in parts], 0) for tag, parts in joined.items()}
        # chunks joined in time: a sequence's valid steps are the sum of its chunks' (left-aligned, a sequence
        # that goes on fills its chunk); None when no chunk was padded
        self.last_lengths = {tag: sum(torch.full((n.shape[1],), n.shape[0], dtype=torch.long) if lens is None
                                      else lens for n, lens in parts)
                             for tag, parts in joined.items() if any(lens is not None for _, lens in parts)}
        self._parts = {}
        summary = summarize_gradient_flow(self.last_norms, lengths=self.last_lengths)
        for tag, s in summary.items():
            self._pending[f"gradflow/{tag}/ratio"] = s.ratio
            self._pending[f"gradflow/{tag}/min_ratio"] = s.min_ratio   # the worst sequences decide the flag
            self._pending[f"gradflow/{tag}/max_ratio"] = s.max_ratio
            self._pending[f"gradflow/{tag}/flag"] = s.flag
        if trainer.run_dir is not None and trainer.is_main:
            folder = trainer.run_dir / "gradflow"
            name = f"epoch-{trainer.epoch + 1:04d}"
            atomic_write_text(folder / f"{name}.json", dumps_json({tag: s.to_dict() for tag, s in summary.items()}))
            if self.plots:
                plot_gradient_flow(self.last_norms, folder / f"{name}.png", title=f"gradient flow, epoch {trainer.epoch + 1}",
                                   lengths=self.last_lengths)

    @staticmethod
    def _same_rows(tag, parts: list) -> list:
        """The leading chunks of ``parts`` that ran the first chunk's sequences (its batch size): a step_fn that
        leaves out the sequences that ended (training.md's advice for lengths of 0) ran fewer rows in a later
        chunk, which cannot be joined in time with the others (it was torch.cat's RuntimeError, ending the fit)."""
        width = parts[0][0].shape[1:]
        cut = next((i for i, (n, _) in enumerate(parts) if n.shape[1:] != width), len(parts))
        if cut < len(parts):
            warnings.warn(f"gradient flow: {tag}'s record joins the first {cut} of {len(parts)} truncated-BPTT chunks: "
                          f"chunk {cut + 1} ran {parts[cut][0].shape[1]} sequences, not {parts[0][0].shape[1]} (sequences "
                          "left out where they ended), so its rows are other sequences", stacklevel=3)
        return parts[:cut]

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        row.update(self._pending)
        self._pending = {}

    def on_exception(self, trainer, error: BaseException) -> None:
        self._close()

    def state_dict(self) -> dict:
        return {"pending": dict(self._pending)}

    def load_state_dict(self, state: dict) -> None:
        self._pending = dict(state["pending"])
