"""Session 15, helper W: a text with no token through the exported text-classifier graph.

``TextClassifier.predict_proba`` gives a text with no token in the run's units (zero-width spaces alone) the
training labels' class shares (since session 15). The exported graph, fed as docs/deploy.md says (ids from
``vocab.json``, padding 0, ``lengths``), gave that row NaN -- and a batch of such texts only (ids of 0 steps)
was an onnxruntime error -- so a consumer of the export could not reproduce the run's predictions. Oracle:
the run's own ``predict_proba`` on the same texts, in the test.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

TEXTS = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad bad"] * 6
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
EMPTY = "\u200b\u200b"                       # no word token


@pytest.fixture(scope="module")
def fitted():
    import torch

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    torch.manual_seed(0)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=1, batch_size=8, val_fraction=0.0,
                               progress=False, embeddings="own", combine=False)
    return TextClassifier(cfg).fit(TEXTS, LABELS)


@pytest.mark.parametrize("batch", [["good", EMPTY, "zzz unseen bad fine", "fine"], [EMPTY], [EMPTY, "\ufeff"]],
                         ids=["mixed", "one-empty", "all-empty"])
def test_a_text_with_no_token_gets_the_runs_class_shares_from_the_graph(fitted, batch, tmp_path, onnx_text_probs):
    import rnnkit

    assert fitted.no_token_rows(batch)                      # the case under test is there
    res = rnnkit.export(fitted, tmp_path / "c.onnx")
    with pytest.warns(UserWarning, match="no token"):
        want = np.asarray(fitted.predict_proba(batch))
    got, ids = onnx_text_probs(fitted, tmp_path / "c.onnx", batch)
    assert np.isfinite(got).all() and np.abs(got - want).max() <= 1e-5
    side = json.loads((tmp_path / "c.onnx.json").read_text())["meta"]
    assert side["prior"] == res.meta["prior"] and np.allclose(side["prior"], fitted.prior)
    assert np.allclose(got[fitted.no_token_rows(batch)], side["prior"])   # what a consumer reads beside the graph


def test_the_program_format_gives_the_shares_too(fitted, tmp_path):
    import torch

    import rnnkit

    rnnkit.export(fitted, tmp_path / "c.pt2", format="torch-export")
    module = torch.export.load(str(tmp_path / "c.pt2")).module()
    with torch.no_grad():
        _, probs = module(torch.zeros(2, 0, dtype=torch.long), torch.zeros(2, dtype=torch.long))
    assert np.allclose(probs.numpy(), [fitted.prior] * 2, atol=1e-6)


def test_cli_export_of_a_combined_run_says_the_graph_is_the_network_alone(fitted, tmp_path, capsys):
    # a classify run whose fit chose to combine the network with its linear baselines (the default combine=True)
    # predicts sum_m w_m p_m; the graph is the network's, and 'rnnkit export' printed only the network's parity
    import torch

    from rnnkit.cli.main import main
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    torch.manual_seed(0)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=1, batch_size=8, val_fraction=0.3,
                               progress=False, embeddings="own")
    mixed = TextClassifier(cfg).fit(TEXTS, LABELS)
    others = {k: w for k, w in (mixed.mix or {}).items() if k != "network" and w}
    assert others                                            # the case under test: a linear member weighs
    mixed.save(tmp_path / "mixed")
    fitted.save(tmp_path / "alone")
    notes = {}
    for name in ("mixed", "alone"):
        assert main(["export", "--run", str(tmp_path / name), "--out", str(tmp_path / f"{name}.onnx"), "--quiet"]) == 0
        notes[name] = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("note:")]
    assert notes["alone"] == [] and len(notes["mixed"]) == 1
    assert "network's probabilities only" in notes["mixed"][0] and all(k in notes["mixed"][0] for k in others)


@pytest.mark.parametrize("task", ["tsc", "tag", "translate", "generate"])
def test_serving_a_run_of_another_task_is_a_usage_error_as_exporting_one_is(task, tmp_path, capsys):
    # 'rnnkit serve --run TSC_RUN' said "CheckpointError: ..." with exit 1 (a broken run file), where the run is
    # sound and the flag names the wrong kind of run; 'rnnkit export --run TAG_RUN' already said so with exit 2
    import socket

    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.serve.services import open_service

    (tmp_path / "config.json").write_text(json.dumps({"task": task}))
    with pytest.raises(ConfigError, match=f"run: expected a 'forecast' or 'classify' run to serve, got task '{task}'"):
        open_service(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["serve", "--run", str(tmp_path), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"got task '{task}'" in err and "CheckpointError" not in err


@pytest.mark.parametrize("strategy,level_input", [("direct", True), ("recursive", False)])
def test_an_exported_forecasters_features_name_each_column_of_x(strategy, level_input, tmp_path):
    # FILE.json's 'features' was the four groups whatever the run had ("past covariates (scaled)" in a run with
    # none): a consumer could not tell which column of x was which. Oracle: the width of x the graph reads.
    import pandas as pd

    import rnnkit
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    df = pd.DataFrame({"t": t, "y": 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12), "promo": (t % 5 == 0) * 1.0,
                       "temp": np.cos(t / 3)})
    f = Forecaster("gru", horizon=2, epochs=1, lookback=6, hidden_size=4, strategy=strategy, level_input=level_input,
                   n_samples=10)
    past = ["temp"] if strategy == "direct" else None   # the recursive strategy takes no past-only covariates
    f.fit(df, target="y", time_col="t", past_covariates=past, future_covariates=["promo"])
    f.save(tmp_path / "run")
    res = rnnkit.export(tmp_path / "run", tmp_path / "f.pt2", format="torch-export")
    width = next(i["shape"][-1] for i in res.inputs if i["name"] == "x")
    want = ["dz / inc"] + (["z"] if level_input else []) + (["temp (past covariate, scaled)"] if past else []) \
        + ["promo (future covariate, scaled)"]
    assert res.meta["features"] == want and len(want) == width
    future = [i["shape"][-1] for i in res.inputs if i["name"] == "future"]
    assert res.meta["future_features"] == (["promo (future covariate, scaled)"] if future else [])
    assert len(res.meta["future_features"]) == sum(future)
