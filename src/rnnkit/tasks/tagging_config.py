"""The sequence tagger's configuration (:class:`TaggerConfig`, saved in a run's config.json); the model is
:mod:`rnnkit.tasks.tagging`, which imports it from here: the config (and every ``rnnkit tag ... --help``, whose train
flags are built from it) needs no torch."""

from __future__ import annotations

from dataclasses import dataclass

from rnnkit._validate import check_choice, check_number, plain_fields
from rnnkit.tasks.config_checks import CELLS, check_training

__all__ = ["TaggerConfig"]


@dataclass(frozen=True)
class TaggerConfig:
    """Everything that defines a tagger run (saved in the run's config.json)."""

    cell: str = "lstm"
    word_dim: int = 64
    char_dim: int = 32
    char_hidden: int = 32        # per direction of the character BiLSTM (0: no character features)
    hidden_size: int = 128       # per direction of the sentence BiLSTM
    num_layers: int = 1
    dropout: float = 0.3
    word_dropout: float = 0.1    # share of known words replaced by <unk> while training
    min_freq: int = 1
    max_len: int | None = 200    # tokens per sentence; longer: read in overlapping pieces (truncate, warning) or error
    on_long: str = "truncate"
    max_word_len: int = 30       # characters per word seen by the character BiLSTM (longer words: first 30)
    epochs: int = 30             # PKU POS (3,000 sentences) found its best epoch at 15-23
    batch_size: int = 32
    lr: float = 3e-3             # PKU POS: 0.916 (2e-3, 12 epochs: 0.902, still improving)
    weight_decay: float = 0.0
    clip: float = 5.0
    patience: int = 8            # optimus-ner dev F1 (training part, 3 seeds): 0.344 vs 0.312 with 4 (s12 D1)
    val_fraction: float = 0.1
    max_seconds: float | None = None  # wall-clock budget of the fit (vocabularies, encoding, training; every step)
    seed: int = 0
    constrained: bool = True     # BIO tag sets: best valid sequence (Viterbi) instead of per-token argmax
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("cell", self.cell, CELLS)
        check_training(self, ints=("word_dim", "char_dim", "hidden_size", "num_layers", "min_freq", "max_word_len"),
                       bools=("constrained",))
        check_number("char_hidden", self.char_hidden, lo=0, integer=True)
        check_number("word_dropout", self.word_dropout, lo=0, hi=0.95)
        plain_fields(self)   # checked numpy scalars (np.int64(3), np.True_) stored as the Python values they hold
