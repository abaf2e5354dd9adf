"""Session 36, helper R: two messages of a run made to agree with the run.

(1) classify/tsc ``train``'s check of the labels of both ``--test-fraction`` parts before training named a label by
its index in train + test joined ('labels[24]') beside its exact place in the file ('--csv ... row 26'): the index
now is the part's own, with the part named. (2) ``tag train --resume`` of a fit from before session 34 (sentences
longer than max_len cut at it) is refused -- after the same run had warned 'trained on N ... in overlapping pieces',
which it then did not: the refusal now comes first, with no such warning."""

from __future__ import annotations

import re
import unicodedata
import warnings

import pytest

from rnnkit.cli.main import main
from rnnkit.tasks import tagging
from rnnkit.training import trainer as trainer_module

ROWS = [("good movie great", "pos"), ("bad movie awful", "neg"), ("great fun", "pos"), ("awful boring", "neg")] * 6


def test_a_label_written_two_ways_is_named_by_its_part_and_its_own_index(tmp_path, capsys, monkeypatch):
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    path = tmp_path / "g.csv"      # 25 rows: the --test-fraction part holds 5, the last row (file row 26) among them
    path.write_text("text,label\n" + "".join(f'"{t}","{nfc if lab == "pos" else "bar"}"\n' for t, lab in ROWS)
                    + f'"tasty","{nfd}"\n', encoding="utf-8")
    monkeypatch.setattr(trainer_module.Trainer, "fit", lambda *a, **k: pytest.fail("trained before refusing"))
    assert main(["classify", "train", "--csv", str(path), "--epochs", "1", "--no-baseline", "--threads", "1",
                 "--quiet", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    found = re.search(r"labels\[(\d+)\] of the --test-fraction part, --csv '[^']*g\.csv' row 26\)", err)
    assert found and int(found[1]) < 5, err            # was 'labels[24] (--csv ... row 26)'
    assert re.search(r"labels\[\d+\] of the training part, --csv '[^']*g\.csv' row \d+\)", err), err


def test_check_test_split_names_each_part_without_places():
    from rnnkit.errors import DataError
    from rnnkit.tasks.classify_data import check_test_split

    nfd = unicodedata.normalize("NFD", "é")
    with pytest.raises(DataError, match=r"got '.+' \(y\[1\] of the training part\) and '.+' \(y\[0\] of the "
                                        r"--test-fraction part\)"):
        check_test_split(["a", "é", "a"], [nfd], None, what="y")


def _conll(path):
    words = ["Anna", "lives", "in", "Paris", "and", "Bob", "works", "at", "Acme", "today"]
    tags = {"Anna": "B-PER", "Bob": "B-PER", "Paris": "B-LOC", "Acme": "B-ORG"}
    sents = [[words[(i * 3 + j) % len(words)] for j in range(20 if i % 5 == 0 else 4 + i % 3)] for i in range(30)]
    path.write_text("\n\n".join("\n".join(f"{w}\t{tags.get(w, 'O')}" for w in s) for s in sents) + "\n")
    return path


def _train(data, out, resume=False):
    return main(["tag", "train", "--conll", str(data), "--max-len", "8", "--epochs", "3", "--hidden-size", "4",
                 "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--batch-size", "8", "--threads", "1",
                 "--no-baseline", "--quiet", "--out", str(out)] + (["--resume"] if resume else []))


def test_a_refused_cut_era_resume_does_not_first_warn_it_trains_in_pieces(tmp_path, monkeypatch, capsys):
    data, out = _conll(tmp_path / "long.conll"), tmp_path / "run"
    end = trainer_module.Trainer._end_epoch

    def stop_after_first(self, e, *a, **k):
        end(self, e, *a, **k)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:   # the fit as f5b9bbba^ ran it: sentences and tags cut at max_len, no pin
        m.setattr(trainer_module.Trainer, "_end_epoch", stop_after_first)
        m.setattr(tagging, "pin_pieces", lambda *a: None)
        m.setattr(tagging, "train_pieces", lambda sents, ids, n: ([s[:n] for s in sents], [y[:n] for y in ids]))
        assert _train(data, out) != 0
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert _train(data, out, resume=True) == 1
    assert "cut at max_len (3 steps an epoch, where pieces take 5" in capsys.readouterr().err
    said = [str(w.message) for w in seen]
    assert not [s for s in said if "in overlapping pieces of 8 tokens" in s], said


def test_a_fit_on_long_sentences_still_warns_it_trains_them_in_pieces(tmp_path):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["a", "b", "c", "d", "e", "f"], ["a", "b"]]
    with pytest.warns(UserWarning, match=r"sentences: trained on 1 of 2 longer than max_len=4 in overlapping pieces"):
        SequenceTagger(TaggerConfig(max_len=4, epochs=1, val_fraction=0.0, hidden_size=4, word_dim=4, char_dim=4, char_hidden=4)).fit(
            sents, [["O", "B-X", "O", "O", "O", "O"], ["O", "O"]], baselines=False)
