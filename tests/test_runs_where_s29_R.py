"""Runs where users put them (session 29, helper R): a run whose training data moved (evaluate without a data
flag), an --out where another process is training now."""

from __future__ import annotations

import fcntl
import json
import os
import shutil

import pytest

from rnnkit._io import folder_lock
from rnnkit.cli.main import main
from toy_data import write_sentiment_csv

pytestmark = pytest.mark.usefixtures("one_thread")


def _held(folder) -> bool:
    """Whether another open file holds ``folder``'s exclusive flock (a writer at work), asked without waiting."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_names_the_recorded_file_when_the_data_moved(tmp_path, monkeypatch, capsys):
    # the project moved (mv, or a copy unpacked on another machine): evaluate without a data flag said "--csv:
    # expected an existing file, got '/old/place/a.csv' (not found)" -- a flag the user never typed; and the moved
    # file given with --csv was scored whole, training rows too, with a warning to leave the flag out (which failed)
    (tmp_path / "proj").mkdir()
    write_sentiment_csv(tmp_path / "proj" / "a.csv")
    monkeypatch.chdir(tmp_path / "proj")
    code, _, err = _cli(["classify", "train", "--csv", "a.csv", "--epochs", "1", "--min-freq", "1", "--hidden-size",
                         "8", "--embed-dim", "8", "--embeddings", "own", "--quiet", "--no-baseline", "--out", "run"],
                        capsys)
    assert code == 0, err
    code, before, err = _cli(["classify", "evaluate", "--run", "run", "--json"], capsys)
    assert code == 0 and json.loads(before)["n"] == 5, err      # the held-out part, where it was trained
    recorded = str(tmp_path / "proj" / "a.csv")
    shutil.move(tmp_path / "proj", tmp_path / "moved")
    monkeypatch.chdir(tmp_path / "moved")
    code, out, err = _cli(["classify", "evaluate", "--run", "run", "--quiet"], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"rnnkit classify: error: input: expected a data flag (--csv PATH): the run was trained on {recorded!r}, "
        "which is not here now (moved, renamed, or the run copied from another machine); given where it is now, its "
        "held-out part is scored"]
    os.makedirs(recorded)                    # a folder where the file was
    code, _, err = _cli(["classify", "evaluate", "--run", "run", "--quiet"], capsys)
    assert code == 2 and f"{recorded!r}, which is not a file now" in err
    code, after, err = _cli(["classify", "evaluate", "--run", "run", "--csv", "a.csv", "--json"], capsys)
    assert code == 0 and err == "" and json.loads(after) == json.loads(before)   # the same part, the same scores


def test_train_into_a_folder_where_a_training_runs_now_says_so(tmp_path, capsys):
    # a second `train --out D` while the first trains there was told of an "interrupted training" and advised to
    # remove D/training (the running fit's checkpoints) or to --resume it (a second fit on the same checkpoints)
    from rnnkit.cli.driver import check_resume_out

    stage = tmp_path / "run" / "training" / "stage-00"
    stage.mkdir(parents=True)
    with folder_lock(stage):                 # the running fit's run_dir lock (training.resume.run_dir_lock)
        assert _held(stage)
        for resume in (False, True):
            with pytest.raises(Exception, match=r"^--out: expected a folder no other training is using, got "
                                                r"'.*run', where a training is running now \(another process\): "
                                                r"wait for it to end, or choose another --out$") as e:
                check_resume_out(tmp_path / "run", "classify", resume)
            assert type(e.value).__name__ == "UsageError"
    assert check_resume_out(tmp_path / "run", "classify", False) == tmp_path / "run" / "training"   # ended: as before
