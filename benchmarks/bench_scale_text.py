"""Scale of text classification: ``rnnkit classify train --csv texts.csv --epochs 1 --max-seconds 20 --threads 1``
on growing numbers of generated texts, with this checkout's code and with the code of other source trees (``--src``,
e.g. an older commit's ``src`` from ``git archive``) in the same run.

Texts: generated as in session 19's scale check -- 3 labels, ~20 words each (normal, sd 5, at least 3) drawn from a
Zipf vocabulary of 30,000 words, one word in 20 replaced by one of 50 words of the text's label (the signal); the
CSV is written once per size and read by every arm. Each arm runs the CLI in its own process (``PYTHONPATH`` = its
``src``, one thread), under ``--timeout`` seconds; the figures are its wall time, its CPU time (user + system) and
its peak memory (max RSS). The network trains for at most 20 s, so its accuracy depends on the machine's load; the
linear members do not: the arms' baselines (TF-IDF + LR, NB-weighted LR) must score the held-out texts the same,
and a difference is an error.

    python benchmarks/bench_scale_text.py --sizes 20000,100000 --src /tmp/old/src --timeout 900 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent.parent / "src"


def write_texts(n: int, path: Path, words: int = 20, seed: int = 0) -> None:
    """A CSV (``text``, ``label``) of ``n`` generated texts of about ``words`` words, 3 labels."""
    rng = np.random.default_rng(seed)
    V = 30000
    vocab = np.array([f"w{i}" for i in range(V)])
    p = 1.0 / np.arange(1, V + 1)
    p /= p.sum()
    labels = rng.integers(0, 3, n)
    texts = []
    for i in range(n):
        L = max(3, int(rng.normal(words, words / 4)))
        ids = rng.choice(V, size=L, p=p)
        ids[: max(1, L // 20)] = rng.integers(0, 50, max(1, L // 20)) + 100 * labels[i]   # the label's signal
        rng.shuffle(ids)
        texts.append(" ".join(vocab[ids]))
    pd.DataFrame({"text": texts, "label": [f"c{v}" for v in labels]}).to_csv(path, index=False)


def run_arm(src: str, csv: Path, out: Path, timeout: float, extra: list[str]) -> dict:
    """One CLI run: wall, CPU (user + sys) and max RSS of its process, and its printed JSON (None when it ran out
    of time)."""
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "rnnkit", "classify", "train", "--csv", str(csv), "--epochs", "1",
           "--max-seconds", "20", "--threads", "1", "--out", str(out), "--json", "--quiet", *extra]
    w0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, env=env, stdout=so, stderr=se, text=True)
        deadline, status, usage = w0 + timeout, None, None
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = st, ru
            elif time.perf_counter() > deadline:
                proc.kill()
                _, st, ru = os.wait4(proc.pid, 0)
                status, usage = "timeout", ru
            else:
                time.sleep(0.2)
        proc.returncode = -1          # reaped here (os.wait4), not by Popen
        wall = time.perf_counter() - w0
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read(), se.read()
    row = {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
           "max_rss_mb": round(usage.ru_maxrss / 1024, 1), "finished": status != "timeout"}
    if status == "timeout":
        return {**row, "result": None}
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{src}: exit {os.waitstatus_to_exitcode(status)}: {stderr[-2000:]}")
    return {**row, "result": json.loads(stdout)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2000", help="comma-separated numbers of texts")
    ap.add_argument("--src", nargs="*", default=[], help="other source trees (their 'src' folder) to time too")
    ap.add_argument("--no-this", action="store_true", help="time only the --src trees")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds an arm may run (then: not finished)")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("extra", nargs="*", help="more flags for 'classify train' (after --)")
    args = ap.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    arms = {**({} if args.no_this else {"this": str(HERE)}), **{f"src{i}:{p}": p for i, p in enumerate(args.src)}}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            csv = Path(tmp) / f"texts_{n}.csv"
            write_texts(n, csv)
            scored = {}
            for arm, src in arms.items():
                r = run_arm(src, csv, Path(tmp) / f"run_{n}_{len(rows)}", args.timeout, args.extra)
                res = r.pop("result")
                if res is not None:
                    scored[arm] = {k: v.get("confusion_matrix") for k, v in (res.get("baselines") or {}).items()}
                    r["accuracy"] = res["metrics"]["accuracy"]
                    r["baselines_accuracy"] = {k: v["accuracy"] for k, v in (res.get("baselines") or {}).items()}
                rows.append({"texts": n, "arm": arm, **r})
                print(f"{n:>7} texts  {arm:<30} wall {r['wall_s']:8.1f} s  cpu {r['cpu_s']:8.1f} s  "
                      f"rss {r['max_rss_mb']:7.0f} MB  {'finished' if r['finished'] else 'NOT FINISHED'}  "
                      f"{r.get('baselines_accuracy', '')}", flush=True)
            if len({json.dumps(v, sort_keys=True) for v in scored.values()}) > 1:
                raise SystemExit(f"the arms' baselines scored the held-out texts differently at {n}: {scored}")
    result = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
              "load_1min": os.getloadavg()[0], "command": sys.argv, "rows": rows}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
