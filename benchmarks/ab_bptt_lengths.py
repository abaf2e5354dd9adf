"""The hand engines with ``lengths`` against torch.nn on packed sequences, in the same run (session 17: the bptt and
reference loops stop at the longest sequence of the batch, 381cd8f). A train step (forward + backward of the summed
outputs) of an LSTM at each shape, for three length patterns: every sequence full (no step saved: the cost is the
check itself), the longest at T/2, every sequence 1 step long. Run it with PYTHONPATH pointing at an older ``src`` to
compare code versions through their ratios to torch.nn (the same machine, one thread).

    python benchmarks/ab_bptt_lengths.py [--shapes B,T,I,H ...] [--json OUT]

Not a test: timings are never asserted.
"""

from __future__ import annotations

import argparse
import json

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnkit
from rnnkit.bench import machine_info, time_interleaved

DEFAULT_SHAPES = [(32, 100, 64, 128), (4, 2000, 8, 8)]


def _nn_step(ref, x, lengths):
    out, _ = ref(pack_padded_sequence(x, lengths, enforce_sorted=False))
    pad_packed_sequence(out, total_length=x.shape[0])[0].sum().backward()


def _ours_step(layer, x, lengths):
    layer(x, lengths=lengths)[0].sum().backward()


def bench(B, T, I, H, engines=("bptt", "reference")):
    torch.manual_seed(0)
    layer = rnnkit.make_layer("lstm", I, H)
    ref = layer.to_torch()
    x = torch.randn(T, B, I, requires_grad=True)
    rows = []
    for pattern, lengths in (("full", torch.full((B,), T)), ("half", torch.randint(1, T // 2 + 1, (B,))),
                             ("ones", torch.ones(B, dtype=torch.long))):
        lengths[0] = {"full": T, "half": T // 2, "ones": 1}[pattern]
        fns = {"torch.nn": lambda: _nn_step(ref, x, lengths)}
        for e in engines:
            m = rnnkit.make_layer("lstm", I, H)
            m.load_state_dict(layer.state_dict())
            m.engine = e
            fns[e] = lambda m=m: _ours_step(m, x, lengths)
        ms = time_interleaved(fns, "cpu", budget_s=2.0)
        rows.append({"shape": [B, T, I, H], "lengths": pattern, "ms": ms,
                     "ratio_to_torch_nn": {k: v / ms["torch.nn"] for k, v in ms.items() if k != "torch.nn"}})
        print(f"B{B} T{T} I{I} H{H} lengths {pattern:5s} " + "  ".join(
            f"{k} {v:8.2f} ms" + ("" if k == "torch.nn" else f" ({v / ms['torch.nn']:.2f}x)") for k, v in ms.items()),
            flush=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shapes", nargs="+", default=None, help="B,T,I,H")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    shapes = [tuple(int(v) for v in s.split(",")) for s in a.shapes] if a.shapes else DEFAULT_SHAPES
    print(json.dumps(machine_info("cpu")))
    rows = [r for s in shapes for r in bench(*s)]
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine_info("cpu"), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
