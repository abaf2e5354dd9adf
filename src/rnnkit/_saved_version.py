"""What a saved file's format number, or a key this rnnkit does not know, says about the rnnkit that wrote it.

Runs are kept for months while rnnkit is upgraded -- or a run written by a colleague's newer rnnkit is opened on an
older install. Every reader of a numbered format (a run's ``schema_version``, ``digests.json``'s ``format``, a
forecaster's candidates) refused another number alike: "expected schema_version 2, got 3 (a folder of another rnnkit
version: train it again)" -- retraining is the wrong advice for a run a newer rnnkit wrote, and ``digests.json`` of
format 2 was "expected {"format": 1, ...}, got ['format', 'sha256']", naming no version at all. A key this rnnkit
does not know (a section or a setting a newer rnnkit added) was ignored at the top of a run's ``config.json``: the
run loaded and predicted without what its writer recorded -- a silent difference. The hints here are one rule for
every reader; the version a run records (``rnnkit_version``) is named when there is one.

>>> version_hint(3, 2)
' (written by a newer rnnkit, format 3; this rnnkit 0.1.0 reads format 2: upgrade rnnkit to load it)'
>>> version_hint(1, 2)
' (written by an older rnnkit, format 1; this rnnkit 0.1.0 reads format 2: save it again with this rnnkit, e.g. train it again)'
>>> version_hint("2", 2)
''
>>> check_known_keys("RUN/config.json", {"task": "x", "extra": 1}, ["task"], "the top-level keys of a run's config.json")
Traceback (most recent call last):
rnnkit.errors.CheckpointError: RUN/config.json: expected the top-level keys of a run's config.json ['task'], got unknown ['extra'] (keys this rnnkit 0.1.0 does not know: written by a newer rnnkit? upgrade rnnkit to load it)
"""

from __future__ import annotations

import os
from typing import Any, Iterable

from rnnkit._version import __version__
from rnnkit.errors import CheckpointError

__all__ = ["version_hint", "format_found", "newer_keys_hint", "older_keys_hint", "check_known_keys"]


def _saved_by(saved_version: Any) -> str:
    return (f" (its rnnkit_version: {saved_version})" if isinstance(saved_version, str) and saved_version
            and saved_version != __version__ else "")


def version_hint(found: Any, reads: int, saved_version: Any = None) -> str:
    """What to do with a file of format ``found`` where this rnnkit reads format ``reads``: upgrade (newer), save
    again (older); ``""`` when ``found`` is no integer (a hand edit: the caller's message says what it got)."""
    if not isinstance(found, int) or isinstance(found, bool) or found == reads:
        return ""
    if found > reads:
        return (f" (written by a newer rnnkit, format {found}{_saved_by(saved_version)}; this rnnkit {__version__} "
                f"reads format {reads}: upgrade rnnkit to load it)")
    return (f" (written by an older rnnkit, format {found}{_saved_by(saved_version)}; this rnnkit {__version__} reads "
            f"format {reads}: save it again with this rnnkit, e.g. train it again)")


def format_found(data: Any, reads: int, key: str = "format") -> str | None:
    """``"format N (written by a newer rnnkit ...)"`` when ``data`` is a dict whose ``key`` holds a format other
    than ``reads`` (what a reader's refusal says it got); ``None`` otherwise.

    >>> format_found({"format": 2, "sha256": {}}, 1)[:43], format_found({"sha256": {}}, 1)
    ('format 2 (written by a newer rnnkit, format', None)
    """
    if not isinstance(data, dict) or key not in data or data[key] == reads:
        return None
    return f"{key} {data[key]!r}{version_hint(data[key], reads)}"


def newer_keys_hint(unknown: Iterable[str]) -> str:
    """The hint for keys a reader does not know (``""`` for none)."""
    return (f" (keys this rnnkit {__version__} does not know: written by a newer rnnkit? upgrade rnnkit to load it)"
            if list(unknown) else "")


def older_keys_hint(missing: Iterable[str]) -> str:
    """The hint for keys a reader needs that a file lacks (``""`` for none)."""
    return (f" (written by an older rnnkit, before these settings existed? save it again with this rnnkit "
            f"{__version__}, e.g. train it again)" if list(missing) else "")


def check_known_keys(where: str | os.PathLike, d: dict, known: Iterable[str], what: str) -> None:
    """A CheckpointError naming ``where`` when the dict ``d`` holds a key outside ``known`` (``what`` describes
    them): read as it is, the file would lose what its writer put there."""
    known = list(known)
    unknown = sorted(str(k) for k in set(d) - set(known))
    if unknown:
        listed = f" {sorted(known)}" if len(known) <= 20 else ""    # ForecastConfig's 30-odd settings: named by what
        raise CheckpointError(f"{where}: expected {what}{listed}, got unknown {unknown}"
                              f"{newer_keys_hint(unknown)}")
