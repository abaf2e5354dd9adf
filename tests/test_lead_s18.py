"""Small defects left by session 18's helpers and fixed by the lead; each test fails on the code before (2193376)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError


def test_a_bidirectional_wrapper_refuses_step_as_a_bidirectional_layer_does():
    # Before: Bidirectional(...).step was an AttributeError ('Bidirectional' object has no attribute 'step')
    # where rnnkit.GRU(..., bidirectional=True).step is a ConfigError naming step.
    x_t = torch.randn(2, 3)
    with pytest.raises(ConfigError, match=r"^step: expected a unidirectional layer .*bidirectional=True$"):
        rnnkit.GRU(3, 4, bidirectional=True).step(x_t)
    with pytest.raises(ConfigError, match=r"^step: expected a unidirectional layer .*got a Bidirectional wrapper$"):
        rnnkit.Bidirectional(rnnkit.GRU(3, 4)).step(x_t)


@pytest.mark.parametrize("warmup", [1.0, 1.5])
def test_warmup_cosine_names_the_half_open_range_for_every_warmup_out_of_it(warmup):
    # Before: warmup=1.5 read 'expected a number in [0, 1]' -- a range that holds 1, which is refused too.
    from rnnkit.training import WarmupCosine

    with pytest.raises(ConfigError, match=r"^warmup: expected a fraction of the budget in \[0, 1\), got "):
        WarmupCosine(total_steps=10, warmup=warmup)


def test_a_non_finite_loss_on_a_chunk_past_every_sequence_says_so():
    # Before: a batch padded to T=40 with lengths 10-18, cut in chunks of 20, gave a second chunk of lengths all 0;
    # its masked mean loss is 0/0 and training stopped with 'loss: expected a finite value, got nan' as if the model
    # had diverged. The message now names the empty chunk and the two ways out; the loss with a clamped denominator
    # (the second way) trains.
    from torch import nn

    from rnnkit.errors import NonFiniteLossError
    from rnnkit.training import TrainConfig, Trainer

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.head = rnnkit.GRU(3, 8, batch_first=True), nn.Linear(8, 1)

        def forward(self, x, state=None, lengths=None):
            y, s = self.rnn(x, state, lengths=lengths)
            return self.head(y).squeeze(-1), s

    def step_fn(clamp):
        def step(model, chunk, state):
            out, state = model(chunk["x"], state, chunk["lengths"])
            mask = (torch.arange(out.shape[1])[None] < chunk["lengths"][:, None]).float()
            den = mask.sum().clamp(min=1) if clamp else mask.sum()
            return ((out - chunk["y"]) ** 2 * mask).sum() / den, state
        return step

    torch.manual_seed(0)
    batch = {"x": torch.randn(4, 40, 3), "y": torch.randn(4, 40), "lengths": torch.tensor([10, 15, 12, 18])}
    with pytest.raises(NonFiniteLossError, match=r"this chunk holds no step of any sequence \(lengths all 0"):
        Trainer(Net(), step_fn=step_fn(False), config=TrainConfig(epochs=1, tbptt_k=20, quiet=True)).fit([batch])
    result = Trainer(Net(), step_fn=step_fn(True), config=TrainConfig(epochs=1, tbptt_k=20, quiet=True)).fit([batch])
    assert len(result.history) == 1


def test_a_users_data_set_registered_again_with_an_equal_info_is_taken_a_bundled_name_never():
    # Since fd4ad2e a name already registered is refused; running a notebook cell twice (a new lambda as loader,
    # the same name, kind and description) then raised. An equal DatasetInfo of a user's own name replaces it; a
    # different one, or any info under a bundled name, is still refused.
    from rnnkit.data import registry
    from rnnkit.data.registry import DatasetInfo, load_dataset, register_dataset

    try:
        register_dataset(DatasetInfo("s18-lead-set", "series", "a user's set", lambda: "first"))
        register_dataset(DatasetInfo("s18-lead-set", "series", "a user's set", lambda: "again"))
        assert load_dataset("s18-lead-set") == "again"
        with pytest.raises(ConfigError, match="got 's18-lead-set'"):
            register_dataset(DatasetInfo("s18-lead-set", "series", "another set", lambda: "other"))
        co2 = registry.get_dataset("co2")
        with pytest.raises(ConfigError, match="got 'co2'"):
            register_dataset(DatasetInfo("co2", co2.kind, co2.description, lambda: "mine", co2.package, co2.install,
                                         co2.size))
    finally:
        registry._REGISTRY.pop("s18-lead-set", None)
