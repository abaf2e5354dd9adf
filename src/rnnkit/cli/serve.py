"""``rnnkit serve``: an HTTP service (FastAPI on uvicorn) over a saved forecaster or text-classifier run.

    rnnkit serve --run runs/co2 --port 8000
    curl localhost:8000/forecast
    curl -X POST localhost:8000/observations -H 'content-type: application/json' \\
         -d '{"observations": [{"id": "co2", "time": "2002-01-06", "value": 371.2}]}'

Forecaster: GET /health, GET /forecast, POST /observations (advances the state with the update path, no
refit, and returns the new forecast). Classifier: GET /health, POST /predict {"texts": [...]}. Accepted
observations are appended to STATE/journal.jsonl and fsync-ed before the reply; a restart replays them,
so ``kill -9`` loses nothing that was acknowledged. One server per state folder (locked).
"""

from __future__ import annotations

import argparse
import errno
import math
import socket

from rnnkit.cli.common import HelpFormatter, UsageError, add_threads, check_out_dir, path_arg, set_threads
from rnnkit.cli.export import check_run

__all__ = ["add_parser", "run", "check_address", "check_body_timeout"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("serve", help="serve a saved forecaster or classifier run over HTTP",
                              description=(__doc__ or "").split("\n\n")[0] or None,
                              formatter_class=HelpFormatter)
    p.add_argument("--run", type=path_arg, default=None, metavar="DIR", help="run folder (forecast or classify)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind")
    p.add_argument("--port", type=int, default=8000, help="port")
    p.add_argument("--state", type=path_arg, default=None, metavar="DIR",
                   help="folder of the durable state (RUN/serve-state when not given)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn log level")
    p.add_argument("--body-timeout", type=float, default=None, metavar="SECONDS",
                   help="the longest a request body may take to arrive after its headers, plus 1 s per 16 KiB "
                        "received (rnnkit.serve.app.BODY_MIN_RATE); a slower one gets 408 and the connection is closed "
                        "(default: rnnkit.serve.app.BODY_TIMEOUT, 60)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    add_threads(p)
    return p


def check_address(host: str, port: int) -> None:
    """``--host``/``--port``: an address this machine can listen on, checked by binding it (as uvicorn will,
    with SO_REUSEADDR) before the run is loaded -- uvicorn itself reports a bad one only after loading,
    on two lines, with exit status 3."""
    if not 1 <= port <= 65535:   # 0: the kernel's pick, served while 'http://127.0.0.1:0' was announced
        raise UsageError(f"--port: expected a port in [1, 65535], got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as e:
        raise UsageError(f"--host: expected an address of this machine, got {host!r} "
                         f"({getattr(e, 'strerror', None) or e})") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as e:
            flag, what = ("--port", f"a free port on {host}") if e.errno == errno.EADDRINUSE else \
                ("--host", "an address of this machine")
            raise UsageError(f"{flag}: expected {what}, got {host if flag == '--host' else port!r} "
                             f"({e.strerror or e})") from None


def check_body_timeout(seconds: float | None) -> float:
    """``--body-timeout``: a finite number of seconds > 0 (``nan``, ``inf``, ``0`` parse as floats), checked before the
    run is loaded; :data:`~rnnkit.serve.app.BODY_TIMEOUT` when not given."""
    from rnnkit.serve.app import BODY_TIMEOUT

    if seconds is None:
        return BODY_TIMEOUT
    if not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"--body-timeout: expected a finite number of seconds > 0, got {seconds}")
    return seconds


def run(args: argparse.Namespace) -> None:
    from rnnkit.serve.app import serve

    body_timeout = check_body_timeout(args.body_timeout)
    set_threads(args)
    check_run(args.run, "forecast or classify")
    check_out_dir(args.state, "--state")
    check_address(args.host, args.port)
    serve(args.run, host=args.host, port=args.port, state=args.state, log_level=args.log_level,
          body_timeout=body_timeout)
