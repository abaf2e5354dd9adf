"""Session 35, helper R: ``tag train --resume`` of a fit interrupted before f5b9bbba (session 34), when training
sentences longer than ``max_len`` were cut at it; they now train in overlapping pieces. Such a resume trained its
first epochs on cut sentences and the rest on pieces, silently (checked with the code at f5b9bbba^: exit 0, 'epoch
3/5' on pieces). Its record (resume.json) is the one a fit writes now without the pin ``train_pieces`` adds: the
test writes that older shape by removing the pin, as f5b9bbba^ wrote it (no "inputs" key)."""

from __future__ import annotations

import re

import pytest

from rnnkit.cli.main import main
from rnnkit.training import trainer as trainer_module
from rnnkit.training.stages import read_manifest, write_manifest

WORDS = ["Anna", "lives", "in", "Paris", "and", "Bob", "works", "at", "Acme", "today"]
TAGS = {"Anna": "B-PER", "Bob": "B-PER", "Paris": "B-LOC", "Acme": "B-ORG"}


def _conll(path, long: bool):
    sents = [[WORDS[(i * 3 + j) % len(WORDS)] for j in range(20 if long and i % 5 == 0 else 4 + i % 3)]
             for i in range(30)]
    path.write_text("\n\n".join("\n".join(f"{w}\t{TAGS.get(w, 'O')}" for w in s) for s in sents) + "\n")
    return path


def _train(tmp_path, data, out, resume=False):
    return main(["tag", "train", "--conll", str(data), "--max-len", "8", "--epochs", "3", "--hidden-size", "4",
                 "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--batch-size", "8", "--threads", "1",
                 "--no-baseline", "--quiet", "--out", str(out)] + (["--resume"] if resume else []))


def _interrupted(tmp_path, monkeypatch, data, out):
    end = trainer_module.Trainer._end_epoch

    def stop_after_first(self, e, *a, **k):
        end(self, e, *a, **k)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(trainer_module.Trainer, "_end_epoch", stop_after_first)
        assert _train(tmp_path, data, out) != 0
    return out / "training"


def _as_before_f5b9bbba(record):
    body = read_manifest(record)
    body.pop("inputs", None)
    write_manifest(record, body)


def test_a_fit_interrupted_while_long_sentences_were_cut_is_not_resumed_on_pieces(tmp_path, monkeypatch, capsys):
    data = _conll(tmp_path / "long.conll", long=True)
    record = _interrupted(tmp_path, monkeypatch, data, tmp_path / "run")
    _as_before_f5b9bbba(record)
    capsys.readouterr()
    assert _train(tmp_path, data, tmp_path / "run", resume=True) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "CheckpointError: --resume: expected a fit that read its data as this rnnkit reads it" \
        in err[0] and re.search(r"trained its [1-6] sentence\(s\) longer than max_len=8 cut at max_len", err[0]), err


@pytest.mark.parametrize("long", [True, False])
def test_a_fit_that_reads_its_data_as_now_resumes(tmp_path, monkeypatch, capsys, long):
    # long: a fit interrupted now (its record pins the pieces); not long: one before f5b9bbba with no sentence over
    # max_len read the same then as now, so its resume goes on
    data = _conll(tmp_path / "d.conll", long=long)
    record = _interrupted(tmp_path, monkeypatch, data, tmp_path / "run")
    pins = read_manifest(record).get("inputs")
    assert pins == ({"sentences longer than max_len": "in pieces"} if long else None)   # None: as f5b9bbba^ wrote
    assert _train(tmp_path, data, tmp_path / "run", resume=True) == 0, capsys.readouterr().err
