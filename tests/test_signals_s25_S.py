"""Signals at the moments a CLI run is most exposed (session 25, helper S). Oracle: what shells expect -- 130 for
Ctrl-C, 143 for SIGTERM, one stderr line -- and docs/design.md's CLI contract."""

import subprocess
import sys
import textwrap

import pytest

import rnnkit.cli.main as cli


def test_ctrl_c_while_the_commands_load_is_one_line_and_130(monkeypatch, capsys):
    # build_parser imports every command's module (torch, pandas, sympy: seconds of start-up); a Ctrl-C there was
    # KeyboardInterrupt out of main() -- a 20-line traceback from inside torch/sympy (fails at 77ec123)
    real = cli.importlib.import_module

    def interrupted(name, *a):
        if name.endswith(".tag"):
            raise KeyboardInterrupt
        return real(name, *a)

    monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    try:
        code = cli.main(["tag", "train", "--help"])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main()")
    assert code == 130
    err = capsys.readouterr().err
    assert err == "rnnkit: interrupted\n"


def test_sigterm_while_the_commands_load_is_one_line_and_143(tmp_path):
    # SIGTERM's handler was installed only after the arguments were parsed: one during the imports ended the
    # process on Python's default action (killed, -15, no line). Now it is raised as Ctrl-C is (fails at 77ec123)
    probe = textwrap.dedent("""
        import importlib, os, signal, sys
        import rnnkit.cli.main as cli
        real = importlib.import_module
        def terminated(name, *a):
            if name.endswith('.tag'):
                os.kill(os.getpid(), signal.SIGTERM)
            return real(name, *a)
        cli.importlib.import_module = terminated
        sys.exit(cli.main(['tag', 'train', '--help']))
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 143 and run.stderr == "rnnkit: terminated\n", (run.returncode, run.stderr[-500:])


@pytest.mark.parametrize("sig, code, word", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_serve_stopped_by_a_signal_exits_as_every_command_does_and_frees_its_state(tmp_path, start_service, sig,
                                                                                  code, word):
    # uvicorn.run swallowed the KeyboardInterrupt its graceful shutdown raises again (and rnnkit's Terminated, a
    # KeyboardInterrupt): 'kill PID' / Ctrl-C of 'rnnkit serve' exited 0 with no line (fails at 77ec123: 0, '')
    import signal

    import pandas as pd

    pd.DataFrame({"y": [float(i % 5) for i in range(30)]}).to_csv(tmp_path / "s.csv", index=False)
    assert cli.main(["forecast", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--horizon", "2", "--model",
                     "seasonal_naive", "--no-plot", "--threads", "1", "--out", str(tmp_path / "run")]) == 0
    proc, _ = start_service("--run", tmp_path / "run", "--threads", "1")
    proc.send_signal(getattr(signal, sig))
    out = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == code and out.splitlines()[-1] == f"rnnkit serve: {word}", (proc.returncode, out[-500:])
    proc2, url = start_service("--run", tmp_path / "run", "--threads", "1")   # the state folder's lock was released
    assert proc2.poll() is None


def test_a_progress_line_to_a_stderr_whose_reader_left_exits_141_not_an_error(tmp_path):
    # 'rnnkit ... 2>&1 | head -1': the next progress line raised BrokenPipeError mid-run, reported as a runtime
    # error (exit 1) on the broken pipe, and Python's 'Exception ignored' at exit (fails at 77ec123: exit 1).
    # Now as a reader closing stdout: 141 (128 + SIGPIPE), as a shell reports a command cut off by its reader.
    import os

    import pandas as pd

    pd.DataFrame({"y": [float(i % 5) for i in range(30)]}).to_csv(tmp_path / "s.csv", index=False)
    read, write = os.pipe()
    os.close(read)                                    # the reader has gone before the first line
    with open(tmp_path / "stdout", "wb") as out:
        run = subprocess.run([sys.executable, "-m", "rnnkit", "forecast", "--csv", "s.csv", "--target", "y",
                              "--horizon", "2", "--model", "seasonal_naive", "--no-plot", "--threads", "1",
                              "--out", "run"], cwd=tmp_path, stdout=out, stderr=write, timeout=300)
    os.close(write)
    assert run.returncode == 141 and (tmp_path / "stdout").read_bytes() == b""


def test_a_ctrl_c_during_the_exit_after_the_command_ends_it_without_a_traceback(tmp_path):
    # a second Ctrl-C right after 'rnnkit forecast: interrupted' landed in torch's atexit work (seen: forecast,
    # two SIGINTs 30 ms apart): 'Exception ignored in atexit callback ... Traceback ... KeyboardInterrupt' on
    # stderr (fails at 77ec123). The console script now ends by the signal itself (the shell's 130), no text.
    import signal

    probe = textwrap.dedent("""
        import atexit, os, signal, sys, time
        from rnnkit.cli import main as cli
        def late():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        atexit.register(late)
        sys.argv = ['rnnkit', 'env', '--json']
        cli.entry()
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == -signal.SIGINT and run.stderr == "", (run.returncode, run.stderr[-500:])
