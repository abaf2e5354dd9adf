"""The time-series classifier's configuration (:class:`TSCConfig`, saved in a run's config.json); the model is
:mod:`rnnkit.tasks.tsc`, which imports it from here: the config (and every ``rnnkit tsc ... --help``, whose train
flags are built from it) needs no torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import SimpleNamespace

from rnnkit._validate import check_choice, check_number, plain_fields
from rnnkit.errors import ConfigError
from rnnkit.tasks.config_checks import CELLS, POOLINGS, check_training
from rnnkit.tasks.runs import added_field

__all__ = ["TSCConfig"]


@dataclass(frozen=True)
class TSCConfig:
    """Everything that defines a time-series classifier run (saved in the run's config.json)."""

    model: str = added_field("auto", absent="rnn")   # "auto" (the network, or 1-NN when it validates
    #                                 better: tsc_auto.choose), "rnn", or "feedforward" (the one-to-one control)
    cell: str = "lstm"
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "mean"           # "last", "max" or "mean" over the valid steps
    patch: int | None = added_field(None, absent=1)  # windows of this many steps as one input step (None:
    #                                 ceil(T / 64) for a recurrent model, 1 for feedforward)
    dropout: float = 0.1
    max_len: int | None = None      # steps per series (None: all); longer: truncate (warning) or error. Was
    #                                 2000 before session 9's review: with the derived patch the recurrence sees
    #                                 <= 64 steps anyway, and the cap hid the tail of HandOutlines/Rock (2,709/2,844)
    on_long: str = "truncate"
    epochs: int | None = added_field(None, absent=60)      # None: >= 1,000 optimizer steps (tsc_auto)
    batch_size: int | None = added_field(None, absent=32)  # None: min(32, max(4, n // 4))
    lr: float = 3e-3
    weight_decay: float = 1e-4
    clip: float = 1.0
    patience: int | None = added_field(None, absent=15)    # None: a quarter of the epochs
    val_fraction: float = 0.1
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("model", self.model, ("auto", "rnn", "feedforward"))
        check_choice("cell", self.cell, CELLS)
        check_choice("pooling", self.pooling, POOLINGS)
        if self.model == "feedforward" and self.pooling == "last":
            raise ConfigError("pooling: expected 'max' or 'mean' with model='feedforward' (neither read: it pools its "
                              "inputs' mean, max and std whatever the pooling; no recurrence, no last state), got 'last'")
        derived = ("epochs", "batch_size", "patience", "patch")   # None: derived from the training set
        for name in derived:   # epochs=0 meaning 'derived' (as the CLI's 0) or 'no training': say which is None
            try:
                check_number(name, getattr(self, name), lo=1, integer=True, allow_none=True)
            except ConfigError as e:
                raise ConfigError(f"{e} (None: derived from the training set)") from None
        check_training(SimpleNamespace(**{**asdict(self), **{k: 1 for k in derived}}),
                       ints=("hidden_size", "num_layers"), bools=("bidirectional",))
        plain_fields(self)   # checked numpy scalars (np.int64(3), np.True_) stored as the Python values they hold
