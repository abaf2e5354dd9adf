"""Session 27, helper N: values at their edges, second pass (reduced precision, unusual inputs).

Oracles: the sequential autograd loop over the same gate math (minGRU/minLSTM), torch.nn under the same
precision, and the same series scaled by a constant (forecasting)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.cells.minimal import MinGRUMath, MinLSTMMath
from rnnkit.engine.pscan import gated_scan
from rnnkit.layers.minimal import MinGRU, MinLSTM
from test_triton_scan import interpret  # noqa: F401  (the Triton interpreter fixture: skips where it cannot run)


def _same_pattern(got: torch.Tensor, want: torch.Tensor, what: str) -> None:
    """NaN where ``want`` is NaN, the same infinities, and the finite values within float32 rounding."""
    assert torch.equal(got.isnan(), want.isnan()), f"{what}: NaN at other places"
    both = torch.isfinite(want)
    assert torch.equal(got.isinf(), want.isinf()), f"{what}: inf at other places"
    assert torch.equal(got[got.isinf()], want[want.isinf()]), f"{what}: inf of another sign"
    torch.testing.assert_close(got[both], want[both], rtol=1e-5, atol=1e-6, msg=what)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
@pytest.mark.parametrize("T", [5, 300])          # 300 steps: the chunked path (chunks of 17), not the short loop
@pytest.mark.parametrize("value", [float("inf"), -float("inf")])
def test_chunked_scan_gives_inf_where_the_sequential_scan_does(cls, T, value):
    # An inf input makes the candidate g = inf; with 0 < a < 1 the state is (1 - a) g = inf. The chunked scan
    # computed b = g - a g = inf - inf = NaN (fails at 9a58fdf: MinLSTM NaN where sequential and log give inf).
    torch.manual_seed(0)
    layer = cls(3, 8)
    x = torch.randn(T, 4, 3)
    x[T // 2, 0, 1] = value
    x[T // 3, 2, :] = value
    outs = {}
    for scan in ("sequential", "chunked", "log"):
        layer.scan = scan
        with torch.no_grad():
            outs[scan] = layer(x)
    assert outs["sequential"][0].isinf().any()        # the case is one where an inf state arises
    for scan in ("chunked", "log"):
        _same_pattern(outs[scan][0], outs["sequential"][0], f"{cls.__name__} {scan} outputs")
        _same_pattern(outs[scan][1], outs["sequential"][1], f"{cls.__name__} {scan} state")


@pytest.mark.parametrize("math", [MinGRUMath(), MinLSTMMath()])
def test_gated_scan_inf_candidate_on_a_padded_step_leaves_the_state(math):
    # gated_scan takes its padding mask from the caller: a padded step keeps the state (a = 1, b = 0) even
    # when its candidate is inf (0 * inf was NaN there).
    torch.manual_seed(1)
    T, B, I, H = 6, 2, 3, 4
    x = torch.randn(T, B, I)
    w = torch.randn(math.num_blocks * H, I)
    x[4:, 1] = float("inf")                        # only in row 1's padding
    valid = torch.ones(T, B, 1, dtype=torch.bool)
    valid[4:, 1] = False
    y, last = gated_scan(x, w, None, math, None, valid)
    y_ref, last_ref = gated_scan(x[:4, 1:], w, None, math, None, None)
    assert torch.equal(y[4:, 1], torch.zeros(2, H))
    torch.testing.assert_close(last[1], last_ref[0])
    torch.testing.assert_close(y[:4, 1], y_ref[:, 0])


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_triton_gated_scan_inf_input_as_the_sequential_scan(cell, interpret):
    # The Triton kernel's b = g - a g had the same inf - inf as the chunked scan (interpreter: the same
    # kernel source, on CPU); fails at 9a58fdf.
    ts = pytest.importorskip("rnnkit.engine.triton_scan")
    if not ts.HAS_TRITON:
        pytest.skip("triton is not installed")
    math = {"mingru": MinGRUMath(), "minlstm": MinLSTMMath()}[cell]
    torch.manual_seed(2)
    T, B, I, H = 9, 3, 2, 5
    x = torch.randn(T, B, I)
    x[3, 1, 0] = float("inf")
    w = torch.randn(math.num_blocks * H, I)
    y, last = ts.triton_gated_scan(x, w, None, cell, None, None, block_t=4, block_n=4)
    P = torch.nn.functional.linear(x, w)
    a, g = math.coefficients(P)
    want = torch.stack([h for h in _sequential(a, g)])
    assert want.isinf().any()
    _same_pattern(y, want, f"triton {cell}")


def _sequential(a, g):
    h = torch.zeros_like(g[0])
    for t in range(a.shape[0]):
        h = a[t] * h + (1 - a[t]) * g[t]
        yield h


@pytest.mark.parametrize("cell", ["lstm", "elman_tanh", "gru"])
@pytest.mark.parametrize("engine", ["bptt", "reference"])
def test_layer_norm_layers_in_bfloat16_finite_at_inputs_float32_handles(cell, engine):
    # bfloat16 has float32's range; torch's layer_norm sums squares in float32, which overflow for rows near 1e19.
    # The float32 path scales such rows first; bfloat16 went straight to torch's kernel: an LN-LSTM's outputs were
    # all NaN at inputs of 1e30 (fails at 9a58fdf for lstm and elman_tanh). Oracle: the float32 layer on the same
    # bfloat16-rounded input, within bfloat16's rounding (u = 2^-8; |h| <= 1 so a few u absolute).
    import rnnkit
    torch.manual_seed(0)
    layer = rnnkit.RecurrentLayer(cell, 5, 8, num_layers=2, layer_norm=True, engine=engine)
    x = (torch.randn(6, 3, 5) * 1e30).to(torch.bfloat16)
    y32, _ = layer(x.float())
    assert torch.isfinite(y32).all()
    y, _ = layer.to(torch.bfloat16)(x)
    assert y.dtype == torch.bfloat16
    assert torch.isfinite(y).all()
    torch.testing.assert_close(y.float(), y32, rtol=0, atol=16 * 2.0 ** -8)


def test_layer_norm_scale_of_bfloat16_rows_is_a_power_of_two_into_range():
    from rnnkit.cells.norm import layer_norm
    torch.manual_seed(3)
    x = torch.randn(50, 7, dtype=torch.float64) * torch.logspace(10, 37, 50, dtype=torch.float64).unsqueeze(1)
    w, b = torch.rand(7, dtype=torch.float64) + 0.5, torch.randn(7, dtype=torch.float64)
    xb = x.to(torch.bfloat16)
    want = torch.nn.functional.layer_norm(xb.double(), (7,), w, b, 1e-5)   # float64: no overflow
    got = layer_norm(xb, w.to(torch.bfloat16), b.to(torch.bfloat16))
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.double(), want, rtol=0, atol=8 * 2.0 ** -8 * float(want.abs().max()))


# ---------------------------------------------------------------- 16-bit weights updated by the optimizer
def _trainer(net, lr=1e-3, name="adam"):
    from rnnkit.training import OptimConfig, TrainConfig, Trainer

    def loss_fn(model, batch):
        out, _ = model(batch[0].to(next(model.parameters()).dtype))
        return (out.float() - batch[1]).square().mean()
    return Trainer(net, loss_fn, config=TrainConfig(epochs=1, optim=OptimConfig(name=name, lr=lr), quiet=True))


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_on_float16_weights_is_refused_before_training(name):
    # torch's Adam on float16 weights: eps=1e-8 is 0 in float16 and (1 - beta2) g^2 underflows for |g| < 5e-3, so
    # the first step is m / 0 (the oracle below: a weight goes to -inf); the fit stopped at step 2 blaming a NaN
    # loss ("weights: ... NaN/inf in 'weight_ih_l0' after step 1"). Now a ConfigError at construction, naming the
    # dtype and what to do (fails at 9a58fdf: no error at construction).
    from rnnkit.errors import ConfigError
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float16))
    opt = torch.optim.Adam([p], lr=1e-3)
    p.grad = torch.full((3,), 1e-3, dtype=torch.float16)
    opt.step()
    assert torch.isinf(p).all()                     # the failure the refusal prevents
    import rnnkit
    with pytest.raises(ConfigError, match=r"expected float32, float64 or bfloat16 weights .* got float16.*autocast"):
        _trainer(rnnkit.LSTM(2, 4).half(), name=name)


def test_sixteen_bit_weights_warn_that_small_updates_are_rounded_away():
    # bfloat16 keeps 8 significant bits: an Adam step of about lr = 1e-3 on a weight of 1.0 (spacing 2^-7) is
    # rounded away (the oracle: torch's own Adam leaves it at 1.0). Warned with the bound 2 lr / eps; SGD on
    # float16 weights warns too (fails at 9a58fdf: no warning).
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.bfloat16))
    opt = torch.optim.Adam([p], lr=1e-3)
    p.grad = torch.full((3,), 0.1, dtype=torch.bfloat16)
    opt.step()
    assert torch.equal(p.detach(), torch.ones(3, dtype=torch.bfloat16))
    import rnnkit
    with pytest.warns(UserWarning, match=r"weights in bfloat16 .* lr=0\.001 weights above about 0\.256"):
        _trainer(rnnkit.GRU(2, 4).to(torch.bfloat16))
    with pytest.warns(UserWarning, match=r"weights in float16 "):
        _trainer(rnnkit.GRU(2, 4).half(), name="sgd")


def test_float32_weights_train_without_a_precision_warning():
    import warnings

    import rnnkit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _trainer(rnnkit.GRU(2, 4))


# ---------------------------------------------------------------- series whose spacing is unusual
def _sitka_like():
    # MASS::Sitka's measurement days (R): 5 sizes per tree on days 152, 174, 201, 227, 258 -- no common stride
    import numpy as np
    import pandas as pd
    days = [152, 174, 201, 227, 258]
    return pd.DataFrame({"t": days * 3, "tree": np.repeat(["1", "2", "3"], 5),
                         "y": np.r_[4.51, 4.98, 5.41, 5.90, 6.15, 4.24, 4.20, 4.68, 4.92, 4.96, 3.98, 4.36, 4.79, 4.99,
                                    5.03]})


def test_irregular_integer_steps_name_the_share_resample_would_interpolate():
    # The hint was "pass --resample / resample=True to fill them": taken, 102 of each tree's 107 values (95%) were
    # interpolated (warned only then). Now the error says so and what to do instead (fails at 9a58fdf).
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.forecaster import Forecaster
    with pytest.raises(DataError, match=r"irregular gaps \(steps \[22, 26, 27, 31\]\); --resample would interpolate "
                                        r"102 of the 107 values \(95%, more than it keeps\): .*number them 0, 1, 2"):
        Forecaster("theta", horizon=2).fit(_sitka_like(), target="y", time_col="t", id_col="tree")


def test_a_few_missing_integer_steps_still_point_at_resample_with_the_share():
    import numpy as np
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.forecaster import Forecaster
    df = pd.DataFrame({"t": [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13], "y": np.arange(12.0) % 5})
    with pytest.raises(DataError, match=r"; pass --resample / resample=True to fill them \(1 of 13 values would be "
                                        r"interpolated\)$"):
        Forecaster("theta", horizon=2).fit(df, target="y", time_col="t")


def test_missing_dates_name_the_share_resample_would_interpolate():
    import numpy as np
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.forecaster import Forecaster
    days = pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03", "2021-01-09", "2021-01-21", "2021-01-22",
                           "2021-02-10"])
    df = pd.DataFrame({"d": days, "y": np.arange(7.0)})
    # the daily grid has 41 days, 7 given: 34 would be interpolated (83%)
    with pytest.raises(DataError, match=r"--resample would interpolate 34 of the 41 values \(83%"):
        Forecaster("theta", horizon=2).fit(df, target="y", time_col="d")


# ---------------------------------------------------------------- a single huge value
def _monthly(y):
    import pandas as pd
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=len(y), freq="MS"), "y": y})


def test_a_lone_huge_value_is_warned_with_its_time():
    # A monthly series of about 100 with one 1e12 (a typo): auto forecast 1e8, ETS 1.7e10 (seasonal naive of the
    # same run was off by 7), MASE near 0 for all, without a word (fails at 9a58fdf: no warning).
    import numpy as np

    from rnnkit.tasks.forecasting.forecaster import Forecaster
    rng = np.random.default_rng(0)
    t = np.arange(96)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 96)
    y[60] = 1e12
    with pytest.warns(UserWarning, match=r"one value \(1e\+12 at time 2005-01-01\) lies .* times farther from the "
                                         r"median .* than the other 95 together"):
        Forecaster("seasonal_naive", horizon=3).fit(_monthly(y), target="y", time_col="date")


@pytest.mark.parametrize("kind", ["spikes", "one_sale", "growth", "crash"])
def test_ordinary_extremes_are_not_warned_as_lone(kind):
    # Intermittent demand (90% zeros), a single sale in a zero series, exponential growth and a crash of 30x are
    # data, not typos: no lone-value warning (the rule flagged 6 of 31,034 columns of R's data sets).
    import warnings

    import numpy as np

    from rnnkit.tasks.forecasting.input_values import warn_lone_value
    rng = np.random.default_rng(1)
    y = {"spikes": np.where(rng.random(120) < 0.1, rng.poisson(20, 120) + 1, 0).astype(float),
         "one_sale": np.r_[np.zeros(50), 3.0, np.zeros(49)],
         "growth": 1.1 ** np.arange(120.0),
         "crash": np.r_[100 + rng.normal(0, 1, 60), 100 / 30, 100 + rng.normal(0, 1, 59)]}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_lone_value(y, np.arange(y.size), "y", "y")


# ---------------------------------------------------------------- scale: forecasts times c
@pytest.mark.parametrize("c", [1e12, 1e-300])
def test_esrnn_forecast_scales_with_the_series(c):
    # Oracle: the same series times c is forecast times c (the log of c y is log c + log y, and every step of the
    # ES-RNN is shift-equivariant in log space). Its float32 d held log c too: 3e-4 apart at c = 1e12 and 1e-300
    # (fails at 9a58fdf); the recurrent forecasters, standardised, agree to 2e-16.
    import numpy as np

    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
    from rnnkit.tasks.forecasting.candidates import SeriesInput
    rng = np.random.default_rng(0)
    t = np.arange(72)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 72)
    f1 = ESRNNCandidate(hidden=8, steps=15).forecast([SeriesInput("a", y, 12)], 6)[0]
    fc = ESRNNCandidate(hidden=8, steps=15).forecast([SeriesInput("a", y * c, 12)], 6)[0]
    np.testing.assert_allclose(fc / c, f1, rtol=1e-9)


# ---------------------------------------------------------------- dtypes the layers cannot compute in
@pytest.mark.parametrize("make", ["lstm", "gru_ln", "mingru"])
def test_float8_layers_are_a_config_error_naming_the_dtype(make):
    # nn.Module.to accepts float8; each engine then failed inside torch (NotImplementedError 'add_stub' / 'baddbmm'
    # / 'max_values_cpu' not implemented), untyped (fails at 9a58fdf)
    import rnnkit
    from rnnkit.errors import ConfigError
    layer = {"lstm": lambda: rnnkit.LSTM(3, 4), "gru_ln": lambda: rnnkit.GRU(3, 4, layer_norm=True),
             "mingru": lambda: MinGRU(3, 4)}[make]().to(torch.float8_e4m3fn)
    with pytest.raises(ConfigError, match=r"expected weights in a dtype the layers compute in .* got "
                                          r"torch\.float8_e4m3fn"):
        layer(torch.randn(5, 2, 3).to(torch.float8_e4m3fn))


@pytest.mark.parametrize("kw", [{"zoneout": 0.1}, {"recurrent_dropout": 0.1}, {"dropconnect": 0.2}])
def test_complex_lstm_trains_with_its_state_level_dropouts(kw):
    # Complex weights run on the reference engine (as torch.nn allows); zoneout, recurrent dropout and DropConnect
    # drew their masks in the complex dtype: torch's 'bernoulli not implemented for ComplexFloat' (fails at
    # 9a58fdf). Masks are real now; in eval (no masks) the output is the plain layer's.
    import rnnkit
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, **kw).to(torch.complex64)
    x = torch.randn(5, 2, 3, dtype=torch.complex64)
    y, _ = layer(x)
    y.abs().sum().backward()
    assert torch.isfinite(torch.view_as_real(layer.weight_hh_l0.grad)).all()
    plain = rnnkit.LSTM(3, 4).to(torch.complex64)
    plain.load_state_dict(layer.state_dict())
    if "zoneout" not in kw:     # zoneout's eval output is the expectation, not the plain layer's
        torch.testing.assert_close(layer.eval()(x)[0], plain.eval()(x)[0])


def test_complex_layer_norm_is_a_config_error():
    import rnnkit
    from rnnkit.errors import ConfigError
    layer = rnnkit.GRU(3, 4, layer_norm=True).to(torch.complex64)
    with pytest.raises(ConfigError, match=r"layer_norm: expected real weights .* got dtype torch\.complex64"):
        layer(torch.randn(5, 2, 3, dtype=torch.complex64))
