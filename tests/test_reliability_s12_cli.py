"""Reliability sweep, session 12 (helper S): the CLI, the service, export and run folders on disk, as a new
user would meet them. Each case says what happened before the fix."""

from __future__ import annotations

import json

import pytest
from torch import nn

from rnnkit.cli.main import main


def _files(folder):
    """Every file under ``folder`` with its bytes (the oracle of 'left untouched')."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _conll(path):
    words = [("Anna", "B-PER"), ("visits", "O"), ("Paris", "B-LOC"), ("today", "O")]
    path.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in words[i % 2:] + words[:i % 2])
                                for i in range(12)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A forecast run and a tag run, each fitted once (about 2 s together)."""
    root = tmp_path_factory.mktemp("runs")
    assert main(["forecast", "--dataset", "nile", "--horizon", "3", "--model", "theta", "--no-plot", "--quiet",
                 "--out", str(root / "forecast")]) == 0
    assert main(["tag", "train", "--conll", str(_conll(root / "train.conll")), "--epochs", "1", "--hidden-size", "4",
                 "--char-hidden", "2", "--quiet", "--out", str(root / "tag")]) == 0
    return root


@pytest.mark.parametrize("argv, victim, other", [
    (["tag", "train", "--conll", "{conll}", "--epochs", "1", "--quiet", "--out", "{forecast}"], "forecast", "tag"),
    (["forecast", "--dataset", "nile", "--horizon", "3", "--model", "theta", "--no-plot", "--quiet", "--out", "{tag}"],
     "tag", "forecast"),
    (["forecast", "update", "--run", "{forecast}", "--csv", "{conll}", "--out", "{tag}"], "tag", "forecast"),
])
def test_a_run_of_another_task_is_never_replaced(runs, capsys, argv, victim, other):
    # Before: 'tag train --out' into a forecast run replaced its config.json and model and left its
    # forecast.csv/metrics.json/auto/ beside the tagger (exit 0; 'forecast predict' then failed on the folder),
    # and 'forecast --out' into a tag run did the same the other way. Now a usage error before any work.
    where = {"forecast": str(runs / "forecast"), "tag": str(runs / "tag"), "conll": str(runs / "train.conll")}
    before = _files(runs / victim)
    capsys.readouterr()
    assert main([a.format(**where) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--out: expected a new folder or a '{other}' run folder, got " in err[0]
    assert f"holding a '{victim}' run" in err[0]
    assert _files(runs / victim) == before


def test_forecast_out_refuses_a_folder_with_a_config_json_no_run_wrote(tmp_path, capsys):
    # Before: the task commands refused it, but 'forecast --out .' in a project with its own config.json
    # overwrote that file without a word.
    (tmp_path / "config.json").write_text('{"mine": 1}')
    assert main(["forecast", "--dataset", "nile", "--horizon", "3", "--model", "theta", "--no-plot", "--quiet",
                 "--out", str(tmp_path)]) == 2
    assert "holding ['config.json'] that no run there wrote" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_text() == '{"mine": 1}'


def test_save_run_refuses_another_tasks_run_and_replaces_its_own(tmp_path):
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.runs import save_run, saved_task

    save_run(tmp_path, "tag", {}, nn.Linear(1, 1))
    assert saved_task(tmp_path) == "tag"
    with pytest.raises(CheckpointError, match="path: expected a new folder or a 'classify' run folder, got .* "
                                              "holding a 'tag' run"):
        save_run(tmp_path, "classify", {}, nn.Linear(2, 1))
    assert json.loads((tmp_path / "config.json").read_text())["task"] == "tag"
    save_run(tmp_path, "tag", {"a": 1}, nn.Linear(1, 1))       # the same task: replaced, as documented
    assert json.loads((tmp_path / "config.json").read_text())["config"] == {"a": 1}
    assert saved_task(tmp_path / "none") is None
