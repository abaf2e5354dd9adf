"""The character language model's configuration (:class:`CharLMConfig`, saved in a run's config.json) and the choices
it is checked against; the model is :mod:`rnnkit.tasks.generation.lm`, which imports them from here: the config (and
every ``rnnkit generate ... --help``, whose train flags are built from it) needs no torch."""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit._validate import SEED_END, check_bool, check_choice, check_number, plain_fields
from rnnkit.errors import ConfigError

__all__ = ["CharLMConfig", "LM_CELLS", "LM_SCHEDULES", "LM_PRECISIONS", "LM_UNITS"]

LM_CELLS = ("lstm", "gru")
LM_SCHEDULES = ("plateau", "cosine")
LM_PRECISIONS = ("fp32", "bf16")
LM_UNITS = ("chars", "bpe")


@dataclass(frozen=True)
class CharLMConfig:
    """Everything that defines a character LM run (saved in the run's config.json)."""

    cell: str = "lstm"            # lstm | gru (rnnkit layers; torch's fused kernels when they apply)
    units: str = "chars"          # chars | bpe: subword units learned on the training text (bits stay per char)
    bpe_vocab: int = 1024         # bpe: vocabulary size (specials and every training character included)
    embed_dim: int = 64
    hidden_size: int = 512
    num_layers: int = 1
    dropout: float = 0.0          # between stacked layers and before the output layer
    min_freq: int = 1             # rarer training characters are read as <unk>
    batch_size: int = 32          # B parallel streams
    bptt: int = 100               # k: steps per chunk (gradient truncation length)
    chunks_per_round: int = 50    # chunks (optimizer steps) between two held-out measurements
    rounds: int = 1000            # at most this many rounds (the time budget usually stops first)
    max_seconds: float | None = None  # wall-clock budget for fit (training + held-out measurements)
    val_chars: int | None = 100_000   # held-out characters scored after each round (None: all)
    val_streams: int = 16         # parallel streams used to score held-out text during training
    lr: float = 3e-3
    schedule: str = "plateau"     # plateau: decay on held-out stalls | cosine: warmup, then cosine to 0
    warmup: float = 0.02          # cosine: fraction of the budget spent ramping the lr up linearly
    lr_decay: float = 0.5         # plateau: multiply the lr by this when held-out bits/char stops improving
    lr_patience: int = 1          # plateau: rounds without improvement before the lr decays
    reset_prob: float = 0.0       # chance per chunk and stream that the carried state restarts from zeros
    precision: str = "fp32"       # fp32 | bf16 (autocast for training steps; scoring stays fp32)
    patience: int | None = None   # stop after this many rounds without improvement (None: never)
    weight_decay: float = 0.0
    clip: float = 1.0             # global gradient-norm clipping
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("cell", self.cell, LM_CELLS)
        check_choice("units", self.units, LM_UNITS)
        check_number("bpe_vocab", self.bpe_vocab, lo=3, integer=True)
        if self.units == "bpe" and self.min_freq != 1:
            raise ConfigError(f"min_freq: applies to units='chars' only (BPE keeps every training character), "
                              f"expected 1 with units='bpe', got {self.min_freq!r}")
        check_choice("schedule", self.schedule, LM_SCHEDULES)
        check_choice("precision", self.precision, LM_PRECISIONS)
        check_number("warmup", self.warmup, lo=0, hi=0.5)
        check_number("reset_prob", self.reset_prob, lo=0, hi=1)
        check_bool("progress", self.progress)
        for name in ("embed_dim", "hidden_size", "num_layers", "min_freq", "batch_size", "bptt",
                     "chunks_per_round", "rounds", "val_streams", "lr_patience"):
            check_number(name, getattr(self, name), lo=1, integer=True)
        check_number("patience", self.patience, lo=1, integer=True, allow_none=True)
        check_number("val_chars", self.val_chars, lo=2, integer=True, allow_none=True)
        check_number("max_seconds", self.max_seconds, lo=0, lo_open=True, allow_none=True)
        check_number("dropout", self.dropout, lo=0, hi=0.95)
        check_number("lr", self.lr, lo=0, lo_open=True)
        check_number("lr_decay", self.lr_decay, lo=0, hi=1, lo_open=True)
        if self.schedule == "plateau" and self.lr_decay == 1:   # torch's ReduceLROnPlateau: 'Factor should be < 1.0.'
            raise ConfigError(f"lr_decay: expected a number in (0, 1) with schedule='plateau' (the factor the lr is "
                              f"multiplied by when it stalls; 1 never lowers it), got {self.lr_decay}")
        check_number("weight_decay", self.weight_decay, lo=0)
        check_number("clip", self.clip, lo=0, lo_open=True)
        check_number("seed", self.seed, lo=0, hi=SEED_END - 1, integer=True)  # (seed + 1) mod 2**64 seeds the resets
        plain_fields(self)   # checked numpy scalars (np.int64(3), np.True_) stored as the Python values they hold
