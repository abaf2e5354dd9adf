"""A lexicon run keeps its table in its own file of the run folder, lexicon.json (session 34, helper T): config.json
held the whole table (~11 MB on trans-de-en; load 2.4 s vs 1.2 s). The file is listed in digests.json, its sha256
is saved in config.json's state and checked on load (a mismatch: one line); runs saved with the table inline load as
before. Fails before: config.json's state held "table" and the folder no lexicon.json."""

from __future__ import annotations

import json
import shutil

import pytest

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.errors import CheckpointError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

pytestmark = pytest.mark.usefixtures("one_thread_module")

SMALL = dict(embed_dim=8, enc_hidden=8, dec_hidden=16, lr=1e-2, batch_size=8, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=2, progress=False, epochs=1)
PAIRS = [(f"der {d} {v} .", f"the {e} {w} .") for d, e in {"Hund": "dog", "Katze": "cat", "Baum": "tree"}.items()
         for v, w in {"schläft": "sleeps", "steht": "stands"}.items()]
SRC = ["der Walzwerke steht .", "die Katze schläft ."]


def _digests(folder):
    names = [n for n in json.loads((folder / "digests.json").read_text())["sha256"] if (folder / n).exists()]
    (folder / "digests.json").unlink()
    write_digests(folder, names)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("lexfile")
    (root / "lex.tsv").write_text("Walzwerke\trolling mills\nKatze\tcat\n", encoding="utf-8")
    m = Translator(Seq2SeqConfig(**SMALL, lexicon=str(root / "lex.tsv"))).fit([s for s, _ in PAIRS],
                                                                              [t for _, t in PAIRS], baselines=False)
    m.save(root / "run")
    return m, root / "run"


def test_table_in_its_own_verified_file(saved):
    m, run = saved
    cfg = json.loads((run / "config.json").read_text(encoding="utf-8"))
    lex = cfg["state"]["lexicon"]
    assert "table" not in lex and lex["file"] == "lexicon.json" and lex["sha256"] == m.words.lexicon.digest()
    assert "lexicon.json" in json.loads((run / "digests.json").read_text())["sha256"]
    assert json.loads((run / "lexicon.json").read_text(encoding="utf-8")) == m.words.lexicon.table
    back = Translator.load(run)
    assert back.words.lexicon.table == m.words.lexicon.table and back.words.lexicon.rare == m.words.lexicon.rare
    assert back.translate(SRC) == m.translate(SRC)


def test_edited_or_missing_file_refused(saved, tmp_path):
    _, run = saved
    folder = tmp_path / "edited"
    shutil.copytree(run, folder)
    (folder / "lexicon.json").write_text(json.dumps({"Katze": "castle", "Walzwerke": "rolling mills"}), encoding="utf-8")
    _digests(folder)                                   # digests made again: only the saved sha256 can tell
    with pytest.raises(CheckpointError, match=r"lexicon.json: expected the lexicon's entries to match their sha256"):
        Translator.load(folder)
    (folder / "lexicon.json").unlink()
    _digests(folder)
    with pytest.raises(CheckpointError, match=r"lexicon.json: expected the lexicon's table \(lexicon.json"):
        Translator.load(folder)


def test_inline_table_of_older_runs_loads(saved, tmp_path):
    m, run = saved
    folder = tmp_path / "old"
    shutil.copytree(run, folder)
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    cfg["state"]["lexicon"] = m.words.lexicon.state()             # as session 33 saved it: the table inline
    assert "table" in cfg["state"]["lexicon"] and "file" not in cfg["state"]["lexicon"]
    atomic_write_json(folder / "config.json", cfg)
    (folder / "lexicon.json").unlink()
    _digests(folder)
    back = Translator.load(folder)
    assert back.words.lexicon.table == m.words.lexicon.table and back.translate(SRC) == m.translate(SRC)
    back.save(folder)                                             # saved again: the new layout
    assert (folder / "lexicon.json").exists()
    plain = Translator(Seq2SeqConfig(**SMALL)).fit([s for s, _ in PAIRS], [t for _, t in PAIRS], baselines=False)
    plain.save(folder)                                            # a run without a lexicon: no stale lexicon.json
    assert not (folder / "lexicon.json").exists() and Translator.load(folder).words.lexicon is None


def test_save_run_extra_names(tmp_path):
    from torch import nn

    from rnnkit.tasks.runs import save_run

    with pytest.raises(InputTypeError, match=r"extra: expected file names among \['lexicon.json'\]"):
        save_run(tmp_path / "r", "translate", {"a": 1}, nn.Linear(1, 1), extra={"config2.json": b"{}"})
    with pytest.raises(InputTypeError, match="with bytes, got 'lexicon.json': str"):
        save_run(tmp_path / "r", "translate", {"a": 1}, nn.Linear(1, 1), extra={"lexicon.json": "{}"})
