"""Session 24, helper P: every path a user gives the library, every file it loads.

``~`` / ``~user`` is the user's home wherever a path enters (rnnkit._paths, as pandas' read_csv/to_csv and the shell
do): with HOME pointed at a temporary folder, each call given ``~/...`` must do what the same call given the expanded
absolute path does (the oracle), and leave no folder named ``~`` in the working folder."""

import os
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pytest
import torch
from toy_data import run_cli, write_frame

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.forecasting import Forecaster


@pytest.fixture
def home(tmp_path, monkeypatch):
    """HOME -> tmp_path/home, the working folder tmp_path/work; yields the home folder."""
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "work")
    yield tmp_path / "home"
    assert not any(p.name.startswith("~") for p in (tmp_path / "work").rglob("*")), "a literal '~' folder was made"


def _series():
    t = np.arange(48)
    return pd.Series(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12),
                     index=pd.date_range("2020-01-01", periods=48, freq="MS"), name="y")


def _forecaster():
    return Forecaster("seasonal_naive", horizon=3, period=12).fit(_series())


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def test_forecaster_save_and_load_expand_the_home(home):
    f = _forecaster()
    assert f.save("~/runs/f") == home / "runs" / "f"
    f.save(home / "runs" / "g")                     # oracle: the expanded absolute path
    assert _files(home / "runs" / "f").keys() == _files(home / "runs" / "g").keys()
    for given in ("~/runs/f", Path("~/runs/f"), PurePosixPath("~/runs/f")):
        pd.testing.assert_frame_equal(Forecaster.load(given).predict(), f.predict())


def test_task_save_and_load_expand_the_home(home):
    from toy_data import tiny_char_lm

    from rnnkit.tasks.generation import CharLM

    lm = tiny_char_lm("to be or not to be, that is the question. " * 4)
    lm.save("~/lm")
    assert (home / "lm" / "config.json").is_file()
    again = CharLM.load("~/lm")
    for a, b in zip(again.net.state_dict().values(), lm.net.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_trainer_run_dir_weights_and_checkpoints_expand_the_home(home):
    from rnnkit.training import Trainer
    from rnnkit.training.checkpoint import latest_checkpoint, load_weights, save_weights

    net = torch.nn.Linear(3, 2)
    tr = Trainer(net, torch.nn.functional.mse_loss, run_dir="~/tr")
    assert tr.run_dir == home / "tr"
    assert save_weights(net, "~/w/model.safetensors") == home / "w" / "model.safetensors"
    other = torch.nn.Linear(3, 2)
    load_weights(other, "~/w/model.safetensors")
    torch.testing.assert_close(other.weight, net.weight)
    assert latest_checkpoint("~/tr") is None       # looked for in home/tr/checkpoints (none yet), no error


def test_data_files_are_read_from_the_home(home):
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_text_lines
    from rnnkit.data.tsc import read_ts

    frame = pd.DataFrame({"t": pd.date_range("2021-01-01", periods=5, freq="D").strftime("%Y-%m-%d"),
                          "y": [1.0, 2, 3, 4, 5]})
    write_frame(home / "s.csv", frame)
    pd.testing.assert_frame_equal(read_series_csv("~/s.csv", "t"), read_series_csv(home / "s.csv", "t"))
    (home / "lines.txt").write_text("a\nb\n", encoding="utf-8")
    assert read_text_lines("~/lines.txt") == read_text_lines(home / "lines.txt") == ["a", "b"]
    (home / "x.ts").write_text("@problemName x\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n4,5,6:b\n")
    X, y = read_ts("~/x.ts")
    X2, y2 = read_ts(home / "x.ts")
    assert y == y2 == ["a", "b"] and all(np.array_equal(a, b) for a, b in zip(X, X2))


def test_logs_plots_vocab_and_service_expand_the_home(home):
    from rnnkit._plot import png_path
    from rnnkit.data.vocab import Vocab
    from rnnkit.serve.services import open_service
    from rnnkit.training import MetricLogger

    assert MetricLogger(path="~/logs/m.jsonl").path == home / "logs" / "m.jsonl"
    assert png_path("~/p.png") == home / "p.png"
    v = Vocab(["<pad>", "a", "b"], ["<pad>"])
    v.save("~/v.json")
    assert Vocab.load("~/v.json").tokens == Vocab.load(home / "v.json").tokens == v.tokens
    f = _forecaster()
    f.plot("~/f.png")
    assert (home / "f.png").stat().st_size > 0
    f.save(home / "run")
    service = open_service("~/run", "~/state")
    assert service.run == home / "run" and (home / "state").is_dir()


def test_cli_expands_a_quoted_home_and_config_values(home, capsys):
    frame = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=48, freq="MS").strftime("%Y-%m-%d"),
                          "y": _series().to_numpy()})
    write_frame(home / "y.csv", frame)
    (home / "c.toml").write_text('csv = "~/y.csv"\nout = "~/runs/cfg"\n', encoding="utf-8")
    base = ["forecast", "--model", "seasonal_naive", "--period", "12", "--horizon", "3", "--time-col", "t", "--target", "y", "--quiet"]
    code, out, err = run_cli(base + ["--config", "~/c.toml"], capsys)
    assert code == 0, err
    code, out, err = run_cli(base + ["--csv", str(home / "y.csv"), "--out", str(home / "runs" / "abs")], capsys)
    assert code == 0, err                                         # oracle: the absolute paths typed
    assert _files(home / "runs" / "cfg").keys() == _files(home / "runs" / "abs").keys()
    pd.testing.assert_frame_equal(pd.read_csv(home / "runs" / "cfg" / "forecast.csv"),
                                  pd.read_csv(home / "runs" / "abs" / "forecast.csv"))


def test_a_home_of_no_user_is_refused_naming_the_argument(home, capsys):
    f = _forecaster()
    with pytest.raises(ConfigError, match=r"^path: expected a path, got '~nosuchuser_p24/run' \(no user "):
        f.save("~nosuchuser_p24/run")
    with pytest.raises(ConfigError, match=r"^run_dir: .*no user 'nosuchuser_p24'"):
        from rnnkit.training import Trainer
        Trainer(torch.nn.Linear(2, 2), torch.nn.functional.mse_loss, run_dir="~nosuchuser_p24/tr")
    code, out, err = run_cli(["forecast", "--dataset", "co2", "--horizon", "3", "--model", "seasonal_naive",
                              "--out", "~nosuchuser_p24/x"], capsys)
    assert code == 2 and "--out" in err and "no user 'nosuchuser_p24'" in err


def test_a_literal_tilde_folder_is_reached_with_dot_slash(home, tmp_path):
    f = _forecaster()
    saved = f.save("./~nosuchuser_p24/run")          # the folder so named, on purpose: made absolute, not a home
    assert saved == tmp_path / "work" / "~nosuchuser_p24" / "run"
    pd.testing.assert_frame_equal(Forecaster.load("./~nosuchuser_p24/run").predict(), f.predict())
    # once it exists, the bare name reads it too (pandas' rule: no such user, the name as typed)
    pd.testing.assert_frame_equal(Forecaster.load("~nosuchuser_p24/run").predict(), f.predict())
    os.rename(tmp_path / "work" / "~nosuchuser_p24", tmp_path / "kept")   # made on purpose: out of the fixture's check


def test_a_tilde_folder_left_by_older_versions_is_named_when_the_home_is_read(home, tmp_path):
    # before session 24, save("~/runs/f") wrote ./~/runs/f: the same text now reads the home, and says where the
    # older run is instead of a bare "no such folder"
    from rnnkit.errors import CheckpointError

    _forecaster().save("./~/runs/f")
    with pytest.warns(UserWarning, match=r"^path: '~/runs/f' is read as '.*home/runs/f' .* but '\./~/runs/f' exists"):
        with pytest.raises(CheckpointError, match="no such folder"):
            Forecaster.load("~/runs/f")
    os.rename(tmp_path / "work" / "~", tmp_path / "older")   # made on purpose: out of the fixture's check


def test_a_bytes_path_is_a_typed_error_naming_the_argument(tmp_path, monkeypatch):
    # Path(b'x') was Python's bare TypeError out of these (the folder checks already named bytes)
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.vocab import Vocab
    from rnnkit.training.checkpoint import load_weights

    monkeypatch.chdir(tmp_path)
    csv = write_frame("s.csv", pd.DataFrame({"y": [1.0, 2.0]}))
    assert read_series_csv(csv)["y"].tolist() == [1.0, 2.0]               # oracle: the same path as a str
    with pytest.raises(InputTypeError, match=r"^csv: expected a path as str or os\.PathLike, got bytes b's\.csv' "
                                             r"\(decode it: os\.fsdecode\(path\)\)$"):
        read_series_csv(os.fsencode(csv))
    with pytest.raises(InputTypeError, match=r"^path: expected a path as str or os\.PathLike, got bytes"):
        load_weights(torch.nn.Linear(2, 2), os.fsencode(tmp_path / "m.safetensors"))
    with pytest.raises(InputTypeError, match=r"^path: expected a path as str or os\.PathLike, got bytes"):
        Vocab.load(os.fsencode(tmp_path / "v.json"))


# ------------------------------------------------------------------ files that are no files, paths that name folders
def test_a_file_path_ending_in_a_slash_is_refused_not_read(tmp_path):
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_text_lines
    from rnnkit.training.checkpoint import load_weights, save_weights

    csv = write_frame(tmp_path / "s.csv", pd.DataFrame({"y": [1.0, 2.0, 3.0]}))
    assert read_series_csv(csv)["y"].tolist() == [1.0, 2.0, 3.0]          # oracle: the path as it is
    with pytest.raises(ConfigError, match=r"^csv: expected a file path, got '.*s\.csv/' \(a trailing '/' names"):
        read_series_csv(csv + "/")                                       # open() and pandas refuse it: NotADirectory
    (tmp_path / "l.txt").write_text("a\n")
    with pytest.raises(ConfigError, match=r"^input: expected a file path, got .*l\.txt/\.'"):
        read_text_lines(str(tmp_path / "l.txt") + "/.")
    net = torch.nn.Linear(2, 2)
    with pytest.raises(ConfigError, match=r"^path: expected a file path, got .*m\.safetensors/'"):
        save_weights(net, str(tmp_path / "w" / "m.safetensors") + "/")
    assert not (tmp_path / "w").exists()                                  # nothing written under another name
    save_weights(net, tmp_path / "w" / "m.safetensors")
    with pytest.raises(ConfigError, match=r"^path: expected a file path"):
        load_weights(net, str(tmp_path / "w" / "m.safetensors") + "/")


def test_a_run_file_that_is_a_pipe_or_a_device_is_named_not_waited_on(tmp_path, deadline):
    from toy_data import tiny_char_lm

    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.generation import CharLM

    f = _forecaster()
    f.save(tmp_path / "fifo")
    os.remove(tmp_path / "fifo" / "config.json")
    os.mkfifo(tmp_path / "fifo" / "config.json")                        # a FIFO: open() waited for a writer forever
    with pytest.raises(CheckpointError, match=r"fifo/config\.json: expected a forecaster config, got a pipe"):
        Forecaster.load(tmp_path / "fifo")
    lm = tiny_char_lm("to be or not to be, " * 4)
    lm.save(tmp_path / "lm")
    CharLM.load(tmp_path / "lm")                                          # oracle: the run as saved loads
    os.remove(tmp_path / "lm" / "model.safetensors")
    os.symlink("/dev/zero", tmp_path / "lm" / "model.safetensors")       # its digest was computed forever
    with pytest.raises(CheckpointError, match=r"lm/model\.safetensors: expected a file, got a device or socket"):
        CharLM.load(tmp_path / "lm")


def test_a_vocabulary_file_loop_device_or_empty_is_a_one_line_error_naming_it(tmp_path):
    from rnnkit.data.vocab import Vocab
    from rnnkit.errors import CheckpointError

    v = Vocab(["<pad>", "<unk>", "a"])
    v.save(tmp_path / "v.json")
    assert Vocab.load(tmp_path / "v.json").tokens == v.tokens              # oracle
    os.symlink("loop", tmp_path / "loop")
    with pytest.raises(CheckpointError, match=r"loop: expected a vocabulary, got a file that cannot be read \(Too many"):
        Vocab.load(tmp_path / "loop")                                      # was Python's bare OSError (ELOOP)
    with pytest.raises(CheckpointError, match=r"^/dev/null: expected a vocabulary, got a device or socket"):
        Vocab.load("/dev/null")
    (tmp_path / "e.json").write_text("")
    with pytest.raises(CheckpointError, match=r"e\.json: expected a vocabulary, got an empty file$"):
        Vocab.load(tmp_path / "e.json")                                    # was 'invalid JSON (Expecting value: ...)'


def test_a_run_moved_to_a_path_with_spaces_and_non_utf8_bytes_loads_the_same(tmp_path):
    f = _forecaster()
    f.save(tmp_path / "run")
    moved = tmp_path / os.fsdecode("moved run é \xe9".encode("utf-8")[:-2] + b"\xe9")   # a Latin-1 byte in the name
    os.rename(tmp_path / "run", moved)                                     # nothing inside names the old place
    pd.testing.assert_frame_equal(Forecaster.load(moved).predict(), f.predict())


def test_a_forecaster_load_waits_for_another_process_saving_the_folder(tmp_path):
    # a scheduler's 'forecast update --run F' saving F while 'forecast predict --run F' loaded it: 99 loads in 100
    # failed 'expected sha256 ... the file is corrupt or was modified' (no lock; task runs have one). Oracle: every
    # load is one of the two saved forecasters, whole.
    import subprocess
    import sys
    import time

    t = np.arange(48)
    a = Forecaster("seasonal_naive", horizon=3, period=12).fit(pd.Series(50 + np.sin(t)))
    b = Forecaster("seasonal_naive", horizon=3, period=12).fit(pd.Series(90 + 5 * np.cos(t)))
    a.save(tmp_path / "a")
    b.save(tmp_path / "b")
    a.save(tmp_path / "f")
    want = [m.predict()["value"].to_numpy() for m in (a, b)]
    code = ("import sys; from rnnkit.tasks.forecasting import Forecaster\n"
            "a, b = Forecaster.load(sys.argv[1]), Forecaster.load(sys.argv[2]); print('ready', flush=True)\n"
            "for i in range(12):\n    (a if i % 2 else b).save(sys.argv[3])\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "f")],
                             stdout=subprocess.PIPE, env=env, text=True)
    assert child.stdout.readline().strip() == "ready"
    loads, errors = 0, []
    while child.poll() is None or loads == 0:
        try:
            got = Forecaster.load(tmp_path / "f").predict()["value"].to_numpy()
            assert any(np.allclose(got, w) for w in want)
            loads += 1
        except Exception as e:   # noqa: BLE001 - counted, reported below
            errors.append(f"{type(e).__name__}: {e}"[:160])
        time.sleep(0.01)   # a reader that pauses between loads (as a service does): the saves get their turns
    assert child.wait() == 0
    assert not errors, f"{len(errors)} of {len(errors) + loads} loads failed, e.g. {errors[0]}"
