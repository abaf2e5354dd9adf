"""The character (or subword) language model: network and the task (see the package docstring); its config is
:mod:`rnnkit.tasks.generation_config` (imported here, as before)."""

from __future__ import annotations

import copy
import math
import time
import unicodedata
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._memory import require_memory
from rnnkit._validate import SEED_END
from rnnkit.data.subword import BPEVocab, segments
from rnnkit.data.vocab import PAD, UNK, Vocab, tokenize
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.base import Task, WallClock
from rnnkit.tasks.common import check_choice, check_mode_settings, check_number, run_vocab, task_layer
from rnnkit.tasks.generation.carry import CarriedState
from rnnkit.tasks.generation_config import (  # noqa: F401 - the config's choices, here before session 28
    LM_CELLS, LM_PRECISIONS, LM_SCHEDULES, LM_UNITS, CharLMConfig,
)
from rnnkit.tasks.task_parts import network_budget
from rnnkit.tasks.generation.data import StreamRounds, check_text, stream_matrix
from rnnkit.tasks.generation.ngram import NGramCharModel
from rnnkit.tasks.generation.scoring import LN2, measure_seconds, stream_bits

__all__ = ["CharLMConfig", "CharLMNet", "CharLM", "check_sampling", "LM_CELLS"]

TASK = "generate"
UNKNOWN = ("error", "unk")
#: Units of a prompt read in one network call by :meth:`CharLM.sample` (the state carried between calls): one call
#: over a whole prompt of 262,144 characters failed in torch's CPU LSTM at the default hidden size 512 (oneDNN:
#: 'could not create a primitive'; the limit falls as hidden_size grows).
PROMPT_STEPS = 4096


#: Settings that act under one value of another only: name -> (that setting, its value).
MODE_SETTINGS = {"bpe_vocab": ("units", "bpe"), "warmup": ("schedule", "cosine"), "lr_decay": ("schedule", "plateau"),
                 "lr_patience": ("schedule", "plateau")}


class CharLMNet(nn.Module):
    """The network only: ids ``(B, T)`` and a state (``None``: zeros) -> logits ``(B, T, V)`` and the new
    state. Embedding -> stacked rnnkit LSTM/GRU -> dropout -> linear."""

    def __init__(self, n_chars: int, cfg: CharLMConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(n_chars, cfg.embed_dim)
        self.rnn = task_layer(cfg.cell, cfg.embed_dim, cfg.hidden_size, LM_CELLS, num_layers=cfg.num_layers,
                              dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.hidden_size, n_chars)

    def forward(self, ids: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        out, state = self.rnn(self.embed(ids), state)
        return self.head(self.drop(out)), state


#: Bytes a generated character costs while sampling: its unit id in a list, the decoded character in
#: another, the text itself (a floor; one character per step).
BYTES_PER_CHAR = 24


def check_sampling(length: Any, temperature: Any, top_k: Any) -> None:
    """ConfigError unless ``length >= 1`` (and its text fits in memory), ``temperature > 0`` and ``top_k``
    is None or ``>= 1``."""
    check_number("length", length, lo=1, integer=True)
    require_memory("length", BYTES_PER_CHAR * int(length), length, "a length whose text fits in memory")
    check_number("temperature", temperature, lo=0, lo_open=True)
    check_number("top_k", top_k, lo=1, integer=True, allow_none=True)


def check_seed(seed: Any) -> int | None:
    """``seed`` as an int (numpy ints too) if it is a seed ``torch.Generator.manual_seed`` takes, or None."""
    check_number("seed", seed, lo=-2 ** 63, hi=SEED_END - 1, integer=True, allow_none=True)
    return None if seed is None else int(seed)


def prompt_seed(seed: int | None, i: int) -> int | None:
    """The seed of prompt ``i`` of a ``predict`` seeded with ``seed``: ``seed + i`` modulo 2**64, as train's derived
    seeds wrap (:data:`~rnnkit._validate.SEED_END`); torch reads a negative seed as that same residue, so every
    seed that worked before samples as before (``seed=2**64 - 1`` with two prompts was refused).

    >>> prompt_seed(5, 2), prompt_seed(2 ** 64 - 1, 1), prompt_seed(None, 3)
    (7, 0, None)
    """
    return None if seed is None else (seed + i) % SEED_END


class CharLM(Task):
    """A character language model (the task contract of :mod:`rnnkit.tasks.base`): ``fit(text,
    val_text)`` (the network and the n-gram baseline), ``predict(prompts, length, ...)`` (one
    continuation per prompt), ``sample(prompt, length, temperature, top_k, seed)``, ``bits_per_char(text)``,
    ``evaluate(text)``, ``save`` / ``load``.

    >>> lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1,
    ...                          chunks_per_round=2, progress=False)).fit("abcab" * 20)
    >>> len(lm.sample("ab", length=7, top_k=1))
    7
    """

    name = TASK
    config_class = CharLMConfig
    noun, input_name, target_name = "char LM", "text", None
    unseen_note = "{n} character(s) of the text are ones training never saw {names}: read as <unk> and scored as it"
    baseline_types = {"ngram": NGramCharModel}

    def __init__(self, config: CharLMConfig | None = None) -> None:
        super().__init__(config)
        self.chars: Vocab | BPEVocab | None = None   # the units: characters, or subwords (units="bpe")

    def check_inputs(self, inputs: Any, what: str) -> str:
        return check_text(inputs, what)

    def _set_units(self, vocab: "Vocab | BPEVocab") -> None:
        self.chars = vocab
        # characters each unit id covers (<pad> none): bits are divided by these, never by units
        lengths = vocab.char_lengths if isinstance(vocab, BPEVocab) else [0 if t == PAD else 1 for t in vocab.tokens]
        self.unit_chars = torch.tensor(lengths, dtype=torch.long)

    # -------------------------------------------------------------- encoding
    def unseen_chars(self, text: str) -> list[str]:
        """The distinct characters of ``text`` (NFC) that training never saw, sorted."""
        if isinstance(self.chars, BPEVocab):
            return self.chars.unseen(text)
        return sorted({c for c in tokenize(text, "chars") if c not in self.chars.index or c in (PAD, UNK)})

    def encode(self, text: str, unknown: str = "unk", what: str = "text", blank: bool = False) -> Tensor:
        """Unit ids of ``text`` (NFC): characters, or subwords when ``units="bpe"``.
        ``unknown="unk"`` reads unseen characters as ``<unk>`` (one per character); ``"error"`` raises
        DataError naming them. ``blank``: white space alone is a text too (a prompt of one newline)."""
        if self.chars is None:
            raise ConfigError("model: expected a fitted char LM (call fit, or take load's result: lm = CharLM.load(path)), "
                              "got an unfitted one")
        check_choice("unknown", unknown, UNKNOWN)
        text = check_text(text, what, blank)
        unseen = self.unseen_chars(text) if unknown == "error" else []
        if unseen:
            raise DataError(f"{what}: expected characters seen in training, got {len(unseen)} unseen "
                            f"{unseen[:10]}; pass unknown='unk' (CLI: --unknown unk) to read them as <unk>")
        units = text if isinstance(self.chars, BPEVocab) else tokenize(text, "chars")
        ids = self.chars.encode(units)
        return torch.tensor(ids, dtype=torch.long)

    # -------------------------------------------------------------- training
    def fit(self, text: str, val_text: str | None = None, *, baselines: bool | dict[str, Any] = True,
            callbacks: Any = (), checkpoint_dir: Any = None, resume: bool = False) -> "CharLM":
        """Train on ``text`` (truncated BPTT over ``batch_size`` streams, see the package docstring);
        ``val_text`` (held-out) gives the bits/char curve, the LR decay and early stopping, and the
        best round's weights are kept (without it, the last weights). The n-gram baseline is fitted
        on ``text`` too. ``checkpoint_dir`` / ``resume``: as :meth:`Task.fit` -- a checkpoint after every round,
        holding the state carried into the next round and the reset generator's (:mod:`.carry`), so a resumed fit
        ends with the uninterrupted fit's model (one with ``max_seconds`` is refused: it counts wall time)."""
        check_mode_settings(self.config, MODE_SETTINGS)
        if val_text == "":                 # none; white space alone is refused (it trained without validation)
            val_text = None
        if val_text is not None:
            check_text(val_text, "val_text")
        if isinstance(text, str) and len(one := set(text) - {"\n", "\r"}) == 1 and not min(one).isspace():   # exit 0
            raise DataError(f"text: expected at least 2 different characters besides line breaks (one alone is "
                            f"predicted from the start: nothing to learn), got only {min(one)!r} ("
                            f"{text.count(min(one)):,} times in the training text)")
        if isinstance(text, str) and (baselines is True or isinstance(baselines, dict)):  # else refused by fit
            chosen = self.default_baselines() if baselines is True else baselines
            for b in chosen.values():   # an n-gram too big for memory: said now, not by the OOM killer after training
                if isinstance(b, NGramCharModel):
                    b.check_memory(text)
        return super().fit(text, None, val_text, None, baselines=baselines, callbacks=callbacks,
                           checkpoint_dir=checkpoint_dir, resume=resume)

    def _fit(self, train, val, callbacks) -> None:
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, ScheduleConfig, TrainConfig, Trainer
        from rnnkit.training.callbacks import WarmupCosine
        from rnnkit.training.stages import next_stage

        c = self.config
        t0 = time.perf_counter()   # the time budget includes learning the units and encoding
        text, val_text = train[0], None if val is None else val[0]
        if c.units == "bpe":
            self._set_units(BPEVocab.train(text, c.bpe_vocab))
            if len(self.chars) > c.bpe_vocab:   # the run said 40 units and had 102 (no merge), silently
                warnings.warn(f"bpe_vocab: {c.bpe_vocab} is below the {len(self.chars)} units of the training text's "
                              f"characters and the 2 specials, which BPE keeps all: {len(self.chars)} units, no merge "
                              "(raise bpe_vocab for subwords)", stacklevel=3)
        else:
            self._set_units(Vocab.build([tokenize(text, "chars")], min_freq=c.min_freq))
        if len(self.chars) <= sum(i is not None for i in (self.chars.pad_id, self.chars.unk_id)):
            raise DataError(f"min_freq: expected at least one training character seen {c.min_freq} times (there would "
                            f"be nothing to sample), got none in {len(text)} characters")
        ids = self.encode(text, "unk", "text")
        if len(ids) - 1 < c.batch_size:   # 'text: expected at least 33 characters for 32 streams' named no way out
            what = "subword units" if c.units == "bpe" else "characters"
            raise DataError(f"batch_size: expected at most {len(ids) - 1} streams (one scored unit each) for a training "
                            f"text of {len(ids)} {what}, got {c.batch_size} (lower it, or give more text)")
        x, y = stream_matrix(ids, c.batch_size)
        data = StreamRounds(x, y, c.bptt * c.chunks_per_round)
        val_ids = None
        if val_text is not None:
            val_ids = self.encode(val_text if c.val_chars is None else val_text[: c.val_chars], "unk", "val_text",
                                  blank=True)      # its first val_chars may be white space: checked whole above
        if val_ids is not None and len(val_ids) < 2:   # was trained without validation, silently
            if c.val_chars is not None and len(val_text) > c.val_chars:   # the cut made it one unit (val_chars=2 read
                raise DataError(f"val_chars: expected held-out characters that read as at least 2 units to score (one "
                                f"predicts the next), got {c.val_chars} characters read as {len(val_ids)} "
                                f"{'subword unit' if c.units == 'bpe' else 'unit'}(s): more of them")   # as 1 BPE unit)
            raise DataError(f"val_text: expected at least 2 units to score (one predicts the next), got {len(val_ids)}")
        has_val = val_ids is not None
        self.net = CharLMNet(len(self.chars), c)
        unit_chars = self.unit_chars
        carry = CarriedState((c.seed + 1) % SEED_END)   # the state between rounds and the reset draws: in every checkpoint

        def step_fn(model, chunk, state):
            xb, yb, start = chunk
            if state is None and int(start) > 0:  # first chunk of a round that continues the pass
                state = carry.state
            if c.reset_prob > 0 and state is not None:  # some streams restart from zeros (see the docs)
                keep = (torch.rand(xb.shape[0], 1, generator=carry.resets) >= c.reset_prob).to(xb.device)
                state = tuple(st * keep.to(st.dtype) for st in state) if isinstance(state, tuple) \
                    else state * keep.to(state.dtype)
            with torch.autocast(xb.device.type, dtype=torch.bfloat16, enabled=c.precision == "bf16"):
                logits, state = model(xb, state)
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), yb.reshape(-1))
            carry.keep(state)
            bpc = loss.detach() * yb.numel() / unit_chars[yb].sum() / LN2   # per character, also for subwords
            return loss, {"bits_per_char": bpc}, state

        def eval_fn(model, _data) -> dict[str, float]:
            return {"bits_per_char": stream_bits(model, val_ids, c.val_streams, c.bptt * 10, unit_chars)[0]}

        cbs = [*callbacks, WallClock(t0), carry]
        if c.schedule == "cosine":  # per step, to 0 after every round's steps or at the deadline, which ends first
            total = sum(math.ceil((min(data.start(e) + data.round_len, x.shape[1]) - data.start(e)) / c.bptt)
                        for e in range(c.rounds))
            cbs.append(WarmupCosine(total, deadline_seconds=c.max_seconds, start=t0, warmup=c.warmup))
        stage = next_stage(cbs)     # inside a checkpointed fit (train --resume): its run_dir (training.stages)
        reserve = measure_seconds(self.net, val_ids, c.val_streams, c.bptt * 10, unit_chars) \
            if has_val and c.max_seconds is not None else 0.0    # the first measurement fits in the budget too
        cfg = TrainConfig(
            epochs=c.rounds, optim=OptimConfig("adam", lr=c.lr, weight_decay=c.weight_decay),
            schedule=ScheduleConfig("plateau", gamma=c.lr_decay, patience=c.lr_patience - 1)
            if has_val and c.schedule == "plateau" else ScheduleConfig("none"),
            early_stopping=EarlyStoppingConfig("val_bits_per_char", "min",
                                               patience=c.patience if c.patience is not None else c.rounds + 1)
            if has_val else None,
            tbptt_k=c.bptt, time_dim=1, clip_norm=c.clip, seed=c.seed, quiet=not c.progress,
            max_seconds=network_budget(self, t0),
            **({"keep_checkpoints": 1} if stage.run_dir else {}))
        trainer = Trainer(self.net, step_fn=step_fn, eval_fn=eval_fn if has_val else None, config=cfg, callbacks=cbs,
                          **stage.trainer_kwargs())
        trainer.last_eval_seconds = reserve     # kept for a validation by the budget (later: the last one's time)
        result = trainer.fit(data, [None] if has_val else None, **stage.fit_kwargs())
        stage.end(trainer)
        self.net.eval()
        self.epoch_log = list(result.history)
        curve = [{"round": r["epoch"], "steps": r["step"], "wall_s": r["wall_s"],
                  "val_bits_per_char": r.get("val_bits_per_char"), "train_bits_per_char": r.get("train_bits_per_char"),
                  "lr": r.get("lr"), "chars_seen": data.chars_after(r["step"], c.bptt, unit_chars)}
                 for r in result.history]
        self.history = {"curve": curve, "rounds": result.epochs_run, "steps": result.global_step,
                        "best": result.best, "seconds": time.perf_counter() - t0, "stop_reason": result.stop_reason,
                        "train_chars": len(text), "train_units": len(ids),
                        "val_chars": None if val_ids is None else len(val_text[: c.val_chars])}  # the scored ones

    def default_baselines(self) -> dict[str, Any]:
        # the n-gram reads rarer characters as <unk>, as the network does: min_freq 1 beside a network with 40 scored
        # each rare character itself against the network's one <unk> guess (0.20 bits/char harder, silently)
        return {"ngram": NGramCharModel(3, self.config.min_freq)}

    def fit_baseline(self, baseline: Any, inputs: str, targets: None) -> Any:
        return baseline.fit(inputs)

    # -------------------------------------------------------------- scoring
    def bits_per_char(self, text: str, streams: int = 1, chunk: int = 1000) -> float:
        """Mean ``-log2 p(c_t | c_<t)`` over ``t >= 1`` (unseen characters read as ``<unk>``). With
        ``streams > 1`` the text is cut into that many pieces scored side by side (faster; each piece
        starts from a zero state, so it is slightly higher than the exact ``streams=1`` value)."""
        self._require_fitted()
        return self.score(check_text(text, "text"), None, streams=streams, chunk=chunk)["bits_per_char"]

    def evaluate(self, text: str, targets: None = None, *, baselines: bool = True, streams: int = 1,
                 chunk: int = 1000, dynamic_lr: float | None = None, dynamic_decay: float = 0.0) -> dict[str, Any]:
        """``{"bits_per_char", "chars_scored", "units_scored", "unknown_chars", "unseen_labels",
        "unseen_label_names"}`` on ``text`` (unseen characters are read as ``<unk>``, scored, and counted),
        and the n-gram baseline's ``{"baselines": {"ngram": {"bits_per_char", "order"}}}``.

        ``dynamic_lr``: **dynamic evaluation** (Krause et al., 2018) -- the text is read in segments
        of ``bptt`` units; each segment is scored first, then a copy of the network takes one SGD
        step (lr ``dynamic_lr``, gradient norm clipped at ``clip``) on it, and moves ``dynamic_decay``
        of the way back to the trained weights. Every unit is still predicted before the model has
        seen it, so this is an online code length, but one that adapts to the text; the model itself
        is left unchanged. With ``streams > 1`` the pieces are read side by side and adapt one shared
        copy, so a piece also learns from text that comes later in the others (an online code in the
        interleaved order, not the text's); ``streams=1`` (default) is the exact protocol.
        ``None`` (default): the static score. ``targets``: none (a text is its own target)."""
        return super().evaluate(text, targets, baselines=baselines, streams=streams, chunk=chunk,
                                dynamic_lr=dynamic_lr, dynamic_decay=dynamic_decay)

    @torch.no_grad()
    def score(self, text: str, targets: None, streams: int = 1, chunk: int = 1000, dynamic_lr: float | None = None,
              dynamic_decay: float = 0.0) -> dict[str, Any]:
        check_number("streams", streams, lo=1, integer=True)
        check_number("chunk", chunk, lo=1, integer=True)
        # a rate beyond float32 failed inside torch's update (RuntimeError), one just below it scored NaN
        check_number("dynamic_lr", dynamic_lr, lo=0, lo_open=True, hi=torch.finfo(torch.float32).max, allow_none=True)
        check_number("dynamic_decay", dynamic_decay, lo=0, hi=1)
        if dynamic_lr is None and dynamic_decay != 0:     # it acts only in dynamic evaluation: never silently dropped
            raise ConfigError(f"dynamic_decay: expected 0 without dynamic_lr (the decay of dynamic evaluation), got "
                              f"{dynamic_decay}")
        ids = self.encode(text, "unk")
        if len(ids) < 2:
            what = "subword units" if self.config.units == "bpe" else "characters"
            raise DataError(f"text: expected at least 2 {what} to score, got {len(ids)}")
        if streams > len(ids) - 1:      # each stream scores one unit at least: more would be capped silently
            raise ConfigError(f"streams: expected at most {len(ids) - 1} (one scored unit a stream) for a text of "
                              f"{len(ids)} units, got {streams}")
        self.net.eval()
        if dynamic_lr is None:
            bpc, n = stream_bits(self.net, ids, streams, chunk, self.unit_chars)
        else:
            bpc, n = stream_bits(copy.deepcopy(self.net), ids, streams, self.config.bptt, self.unit_chars,
                                 dynamic=(dynamic_lr, dynamic_decay, self.config.clip))
            if not math.isfinite(bpc):   # the adapted copy's weights overflowed: NaN was reported as a score
                raise ConfigError(f"dynamic_lr: expected a rate at which the adapted copy stays finite, got "
                                  f"{dynamic_lr:g} (bits per character {bpc})")
        unknown = int((ids[1:] == self.chars.unk_id).sum())   # the scored units' (the first has no context)
        out = {"bits_per_char": bpc, "chars_scored": n, "units_scored": len(ids) - 1, "unknown_chars": unknown,
               "unseen_labels": unknown, "unseen_label_names": self.unseen_chars(text)[:20],
               "streams": streams}   # train scores in 16 (faster), evaluate in 1 (exact): the figures differ
        if dynamic_lr is not None:
            out["dynamic"] = {"lr": dynamic_lr, "decay": dynamic_decay, "segment": self.config.bptt}
        return out

    def score_baseline(self, baseline: Any, text: str, targets: None) -> dict[str, Any]:
        return {"bits_per_char": baseline.bits_per_char(text), "order": baseline.order}

    # -------------------------------------------------------------- sampling
    def predict(self, prompts: Any, length: int = 200, temperature: float = 1.0, top_k: int | None = None,
                seed: int | None = None, unknown: str = "error", max_seconds: float | None = None) -> list[str]:
        """One continuation of ``length`` characters per prompt, in input order (prompt ``i`` is sampled
        with ``seed + i`` when ``seed`` is given); see :meth:`sample` (``max_seconds``: each continuation's)."""
        prompts, seed = self.check_prompts(prompts, seed, unknown)
        check_number("max_seconds", max_seconds, lo=0, lo_open=True, allow_none=True)   # before any prompt's sampling
        return [self.sample(p, length, temperature, top_k, prompt_seed(seed, i), unknown, max_seconds)
                for i, p in enumerate(prompts)]

    def check_prompts(self, prompts: Any, seed: Any = None, unknown: str = "error") -> tuple[list[str], int | None]:
        """``(prompts, seed)`` checked as :meth:`predict` checks them before sampling any: a list of texts, a seed
        for each (``seed + i``), every character seen in training unless ``unknown="unk"`` (each error names
        ``prompts[i]``). The CLI checks all of them first, then samples them part by part."""
        from rnnkit.tasks.common import check_texts

        prompts = check_texts(prompts, "prompts", blank=True)   # as sample: "\n" is a fine prompt
        seed = check_seed(seed)
        self._require_fitted()
        for i, p in enumerate(prompts):   # all first, each named: an unseen character said 'prompt', after the others
            self.encode(p, unknown, f"prompts[{i}]", blank=True)
        return prompts, seed

    @torch.no_grad()
    def sample(self, prompt: str, length: int, temperature: float = 1.0, top_k: int | None = None,
               seed: int | None = None, unknown: str = "error", max_seconds: float | None = None) -> str:
        """``length`` characters continuing ``prompt``: at each step the next-unit distribution is
        ``softmax(logits / temperature)`` restricted to the ``top_k`` most likely units (characters,
        or subwords with ``units="bpe"``; ``top_k=1``: greedy, whatever the seed), sampled with a
        generator seeded by ``seed``. ``<pad>``/``<unk>`` are never produced. Subword units are drawn
        until ``length`` characters exist and the last one is cut to fit. Returns the continuation only.

        **Subword prompts end where a unit may not** (``units="bpe"``): training cut ``" cat"`` into one
        unit, so a prompt ``"the ca"`` ends in units (``" ca"`` or ``" c"``, ``"a"``) that training never saw
        followed by ``"t"`` -- it was continued ``"the ca "`` 200 times of 200. So the prompt's last
        pre-split piece (the partial word) is taken back and the first unit drawn is one that spells all
        of it and goes on (``" cat"``; where no unit does, the piece's own units are read first, as it was
        cut), see :meth:`_heal`; a one-piece prompt has no context to start from and is read as it is.

        ``max_seconds``: a wall-clock budget; sampling stops when it is spent, with a warning saying how many of the
        ``length`` characters were made (a length the memory holds could take hours: one network step a unit)."""
        self._require_fitted()
        check_sampling(length, temperature, top_k)
        check_number("max_seconds", max_seconds, lo=0, lo_open=True, allow_none=True)
        deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        seed = check_seed(seed)
        ids = self.encode(prompt, unknown, "prompt", blank=True)  # "\n" is a fine prompt, "" is none
        ids, pending = self._heal(prompt, ids)             # BPE: the units of the last word, spelled again
        forced = self.chars.decode(pending) if pending else ""
        gen = torch.Generator()
        if seed is None:
            gen.seed()                                     # fresh entropy; the global RNG is left alone
        else:
            gen.manual_seed(seed)
        self.net.eval()
        banned = [i for i in (self.chars.pad_id, self.chars.unk_id) if i is not None]
        if top_k is not None and 1 < top_k >= len(self.chars) - len(banned):   # legal, but restricts nothing
            warnings.warn(f"top_k: {top_k} is at least the run's {len(self.chars) - len(banned)} units, so it restricts "
                          "nothing (every unit may be drawn); a smaller top_k samples among the most likely",
                          stacklevel=3)
        state = None   # the prompt read PROMPT_STEPS units at a time, the state carried (one call over a
        for at in range(0, len(ids), PROMPT_STEPS):   # 262,144-character prompt failed in oneDNN's LSTM)
            logits, state = self.net(ids[at: at + PROMPT_STEPS].unsqueeze(0), state)
        last = logits[0, -1]
        out: list[int] = []
        made = 0
        while made < length:
            scores = last.clone()
            scores[banned] = float("-inf")                 # never emit <pad>/<unk>
            need = self.chars.decode(pending) if pending else ""
            if need:                                       # only units that spell all the rest and go on ...
                scores[self._spelling_mask(need)] = float("-inf")
                if bool(torch.isinf(scores).all()):        # ... else the piece's own next unit, as it was cut
                    nxt = pending.pop(0)
                    out.append(nxt)
                    logits, state = self.net(torch.tensor([[nxt]]), state)
                    last = logits[0, -1]
                    continue
            if top_k is not None and top_k < scores.numel():
                kth = torch.topk(scores, top_k).values[-1]
                scores[scores < kth] = float("-inf")       # keep the top_k most likely (ties kept)
            if top_k == 1:
                nxt = int(torch.argmax(scores))            # greedy: no randomness at all
            else:
                # shifted so the best unit scores 0, divided in float64: any finite temperature > 0 gives
                # a distribution (1e-40 overflowed float32 to inf/inf = NaN; 1e300 made -inf/inf = NaN)
                probs = torch.softmax((scores - scores.max()).double() / temperature, -1)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
            out.append(nxt)
            made += int(self.unit_chars[nxt]) - len(need)  # the piece's characters are the prompt's, not new
            pending = []
            if made >= length:
                break
            if deadline is not None and time.perf_counter() > deadline:
                warnings.warn(f"{TASK}: sampling stopped by max_seconds={max_seconds} after {made} of {length} "
                              "characters", stacklevel=3)   # the caller, past no_grad's wrapper
                break
            logits, state = self.net(torch.tensor([[nxt]]), state)   # one step, state carried
            last = logits[0, -1]
        if isinstance(self.chars, BPEVocab):
            return self.chars.decode(out)[len(forced):][:length]
        return "".join(self.chars.decode(out))

    def _heal(self, prompt: str, ids: Tensor) -> tuple[Tensor, list[int]]:
        """Subword units: ``(ids without the units of the prompt's last pre-split piece, those units)`` --
        pieces never cross a pre-split boundary, so the units before the piece are what training would
        have cut whatever follows, while the piece's own units depend on what follows (``" ca"`` +
        ``"t"`` is the unit ``" cat"``). :meth:`sample` then draws, while the piece is not spelled, among
        the units that spell all of its rest and go on, or (none does) takes its next unit as cut.
        ``(ids, [])`` for characters, a prompt of one piece (nothing to read before it) and a piece with
        an unknown character (no unit spells it)."""
        if not isinstance(self.chars, BPEVocab) or len(ids) < 2:
            return ids, []
        last = segments(unicodedata.normalize("NFC", prompt))[-1]
        piece = self.chars.tok.pre_tokenizer.pre_tokenize_str(last)[-1][0]
        tail = self.chars.encode(piece)
        if not 0 < len(tail) < len(ids) or self.chars.unk_id in tail or ids[-len(tail):].tolist() != tail:
            return ids, []
        return ids[: len(ids) - len(tail)], tail

    def _spelling_mask(self, need: str) -> Tensor:
        """True for each unit that does not start with all of ``need``."""
        return torch.tensor([not t.startswith(need) for t in self.chars.pieces(range(len(self.chars)))])

    # -------------------------------------------------------------- persistence
    def _vocabs(self) -> dict[str, Any]:
        return {self.config.units: self.chars}

    def _restore(self, run) -> None:
        units = self.config.units
        self._set_units(run_vocab(run, units, BPEVocab if units == "bpe" else Vocab))
        self.net = CharLMNet(len(self.chars), self.config)
