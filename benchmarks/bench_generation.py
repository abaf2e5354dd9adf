"""Char-level LM on Shakespeare under a wall-clock budget: held-out bits/char vs minutes, next to
character n-gram baselines fitted on the same training works.

    python benchmarks/bench_generation.py --minutes 10 --threads 1 --out bench_generation.json --png docs/img/charlm_curve.png

Split: whole works (rnnkit.tasks.generation.SHAKESPEARE_SPLIT_RULE). The curve is measured on the
first --val-chars characters of the 4 validation works after every round; the final number is the
4 test works, scored exactly (one stream, state carried through the whole text). Records the machine
load (1-minute load average) at the start and the end: on a shared machine the curve depends on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cell", default="lstm")
    ap.add_argument("--hidden-size", type=int, default=384)
    ap.add_argument("--num-layers", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--bptt", type=int, default=64)
    ap.add_argument("--chunks-per-round", type=int, default=100)
    ap.add_argument("--val-chars", type=int, default=40_000)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--run", default=None, help="also save the run folder here")
    ap.add_argument("--out", default="bench_generation.json")
    ap.add_argument("--png", default=None)
    a = ap.parse_args(argv)

    import torch

    from rnnkit.tasks.generation import SHAKESPEARE_SPLIT_RULE, CharLM, CharLMConfig, NGramCharModel, shakespeare_split

    torch.set_num_threads(a.threads)
    load0 = os.getloadavg()
    sp = shakespeare_split()
    cfg = CharLMConfig(cell=a.cell, hidden_size=a.hidden_size, num_layers=a.num_layers, batch_size=a.batch_size,
                       bptt=a.bptt, chunks_per_round=a.chunks_per_round, val_chars=a.val_chars, lr=a.lr,
                       max_seconds=a.minutes * 60, progress=False)
    lm = CharLM(cfg).fit(sp["train"], sp["val"])
    load1 = os.getloadavg()
    t = time.perf_counter()
    test = lm.evaluate(sp["test"], streams=1)
    eval_s = time.perf_counter() - t
    base = {}
    for order in (1, 3, 5):
        t = time.perf_counter()
        m = NGramCharModel(order).fit(sp["train"])
        base[f"ngram{order}"] = {"bits_per_char": m.bits_per_char(sp["test"]), "seconds": time.perf_counter() - t}
        if order == 3 and a.run:
            lm.save(a.run, baseline=m, extra={"dataset": "shakespeare", "works": sp["works"],
                                             "split_rule": SHAKESPEARE_SPLIT_RULE})
    samples = {str(T): lm.sample("ROMEO.\n", 200, temperature=T, top_k=None, seed=0) for T in (0.5, 0.8)}
    result = {"config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
              "test": test, "test_eval_seconds": eval_s, "baselines": base, "curve": lm.history["curve"],
              "train_seconds": lm.history["seconds"], "steps": lm.history["steps"],
              "train_chars": lm.history["train_chars"], "samples": samples,
              "machine": {"cpu_count": os.cpu_count(), "torch_threads": a.threads, "torch": torch.__version__,
                          "python": platform.python_version(), "loadavg_start": load0, "loadavg_end": load1},
              "works": sp["works"]}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print("| minutes | chars seen | val bits/char |\n|---|---|---|")
    for r in lm.history["curve"]:
        print(f"| {r['wall_s'] / 60:.1f} | {r['chars_seen']:,} | {r['val_bits_per_char']:.3f} |")
    print(f"test bits/char {test['bits_per_char']:.3f}; " + ", ".join(f"{k} {v['bits_per_char']:.3f}" for k, v in base.items()))
    if a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([r["wall_s"] / 60 for r in lm.history["curve"]], [r["val_bits_per_char"] for r in lm.history["curve"]],
                marker="o", label=f"{a.cell.upper()}-{a.hidden_size} (held-out validation works)")
        for k, v in base.items():
            ax.axhline(v["bits_per_char"], ls="--", lw=1, color="grey")
            ax.text(0, v["bits_per_char"], f" {k} (test)", va="bottom", fontsize=8, color="grey")
        ax.set_xlabel("minutes (wall clock, incl. held-out scoring)")
        ax.set_ylabel("bits per character")
        ax.set_title(f"char LM on Shakespeare, {a.threads} thread(s), load {load0[0]:.1f}-{load1[0]:.1f}")
        ax.legend()
        os.makedirs(os.path.dirname(a.png) or ".", exist_ok=True)
        fig.savefig(a.png, dpi=110, bbox_inches="tight")
    return 0


if __name__ == "__main__":
    sys.exit(main())
