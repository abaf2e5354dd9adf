"""Session 24 (lead, from helper V's LEAD_NOW): a fitted TextClassifier pickles, a Forecaster's shallow copy is its
own, a loaded time-series classifier fitted again derives its settings from the new data, the char LM's unfitted
message names load's result, and ``train --test-fraction`` of a few items holds one out. Oracles: the original
object's own predictions, a freshly built task fitted once, the split of more items."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

from toy_data import CLASSIFY_FAST, run_cli


def test_a_fitted_text_classifier_pickles_and_predicts_the_same():
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good film", "bad film", "great story", "awful plot", "nice", "terrible"] * 10
    task = TextClassifier(TextClassifierConfig(**CLASSIFY_FAST)).fit(texts, ["pos", "neg"] * 30)
    back = pickle.loads(pickle.dumps(task))      # was AttributeError: Can't pickle local object ... <lambda>
    probe = ["good story", "awful film", "nice plot"]
    np.testing.assert_array_equal(back.predict_proba(probe), task.predict_proba(probe))
    assert back.evaluate(texts[:12], (["pos", "neg"] * 6)) == task.evaluate(texts[:12], (["pos", "neg"] * 6))


@pytest.mark.parametrize("step", ["fit", "update"])
def test_a_forecasters_shallow_copy_leaves_the_original_as_it_was(step):
    from rnnkit.forecast import Forecaster

    t = np.arange(60.0)
    a, b = 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12), 500 - 2 * t
    f = Forecaster("ets", horizon=3).fit(a)
    before = f.predict()
    c = copy.copy(f)
    if step == "fit":
        c.fit(b)          # the original's forecast became the copy's (61.99 -> 380.04)
    else:
        c.update([70.0, 71.0])
    assert not c.predict().equals(before)
    assert f.predict().equals(before)


def test_a_loaded_tsc_fitted_again_derives_its_settings_from_the_new_data(tmp_path):
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    def series(n, length, seed):
        rng = np.random.default_rng(seed)
        return ([np.sin(np.arange(length) / (3 + i % 2))[:, None] + 0.1 * rng.standard_normal((length, 1))
                 for i in range(n)], ["slow", "fast"] * (n // 2))

    cfg = TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)    # patch, batch size, patience derived
    (long_x, long_y), (short_x, short_y) = series(8, 200, 0), series(40, 20, 1)
    TimeSeriesClassifier(cfg).fit(long_x, long_y, baselines=False).save(tmp_path / "run")
    loaded = TimeSeriesClassifier.load(tmp_path / "run")
    assert (loaded.config.patch, loaded.config.batch_size) == (4, 4)      # the run's own, as it predicts with
    again = loaded.fit(short_x, short_y, baselines=False)
    fresh = TimeSeriesClassifier(cfg).fit(short_x, short_y, baselines=False)
    assert (again.config.patch, again.config.batch_size, again.config.patience) == \
        (fresh.config.patch, fresh.config.batch_size, fresh.config.patience)


def test_the_char_lms_unfitted_message_names_loads_result():
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation.lm import CharLM

    with pytest.raises(ConfigError, match=r"take load's result: lm = CharLM.load\(path\)"):
        CharLM().encode("abc")


def test_train_test_fraction_of_a_few_items_holds_one_out(tmp_path, capsys):
    rows = ["text,label"] + [f"{w} film,{lab}" for w, lab in
                             [("good", "pos"), ("bad", "neg"), ("great", "pos"), ("awful", "neg")]]
    (tmp_path / "four.csv").write_text("\n".join(rows) + "\n")
    code, out, err = run_cli(["classify", "train", "--csv", str(tmp_path / "four.csv"), "--epochs", "1",
                              "--val-fraction", "0", "--test-fraction", "0.1", "--out", str(tmp_path / "run"),
                              "--quiet"], capsys)
    assert code == 0, err
    split = json.loads((tmp_path / "run" / "split.json").read_text())
    assert len(split["test"]["items"]) == 1       # round(4 * 0.1) = 0: nothing was tested, exit 0


def test_a_forecast_config_given_as_the_model_is_named_in_one_short_line():
    from rnnkit.errors import InputTypeError
    from rnnkit.forecast import Forecaster, ForecastConfig

    with pytest.raises(InputTypeError) as e:
        Forecaster(ForecastConfig(horizon=2))        # was 'model: expected one of [...], got ForecastConfig(...)'
    message = str(e.value)
    assert "pass it as Forecaster(config=...)" in message and len(message) < 160 and "\n" not in message
    assert Forecaster(config=ForecastConfig(horizon=2)).horizon == 2      # the way it names works


def test_an_empty_checkpoints_folder_is_no_earlier_fit(tmp_path):
    # a full disk at the first checkpoint left training/stage-00/checkpoints/ empty: the same command without
    # --resume was refused as 'holding the checkpoints of an interrupted training' (helper E's note)
    from rnnkit.training.stages import holds_checkpoints

    (tmp_path / "stage-00" / "checkpoints").mkdir(parents=True)
    assert holds_checkpoints(tmp_path) == []
    (tmp_path / "stage-00" / "checkpoints" / "step-00000010").mkdir()
    assert holds_checkpoints(tmp_path) == ["stage-00"]


def test_a_closed_standard_descriptor_is_held_on_devnull_not_taken_by_a_file(tmp_path):
    # started with stdout closed ('>&-'), descriptor 1 was the lowest free number: the next file opened (a run
    # folder's lock, a CSV being written) took it, and a write to 'stdout' by a library or a child went into it
    # (helper W2's note). Oracle: os.devnull's own device, as fd 1 of a process started with '>/dev/null'.
    import os
    import subprocess
    import sys

    probe = ("import os, sys\n"
             "from rnnkit.cli.stdout_text import standard_streams\n"
             "standard_streams('forecast')\n"
             "f = open(sys.argv[1], 'w')\n"
             "os.write(2, (str(f.fileno()) + ' ' + str(os.fstat(1).st_rdev == os.stat(os.devnull).st_rdev)).encode())\n")
    run = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "forecast.csv")], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, timeout=120, close_fds=True,
                         preexec_fn=lambda: os.close(1))
    fileno, devnull = run.stderr.split()[-2:]
    assert int(fileno) > 2 and devnull == "True", run.stderr[-300:]
