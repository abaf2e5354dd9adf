"""``rnnkit datasets``: the bundled real data sets, their size, and how to install missing packages.

    rnnkit datasets                 # every registered data set
    rnnkit datasets --kind series   # only one kind
    rnnkit datasets --json          # {"datasets": [...], "count": N, "available": M}
"""

from __future__ import annotations

from rnnkit._io import format_table
from rnnkit.cli.common import UsageError, add_common
from rnnkit.data.registry import KINDS   # the bundled kinds (registered kinds are accepted too): one list

__all__ = ["add_parser", "run", "KINDS"]


def add_parser(sub):
    p = sub.add_parser("datasets", help="list the bundled data sets (size, availability, install command)",
                       description=(__doc__ or "").split("\n\n")[0] or None)
    p.add_argument("--kind", default=None, metavar="KIND", help=f"only this kind ({', '.join(KINDS)})")
    add_common(p)
    return p


def run(args) -> dict:
    from rnnkit.data.registry import list_datasets

    every = list_datasets()
    kinds = sorted(set(KINDS) | {d.kind for d in every})
    if args.kind is not None and args.kind not in kinds:
        raise UsageError(f"--kind: expected one of {kinds}, got {args.kind!r}")
    rows = []
    for d in list_datasets(args.kind):
        ok = d.available()
        rows.append({"name": d.name, "kind": d.kind, "size": d.size, "description": d.description,
                     "package": d.package, "available": ok, "install": None if ok else d.install})
    result = {"datasets": rows, "count": len(rows), "available": sum(r["available"] for r in rows)}
    if not args.json:
        result["text"] = _table(rows)
    return result


def _table(rows: list[dict]) -> str:
    if not rows:
        return "no data sets registered"
    shown = [{**r, "available": "yes" if r["available"] else "no"} for r in rows]
    lines = [format_table(shown, ["name", "kind", "size", "available", "description"])]
    missing = [r for r in rows if not r["available"] and r["install"]]
    if missing:
        lines.append("")
        lines.append("missing optional packages:")
        lines += [f"  {r['name']}: {r['install']}" for r in missing]
    return "\n".join(lines)
