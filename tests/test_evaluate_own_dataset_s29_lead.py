"""``evaluate --run R --dataset D`` of a run trained on D with --test-fraction 0 said "input: expected a data flag",
where a data flag was typed (helper C's all-pairs run, session 29): the typed flag is named now; without a data
flag the message is as before (tests/test_cli_test_fraction0_s15.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_runs_own_dataset_typed_when_nothing_was_held_out(tmp_path, capsys):
    from rnnkit.cli.main import main

    run = str(tmp_path / "run")
    assert main(["translate", "train", "--dataset", "num2words-en-fr", "--limit", "40", "--test-fraction", "0",
                 "--epochs", "1", "--enc-hidden", "8", "--dec-hidden", "8", "--embed-dim", "8", "--quiet", "--threads", "1",
                 "--out", run]) == 0
    capsys.readouterr()
    assert main(["translate", "evaluate", "--run", run, "--dataset", "num2words-en-fr"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("error: --dataset: expected other data than the run's own 'num2words-en-fr' "
                                     "(this run held nothing out: it was trained with --test-fraction 0)") in err, err
    assert main(["translate", "evaluate", "--run", run]) == 2
    assert "error: input: expected a data flag (this run held nothing out" in capsys.readouterr().err
