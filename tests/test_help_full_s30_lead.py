"""Session 30 (lead, B's leftover): --help / --version to a stdout that cannot be written say so (exit 1), as a
command's output does since d38cbe0; they exited 0 with the text lost (argparse swallows the write's OSError)."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["forecast", "--help"], ["tag", "train", "--help"]])
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_help_to_a_full_disk_is_an_error_naming_stdout(argv, unbuffered):
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "rnnkit", *argv], stdout=full, stderr=subprocess.PIPE, text=True,
                           env=env, timeout=120)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "rnnkit: error: stdout: expected to write the output, got OSError: No space left on device (the output is lost)"]


def test_help_to_an_ordinary_stdout_is_unchanged():
    r = subprocess.run([sys.executable, "-m", "rnnkit", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("rnnkit ") and r.stderr == ""
