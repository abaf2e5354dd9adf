"""A Trainer run folder's final files (config.json, model.safetensors, digests.json) stay loadable at every moment:
a fit that resumes a finished run deleted digests.json at its start, so the finished run's weights could not be
loaded while it trained -- nor ever, if it was interrupted (session 20's note). Replacing certified files is now
journaled (rnnkit.training.certified). Oracle: the weights the folder held before, or the ones written after."""

import os

import pytest
import torch

from rnnkit.training import OptimConfig, TrainConfig, Trainer, load_weights, save_weights
from rnnkit.training.callbacks import Callback
from rnnkit.training.certified import JOURNAL


def _data():
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(3)]


def _loss(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


def _net():
    torch.manual_seed(0)
    return torch.nn.Linear(3, 1)


def _weights(path):
    return load_weights(_net(), path).state_dict()


class Interrupt(Callback):
    def on_batch_end(self, trainer, batch_index: int) -> None:
        raise KeyboardInterrupt


def test_a_resumed_fit_interrupted_leaves_the_finished_runs_weights_loadable(tmp_path):
    cfg = TrainConfig(epochs=2, optim=OptimConfig(lr=0.1), quiet=True)
    Trainer(_net(), _loss, config=cfg, run_dir=tmp_path).fit(_data())
    before = _weights(tmp_path / "model.safetensors")
    more = TrainConfig(epochs=4, optim=OptimConfig(lr=0.1), quiet=True)   # config.json changes: epochs 2 -> 4
    with pytest.raises(KeyboardInterrupt):
        Trainer(_net(), _loss, config=more, run_dir=tmp_path, callbacks=[Interrupt()]).fit(_data(), resume=True)
    after = _weights(tmp_path / "model.safetensors")        # was: digests.json missing
    assert all(torch.equal(before[k], after[k]) for k in before)
    # and the interrupted resume resumes and certifies its own final weights when it ends
    result = Trainer(_net(), _loss, config=more, run_dir=tmp_path).fit(_data(), resume=True)
    assert result.epochs_run == 4 and not (tmp_path / JOURNAL).exists()
    final = _weights(tmp_path / "model.safetensors")
    assert not all(torch.equal(before[k], final[k]) for k in before)


@pytest.mark.parametrize("nth", [1, 2, 3, 4])
def test_weights_replaced_with_an_interruption_at_any_rename_load_as_old_or_new(tmp_path, monkeypatch, nth):
    """save_weights over certified weights, a KeyboardInterrupt at its n-th rename (the record of the replacement,
    the weights, the digest map; 4: none): the folder loads the old weights before the record is in place, the new
    ones after (a load completes the replacement)."""
    old, new = _net(), torch.nn.Linear(3, 1)
    save_weights(old, tmp_path / "model.safetensors")
    from toy_data import interrupt_nth_rename

    real = interrupt_nth_rename(monkeypatch, nth)
    try:
        save_weights(new, tmp_path / "model.safetensors")
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(os, "replace", real)
    got = _weights(tmp_path / "model.safetensors")
    want = (old if nth == 1 else new).state_dict()
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert not (tmp_path / JOURNAL).exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
