"""Scale of what is not training, on many series: the time ``rnnkit forecast --id-col`` spends reading a panel
(:func:`rnnkit.data.series.read_series_csv` + :func:`rnnkit.tasks.forecasting.inputs.parse_series`, the stage
before any candidate is fitted), for growing numbers of short series, with this checkout's code and with the code
of other source trees (``--src``, e.g. an older commit's ``src`` from ``git archive``) in the same run.

Series: generated, monthly, 48-150 values each (M3/M4-like lengths), rows shuffled across series as an export of a
database may give them; the CSV is written once per size and read by every arm. Each arm runs in its own process
(``PYTHONPATH`` = its ``src``), one thread, ``--repeats`` times; the figure is the best wall and CPU time of the
repeats. The arms' parsed series are compared (ids, index, values, bit for bit): a difference is an error.

    python benchmarks/bench_scale.py --sizes 1000,5000,20000 --src /tmp/old/src --json runs/scale.json
"""

from __future__ import annotations

import argparse
import hashlib
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


def write_panel(n: int, path: Path, seed: int = 0) -> int:
    """A CSV of ``n`` monthly series (48-150 values), rows shuffled; returns the number of rows."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(48, 151, n)
    ids = np.repeat([f"s{i:06d}" for i in range(n)], lengths)
    start = np.repeat(rng.integers(0, 120, n), lengths)
    step = np.concatenate([np.arange(L) for L in lengths])
    months = pd.Timestamp("2000-01-01").to_period("M") + (start + step)
    y = np.round(100 + rng.normal(0, 10, ids.size) + 0.3 * step, 3)
    order = rng.permutation(ids.size)
    frame = pd.DataFrame({"id": ids[order], "date": np.asarray(months.astype(str))[order], "y": y[order]})
    frame.to_csv(path, index=False)
    return ids.size


def worker(csv: str, repeats: int) -> dict:
    import torch

    torch.set_num_threads(1)
    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting.inputs import parse_series

    walls, cpus, digest = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        frame = read_series_csv(csv, "date", what="--csv", id_col="id")
        series = parse_series(frame, "y", "date", "id")
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        h = hashlib.sha256()
        for s in series:
            h.update(s.id.encode())
            h.update(np.asarray(s.index.astype("int64") if isinstance(s.index, pd.DatetimeIndex) else s.index).tobytes())
            h.update(s.y.tobytes())
        digest = h.hexdigest()
    return {"wall_s": min(walls), "cpu_s": min(cpus), "series": len(series), "digest": digest}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,5000", help="comma-separated numbers of series")
    ap.add_argument("--src", nargs="*", default=[], help="other source trees (their 'src' folder) to time too")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--worker", nargs=2, metavar=("CSV", "REPEATS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    sizes = [int(v) for v in args.sizes.split(",")]
    arms = {"this": str(HERE), **{f"src{i}:{p}": p for i, p in enumerate(args.src)}}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            csv = Path(tmp) / f"panel_{n}.csv"
            n_rows = write_panel(n, csv)
            digests = {}
            for arm, src in arms.items():
                out = subprocess.run([sys.executable, __file__, "--worker", str(csv), str(args.repeats)],
                                     env={**env, "PYTHONPATH": src}, capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                digests[arm] = r.pop("digest")
                rows.append({"series": n, "rows": n_rows, "arm": arm, **r})
                print(f"{n:>7} series {n_rows:>9} rows  {arm:<30} wall {r['wall_s']:8.2f} s  cpu {r['cpu_s']:8.2f} s",
                      flush=True)
            if len(set(digests.values())) != 1:
                raise SystemExit(f"the arms parsed different series at {n}: {digests}")
    result = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
              "load_1min": os.getloadavg()[0], "rows": rows}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
