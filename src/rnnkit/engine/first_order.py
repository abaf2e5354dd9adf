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

Forward-mode AD (``torch.autograd.forward_ad``: dual tensors, ``make_dual``) cannot run them either: a
custom Function needs a ``jvp`` for it, which these have not (torch's bare NotImplementedError from inside
the engine). :func:`forward_ad_active` tells a layer that a dual tensor reaches it, so ``"auto"`` takes an
autograd path, and :func:`refuse_forward_ad` names the option of an explicit hand-written one.

A backward run under ``vmap`` (``torch.autograd.grad(..., is_grads_batched=True)``,
``torch.autograd.functional.jacobian(..., vectorize=True)``, ``gradcheck``'s ``check_batched_grad``) cannot
run the chunked scans' backward, which writes into preallocated tensors (``out=``, ``copy_``): it calls
:func:`refuse_batched_backward` first, naming the option (torch's bare "Batching rule not implemented for
aten::addcmul.out" before).

Not recomputing through an autograd path inside the backward is deliberate: that would need the
projected inputs kept alive for every training step (about half again the activation memory of an LSTM)
for a use few models have.
"""

from __future__ import annotations

import torch

from rnnkit.errors import ConfigError

__all__ = ["refuse_double_backward", "functorch_active", "refuse_functorch", "forward_ad_active", "refuse_forward_ad",
           "refuse_batched_backward", "refuse_unsupported_backward", "run_native_transformed"]


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


def run_native_transformed(run, lengths):
    """``run()`` (torch's RNN kernels, ``engine="native"`` asked for by name) under a ``torch.func`` transform;
    where the kernels cannot run there, a :class:`~rnnkit.errors.ConfigError` naming the engine instead of torch's
    bare RuntimeError: under ``vmap`` (and ``jacrev``/``jacfwd``/``hessian``, which batch with it) of the input,
    state or weights ("Batching rule not implemented for aten::lstm.input"), and with ``lengths`` under any
    transform (the packed sequence the kernels read: "Cannot access data pointer of Tensor that doesn't have
    storage"). torch.nn.LSTM fails there the same way; ``"auto"`` runs the autograd loop (``"reference"``)
    under a transform, with the same numbers. A call the kernels can run (``grad`` without lengths, a ``vmap``
    that batches none of the layer's tensors) runs as before."""
    try:
        return run()
    except RuntimeError as e:
        text = str(e)
        if "Batching rule not implemented" in text:
            where = "under torch.func.vmap (jacrev, jacfwd and hessian batch with it): torch's RNN kernels have " \
                    "no batching rule"
        elif lengths is not None and "doesn't have storage" in text:
            where = "with lengths under torch.func transforms: torch's packed sequences cannot run in them"
        else:
            raise
        raise ConfigError(f"engine: expected 'auto' or 'reference' {where}, got 'native'") from None


def forward_ad_active(tensors) -> bool:
    """Whether forward-mode AD carries a tangent on any of ``tensors`` (``None`` entries skipped): a
    ``torch.autograd.forward_ad.dual_level`` is open and one of them is a dual tensor."""
    from torch.autograd import forward_ad

    if getattr(forward_ad, "_current_level", 0) < 0:    # no dual level open: the common case, no tensor read
        return False
    return any(t is not None and forward_ad.unpack_dual(t).tangent is not None for t in tensors)


def refuse_forward_ad(name: str, value: str, instead: str, tensors) -> None:
    """Raise :class:`~rnnkit.errors.ConfigError` (``name: expected <instead> under forward-mode AD ...,
    got <value>``) when a dual tensor (:func:`forward_ad_active`) reaches a hand-written path."""
    if forward_ad_active(tensors):
        raise ConfigError(f"{name}: expected {instead} under forward-mode AD (dual tensors of "
                          f"torch.autograd.forward_ad), got {value!r}, whose derivatives are hand-written "
                          "reverse-mode only")


def refuse_batched_backward(name: str, value: str, instead: str, grads) -> None:
    """Raise :class:`~rnnkit.errors.ConfigError` when the calling backward runs batched: under ``vmap``,
    or given ``grads`` batched by autograd's own vmap (``is_grads_batched=True``, ``jacobian(vectorize=True)``,
    ``check_batched_grad``, whose tensors are the legacy batched kind, no transform active)."""
    if torch.compiler.is_compiling():   # dynamo cannot trace is_legacy_batchedtensor: fullgraph=True of the chunked
        return                          # scan's layers failed; no batched gradient reaches a backward traced there
    legacy = getattr(torch._C._functorch, "is_legacy_batchedtensor", None)
    if functorch_active() or (legacy is not None and any(g is not None and legacy(g) for g in grads)):
        raise ConfigError(f"{name}: expected {instead} for a batched backward (torch.autograd.grad with "
                          f"is_grads_batched=True, jacobian(vectorize=True), gradcheck's check_batched_grad), got "
                          f"{value!r}, whose backward writes into preallocated tensors, which vmap cannot batch")


def refuse_unsupported_backward(name: str, value: str, instead: str, grads) -> None:
    """The first line of a hand-written first-order backward: :func:`refuse_double_backward`, then
    :func:`refuse_batched_backward` on the incoming ``grads``."""
    refuse_double_backward(name, value, instead)
    refuse_batched_backward(name, value, instead, grads)
