"""Data-parallel training with PyTorch DDP, launched by ``torchrun`` (no home-made launcher).

``torchrun`` starts one process per device and sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``. In a training script::

    from rnnkit.training import Trainer, distributed as dist

    env = dist.setup()                                   # gloo on CPU, nccl on GPU; no-op without torchrun
    model = build_model().to(env.device)
    loader = dist.make_loader(dataset, batch_size=32 // env.world_size, shuffle=True, seed=0)
    Trainer(model, loss_fn, config=cfg, run_dir="runs/x").fit(loader)   # wraps the model in DDP itself
    dist.cleanup()

and launch ``torchrun --standalone --nproc_per_node=4 train.py`` (one machine, four GPUs) or, on each of
several machines, ``torchrun --nnodes=2 --node_rank=R --nproc_per_node=8 --rdzv_backend=c10d
--rdzv_endpoint=HOST:29500 train.py`` (see docs/training.md). Every process computes the loss on its
share of the batch; DDP averages the gradients, so a step equals one process's step on the global
batch. Only rank 0 writes checkpoints, logs and the final weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as td
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from rnnkit._validate import is_int
from rnnkit.errors import ConfigError

__all__ = ["DistEnv", "setup", "cleanup", "is_distributed", "rank", "world_size", "is_main_process",
           "wrap_model", "unwrap_model", "make_loader", "all_reduce_sum", "barrier"]


@dataclass(frozen=True)
class DistEnv:
    """Where this process runs: ``rank`` of ``world_size`` processes, ``local_rank`` on its machine."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    backend: str | None = None
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}: expected an int, got {raw!r}") from None


def setup(backend: str | None = None, device: str | None = None) -> DistEnv:
    """Initialise the process group from torchrun's environment variables.

    Without them (``WORLD_SIZE`` unset or 1) nothing is initialised and a single-process
    :class:`DistEnv` is returned, so the same script runs with plain ``python``. ``backend`` defaults to
    ``nccl`` when CUDA is available (and ``device`` is not ``"cpu"``), else ``gloo``. On GPU each process
    uses ``cuda:LOCAL_RANK``.
    """
    world = _env_int("WORLD_SIZE", 1)
    rank_, local = _env_int("RANK", 0), _env_int("LOCAL_RANK", 0)
    use_cuda = torch.cuda.is_available() and device != "cpu"
    if device is not None and device not in ("cpu", "cuda"):
        raise ConfigError(f"device: expected 'cpu', 'cuda' or None, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: expected an available CUDA device for 'cuda', got none (torch.cuda.is_available() is False)")
    dev = torch.device("cuda", local % max(torch.cuda.device_count(), 1)) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world <= 1:
        return DistEnv(device=dev)
    backend = backend or ("nccl" if use_cuda else "gloo")
    if backend not in ("gloo", "nccl", "mpi"):
        raise ConfigError(f"backend: expected 'gloo', 'nccl' or 'mpi', got {backend!r}")
    if not td.is_initialized():
        kw = {"device_id": dev} if backend == "nccl" else {}
        td.init_process_group(backend=backend, rank=rank_, world_size=world, **kw)
    return DistEnv(rank=rank_, local_rank=local, world_size=world, backend=backend, device=dev)


def cleanup() -> None:
    """Destroy the process group (if any)."""
    if td.is_available() and td.is_initialized():
        td.destroy_process_group()


def is_distributed() -> bool:
    """Whether a process group with more than one process is running."""
    return td.is_available() and td.is_initialized() and td.get_world_size() > 1


def rank() -> int:
    return td.get_rank() if td.is_available() and td.is_initialized() else 0


def world_size() -> int:
    return td.get_world_size() if td.is_available() and td.is_initialized() else 1


def is_main_process() -> bool:
    """Rank 0 (or the only process): the one that writes files."""
    return rank() == 0


def barrier() -> None:
    if is_distributed():
        td.barrier()


def wrap_model(model: nn.Module, device: torch.device | None = None) -> nn.Module:
    """Wrap in ``DistributedDataParallel`` when distributed (else return ``model`` unchanged)."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    if not is_distributed() or isinstance(model, DDP):
        return model
    device = device or next(model.parameters()).device
    if device.type == "cuda":
        return DDP(model, device_ids=[device.index], output_device=device.index)
    return DDP(model)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (or ``model`` itself)."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    return model.module if isinstance(model, DDP) else model


def make_loader(dataset: Dataset, batch_size: int, *, shuffle: bool = True, seed: int = 0,
                drop_last: bool = False, **kwargs) -> DataLoader:
    """A DataLoader that shards ``dataset`` across processes with ``DistributedSampler`` when
    distributed (``batch_size`` is per process), else shuffles with a seeded generator.

    The :class:`~rnnkit.training.Trainer` calls ``sampler.set_epoch(epoch)`` (and reseeds the generator)
    at every epoch, so the order is reproducible and different each epoch.
    """
    if not is_int(batch_size) or batch_size < 1:
        raise ConfigError(f"batch_size: expected a positive int, got {batch_size!r}")
    if is_distributed():
        sampler = DistributedSampler(dataset, num_replicas=world_size(), rank=rank(), shuffle=shuffle,
                                     seed=seed, drop_last=drop_last)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=drop_last, **kwargs)
    g = torch.Generator()
    g.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=g, drop_last=drop_last, **kwargs)


def all_reduce_sum(values: list[float], device: torch.device | None = None) -> list[float]:
    """Sum a list of floats over all processes (identity when not distributed)."""
    if not is_distributed():
        return list(values)
    backend = td.get_backend()
    dev = device if device is not None else (torch.device("cuda", torch.cuda.current_device())
                                             if backend == "nccl" else torch.device("cpu"))
    t = torch.tensor(values, dtype=torch.float64, device=dev)
    td.all_reduce(t, op=td.ReduceOp.SUM)
    return t.cpu().tolist()
