"""What a saved file's format number, or a key this rnnkit does not know, says about the rnnkit that wrote it.

Runs are kept for months while rnnkit is upgraded -- or a run written by a colleague's newer rnnkit is opened on an
older install. Every reader of a numbered format (a run's ``schema_version``, ``digests.json``'s ``format``, a
forecaster's candidates) refused another number alike: "expected schema_version 2, got 3 (a folder of another rnnkit
version: train it again)" -- retraining is the wrong advice for a run a newer rnnkit wrote, and ``digests.json`` of
format 2 was "expected {"format": 1, ...}, got ['format', 'sha256']", naming no version at all. A key this rnnkit
does not know (a section or a setting a newer rnnkit added) was ignored at the top of a run's ``config.json``: the
run loaded and predicted without what its writer recorded -- a silent difference. The hints here are one rule for
every reader; the version a run records (``rnnkit_version``) is named when there is one.

The version is written in one place, :mod:`rnnkit._version` (pyproject.toml reads it), and every run records it. A run
whose recorded version is a later release than this rnnkit's (:func:`newer_release`) may hold settings inside its
sections that this rnnkit does not know, which a reader that takes the keys it knows would pass over: such a load is
warned, naming both versions (:func:`warn_newer`, as scikit-learn's InconsistentVersionWarning); a key of a task run's
``state`` that the task did not read is named (:func:`unread_state`: refused for a newer release's run, warned for
another); a top-level key this rnnkit does not know is refused, naming the version that wrote it.

>>> version_hint(3, 2)
' (written by a newer rnnkit, format 3; this rnnkit 0.2.0 reads format 2: upgrade rnnkit to load it)'
>>> version_hint(1, 2)
' (written by an older rnnkit, format 1; this rnnkit 0.2.0 reads format 2: save it again with this rnnkit, e.g. train it again)'
>>> version_hint("2", 2)
''
>>> check_known_keys("RUN/config.json", {"task": "x", "extra": 1}, ["task"], "the top-level keys of a run's config.json")
Traceback (most recent call last):
rnnkit.errors.CheckpointError: RUN/config.json: expected the top-level keys of a run's config.json ['task'], got unknown ['extra'] (keys this rnnkit 0.2.0 does not know: written by a newer rnnkit? upgrade rnnkit to load it)
>>> newer_release("0.3.0"), newer_release("0.2.0"), newer_release("0.1.0"), newer_release("1.0.0rc1"), newer_release(None)
(True, False, False, True, False)
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any, Iterable

from rnnkit._version import __version__
from rnnkit.errors import CheckpointError

__all__ = ["version_hint", "format_found", "newer_keys_hint", "older_keys_hint", "check_known_keys", "newer_release",
           "warn_newer", "unread_state", "ReadKeys"]


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


def _release(version: Any) -> tuple[int, ...] | None:
    """The release numbers of a version text (``"0.2.0rc1"`` -> ``(0, 2, 0)``), or ``None`` when it has none."""
    m = re.match(r"\s*v?(\d+(?:\.\d+)*)", version) if isinstance(version, str) else None
    return tuple(int(p) for p in m.group(1).split(".")) if m else None


def newer_release(saved_version: Any) -> bool:
    """Whether ``saved_version`` (a run's ``rnnkit_version``) is a later release than this rnnkit's (release numbers
    compared as PEP 440 does, trailing zeros ignored; a pre-release of a later release counts as later)."""
    saved, ours = _release(saved_version), _release(__version__)
    if saved is None or ours is None:
        return False
    width = max(len(saved), len(ours))
    return saved + (0,) * (width - len(saved)) > ours + (0,) * (width - len(ours))


def warn_newer(where: str | os.PathLike, saved_version: Any, stacklevel: int = 3) -> None:
    """A warning naming ``where`` and both versions when a later release of rnnkit wrote it: what it recorded that this
    rnnkit does not know (inside a run's sections) is not read, so it may predict or score otherwise than there."""
    if newer_release(saved_version):
        warnings.warn(f"{where}: written by rnnkit {saved_version}, newer than this rnnkit {__version__}: what it "
                      "recorded that this version does not know is not read (it may predict or score otherwise than "
                      "where it was saved); upgrade rnnkit to use it as saved", UserWarning, stacklevel=stacklevel)


def newer_keys_hint(unknown: Iterable[str], saved_version: Any = None) -> str:
    """The hint for keys a reader does not know (``""`` for none); ``saved_version``: the version the file records."""
    if not list(unknown):
        return ""
    if newer_release(saved_version):
        return (f" (keys this rnnkit {__version__} does not know: written by rnnkit {saved_version}; upgrade rnnkit "
                "to load it)")
    return f" (keys this rnnkit {__version__} does not know: written by a newer rnnkit? upgrade rnnkit to load it)"


def older_keys_hint(missing: Iterable[str]) -> str:
    """The hint for keys a reader needs that a file lacks (``""`` for none)."""
    return (f" (written by an older rnnkit, before these settings existed? save it again with this rnnkit "
            f"{__version__}, e.g. train it again)" if list(missing) else "")


def check_known_keys(where: str | os.PathLike, d: dict, known: Iterable[str], what: str,
                     saved_version: Any = None) -> None:
    """A CheckpointError naming ``where`` when the dict ``d`` holds a key outside ``known`` (``what`` describes
    them): read as it is, the file would lose what its writer put there. ``saved_version``: the version it records."""
    known = list(known)
    unknown = sorted(str(k) for k in set(d) - set(known))
    if unknown:
        listed = f" {sorted(known)}" if len(known) <= 20 else ""    # ForecastConfig's 30-odd settings: named by what
        raise CheckpointError(f"{where}: expected {what}{listed}, got unknown {unknown}"
                              f"{newer_keys_hint(unknown, saved_version)}")


class ReadKeys(dict):
    """A run's ``state`` that remembers which keys its task read (``[]``, ``get``, ``in``) while it was restored; a task
    that takes the state whole (iterates it, copies it, ``dict(state)``, ``**state``) read every key.

    >>> s = ReadKeys(a=1, b=2); s.get("a"), sorted(s.read), sorted(dict(s)), sorted(s.read)
    (1, ['a'], ['a', 'b'], ['a', 'b'])
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.read: set = set()

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def _whole(self) -> None:
        self.read.update(super().keys())

    def __iter__(self):
        self._whole()
        return super().__iter__()

    def keys(self):
        self._whole()
        return super().keys()

    def items(self):
        self._whole()
        return super().items()

    def values(self):
        self._whole()
        return super().values()

    def copy(self) -> dict:
        self._whole()
        return dict(super().items())


def unread_state(where: str | os.PathLike, state: Any, saved_version: Any, what: str = "the 'state'") -> None:
    """After a task restored itself from a run: the keys of its ``state`` (a :class:`ReadKeys`; or a list of them, a
    forecaster's ``series`` entries: ``what``) that it did not read are what its writer recorded and this rnnkit does
    not know -- every key today's tasks and forecasters write is read back, and so is every key of the runs of five
    earlier versions (session 31's check). A run of a later release is refused naming them and both versions; another
    is warned (a newer build of the same version, or a hand edit), naming them."""
    parts = state if isinstance(state, list) else [state]
    unread = sorted({str(k) for d in parts if isinstance(d, ReadKeys) for k in set(dict.keys(d)) - d.read})
    if not unread:
        return
    if newer_release(saved_version):
        raise CheckpointError(f"{where}: expected in {what} the keys this rnnkit {__version__} reads, got {unread} it "
                              f"does not know (written by rnnkit {saved_version}; upgrade rnnkit to load it)")
    warnings.warn(f"{where}: {what} keys {unread} are not read by this rnnkit {__version__}: written by a newer "
                  f"rnnkit (its rnnkit_version {saved_version!r})? it is loaded without them and may predict otherwise "
                  "than where it was saved; upgrade rnnkit, or save the run again", UserWarning, stacklevel=3)
