"""The house of docs/design.md, over the whole of ``src/rnnkit`` (the core's own layering is in
tests/test_layer_registry.py): no module takes names from the package root, and no import circle,
function-level imports included (issue 15). Oracle: the source's own import statements (``ast``), read
the same way as ``python3 ../shared/tools/house_check.py .`` reads them.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "rnnkit"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


MODULES = _modules()
assert "rnnkit.layers.recurrent" in MODULES and "rnnkit.cli.main" in MODULES, SRC  # read the real tree


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (``rnnkit.layers.LSTM`` -> ``rnnkit.layers``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[tuple[str, str]]:
    """``(imported module, what the statement names)`` for every rnnkit import, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out += [(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base, f"{base}.{a.name}")
                    for a in node.names]
    return [(m, named) for m, named in out if m.startswith("rnnkit")]


def test_no_module_reads_names_from_the_package_root():
    # The root pulls in every floor (layers, engine, export, training ...): a module that takes
    # ``__version__`` (or anything) from it reaches all of them. ``rnnkit._version`` holds the version.
    bad = [f"{m}: {named}" for m, p in MODULES.items() if m != "rnnkit"
           for target, named in _imports(m, p) if _resolve(target) == "rnnkit"]
    assert not bad, bad


def test_no_import_circle_in_the_whole_tree():
    edges = {m: set() for m in MODULES}
    for m, p in MODULES.items():
        for target, _ in _imports(m, p):
            r = _resolve(target)
            # a package's __init__ importing its own children is how packages work, not a circle
            if r and r != m and not (p.name == "__init__.py" and r.startswith(m + ".")):
                edges[m].add(r)

    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for n in edges[todo.pop()]:
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    circles = sorted(m for m in MODULES if m in reach(m))
    assert not circles, f"modules on an import circle: {circles}"
