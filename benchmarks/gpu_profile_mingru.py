"""The CUDA kernels of one MinGRU train step (Triton scan), from torch.profiler: how many, the busy time,
the span, and each kernel's time -- the numbers issue 18's MinGRU target is argued from.

    python benchmarks/gpu_profile_mingru.py [--T 4096] [--B 16] [--H 128] [--device cuda]

``--device cpu`` is a dry run of the script (the chunked scan, no CUDA kernels to list).
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from rnnkit.layers.minimal import MinGRU


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--T", type=int, default=4096)
    p.add_argument("--B", type=int, default=16)
    p.add_argument("--H", type=int, default=128)
    p.add_argument("--device", default="cuda")
    a = p.parse_args(argv)
    cuda = a.device.startswith("cuda")
    m = MinGRU(a.H, a.H, scan="triton" if cuda else "chunked").to(a.device)
    x = torch.randn(a.T, a.B, a.H, device=a.device, requires_grad=True)
    for _ in range(3):  # compile + warm up
        m(x)[0].sum().backward()
    if cuda:
        torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA] if cuda else [ProfilerActivity.CPU]) as prof:
        y, _ = m(x)
        y.sum().backward()
        if cuda:
            torch.cuda.synchronize()
    ev = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    if not ev:
        print(f"MinGRU train step T={a.T} B={a.B} I=H={a.H} on {a.device}: no CUDA kernels (dry run)")
        return
    span = (max(e.time_range.end for e in ev) - min(e.time_range.start for e in ev)) / 1e3
    busy = sum(e.time_range.elapsed_us() for e in ev) / 1e3
    print(f"MinGRU train step T={a.T} B={a.B} I=H={a.H}: {len(ev)} kernels, busy {busy:.3f} ms, span {span:.3f} ms")
    for e in ev:
        print(f"  {e.time_range.elapsed_us():9.1f} us  {e.name[:100]}")


if __name__ == "__main__":
    main()
