"""rnnkit bench: a tiny in-process run parses as JSON and has one row per (cell, shape) with ratios."""

import json

from rnnkit.cli.main import main


def test_bench_json_tiny(capsys, tmp_path):
    rc = main(["bench", "--cells", "lstm", "gru-zoneout", "lstm-proj", "--shapes", "2,5,3,4", "--reps", "1",
               "--budget-s", "0.01", "--json", "--out", str(tmp_path)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["cell"] for r in out["rows"]] == ["lstm", "gru-zoneout", "lstm-proj"]
    r = out["rows"][1]
    assert r["rnnkit_engine"] == "bptt" and r["rnnkit_train_ms"] > 0
    assert abs(r["rnnkit_train_x"] - r["rnnkit_train_ms"] / r["torch.nn_train_ms"]) < 1e-9
    assert out["rows"][0]["rnnkit_engine"] == "native"
    assert (tmp_path / "bench.json").exists() and (tmp_path / "bench.md").read_text().startswith("| cell")


def test_bench_bad_flags(capsys):
    assert main(["bench", "--cells", "lstmx"]) == 2
    assert "--cells: expected names from" in capsys.readouterr().err
    assert main(["bench", "--shapes", "1,2,3"]) == 2
