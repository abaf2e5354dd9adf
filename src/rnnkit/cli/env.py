"""``rnnkit env``: versions, platform, devices and threads, for bug reports.

    rnnkit env            # readable listing
    rnnkit env --json     # one JSON object

:func:`collect_env` returns the same dict for programs and tests.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import sys

from rnnkit._version import __version__
from rnnkit.cli.common import add_common

__all__ = ["add_parser", "run", "collect_env"]

OPTIONAL = ("numpy", "pandas", "safetensors", "matplotlib", "tqdm", "statsmodels", "scikit-learn", "sktime",
            "tokenizers", "regex")    # regex: the words tokenizer's Unicode data (its version decides new scripts' letters)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def data_packages() -> dict[str, str]:
    """``{package: version or "not installed"}`` of the data packages rnnkit's defaults read: every registered data
    set's (a pip distribution where its install hint names one -- found from the installed metadata, without
    importing it -- else "installed" when its data is there, e.g. the Debian trans-de-en) and the pretrained
    wordpiece table classify's default reads when installed."""
    from rnnkit.tasks.classify_pretrained import PACKAGE

    out = {PACKAGE: _version(PACKAGE) or "not installed"}
    try:
        from rnnkit.data.registry import list_datasets

        for info in list_datasets():
            pip = re.search(r"pip install (?:--no-deps )?([A-Za-z0-9_.-]+)", info.install or "")
            if pip:
                name = pip.group(1).split("==")[0]
                out[name] = _version(name) or "not installed"
            elif info.package:
                out[info.package] = "installed" if info.available() else "not installed"
    except Exception as e:  # noqa: BLE001 - env is for bug reports: a broken data module must not stop it
        out["registry"] = f"unreadable ({type(e).__name__}: {e})"
    return dict(sorted(out.items()))


def collect_env() -> dict:
    """Versions (rnnkit, Python, torch, NumPy and the optional packages), platform, CUDA devices, threads."""
    import torch

    cuda = torch.cuda.is_available()
    devices = []
    if cuda:
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            devices.append({"index": i, "name": p.name, "memory_gib": round(p.total_memory / 2**30, 1),
                            "capability": f"{p.major}.{p.minor}"})
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return {
        "rnnkit": __version__,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "numpy": _version("numpy"),
        "packages": {name: _version(name) for name in OPTIONAL},
        "data_packages": data_packages(),
        "cuda_available": cuda,
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version() if cuda else None,
        "devices": devices,
        "mps_available": mps,
        "default_device": "cuda" if cuda else ("mps" if mps else "cpu"),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "distributed_available": torch.distributed.is_available(),
    }


def add_parser(sub):
    p = sub.add_parser("env", help="show versions, devices and threads (for bug reports)",
                       description=(__doc__ or "").split("\n\n")[0] or None)   # None under python -OO
    add_common(p, config=False)
    return p


def run(args) -> dict:
    return collect_env()
