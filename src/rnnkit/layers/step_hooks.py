"""The streaming ``step`` of a layer runs the layer's forward pre-hooks, as a call of the module does.

``step`` is a method, not ``forward``, so ``Module.__call__`` never ran the hooks for it. Some PyTorch
reparametrisations recompute a weight in a forward pre-hook: ``torch.nn.utils.prune`` (``weight = orig * mask``)
and the legacy ``torch.nn.utils.weight_norm`` / ``spectral_norm``. Without their hooks a ``step`` after an
optimiser update computed with the weight of the last full call: silently other numbers than the call of the
same one-step sequence (:func:`run_forward_pre_hooks`). The forward hooks and backward hooks are a call's, and
stay so (a step is not a call of ``forward``); ``torch.nn.utils.parametrize`` and
``torch.nn.utils.parametrizations`` compute the weight when it is read and never needed this. The global forward
pre-hooks (``register_module_forward_pre_hook``) are not run: they are tools' -- FlopCounterMode's and
ModuleTracker's -- each paired with a global forward hook that marks the module left, which a step never runs, so
the layer stayed entered and FlopCounterMode counted every later module's flops under it too.

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

from typing import Any

from torch import nn

from rnnkit.errors import ConfigError

__all__ = ["hooked_step_inputs", "run_forward_pre_hooks", "step_arguments"]


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


def hooked_step_inputs(module: nn.Module, x_t: Any, state: Any) -> tuple[Any, Any]:
    """``(x_t, state)`` after ``module``'s forward pre-hooks ran on them: the first line of every ``step``."""
    return step_arguments(run_forward_pre_hooks(module, (x_t, state)))
