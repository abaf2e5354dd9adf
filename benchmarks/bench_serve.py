"""Loopback load test of `rnnkit serve`: p50 / p99 latency and requests per second for GET /forecast and
POST /observations at 1, 8 and 64 concurrent clients (httpx + asyncio).

    python benchmarks/bench_serve.py                       # fits a small 64-series GRU forecaster first
    python benchmarks/bench_serve.py --run runs/x --series-col ...   (not needed: ids come from /health)
    python benchmarks/bench_serve.py --requests 400 --max-seconds 30 --json

Bounded: each (endpoint, concurrency) cell sends at most ``--requests`` requests and stops after
``--max-seconds``; the server is a child process on 127.0.0.1 (a free port) and is killed at the end; no
other address is contacted. Each concurrent client posts to its own series (the run has at least as many
series as clients), so observations never race on one series' time order. Every response must be 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CONCURRENCY = (1, 8, 64)


def make_run(folder: Path, n_series: int) -> Path:
    """A small GRU forecaster on ``n_series`` synthetic monthly series (fit in seconds)."""
    import pandas as pd
    import torch

    from rnnkit.tasks.forecasting import Forecaster

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    t = np.arange(60)
    frames = [pd.DataFrame({"id": f"s{k:02d}", "date": pd.date_range("2015-01-01", periods=60, freq="MS"),
                            "y": 100 + k + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)})
              for k in range(n_series)]
    f = Forecaster("gru", horizon=6, epochs=2, lookback=12, hidden_size=32, threads=1)
    f.fit(pd.concat(frames, ignore_index=True), target="y", time_col="date", id_col="id")
    f.save(folder)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(run: Path, state: Path, port: int) -> subprocess.Popen:
    import httpx

    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "rnnkit", "serve", "--run", str(run), "--state", str(state),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-1000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 120 s")


async def _cell(url: str, endpoint: str, clients: int, total: int, max_seconds: float, series: list[str],
                cursor: dict[str, "object"]) -> dict:
    import httpx
    import pandas as pd

    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + max_seconds

    async def client(k: int, http: httpx.AsyncClient) -> None:
        nonlocal sent, errors
        sid = series[k % len(series)]
        while sent < total and time.perf_counter() < deadline:
            sent += 1
            if endpoint == "/forecast":
                t0 = time.perf_counter()
                r = await http.get("/forecast")
            else:
                t = cursor[sid]
                cursor[sid] = t + pd.offsets.MonthBegin(1)
                body = {"observations": [{"id": sid, "time": t.strftime("%Y-%m-%d"), "value": 120.0 + k}]}
                t0 = time.perf_counter()
                r = await http.post("/observations", json=body)
            latencies.append(time.perf_counter() - t0)
            errors += r.status_code != 200

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(k, http) for k in range(clients)))
        wall = time.perf_counter() - start
    ms = np.array(latencies) * 1e3
    return {"endpoint": endpoint, "clients": clients, "requests": len(ms), "errors": errors,
            "p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "req_per_s": round(len(ms) / wall, 1), "seconds": round(wall, 2)}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, default=None, help="a forecaster run (default: fit a 64-series one)")
    p.add_argument("--requests", type=int, default=400, help="requests per cell (default 400)")
    p.add_argument("--max-seconds", type=float, default=30.0, help="time cap per cell (default 30)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    import httpx
    import pandas as pd

    from rnnkit.bench import machine_info

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        run = args.run or make_run(tmp / "run", max(CONCURRENCY))
        port = free_port()
        proc = start_server(run, tmp / "state", port)
        url = f"http://127.0.0.1:{port}"
        try:
            health = httpx.get(url + "/health").json()
            cursor = {k: pd.Timestamp(v) for k, v in health["next_time"].items()}
            rows = []
            for endpoint in ("/forecast", "/observations"):
                for clients in CONCURRENCY:
                    rows.append(asyncio.run(_cell(url, endpoint, clients, args.requests, args.max_seconds,
                                                  health["series"], cursor)))
                    if not args.json:
                        print(rows[-1], file=sys.stderr)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        info = machine_info("cpu")
        load = os.getloadavg()
        result = {"machine": info, "load_average": [round(v, 2) for v in load], "series": len(health["series"]),
                  "rows": rows}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"| endpoint | clients | requests | errors | p50 ms | p99 ms | req/s |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['endpoint']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50_ms']} | "
                  f"{r['p99_ms']} | {r['req_per_s']} |")
        print(f"machine: {info['cpu']}, {info['cpu_count']} cores, torch {info['torch']}; load average "
              f"{', '.join(f'{v:.1f}' for v in load)}")
    return result


if __name__ == "__main__":
    main()
