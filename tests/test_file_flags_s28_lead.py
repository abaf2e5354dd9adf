"""Flags that name a file refuse a path written as a folder (helper W's review, session 28): ``Path()`` dropped the
trailing '/', so ``classify predict --input in.txt/`` read in.txt (a regression of fbf4a75's path_arg, exit 0) and
``classify evaluate --csv tr.csv/``, ``translate --tsv``, ``tag --conll``, ``tsc --ts``, ``forecast --csv``,
``--config`` ... read the file (and ``export --out x.onnx/`` wrote x.onnx) where open() and pandas refuse such a path (rnnkit._paths.expand_user's contract).
Each is a usage error naming the flag now, before anything runs; '-' (stdin) and plain paths parse as before."""
import pytest

from rnnkit.cli.main import main

CASES = [
    (["classify", "predict", "--run", "run"], "--input"),
    (["classify", "evaluate", "--run", "run"], "--csv"),
    (["tag", "predict", "--run", "run"], "--input"),
    (["tag", "evaluate", "--run", "run"], "--conll"),
    (["translate", "predict", "--run", "run"], "--input"),
    (["translate", "evaluate", "--run", "run"], "--tsv"),
    (["generate", "predict", "--run", "run"], "--input"),
    (["generate", "evaluate", "--run", "run"], "--text"),
    (["tsc", "evaluate", "--run", "run"], "--ts"),
    (["tsc", "evaluate", "--run", "run"], "--ucr"),
    (["tsc", "evaluate", "--run", "run"], "--csv"),
    (["forecast"], "--csv"),
    (["forecast", "--csv", "data.txt"], "--future-csv"),
    (["datasets"], "--config"),
    (["export", "--run", "run"], "--out"),     # a file written: 'x.onnx/' wrote x.onnx and x.onnx.json, exit 0
]


def _exit(argv):
    try:
        return main(argv)
    except SystemExit as stop:      # argparse's own exit
        return stop.code


@pytest.mark.parametrize("tail", ["/", "//", "/.", "/.."])
@pytest.mark.parametrize("head, flag", CASES, ids=[" ".join(h[:2]) + " " + f for h, f in CASES])
def test_a_file_flag_written_as_a_folder_is_a_usage_error_naming_it(tmp_path, monkeypatch, capsys, head, flag, tail):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.txt").write_text("good\n", encoding="utf-8")
    assert _exit(head + [flag, "data.txt" + tail]) == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: expected a file path, got 'data.txt{tail}'" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]       # nothing written


@pytest.mark.parametrize("value", ["data.txt", "./data.txt", "-"])
def test_a_file_path_or_stdin_still_parses(tmp_path, monkeypatch, capsys, value):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.txt").write_text("good\n", encoding="utf-8")
    _exit(["classify", "predict", "--run", "run", "--input", value])      # the run folder is missing: not --input
    assert "argument --input" not in capsys.readouterr().err
