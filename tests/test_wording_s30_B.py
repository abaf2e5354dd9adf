"""Session 30, helper B: three small wordings.

* A full disk on stdout (``> /dev/full``) was ``error: OSError: [Errno 28] No space left on device``, naming nothing:
  now one line naming stdout, exit 1.
* ``export``/``serve --run X`` said "expected an existing run folder" where every load says "expected a run folder,
  got X (no such folder)" / "(a file)": one wording.
* A backtest fold too short for the model suggested a longer series or a lower lookback/horizon, not fewer folds
  (each fold holds back ``horizon`` more values): it says so now, as ``folds=`` (``--backtest`` on the command line).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.main import main
from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread_module")


class _FullDisk:
    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def fileno(self):
        raise OSError(errno.EBADF, "no descriptor")


def test_a_full_stdout_is_one_line_naming_stdout(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    assert main(["env"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "rnnkit env: error: stdout: expected to write the output, got OSError: No space left on device (the output "
        "is lost)"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full_in_a_process():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "rnnkit.cli.main", "env"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "rnnkit env: error: stdout: expected to write the output, got OSError: No space left on device (the output "
        "is lost)"]


@pytest.mark.parametrize("command, extra", [("export", ["--out", "m.onnx"]), ("serve", [])])
def test_a_missing_or_file_run_is_said_as_loads_say_it(tmp_path, capsys, command, extra):
    (tmp_path / "f").write_text("x")
    for run, why in ((tmp_path / "nope", "no such folder"), (tmp_path / "f", "a file")):
        rc = main([command, "--run", str(run), *[str(tmp_path / e) if e.endswith(".onnx") else e for e in extra]])
        assert rc == 2
        assert capsys.readouterr().err.strip().splitlines() == [
            f"rnnkit {command}: error: --run: expected a run folder, got {str(run)!r} ({why})"]


def test_a_too_short_fold_suggests_fewer_folds():
    from rnnkit.cli.forecast_words import as_typed
    from rnnkit.tasks.forecasting import Forecaster

    y = pd.Series(10 + np.sin(np.arange(90) / 2), index=pd.date_range("2000-01-01", periods=90, freq="D"))
    with pytest.raises(DataError) as e:
        Forecaster("gru", horizon=20, epochs=1).backtest(y, folds=2)
    assert str(e.value).startswith("backtest fold 1 of 2 (each series without its last 40 values")
    assert str(e.value).endswith(", or a lower folds=")
    assert as_typed(str(e.value), []).endswith("a lower --lookback or --horizon, or a lower --backtest")
