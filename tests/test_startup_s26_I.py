"""Start-up of the program itself (session 26, helper I): a Ctrl-C at any moment of it, what ``import rnnkit`` and
the console script load before they can guard anything, ``--version``, ``python -OO`` and a parent's ignored SIGTERM.
Oracles: what a careful CLI does (pip, git: exit 130 and one line whenever Ctrl-C lands), Python's own rule for an
ignored SIGINT, and the package's public names as they were when it imported them eagerly."""

from __future__ import annotations

import pickle
import signal
import subprocess
import sys
import textwrap
import types

import pytest

import rnnkit
import rnnkit.cli.main as cli


def _python(code: str, *flags: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, **kw)


def _entry_code() -> int:
    """The console script's exit code (entry() in this process)."""
    with pytest.raises(SystemExit) as stop:
        try:
            cli.entry()
        except KeyboardInterrupt:   # out of pytest's reach: it would end the whole session
            pytest.fail("KeyboardInterrupt escaped entry()")
    return stop.value.code


# A finder that sends this process SIGINT when a module named in HIT is first imported: the Ctrl-C lands exactly
# there (a sleep-and-kill loop finds the same moments only by chance).
INTERRUPT_AT = """
    import importlib.abc, os, signal, sys
    signal.signal(signal.SIGINT, signal.default_int_handler)   # as a terminal's Ctrl-C, whatever the test runner did
    class Hit(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in HIT:
                HIT.discard(name)
                os.kill(os.getpid(), signal.SIGINT)
            return None
    sys.meta_path.insert(0, Hit())
"""


@pytest.mark.parametrize("module", ["numpy", "torch"])
def test_ctrl_c_while_the_console_script_imports_is_one_line_and_130(module):
    # the console script's 'from rnnkit.cli.main import entry' imported the package root (torch: a second or more)
    # and cli.common (numpy) before main() could guard anything: a Ctrl-C there was a 14-40 line KeyboardInterrupt
    # traceback (fails at ef8d4e0: rc -2 and the traceback). Both now load inside main()'s guard.
    # env: torch once its flags are parsed (no --help of forecast needs torch since session 27); datasets --help: numpy
    argv = ["env"] if module == "torch" else ["datasets", "--help"]
    probe = textwrap.dedent(INTERRUPT_AT) + textwrap.dedent(f"""
        sys.argv = ["rnnkit", *{argv!r}]
        from rnnkit.cli.main import entry
        entry()
    """)
    run = _python(f"HIT = {{{module!r}}}\n" + probe)
    assert run.returncode == 130 and run.stderr == "rnnkit: interrupted\n", (run.returncode, run.stderr[-1500:])


def test_a_ctrl_c_in_a_callback_during_the_imports_is_not_lost():
    # raised where it lands, a Ctrl-C inside a weakref callback of the import system (seen: importlib's module-lock
    # callback, 1 of 120 Ctrl-Cs 0.2-1.6 s into 'forecast --help') is 'Exception ignored ... KeyboardInterrupt' and
    # the command goes on, exit 0 (fails at c317922: rc 0). Held while the modules load, it is raised after them.
    probe = textwrap.dedent(INTERRUPT_AT).replace("os.kill(os.getpid(), signal.SIGINT)", "in_a_callback()")
    run = _python("HIT = {'numpy'}\n" + textwrap.dedent("""
        import os, signal, weakref
        def later():
            return None
        def in_a_callback():
            class Thing:
                pass
            thing = Thing()
            ref = weakref.ref(thing, lambda r: (os.kill(os.getpid(), signal.SIGINT), later()))
            del thing
    """) + probe + textwrap.dedent("""
        sys.argv = ["rnnkit", "datasets", "--help"]
        from rnnkit.cli.main import entry
        entry()
    """))
    assert run.returncode == 130 and run.stderr == "rnnkit: interrupted\n", (run.returncode, run.stderr[-1500:])


def test_a_second_ctrl_c_while_the_modules_load_ends_the_process_at_once():
    # the first Ctrl-C is held until the imports end; a second one meanwhile ends the process by the signal itself
    # (the shell's 130), with nothing on stderr -- raised inside torch's C++ unwinding of the first it was
    # 'terminate called after throwing pybind11::error_already_set', SIGABRT (seen once in 80 double Ctrl-Cs)
    probe = textwrap.dedent(INTERRUPT_AT).replace("os.kill(os.getpid(), signal.SIGINT)",
                                                  "os.kill(os.getpid(), signal.SIGINT); os.kill(os.getpid(), "
                                                  "signal.SIGINT)")
    run = _python("HIT = {'numpy'}\n" + probe + textwrap.dedent("""
        sys.argv = ["rnnkit", "datasets", "--help"]
        from rnnkit.cli.main import entry
        entry()
    """))
    assert run.returncode == -signal.SIGINT and run.stderr == "", (run.returncode, run.stderr[-1500:])


def test_a_host_s_own_sigint_handler_is_left_alone(monkeypatch, capsys):
    # only Python's default SIGINT handler is held during the imports: a host's (a notebook kernel's) is untouched
    seen = []

    def host(signum, frame):
        pass

    def spy(only=None):
        seen.append(signal.getsignal(signal.SIGINT))
        raise SystemExit(0)

    previous = signal.signal(signal.SIGINT, host)
    try:
        monkeypatch.setattr(cli, "build_parser", spy)
        assert cli.main(["env"]) == 0
        assert seen == [host] and signal.getsignal(signal.SIGINT) is host
    finally:
        signal.signal(signal.SIGINT, previous)


def test_importing_the_package_and_the_cli_entry_loads_neither_torch_nor_numpy():
    # the window in which no rnnkit code can catch a Ctrl-C is what the console script imports before entry():
    # 0.9 s (torch, numpy) at ef8d4e0 (fails there: torch and numpy loaded); now the standard library's few modules
    run = _python("""
        import sys
        import rnnkit
        first = sorted(m for m in ("torch", "numpy", "pandas") if m in sys.modules)
        from rnnkit.cli.main import entry
        print(first, sorted(m for m in ("torch", "numpy", "pandas", "argparse") if m in sys.modules))
    """)
    assert run.returncode == 0 and run.stdout.split("\n")[0] == "[] []", run.stdout + run.stderr[-1500:]


def test_a_ctrl_c_around_mains_own_guards_is_one_line_and_130(monkeypatch, capsys):
    # main()'s own first and last steps (its SIGTERM handler, the streams) lie outside its try: the console script
    # let a KeyboardInterrupt there out as a traceback (fails at ef8d4e0: KeyboardInterrupt escapes entry())
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_catch_sigterm", interrupted)
    monkeypatch.setattr(sys, "argv", ["rnnkit", "--version"])
    monkeypatch.setattr(signal, "signal", lambda *a: None)   # entry() resets handlers: not the test runner's
    assert _entry_code() == 130 and capsys.readouterr().err == "rnnkit: interrupted\n"


def test_version_loads_no_command_module():
    # '--version' built every command's parser first (torch, pandas: 1.7 s for one line; fails at ef8d4e0: torch
    # loaded). argparse ends at '--version' whatever follows it, and so does the short way.
    run = _python("""
        import sys
        from rnnkit.cli.main import main
        codes = [main(["--version"]), main(["--version", "--no-such-flag", "forecast"])]
        print(codes, "torch" in sys.modules, "rnnkit.cli.forecast" in sys.modules)
    """)
    assert run.returncode == 0, run.stderr[-1500:]
    assert run.stdout.splitlines() == [f"rnnkit {rnnkit.__version__}"] * 2 + ["[0, 0] False False"], run.stdout


def test_docstrings_stripped_as_python_OO_does_keep_every_command_that_does_not_need_one(monkeypatch, capsys):
    # python -OO strips docstrings; env's help text was __doc__.split(...), an AttributeError that build_parser
    # did not catch: every command -- '--help', 'env' for a bug report -- was a traceback (fails at ef8d4e0:
    # AttributeError; 'python -OO -m rnnkit --help' exited 1). Each module's __doc__ set to None, as -OO leaves it.
    import importlib

    for module in cli.COMMANDS.values():
        monkeypatch.setattr(importlib.import_module(f"rnnkit.cli.{module}"), "__doc__", None)
    assert cli.main(["--help"]) == 0
    assert "env       show versions" in capsys.readouterr().out
    assert cli.main(["env", "--json"]) == 0
    assert '"rnnkit"' in capsys.readouterr().out


def test_a_command_whose_flags_fail_is_unavailable_not_the_whole_cli(monkeypatch, capsys):
    # build_parser caught a command module's failed import but not a failed add_parser: one command's bad help
    # text took every command down with a traceback (fails at ef8d4e0: AttributeError out of main())
    mod = types.ModuleType("rnnkit.cli._s26_half")

    def add_parser(sub):
        p = sub.add_parser("half", help="registered, then fails")
        p.add_argument("--x", help=None.split())   # as __doc__.split() under python -OO

    mod.add_parser, mod.run = add_parser, lambda args: {}
    monkeypatch.setitem(sys.modules, "rnnkit.cli._s26_half", mod)
    monkeypatch.setitem(cli.COMMANDS, "half", "_s26_half")
    assert cli.main(["env", "--json"]) == 0
    assert '"rnnkit"' in capsys.readouterr().out
    assert cli.main(["half", "--x", "1"]) == 1
    err = capsys.readouterr().err
    assert err == ("rnnkit half: error: command unavailable: rnnkit.cli._s26_half failed to declare its flags "
                   "(AttributeError: 'NoneType' object has no attribute 'split')\n"), err
    assert cli.main(["--help"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("    half")]
    assert listed == ["half"]   # once: the half-registered entry was taken back


def test_a_sigterm_the_parent_ignores_stays_ignored():
    # Python keeps an ignored SIGINT ignored (no KeyboardInterrupt); main() replaced an ignored SIGTERM ('trap ""
    # TERM', a supervisor's choice) with its own handler, so the process was terminated anyway (fails at ef8d4e0)
    run = _python("""
        import signal
        import rnnkit.cli.main as cli
        seen = []
        def spy(*args):
            seen.append(signal.getsignal(signal.SIGTERM))
            raise SystemExit(0)
        cli.build_parser = spy
        code = cli.main(["env"])
        print(code, seen == [signal.SIG_IGN], signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)
    """, preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "0 True True", run.stdout[-500:] + run.stderr[-800:]


def test_the_lazy_names_are_the_modules_objects():
    # rnnkit/__init__ loads its names on first use (PEP 562): each is the object its module defines, dir() and
    # __all__ list them, 'from rnnkit import *' binds them, an unknown name is still an AttributeError
    from rnnkit import cells, engine, errors, layers
    from rnnkit.training.capture import capture_train_step

    assert rnnkit.LSTM is layers.LSTM and rnnkit.make_layer is layers.make_layer and rnnkit.get_cell is cells.get_cell
    assert rnnkit.cells is cells and rnnkit.engine is engine and rnnkit.errors is errors
    assert rnnkit.capture_train_step is capture_train_step
    probe = _python("""
        import rnnkit
        print(rnnkit.training.Trainer.__name__, rnnkit.layers.LSTM.__name__, rnnkit.diagnostics.__name__)
    """)   # the subpackages the eager root left bound (an 'import rnnkit' script used them)
    assert probe.stdout.split() == ["Trainer", "LSTM", "rnnkit.diagnostics"], probe.stdout + probe.stderr[-800:]
    assert set(rnnkit.__all__) <= set(dir(rnnkit))
    star: dict = {}
    exec("from rnnkit import *", star)
    assert all(star[name] is getattr(rnnkit, name) for name in rnnkit.__all__)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        rnnkit.no_such_name  # noqa: B018


def test_export_first_then_a_pickled_layer_in_a_process_that_only_imported_rnnkit(tmp_path):
    # Python's import system sets a package's attribute to a subpackage it imports: with the root's names loaded
    # on use, 'from rnnkit.export.graph import exportable' first would make rnnkit.export the module (not
    # callable); it stays the function. A pickled layer loads in a process where only 'import rnnkit' ran.
    import torch

    layer = rnnkit.GRU(3, 4)
    (tmp_path / "layer.pkl").write_bytes(pickle.dumps(layer))
    x = torch.randn(5, 2, 3)
    torch.save({"x": x, "y": layer(x)[0].detach()}, tmp_path / "io.pt")
    run = _python("""
        import pickle, sys
        from rnnkit.export.graph import exportable
        import rnnkit
        from rnnkit import export
        print(rnnkit.export is sys.modules["rnnkit.export.api"].export is export, callable(rnnkit.export))
        import torch
        layer = pickle.loads(open("layer.pkl", "rb").read())
        io = torch.load("io.pt")
        print(type(layer).__name__, torch.equal(layer(io["x"])[0], io["y"]))
    """, cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.split() == ["True", "True", "GRU", "True"], run.stdout + run.stderr


def test_a_command_line_naming_its_command_loads_only_that_commands_module():
    # every command built all 13 commands' parsers first: 'rnnkit env --help' loaded torch, pandas and scipy for
    # the others' flags (1.7 s; fails at ef8d4e0: rnnkit.cli.forecast and torch loaded). The root's own help and
    # errors still list every command.
    run = _python("""
        import sys
        from rnnkit.cli.main import main
        code = main(["datasets", "--help"])
        print(code, sorted(m for m in sys.modules if m.startswith("rnnkit.cli.") and m.count(".") == 2
                           and m.split(".")[2] in ("forecast", "tsc", "env")), "torch" in sys.modules)
    """)
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "0 [] False", run.stdout[-800:] + run.stderr[-800:]


def test_a_config_key_of_another_command_is_still_named(tmp_path, capsys):
    # --config builds every command's parser: its unknown-key hint names the command whose flag the key is
    (tmp_path / "c.toml").write_text("horizon = 3\n")
    assert cli.main(["experiment", "adding", "--config", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a flag of rnnkit forecast" in err, err


def test_a_second_ctrl_c_after_the_line_is_not_a_second_line(monkeypatch, capsys):
    # a Ctrl-C caught by main() prints its line; a second one landing in main()'s last steps (putting the host's
    # SIGTERM handler back) reached entry(), which printed 'rnnkit: interrupted' again (fails at c317922: two lines;
    # seen 3 times in 90 double Ctrl-Cs 1-30 ms apart)
    def interrupted(only=None):
        raise KeyboardInterrupt

    hosts = object()

    def second_ctrl_c(sig, handler):   # no handler really set: the test runner's stay
        if handler is hosts:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    monkeypatch.setattr(cli, "_catch_sigterm", lambda: hosts)
    monkeypatch.setattr(signal, "signal", second_ctrl_c)
    monkeypatch.setattr(sys, "argv", ["rnnkit", "env"])
    assert _entry_code() == 130 and capsys.readouterr().err == "rnnkit: interrupted\n"


def test_torch_is_imported_with_the_signals_held_before_a_command_runs():
    # env, export, serve and experiment import torch in run(): a SIGTERM raised inside torch's C++ start-up there
    # aborted the process (SIGABRT, 'terminate called after throwing pybind11::error_already_set'; fails at faf8cfa:
    # torch imported under main()'s own raising SIGTERM handler). It is imported while the signals are held.
    run = _python("""
        import importlib.abc, signal, sys
        import rnnkit.cli.main as cli
        seen = []
        class Spy(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "torch":
                    seen.append(signal.getsignal(signal.SIGTERM))
                return None
        sys.meta_path.insert(0, Spy())
        code = cli.main(["env", "--json"])
        print(code, len(seen) == 1 and seen[0] is not cli._on_sigterm and callable(seen[0]))
    """)
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "0 True", run.stdout[-300:] + run.stderr[-800:]
