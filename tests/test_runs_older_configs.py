"""Run folders saved before a config field existed still load, and behave as they did when saved.

A field added later is declared with :func:`rnnkit.tasks.runs.added_field` (its ``absent`` value is the
behaviour of the runs saved before it); any other missing key stays a CheckpointError. The oracle: a
translator trained with the older behaviour (``derive_words=False``), saved, its config.json rewritten as
an older version wrote it (without the newer keys, digests recomputed), loads to the same translations."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.errors import CheckpointError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

pytestmark = pytest.mark.usefixtures("one_thread_module")

S = ["die Zeile ist lang", "der Freund ist klein", "das Haus ist alt", "das Haus ist klein", "der Freund ist alt"]
T = ["the line is long", "the friend is small", "the house is old", "the house is small", "the friend is old"]
# unknown words the word-formation rules gloss (derive_words=True) and the older lexicon copies
PROBE = ["die Freundschaft ist alt", "das Haus ist freundlich"]


def _as_older(folder, drop):
    cfg = json.loads((folder / "config.json").read_text())
    for key in drop:
        cfg["config"].pop(key) if "config" in cfg else cfg.pop(key)
    atomic_write_json(folder / "config.json", cfg)
    names = list(json.loads((folder / "digests.json").read_text())["sha256"])
    write_digests(folder, names)


def test_a_run_saved_before_the_newer_fields_loads_with_its_own_behaviour(tmp_path):
    cfg = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, epochs=2, lr=1e-2, batch_size=4, progress=False, beam=2)
    old = Translator(Seq2SeqConfig(**cfg, derive_words=False)).fit(S * 2, T * 2, baselines=False)
    want = old.translate(PROBE)
    old.save(tmp_path / "run")
    _as_older(tmp_path / "run", ["derive_words", "average_last"])
    back = Translator.load(tmp_path / "run")
    assert back.config.derive_words is False and back.config.average_last == 0
    assert back.translate(PROBE) == want
    # the new default glosses the probe differently: the absent value is not simply the default
    newer = Translator.load(tmp_path / "run")
    newer.words.cfg = dataclasses.replace(back.config, derive_words=True)
    words = [w.split() for w in PROBE]
    assert [x.gloss_ext for x in newer.words._sentences(words)] != [x.gloss_ext for x in back.words._sentences(words)]


def test_a_missing_key_of_an_original_field_is_still_a_checkpoint_error(tmp_path):
    cfg = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, epochs=1, lr=1e-2, batch_size=4, progress=False, beam=2)
    Translator(Seq2SeqConfig(**cfg)).fit(S, T, baselines=False).save(tmp_path / "run")
    _as_older(tmp_path / "run", ["dropout"])
    with pytest.raises(CheckpointError, match=r"missing \['dropout'\]"):
        Translator.load(tmp_path / "run")
