"""Session 29, helper C: what a command says when two flags meet -- the second flag of a contradiction named as
typed, --config's errors under the action's name, a mistyped flag whose value became a positional (found by the
all-pairs covering set over every command's flags: /work/scratch/s29/C/)."""

import pytest

from rnnkit.cli.main import main
from test_option_pairs_s29_C import TINY, texts_csv  # noqa: F401 - the fixture, shared


@pytest.mark.parametrize("pair, said", [
    (["--refit", "true", "--snapshots", "2"], "--refit: expected false with --snapshots 2 (the refit trains one"),
    (["--embeddings", "minilm", "--tokenizer", "bpe"], "--embeddings: expected 'own' or 'auto' with --tokenizer bpe"),
    (["--refit", "true", "--val-fraction", "0"], "--refit: expected a fit with a validation split (--val-fraction > 0"),
])
def test_two_flags_that_contradict_are_both_named_as_typed(pair, said, texts_csv, tmp_path, capsys):
    # each flag alone runs; the pair is refused (exit 2) with the second flag named by its config field, which no
    # command line has ("with snapshots=2", "with tokenizer='bpe'", "val_fraction > 0", "pass refit=False") and a
    # BOOL flag's value as Python's ("expected False ..., got True"). Fails at 435b85f.
    assert main(["classify", "train", "--csv", str(texts_csv), "--out", str(tmp_path / "run"), *TINY, *pair]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnkit classify: error: {said}"), err
    assert "=" not in err[0] and "True" not in err[0] and "False" not in err[0]


@pytest.mark.parametrize("command", [["classify", "train"], ["tsc", "predict"], ["generate", "sample"],
                                     ["hopfield", "digits"], ["forecast"]])
def test_a_config_error_names_the_command_as_its_usage_errors_do(command, tmp_path, capsys):
    # argparse's usage errors name the action ('rnnkit classify train: error: ...'); those of --config's file named
    # the command alone ('rnnkit classify: error: --config: ...'): two names for one command line. Fails at 435b85f
    # (for every command with actions).
    cfg = tmp_path / "c.toml"
    cfg.write_text("no_such_flag = 1\n", encoding="utf-8")
    argv = [*command, *(["--run", str(tmp_path)] if command[1:] in (["predict"], ["sample"]) else [])]
    assert main([*argv, "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    prog = f"rnnkit {' '.join(command)}"
    assert len(err) == 1 and err[0].startswith(f"{prog}: error: --config: unknown key 'no_such_flag'"), err
    assert main([*argv, "--no-such-flag"]) == 2          # the oracle: argparse's own error for the same command line
    assert capsys.readouterr().err.startswith(f"{prog}: error: unrecognized arguments: --no-such-flag")


@pytest.mark.parametrize("argv, flag, value, read_as", [
    (["forecast", "--horizn", "12"], "--horizn", "12", "action"),
    (["forecast", "--dataset", "nile", "--modle", "gru"], "--modle", "gru", "action"),
    (["hopfield", "--bogus", "3", "capacity"], "--bogus", "3", "EXPERIMENT"),
])
def test_a_mistyped_flag_whose_value_was_read_as_a_positional_is_named(argv, flag, value, read_as, capsys):
    # `rnnkit forecast --horizn 12` said only "argument action: invalid choice: '12' (choose from 'train', ...)":
    # the value of the mistyped flag read as the action, the flag itself never named. Fails at 435b85f.
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"({flag} is no flag of rnnkit {argv[0]}: the '{value}' after it was read as the " \
                              f"{read_as})" in err[0], err


def test_a_flag_left_out_that_another_excludes_is_named_as_typed(tmp_path, capsys):
    # "--dayfirst: expected None with date_format '%Y-%m-%d' (...), got False": a value no command line can type,
    # the other flag by its config field. Fails at 435b85f.
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("day,y\n" + "".join(f"2021-01-{d:02d},{d}\n" for d in range(1, 29)), encoding="utf-8")
    assert main(["forecast", "--csv", str(csv_path), "--target", "y", "--time-col", "day", "--horizon", "2",
                 "--model", "ets", "--date-format", "%Y-%m-%d", "--dayfirst", "false", "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rnnkit forecast: error: --dayfirst: expected no --dayfirst with --date-format '%Y-%m-%d' (the "
                   "format fixes the order of day and month), got false"]


def test_export_atol_with_no_check_is_refused(texts_csv, tmp_path, capsys):
    # --atol is the parity check's tolerance; with --no-check it was accepted and ignored, silently (exit 0, the
    # model written as if it had been checked within it). Fails at 435b85f.
    run = tmp_path / "run"
    assert main(["classify", "train", "--csv", str(texts_csv), "--out", str(run), *TINY]) == 0
    capsys.readouterr()
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "m.onnx"), "--no-check", "--atol", "0.5",
                 "--threads", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rnnkit export: error: --atol: expected it without --no-check (the tolerance of the parity check "
                   "that --no-check skips), got 0.5 with --no-check"]
    assert not (tmp_path / "m.onnx").exists()


def test_tsc_evaluate_without_a_data_flag_does_not_name_one(tmp_path, capsys):
    # `tsc evaluate --run R --gaps steps` (the run's own data set scored: no data flag typed) said "got 'steps' with
    # --dataset", a flag the user never typed. Fails at 435b85f.
    run = tmp_path / "run"
    assert main(["tsc", "train", "--dataset", "italy-power-demand", "--out", str(run), "--epochs", "1",
                 "--hidden-size", "4", "--no-baseline", "--quiet", "--threads", "1"]) == 0
    capsys.readouterr()
    assert main(["tsc", "evaluate", "--run", str(run), "--gaps", "steps", "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rnnkit tsc: error: --gaps: expected it with --csv (the times of a long-format CSV), got 'steps' with "
                   "the run's own data (dataset 'italy-power-demand'; no data flag given)"]
    assert main(["tsc", "evaluate", "--run", str(run), "--dataset", "gunpoint", "--gaps", "steps"]) == 2   # typed
    assert capsys.readouterr().err.strip().endswith("got 'steps' with --dataset")
