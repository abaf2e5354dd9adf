"""Char-level LM on Shakespeare under a wall-clock budget: held-out bits/char vs minutes for one or
more training recipes run one after the other in the same command, next to character n-gram baselines
fitted on the same training works.

    python benchmarks/bench_generation.py --minutes 10 --threads 2 --recipes bpe tuned plain \
        --out bench_generation.json --png docs/img/charlm_recipes.png

Recipes (same network: embedding 64 -> LSTM --hidden-size x --num-layers -> linear; B streams, k steps):

* ``plain``: float32, Adam 3e-3 halved when held-out bits/char stalls (the CharLM defaults).
* ``tuned``: bfloat16 autocast, Adam 1.5e-2 with a 2% warm-up and a cosine to 0 at the deadline,
  carried state zeroed with probability 0.02 per chunk and stream (see docs/tasks.md).
* ``bpe``: the tuned recipe at lr 1e-2 on BPE subword units (``--bpe-vocab``, learned on the training
  works inside the time budget), embedding ``--bpe-embed-dim``, ``--bpe-bptt`` units per chunk. Bits
  are per character of the same test text: total bits / characters.

Dynamic evaluation (``CharLM.evaluate(dynamic_lr=...)``, after Krause et al. 2018) is reported next to
the static score of every recipe: its lr is chosen among --dynamic-lrs on the first
--dynamic-val-chars characters of the validation works, then the test works are scored once with it.

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


RECIPES = {
    "plain": dict(lr=3e-3, schedule="plateau", precision="fp32", reset_prob=0.0),
    "tuned": dict(lr=1.5e-2, schedule="cosine", warmup=0.02, precision="bf16", reset_prob=0.02),
    # subword units: the tuned recipe on BPE units learned from the training works (bits still per
    # character); BPTT --bpe-bptt units (about as many characters as --bptt), a wider embedding
    "bpe": dict(units="bpe", lr=1e-2, schedule="cosine", warmup=0.02, precision="bf16", reset_prob=0.02),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cell", default="lstm")
    ap.add_argument("--hidden-size", type=int, default=512)
    ap.add_argument("--num-layers", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--bptt", type=int, default=64)
    ap.add_argument("--chunks-per-round", type=int, default=100)
    ap.add_argument("--bpe-vocab", type=int, default=512)
    ap.add_argument("--bpe-embed-dim", type=int, default=128)
    ap.add_argument("--bpe-bptt", type=int, default=32)
    ap.add_argument("--val-chars", type=int, default=50_000)
    ap.add_argument("--recipes", nargs="+", choices=sorted(RECIPES), default=["tuned"])
    ap.add_argument("--dynamic-lrs", type=float, nargs="*", default=[0.03, 0.1, 0.3, 1.0],
                    help="dynamic-evaluation lrs tried on the validation works (none: static only)")
    ap.add_argument("--dynamic-val-chars", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0, help="CharLMConfig.seed (initialisation, resets)")
    ap.add_argument("--run", default=None, help="also save the first recipe's run folder here")
    ap.add_argument("--out", default="bench_generation.json")
    ap.add_argument("--png", default=None)
    a = ap.parse_args(argv)

    import torch

    from rnnkit.bench import cpu_model
    from rnnkit.tasks.generation import SHAKESPEARE_SPLIT_RULE, CharLM, CharLMConfig, NGramCharModel, shakespeare_split

    torch.set_num_threads(a.threads)
    sp = shakespeare_split()
    runs = {}
    for i, name in enumerate(a.recipes):
        load0 = os.getloadavg()
        units = dict(bpe_vocab=a.bpe_vocab, embed_dim=a.bpe_embed_dim, bptt=a.bpe_bptt) if name == "bpe" \
            else dict(bptt=a.bptt)
        cfg = CharLMConfig(cell=a.cell, hidden_size=a.hidden_size, num_layers=a.num_layers,
                           batch_size=a.batch_size, chunks_per_round=a.chunks_per_round,
                           val_chars=a.val_chars, max_seconds=a.minutes * 60, progress=False, seed=a.seed,
                           **units, **RECIPES[name])
        torch.manual_seed(a.seed)
        lm = CharLM(cfg).fit(sp["train"], sp["val"], baselines=False)  # the n-gram baselines are fitted below
        load1 = os.getloadavg()
        t = time.perf_counter()
        test = lm.evaluate(sp["test"], streams=1)
        eval_s = time.perf_counter() - t
        dyn = None
        if a.dynamic_lrs:
            val = sp["val"][: a.dynamic_val_chars]
            t = time.perf_counter()
            grid = {lr: lm.evaluate(val, dynamic_lr=lr)["bits_per_char"] for lr in a.dynamic_lrs}
            best = min(grid, key=grid.get)
            dyn = {"val_grid": {str(k): v for k, v in grid.items()}, "val_static": lm.evaluate(val)["bits_per_char"],
                   "lr": best, "test": lm.evaluate(sp["test"], streams=1, dynamic_lr=best),
                   "seconds": time.perf_counter() - t}
            print(f"{name}: dynamic evaluation, lr {best} (validation {grid}): test bits/char "
                  f"{dyn['test']['bits_per_char']:.4f}", flush=True)
        if i == 0 and a.run:
            lm.save(a.run, data={"dataset": "shakespeare", "works": sp["works"], "split_rule": SHAKESPEARE_SPLIT_RULE})
        samples = {str(T): lm.sample("ROMEO.\n", 200, temperature=T, top_k=None, seed=0) for T in (0.5, 0.8)}
        runs[name] = {"config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}, "test": test,
                      "test_eval_seconds": eval_s, "dynamic": dyn, "curve": lm.history["curve"],
                      "train_seconds": lm.history["seconds"], "steps": lm.history["steps"],
                      "chars_seen": lm.history["curve"][-1]["chars_seen"], "samples": samples,
                      "loadavg_start": load0, "loadavg_end": load1}
        print(f"{name}: test bits/char {test['bits_per_char']:.4f} after {lm.history['steps']} steps", flush=True)
    base = {}
    for order in (1, 3, 5):
        t = time.perf_counter()
        m = NGramCharModel(order).fit(sp["train"])
        base[f"ngram{order}"] = {"bits_per_char": m.bits_per_char(sp["test"]), "seconds": time.perf_counter() - t}
    result = {"runs": runs, "baselines": base, "train_chars": len(sp["train"]),
              "machine": {"cpu_count": os.cpu_count(), "torch_threads": a.threads, "torch": torch.__version__,
                          "python": platform.python_version(), "cpu": cpu_model()},
              "works": sp["works"]}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    for name, r in runs.items():
        print(f"\n{name}\n| minutes | chars seen | val bits/char | lr |\n|---|---|---|---|")
        for row in r["curve"]:
            print(f"| {row['wall_s'] / 60:.1f} | {row['chars_seen']:,} | {row['val_bits_per_char']:.3f} | {row['lr']:.2e} |")
    print("test bits/char: " + ", ".join(f"{k} {r['test']['bits_per_char']:.4f}" + (
        f" (dynamic {r['dynamic']['test']['bits_per_char']:.4f})" if r["dynamic"] else "") for k, r in runs.items()) + "; "
          + ", ".join(f"{k} {v['bits_per_char']:.3f}" for k, v in base.items()))
    if a.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        for name, r in runs.items():
            ax.plot([row["wall_s"] / 60 for row in r["curve"]], [row["val_bits_per_char"] for row in r["curve"]],
                    marker="o", ms=3, label=f"{name}: {a.cell.upper()}-{a.hidden_size}"
                    f"{' on BPE-%d units' % a.bpe_vocab if name == 'bpe' else ''} (validation works)")
        for k, v in base.items():
            if v["bits_per_char"] < 3.2:
                ax.axhline(v["bits_per_char"], ls="--", lw=1, color="grey")
                ax.text(0, v["bits_per_char"], f" {k} (test)", va="bottom", fontsize=8, color="grey")
        ax.set_ylim(top=3.2)
        ax.set_xlabel("minutes (wall clock, incl. held-out scoring)")
        ax.set_ylabel("bits per character")
        ax.set_title(f"char LM on Shakespeare, {a.threads} thread(s)")
        ax.legend(fontsize=8)
        os.makedirs(os.path.dirname(a.png) or ".", exist_ok=True)
        fig.savefig(a.png, dpi=110, bbox_inches="tight")
    return 0


if __name__ == "__main__":
    sys.exit(main())
