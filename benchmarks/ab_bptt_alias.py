"""A/B in one process: the hand BPTT with and without the last-step cache aliasing of 2026-12-04
(bptt._alias_outputs, the leak fix), LSTM train steps, 1 thread, interleaved; ratio new / old."""
import time, statistics, torch, rnnkit
from rnnkit.engine import bptt
torch.set_num_threads(1)
real = bptt._alias_outputs
res = {"with alias (new)": [], "without (old)": []}
for kw, shape in [(dict(layer_norm=True), (32, 100, 128)), (dict(peephole=True), (32, 100, 128)), (dict(layer_norm=True), (1, 1, 16))]:
    B, T, H = shape
    m = rnnkit.LSTM(H, H, **kw); m.engine = "bptt"
    x = torch.randn(T, B, H)
    t = {k: [] for k in res}
    for r in range(30):
        for k in res:
            bptt._alias_outputs = real if k.startswith("with") else (lambda c, o: c)
            t0 = time.perf_counter(); m.zero_grad(); m(x)[0].sum().backward(); t[k].append(time.perf_counter() - t0)
    a, b = (statistics.median(v) * 1e3 for v in t.values())
    print(f"{kw} B{B} T{T} H{H}: new {a:.3f} ms, old {b:.3f} ms, ratio {a / b:.3f}")
