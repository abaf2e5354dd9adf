"""Checkpoint averaging of the translators (:mod:`rnnkit.tasks.seq2seq_average`): the mean of the last
epochs' weights against snapshots taken by a callback written here, kept only when it scores better on the
validation pairs than the early-stopping best (the baseline, fitted in the same test)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator, translation_metrics
from rnnkit.tasks.seq2seq_average import LastEpochs, keep_better
from rnnkit.training.callbacks import Callback

pytestmark = pytest.mark.usefixtures("one_thread_module")

S = ["die Zeile ist lang", "der Abstand ist klein", "die Zeile ist kurz", "der Abstand ist groß", "das Haus ist alt",
     "das Haus ist klein", "die Zeile ist alt"]
T = ["the line is long", "the spacing is small", "the line is short", "the spacing is large", "the house is old",
     "the house is small", "the line is old"]


def test_keep_better_keeps_the_mean_only_when_it_scores_higher():
    net = nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.fill_(1.0)
    target = torch.tensor([[3.0, 3.0]])
    score = lambda: -float((net.weight.detach() - target).abs().sum())                      # noqa: E731
    closer = {"weight": torch.full((1, 2), 2.0), "bias": net.bias.detach().clone()}
    farther = {"weight": torch.full((1, 2), -1.0), "bias": net.bias.detach().clone()}
    r = keep_better(net, farther, score)
    assert r["kept_average"] == 0.0 and torch.equal(net.weight, torch.ones(1, 2)) and r["averaged"] < r["best_epoch"]
    r = keep_better(net, closer, score)
    assert r["kept_average"] == 1.0 and torch.equal(net.weight, torch.full((1, 2), 2.0))


class _Snap(Callback):
    def __init__(self):
        self.weights = []

    def on_epoch_end(self, trainer, epoch, row):
        self.weights.append({n: t.detach().clone() for n, t in trainer.module.state_dict().items()})


def test_translator_average_is_the_mean_of_the_last_epochs_and_never_worse_on_validation(tmp_path):
    cfg = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, epochs=4, lr=1e-2, batch_size=4, progress=False, beam=2)
    val = (S[:4], T[:4])
    base = Translator(Seq2SeqConfig(**cfg)).fit(S * 3, T * 3, *val, baselines=False)
    snap = _Snap()
    avg = Translator(Seq2SeqConfig(**cfg, average_last=3)).fit(S * 3, T * 3, *val, baselines=False, callbacks=[snap])
    assert "average" not in base.history
    a = avg.history["average"]
    mean = {n: torch.stack([w[n] for w in snap.weights[-3:]]).mean(0) for n in snap.weights[-1]}
    best = snap.weights[base.history["best"]["epoch"] - 1]
    # same seed, same data: the baseline's weights are the averaged run's best epoch
    assert all(torch.equal(best[n], t) for n, t in base.net.state_dict().items())
    chosen = mean if a["kept_average"] else best
    assert all(torch.allclose(chosen[n], t) for n, t in avg.net.state_dict().items())
    avg.net.load_state_dict(mean)
    assert a["averaged"] == pytest.approx(translation_metrics(avg.translate(val[0], beam=1), val[1])["chrf"])
    assert a["best_epoch"] == pytest.approx(base.history["best"]["value"])
    avg.net.load_state_dict(chosen)
    assert avg.score(*val, beam=1)["chrf"] >= base.score(*val, beam=1)["chrf"]
    again = Translator.load(avg.save(tmp_path / "run"))
    assert again.translate(S) == avg.translate(S)
