"""Session 21, helper W's review of resumable training (579c0d9, 4286206, 5466203): each test fails on the code
before its fix."""

import os
from pathlib import Path

import pytest
import torch

import rnnkit._io as rio
from rnnkit.training import load_weights, save_weights
from rnnkit.training.certified import JOURNAL


TEXTS = [f"{'good fine nice' if i % 2 else 'bad poor awful'} w{i % 7} x{i % 5}" for i in range(40)]
LABELS = ["pos" if i % 2 else "neg" for i in range(40)]


def _classifier():
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from toy_data import CLASSIFY_FAST

    return TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1, "hidden_size": 8, "embed_dim": 8,
                                                  "min_freq": 1, "val_fraction": 0.25}))


def test_a_checkpointed_fit_removes_no_folder_of_the_users_named_like_a_stage(tmp_path):
    """remove_checkpoints (a fresh fit's start, train's end) removed every folder whose name began with 'stage-':
    a user's stage-notes/ in checkpoint_dir (or --out/training) was deleted with its files, though nothing of it was
    the fit's. Oracle: the folder and its file as the user left them, after the fit and after its removal."""
    from rnnkit.training.stages import remove_checkpoints

    (tmp_path / "stage-notes").mkdir()
    (tmp_path / "stage-notes" / "mine.txt").write_text("mine")
    _classifier().fit(TEXTS, LABELS, checkpoint_dir=tmp_path)
    assert (tmp_path / "stage-notes" / "mine.txt").read_text() == "mine"
    assert (tmp_path / "stage-00").is_dir()               # the fit's own stage, checkpointed
    remove_checkpoints(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stage-notes"]


def test_a_fresh_checkpointed_fit_refuses_a_resume_json_that_is_not_its_record(tmp_path):
    """A file of the user's named resume.json in checkpoint_dir was deleted (or overwritten by the fit's record)
    without a word. Oracle: the file's own bytes after the refusal."""
    from rnnkit.errors import CheckpointError

    (tmp_path / "resume.json").write_text('{"name": "my CV"}\n')
    with pytest.raises(CheckpointError, match=r"^checkpoint_dir: expected a folder whose resume\.json .* not one"):
        _classifier().fit(TEXTS, LABELS, checkpoint_dir=tmp_path)
    assert (tmp_path / "resume.json").read_text() == '{"name": "my CV"}\n'


def _weights(path):
    return load_weights(torch.nn.Linear(3, 1), path).state_dict()


def test_an_interruption_just_after_the_record_of_a_replacement_leaves_the_folder_loadable(tmp_path, monkeypatch):
    """A KeyboardInterrupt (Ctrl-C; the CLI's SIGTERM) in the directory fsync that follows the rename of
    .replacing.json -- the commit point is in place -- made replace_certified remove the staged files as if it had
    failed before it: the record named files that no longer existed, and every later load_weights and save_weights
    of the folder failed ('expected the file this save wrote ..., another process wrote'). Oracle: the replacement
    was committed, so the folder loads the new weights (or, at worst, the old): never neither."""
    torch.manual_seed(0)
    old, new = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
    save_weights(old, tmp_path / "model.safetensors")
    real = rio._fsync_dir

    def fsync_dir(path):
        if (tmp_path / JOURNAL).exists():
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(rio, "_fsync_dir", fsync_dir)     # atomic_write_bytes' own fsync, after its rename
    with pytest.raises(KeyboardInterrupt):
        save_weights(new, tmp_path / "model.safetensors")
    monkeypatch.setattr(rio, "_fsync_dir", real)
    got = _weights(tmp_path / "model.safetensors")
    assert all(torch.equal(got[k], v) for k, v in new.state_dict().items())
    assert not (tmp_path / JOURNAL).exists()
    newer = torch.nn.Linear(3, 1)
    save_weights(newer, tmp_path / "model.safetensors")    # and the folder takes later saves
    got = _weights(tmp_path / "model.safetensors")
    assert all(torch.equal(got[k], v) for k, v in newer.state_dict().items())


def test_cli_resume_with_other_flags_names_the_flags(tmp_path, monkeypatch, capsys):
    """train --resume with another --hidden-size said 'hidden_size: 8 there, 16 here' (a config field, no flag of
    the command) and with --no-baseline 'expected the baselines of the interrupted fit (...): True, got False'.
    Oracle: the flags as typed on the command line."""
    from rnnkit.cli.main import main
    from rnnkit.training.callbacks import control
    from toy_data import write_sentiment_csv

    write_sentiment_csv(tmp_path / "d.csv")
    argv = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "3", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--out", str(tmp_path / "run")]
    real = control.Checkpointer._save

    def save_then_stop(self, trainer):
        real(self, trainer)
        raise KeyboardInterrupt

    monkeypatch.setattr(control.Checkpointer, "_save", save_then_stop)
    assert main(argv) == 130                                  # interrupted after its first checkpoint
    monkeypatch.setattr(control.Checkpointer, "_save", real)
    capsys.readouterr()
    assert main(argv + ["--resume", "--hidden-size", "16"]) == 1
    err = capsys.readouterr().err
    assert "--resume: expected the settings of the interrupted fit" in err and "--hidden-size: 8 there, 16 here" in err
    assert main(argv + ["--resume", "--no-baseline"]) == 1
    err = capsys.readouterr().err
    assert "--no-baseline: absent there, given here" in err and len(err.strip().splitlines()) == 1, err


def test_a_removal_of_the_checkpoints_interrupted_in_a_stage_leaves_a_resumable_folder(tmp_path, monkeypatch):
    """remove_checkpoints (train's last step, once the run is saved) deletes the stages before the record: a Ctrl-C
    in a stage's rmtree left it half deleted under its own name (here: its last checkpoint's state file gone), and
    the next fit(resume=True) / train --resume failed on it ('.../state.safetensors: expected a file (listed in
    digests.json), got nothing'). Oracle: the fit without checkpoints; a stage is now whole or gone."""
    import shutil

    from rnnkit.training.stages import remove_checkpoints

    whole = _classifier().fit(TEXTS, LABELS)
    _classifier().fit(TEXTS, LABELS, checkpoint_dir=tmp_path)
    real = shutil.rmtree

    def rmtree(path, *a, **k):       # gets as far as the last checkpoint's state, then Ctrl-C
        for step in Path(path, "checkpoints").glob("step-*"):
            (step / "state.safetensors").unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    with pytest.raises(KeyboardInterrupt):
        remove_checkpoints(tmp_path)
    monkeypatch.setattr(shutil, "rmtree", real)
    resumed = _classifier().fit(TEXTS, LABELS, checkpoint_dir=tmp_path, resume=True)
    for k, v in whole.net.state_dict().items():
        assert torch.equal(v, resumed.net.state_dict()[k]), k
    remove_checkpoints(tmp_path)
    assert not tmp_path.exists()                          # nothing else was there: all of it removed
