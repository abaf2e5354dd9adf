"""Session 19 (helper T): numpy scalars across the public API, by ONE rule (rnnkit._validate): a numpy integer is an
int, a numpy floating a float, a numpy bool a bool -- what a count read from an array, a grid over np.arange or a
DataFrame cell (``df.loc[0, "h"]`` is np.int64) hands over -- stored as the Python value (configs are saved as JSON,
which refuses np.int64, np.float32 and np.bool_). Kinds are never crossed: np.float64(2.0) is not a count, np.True_
is not an int. Oracle: the same call with the Python scalar."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from rnnkit._validate import check_bool, check_int, check_number, check_seed, is_int, is_real, plain
from rnnkit.errors import ConfigError, InputTypeError


def _jsonable(d: dict) -> dict:
    """``d`` after a JSON round trip; json.dumps raises on a numpy scalar left in it."""
    return json.loads(json.dumps(d))


# ------------------------------------------------------------------ the rule itself
def test_the_rule_takes_numpy_scalars_of_the_right_kind_and_never_crosses_kinds():
    assert [is_int(v) for v in (3, np.int64(3), np.uint8(3), True, np.True_, 3.0, np.float64(3.0))] == \
        [True, True, True, False, False, False, False]
    assert [is_real(v) for v in (3, np.int32(3), 0.5, np.float32(0.5), True, np.False_, "1")] == \
        [True, True, True, True, False, False, False]
    assert type(plain(np.int64(3))) is int and type(plain(np.float32(0.5))) is float and plain(np.True_) is True
    assert check_bool("flag", np.True_) is True and check_bool("flag", np.False_) is False
    with pytest.raises(InputTypeError, match=r"flag: expected a bool, got np.int64\(1\)"):
        check_bool("flag", np.int64(1))
    assert check_seed(np.int64(7)) == 7 and type(check_seed(np.uint64(7))) is int
    with pytest.raises(ConfigError, match=r"seed: expected an int in \[0, 2\*\*64\)"):
        check_seed(np.float64(7.0))
    with pytest.raises(ConfigError, match="seed: expected an int"):
        check_seed(np.True_)
    assert type(check_number("lr", np.float32(0.5), lo=0)) is float
    with pytest.raises(InputTypeError, match=r"epochs: expected an int, got np.float64\(2.0\) \(float64\)"):
        check_number("epochs", np.float64(2.0), lo=1, integer=True)
    with pytest.raises(InputTypeError, match=r"hidden_size: expected a positive int, got np.True_ \(bool\)"):
        check_int("hidden_size", np.True_)


# ------------------------------------------------------------------ configs: same value, saved as Python numbers
def _train_config():
    from rnnkit.training.config import TrainConfig
    return TrainConfig


def _early():
    from rnnkit.training.config import EarlyStoppingConfig
    return EarlyStoppingConfig


def _classifier():
    from rnnkit.tasks.classify_config import TextClassifierConfig
    return TextClassifierConfig


def _tagger():
    from rnnkit.tasks.tagging import TaggerConfig
    return TaggerConfig


def _seq2seq():
    from rnnkit.tasks.seq2seq import Seq2SeqConfig
    return Seq2SeqConfig


def _tsc():
    from rnnkit.tasks.tsc import TSCConfig
    return TSCConfig


def _lm():
    from rnnkit.tasks.generation.lm import CharLMConfig
    return CharLMConfig


def _forecast():
    from rnnkit.tasks.forecasting.config import ForecastConfig
    return ForecastConfig


CONFIGS = [
    (_train_config, dict(epochs=3, max_steps=4, seed=5, quiet=True, max_seconds=2.5, keep_checkpoints=3)),
    (_early, dict(patience=2, restore_best=False, min_delta=0.25, target=0.5)),
    (_classifier, dict(epochs=3, seed=1, lowercase=False, lr=0.5, hidden_size=8)),
    (_tagger, dict(epochs=3, hidden_size=8, constrained=False, dropout=0.25)),
    (_seq2seq, dict(epochs=3, beam=2, progress=False)),
    (_tsc, dict(epochs=3, hidden_size=8, bidirectional=True, seed=2)),
    (_lm, dict(seed=3, progress=False, lr=0.5)),
    (_forecast, dict(horizon=3, seed=2, lr=0.5, level_input=True)),
]


def _numpy(v):
    if isinstance(v, bool):
        return np.bool_(v)
    return np.int64(v) if isinstance(v, int) else np.float32(v)


@pytest.mark.parametrize("make, kw", CONFIGS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_config_given_numpy_scalars_equals_the_python_one_and_saves_as_json(make, kw):
    cls = make()
    given = cls(**{k: _numpy(v) for k, v in kw.items()})
    expected = cls(**kw)
    assert given == expected
    for k, v in kw.items():   # stored as the Python value: np.int64 / np.float32 / np.bool_ fail json.dumps
        assert type(getattr(given, k)) is type(v), k
    assert _jsonable(dataclasses.asdict(given)) == _jsonable(dataclasses.asdict(expected))


def test_train_config_optim_lr_and_betas_take_numpy_floats_and_to_dict_round_trips():
    from rnnkit.training.config import OptimConfig, TrainConfig

    given = TrainConfig(epochs=np.int64(2), optim=OptimConfig(lr=np.float32(0.5), betas=(np.float64(0.5), np.float32(0.75))))
    expected = TrainConfig(epochs=2, optim=OptimConfig(lr=0.5, betas=(0.5, 0.75)))
    assert given == expected
    assert TrainConfig.from_dict(_jsonable(given.to_dict())) == expected


@pytest.mark.parametrize("make, field", [(_train_config, "epochs"), (_classifier, "epochs"), (_tagger, "hidden_size"),
                                         (_seq2seq, "beam"), (_forecast, "horizon")])
@pytest.mark.parametrize("bad", [np.float64(2.0), np.True_], ids=["float64", "bool_"])
def test_a_numpy_float_or_bool_is_still_not_a_count(make, field, bad):
    with pytest.raises((ConfigError, InputTypeError), match=f"{field}: expected"):
        make()(**{field: bad})


def test_train_config_seed_checkpoint_and_bools_refuse_crossed_kinds():
    from rnnkit.training.config import TrainConfig

    with pytest.raises(ConfigError, match="seed: expected an int"):
        TrainConfig(seed=np.float64(1.0))
    with pytest.raises(ConfigError, match="quiet: expected a bool, got 1"):
        TrainConfig(quiet=np.int64(1))


def test_experiments_take_a_numpy_bool_for_stop_when_solved():
    from rnnkit.experiments.config import resolve_config

    given = resolve_config("adding", steps=np.int64(300), seed=np.int64(1), stop_when_solved=np.False_)
    assert given == resolve_config("adding", steps=300, seed=1, stop_when_solved=False)
    assert given.stop_when_solved is False and _jsonable(given.to_dict()) == given.to_dict()
    with pytest.raises(ConfigError, match="stop_when_solved: expected a bool, got 1"):
        resolve_config("adding", stop_when_solved=np.int64(1))


# ------------------------------------------------------------------ functions and constructors given numpy scalars
def test_hopfield_network_sizes_steps_and_tolerance_take_numpy_scalars():
    import torch
    from rnnkit.hopfield import HopfieldNetwork, ModernHopfield

    assert HopfieldNetwork(np.int64(16)).n_units == 16 and type(HopfieldNetwork(np.int64(16)).n_units) is int
    with pytest.raises(ConfigError, match="n_units: expected a positive int"):
        HopfieldNetwork(np.float64(16.0))
    g = torch.Generator().manual_seed(0)
    patterns = torch.randn(5, 8, generator=g)
    net = ModernHopfield(beta=np.float32(2.0))
    net.store(patterns)
    queries = patterns[:2] + 0.1
    got = net.recall(queries, max_steps=np.int64(3), tol=np.float32(1e-6))
    want = ModernHopfield(beta=2.0)
    want.store(patterns)
    assert torch.equal(got.states, want.recall(queries, max_steps=3, tol=1e-6).states)
    with pytest.raises(ConfigError, match="max_steps: expected a positive int"):
        net.recall(queries, max_steps=np.True_)


def test_vocab_build_takes_numpy_counts_and_refuses_a_float_or_bool():
    from rnnkit.data.vocab import Vocab

    seqs = [["a", "b", "a", "c", "c", "c"]]
    assert Vocab.build(seqs, min_freq=np.int64(2), max_size=np.int64(3)).tokens == Vocab.build(seqs, min_freq=2, max_size=3).tokens
    for kw in (dict(min_freq=np.float64(2.0)), dict(min_freq=np.True_), dict(max_size=np.float64(4.0))):
        with pytest.raises(ConfigError, match=f"{next(iter(kw))}: expected"):
            Vocab.build(seqs, **kw)


def test_save_checkpoint_takes_a_numpy_step_and_writes_it_as_a_json_number(tmp_path):
    import torch
    from rnnkit.training.checkpoint import save_checkpoint

    where = save_checkpoint(tmp_path, step=np.int64(3), model_state={"w": torch.zeros(1)}, state={}, keep=np.int64(2))
    assert where.name == "step-00000003"
    assert json.loads((tmp_path / "checkpoints" / "latest.json").read_text())["step"] == 3
    with pytest.raises(Exception, match="keep: expected a positive int"):
        save_checkpoint(tmp_path, step=4, model_state={"w": torch.zeros(1)}, state={}, keep=np.True_)


def test_auto_forecaster_counts_are_checked_at_construction_and_stored_as_python_numbers():
    from rnnkit.tasks.forecasting.auto import AutoForecaster
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    given = AutoForecaster(statistical_candidates(), n_origins=np.int64(3), shrink=np.float32(2.0), margin=np.float32(0.25))
    expected = AutoForecaster(statistical_candidates(), n_origins=3, shrink=2.0, margin=0.25)
    assert given.settings() == expected.settings()
    assert _jsonable(given.settings()) == _jsonable(expected.settings()) and type(given.n_origins) is int
    # True was 1 origin (saved as true), shrink was never checked (a str or -1 failed or misread in the fit)
    for kw in (dict(n_origins=True), dict(n_origins=np.float64(2.0)), dict(shrink="2"), dict(shrink=-1.0)):
        with pytest.raises((ConfigError, InputTypeError), match=f"{next(iter(kw))}: expected"):
            AutoForecaster(statistical_candidates(), **kw)


def test_forecast_candidates_store_numpy_sizes_as_python_ints():
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
    from rnnkit.tasks.forecasting.transfer import PretrainedCandidate

    esrnn = ESRNNCandidate(hidden=np.int64(8), steps=np.int64(5), ensemble=np.int64(1), shrink_windows=np.float32(20))
    assert _jsonable(esrnn.describe()) == _jsonable(ESRNNCandidate(hidden=8, steps=5, ensemble=1).describe())
    assert _jsonable(PretrainedCandidate(min_batch=np.int64(3)).settings())["min_batch"] == 3
    with pytest.raises(ConfigError, match="hidden: expected a positive int"):
        ESRNNCandidate(hidden=np.float64(8.0))


def test_experiment_data_and_translation_pairs_take_numpy_ints():
    import torch
    from rnnkit.experiments.data import lookahead_tagging

    got = lookahead_tagging(np.int64(2), np.int64(6), generator=torch.Generator().manual_seed(0))
    want = lookahead_tagging(2, 6, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(got, want))
    with pytest.raises(ConfigError, match="length: expected an int > lookahead"):
        lookahead_tagging(2, np.float64(6.0), generator=torch.Generator())
    pytest.importorskip("num2words")
    from rnnkit.data.translation import num2words_pairs

    assert num2words_pairs(n=np.int64(5), seed=np.int64(1)) == num2words_pairs(n=5, seed=1)


def test_bucket_batches_and_limit_length_take_numpy_counts():
    import warnings

    from rnnkit.data.batching import TruncationWarning, bucket_batches, limit_length

    lengths = [5, 1, 4, 2, 3, 6]
    assert bucket_batches(lengths, batch_size=np.int64(2), seed=np.int64(3), pool=np.int64(2)) == \
        bucket_batches(lengths, batch_size=2, seed=3, pool=2)
    for kw in (dict(batch_size=np.float64(2.0)), dict(batch_size=np.True_), dict(pool=np.float32(2))):
        with pytest.raises(ConfigError, match=f"{next(iter(kw))}: expected a positive int"):
            bucket_batches(lengths, **{"batch_size": 2, **kw})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert limit_length([[1, 2, 3], [4]], np.int64(2)) == [[1, 2], [4]]
    assert [type(w.message.max_len) for w in seen if issubclass(w.category, TruncationWarning)] == [int]
    with pytest.raises(ConfigError, match="max_len: expected None or a positive int"):
        limit_length([[1, 2, 3]], np.float64(2.0))


# ------------------------------------------------------------------ the data registry
def test_list_datasets_refuses_an_unknown_kind_instead_of_listing_nothing():
    from rnnkit.data.registry import KINDS, list_datasets

    assert {d.kind for d in list_datasets("series")} == {"series"} and "series" in KINDS
    assert [d.kind for d in list_datasets("images") if d.kind != "images"] == []   # a kind (none bundled): no error
    with pytest.raises(ConfigError, match=r"^kind: expected one of \[.*'series'.*\] or None, got 'serie' \(did you mean 'series'\?\)$"):
        list_datasets("serie")   # was [] silently
    with pytest.raises(InputTypeError, match=r"^kind: expected one of .* or None, got \['series'\]$"):
        list_datasets(["series"])


@pytest.mark.parametrize("typo, hint", [("sunspot", "sunspots"), ("elec-equip", "elec_equip"), ("co2x", "co2")])
def test_an_unknown_dataset_name_names_the_close_match(typo, hint):
    from rnnkit.data.registry import get_dataset, load_dataset

    with pytest.raises(ConfigError, match=rf"^dataset: expected one of \[.*\], got '{typo}' \(did you mean '{hint}'\?\)$"):
        load_dataset(typo)
    with pytest.raises(ConfigError, match=r"got 'bitcoin'$"):   # nothing close: no hint
        get_dataset("bitcoin")


# ------------------------------------------------------------------ a bool asked: np.bool_ is one, 1 and 1.0 are not
@pytest.mark.parametrize("given, read", [(np.True_, True), (np.False_, False), (True, True), ("auto", "auto")])
def test_forecast_candidates_refit_reads_numpy_bools_as_bools(given, read):
    from rnnkit.tasks.forecasting.candidates import wants_refit
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
    from rnnkit.tasks.forecasting.neural import ForecasterCandidate

    assert ForecasterCandidate(refit=given).refit is read if read != "auto" else ForecasterCandidate(refit=given).refit == read
    assert ESRNNCandidate(refit=given).refit == read and type(ESRNNCandidate(refit=given).refit) is type(read)
    if read != "auto":   # np.True_ was read as False: 'refit is True'
        assert wants_refit(given, []) is read


@pytest.mark.parametrize("bad", [1, 0, 1.0, np.int64(1), "yes"])
def test_forecast_candidates_refit_refuses_numbers(bad):
    # 1 passed 'refit in (True, False, "auto")' and was then read as False (no refit)
    from rnnkit.tasks.forecasting.neural import ForecasterCandidate

    with pytest.raises(ConfigError, match=r"^refit: expected True, False or 'auto', got "):
        ForecasterCandidate(refit=bad)


def test_flags_take_numpy_bools_and_store_python_bools():
    import torch

    import rnnkit
    from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
    from rnnkit.tasks.forecasting.neural import ForecasterCandidate
    from rnnkit.tasks.forecasting.statistical import statistical_candidates
    from rnnkit.tasks.forecasting.transfer import PretrainedCandidate

    flags = dict(hedge=False, symmetric_alone=False, alone_anchor=True, partial_median=True, symmetric_pooled=True,
                 pretrained_blend=False)
    given = AutoForecaster(statistical_candidates(), **{k: np.bool_(v) for k, v in flags.items()})
    expected = AutoForecaster(statistical_candidates(), **flags)
    assert _jsonable(given.settings()) == _jsonable(expected.settings()) and given.settings() == expected.settings()
    assert sorted(default_candidates(network=np.False_, pretrained=np.False_)) == sorted(default_candidates(network=False, pretrained=False))
    esrnn = ESRNNCandidate(calendar=np.False_, static=np.True_, lr=np.float32(0.5), seed=np.int64(2))
    assert _jsonable(esrnn.settings()) == ESRNNCandidate(calendar=False, static=True, lr=0.5, seed=2).settings()
    assert PretrainedCandidate(partial=np.True_).settings()["partial"] is True
    assert ForecasterCandidate(lookback_ensemble=np.True_).lookback_ensemble is True
    layer = rnnkit.LSTM(3, 4, bidirectional=np.True_, batch_first=np.True_)
    assert layer.bidirectional is True and layer.batch_first is True   # was 'expected a bool, got np.True_'
    x = torch.randn(2, 5, 3)
    torch.manual_seed(0)
    a = rnnkit.LSTM(3, 4, bidirectional=np.True_, batch_first=np.True_)
    torch.manual_seed(0)
    b = rnnkit.LSTM(3, 4, bidirectional=True, batch_first=True)
    assert torch.equal(a(x)[0], b(x)[0])
    for bad in (np.int64(1), 1):
        with pytest.raises(ConfigError, match="hedge: expected True or False"):
            AutoForecaster(statistical_candidates(), hedge=bad)
        with pytest.raises(InputTypeError, match="bidirectional: expected a bool"):
            rnnkit.LSTM(3, 4, bidirectional=bad)


@pytest.mark.parametrize("name", ["naive", "seasonal_naive", "drift", "ets"])
def test_forecast_baselines_refuse_a_bool_horizon_and_take_a_numpy_one(name):
    import rnnkit.tasks.forecasting as fc

    f = getattr(fc, name)
    train = np.arange(1.0, 25.0) + np.tile([0.0, 1.0, 3.0, 1.0], 6)
    kw = {"period": 4} if name in ("seasonal_naive", "ets") else {}
    got, want = f(train, np.int64(3), **kw), f(train, 3, **kw)
    assert all(np.allclose(a, b) for a, b in zip(got, want))
    for bad in (True, np.True_, 3.0):   # True was a horizon of 1 (drift), a raw numpy TypeError (naive)
        with pytest.raises(ConfigError, match=r"^horizon: expected a positive int, got "):
            f(train, bad, **kw)


def test_data_loaders_name_the_close_match_and_refuse_a_non_str_name_with_a_typed_error():
    from rnnkit.data.collections import load_collection
    from rnnkit.data.series import load_seattle_weather
    from rnnkit.data.tsc import load_ucr
    from rnnkit.errors import DataError

    cases = [(load_ucr, "gun_point", "gunpoint", DataError), (load_collection, "m3-yearly", "m3_yearly", ConfigError),
             (load_seattle_weather, "temp-max", "temp_max", DataError)]
    for load, typo, hint, error in cases:
        with pytest.raises(error, match=rf"expected one of \[.*\], got '{typo}' \(did you mean '{hint}'\?\)$"):
            load(typo)
        with pytest.raises(InputTypeError, match=r"expected one of \[.*\], got \['x'\] \(list\)$"):
            load(["x"])   # was "unhashable type: 'list'" (the seattle loader's tuple took it as unknown)
    pytest.importorskip("statsmodels")
    from rnnkit.data.series import load_macrodata

    with pytest.raises(DataError, match=r"^column: expected one of \[.*\], got 'realgpd' \(did you mean 'realgdp'\?\)$"):
        load_macrodata("realgpd")
    with pytest.raises(InputTypeError, match=r"^column: expected one of"):
        load_macrodata(["cpi"])
    assert load_macrodata("cpi").equals(load_macrodata(column="cpi"))


def test_a_trainer_eval_fn_may_return_numpy_floats():
    # metrics computed with numpy (np.float32 from a float32 array's mean) were 'expected a number or scalar tensor'
    import torch
    from torch import nn

    from rnnkit.training import Trainer
    from rnnkit.training.config import TrainConfig

    def run(cast):
        torch.manual_seed(0)
        model = nn.Linear(2, 1)
        data = [(torch.randn(4, 2), torch.randn(4, 1)) for _ in range(2)]
        loss_fn = lambda m, b: nn.functional.mse_loss(m(b[0]), b[1])  # noqa: E731
        eval_fn = lambda m, d: {"score": cast(np.float32(0.25))}  # noqa: E731
        return Trainer(model, loss_fn, config=TrainConfig(epochs=np.int64(2), quiet=np.True_), eval_fn=eval_fn).fit(data, [0])

    got, want = run(lambda v: v), run(float)
    assert [r["val_score"] for r in got.history] == [r["val_score"] for r in want.history] == [0.25, 0.25]
    assert [r["train_loss"] for r in got.history] == [r["train_loss"] for r in want.history]


def test_an_export_input_spec_takes_numpy_sizes_and_saves_python_ints():
    import torch

    from rnnkit.export.signature import InputSpec

    given = InputSpec("x", (np.int64(2), "time", np.int32(3)), torch.float32, kind="ids", high=np.int64(5))
    assert given == InputSpec("x", (2, "time", 3), torch.float32, kind="ids", high=5)
    assert _jsonable(given.to_dict()) == InputSpec("x", (2, "time", 3), torch.float32, kind="ids", high=5).to_dict()
    for shape in ((np.float64(2.0), "time"), (np.True_, "time")):
        with pytest.raises(ConfigError, match=r"^InputSpec.shape: expected a tuple of sizes"):
            InputSpec("x", shape)


def test_lookback_candidates_take_numpy_ints_and_store_python_ints():
    # np.arange(24, 72, 24)'s elements (np.int64) were refused as 'not positive ints' (helper T's note)
    from rnnkit.tasks.forecasting import ForecastConfig

    cfg = ForecastConfig(horizon=6, lookback_candidates=tuple(np.arange(24, 72, 24)))
    assert cfg.lookback_candidates == (24, 48) and all(type(v) is int for v in cfg.lookback_candidates)
    json.dumps(dataclasses.asdict(cfg))
    for bad in ((np.float64(24.0),), (True,), (np.True_,)):
        with pytest.raises(ConfigError, match="lookback_candidates"):
            ForecastConfig(horizon=6, lookback_candidates=bad)


def test_fit_takes_numpy_true_as_baselines_as_evaluate_does():
    # fit(baselines=np.True_) was 'expected True, False or a dict' while evaluate took it (helper T's note)
    from rnnkit.tasks.tsc import TimeSeriesClassifier as SeriesClassifier, TSCConfig as SeriesClassifierConfig
    import torch

    g = torch.Generator().manual_seed(0)
    x = [torch.randn(12, 1, generator=g) + (i % 2) for i in range(16)]
    y = ["a", "b"] * 8
    cfg = SeriesClassifierConfig(epochs=1, hidden_size=4, batch_size=8, progress=False)
    clf = SeriesClassifier(cfg).fit(x, y, baselines=np.True_)
    assert set(clf.baselines) == set(SeriesClassifier(cfg).default_baselines())
    assert SeriesClassifier(cfg).fit(x, y, baselines=np.False_).baselines == {}
    with pytest.raises(InputTypeError, match="baselines"):
        SeriesClassifier(cfg).fit(x, y, baselines=1)


def test_datasets_cli_and_registry_share_one_list_of_kinds():
    from rnnkit.cli import datasets
    from rnnkit.data import registry

    assert datasets.KINDS is registry.KINDS
