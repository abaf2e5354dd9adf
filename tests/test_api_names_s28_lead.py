"""The tasks under the package's own name: ``from rnnkit import Forecaster`` (or TextClassifier, ...) was an
ImportError (helper P's sweep, session 28) -- a user had to know ``rnnkit.tasks.forecasting``. The names load on
first use like the layers, so ``import rnnkit`` still loads no torch."""
import importlib
import subprocess
import sys

import pytest

import rnnkit

HOMES = {
    "Forecaster": "rnnkit.tasks.forecasting", "ForecastConfig": "rnnkit.tasks.forecasting",
    "TextClassifier": "rnnkit.tasks.classification", "TextClassifierConfig": "rnnkit.tasks.classification",
    "TimeSeriesClassifier": "rnnkit.tasks.tsc", "TSCConfig": "rnnkit.tasks.tsc",
    "SequenceTagger": "rnnkit.tasks.tagging", "TaggerConfig": "rnnkit.tasks.tagging",
    "Translator": "rnnkit.tasks.seq2seq", "Seq2SeqConfig": "rnnkit.tasks.seq2seq",
    "CharLM": "rnnkit.tasks.generation.lm", "CharLMConfig": "rnnkit.tasks.generation.lm",
    "Trainer": "rnnkit.training", "TrainConfig": "rnnkit.training",
}


@pytest.mark.parametrize("name", sorted(HOMES))
def test_a_task_name_is_the_task_modules_own_object(name):
    assert name in rnnkit.__all__
    assert getattr(rnnkit, name) is getattr(importlib.import_module(HOMES[name]), name)


def test_import_rnnkit_and_a_config_load_no_torch():
    code = ("import sys, rnnkit\n"
            "from rnnkit import TextClassifierConfig, TSCConfig, TaggerConfig, Seq2SeqConfig, CharLMConfig\n"
            "assert 'torch' not in sys.modules, 'torch loaded'\n"
            "from rnnkit import Forecaster\n"
            "assert 'torch' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
