"""``rnnkit tsc ... --gaps {error,steps}``: the CLI's way to read irregularly sampled long-CSV series (the
library's ``read_long_csv(gaps=...)``; session 11). Before, the library refused a hole and the CLI offered
no way out but editing the file."""
from __future__ import annotations

import json

from rnnkit.cli.main import main


def _irregular_csv(path):
    """12 series at times 0, 1, 2, 4, 5, 6 (a hole at 3), channel a rising or falling with the class."""
    rows = ["id,time,label,a"]
    for i in range(12):
        for t in (0, 1, 2, 4, 5, 6):
            rows.append(f"s{i},{t},{'up' if i % 2 else 'down'},{(t if i % 2 else -t) + 0.01 * i:.3f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_gaps_error_refuses_a_hole_and_names_the_flag(tmp_path, capsys):
    data = _irregular_csv(tmp_path / "d.csv")
    assert main(["tsc", "train", "--csv", str(data), "--epochs", "1", "--hidden-size", "4",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "a hole" in err and "--gaps steps" in err and len(err.strip().splitlines()) == 1


def test_gaps_steps_trains_and_the_run_reads_its_own_file_the_same_way(tmp_path, capsys):
    data = _irregular_csv(tmp_path / "d.csv")
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(data), "--gaps", "steps", "--model", "rnn", "--epochs", "1",
                 "--hidden-size", "4", "--out", str(run), "--quiet"]) == 0
    assert json.loads((run / "config.json").read_text())["data"]["gaps"] == "steps"
    capsys.readouterr()
    assert main(["tsc", "predict", "--run", str(run), "--csv", str(data), "--gaps", "steps", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 12
    assert main(["tsc", "evaluate", "--run", str(run), "--json"]) == 0      # the run's own file, read as trained
    assert json.loads(capsys.readouterr().out)["metrics"]["accuracy"] >= 0


def test_gaps_without_csv_is_a_usage_error(capsys):
    assert main(["tsc", "train", "--dataset", "japanese-vowels", "--gaps", "steps", "--epochs", "1",
                 "--out", "unused"]) == 2
    assert "--gaps: expected it with --csv" in capsys.readouterr().err


def test_predict_on_a_file_with_another_channel_count_names_the_flag_and_the_file(tmp_path, capsys):
    # Before: "DataError: X[0]: expected 1 channels, got 2" -- neither the flag nor the file named.
    data = _irregular_csv(tmp_path / "d.csv")
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(data), "--gaps", "steps", "--model", "rnn", "--epochs", "1",
                 "--hidden-size", "4", "--out", str(run), "--quiet"]) == 0
    two = tmp_path / "two.csv"
    rows = ["id,time,a,b"] + [f"s{i},{t},{t * 0.1:.2f},{-t * 0.1:.2f}" for i in range(3) for t in range(6)]
    two.write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["tsc", "predict", "--run", str(run), "--csv", str(two), "--value-cols", "a,b", "--json"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--csv" in err and "two.csv" in err and "expected 1 channels, got 2" in err
