"""Session 33 review (helper W): translate's lexicon=PATH (f3258e2) under train --resume. The config holds the path,
not the file's content, and the resume compared config, data and version only: a dictionary edited between the
interruption and the resume was read silently -- the checkpointed epochs trained on its old glosses, the resumed ones
on the new, and the run saved the new (neither fit's model). Now the fit pins the lexicon's sha256
(training.stages.pin_input) and a resume with another one is a CheckpointError naming it."""

from __future__ import annotations

import pytest

from rnnkit.errors import CheckpointError
from rnnkit.training.callbacks import Callback

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

S = ["Das Haus ist alt.", "Der Baum ist alt.", "Das Haus ist neu.", "Der Baum ist neu."] * 6
T = ["The house is old.", "The tree is old.", "The house is new.", "The tree is new."] * 6


class _Stop(Callback):
    """Interrupts the fit after its first epoch (as a kill would, after the checkpoint)."""
    resume_safe = True

    def on_epoch_end(self, trainer, epoch, logs):
        raise KeyboardInterrupt


def _interrupted(tmp_path):
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    (tmp_path / "lex.tsv").write_text("Walzwerke\trolling mills\n", encoding="utf-8")
    cfg = Seq2SeqConfig(embed_dim=8, enc_hidden=8, dec_hidden=16, batch_size=8, val_fraction=0.0, beam=1,
                        progress=False, epochs=2, lexicon=str(tmp_path / "lex.tsv"))
    with pytest.raises(KeyboardInterrupt):
        Translator(cfg).fit(S, T, baselines=False, callbacks=[_Stop()], checkpoint_dir=tmp_path / "ck")
    return Translator, cfg


def test_a_resume_with_an_edited_lexicon_is_refused(tmp_path):
    Translator, cfg = _interrupted(tmp_path)
    (tmp_path / "lex.tsv").write_text("Walzwerke\tcastle\n", encoding="utf-8")      # edited before resuming
    with pytest.raises(CheckpointError, match=r"resume: expected the lexicon of the interrupted fit .*got another one"):
        Translator(cfg).fit(S, T, baselines=False, checkpoint_dir=tmp_path / "ck", resume=True)


def test_a_resume_with_the_same_lexicon_goes_on(tmp_path):
    Translator, cfg = _interrupted(tmp_path)
    m = Translator(cfg).fit(S, T, baselines=False, checkpoint_dir=tmp_path / "ck", resume=True)
    assert m.words.lexicon.table == {"Walzwerke": "rolling mills"}


def test_pin_input_outside_a_checkpointed_fit_does_nothing():
    from rnnkit.training.stages import pin_input

    assert pin_input("lexicon", "0" * 64) is None
