"""Session 31, helper S: one version number, recorded by every run and compared on load.

``rnnkit_version`` had been 0.1.0 in two places (pyproject.toml and rnnkit/_version.py) that nothing kept equal, and a
loaded run's recorded version was never compared with this rnnkit's: a run a later release wrote loaded silently, and a
key it recorded INSIDE a section (a task's ``state``) was passed over -- loaded without what its writer put there.
Now pyproject.toml reads the version from rnnkit/_version.py; a later release's run is warned naming both versions, a
``state`` key its task does not read is named (refused for a later release's run, warned otherwise); runs saved by
today's tasks and by earlier versions (tests/test_saved_versions_s30_D.py) load as before, without a word."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import __version__
from rnnkit.errors import CheckpointError

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_in_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rnnkit._version.__version__"}


def _redigest(root: Path) -> None:
    for dg in sorted(root.rglob("digests.json"), key=lambda p: -len(p.parts)):
        d = json.loads(dg.read_text())
        d["sha256"] = {n: hashlib.sha256((dg.parent / n).read_bytes()).hexdigest() for n in d["sha256"]}
        dg.write_text(json.dumps(d))


def _copy_edited(src: Path, dst: Path, change) -> Path:
    shutil.copytree(src, dst)
    meta = json.loads((dst / "config.json").read_text())
    change(meta)
    (dst / "config.json").write_text(json.dumps(meta))
    _redigest(dst)
    return dst


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory):
    from rnnkit import TextClassifier, TextClassifierConfig

    torch.manual_seed(0)
    texts, labels = ["good movie", "bad film", "great fun", "awful plot"] * 5, [1, 0, 1, 0] * 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = TextClassifier(TextClassifierConfig(epochs=1, progress=False, tokenizer="chars")).fit(texts, labels)
    path = tmp_path_factory.mktemp("v") / "run"
    clf.save(path)
    return path


def _load(path):
    from rnnkit import TextClassifier

    return TextClassifier.load(path)


def test_todays_run_loads_without_a_word(classifier_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _load(classifier_run).predict(["good movie"]) in ([0], [1])


def test_a_later_releases_run_is_warned_naming_both_versions(classifier_run, tmp_path):
    run = _copy_edited(classifier_run, tmp_path / "r", lambda m: m.update(rnnkit_version="999.0"))
    with pytest.warns(UserWarning, match=rf"written by rnnkit 999\.0, newer than this rnnkit {__version__}: .* upgrade"):
        _load(run)


def test_an_unknown_state_key_is_named(classifier_run, tmp_path):
    # a newer build of the same version (or a hand edit): loaded, the key named
    run = _copy_edited(classifier_run, tmp_path / "same", lambda m: m["state"].update(calibration=[0.5, 0.5]))
    with pytest.warns(UserWarning, match=r"the 'state' keys \['calibration'\] are not read by this rnnkit"):
        _load(run)
    # a later release's: refused, naming the key and both versions
    run = _copy_edited(classifier_run, tmp_path / "newer", lambda m: (m["state"].update(calibration=[0.5, 0.5]),
                                                                     m.update(rnnkit_version="999.0")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(CheckpointError, match=rf"expected in the 'state' the keys this rnnkit .* reads, got "
                                                  rf"\['calibration'\] it does not know \(written by rnnkit 999\.0; "
                                                  rf"upgrade rnnkit"):
            _load(run)


def test_an_unknown_top_level_key_of_a_later_release_names_it(classifier_run, tmp_path):
    run = _copy_edited(classifier_run, tmp_path / "r", lambda m: m.update(extra={}, rnnkit_version="999.0"))
    with pytest.raises(CheckpointError, match=r"got unknown \['extra'\] \(keys this rnnkit .* does not know: written by "
                                              r"rnnkit 999\.0; upgrade rnnkit"):
        _load(run)


def test_an_earlier_or_unnumbered_version_is_no_newer(classifier_run, tmp_path):
    for i, version in enumerate(["0.0.1", None, "not a version", __version__]):
        run = _copy_edited(classifier_run, tmp_path / f"r{i}", lambda m, v=version: m.update(rnnkit_version=v))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _load(run)


def test_a_later_releases_forecaster_is_warned(tmp_path):
    from rnnkit import Forecaster

    df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=40, freq="D"), "y": np.arange(40.0) % 7})
    Forecaster("seasonal_naive").fit(df, horizon=3, time_col="t", target="y").save(tmp_path / "fc")
    run = _copy_edited(tmp_path / "fc", tmp_path / "newer", lambda m: m.update(rnnkit_version="999.0"))
    with pytest.warns(UserWarning, match=r"written by rnnkit 999\.0, newer than this rnnkit"):
        Forecaster.load(run)


@pytest.mark.parametrize("task", ["tag", "translate", "tsc"])
def test_every_key_todays_tasks_write_is_read_back(task, tmp_path):
    # the rule's premise (session 31: also checked on the runs of five earlier versions, s30/D's corpus)
    from rnnkit import (Seq2SeqConfig, SequenceTagger, TaggerConfig, TimeSeriesClassifier, Translator, TSCConfig)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "tag":
            sents = [["John", "lives", "here"], ["Mary", "went", "home"]] * 5
            made = SequenceTagger(TaggerConfig(epochs=1, progress=False)).fit(sents, [[1, 0, 0]] * 10)
        elif task == "translate":
            src, tgt = ["one two", "two three", "three four"] * 5, ["un deux", "deux trois", "trois quatre"] * 5
            made = Translator(Seq2SeqConfig(epochs=1, progress=False, model="dict-pointer")).fit(src, tgt)
        else:
            x = [np.random.default_rng(i).standard_normal((12, 1)) for i in range(12)]
            made = TimeSeriesClassifier(TSCConfig(epochs=1, progress=False, model="auto")).fit(x, ["a", "b"] * 6)
    made.save(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        type(made).load(tmp_path / "run")


@pytest.mark.parametrize("model, kw", [("seasonal_naive", {}), ("lstm", {"epochs": 1})])
def test_an_unknown_key_in_a_forecasters_series_entries_is_named(tmp_path, model, kw):
    from rnnkit import Forecaster

    df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=40, freq="D"), "y": np.arange(40.0) % 7})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Forecaster(model, **kw).fit(df, horizon=3, time_col="t", target="y").save(tmp_path / "fc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # today's save: every entry key read back
        Forecaster.load(tmp_path / "fc")

    def add(m, version=None):
        for entry in m["series"]:
            entry["holidays"] = ["2020-01-01"]
        if version:
            m["rnnkit_version"] = version
    run = _copy_edited(tmp_path / "fc", tmp_path / "same", add)
    with pytest.warns(UserWarning, match=r"the series entries keys \['holidays'\] are not read by this rnnkit"):
        Forecaster.load(run)
    run = _copy_edited(tmp_path / "fc", tmp_path / "newer", lambda m: add(m, "999.0"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(CheckpointError, match=r"expected in the series entries the keys this rnnkit .* reads, got "
                                                  r"\['holidays'\] it does not know \(written by rnnkit 999\.0; upgrade"):
            Forecaster.load(run)
