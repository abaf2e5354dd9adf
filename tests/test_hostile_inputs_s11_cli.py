"""Hostile command lines, HTTP requests and exports, session 11 sweep (helper S). Each case says what
happened before the fix."""

from __future__ import annotations

import re

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, message", [
    # "--length: expected an int >= 2 or None, got 0": None cannot be typed on a command line
    (["experiment", "adding", "--length", "0"], "--length: expected an int >= 2, got 0"),
    (["experiment", "adding", "--max-seconds", "0"], "--max-seconds: expected a positive number, got 0.0"),
    # a flag whose type reads 'none' says so, as the user types it
    (["experiment", "adding", "--clip-norm", "-1"], "--clip-norm: expected a positive number or 'none', got -1.0"),
    (["experiment", "adding", "--forget-bias", "nan"], "--forget-bias: expected a finite number or 'none', got nan"),
])
def test_a_flag_error_offers_what_can_be_typed_not_pythons_none(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit experiment: error: {message}"]


def _long_csv(path, order=("a", "b"), label=lambda i: "up" if i % 2 else "down"):
    """A long-format CSV: 12 series of 6 steps, channel a rising or falling with the class, b the other way
    at half the slope (swapped, an 'up' series reads as a 'down' one); the channel columns in ``order``."""
    rows = [",".join(["id", "time", "label", *order])]
    for i in range(12):
        for t in range(6):
            a = (t if i % 2 else -t) + 0.01 * i
            v = {"a": a, "b": -0.5 * a}
            rows.append(",".join([f"s{i}", str(t), label(i), *(f"{v[c]:.3f}" for c in order)]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_tsc_run_reads_its_channels_by_name_not_by_position(tmp_path, capsys):
    # Before: a run trained without --value-cols remembered value_cols=None, so predict/evaluate took "every
    # other column" of the new file in that file's order: the same columns in another order were fed as
    # swapped channels (every series read as the other class here), without a word.
    import json

    train = _long_csv(tmp_path / "train.csv")
    swapped = _long_csv(tmp_path / "swapped.csv", order=("b", "a"))
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(train), "--model", "auto", "--epochs", "1", "--hidden-size", "4",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    outs = []
    for f in (train, swapped):
        assert main(["tsc", "predict", "--run", str(run), "--csv", str(f), "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[1] == outs[0]                      # the oracle: the same series, the same columns by name
    assert main(["tsc", "evaluate", "--run", str(run), "--csv", str(swapped), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["accuracy"] == 1.0
    assert json.loads((run / "config.json").read_text())["data"]["columns"]["value_cols"] == ["a", "b"]


@pytest.mark.parametrize("cols, message", [
    # each trained silently before: a channel twice; '' read as "every other column"; a numeric label
    # column read as a channel (the network and 1-NN trained on the answer: accuracy 1.0)
    ("a,a", "--value-cols: expected each column once, got 'a' twice"),
    ("", "--value-cols: expected comma-separated column names, got ''"),
    ("a,label", "--value-cols: expected columns other than --label-col 'label', got 'label' among them"),
    ("time,a", "--value-cols: expected columns other than --time-col 'time', got 'time' among them"),
])
def test_tsc_value_columns_are_distinct_names_outside_the_other_roles(tmp_path, capsys, cols, message):
    data = _long_csv(tmp_path / "d.csv", label=lambda i: str(i % 2))
    assert main(["tsc", "train", "--csv", str(data), "--value-cols", cols, "--epochs", "1", "--hidden-size", "4",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"rnnkit tsc: error: {message}"]
    assert not (tmp_path / "run").exists()



def _forecast_service(tmp_path, y, period):
    """A seasonal-naive forecaster of ``y`` saved in tmp_path/run and served with its state in tmp_path/state:
    ``(TestClient, service)`` (the client used as a context manager; close the service after)."""
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    import warnings

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    Forecaster("seasonal_naive", horizon=2, period=period).fit(y).save(tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    return TestClient(create_app(service), raise_server_exceptions=False), service


def test_a_journal_line_whose_fsync_failed_is_cut_so_a_retry_and_a_restart_hold(tmp_path, monkeypatch):
    # Before: os.fsync failing (EIO, a full disk on some file systems) answered 503 "nothing was applied" but
    # left the line in journal.jsonl; the client's retry was accepted and journalled again, and the restart
    # replayed the observation twice: "expected a time after the last one" -- the server could not start.
    import errno
    import os

    import numpy as np

    import rnnkit.serve.journal as journal
    from rnnkit.serve.services import open_service

    t = np.arange(60)
    client, service = _forecast_service(tmp_path, 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12), 12)
    real, failures = os.fsync, [OSError(errno.EIO, os.strerror(errno.EIO))]

    def fsync(fd):
        if failures:
            raise failures.pop()
        return real(fd)

    body = '{"observations":[{"id":"series","time":60,"value":1.5}]}'
    with client as c:
        monkeypatch.setattr(journal.os, "fsync", fsync)
        post = lambda: c.post("/observations", content=body, headers={"content-type": "application/json"})  # noqa: E731
        assert post().status_code == 503
        assert (tmp_path / "state" / "journal.jsonl").read_bytes() == b""       # not durable: not kept
        assert post().status_code == 200                                      # the retry
        served = c.get("/forecast").json()
        monkeypatch.undo()
    service.close()
    again = open_service(tmp_path / "run", tmp_path / "state")                # the restart replays it once
    try:
        assert len(again.journal.entries) == 1 and again.forecast() == service.forecast()
        assert served == {"forecast": again.rows}
    finally:
        again.close()


def test_a_journal_that_cannot_be_cut_back_refuses_every_later_append(tmp_path, monkeypatch):
    import errno
    import os

    import rnnkit.serve.journal as journal

    (tmp_path / "run").mkdir()
    j = journal.Journal(tmp_path / "state", tmp_path / "run")
    j.append({"n": 1})
    monkeypatch.setattr(journal.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "EIO")))
    with pytest.raises(OSError, match="EIO"):
        j.append({"n": 2})                  # the write's fsync fails, and so does the cut's
    monkeypatch.undo()
    with pytest.raises(OSError, match="could not be cut back after a failed write"):
        j.append({"n": 3})                  # not acknowledged over a line that may linger
    assert j.entries == [{"n": 1}]
    j.close()


@pytest.mark.parametrize("raw", ["04/03/2020", "4 Mar 2020", "20200304", "now", "today"])
def test_serve_reads_times_as_iso_8601_only(tmp_path, raw):
    # Before: any text pandas parses was taken. '04/03/2020' (4 March in most of the world) was read month
    # first as 3 April: a 200 that placed the value 30 days ahead and interpolated the days between, silently;
    # 'now' was read as the clock's time.
    import numpy as np
    import pandas as pd

    t = np.arange(63)
    y = pd.Series(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 7), index=pd.date_range("2020-01-01", periods=63))
    client, service = _forecast_service(tmp_path, y, 7)
    with client as c:
        assert c.get("/health").json()["next_time"] == {"series": "2020-03-04"}
        r = c.post("/observations", json={"observations": [{"id": "series", "time": raw, "value": 1.0}]})
        assert r.status_code == 422
        assert r.json() == {"error": f"observations[0].time: expected an ISO 8601 date/time like '2020-03-04', "
                                     f"got {raw!r}"}
        assert c.get("/health").json()["updates"] == 0
        ok = c.post("/observations", json={"observations": [{"id": "series", "time": "2020-03-04", "value": 1.0}]})
        assert ok.status_code == 200 and c.get("/health").json()["next_time"] == {"series": "2020-03-05"}
    service.close()


@pytest.mark.parametrize("body, message", [
    # pydantic's own words before: 'observations.0.value.float: Input should be a finite number', ...
    ('{"observations":[{"id":"series","time":60,"value":NaN}]}', "observations[0].value: expected a finite number, got NaN"),
    ('{"observations":[{"id":"series","time":60,"value":"1"}]}', "observations[0].value: expected a number, got '1'"),
    ('{"observations":[{"id":"series","time":null,"value":1}]}',
     "observations[0].time: expected a string or an integer, got null"),
    ('{"observations":[{"id":5.5,"time":60,"value":1}]}', "observations[0].id: expected a string or an integer, got 5.5"),
    ('{"observations":[{"id":"series","time":60}]}', "observations[0].value: expected a value, got none (the field is "
                                                      "missing)"),
    ('{"observations":[{"id":"series","time":60,"value":1,"vlaue":2}]}', "observations[0].vlaue: expected no such "
                                                                         "field, got one"),
    ('{"observations":[]}', "observations: expected at least 1 item(s), got 0"),
    ('{"observations":{"id":"series"}}', "observations: expected an array, got an object"),
    ('{"observations":[7]}', "observations[0]: expected an object, got 7"),
])
def test_serve_schema_errors_say_expected_and_got_naming_the_field(tmp_path, body, message):
    import numpy as np

    client, service = _forecast_service(tmp_path, np.arange(60.0) % 12, 12)
    with client as c:
        r = c.post("/observations", content=body, headers={"content-type": "application/json"})
        assert (r.status_code, r.json()) == (422, {"error": message})
    assert service.journal.entries == []
    service.close()


def test_export_to_an_opset_the_exporter_cannot_convert_to_is_refused_not_ignored(tmp_path, capsys):
    # Before: `rnnkit export --opset 7` (or 99) printed onnxscript's 16-line traceback of the failed conversion,
    # then wrote the model at opset 18 with exit 0 -- not the opset asked for, and the sidecar did not say.
    pytest.importorskip("onnxruntime")
    data, run, out = _long_csv(tmp_path / "d.csv"), tmp_path / "run", tmp_path / "m.onnx"
    assert main(["tsc", "train", "--csv", str(data), "--model", "rnn", "--epochs", "1", "--hidden-size", "4",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["export", "--run", str(run), "--out", str(out), "--opset", "7", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.fullmatch(r"rnnkit export: error: --opset: expected an ONNX opset torch \S+'s exporter "
                                          r"can convert this model to \(it writes opset \d+\), got 7", err[0]), err
    assert not out.exists() and not (tmp_path / "m.onnx.json").exists()


@pytest.mark.parametrize("command, flag, content, message", [
    # Before: 'DataError: conll: expected ...' named the data argument, not the flag the user typed
    ("tag", "--conll", b"", "DataError: --conll: expected a non-empty file, got {path!r} (empty)"),
    ("tsc", "--csv", b"id,time,label,a\nx,0,\xe9,1\n",
     "DataError: --csv: expected UTF-8 text, got invalid byte 0xe9 in {path!r} at line 2 (Windows-1252 or Latin-1 "
     "text? save it as UTF-8, e.g. iconv -f cp1252 -t utf-8)"),   # the hint since session 19 (43d786f)
    ("generate", "--text", None, "DataError: --text: expected an existing file, got {path!r} (a folder)"),
])
def test_a_runtime_error_about_a_flag_s_value_names_the_flag(tmp_path, capsys, command, flag, content, message):
    path = tmp_path / "data"
    path.mkdir() if content is None else path.write_bytes(content)
    assert main([command, "train", flag, str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"rnnkit {command}: error: "
                                                             + message.format(path=str(path))]


def test_an_export_cut_short_never_leaves_the_old_description_beside_the_new_model(tmp_path, monkeypatch):
    # Before: the model was replaced first and its FILE.json after; an export killed between the two left the
    # new graph beside the previous export's description (its inputs, classes, scales), which a consumer feeds
    # to the new graph without a sign. Since session 25 (2306aec) the pair is written whole to temporaries and
    # renamed description first: a kill between the renames leaves the new description beside the old model,
    # which load_runner refuses by the sha256 the description records -- never the old description beside the
    # new model.
    pytest.importorskip("onnxruntime")
    import hashlib
    import importlib
    import json

    import rnnkit
    from rnnkit.errors import CheckpointError
    from toy_data import interrupt_nth_rename

    api = importlib.import_module("rnnkit.export.api")   # rnnkit.export is also the function's name

    path = tmp_path / "m.onnx"
    api.export(rnnkit.GRU(3, 4, batch_first=True), path)
    side = json.loads((tmp_path / "m.onnx.json").read_text())
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    assert side["sha256"] == old and side["outputs"] == ["output", "h_n"]

    interrupt_nth_rename(monkeypatch, 2)     # the description renamed into place, the model not
    with pytest.raises(KeyboardInterrupt):
        api.export(rnnkit.LSTM(3, 5, batch_first=True), path)                 # another model, same file
    monkeypatch.undo()
    side = json.loads((tmp_path / "m.onnx.json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == old and side["sha256"] != old   # new description, old model
    with pytest.raises(CheckpointError, match=r"an export interrupted between its two files"):
        api.load_runner(path, "onnx")


def test_serve_names_what_it_serves_refuses_bodies_that_are_not_utf8_and_says_texts_once(tmp_path):
    # Before: a UTF-16 body was read (json.loads guesses UTF-16/32 from bytes) while any other non-UTF-8 body was
    # a 400 'There was an error parsing the body'; POST /predict of a forecaster (a request for a model this
    # server does not hold) was 'Not Found' alone; a lone surrogate was 'texts: texts[0]: expected ...'.
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    import json
    import warnings

    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0,
                               progress=False)
    TextClassifier(cfg).fit(["good fine", "bad awful"] * 6, ["pos", "neg"] * 6).save(tmp_path / "clf")
    json_type = {"content-type": "application/json"}
    with TestClient(create_app(open_service(tmp_path / "clf")), raise_server_exceptions=False) as c:
        ok = c.post("/predict", content=json.dumps({"texts": ["good"]}).encode("utf-8-sig"), headers=json_type)
        assert ok.status_code == 200                                               # a BOM is allowed
        r = c.post("/predict", content=json.dumps({"texts": ["good"]}).encode("utf-16"), headers=json_type)
        assert (r.status_code, r.json()) == (400, {"error": "body: expected UTF-8 JSON text, got byte 0xff at "
                                                            "position 0, which is not UTF-8"})
        r = c.post("/observations", json={"observations": []})
        assert (r.status_code, r.json()) == (404, {"error": "POST /observations: expected one of ['GET /health', "
                                                            "'POST /predict'] (this server serves a classify run), "
                                                            "got not found"})
        r = c.post("/predict", content='{"texts": ["\\ud800"]}', headers=json_type)
        assert r.status_code == 422 and r.json()["error"].startswith("texts[0]: expected valid Unicode"), r.text


def test_a_training_stopped_in_an_earlier_run_s_folder_leaves_that_run_loadable(tmp_path, capsys, monkeypatch):
    # Before: train logged its epochs into RUN/metrics.jsonl from the first epoch, rewriting the file the earlier
    # run's digests.json lists: a retraining stopped by Ctrl-C (or any error) left a folder whose earlier run
    # failed its digests ("metrics.jsonl: expected sha256 ...") and no new one -- both runs lost.
    import json

    from rnnkit.cli import driver

    conll = tmp_path / "d.conll"
    conll.write_text("Anna\tB-per\nlebt\tO\n\nBob\tB-per\nmag\tO\n\n" * 4, encoding="utf-8")
    tiny = ["--hidden-size", "4", "--word-dim", "4", "--char-dim", "2", "--char-hidden", "2", "--quiet",
            "--no-baseline", "--conll", str(conll), "--out", str(tmp_path / "run")]
    (tmp_path / "tokens.txt").write_text("Anna\nlebt\n", encoding="utf-8")
    predict = ["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "tokens.txt"), "--json"]
    assert main(["tag", "train", "--epochs", "1", *tiny]) == 0
    assert main(predict) == 0
    capsys.readouterr()

    def stopped(self, task, train, val, **kw):      # the retraining's first epoch, then Ctrl-C
        for cb in kw["callbacks"]:
            cb.path.write_text('{"epoch": 1}\n', encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(driver.TaskCommand, "fit", stopped)
    assert main(["tag", "train", "--epochs", "3", *tiny]) == 130
    monkeypatch.undo()
    capsys.readouterr()
    assert main(predict) == 0                                           # the earlier run, as it was
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 1
    assert main(["tag", "train", "--epochs", "2", *tiny]) == 0          # a finished retraining replaces it
    rows = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 2 and not (tmp_path / "run" / "metrics.partial.jsonl").exists()


@pytest.mark.parametrize("argv, flag", [
    # rnn_params looped over the layers: --num-layers 99999999999 never returned (the memory check hung)
    (["tag", "train", "--conll", "X", "--num-layers", "99999999999"], "--num-layers"),
    # not counted: the held-out set was drawn after training (a RuntimeError from the allocator, exit 1)
    (["experiment", "adding", "--steps", "1", "--length", "5", "--hidden-size", "4", "--eval-size", "99999999999"],
     "--eval-size"),
    # 'RuntimeError: [enforce fail at alloc_cpu.cpp:127] ... DefaultCPUAllocator: can't allocate memory', exit 1
    (["hopfield", "digits", "--n-cues", "99999999999"], "--n-cues"),
])
def test_sizes_that_cannot_fit_are_usage_errors_before_any_work(tmp_path, capsys, deadline, argv, flag):
    argv = [str(tmp_path / "d.conll") if a == "X" else a for a in argv]
    (tmp_path / "d.conll").write_text("Anna\tB-per\n\nBob\tO\n", encoding="utf-8")
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"error: {flag}: expected a size that fits in memory" in err[0], err
    assert not (tmp_path / "out").exists()


def test_rnn_params_counts_deep_stacks_without_a_loop(deadline):
    from rnnkit.cli.common import rnn_params

    def looped(cell, i, h, n, bi):                       # the oracle: the loop it replaced
        g, d = {"lstm": 4, "gru": 3, "elman": 1}[cell], 2 if bi else 1
        total = 0
        for _ in range(n):
            total, i = total + d * g * h * (i + h + 2), d * h
        return total

    for cell in ("lstm", "gru", "elman"):
        for n in (1, 2, 5):
            for bi in (False, True):
                assert rnn_params(cell, 7, 3, n, bi) == looped(cell, 7, 3, n, bi)
    assert rnn_params("lstm", 7, 3, 10 ** 12) > 10 ** 12


def test_hopfield_and_bench_results_are_replaced_whole(tmp_path, capsys):
    # Before: hopfield's JSON and bench.json/bench.md were rewritten in place (Path.write_text): a reader of the
    # earlier file (here a hard link to it) saw it truncated and rewritten, and a crash or full disk between
    # left half a file. Now each is written beside and renamed over (rnnkit._io.atomic_write_text).
    import json
    import os

    out = tmp_path / "h"
    argv = ["hopfield", "digits", "--classes", "0", "1", "--n-cues", "2", "--rules", "hebbian", "--picture-rule",
            "hebbian", "--out", str(out), "--json"]
    assert main(argv) == 0
    os.link(out / "digits.json", tmp_path / "reader.json")
    earlier = (tmp_path / "reader.json").read_text()
    assert main([*argv, "--corruption", "0.5"]) == 0
    capsys.readouterr()
    assert (tmp_path / "reader.json").read_text() == earlier                    # the earlier file, untouched
    assert json.loads((out / "digits.json").read_text())["corruption"] == 0.5
    bench = ["bench", "--cells", "lstm", "--shapes", "1,2,2,2", "--reps", "1", "--budget-s", "0.01", "--no-autograd",
             "--quiet", "--out", str(tmp_path / "b")]
    assert main(bench) == 0
    os.link(tmp_path / "b" / "bench.json", tmp_path / "reader2.json")
    earlier = (tmp_path / "reader2.json").read_text()
    assert main(bench) == 0
    assert (tmp_path / "reader2.json").read_text() == earlier
    assert json.loads((tmp_path / "b" / "bench.json").read_text())["rows"]


@pytest.mark.parametrize("extra, message", [
    # Before, each was dropped: '--dataset D --test-ucr F' trained and scored on D's own test split and
    # reported it (test_size 1029) as if it were the file's; column flags did nothing to a UCR file
    (["--dataset", "italy-power-demand", "--test-ucr", "UCR"],
     "--test-ucr: expected it with --ts, --ucr or --csv, got it with --dataset (a data set is scored on its own test "
     "split)"),
    (["--dataset", "italy-power-demand", "--test-fraction", "0.5"],
     "--test-fraction: expected it with --ts, --ucr or --csv, got it with --dataset (a data set is scored on its own "
     "test split)"),
    (["--ucr", "UCR", "--test-ucr", "UCR", "--test-fraction", "0.5"],
     "--test-fraction: expected it without --test-ucr (the file is the held-out part), got 0.5"),
    (["--ucr", "UCR", "--value-cols", "a"], "--value-cols: expected it with --csv (a column of a long-format CSV), got "
                                            "it with --ucr"),
])
def test_tsc_flags_the_data_would_ignore_are_usage_errors(tmp_path, capsys, extra, message):
    ucr = tmp_path / "d.tsv"
    ucr.write_text("".join(f"{i % 2}\t" + "\t".join(str(t * (1 if i % 2 else -1)) for t in range(6)) + "\n"
                           for i in range(12)), encoding="utf-8")
    argv = [str(ucr) if a == "UCR" else a for a in extra]
    assert main(["tsc", "train", *argv, "--epochs", "1", "--hidden-size", "4", "--out", str(tmp_path / "run"),
                 "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"rnnkit tsc: error: {message}"]
    assert not (tmp_path / "run").exists()


def test_generate_val_fraction_with_a_dataset_is_refused_not_dropped(tmp_path, capsys, deadline):
    # Before: `generate train --dataset shakespeare --val-fraction 0.3` trained with the corpus' own split of whole
    # works and dropped the 0.3 without a word
    assert main(["generate", "train", "--dataset", "shakespeare", "--val-fraction", "0.3", "--out",
                 str(tmp_path / "run"), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rnnkit generate: error: --val-fraction: expected it with --text, got 0.3 with --dataset (the corpus holds out "
        "whole works)"]
    assert not (tmp_path / "run").exists()
