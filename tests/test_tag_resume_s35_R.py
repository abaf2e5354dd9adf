"""Session 35, helper R: ``tag train --resume`` of a fit interrupted before f5b9bbba (session 34), when training
sentences longer than ``max_len`` were cut at it; they now train in overlapping pieces. Such a resume trained its
first epochs on cut sentences and the rest on pieces, silently (checked with the code at f5b9bbba^: exit 0, 'epoch
3/5' on pieces). Neither f5b9bbba^ nor session 34's code (which trained in pieces) pinned how the sentences were read
in resume.json; the steps an epoch of the checkpoint tell them apart (review W7 on 0883f24d, which refused both).
The older fits are made here by the code paths they ran: f5b9bbba^'s cut (its ``_encode`` cut each sentence and
its tags at ``max_len``) and no pin, or session 34's pieces and no pin."""

from __future__ import annotations

import re

import pytest

from rnnkit.training.stages import read_manifest
from shared_helpers import interrupted_tag_fit as _interrupted
from shared_helpers import tag_conll as _conll
from shared_helpers import tag_train as _train

PIN = {"sentences longer than max_len": "in pieces"}


def test_a_fit_interrupted_while_long_sentences_were_cut_is_not_resumed_on_pieces(tmp_path, monkeypatch, capsys):
    data = _conll(tmp_path / "long.conll", long=True)
    record = _interrupted(monkeypatch, data, tmp_path / "run", "f5b9bbba^")
    assert read_manifest(record).get("inputs") is None       # the record f5b9bbba^ wrote: no pin
    capsys.readouterr()
    assert _train(data, tmp_path / "run", resume=True) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "CheckpointError: --resume: expected a fit that read its data as this rnnkit reads it" \
        in err[0] and re.search(r"that trained its sentences longer than max_len=8 cut at max_len \(3 steps an "
                                r"epoch, where pieces take 5: rnnkit before session 34\)", err[0]), err


def test_a_fit_whose_steps_cannot_tell_is_refused_saying_so(tmp_path, monkeypatch, capsys):
    # one batch of 64 holds the 24 training sentences and their pieces alike: the steps cannot tell the code apart
    data = _conll(tmp_path / "long.conll", long=True)
    _interrupted(monkeypatch, data, tmp_path / "run", "s34", batch_size=64)
    capsys.readouterr()
    assert _train(data, tmp_path / "run", batch_size=64, resume=True) == 1
    assert "cannot be told apart from one that trained its sentences longer than max_len=8 cut at max_len" \
        in capsys.readouterr().err


@pytest.mark.parametrize("code,long", [("now", True), ("s34", True), ("f5b9bbba^", False)])
def test_a_fit_that_read_its_data_as_now_resumes(tmp_path, monkeypatch, capsys, code, long):
    # now: its record pins the pieces; s34: session 34's fit trained in pieces too (its 5 steps an epoch say so:
    # review W7); f5b9bbba^ with no sentence over max_len read the same then as now
    data = _conll(tmp_path / "d.conll", long=long)
    record = _interrupted(monkeypatch, data, tmp_path / "run", code)
    assert read_manifest(record).get("inputs") == (PIN if code == "now" else None)
    assert _train(data, tmp_path / "run", resume=True) == 0, capsys.readouterr().err
