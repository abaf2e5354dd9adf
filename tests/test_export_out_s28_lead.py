"""``rnnkit export --out FILE``: a path ending in '/' (a folder meant) is a usage error naming --out (helper F's fuzz,
session 28) -- Path() dropped the slash, and 'x.onnx.json/' wrote the files 'x.onnx.json' and 'x.onnx.json.json',
exit 0, where the Python API refuses it (expand_user(file=True))."""
import pytest

from rnnkit.cli.main import main


def _exit(argv):
    try:
        return main(argv)
    except SystemExit as stop:     # argparse's own exit
        return stop.code


@pytest.mark.parametrize("tail", ["/", "/.", "/.."])
def test_out_naming_a_folder_is_a_usage_error_before_anything_runs(tmp_path, capsys, monkeypatch, tail):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()      # a folder that is no run: the --out check comes first, at parse time
    assert _exit(["export", "--run", "run", "--out", "model.onnx" + tail]) == 2
    err = capsys.readouterr().err
    assert "argument --out: expected a file path, got 'model.onnx" in err and "names a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_plain_file_path_still_parses(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    assert _exit(["export", "--run", "run", "--out", "model.onnx"]) in (1, 2)   # the folder is no run
    assert "--out" not in capsys.readouterr().err      # refused for its run folder, not for --out
