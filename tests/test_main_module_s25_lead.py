"""``python -m rnnkit`` ends as the console script does (session 25, lead; S's c4efdc0 made ``entry()`` end the
process by a signal that lands after the command is over -- a second Ctrl-C during torch's atexit work -- instead
of Python's 'Exception ignored in atexit callback' traceback; ``__main__`` called ``main()`` and missed it)."""

from __future__ import annotations

import signal
import subprocess
import sys

PROBE = """
import atexit, os, signal, sys, runpy
atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))
sys.argv = ["rnnkit", "--version"]
runpy.run_module("rnnkit", run_name="__main__")
"""


def test_python_m_rnnkit_ends_by_a_late_signal_without_a_traceback():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == -signal.SIGINT, (out.returncode, out.stderr[-1500:])
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr, out.stderr[-1500:]
    assert out.stdout.strip(), "the command's own output is there"


def test_python_m_rnnkit_exit_code_is_the_commands():
    ok = subprocess.run([sys.executable, "-m", "rnnkit", "--version"], capture_output=True, text=True, timeout=120)
    bad = subprocess.run([sys.executable, "-m", "rnnkit", "forecast", "--no-such-flag"], capture_output=True,
                         text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip()
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
