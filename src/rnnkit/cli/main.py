"""``rnnkit`` entry point: only registers the commands (one module each under ``rnnkit.cli``).

Exit codes: 0 ok, 1 runtime error (``DataError``, ``CheckpointError``, ...), 2 usage error (argparse's
own errors, :class:`~rnnkit.cli.common.UsageError`, :class:`~rnnkit.errors.ConfigError`: bad flag values,
an unwritable ``--out``, sizes that cannot fit in memory), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM: raised as Ctrl-C is, so saves clean up), 141 stdout closed by its reader
(``| head``: nothing printed on stderr). An error is one line on
stderr (the traceback only with ``--debug``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys

from rnnkit._version import __version__

# Only these at import: the console script runs this module's top before entry() can guard anything, so a Ctrl-C in
# a heavy import here (numpy, torch: the commands' modules) was Python's KeyboardInterrupt traceback. The rest is
# imported inside main()'s guard.

# Command name -> module under rnnkit.cli defining add_parser(subparsers) and run(args).
COMMANDS: dict[str, str] = {
    "forecast": "forecast",
    "experiment": "experiment",
    "env": "env",
    "datasets": "datasets",
    "bench": "bench",
    "hopfield": "hopfield",
    "classify": "classify",
    "tsc": "tsc",
    "tag": "tag",
    "generate": "generate",
    "translate": "translate",
    "export": "export",
    "serve": "serve",
}


def _unavailable(name: str, module: str, error: BaseException, stage: str = "import"):
    """A stand-in for a command whose module failed to import (or to declare its flags): the other commands keep
    working (``rnnkit env`` above all, which bug reports need) and this one reports why it cannot run."""
    import argparse

    message = f"command unavailable: rnnkit.cli.{module} failed to {stage} ({type(error).__name__}: {error})"

    def add_parser(sub):
        p = sub.add_parser(name, help=f"(unavailable: {type(error).__name__})")
        p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
        return p

    def run(args):
        raise RuntimeError(message)

    return add_parser, run, message


def _add_version(parser) -> None:
    parser.add_argument("--version", action="version", version=f"rnnkit {__version__}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``rnnkit`` parser with every command in :data:`COMMANDS` registered; ``only``: that command alone (a
    command line that names its command needs no other command's module: ``rnnkit env`` loaded torch, pandas and
    scipy for the others' flags)."""
    from rnnkit.cli.common import Parser

    parser = Parser(prog="rnnkit", description="Recurrent neural networks on PyTorch.")
    _add_version(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    parser.set_defaults(_unavailable={})
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        stage = "import"
        try:
            mod = importlib.import_module(f"rnnkit.cli.{module}")
            run = mod.run
            stage = "declare its flags"   # e.g. a help text from __doc__, which ``python -OO`` strips (None)
            p = mod.add_parser(sub)
        except Exception as e:  # noqa: BLE001 - reported when the command is used
            _forget(sub, name)
            add_parser, run, message = _unavailable(name, module, e, stage)
            parser.get_default("_unavailable")[name] = message
            p = add_parser(sub)
        p.set_defaults(_run=run, _parser=p)
    return parser


def _forget(sub, name: str) -> None:
    """Take back a command a failed ``add_parser`` registered half-way (its stand-in takes the name)."""
    sub.choices.pop(name, None)
    sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest != name]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``docker stop``, a scheduler's preemption) raised where the command runs, as Ctrl-C is:
    a save stopped by it removes what it created and its temporary files (Python's default action ended the
    process on the spot: a run folder half-written, refused by the next ``--out`` into it)."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _catch_sigterm():
    """Install :func:`_on_sigterm`; returns the handler it replaced (``None`` off the main thread, where
    signals cannot be caught, and where the process was started with SIGTERM ignored)."""
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:   # the parent's 'trap "" TERM': kept, as Python keeps
            return None                                           # an ignored SIGINT (no KeyboardInterrupt then)
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage error, 130 interrupted, 143 terminated)."""
    del _SAID[:]
    previous = _catch_sigterm()   # from the start: the commands' imports (torch, pandas) take seconds
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:   # a host program calling main() (a notebook, another CLI, a test) gets its process back as it was
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    try:   # a Ctrl-C while the commands' modules load (a second or more) was a 20-line traceback from inside torch
        if argv[:1] == ["--version"]:   # argparse ends at it, whatever follows: no command's module (torch) needed
            import argparse

            from rnnkit.cli.common import Parser

            _add_version(version := Parser(prog="rnnkit"))
            version.parse_args(argv[:1])
        held = _hold_signals()
        try:
            from rnnkit.cli.argv_bytes import argv_bytes_hint
            from rnnkit.cli.common import (THREADS_BEFORE, UsageError, apply_config, flag_message, one_line_warnings,
                                           print_result)
            from rnnkit.cli.stdout_text import standard_streams
            from rnnkit.errors import ConfigError

            parser = build_parser(_named_command(argv))
            broken = parser.get_default("_unavailable")
            if argv and argv[0] in broken:  # whatever flags follow, say why the command cannot run
                print(f"rnnkit {argv[0]}: error: {broken[argv[0]]}", file=sys.stderr)
                return 1
            args = parser.parse_args(argv)   # --help ends here: a command module without torch needs none for it
            _import_torch()
        finally:
            _release_signals(held)
    except SystemExit as e:  # argparse: --help/--version exit 0, usage errors exit 2
        code = int(e.code or 0) if not isinstance(e.code, str) else 2
        if code == 0 and sys.stdout is not None:   # '--help > /dev/full' with stdout buffered: the text lost, exit 0
            try:
                sys.stdout.flush()
            except OSError as err:
                return _stdout_failed("rnnkit", err)
        return code
    except BrokenPipeError:  # '--help | head -1': the reader has what it wanted, as for a command's output
        _stdout_to_devnull()
        return 141
    except OSError as e:     # --help / --version's own write failed (Parser._print_message raises it)
        return _stdout_failed("rnnkit", e)
    except KeyboardInterrupt as e:
        return _stopped("rnnkit", e)
    debug = getattr(args, "debug", False)
    restore_streams = standard_streams(args.command)   # 2>&-: not into stdout; ASCII stdout: 'café' escaped, said
    del THREADS_BEFORE[:]
    prog = getattr(args._parser, "prog", f"rnnkit {args.command}")   # --config's errors: its usage errors' name
    try:
        sub_argv = argv[argv.index(args.command) + 1:]
        apply_config(args._parser, args, sub_argv, root=parser, full_argv=argv)
        prog = f"rnnkit {args.command}"          # what the command's run raises keeps the command's name
        debug = getattr(args, "debug", False)   # `debug = true` in --config's file too (was read before it)
        with contextlib.nullcontext() if debug else one_line_warnings(args.command):   # every command; --debug: Python's
            result = args._run(args)
        if result is not None:
            try:
                print_result(result, getattr(args, "json", False))
                if sys.stdout is not None:     # None: fd 1 closed ('>&-'); print() drops text there, as ever
                    sys.stdout.flush()
            except BrokenPipeError:     # `rnnkit ... | head`: the reader has all it wanted ('error: BrokenPipeError')
                _stdout_to_devnull()    # and Python's own 'Exception ignored' at exit: nothing to report
                return 141              # 128 + SIGPIPE, as a shell reports a command cut off by its reader
            except OSError as e:        # a full disk: 'error: OSError: [Errno 28] No space left on device', unnamed
                return _stdout_failed(prog, e)
        return 0
    except (UsageError, ConfigError) as e:
        if debug:
            import traceback

            traceback.print_exc()
        message = argv_bytes_hint(flag_message(_one_line(e), getattr(args, "_parser", None), mentions=True))
        print(f"{prog}: error: {message}", file=sys.stderr)   # argv bytes: hinted; the other flags named as typed
        return 2
    except KeyboardInterrupt as e:
        return _stopped(f"rnnkit {args.command}", e)
    except Exception as e:  # runtime error: one line unless --debug
        if isinstance(e, BrokenPipeError) and _cut_off():   # '2>&1 | head': a progress line to a reader gone
            return 141
        if debug:
            import traceback

            traceback.print_exc()
        message = argv_bytes_hint(flag_message(_one_line(e), getattr(args, "_parser", None)))   # '--text: ...'
        print(f"rnnkit {args.command}: error: {type(e).__name__}: {message}", file=sys.stderr)
        return 1
    finally:
        _restore_threads()
        restore_streams()


def _hold_signals() -> tuple[dict, list]:
    """While the commands' modules load, a Ctrl-C or SIGTERM is noted, not raised where it lands: raised inside
    torch's C++ initialisation or an import lock's weakref callback, it was 'Exception ignored ... KeyboardInterrupt'
    with the command going on (exit 0), or -- a second Ctrl-C during the first one's unwinding -- 'terminate called
    after throwing pybind11::error_already_set' (SIGABRT). :func:`_release_signals` raises the noted one once the
    imports are over (at most the one module's import later); a second signal meanwhile ends the process at once,
    by that signal (the shell's 130 / 143), as before Python has started. Only Python's own SIGINT handler and
    :func:`_on_sigterm` are held (a host's handler, an ignored signal: left as they are)."""
    noted: list = []

    def note(signum, frame):
        if noted:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        noted.append(signum)

    held = {}
    try:
        for sig, ours in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _on_sigterm)):
            if signal.getsignal(sig) is ours:
                held[sig] = signal.signal(sig, note)
    except ValueError:   # off the main thread: no handler can be set, none was
        pass
    return held, noted


def _release_signals(hold: tuple[dict, list]) -> None:
    held, noted = hold
    for sig, handler in held.items():
        signal.signal(sig, handler)
    if noted:
        raise Terminated() if noted[0] == signal.SIGTERM else KeyboardInterrupt()


def _import_torch() -> None:
    """Import torch now, while the signals are held: the commands run on it (``datasets`` aside), and a signal raised
    inside its C++ start-up (1-2 s) -- env's, export's, serve's and experiment's run imported it -- aborted the
    process ('terminate called after throwing pybind11::error_already_set', SIGABRT; 1 of 30 SIGTERMs sent into
    'rnnkit env --json'). A torch that fails to import is left to the command that needs it to report."""
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001 - reported by the command that uses it
        pass


def _named_command(argv: list[str]) -> str | None:
    """The command ``argv`` starts with, where only its own parser is needed; ``None`` (every command's) for the
    root's help and errors, and for ``--config``, whose unknown-key hint names the other commands' flags."""
    if argv and argv[0] in COMMANDS and not any(str(a).startswith("--config") for a in argv):
        return argv[0]
    return None


def _stopped(prog: str, e: KeyboardInterrupt) -> int:
    """The one line of a command stopped by Ctrl-C (130) or SIGTERM (143), as shells report them."""
    terminated = isinstance(e, Terminated)
    if not _SAID:   # a second Ctrl-C landing after this line (main()'s last steps) is not a second line
        print(f"{prog}: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        _SAID.append(prog)
    return 143 if terminated else 130


_SAID: list[str] = []   # the stopped line of this main() call, once said


def _restore_threads() -> None:
    """torch's thread count back to what it was before the command's ``--threads`` (1 unless asked: a host's
    torch ran on one thread after any command). No call where the count is already the host's."""
    from rnnkit.cli.common import THREADS_BEFORE

    if THREADS_BEFORE:
        import torch

        if torch.get_num_threads() != THREADS_BEFORE[0]:
            torch.set_num_threads(THREADS_BEFORE[0])
        del THREADS_BEFORE[:]


def _stdout_to_devnull(stream=None) -> None:
    """Point stdout's (``stream``'s) file descriptor at /dev/null, so the flush at exit does not fail again on the
    closed pipe."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, (sys.stdout if stream is None else stream).fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):   # a stdout without a descriptor (captured in tests)
        pass


def _stdout_failed(prog: str, e: OSError) -> int:
    """A write to stdout that failed (a full disk, ``> /dev/full``, an I/O error): one line naming stdout, exit 1;
    stdout is then pointed at /dev/null (the flush at exit would fail again)."""
    _stdout_to_devnull()
    print(f"{prog}: error: stdout: expected to write the output, got {type(e).__name__}: {e.strerror or e} "
          f"(the output is lost)", file=sys.stderr)
    return 1


def _cut_off() -> bool:
    """Whether stdout's or stderr's reader has gone (a pipe whose read end is closed polls POLLERR); each such stream
    is then pointed at /dev/null. ``rnnkit ... 2>&1 | head -1``: the next progress line raised BrokenPipeError in the
    middle of training, reported as a runtime error (exit 1) on the broken pipe itself -- Python's 'Exception
    ignored' at exit too. A BrokenPipeError from anything else (a worker's pipe) stays an error."""
    import select

    gone = False
    for stream in (sys.stdout, sys.stderr):
        try:
            poll = select.poll()
            poll.register(stream.fileno(), 0)
            if any(events & select.POLLERR for _, events in poll.poll(0)):
                gone = True
                _stdout_to_devnull(stream)
        except (OSError, ValueError, AttributeError):   # no descriptor (captured), or closed
            continue
    return gone


def _one_line(e: BaseException) -> str:
    from rnnkit.cli.clip_text import clip_quoted    # a 1 MB field was a 1 MB error line (session 27)

    return clip_quoted(" ".join(str(e).split()) or type(e).__name__)


def entry() -> None:
    """The console script: :func:`main`, then the process's exit. The command is over by then, so a Ctrl-C or SIGTERM
    during the interpreter's exit -- torch's atexit work takes a moment, and a second Ctrl-C right after
    'interrupted' lands there -- ends it at once, by that signal (the shell's 130 / 143), instead of Python's
    'Exception ignored in atexit callback ... KeyboardInterrupt' traceback. A signal a parent set to be ignored
    (``trap '' INT``) stays ignored. A Ctrl-C in the moments around :func:`main`'s own guards is the same one line."""
    try:
        code = main()
    except KeyboardInterrupt as e:
        code = _stopped("rnnkit", e)
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
