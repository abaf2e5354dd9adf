"""``rnnkit hopfield ...`` in-process: tiny runs, --json parsed, PNG + JSON written, usage errors exit 2."""

from __future__ import annotations

import json

import pytest

from rnnkit.cli.main import main


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


def run_json(capsys, *argv: str) -> dict:
    rc = main(["hopfield", *argv, "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1                                         # exactly one JSON object on stdout
    return json.loads(lines[0])


def check_files(result: dict, tmp_path, name: str) -> dict:
    png, js = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    assert result["files"] == {"png": str(png), "json": str(js)}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    return json.loads(js.read_text())


def test_capacity_json_and_files(capsys, tmp_path):
    r = run_json(capsys, "capacity", "--sizes", "60", "100", "--loads", "0.05", "0.3", "--seed", "1",
                 "--out", str(tmp_path))
    assert r["experiment"] == "capacity" and r["sizes"] == [60, 100] and r["seed"] == 1
    heb = r["curves"]["hebbian"]["100"]
    assert heb["patterns"] == [5, 30] and heb["perfect"][0] == 1.0 and heb["perfect"][1] < 0.5
    assert r["curves"]["storkey"]["100"]["perfect"][1] > heb["perfect"][1]
    assert r["theory"]["hebbian_critical_load"] == 0.138
    saved = check_files(r, tmp_path, "capacity")
    assert saved["curves"] == r["curves"]


def test_robustness_json_and_files(capsys, tmp_path):
    r = run_json(capsys, "robustness", "--n-units", "80", "--n-patterns", "4", "--fractions", "0", "0.5",
                 "--noise-levels", "0", "0.5", "--trials", "1", "--out", str(tmp_path))
    assert r["zeroed"]["fraction"] == [0.0, 0.5] and r["zeroed"]["overlap"][0] == 1.0
    assert r["cue_noise"]["overlap"][0] == 1.0 and abs(r["cue_noise"]["overlap"][1]) < 0.5
    check_files(r, tmp_path, "robustness")


def test_digits_json_and_picture_grid(capsys, tmp_path):
    r = run_json(capsys, "digits", "--classes", "0", "1", "--n-cues", "3", "--out", str(tmp_path))
    assert set(r["results"]) == {"hebbian", "storkey"}
    assert r["results"]["storkey"]["prototypes_fixed"] == 1.0
    assert "picture" not in r                                      # the images stay in the JSON file
    saved = check_files(r, tmp_path, "digits")
    grid = saved["picture"]["half"]
    assert len(grid) == 2 and len(grid[0]) == 3 and len(grid[0][0]) == 8      # cue, recall, original


@pytest.mark.parametrize("name", ["modern-capacity", "modern"])
def test_modern_capacity_json_and_files(capsys, tmp_path, name):
    r = run_json(capsys, name, "--n-units", "40", "--loads", "0.05", "1.0", "--out", str(tmp_path))
    assert r["perfect"]["modern"] == [1.0, 1.0] and r["perfect"]["hebbian"][1] < 0.5
    check_files(r, tmp_path, "modern-capacity")


def test_readable_output_and_config_file(capsys, tmp_path):
    cfg = tmp_path / "cap.toml"
    cfg.write_text('sizes = [40]\nloads = [0.05]\nrules = ["storkey"]\n')
    rc = main(["hopfield", "capacity", "--config", str(cfg), "--threads", "1", "--out", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert rc == 0 and "experiment: capacity" in out and "sizes: [40]" in out
    r = json.loads((tmp_path / "capacity.json").read_text())
    assert r["rules"] == ["storkey"] and r["loads"] == [0.05]


@pytest.mark.parametrize("argv,fragment", [
    (["capacity", "--sizes", "0"], "--sizes: expected a positive int, got '0'"),
    (["capacity", "--loads", "-0.1"], "--loads"),
    (["capacity", "--rules", "oja"], "--rules"),
    (["robustness", "--fractions", "1.5"], "--fractions: expected a number in [0, 1], got '1.5'"),
    (["digits", "--classes", "12"], "--classes: expected a digit 0..9"),
    (["digits", "--rules", "hebbian", "--picture-rule", "storkey"], "--picture-rule"),
    (["digits", "--threshold", "20"], "threshold"),
    (["modern", "--beta", "0"], "--beta: expected a finite number > 0"),
    (["capacity", "--device", "banana"], "device"),
    (["nonsense"], "invalid choice"),
])
def test_usage_errors_exit_2(capsys, tmp_path, argv, fragment):
    rc = main(["hopfield", *argv, "--out", str(tmp_path)])
    _, err = capsys.readouterr()
    assert rc == 2
    assert fragment in err


def test_every_hopfield_command_shows_its_default_out_folder_in_help(capsys):
    """docs/hopfield.md: each command writes to --out DIR (default runs/hopfield-<name>) and --help shows every
    default; the help said only 'output folder' (session 19, helper D's finding)."""
    for name in ("capacity", "robustness", "digits", "modern-capacity"):
        assert main(["hopfield", name, "--help"]) == 0
        assert f"(default:runs/hopfield-{name})" in "".join(capsys.readouterr().out.split())   # lines break at -
