"""How much memory a run can still use, and sizes for people: the floor under every "fits in memory"
check (the CLI's :func:`rnnkit.cli.common.check_memory`, the forecaster's horizon check), kept below
both so that tasks never import the CLI."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_memory", "human_size", "require_memory"]

#: the cgroup (v2) folder whose ``memory.max`` and ``memory.current`` bound what a run can use
CGROUP = Path("/sys/fs/cgroup")


def available_memory(device: str = "cpu") -> int | None:
    """Bytes of memory a run can still use: ``MemAvailable`` of ``/proc/meminfo`` (else the available
    pages from ``os.sysconf``), capped by what the cgroup has left (``memory.max`` less ``memory.current``, whose
    inactive page cache the kernel reclaims: :func:`_inactive_file`);
    on ``cuda`` the device's free memory.
    ``None`` when it cannot be told."""
    if str(device).startswith("cuda"):
        import torch

        # the device asked for: mem_get_info() without one measured the current device ('cuda:1' read cuda:0's)
        return int(torch.cuda.mem_get_info(torch.device(str(device)))[0]) if torch.cuda.is_available() else None
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    try:   # what the cgroup has left: its limit less what it already uses (the limit alone overstated it)
        limit = (CGROUP / "memory.max").read_text().strip()
        if limit.isdigit():
            used = (CGROUP / "memory.current").read_text().strip()
            used_n = max(int(used) - _inactive_file(), 0) if used.isdigit() else 0
            avail = min(avail, max(int(limit) - used_n, 0))
    except OSError:
        pass
    return avail


def _inactive_file() -> int:
    """Bytes of the cgroup's ``memory.current`` that are inactive page cache (``memory.stat``'s
    ``inactive_file``), which the kernel reclaims before it would stop a run: ``docker stats`` and cAdvisor's
    working set count usage less it. ``memory.current`` counts every file the container read, so after reading
    its data it sits near ``memory.max`` and the limit less it refused runs that fit. 0 when it cannot be read."""
    try:
        for line in (CGROUP / "memory.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "inactive_file" and value.strip().isdigit():
                return int(value)
    except OSError:
        pass
    return 0


def human_size(n: float) -> str:
    """``n`` bytes as people read them, e.g. ``1.5 GB``; beyond a million PB with an exponent.

    >>> human_size(1536), human_size(3 * 1024 ** 3), human_size(1e300)
    ('1.5 KB', '3.0 GB', '8.88e+284 PB')
    """
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            if unit == "PB" and n >= 1e6:    # 1e300 bytes: not a 290-digit number of PB
                return f"{n:.3g} PB"
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def require_memory(name: str, need: int, got: object, what: str) -> None:
    """A ConfigError naming ``name`` when ``need`` bytes exceed :func:`available_memory` (nothing when it
    cannot be told): ``"{name}: expected {what} (... available), got {got}, which would need at least
    ..."``, ``what`` saying what must fit (``"a length whose text fits in memory"``). Before the work,
    instead of the allocator's error (or the OOM killer, or hours of work whose result cannot be held)
    deep inside it."""
    from rnnkit.errors import ConfigError

    avail = available_memory("cpu")
    if avail is not None and need > avail:
        raise ConfigError(f"{name}: expected {what} ({human_size(avail)} available), got {got}, which would "
                          f"need at least {human_size(need)}")
