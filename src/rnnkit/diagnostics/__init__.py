"""Diagnostics: gradient flow through time (‖∂L/∂h_t‖ per step), vanishing/exploding flags, plots.

Record with :class:`rnnkit.engine.gradflow.GradFlowRecorder` (or ``TrainConfig(gradflow_every=N)``), then
summarise and plot::

    with GradFlowRecorder() as rec:
        loss_fn(model, batch).backward()
    summarize_gradient_flow(rec.norms)       # {tag: GradFlowSummary(..., ratio, flag)}
    plot_gradient_flow(rec.norms, "gradflow.png")
"""

from rnnkit.diagnostics.gradflow import (
    EXPLODING_RATIO,
    VANISHING_RATIO,
    GradFlowSummary,
    plot_gradient_flow,
    summarize_gradient_flow,
)
from rnnkit.engine.gradflow import GradFlowRecorder

__all__ = ["GradFlowRecorder", "GradFlowSummary", "summarize_gradient_flow", "plot_gradient_flow",
           "VANISHING_RATIO", "EXPLODING_RATIO"]
