"""Session 20, helper E: one input through every path (CLI, Python API, service, exports) gives one answer.

Defects found by comparing the paths on real data, each with a small generated case here."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli.forecast import _settings
from rnnkit.cli.main import build_parser
from rnnkit.tasks.forecasting.forecaster import Forecaster

FAST = dict(hidden_size=4, windows_per_epoch=32, batch_size=16)


def _series(n=90):
    rng = np.random.default_rng(3)
    t = np.arange(n)
    return pd.Series(10 + np.sin(t / 4) + 0.1 * rng.normal(size=n), index=pd.date_range("2020-01-01", periods=n, freq="D"))


def test_api_epochs_below_selection_epochs_trains_as_the_cli():
    # rnnkit forecast --epochs 2 fits with selection_epochs=min(12, 2); Forecaster(epochs=2) kept the default 12,
    # so each lookback candidate trained 12 epochs (more than the 2 asked for) and the forecast differed from the
    # CLI's on the same data (seattle_temps, lstm, --epochs 2: 0.05 apart)
    y = _series()
    cli_args = build_parser().parse_args(["forecast", "--dataset", "co2", "--horizon", "3", "--model", "lstm",
                                          "--hidden-size", "4", "--epochs", "2"])   # the command's own flags
    cli = Forecaster(**{k: v for k, v in _settings(cli_args).items() if k != "hidden_size"}, **FAST).fit(y)
    api = Forecaster("lstm", horizon=3, epochs=2, **FAST).fit(y)
    assert len(api.selection_) > 1   # several lookbacks: the selection ran
    assert api.train_info_["epochs"] <= 2
    pd.testing.assert_frame_equal(api.predict(), cli.predict())


def test_classifier_export_meta_names_the_unknown_token_id():
    # FILE.json said pad_id only: a consumer feeding the graph had to guess which id a word outside 'tokens' takes
    # (rt-snippets run, ONNX fed as the meta says: 115 of the test texts' pieces were not in 'tokens')
    import torch

    from rnnkit.export.tasks import classifier_spec
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine film", "bad awful plot", "good nice story", "awful bad acting"] * 4
    labels = ["pos", "neg", "pos", "neg"] * 4
    cfg = TextClassifierConfig(tokenizer="words", embeddings="own", combine=False, epochs=1, embed_dim=4, hidden_size=4,
                               min_freq=1, batch_size=8, val_fraction=0.0, progress=False)
    clf = TextClassifier(cfg).fit(texts, labels)
    spec = classifier_spec(clf)
    meta = spec.meta
    assert meta["unk_id"] == clf.vocab.id("zebra") != meta["pad_id"]
    # fed as the meta says (unknown words -> unk_id), the graph gives predict_proba
    text = "good zebra quokka"
    idx = {t: i for i, t in enumerate(clf.vocab.tokens)}
    ids = torch.tensor([[idx.get(w, meta["unk_id"]) for w in text.split()]])
    probs = spec.reference(ids, torch.tensor([3]))[1]
    np.testing.assert_allclose(probs.detach().numpy(), clf.predict_proba([text]), atol=1e-6)
