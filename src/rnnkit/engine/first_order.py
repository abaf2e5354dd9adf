"""The hand-written backward passes (BPTT, the chunked and Triton scans) are first-order.

Their backward runs on saved activations outside autograd, so differentiating it again would lose every
path through those activations: a second derivative would come back ``None`` or wrong. Each such
backward calls :func:`refuse_double_backward` first, which raises a typed error when autograd asks for a
differentiable backward (``torch.autograd.grad(..., create_graph=True)``, ``backward(create_graph=True)``;
autograd runs a backward with grad mode on exactly then), naming the option that gives second
derivatives instead: the autograd paths (``engine="reference"`` or ``"native"``; ``scan="log"`` or
``"sequential"``). torch's cuDNN RNN refuses double backward the same way.

The same Functions keep their per-step caches on ``ctx`` inside ``forward``, which ``torch.func`` transforms
(``grad``, ``vmap``, ``jacrev``, ...) cannot run (torch asks for a ``setup_context``): under a transform
the layers' ``"auto"`` takes the autograd path, and an explicit hand-written path is refused by
:func:`refuse_functorch` naming the option, instead of torch's RuntimeError from inside the engine.

Not recomputing through an autograd path inside the backward is deliberate: that would need the
projected inputs kept alive for every training step (about half again the activation memory of an LSTM)
for a use few models have.
"""

from __future__ import annotations

import torch

from rnnkit.errors import ConfigError

__all__ = ["refuse_double_backward", "functorch_active", "refuse_functorch"]


def refuse_double_backward(name: str, value: str, instead: str) -> None:
    """Raise :class:`~rnnkit.errors.ConfigError` (``name: expected <instead> ..., got <value>``) when the
    calling backward runs under grad mode, i.e. when autograd was asked for a graph of the gradient."""
    if torch.is_grad_enabled():
        raise ConfigError(f"{name}: expected {instead} for second derivatives (a backward with create_graph=True), "
                          f"got {value!r}, whose backward is hand-written and first-order only")


def functorch_active() -> bool:
    """Whether a ``torch.func`` transform (``grad``, ``vmap``, ``jacrev``, ...) is running this call."""
    active = getattr(torch._C, "_are_functorch_transforms_active", None)
    return bool(active is not None and active())


def refuse_functorch(name: str, value: str, instead: str) -> None:
    """Raise :class:`~rnnkit.errors.ConfigError` (``name: expected <instead> under torch.func ..., got
    <value>``) when a ``torch.func`` transform is running the call."""
    if functorch_active():
        raise ConfigError(f"{name}: expected {instead} under torch.func transforms (grad, vmap, jacrev, ...), got "
                          f"{value!r}, whose backward is hand-written outside autograd")
