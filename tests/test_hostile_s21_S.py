"""Session 21, helper S: export, service, layers, training -- hostile and unusual inputs. Each test fails on
the code before its fix (701558d)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


def _int_id_run(tmp_path):
    """A run fitted from a frame whose id column holds the integers 3 and 17."""
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(36)
    df = pd.concat([pd.DataFrame({"store": s, "step": t, "sales": 50.0 + k + 0.2 * t + np.sin(t)})
                    for k, s in enumerate([3, 17])], ignore_index=True)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(df, target="sales", time_col="step", id_col="store").save(
        tmp_path / "run")
    return tmp_path / "run"


def test_serve_takes_a_json_integer_id_as_the_series_of_that_text(tmp_path):
    # Before: '{"id": 3, ...}' was a 422 'observations[0].id: expected a string, got 3', although the run's
    # series is "3" whichever path fitted it (a CSV's id column is read as text; a frame's 3 becomes "3") and
    # Forecaster.update takes a frame with the integer 3. Oracle: the public API updated with the int id.
    pytest.importorskip("fastapi")
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import forecast_records, open_service
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    run = _int_id_run(tmp_path)
    oracle = Forecaster.load(run)
    oracle.update(pd.DataFrame({"store": [3, 3], "step": [36, 37], "sales": [61.0, 62.5]}))
    expected = forecast_records(oracle.predict())
    answers = []
    for k, ids in enumerate([(3, 3), ("3", "3"), (3, "3")]):
        service = open_service(run, tmp_path / f"state{k}")
        with TestClient(create_app(service), raise_server_exceptions=False) as c:
            body = {"observations": [{"id": ids[0], "time": 36, "value": 61.0}, {"id": ids[1], "time": 37, "value": 62.5}]}
            r = c.post("/observations", json=body)
            assert r.status_code == 200, r.text
            answers.append(r.json()["forecast"])
            assert c.get("/forecast").json()["forecast"] == expected
        service.close()
        # the journal holds the series' text, and a restart replays it to the same forecast
        line = json.loads((tmp_path / f"state{k}" / "journal.jsonl").read_text().splitlines()[-1])
        assert [ob["id"] for ob in line["observations"]] == ["3", "3"]
        again = open_service(run, tmp_path / f"state{k}")
        assert json.loads(again.forecast())["forecast"] == expected
        again.close()
    assert answers[0] == answers[1] == answers[2] == expected


@pytest.mark.parametrize("raw, got", [("3.0", "3.0"), ("true", "true"), ("null", "null"), ("[3]", "an array")])
def test_serve_refuses_an_id_that_is_neither_text_nor_an_integer(tmp_path, raw, got):
    # 3.0 is not read as "3" (nor "3.0"): a float id's text is not what the client typed (1.50 reads 1.5)
    pytest.importorskip("fastapi")
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    service = open_service(_int_id_run(tmp_path), tmp_path / "state")
    with TestClient(create_app(service), raise_server_exceptions=False) as c:
        r = c.post("/observations", content='{"observations":[{"id":%s,"time":36,"value":1}]}' % raw,
                   headers={"content-type": "application/json"})
        assert (r.status_code, r.json()) == (422, {"error": f"observations[0].id: expected a string or an integer, "
                                                            f"got {got}"})
        assert c.get("/health").json()["updates"] == 0
    service.close()


def test_serve_journal_line_with_a_boolean_id_is_refused_at_replay(tmp_path):
    # a journal line is checked as a request is: true is not the series "True"
    from rnnkit.errors import CheckpointError
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(36)
    df = pd.DataFrame({"store": ["True"] * 36, "step": t, "sales": 50.0 + 0.2 * t})
    Forecaster("seasonal_naive", horizon=2, period=12).fit(df, target="sales", time_col="step", id_col="store").save(
        tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    service.observe([{"id": "True", "time": 36, "value": 1.0}])
    service.close()
    path = tmp_path / "state" / "journal.jsonl"
    path.write_text(path.read_text().replace('"id": "True"', '"id": true').replace('"id":"True"', '"id":true'))
    assert '"id":true' in path.read_text().replace(" ", "")
    with pytest.raises(CheckpointError, match=r"line 1 of .* \(observations\[0\]\.id: expected a string or an "
                                              r"integer, got True\)"):
        open_service(tmp_path / "run", tmp_path / "state")


def _seasonal_client(tmp_path):
    from toy_data import seasonal_service

    return seasonal_service(tmp_path)


@pytest.mark.parametrize("kind", ["application/jsonx", "text/json", "application/json-seq", "application/x-json"])
def test_serve_a_content_type_fastapi_does_not_read_as_json_is_named(tmp_path, kind):
    # Before: 'body: expected a JSON object, got a number' -- any content type holding the letters "json" was
    # taken for JSON by the message, but FastAPI reads only application/json and application/*+json, so the
    # body reached the schema as bytes and the client was told its object was a number.
    pytest.importorskip("fastapi")
    client, service = _seasonal_client(tmp_path)
    body = '{"observations":[{"id":"series","time":60,"value":51.5}]}'
    with client as c:
        r = c.post("/observations", content=body, headers={"content-type": kind})
        assert (r.status_code, r.json()) == (422, {"error": f"body: expected a JSON object sent with content-type "
                                                            f"application/json, got content-type {kind!r}"})
        for ok in ("application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"):
            assert c.post("/observations", content=body.replace("60", str(60 + c.get("/health").json()["updates"])),
                          headers={"content-type": ok}).status_code == 200, ok
    service.close()


def test_trainer_refuses_a_loss_that_reaches_none_of_the_trained_models_weights():
    # Before: a loss_fn computing the loss with another module (a closure over an earlier instance, a copy) or from a
    # tensor of its own requires grad, so it passed the detached-loss check; backward gave none of the trained
    # model's weights a gradient, every step changed nothing, and fit ended 'epochs' with the untrained weights.
    # Oracle: the same fit with the loss computed by the model it is given changes its weights.
    import copy

    import torch
    from torch import nn

    from rnnkit.errors import InputTypeError
    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    data = [(x[:4], y[:4]), (x[4:], y[4:])]
    earlier = nn.Linear(3, 1)
    model = copy.deepcopy(earlier)
    before = model.weight.detach().clone()
    good = Trainer(copy.deepcopy(model), lambda m, b: nn.functional.mse_loss(m(b[0]), b[1]),
                   config=TrainConfig(epochs=1, quiet=True))
    good.fit(data)
    assert not torch.equal(good.module.weight, before)
    for wrong in (lambda m, b: nn.functional.mse_loss(earlier(b[0]), b[1]),          # another instance
                  lambda m, b: torch.tensor(1.0, requires_grad=True) * b[1].sum()):    # no weight at all
        t = Trainer(model, wrong, config=TrainConfig(epochs=1, quiet=True))
        with pytest.raises(InputTypeError, match=r"^loss: expected a loss computed from the trained model's parameters, "
                                                 r"got one whose gradient reaches none of the Linear's weights"):
            t.fit(data)
        assert t.global_step == 0 and torch.equal(model.weight, before)


def test_export_of_a_model_with_the_old_weight_norm_is_a_config_error_naming_the_fix(tmp_path):
    # Before: torch's bare "RuntimeError: Only Tensors created explicitly by the user (graph leaves) support the
    # deepcopy protocol" from exportable's copy. Oracle: the same layer with the parametrization weight_norm exports
    # and its ONNX graph equals the model.
    pytest.importorskip("onnxruntime")
    import torch
    from torch import nn

    import rnnkit
    from rnnkit.errors import ConfigError
    from rnnkit.export.api import load_runner

    torch.manual_seed(0)
    x = torch.randn(5, 2, 3)
    new = rnnkit.GRU(3, 4)
    nn.utils.parametrizations.weight_norm(new, "weight_hh_l0")
    rnnkit.export(new, tmp_path / "new.onnx", state=False)
    with torch.no_grad():
        want = new(x)[0].numpy()
    assert np.abs(load_runner(tmp_path / "new.onnx", "onnx")(x)[0] - want).max() < 1e-5
    old = rnnkit.GRU(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # torch.nn.utils.weight_norm is deprecated
        nn.utils.weight_norm(old, "weight_hh_l0")
    with pytest.raises(ConfigError, match=r"^model: expected a module copy.deepcopy can copy .* got a GRU it cannot "
                                          r"\(Only Tensors created explicitly .* use "
                                          r"torch.nn.utils.parametrizations.weight_norm, which exports$"):
        rnnkit.export(old, tmp_path / "old.onnx", state=False)
    assert not (tmp_path / "old.onnx").exists()


def test_bench_refuses_a_shape_given_twice_before_it_creates_out(tmp_path, capsys):
    # Before: the library refused the repeat (the same words) after the CLI had created --out and an empty
    # bench.partial.jsonl in it: a failed command left a folder behind (--cells and --precision repeats were
    # refused before any work).
    from rnnkit.cli.main import main

    out = tmp_path / "bench"
    assert main(["bench", "--cells", "lstm", "--shapes", "1,2,3,4", "2,2,3,4", "1,2,3,4", "--out", str(out)]) == 2
    assert "rnnkit bench: error: --shapes: expected distinct values, got (1, 2, 3, 4) twice" in capsys.readouterr().err
    assert not out.exists()


def test_from_torch_and_to_torch_keep_frozen_weights_frozen():
    # Before: the converted layer was built fresh and given the weights by load_state_dict, so every parameter
    # required grad: a weight frozen with requires_grad_(False) before the conversion was trained after it, silently.
    # Oracle: the source module's own flags, and one optimizer step of the torch.nn module leaving it unchanged.
    import torch
    from torch import nn

    import rnnkit

    torch.manual_seed(0)
    src = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    src.weight_hh_l0.requires_grad_(False)
    src.bias_ih_l1_reverse.requires_grad_(False)
    want = {n: p.requires_grad for n, p in src.named_parameters()}
    layer = rnnkit.from_torch(src)
    assert {n: p.requires_grad for n, p in layer.named_parameters()} == want
    back = layer.to_torch()
    assert {n: p.requires_grad for n, p in back.named_parameters()} == want
    assert {n: p.requires_grad for n, p in rnnkit.to_torch(layer).named_parameters()} == want
    x = torch.randn(5, 2, 3)
    for model in (src, layer, back):   # the same training step: the frozen weight stays as it was, in each
        before = model.weight_hh_l0.detach().clone()
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        model(x)[0].sum().backward()
        opt.step()
        assert torch.equal(model.weight_hh_l0, before) and model.weight_hh_l0.grad is None


@pytest.mark.parametrize("line, want", [
    ("@univariate yes", "@univariate true or false"),            # 2 channels under it were read unchecked
    ("@equalLength maybe", "@equalLength true or false"),
    ("@dimensions two", "@dimensions followed by a positive count"),
    ("@seriesLength 3.0", "@seriesLength followed by a positive count"),
    ("@classLabel maybe a b", "@classLabel true or false"),      # was 'expected comma-separated numbers at line 4'
])
def test_ts_header_value_the_format_does_not_define_is_named(line, want):
    # Before: a header value other than true/false (or a count) declared nothing: '@univariate yes' over series of
    # two channels was read without a word (the check '@univariate true' does was skipped), and '@classLabel maybe'
    # made the labels part of the numbers ('expected comma-separated numbers at line 4, got '1,2,3:4,5,6:a'').
    # Oracle: the same file with the value the format defines reads (or is checked) as documented.
    from rnnkit.data.tsc import read_ts
    from rnnkit.errors import DataError

    body = "@data\n1,2,3:4,5,6:a\n7,8,9:1,2,3:b\n"
    head = "@problemName x\n" + ("" if line.startswith("@classLabel") else "@classLabel true a b\n")
    with pytest.raises(DataError, match=rf"^ts text: expected {want} at line \d, got {line!r}$"):
        read_ts(text=head + line + "\n" + body)
    X, y = read_ts(text="@problemName x\n@univariate false\n@equalLength true\n@dimensions 2\n@seriesLength 3\n"
                        "@classLabel true a b\n" + body)
    assert [x.shape for x in X] == [(3, 2), (3, 2)] and y == ["a", "b"]
    with pytest.raises(DataError, match=r"expected 1 channels in every series \(line 3: '@univariate true'\)"):
        read_ts(text="@problemName x\n@classLabel true a b\n@univariate true\n" + body)
