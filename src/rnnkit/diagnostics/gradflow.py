"""Gradient flow through time: summaries, vanishing/exploding flags, and a PNG plot.

Input: ``norms``, a dict ``{tag: tensor}`` as :class:`rnnkit.engine.gradflow.GradFlowRecorder` records it:
``(T, B)`` values of ‖∂L/∂h_t‖ per step and sequence (or ``(T,)``: one sequence, or a curve already
averaged), with index ``t`` the ``t``-th step the direction processed; and optionally each sequence's
valid length (``lengths``: one ``(B,)`` for every tag, or ``{tag: (B,)}``; by default the recorder's
``norms.lengths``, those the engine gave), else every sequence is ``T`` long.

The flag is computed **per sequence**, over its own valid steps: ``r_b = ‖∂L/∂h_0‖_b / ‖∂L/∂h_{L_b-1}‖_b``,
the gradient reaching the first step it processed over the one at its last valid step. (Before, it was a
ratio of batch means at steps 0 and ``T-1``: a long sequence whose early steps got nothing was hidden
behind a short, healthy one in the same batch, and ``T-1`` is padding for every shorter sequence.)
Sequences with no gradient at their last step are left out of the ratios.

* ``ratio``: the median of ``r_b`` (the typical sequence); ``min_ratio`` / ``max_ratio``: the extremes.
* ``"non-finite"`` when a sequence's first or last norm is NaN or infinite.
* ``"no-gradient"`` when no sequence has a gradient at its last step.
* ``"exploding"`` when ``max_ratio > EXPLODING_RATIO`` (1e3): some sequence's early steps get over a
  thousand times the gradient of its last step.
* ``"vanishing"`` when ``min_ratio < VANISHING_RATIO`` (1e-3): some sequence's earliest steps receive less
  than a thousandth of what its last step receives -- they barely learn.
* ``"ok"`` otherwise.

The ratio is most telling for a loss on the last step(s) (many-to-one): with a loss at every step,
each ‖∂L/∂h_t‖ also holds that step's own term, so the ratio stays near 1 even when long-range
gradients vanish. ``decay_per_step`` is the median over sequences of ``r_b ** (1/(L_b-1))``.
``mean_norms`` is the curve averaged over the sequences still valid at each step (``steps`` long: the
longest valid length); ``first`` / ``last`` the means of the sequences' first and last valid norms.

>>> import torch
>>> from rnnkit.diagnostics import summarize_gradient_flow
>>> norms = {"LSTM.l0.fwd": torch.tensor([1e-5, 1e-3, 1e-1, 1.0]).unsqueeze(1)}
>>> s = summarize_gradient_flow(norms)["LSTM.l0.fwd"]
>>> s.flag, round(s.ratio, 8), round(s.decay_per_step, 4)
('vanishing', 1e-05, 0.0215)

A long sequence that vanishes beside a short one that does not (lengths 4 and 2) is flagged:

>>> both = {"GRU.l0.fwd": torch.tensor([[1e-6, 1.0], [1e-3, 1.0], [1e-1, 0.0], [1.0, 0.0]])}
>>> s = summarize_gradient_flow(both, lengths=torch.tensor([4, 2]))["GRU.l0.fwd"]
>>> s.flag, round(s.min_ratio, 8), s.max_ratio
('vanishing', 1e-06, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rnnkit._io import to_jsonable
from rnnkit._plot import figure, png_path, save_png
from rnnkit._validate import check_number
from rnnkit.engine.masks import check_lengths
from rnnkit.errors import ConfigError, InputTypeError, ShapeError

__all__ = ["VANISHING_RATIO", "EXPLODING_RATIO", "GradFlowSummary", "summarize_gradient_flow", "mean_curve", "band",
           "plot_gradient_flow"]

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3


@dataclass(frozen=True)
class GradFlowSummary:
    """Per-tag summary of ‖∂L/∂h_t‖ over the steps (see the module docstring: ratios per sequence)."""

    steps: int
    mean_norms: list[float] = field(repr=False, hash=False)   # mean over the sequences valid at each step (one a
    #                           step: out of the repr, a line of 10,000 characters at 500 steps, and of the hash, which
    #                           a list refused: 'unhashable type')
    first: float              # mean ‖∂L/∂h_0‖ (first processed step)
    last: float               # mean ‖∂L/∂h_{L_b-1}‖ (each sequence's last valid step)
    ratio: float              # median over sequences of first_b / last_b
    decay_per_step: float     # median over sequences of ratio_b ** (1 / (L_b - 1)) (1.0 for L_b == 1)
    flag: str                 # "vanishing" | "exploding" | "ok" | "no-gradient" | "non-finite"
    min_ratio: float = math.nan   # the smallest per-sequence ratio (decides "vanishing")
    max_ratio: float = math.nan   # the largest (decides "exploding")
    sequences: int = 1            # sequences with a gradient at their last step (those in the ratios)

    def to_dict(self) -> dict:
        """The fields as JSON values (a non-finite ratio is ``None``)."""
        return to_jsonable(asdict(self))


def _as_matrix(tag, n) -> Tensor:
    """``norms[tag]`` as a float64 ``(T, B)`` CPU tensor."""
    if not isinstance(n, Tensor):
        raise InputTypeError(f"norms[{tag!r}]: expected a tensor of shape (T, B) or (T,), got {type(n).__name__}")
    if n.dim() not in (1, 2) or n.shape[0] == 0 or (n.dim() == 2 and n.shape[1] == 0):
        raise ShapeError(f"norms[{tag!r}]: expected shape (T, B) or (T,) with T >= 1 and B >= 1, got {tuple(n.shape)}")
    if n.is_complex() or n.dtype == torch.bool:   # were cast silently (the imaginary part dropped)
        raise InputTypeError(f"norms[{tag!r}]: expected real norms (a floating tensor), got dtype {n.dtype}")
    n = n.detach().to("cpu", torch.float64)
    if bool((n < 0).any()):   # a norm is >= 0: these are not norms (raw gradients?); they read as "vanishing"
        raise ShapeError(f"norms[{tag!r}]: expected norms >= 0 (or NaN/inf), got min {float(n.min())}")
    return n.unsqueeze(1) if n.dim() == 1 else n


def _lengths_for(tag, lengths, T: int, B: int) -> Tensor:
    """The ``(B,)`` valid lengths of ``tag``'s sequences (``T`` each when none are given); a sequence of
    length 0 (it ended before a truncated-BPTT chunk) has no step in the curve, the means or the ratios."""
    if isinstance(lengths, dict):
        lengths = lengths.get(tag)
    checked = None if lengths is None else check_lengths(lengths, B, T, device="cpu", min_len=0)
    return torch.full((B,), T, dtype=torch.long) if checked is None else checked.cpu()


def _median(values: Tensor) -> float:
    return float(values.quantile(0.5))     # the mean of the two middle values for an even count


def mean_curve(tag, n, lengths=None) -> Tensor:
    """``norms[tag]`` averaged over the sequences valid at each step (``(max length,)`` float64)."""
    m = _as_matrix(tag, n)
    lens = _lengths_for(tag, lengths, *m.shape)
    T = int(lens.max())
    valid = (torch.arange(T).unsqueeze(1) < lens.unsqueeze(0)).to(m.dtype)     # (T, B)
    return (m[:T] * valid).sum(1) / valid.sum(1)     # (0,) when every sequence has length 0


def band(tag, n, lengths=None, q: tuple[float, float] = (0.1, 0.9)) -> Tensor:
    """The ``q`` quantiles of ``norms[tag]`` over the sequences valid at each step, ``(2, max length)`` float64
    (the plot's band; padded steps are no norms: their zeros pulled the lower edge to 0 before session 15)."""
    m = _as_matrix(tag, n)
    lens = _lengths_for(tag, lengths, *m.shape)
    T = int(lens.max())
    valid = torch.arange(T).unsqueeze(1) < lens.unsqueeze(0)
    return torch.nanquantile(m[:T].masked_fill(~valid, math.nan), torch.tensor(q, dtype=m.dtype), dim=1)


def summarize_gradient_flow(norms: dict, vanishing: float = VANISHING_RATIO,
                            exploding: float = EXPLODING_RATIO, lengths=None) -> dict[str, GradFlowSummary]:
    """Summarise recorded norms per tag (see the module docstring for the formula and the flags;
    ``vanishing`` and ``exploding`` are numbers with ``0 < vanishing <= 1 <= exploding``; ``lengths``: the
    sequences' valid lengths, one ``(B,)`` tensor or list for every tag or ``{tag: lengths}``)."""
    if not isinstance(norms, dict):
        raise InputTypeError(f"norms: expected a dict {{tag: tensor}}, got {type(norms).__name__}")
    if lengths is None:   # a recorder's norms carry the lengths its engine gave
        lengths = getattr(norms, "lengths", None) or None
    vanishing = check_number("vanishing", vanishing, lo=0.0, hi=1.0, lo_open=True)
    exploding = check_number("exploding", exploding, lo=1.0)
    out = {}
    for tag, n in norms.items():
        m = _as_matrix(tag, n)
        lens = _lengths_for(tag, lengths, *m.shape)
        curve = mean_curve(tag, m, lens)
        m, lens = m[:, lens > 0], lens[lens > 0]      # a sequence of length 0 read no step
        firsts = m[0]
        lasts = m.gather(0, (lens - 1).unsqueeze(0)).squeeze(0)
        finite = bool(torch.isfinite(firsts).all() and torch.isfinite(lasts).all())
        live = lasts != 0
        ratios = firsts[live] / lasts[live] if finite else firsts.new_empty(0)
        if not finite:
            flag = "non-finite"
        elif ratios.numel() == 0:
            flag = "no-gradient"
        elif float(ratios.max()) > exploding:
            flag = "exploding"
        elif float(ratios.min()) < vanishing:
            flag = "vanishing"
        else:
            flag = "ok"
        if ratios.numel():
            ratio, lo, hi = _median(ratios), float(ratios.min()), float(ratios.max())
            span = (lens[live] - 1).to(torch.float64)
            decays = torch.where(span > 0, ratios.clamp_min(0) ** (1.0 / span.clamp_min(1)), torch.ones_like(ratios))
            decay = _median(decays)
        else:
            ratio = lo = hi = decay = math.nan
            if finite and bool((firsts != 0).any()):   # gradient at the start, none at the end
                ratio = lo = hi = math.inf
        mean = lambda v: float(v.mean()) if v.numel() else math.nan  # noqa: E731
        out[str(tag)] = GradFlowSummary(steps=curve.shape[0], mean_norms=curve.tolist(), first=mean(firsts),
                                        last=mean(lasts), ratio=ratio, decay_per_step=decay, flag=flag,
                                        min_ratio=lo, max_ratio=hi, sequences=int(ratios.numel()))
    return out


def plot_gradient_flow(norms: dict, path: str | Path, title: str | None = None, lengths=None,
                       summaries: dict | None = None) -> Path:
    """Plot ‖∂L/∂h_t‖ against the step (log scale), one line per tag, band = 10-90 % over the batch.

    The legend gives each tag's ``ratio`` and ``flag`` from :func:`summarize_gradient_flow` of ``norms``, or from
    ``summaries`` (``{tag: summary}``, a :class:`GradFlowSummary` or its dict) where the norms given are already
    a batch's mean curve: the curve's own first/last is the ratio of the batch means, not the per-sequence median.

    Writes a PNG with matplotlib's Agg canvas (no global backend change), atomically, and returns the path.
    """
    path = png_path(path)      # checked before drawing
    if lengths is None:
        lengths = getattr(norms, "lengths", None) or None
    summary = summarize_gradient_flow(norms, lengths=lengths)
    fig, ax = figure(figsize=(7, 4), dpi=100)
    tiny = 1e-30
    for tag, n in norms.items():
        curve = mean_curve(tag, n, lengths).clamp_min(tiny)
        steps = list(range(curve.shape[0]))
        s = summary[str(tag)]
        ratio, flag = s.ratio, s.flag
        if summaries is not None and str(tag) in summaries:
            given = summaries[str(tag)]
            ratio, flag = (given["ratio"], given["flag"]) if isinstance(given, dict) else (given.ratio, given.flag)
        shown = f"{ratio:.2g}" if isinstance(ratio, (int, float)) else "n/a"   # a saved summary's inf/NaN is null
        ax.plot(steps, curve.tolist(), label=f"{tag} (ratio {shown}, {flag})")
        if n.dim() == 2 and n.shape[1] > 1 and steps:   # no step when every sequence has length 0
            q = band(tag, n, lengths)
            ax.fill_between(steps, q[0].clamp_min(tiny).tolist(), q[1].clamp_min(tiny).tolist(), alpha=0.2)
    ax.set_yscale("log")
    ax.set_xlabel("step t (order processed; backward directions run from the end)")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title(title or "gradient flow through time")
    ax.grid(True, which="both", alpha=0.3)
    if summary:
        ax.legend(fontsize=7)
    else:   # an empty frame with matplotlib's "No artists with labels" warning before: say why it is empty
        ax.text(0.5, 0.5, "no record: only rnnkit layers running the hand-written BPTT\n(engine 'auto', 'bptt' or "
                "'fused') record the gradient flow", ha="center", va="center", transform=ax.transAxes, fontsize=8)
    return save_png(fig, path)
