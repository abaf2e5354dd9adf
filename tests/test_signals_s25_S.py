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
