"""docs/design.md's module map against ``src/rnnkit`` (session 24, helper D): every module is named in its package's
paragraph, and every ``name.py`` the map names exists. 28 modules added since the map was last complete were missing
(``_threads.py``, ``forecast.py``, ``tasks/forecasting/recent.py``, ``tasks/tagging_inputs.py``, ...): a new module now
fails here until the map names it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "rnnkit"


def _map_sections() -> dict[str, str]:
    """docs/design.md's module map: ``{'cli/': its paragraph, '_io.py': ..., ...}`` (an entry starts at two spaces)."""
    text = (ROOT / "docs" / "design.md").read_text()
    block = re.search(r"^```\n(src/rnnkit/\n.*?)^```", text, re.S | re.M)
    assert block, "docs/design.md: the module map (a ``` block starting with src/rnnkit/) is gone"
    sections: dict[str, str] = {}
    key = None
    for line in block.group(1).splitlines()[1:]:
        entry = re.match(r"^  (\S+)\s{2,}(.*)$", line)
        if entry:
            key = entry.group(1)
            sections[key] = entry.group(2) + "\n"
        else:
            assert key, line
            sections[key] += line + "\n"
    return sections


def _modules() -> list[Path]:
    return sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_design_module_map_names_every_module():
    """A module is named where its stem is written as ``stem.py`` or as a word of a list (``stem (``, ``stem,``,
    ``stem;``, ``stem:``, ``stem)``, ``stem +``, or at the end of the paragraph) in its top-level package's
    paragraph; a top-level module is an entry of its own."""
    sections = _map_sections()
    missing = []
    for module in _modules():
        if len(module.parts) == 1:
            if module.name not in sections:
                missing.append(str(module))
            continue
        text = sections.get(module.parts[0] + "/")
        if text is None:
            missing.append(f"{module} (no entry {module.parts[0]}/)")
            continue
        if module.name == "__init__.py":
            if len(module.parts) == 2:
                continue                      # the package itself: its entry
            stem = module.parts[-2]           # a sub-package (training/callbacks/, data/timeseries/)
        else:
            stem = module.stem
        if not re.search(r"(?<![\w.])" + re.escape(stem) + r"(\.py|/|\s*[(,;:)+]|\s*\Z)", text):
            missing.append(str(module))
    assert not missing, f"docs/design.md's module map does not name {missing}"


def test_design_module_map_names_only_modules_that_exist():
    """Every ``name.py`` of the map (a top-level entry, or a file of its package's paragraph) is a file there."""
    sections = _map_sections()
    absent = []
    for key, text in sections.items():
        if not key.endswith("/"):
            if not (PACKAGE / key).is_file():
                absent.append(key)
            continue
        package = PACKAGE / key
        for name in re.findall(r"(?<![\w.])([\w/]+\.py)\b", text):
            if not (package / name).is_file() and not (PACKAGE / name).is_file() \
                    and not any(package.rglob(Path(name).name)):
                absent.append(key + name)
    assert not absent, f"docs/design.md's module map names modules that do not exist: {absent}"


