"""The translator's configuration (:class:`Seq2SeqConfig`, saved in a run's config.json) and the choices it is checked
against; the model is :mod:`rnnkit.tasks.seq2seq`, which imports them from here: the config (and every ``rnnkit
translate ... --help``, whose train flags are built from it) needs no torch."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rnnkit._validate import SEED_END, check_bool, check_choice, check_number, plain_fields
from rnnkit.data.batching import ON_LONG
from rnnkit.errors import ConfigError
from rnnkit.tasks.runs import added_field

__all__ = ["Seq2SeqConfig", "check_decode", "BLEU_TOKENIZERS", "MODELS", "DECODES", "MAX_BEAM", "MAX_ENSEMBLE"]

BLEU_TOKENIZERS = ("13a", "intl", "char", "zh", "none")
#: ``Seq2SeqConfig.model``: the word-level dictionary-aware pointer-generator (the default) or the char model.
MODELS = ("dict-pointer", "char")
#: ``Seq2SeqConfig.decode``: the beam's best output, the MBR choice among its n-best (:mod:`rnnkit.tasks.seq2seq_mbr`),
#: or (dict-pointer) the n-best reranked with a reverse IBM-1 channel model (:mod:`rnnkit.tasks.seq2seq_channel`).
DECODES = ("beam", "mbr", "channel")
#: The widest beam: a beam of width k decodes B * k rows every step, and nothing bounded it (beam=10**6 decoded
#: one 3-character source for 60 s on an 8-unit char network; the work grows with k and the network).
MAX_BEAM = 1000
#: The most members of an ensemble (each is a whole fit; decoding runs every member at each step).
MAX_ENSEMBLE = 16


def check_decode(decode: str, model: str) -> str:
    """``decode`` if it is one of :data:`DECODES` that ``model`` has (``"channel"``: the dict-pointer's only)."""
    check_choice("decode", decode, DECODES)
    if decode == "channel" and model == "char":
        raise ConfigError("decode: expected 'beam' or 'mbr' for model='char' ('channel' reranks the dict-pointer's "
                          "n-best), got 'channel'")
    return decode


def check_lexicon(lexicon: object, model: str) -> str | None:
    """``lexicon``: None, or a non-blank str ('trans-de-en' or a file path) or ``os.PathLike`` (returned as its str:
    the run's config.json records it; ``Path`` was refused), and only for the dict-pointer."""
    if lexicon is None:
        return None
    if isinstance(lexicon, os.PathLike):
        lexicon = os.fspath(lexicon)            # a bytes path stays bytes: refused below, as b'...' itself
    if not isinstance(lexicon, str) or not lexicon.strip():
        raise ConfigError(f"lexicon: expected None, 'trans-de-en' or the path of a dictionary file, got {lexicon!r}")
    if model == "char":
        raise ConfigError(f"lexicon: expected None for model='char' (the dict-pointer's glosses use it), got {lexicon!r}")
    return lexicon


#: ``gloss_choice``: how a lexicon word's gloss is chosen among its translations (seq2seq_dictionary.choose).
GLOSS_CHOICES = ("count", "known")


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Everything that defines a translation run (saved in the run's config.json). ``model``: the
    word-level ``"dict-pointer"`` (:mod:`rnnkit.tasks.seq2seq_pointer`) or ``"char"`` (this module's
    network; its tuned settings were ``embed_dim=64, dropout=0.1, batch_size=64``); ``word_dropout``,
    ``label_smoothing``, ``min_count``, ``no_repeat_ngram``, ``repeat_top``, ``split_compounds``, ``derive_words`` and the
    ``warmup`` + cosine learning rate are the dict-pointer's; ``average_last`` (checkpoint averaging,
    :mod:`rnnkit.tasks.seq2seq_average`) and ``decode`` (``"beam"``, or ``"mbr"``: :meth:`Translator.translate`)
    apply to both models; ``decode="channel"`` (dict-pointer) reranks the beam's n-best by ``channel_weight`` times
    the reverse channel's log-probability of the source and ``channel_length`` times the output's length, both per
    source word (:mod:`rnnkit.tasks.seq2seq_channel`; ``channel_lexicon=True``, with a ``lexicon``: the channel
    explains a source word the training pairs never show by the words of the lexicon's gloss). ``ensemble=n`` (dict-pointer): ``n`` networks trained one
    after the other from seeds ``seed, seed + 1, ...`` (each ``epochs`` epochs, or an equal share of what is left of ``max_seconds``), decoded
    together by the mean of their next-word distributions (:mod:`rnnkit.tasks.seq2seq_pointer`; each member trains with
    its own callbacks: :mod:`rnnkit.tasks.seq2seq_members`). ``align_weight=w`` (dict-pointer, guided alignment):
    the training loss adds ``w`` times the attention's cross-entropy against IBM-1's alignment posteriors."""

    model: str = "dict-pointer"
    embed_dim: int = 128
    enc_hidden: int = 128         # per direction of the bidirectional encoder
    dec_hidden: int = 256
    dropout: float = 0.3
    word_dropout: float = 0.1     # dict-pointer: source / decoder input words -> <unk> in training
    label_smoothing: float = 0.1  # dict-pointer
    min_count: int = 2            # dict-pointer: training target words seen this often form the output vocabulary
    warmup: float = 0.03          # dict-pointer: share of the budget (epochs; max_seconds if it ends first) with a rising LR
    max_len: int = 200            # tokens (characters or words) per source (and target, in training)
    on_long: str = "truncate"
    epochs: int = 30
    batch_size: int = 32
    lr: float = 3e-3
    clip: float = 1.0
    patience: int = 4             # epochs without a better validation chrF before stopping
    val_fraction: float = 0.05    # of the training pairs, for early stopping (0: none)
    val_max: int = 300            # validation pairs decoded (greedy) after each epoch
    max_seconds: float | None = None  # wall-clock budget of fit (vocabularies, encoding, training; every step)
    beam: int = 5                 # default beam width of translate/evaluate (1: greedy)
    length_penalty: float | None = None  # alpha in score / len ** alpha (None: the model's, see ``alpha``)
    no_repeat_ngram: int = 2      # dict-pointer: an output never repeats an n-gram of this many words (0: off)
    repeat_top: int | None = 50   # dict-pointer: only the N most frequent target words may repeat (None: all)
    split_compounds: bool = True  # dict-pointer: gloss unknown words by case/inflection/compound analysis
    derive_words: bool = added_field(True, False)  # dict-pointer: ... and by word formation (seq2seq_morph)
    average_last: int = added_field(0, 0)  # mean weights of the last N epochs, kept if better on validation (0, 1: off)
    decode: str = added_field("beam", "beam")  # beam: the beam's best output; mbr: the chrF-MBR choice (seq2seq_mbr)
    channel_weight: float = added_field(0.06, 0.06)   # decode="channel": weight of log p_ch(x | y) / |x|
    channel_length: float = added_field(0.0, 0.0)     # decode="channel": weight of |y| / |x|
    channel_lexicon: bool = added_field(False, False)  # decode="channel", lexicon: the channel reads its glosses
    ensemble: int = added_field(1, 1)   # dict-pointer: networks from seeds seed, seed + 1, ... decoded as one
    align_weight: float = added_field(0.0, 0.0)  # dict-pointer: guided alignment toward IBM-1 posteriors (0: off)
    lexicon: str | None = added_field(None, None)  # dict-pointer: external dictionary for unknown words (seq2seq_dictionary)
    gloss_choice: str = added_field("count", "count")  # lexicon: a word's gloss, count (most often given) or known (seq2seq_dictionary.choose)
    max_decode_ratio: float = 2.0
    bleu_tokenize: str = "13a"
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        check_choice("model", self.model, MODELS)
        check_decode(self.decode, self.model)
        check_choice("on_long", self.on_long, ON_LONG)
        check_choice("gloss_choice", self.gloss_choice, GLOSS_CHOICES)
        check_choice("bleu_tokenize", self.bleu_tokenize, BLEU_TOKENIZERS)
        check_bool("progress", self.progress)
        check_bool("split_compounds", self.split_compounds)
        check_bool("derive_words", self.derive_words)
        check_bool("channel_lexicon", self.channel_lexicon)
        for name in ("embed_dim", "enc_hidden", "dec_hidden", "max_len", "epochs", "batch_size", "patience",
                     "val_max", "min_count"):
            check_number(name, getattr(self, name), lo=1, integer=True)
        check_number("beam", self.beam, lo=1, hi=MAX_BEAM, integer=True)
        for name in ("dropout", "word_dropout", "label_smoothing", "warmup"):
            check_number(name, getattr(self, name), lo=0, hi=0.95)
        check_number("lr", self.lr, lo=0, lo_open=True)
        check_number("clip", self.clip, lo=0, lo_open=True)
        check_number("val_fraction", self.val_fraction, lo=0, hi=0.5)
        check_number("max_seconds", self.max_seconds, lo=0, lo_open=True, allow_none=True)
        check_number("length_penalty", self.length_penalty, lo=0, hi=5, allow_none=True)
        check_number("max_decode_ratio", self.max_decode_ratio, lo=0, lo_open=True, hi=100)
        check_number("no_repeat_ngram", self.no_repeat_ngram, lo=0, integer=True)
        check_number("repeat_top", self.repeat_top, lo=0, integer=True, allow_none=True)
        check_number("average_last", self.average_last, lo=0, integer=True)
        check_number("ensemble", self.ensemble, lo=1, hi=MAX_ENSEMBLE, integer=True)
        # member j trains from torch seed (seed + j) modulo 2**64 (seq2seq.py): every seed torch takes, as every command
        check_number("seed", self.seed, lo=0, hi=SEED_END - 1, integer=True)
        check_number("align_weight", self.align_weight, lo=0, hi=10)
        check_number("channel_weight", self.channel_weight, lo=0, hi=100)
        check_number("channel_length", self.channel_length, lo=-100, hi=100)
        object.__setattr__(self, "lexicon", check_lexicon(self.lexicon, self.model))   # a Path stored as its str
        if self.lexicon is None and self.gloss_choice != GLOSS_CHOICES[0]:   # it chooses among a lexicon's glosses
            raise ConfigError(f"gloss_choice: expected {GLOSS_CHOICES[0]!r} (the default) without a lexicon, got "
                              f"{self.gloss_choice!r} (it picks a lexicon word's gloss; lexicon is None)")
        if self.lexicon is None and self.channel_lexicon:   # the channel would read glosses nobody has
            raise ConfigError("channel_lexicon: expected False without a lexicon (the channel reads the lexicon's "
                              "glosses; lexicon is None), got True")
        plain_fields(self)   # checked numpy scalars (np.int64(3), np.True_) stored as the Python values they hold

    @property
    def alpha(self) -> float:
        """The beam's length penalty: ``length_penalty``, else the model's own, chosen on validation pairs
        (char 1.0; dict-pointer 2.0: on 1,000 trans-de-en validation pairs beam 5 chrF 29.8 / 30.6 / 30.9 for
        alpha 1.0 / 1.5 / 2.0, the outputs 0.91 / 1.01 / 1.11 times the references' length)."""
        if self.length_penalty is not None:
            return float(self.length_penalty)
        return 1.0 if self.model == "char" else 2.0
