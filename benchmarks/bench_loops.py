"""What a caller's loop pays per call: ``layer.step(x_t, state)`` (a generation or RL loop, one token at a time)
against ``torch.nn.LSTMCell/GRUCell/RNNCell`` with the same weights and against the step as it was before session 30
(the layer's sequence call on the one step), in the same run.

    .venv/bin/python benchmarks/bench_loops.py [--cells gru elman lstm] [--dtypes float32 float64]
                                               [--shapes B,H ...] [--rounds 7] [--calls 200]

Columns: microseconds per call, median over ``--rounds`` interleaved rounds (min in brackets), and the ratios
step/cell and step/before. Since session 30 a step runs torch's cell kernel wherever that gives the bits of the
sequence kernel (every GRU/Elman; an LSTM in float64 or with oneDNN off); a float32 LSTM on CPU stays on torch's
sequence kernel (oneDNN's, last bits differ from the cell's), so its step/before is ~1 by design. No grad, eval
mode, one torch thread; timings are never asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

import rnnkit
from rnnkit.bench import machine_info

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_overhead import _TORCH_CELLS, interleaved_us  # noqa: E402  (the same timing as bench_overhead)

DEFAULT_SHAPES = [(1, 32), (1, 128), (1, 512), (16, 128), (64, 32), (64, 512)]


def before_step(layer, x_t, state):
    """``layer.step`` before session 30: the sequence call on one step."""
    out, new = layer.forward(x_t.unsqueeze(1 if layer.batch_first else 0), state)
    return out.squeeze(1 if layer.batch_first else 0), new


def row(cell: str, dtype: torch.dtype, B: int, H: int, rounds: int, calls: int) -> dict:
    torch.manual_seed(0)
    layer = rnnkit.make_layer(cell, H, H).to(dtype).eval()
    ref = _TORCH_CELLS[cell](H, H).to(dtype).eval()
    ref.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = torch.randn(B, H, dtype=dtype)
    z = torch.zeros(B, H, dtype=dtype)
    state, ref_state = ((z[None], z[None]), (z, z)) if cell == "lstm" else (z[None], z)
    with torch.no_grad():
        assert torch.equal(layer.step(x, state)[0], before_step(layer, x, state)[0])
        t = interleaved_us({"cell": lambda: ref(x, ref_state), "before": lambda: before_step(layer, x, state),
                            "step": lambda: layer.step(x, state)}, rounds, calls)
    return {"cell": cell, "dtype": str(dtype)[6:], "B": B, "H": H, **{k: v[:2] for k, v in t.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", nargs="+", default=["gru", "elman", "lstm"], choices=sorted(_TORCH_CELLS))
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    ap.add_argument("--shapes", nargs="+", default=[f"{b},{h}" for b, h in DEFAULT_SHAPES], help="B,H (I = H)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(machine_info("cpu"))
    print("cell dtype B H | torch.nn cell | before | step | step/cell | step/before   (us, median (min))")
    for cell in args.cells:
        for dtype in args.dtypes:
            for shape in args.shapes:
                B, H = (int(v) for v in shape.split(","))
                calls = max(5, args.calls * 32 // max(H, 32) // max(B // 8, 1))   # large shapes: fewer calls
                r = row(cell, getattr(torch, dtype), B, H, args.rounds, calls)
                print(f"{cell} {r['dtype']} {B} {H} | " + " | ".join(f"{r[k][0]:.0f} ({r[k][1]:.0f})"
                                                                   for k in ("cell", "before", "step"))
                      + f" | x{r['step'][0] / r['cell'][0]:.2f} | x{r['step'][0] / r['before'][0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
