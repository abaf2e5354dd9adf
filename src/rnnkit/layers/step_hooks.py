"""The streaming ``step`` of a layer runs the layer's own forward pre-hooks and forward hooks, as a call does.

``step`` is a method, not ``forward``, so ``Module.__call__`` never ran the hooks for it. Some PyTorch
reparametrisations recompute a weight in a forward pre-hook: ``torch.nn.utils.prune`` (``weight = orig * mask``)
and the legacy ``torch.nn.utils.weight_norm`` / ``spectral_norm``. Without their hooks a ``step`` after an
optimiser update computed with the weight of the last full call: silently other numbers than the call of the
same one-step sequence (session 24, :func:`run_forward_pre_hooks`). Session 25: a step is a call of the layer on
one step, so its forward hooks run after it too (:func:`hooked_step`), in ``__call__``'s order and with its
rules: they see the arguments the pre-hooks left and the step's ``(y_t, state)``, a value one returns replaces
that output, ``with_kwargs=True`` hooks get ``{}``, ``always_call=True`` hooks run when the step raises. Before,
only the pre-hooks ran: a pre-hook paired with a forward hook (a timer, an activation recorder, a tracker) saw
every step enter and none leave, and an output hook silently did nothing on a stream. Backward hooks stay a
call's (a step is not ``Module.__call__``, which wraps inputs and outputs for them). The global hooks
(``register_module_forward_pre_hook`` / ``register_module_forward_hook``) are not run, neither kind: they are
tools' -- FlopCounterMode's and ModuleTracker's -- and a pre-hook run without its pair left the layer entered for
good (FlopCounterMode counted every later module's flops under it).

>>> import torch, rnnkit
>>> from torch.nn.utils import prune
>>> gru = rnnkit.GRU(2, 3)
>>> _ = prune.l1_unstructured(gru, "weight_hh_l0", amount=0.5)
>>> with torch.no_grad():
...     _ = gru.weight_hh_l0_orig.mul_(2.0)        # an optimiser step changes the pruned weight's source
>>> x, h = torch.randn(4, 2), torch.randn(1, 4, 3)
>>> torch.allclose(gru.step(x, h)[0], gru(x.unsqueeze(0), h)[0][0])
True
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from torch import nn

from rnnkit.errors import ConfigError

__all__ = ["hooked_step", "run_forward_hooks", "run_forward_pre_hooks", "step_arguments"]


def run_forward_pre_hooks(module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Run ``module``'s own forward pre-hooks on ``args`` (``(x_t, state)``), in the order ``Module.__call__``
    does; a hook that returns a value replaces the arguments, as there (a single value becomes ``(value,)``).
    Returns the arguments. A hook registered ``with_kwargs=True`` that returns keyword arguments is a ConfigError
    (``step`` takes none). The global pre-hooks are left to calls (the module docstring: a tracker's pre-hook
    without its forward hook left the layer entered for good)."""
    with_kwargs = getattr(module, "_forward_pre_hooks_with_kwargs", {})
    own = getattr(module, "_forward_pre_hooks", {})
    if not own:
        return args
    for hook_id, hook in own.items():
        if hook_id in with_kwargs:
            result = hook(module, args, {})
            if result is not None:
                if not isinstance(result, tuple) or len(result) != 2:
                    raise ConfigError(f"step: expected a forward pre-hook with kwargs to return (args, kwargs) "
                                      f"or None, got {type(result).__name__}")
                new_args, kwargs = result
                if kwargs:
                    raise ConfigError(f"step: expected a forward pre-hook that passes no keyword arguments "
                                      f"(step takes x_t and state), got {sorted(kwargs)}")
                args = _replace(args, new_args)
        else:
            args = _replace(args, hook(module, args))
    return args


def _replace(args: tuple[Any, ...], result: Any) -> tuple[Any, ...]:
    if result is None:
        return args
    return result if isinstance(result, tuple) else (result,)


def step_arguments(args: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(x_t, state)`` from the arguments the hooks left (``state`` ``None`` when a hook returned ``x_t`` alone)."""
    if len(args) not in (1, 2):
        raise ConfigError(f"step: expected a forward pre-hook to leave (x_t, state) or (x_t,), got {len(args)} "
                          "arguments")
    return args[0], (args[1] if len(args) == 2 else None)


def run_forward_hooks(module: nn.Module, args: tuple[Any, ...], output: Any) -> Any:
    """Run ``module``'s own forward hooks on ``(args, output)`` in ``Module.__call__``'s order (``with_kwargs=True``
    ones get ``{}`` as the keyword arguments); a hook that returns a value replaces the output. Returns the output."""
    with_kwargs = getattr(module, "_forward_hooks_with_kwargs", {})
    for hook_id, hook in getattr(module, "_forward_hooks", {}).items():
        result = hook(module, args, {}, output) if hook_id in with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    return output


def _run_always_called(module: nn.Module, args: tuple[Any, ...]) -> None:
    """After a step raised: its ``always_call=True`` forward hooks with output ``None``; an error of one is a
    warning (the step's error is the one raised), as in ``Module.__call__``."""
    always = getattr(module, "_forward_hooks_always_called", {})
    with_kwargs = getattr(module, "_forward_hooks_with_kwargs", {})
    for hook_id, hook in getattr(module, "_forward_hooks", {}).items():
        if hook_id not in always:
            continue
        try:
            hook(module, args, {}, None) if hook_id in with_kwargs else hook(module, args, None)
        except Exception as e:   # noqa: BLE001 -- torch silences it the same way
            warnings.warn("module forward hook with ``always_call=True`` raised an exception that was silenced as "
                          f"another error was raised in step: {e}", stacklevel=3)


def hooked_step(step: Callable) -> Callable:
    """Decorate a layer's ``step(self, x_t, state=None)``: the layer's own forward pre-hooks on ``(x_t, state)``,
    the step on the arguments they leave, then its own forward hooks on the step's output (see the module
    docstring)."""
    @functools.wraps(step)
    def call(self, x_t: Any, state: Any = None):
        args = run_forward_pre_hooks(self, (x_t, state))
        x_t, state = step_arguments(args)
        if not getattr(self, "_forward_hooks", None):
            return step(self, x_t, state)
        try:
            output = step(self, x_t, state)
        except Exception:
            _run_always_called(self, args)
            raise
        return run_forward_hooks(self, args, output)

    return call
