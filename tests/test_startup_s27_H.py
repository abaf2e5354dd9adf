"""Session 27, helper H: a command's ``--help`` and argparse's usage errors need no torch (1.5-2 s of CPU here).

Oracle: ``sys.modules`` after the parse, in a fresh process (the help text and the usage errors themselves are
compared byte for byte with the commit before, outside the suite: the project's CLI tests pin their content)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = """
    import contextlib, io, sys
    from rnnkit.cli.main import main
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        codes = [main(argv) for argv in ARGVS]
    print(codes, sorted(m for m in ("torch", "pandas", "scipy") if m in sys.modules))
"""


def _parsed_without(argvs: list[list[str]]) -> str:
    code = f"ARGVS = {argvs!r}\n" + textwrap.dedent(PROBE)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip()


# each command: its --help, an unknown flag, a value its flag's type refuses, and a choice not offered
LIGHT = {
    "bench": [["bench", "--help"], ["bench", "--bogus"], ["bench", "--shapes", "1,2"], ["bench", "--device", "tpu"],
              ["bench", "--precision", "fp8"]],
    "hopfield": [["hopfield", "--help"], ["hopfield", "capacity", "--help"], ["hopfield", "robustness", "--help"],
                 ["hopfield", "digits", "--bogus"], ["hopfield", "capacity", "--sizes", "1"],
                 ["hopfield", "capacity", "--rules", "oja"], ["hopfield", "nosuch"], ["hopfield"]],
    "forecast": [["forecast", "--help"], ["forecast", "--bogus"], ["forecast", "--horizon", "x"],
                 ["forecast", "--model", "nosuch"], ["forecast", "--esrnn-batch-series", "0"], ["forecast", "--csv"]],
}


@pytest.mark.parametrize("command", sorted(LIGHT))
def test_help_and_usage_errors_import_no_torch(command):
    # fails at 9a58fdf: bench imported torch at the top of cli/bench.py and rnnkit.bench's names for its help;
    # hopfield's flag checks (rnnkit.hopfield._checks) came through rnnkit.hopfield, which imported torch;
    # forecast's --esrnn-batch-series check (tasks.forecasting.series_batches) through rnnkit.tasks.forecasting
    argvs = LIGHT[command]
    out = _parsed_without(argvs)
    codes = [0 if "--help" in a else 2 for a in argvs]
    assert out == f"{codes} []", out


def test_lazy_package_names_are_the_modules_own():
    # the packages' names load on first use; each is the object its module defines (the order of the bench suite's
    # variants is the one --help lists)
    import rnnkit.bench as bench
    import rnnkit.hopfield as hopfield
    from rnnkit.bench import harness, names, suite
    from rnnkit.hopfield import classical, experiments, modern

    assert tuple(suite.VARIANTS) == names.VARIANT_NAMES
    assert bench.VARIANTS is suite.VARIANTS and bench.PRECISIONS is harness.PRECISIONS is names.PRECISIONS
    assert bench.SHAPE_PRESETS is suite.SHAPE_PRESETS and bench.run_benchmarks is suite.run_benchmarks
    assert hopfield.HopfieldNetwork is classical.HopfieldNetwork and hopfield.HopfieldLayer is modern.HopfieldLayer
    assert experiments.DEFAULT_LOADS[0] == 0.025 and set(bench.__all__) <= set(dir(bench))
    assert set(hopfield.__all__) <= set(dir(hopfield))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hopfield.nope  # noqa: B018


def test_forecaster_models_are_registered_without_the_package_import():
    # the model registry was filled as a side effect of importing rnnkit.tasks.forecasting (its __init__ imported
    # network_model and auto_model); its names now load on first use, and model_class imports the implementations
    code = ("from rnnkit.tasks.forecasting.forecaster import Forecaster\n"
            "print(type(Forecaster(horizon=3)._impl).__name__, type(Forecaster('gru', horizon=3)._impl).__name__)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.stdout.split() == ["AutoModel", "NetworkForecaster"], run.stderr[-2000:]


def test_training_names_load_on_first_use():
    import rnnkit.training as training
    from rnnkit.training import callbacks, checkpoint, distributed, trainer

    assert training.Trainer is trainer.Trainer and training.TimeBudget is callbacks.TimeBudget
    assert training.save_checkpoint is checkpoint.save_checkpoint and training.distributed is distributed
    assert set(training.__all__) <= set(dir(training))
