"""Session 16: the callbacks of a dict-pointer ensemble's members and the CLI's memory estimate of ``--ensemble``.

Each member trains with its own callbacks (member 0 the given ones, each later member a deep copy made before any
training; every row tagged ``"member"``: :mod:`rnnkit.tasks.seq2seq_members`), and ``translate train --ensemble n``
counts the n networks in its memory estimate. Each test fails on the code before (shared callbacks: one instance saw
every member's fit and a user's EarlyStopping put member 0's weights into member 1; the estimate ignored n)."""

from __future__ import annotations

import threading

import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.training.callbacks import Callback, EarlyStopping

from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

pytestmark = pytest.mark.usefixtures("one_thread_module")

S, T, CFG = PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST


class Recorder(Callback):
    """Every hook call of every instance (copies included) in one class-level list: (instance id, event, member)."""

    events: list = []

    def on_fit_start(self, trainer):
        Recorder.events.append((id(self), "fit_start", None))

    def on_epoch_end(self, trainer, epoch, row):
        Recorder.events.append((id(self), "epoch", row.get("member")))

    def on_fit_end(self, trainer, result):
        Recorder.events.append((id(self), "fit_end", None))


class Rising(Callback):
    """A metric producer: ``train_rank`` 1, 2, 3, ... over all epochs of all members (class-level count)."""

    order = -1
    count = 0

    def on_epoch_end(self, trainer, epoch, row):
        Rising.count += 1
        row["train_rank"] = Rising.count


def test_each_member_has_its_own_callbacks_and_tagged_rows():
    Recorder.events = []
    rec = Recorder()
    Translator(Seq2SeqConfig(**CFG)).fit(S, T, baselines=False, callbacks=[rec])    # the control: one network
    assert Recorder.events == [(id(rec), "fit_start", None), (id(rec), "epoch", None), (id(rec), "epoch", None),
                               (id(rec), "fit_end", None)]
    Recorder.events = []
    rec = Recorder()
    two = Translator(Seq2SeqConfig(**CFG, ensemble=2)).fit(S, T, baselines=False, callbacks=[rec])
    mine = [(e, m) for i, e, m in Recorder.events if i == id(rec)]
    other = [(e, m) for i, e, m in Recorder.events if i != id(rec)]
    assert mine == [("fit_start", None), ("epoch", 0), ("epoch", 0), ("fit_end", None)]       # member 0's fit
    assert other == [("fit_start", None), ("epoch", 1), ("epoch", 1), ("fit_end", None)]      # a copy: member 1's
    assert len({i for i, _, _ in Recorder.events if i != id(rec)}) == 1
    assert [r["member"] for r in two.history["curve"]] == [0, 0, 1, 1]


def test_a_users_early_stopping_keeps_each_member_its_own_best_weights():
    """``train_rank`` only rises, so each fit's best epoch is its first. Shared, the EarlyStopping kept member 0's
    first epoch as the best all along and restored its weights into member 1: two copies of one network."""
    Rising.count = 0
    es = EarlyStopping("train_rank", "min", patience=100)
    two = Translator(Seq2SeqConfig(**CFG, ensemble=2)).fit(S, T, baselines=False, callbacks=[Rising(), es])
    m0, m1 = two.net.members
    assert Rising.count == 4 and es.best == 1 and es.best_epoch == 1        # the given one saw member 0 only
    assert not torch.equal(m0.tgt_embed.weight, m1.tgt_embed.weight)
    assert [m["best"]["value"] for m in two.history["members"]] == [1, 3]  # member 1's own best, its first epoch


def test_callbacks_that_cannot_be_copied_are_a_config_error_naming_them():
    class Locked(Callback):
        def __init__(self):
            self.lock = threading.Lock()

    Translator(Seq2SeqConfig(**CFG)).fit(S, T, baselines=False, callbacks=[Locked()])   # the control: one network
    with pytest.raises(ConfigError, match=r"^callbacks: expected callbacks that can be copied for each of the "
                                          r"ensemble=2 members .*got \['Locked'\]"):
        Translator(Seq2SeqConfig(**CFG, ensemble=2)).fit(S, T, baselines=False, callbacks=[Locked()])


def _train_args(*flags):
    from rnnkit.cli.main import build_parser

    return build_parser().parse_args(["translate", "train", "--dataset", "trans-de-en", "--out", "x", *flags])


def test_the_memory_estimate_counts_every_member(monkeypatch):
    from rnnkit.cli import common
    from rnnkit.cli.translate import COMMAND

    one, four = COMMAND.memory_need(_train_args()), COMMAND.memory_need(_train_args("--ensemble", "4"))
    assert four > one            # three more networks held: 4 bytes a weight each
    monkeypatch.setattr(common, "available_memory", lambda device="cpu": four - 1)
    common.check_memory(_train_args("--ensemble", "1"), COMMAND.memory_need, COMMAND.size_flags)   # one fits
    with pytest.raises(ConfigError, match=r"^--ensemble: expected a size that fits in memory .* got 4"):
        common.check_memory(_train_args("--ensemble", "4"), COMMAND.memory_need, COMMAND.size_flags)
