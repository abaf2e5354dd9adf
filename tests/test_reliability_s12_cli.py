"""Reliability sweep, session 12 (helper S): the CLI, the service, export and run folders on disk, as a new
user would meet them. Each case says what happened before the fix."""

from __future__ import annotations

import json

import numpy as np
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
    from rnnkit._io import write_digests
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
    trainer = tmp_path / "trainer"        # a Trainer's run folder: config.json and weights under digests, no task
    trainer.mkdir()
    (trainer / "config.json").write_text('{"schema_version": 1, "epochs": 3}')
    write_digests(trainer, ["config.json"])
    with pytest.raises(CheckpointError, match="holding a saved run whose config.json names no task"):
        save_run(trainer, "tag", {}, nn.Linear(1, 1))
    assert json.loads((trainer / "config.json").read_text()) == {"schema_version": 1, "epochs": 3}


def test_generate_advice_names_the_flag_and_the_result_says_how_many_held_out_chars_were_scored(tmp_path, capsys):
    # Before: 'generate train --text' with too little held out advised "(raise val_fraction, ...)", an argument
    # the command does not have; and --val-chars larger than the held-out part was capped without a word (the
    # run's history recorded the whole held-out length even when --val-chars scored fewer).
    from rnnkit.tasks.generation import text_split
    from rnnkit.tasks.generation.data import held_out_halves

    tiny = tmp_path / "tiny.txt"
    tiny.write_text("abc\n", encoding="utf-8")
    small = ["--rounds", "1", "--chunks-per-round", "1", "--hidden-size", "4", "--embed-dim", "2", "--bptt", "4",
             "--batch-size", "2", "--quiet", "--json"]
    assert main(["generate", "train", "--text", str(tiny), "--out", str(tmp_path / "g0"), *small]) == 1
    err = capsys.readouterr().err
    assert "(raise --val-fraction, or 0 for none)" in err and "raise val_fraction" not in err
    text = tmp_path / "t.txt"
    text.write_text("hello world, a line of text.\n" * 30, encoding="utf-8")
    # the last tenth (the default --val-fraction), whose first half validates since session 31 (its second: the test)
    held = len(held_out_halves(text_split(text.read_text(), 0.1)[1])[0])
    for val_chars, expected in ((10, 10), (10 ** 6, held)):
        run = tmp_path / f"g{val_chars}"
        assert main(["generate", "train", "--text", str(text), "--out", str(run), "--val-chars", str(val_chars),
                     *small]) == 0
        assert json.loads(capsys.readouterr().out)["val_chars_scored"] == expected
        assert json.loads((run / "config.json").read_text())["history"]["val_chars"] == expected


def test_translate_says_how_many_validation_pairs_it_decoded(tmp_path, capsys):
    # Before: --val-max capped the validation pairs decoded after each epoch without a word, and a training
    # part under 20 pairs was trained without validation whatever --val-fraction said; the result now says so.
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"{i} {w}\t{w} {i}\n" for i, w in enumerate(["un", "deux", "trois", "quatre"] * 15)),
                   encoding="utf-8")
    small = ["--tsv", str(tsv), "--epochs", "1", "--embed-dim", "4", "--enc-hidden", "4", "--dec-hidden", "4",
             "--quiet", "--json", "--no-baseline"]
    for extra, expected in ((["--val-max", "2"], 2), (["--limit", "15", "--val-fraction", "0.5"], 0)):
        assert main(["translate", "train", *small, *extra, "--out", str(tmp_path / f"t{expected}")]) == 0
        assert json.loads(capsys.readouterr().out)["val_pairs_decoded"] == expected


def test_bench_errors_name_the_argument_that_was_given(capsys):
    # Before: run_benchmarks(variants=...) refused a repeat or an empty list as 'cells: ...', an argument it does
    # not have (the CLI's flag name); the CLI's --cells repeat is now its own usage error naming the flag.
    from rnnkit.bench import run_benchmarks
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^variants: expected distinct values, got 'lstm' twice"):
        run_benchmarks(["lstm", "lstm"], [(2, 3, 3, 4)], reps=1, budget_s=0.05, autograd=False)
    assert main(["bench", "--cells", "gru", "gru", "--shapes", "2,3,3,4"]) == 2
    assert capsys.readouterr().err.strip() == "rnnkit bench: error: --cells: expected distinct values, got 'gru' twice"


def test_export_never_replaces_a_file_no_export_wrote(tmp_path, capsys):
    # Before: 'rnnkit export --run RUN --out RUN/config' wrote its description over RUN/config.json, and
    # '--out RUN/model.safetensors' wrote the graph over the run's weights, exit 0 (the run then failed its
    # digests). An earlier export (file + its description) is still replaced, as before.
    import rnnkit
    from rnnkit.errors import ConfigError
    from rnnkit.export import export

    (tmp_path / "config.json").write_text('{"task": "classify"}')
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    gru = rnnkit.GRU(2, 3, batch_first=True)
    for out, message in ((tmp_path / "config", "whose description file .* is not an export's"),
                         (tmp_path / "model.safetensors", "an existing file with no export description")):
        with pytest.raises(ConfigError, match=f"^path: expected a new file name or an earlier export's, got .*{message}"):
            export(gru, out, format="torch-export", check=False)
        assert main(["export", "--run", str(tmp_path), "--out", str(out), "--quiet"]) == 2
        assert "--out: expected a new file name or an earlier export's" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_text() == '{"task": "classify"}'
    assert (tmp_path / "model.safetensors").read_bytes() == b"weights"
    first = export(gru, tmp_path / "gru.pt2", format="torch-export", check=False)
    again = export(rnnkit.GRU(2, 3, batch_first=True), tmp_path / "gru.pt2", format="torch-export", check=False)
    assert first.path == again.path and json.loads((tmp_path / "gru.pt2.json").read_text())["file"] == "gru.pt2"
    (tmp_path / "gru.pt2").write_bytes(b"another model")      # the description no longer describes the file
    with pytest.raises(ConfigError, match="which is not the model .* describes"):
        export(gru, tmp_path / "gru.pt2", format="torch-export", check=False)
    assert (tmp_path / "gru.pt2").read_bytes() == b"another model"


def test_the_service_serves_only_acknowledged_updates(tmp_path, monkeypatch):
    # Before: an update's forecast was served (GET /forecast, /health) before its journal line was written, and
    # when the write failed (a full disk: 503, 'nothing was applied') the undo reloaded the run and replayed the
    # journal from its first line, serving the run's forecast without the acknowledged updates meanwhile
    # (about 0.1 s a journalled request). Readers now see the last acknowledged state throughout.
    from rnnkit.serve.services import ForecastService, RequestError
    from rnnkit.tasks.forecasting import Forecaster

    Forecaster(horizon=2, model="theta").fit(np.linspace(10.0, 16.0, 40) + np.sin(np.arange(40))).save(tmp_path / "run")
    svc = ForecastService(tmp_path / "run", tmp_path / "state")
    try:
        svc.observe([{"id": "series", "time": 40, "value": 17.0}])
        acknowledged, health = svc.forecast(), svc.health()
        seen = []
        real_append, real_replay = svc.journal.append, svc._replay

        def full_disk(entry):
            seen.append((svc.forecast(), svc.health()))          # the update is applied, not yet journalled
            raise OSError(28, "No space left on device")

        def replay():
            seen.append((svc.forecast(), svc.health()))          # the run reloaded, the journal not replayed yet
            real_replay()

        monkeypatch.setattr(svc.journal, "append", full_disk)
        monkeypatch.setattr(svc, "_replay", replay)
        with pytest.raises(RequestError, match="No space left on device"):
            svc.observe([{"id": "series", "time": 41, "value": 99.0}])
        assert len(seen) == 2 and all(s == (acknowledged, health) for s in seen)
        assert (svc.forecast(), svc.health()) == (acknowledged, health)
        monkeypatch.setattr(svc.journal, "append", real_append)
        svc.observe([{"id": "series", "time": 41, "value": 99.0}])   # the retry is applied once, and served
        assert svc.forecast() != acknowledged and svc.health()["updates"] == 2
    finally:
        svc.close()


def test_a_reader_that_closes_the_pipe_gets_no_error_line():
    # Before: 'rnnkit ... --json | head -c 20' printed 'rnnkit tag: error: BrokenPipeError: [Errno 32] Broken
    # pipe' (exit 1) once head had what it wanted. Now exit 141, as a shell reports SIGPIPE, and stderr is quiet.
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "rnnkit", "datasets", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()                       # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == ""


def test_evaluate_on_the_training_file_says_it_scores_training_items(runs, capsys):
    # Before: 'evaluate --run RUN --conll train.conll' (the file the run was trained on) scored every sentence,
    # the trained-on ones too, without a word ('--dataset NAME' of the run's own data set scores the held-out
    # part; a file had no such rule). Now a one-line warning; the scores are what was asked for.
    import warnings

    capsys.readouterr()
    with pytest.warns(UserWarning) as caught:
        assert main(["tag", "evaluate", "--run", str(runs / "tag"), "--conll", str(runs / "train.conll"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 12
    assert [str(w.message) for w in caught] == [
        f"--conll: expected data the run was not trained on, got {str(runs / 'train.conll')!r}, the data it was "
        "trained on: its training items are scored too (leave the flag out to score the part held out at training)"]
    copy = runs / "copy.conll"                   # a copy holds the same items: the same warning
    copy.write_bytes((runs / "train.conll").read_bytes())
    with pytest.warns(UserWarning, match="the data it was trained on"):
        assert main(["tag", "evaluate", "--run", str(runs / "tag"), "--conll", str(copy), "--json"]) == 0
    other = runs / "other.conll"                 # other sentences: no warning
    other.write_text("Paris\tB-LOC\nvisits\tO\n\nAnna\tB-PER\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["tag", "evaluate", "--run", str(runs / "tag"), "--conll", str(other), "--json"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                           # the held-out part: no warning
        assert main(["tag", "evaluate", "--run", str(runs / "tag"), "--json"]) == 0


def test_tsc_refuses_its_training_file_as_the_test_file(tmp_path, capsys):
    # Before: 'tsc train --ts A.ts --test-ts A.ts' scored the training series as the held-out part (1-NN on its
    # own training series: accuracy 1.0) and recorded them as the run's test split, without a word.
    rows = [",".join(f"{(t if i % 2 else -t) + 0.01 * i:.2f}" for t in range(6)) + (":up" if i % 2 else ":down")
            for i in range(12)]
    ts = tmp_path / "a.ts"
    ts.write_text("@problemName toy\n@timeStamps false\n@univariate true\n@equalLength true\n@seriesLength 6\n"
                  "@classLabel true up down\n@data\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "b.ts").symlink_to(ts)
    assert main(["tsc", "train", "--ts", str(ts), "--test-ts", str(tmp_path / "b.ts"), "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnkit tsc: error: --test-ts: expected a file other than the training "
                                               f"series' --ts, got the same file {str(tmp_path / 'b.ts')!r}")
    assert not (tmp_path / "run").exists()


def test_a_run_saved_before_the_held_out_digest_is_not_matched_by_size_alone():
    # A run without split.json's items_sha256 (before session 10) takes any data of its size as its own in
    # held_out(); the training-data warning must not fire on a same-size file for such a run.
    from types import SimpleNamespace

    from rnnkit.cli.driver import Data, held_out_digest
    from rnnkit.cli.tag import COMMAND

    old = SimpleNamespace(split={"test": {"rule": "random", "items": [1], "source_size": 2}}, data={"file": "t.conll"})
    data = Data([["a"], ["b"]], [["O"], ["O"]], {"file": "other.conll", "flag": "conll"})
    assert COMMAND._training_data(old, data) is False
    digest = held_out_digest(Data([["b"]], [["O"]]))                    # the same run with its digest: matched
    new = SimpleNamespace(split={"test": {**old.split["test"], "items_sha256": digest}}, data=old.data)
    assert COMMAND._training_data(new, data) is True
