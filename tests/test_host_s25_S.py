"""``rnnkit.cli.main.main()`` called from a host program (a notebook, another CLI, a test) leaves the host's
process as it found it (session 25, helper S): its ``sys.stdout`` error handler, a ``sys.stdin`` / ``sys.stderr``
it had as None, and torch's thread count. Oracle: the host's own values read before the call."""

import io
import sys

import pandas as pd
import torch

from rnnkit.cli.main import main


def _ascii_stdout():
    return io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")


def test_main_puts_back_the_hosts_stdout_error_handler(monkeypatch, capsys):
    # an ASCII stdout was reconfigured to escape ('rnnkit-stdout') and stayed so after main() returned:
    # the host's own print('中') then escaped silently instead of raising as its stream was set to (fails at 77ec123)
    out = _ascii_stdout()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["env", "--json"]) == 0
    assert sys.stdout is out and out.errors == "strict"


def test_main_puts_back_a_hosts_none_stdin_and_stderr(monkeypatch):
    # a host without stdin/stderr (pythonw, a daemon) got os.devnull files it never opened (fails at 77ec123)
    monkeypatch.setattr(sys, "stdin", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main(["env", "--json"]) == 0
    assert sys.stdin is None and sys.stderr is None


def test_main_puts_back_the_hosts_torch_thread_count(tmp_path, capsys):
    # '--threads' (1 unless asked) was torch.set_num_threads for the whole host process after main() returned:
    # a notebook's later training ran on one thread (fails at 77ec123)
    pd.DataFrame({"y": [float(i % 7) for i in range(40)]}).to_csv(tmp_path / "s.csv", index=False)
    before = torch.get_num_threads()
    other = 2 if before != 2 else 1
    torch.set_num_threads(other)
    try:
        code = main(["forecast", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--horizon", "2", "--model",
                     "seasonal_naive", "--no-plot", "--out", str(tmp_path / "run"), "--threads",
                     str(3 - other if other in (1, 2) else 1)])
        assert code == 0, capsys.readouterr().err
        assert torch.get_num_threads() == other
    finally:
        torch.set_num_threads(before)
