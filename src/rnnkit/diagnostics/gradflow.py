"""Gradient flow through time: summaries, vanishing/exploding flags, and a PNG plot.

Input: ``norms``, a dict ``{tag: tensor}`` as :class:`rnnkit.engine.gradflow.GradFlowRecorder` records it:
``(T, B)`` values of ‖∂L/∂h_t‖ per step and sequence (or ``(T,)`` already averaged over the batch), with
index ``t`` the ``t``-th step the direction processed.

The flag compares the gradient reaching the first processed step with the one at the last:
``ratio = mean_b ‖∂L/∂h_0‖ / mean_b ‖∂L/∂h_{T-1}‖``.

* ``"vanishing"`` when ``ratio < VANISHING_RATIO`` (1e-3): the earliest steps receive less than a
  thousandth of the gradient the last step receives -- they barely learn.
* ``"exploding"`` when ``ratio > EXPLODING_RATIO`` (1e3).
* ``"ok"`` otherwise; ``"no-gradient"`` when the last step's norm is 0; ``"non-finite"`` when the first
  or the last step's norm is NaN or infinite (a NaN gradient was flagged ``"ok"`` before: every
  comparison with NaN is false).

The ratio is most telling for a loss on the last step(s) (many-to-one): with a loss at every step,
each ‖∂L/∂h_t‖ also holds that step's own term, so the ratio stays near 1 even when long-range
gradients vanish. ``decay_per_step`` is the geometric mean factor per step, ``ratio ** (1/(T-1))``.

>>> import torch
>>> from rnnkit.diagnostics import summarize_gradient_flow
>>> norms = {"LSTM.l0.fwd": torch.tensor([1e-5, 1e-3, 1e-1, 1.0]).unsqueeze(1)}
>>> s = summarize_gradient_flow(norms)["LSTM.l0.fwd"]
>>> s.flag, round(s.ratio, 8), round(s.decay_per_step, 4)
('vanishing', 1e-05, 0.0215)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import Tensor

from rnnkit._io import to_jsonable
from rnnkit._plot import figure, save_png
from rnnkit._validate import check_number
from rnnkit.errors import InputTypeError, ShapeError

__all__ = ["VANISHING_RATIO", "EXPLODING_RATIO", "GradFlowSummary", "summarize_gradient_flow",
           "plot_gradient_flow"]

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3


@dataclass(frozen=True)
class GradFlowSummary:
    """Per-tag summary of ‖∂L/∂h_t‖ over the steps (means over the batch)."""

    steps: int
    mean_norms: list[float]
    first: float              # mean ‖∂L/∂h_0‖ (first processed step)
    last: float               # mean ‖∂L/∂h_{T-1}‖
    ratio: float              # first / last
    decay_per_step: float     # ratio ** (1 / (T - 1)) (1.0 for T == 1)
    flag: str                 # "vanishing" | "exploding" | "ok" | "no-gradient" | "non-finite"

    def to_dict(self) -> dict:
        """The fields as JSON values (a non-finite ratio is ``None``)."""
        return to_jsonable(asdict(self))


def _mean_curve(tag, n) -> Tensor:
    if not isinstance(n, Tensor):
        raise InputTypeError(f"norms[{tag!r}]: expected a tensor of shape (T, B) or (T,), got {type(n).__name__}")
    if n.dim() not in (1, 2) or n.shape[0] == 0:
        raise ShapeError(f"norms[{tag!r}]: expected shape (T, B) or (T,) with T >= 1, got {tuple(n.shape)}")
    n = n.detach().to("cpu", torch.float64)
    return n.mean(1) if n.dim() == 2 else n


def summarize_gradient_flow(norms: dict, vanishing: float = VANISHING_RATIO,
                            exploding: float = EXPLODING_RATIO) -> dict[str, GradFlowSummary]:
    """Summarise recorded norms per tag (see the module docstring for the flag thresholds; ``vanishing`` and
    ``exploding`` are numbers with ``0 < vanishing <= 1 <= exploding``)."""
    if not isinstance(norms, dict):
        raise InputTypeError(f"norms: expected a dict {{tag: tensor}}, got {type(norms).__name__}")
    vanishing = check_number("vanishing", vanishing, lo=0.0, hi=1.0, lo_open=True)
    exploding = check_number("exploding", exploding, lo=1.0)
    out = {}
    for tag, n in norms.items():
        curve = _mean_curve(tag, n)
        T = curve.shape[0]
        first, last = float(curve[0]), float(curve[-1])
        if not (math.isfinite(first) and math.isfinite(last)):
            ratio, flag = math.nan, "non-finite"
        elif last == 0.0:
            ratio, flag = (math.nan if first == 0.0 else math.inf), "no-gradient"
        else:
            ratio = first / last
            flag = "vanishing" if ratio < vanishing else "exploding" if ratio > exploding else "ok"
        if T > 1 and math.isfinite(ratio) and ratio > 0:
            decay = ratio ** (1.0 / (T - 1))
        elif T == 1:
            decay = 1.0
        else:
            decay = 0.0 if ratio == 0 else math.nan
        out[str(tag)] = GradFlowSummary(steps=T, mean_norms=curve.tolist(), first=first, last=last,
                                        ratio=ratio, decay_per_step=decay, flag=flag)
    return out


def plot_gradient_flow(norms: dict, path: str | Path, title: str | None = None) -> Path:
    """Plot ‖∂L/∂h_t‖ against the step (log scale), one line per tag, band = 10-90 % over the batch.

    Writes a PNG with matplotlib's Agg canvas (no global backend change), atomically, and returns the path.
    """
    summary = summarize_gradient_flow(norms)
    path = Path(path)
    fig, ax = figure(figsize=(7, 4), dpi=100)
    tiny = 1e-30
    for tag, n in norms.items():
        curve = _mean_curve(tag, n).clamp_min(tiny)
        steps = list(range(curve.shape[0]))
        s = summary[str(tag)]
        ax.plot(steps, curve.tolist(), label=f"{tag} (ratio {s.ratio:.2g}, {s.flag})")
        if n.dim() == 2 and n.shape[1] > 1:
            q = torch.quantile(n.detach().to("cpu", torch.float64), torch.tensor([0.1, 0.9], dtype=torch.float64), dim=1)
            ax.fill_between(steps, q[0].clamp_min(tiny).tolist(), q[1].clamp_min(tiny).tolist(), alpha=0.2)
    ax.set_yscale("log")
    ax.set_xlabel("step t (order processed; backward directions run from the end)")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title(title or "gradient flow through time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return save_png(fig, path)
