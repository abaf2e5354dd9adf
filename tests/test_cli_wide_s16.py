"""`classify train --wide on` reaches the saved config (session 16: the wide-and-deep option on the command line)."""

import csv
import json

from rnnkit.cli.main import main


def test_wide_flag_is_saved_and_the_run_predicts(tmp_path):
    rows = [(f"good film {i}", "pos") if i % 2 else (f"bad film {i}", "neg") for i in range(40)]
    with open(tmp_path / "a.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    run = tmp_path / "run"
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), "--wide", "on", "--epochs", "1",
                 "--min-freq", "1", "--hidden-size", "8", "--embed-dim", "8", "--embeddings", "own", "--quiet",
                 "--no-baseline", "--combine", "false", "--out", str(run)]) == 0
    assert json.loads((run / "config.json").read_text())["config"]["wide"] == "on"
    (tmp_path / "in.txt").write_text("good film\nbad film\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), "--quiet"]) == 0
