"""Session 30, helper W (hostile review of the session's commits): what the review found in them.

* f060ee1's layer.step ran torch's cell kernel unless the layer's CLASS overrode forward: a forward wrapped on the
  instance (``layer.forward = wrapper``: accelerate's hooks, profilers), which step ran at 8119a0d, was skipped.
* 2a31aaa made argparse's writes raise on a failed write: a usage error with an unwritable stderr
  ('rnnkit forecast --bogus 2> /dev/full') then raised OSError out of main() (exit 1 from the interpreter) instead of
  returning 2.
* b6f3894 told a task's run folder given to the forecaster (``rnnkit forecast predict --run <a classify run>``,
  ``Forecaster.load``) to "upgrade rnnkit": a task run's config.json is save_run's schema 2, not a newer forecaster's.
* 67628ab read a numpy array's labels with ``tolist()``: a datetime64[ns] array's items became int nanoseconds, so
  a perfect prediction given as Timestamps scored 0.0, silently.
* pandas' NA in a label list (a "string" column's missing cell) was a bare "boolean value of NA is ambiguous".
* macro_f1's ``labels``: a label given twice was averaged twice, and none gave 0.0, silently (confusion_matrix and
  classification_metrics refuse the first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit
from rnnkit.errors import CheckpointError, DataError, InputTypeError
from rnnkit.tasks.common import accuracy, classification_metrics, confusion_matrix, macro_f1
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.runs import save_run


def test_a_task_run_given_to_the_forecaster_names_its_task_and_no_upgrade(tmp_path):
    save_run(tmp_path / "cls", "classify", {"hidden": 4}, torch.nn.Linear(2, 1))
    with pytest.raises(CheckpointError) as err:
        Forecaster.load(tmp_path / "cls")
    msg = str(err.value)
    assert "(the config of a 'classify' run)" in msg and "upgrade" not in msg and "newer" not in msg


def test_datetime64_labels_are_compared_as_dates():
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    truth = np.array(days, dtype="datetime64[ns]")
    assert accuracy(truth, list(pd.to_datetime(days))) == 1.0         # 0.0 at 67628ab (int nanoseconds)
    assert accuracy(truth, truth) == 1.0
    assert accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0])) == 2 / 3   # 67628ab's case: Python scalars


def test_pandas_na_in_labels_is_a_typed_error():
    truth = pd.array(["a", None, "c"], dtype="string")
    with pytest.raises(InputTypeError, match=r"^y_true\[1\]: expected a label .*pandas' NA"):
        accuracy(truth, ["a", "b", "c"])
    with pytest.raises(InputTypeError, match=r"^y_pred\[1\]: expected a label .*pandas' NA"):
        macro_f1(["a", "b", "c"], truth)


def test_macro_f1_labels_each_once_and_at_least_one():
    assert macro_f1(["a", "b"], ["a", "a"], labels=["a", "b"]) == pytest.approx(1 / 3)
    with pytest.raises(DataError, match=r"^labels: expected each label once, got \['a', 'a', 'b'\]"):
        macro_f1(["a", "b"], ["a", "a"], labels=["a", "a", "b"])             # was 0.444: 'a' averaged twice
    with pytest.raises(DataError, match="^labels: expected each label once"):
        confusion_matrix(["a", "b"], ["a", "a"], ["a", "a", "b"])            # the rule it already had
    with pytest.raises(DataError, match=r"^labels: expected at least one label, got none"):
        macro_f1(["a", "b"], ["a", "b"], labels=[])                          # was 0.0
    with pytest.raises(InputTypeError, match=r"^labels\[0\]: expected a label"):
        macro_f1(["a", "b"], ["a", "b"], labels=[["a"], "b"])
    assert classification_metrics(["a", "b"], ["a", "a"], ["a", "b"])["macro_f1"] == pytest.approx(1 / 3)


def test_step_runs_a_forward_wrapped_on_the_instance():
    layer = rnnkit.GRU(4, 5)
    inner = layer.forward
    layer.forward = lambda *a, **k: (lambda y, h: (y + 100.0, h))(*inner(*a, **k))
    y, _ = layer.step(torch.randn(3, 4))
    assert y.min() > 50          # the wrapper ran, as in a call (f060ee1: the cell kernel ran, the wrapper skipped)
    del layer.forward
    y, _ = layer.step(torch.randn(3, 4))
    assert y.abs().max() < 1     # the class's forward again (the cell kernel's path)


def test_a_usage_error_with_an_unwritable_stderr_still_exits_2(monkeypatch):
    import errno
    import io
    import sys

    from rnnkit.cli.main import main

    class Full(io.TextIOBase):
        def write(self, s):
            raise OSError(errno.ENOSPC, "No space left on device")

        def writable(self):
            return True

    monkeypatch.setattr(sys, "stderr", Full())
    assert main(["forecast", "--bogus"]) == 2     # 2a31aaa: OSError raised out of main
