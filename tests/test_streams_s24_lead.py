"""A binary stream given as a data file is refused at its first NUL byte, not read until memory runs out
(session 24: ``rnnkit forecast --csv /dev/zero`` was killed by the kernel's OOM killer after ~23 GB).

The CLI runs in a child process whose address space is capped (RLIMIT_AS), so the code before the fix fails the
test by a MemoryError/kill instead of taking the machine's memory with it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform != "linux", reason="needs /dev/zero")

_CAPPED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from rnnkit.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("argv", [["forecast", "--csv", "/dev/zero", "--target", "y", "--horizon", "3"],
                                  ["forecast", "--csv", "/dev/urandom", "--target", "y", "--horizon", "3"]])
def test_an_endless_binary_device_is_refused_with_one_line(argv, tmp_path):
    run = subprocess.run([sys.executable, "-c", _CAPPED, *argv], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    err = run.stderr.strip().splitlines()
    assert run.returncode == 1, run.stderr[-500:]
    assert len(err) == 1 and "--csv" in err[0] and ("NUL byte" in err[0] or "invalid byte" in err[0]), err


def test_read_until_binary_reads_files_whole_and_cuts_a_binary_stream_at_a_line(tmp_path):
    import io

    from rnnkit._io import read_until_binary

    text = ("t,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(50_000))).encode()   # several chunks
    path = tmp_path / "s.csv"
    path.write_bytes(text[:10_000] + b"\0" + text[10_000:])
    with open(path, "rb") as f:          # a regular file is finite: read whole, as before (oracle: its bytes)
        assert read_until_binary(f, chunk=4096) == path.read_bytes()
    assert read_until_binary(io.BytesIO(text), chunk=4096) == text      # a text stream: whole
    cut = read_until_binary(io.BytesIO(text[:10_000] + b"\0" + text[10_000:]), chunk=4096)
    assert b"\0" in cut and cut.endswith(b"\n") and 4096 <= len(cut) < len(text) // 10
    assert (text[:10_000] + b"\0" + text[10_000:]).startswith(cut)
