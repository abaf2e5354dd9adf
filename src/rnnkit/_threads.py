"""How many threads this process could start (a bound for ``--threads`` and ``ForecastConfig(threads=...)``: libgomp
fails to create a thread at the first parallel operation past it, and the process dies with SIGSEGV)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["max_threads"]


def max_threads() -> int | None:
    """The most threads this process could start, the smallest of: RLIMIT_NPROC, the kernel's ``threads-max`` and
    ``pid_max``, half of ``vm.max_map_count`` (a thread's stack and its guard are two mappings) and the cgroup's
    ``pids.max``; ``None`` when none can be read (not Linux)."""
    limits = []
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NPROC)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    for path, per_thread in (("/proc/sys/kernel/threads-max", 1), ("/proc/sys/kernel/pid_max", 1),
                             ("/proc/sys/vm/max_map_count", 2), ("/sys/fs/cgroup/pids.max", 1)):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text) // per_thread)
    return min(limits) if limits else None
