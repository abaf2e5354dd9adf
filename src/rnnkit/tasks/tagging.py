"""Many-to-many aligned: sequence tagging (part-of-speech, BIO entities, any tag set), with a
most-frequent-tag baseline.

Word representation = word embedding (casefolded word, ``<unk>`` for unseen ones) concatenated with a
character-level BiLSTM summary of the word as written (case kept) -- so an unseen word is still tagged
from its spelling (capitals, suffixes, digits, ``@``/``#``). Word dropout (replacing known words by
``<unk>`` during training) teaches the network to lean on the characters. Then a BiLSTM over the
sentence (valid steps only) and a linear layer per token. Loss and metrics ignore padding.

Decoding: per-token argmax, except for BIO tag sets with ``constrained=True`` (the default): then the
best *valid* tag sequence under the per-token log-probabilities (Viterbi over the allowed transitions:
``I-X`` only after ``B-X`` or ``I-X``, never first), so a prediction never holds an ``I-X`` that starts
nowhere (:func:`bio_constraints`, :func:`constrained_decode`). Training tags where ``I-X`` opens most entities
(IOB1), of all types or of one, are decoded per token instead, with a warning (:func:`iob1_openings`).

Metrics: token accuracy always; entity-level precision/recall/F1 (conlleval spans; IOBES's ``E-X``/``S-X`` as
seqeval's default mode reads them) when every tag is ``O`` or ``B-X``/``I-X``/``E-X``/``S-X``. Baseline (:class:`MostFrequentTag`): each training token's most frequent tag;
unseen tokens try the casefolded form, then take the most frequent tag overall.

>>> MostFrequentTag().fit([(["the", "Cat"], ["O", "B-animal"]), (["the"], ["O"])]).predict([["the", "cat"]])
[['O', 'B-animal']]
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit._validate import SEED_END
from rnnkit.data.batching import bucket_batches, limit_length, pad_sequences
from rnnkit.data.vocab import Vocab
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.base import Task
from rnnkit.tasks.common import (
    SequenceEncoder, accuracy, check_items, check_label_spelling, entity_prf, item_at, run_vocab, unseen_report,
)
from rnnkit.tasks.classify_data import warn_case_only, warn_case_variants, warn_mixed_kinds
from rnnkit.tasks.task_parts import network_budget
from rnnkit.tasks.label_values import LabelTypes
from rnnkit.tasks.tagging_config import TaggerConfig
from rnnkit.tasks.tagging_viterbi import backtrace, bio_decode, bio_rules
from rnnkit.tasks.tagging_inputs import check_sentences as _check_sentences, check_tags as _check_tags, \
    check_trainable_tags, in_pieces as _in_pieces, pin_pieces, train_pieces, warn_pieces, warn_trained_pieces, \
    word_keys as _word_keys

__all__ = ["TaggerConfig", "SequenceTagger", "TaggerNet", "MostFrequentTag", "is_bio", "entity_tags", "tagging_metrics",
           "bio_constraints", "constrained_decode", "iob1_openings"]

TASK = "tag"
#: most bytes of (tokens, tags) log-probabilities predict and the validation score hold at once (SequenceTagger._groups)
GROUP_BYTES = 1 << 26
#: most tokens in one such group: each token's ids, characters and log-probability rows cost ~0.7 KB of Python and
#: torch objects besides the floats (100,000 sentences of 9 tags: one group, 1.03 GB peak against 0.37 GB at 10,000)
GROUP_TOKENS = 1 << 15


def is_bio(tags: Sequence[str], prefixes: Sequence[str] = ("B-", "I-")) -> bool:
    """True when every tag is ``O`` or ``B-X``/``I-X`` (then the BIO constraints apply); with ``prefixes``
    ``ENTITY_PREFIXES``, IOBES's ``E-X``/``S-X`` too (then entity metrics apply, :func:`entity_tags`)."""
    return all(t == "O" or (isinstance(t, str) and t[:2] in prefixes and len(t) > 2) for t in tags)


#: The tag prefixes entity metrics read (:func:`~rnnkit.tasks.common.bio_spans`): BIO and IOBES.
ENTITY_PREFIXES = ("B-", "I-", "E-", "S-")


def entity_tags(tags: Sequence[str]) -> bool:
    """Whether entity precision / recall / F1 apply: every tag ``O`` or ``B-``, ``I-``, ``E-``, ``S-`` (BIO, IOB1
    or IOBES; seqeval's default mode scores them all). IOBES tags got token accuracy alone.

    >>> entity_tags(["O", "S-PER", "B-LOC", "E-LOC"]), is_bio(["O", "S-PER"])
    (True, False)
    """
    return is_bio(tags, ENTITY_PREFIXES)


def unread_entities(tags: set[str]) -> str | None:
    """A note when the tag set looks like entity tags (some ``X-...`` tag) but is not BIO / IOBES, so entity
    P/R/F1 and the BIO constraints are off, silently before: lowercase prefixes (``b-per``), BILOU's ``U-`` /
    ``L-``, ``B_PER``, a type without a prefix among them (``PER``); ``None`` otherwise (POS tags, BIO).

    >>> unread_entities({"O", "U-PER", "B-LOC", "L-LOC"})  # doctest: +ELLIPSIS
    "tag: ... tags ['L-LOC', 'U-PER'] ...(BILOU: write U- as IOBES's S-, L- as its E-)..."
    """
    if entity_tags(tags) or not any(len(t) > 2 and t[0].isalpha() and t[1] in "-_" for t in tags):
        return None
    bad = sorted(t for t in tags if t != "O" and not is_bio([t], ENTITY_PREFIXES))
    how = [why for why, hit in (
        ("lowercase prefixes: write B-, I-, E-, S-",
         any(t[:2].upper() in ENTITY_PREFIXES and t[0].islower() for t in bad)),
        ("BILOU: write U- as IOBES's S-, L- as its E-", any(t[:2] in ("U-", "L-") for t in bad)),
        ("write the prefix with '-'", any(t[1:2] == "_" for t in bad))) if hit] or ["a tag without a B-/I- prefix"]
    return (f"{TASK}: entity precision / recall / F1 read BIO, IOB1 and IOBES tags (O, B-X, I-X, E-X, S-X), got "
            f"tags {bad[:6]}{' ...' if len(bad) > 6 else ''} ({'; '.join(how)}): scored by token accuracy alone, "
            "without entity metrics or the BIO constraints")


def bio_constraints(tags: Sequence[str]) -> tuple[Tensor, Tensor] | None:
    """``(allowed (K, K), start (K,))`` bool masks for a BIO tag list: ``allowed[i, j]`` says tag ``j``
    may follow tag ``i`` (``I-X`` only after ``B-X`` or ``I-X``), ``start[j]`` that a sentence may begin
    with ``j`` (anything but ``I-X``). ``None`` when ``tags`` is not a BIO set.

    >>> allowed, start = bio_constraints(["O", "B-PER", "I-PER"])
    >>> allowed.int().tolist(), start.int().tolist()
    ([[1, 1, 0], [1, 1, 1], [1, 1, 1]], [1, 1, 0])
    """
    tags = list(tags)
    if not tags or not is_bio(tags):
        return None
    types: dict[str, int] = {}      # each entity type a number (O: -1); K * K comparisons in torch, not Python
    typ = torch.tensor([types.setdefault(t[2:], len(types)) if t != "O" else -1 for t in tags])
    inside = torch.where(torch.tensor([t.startswith("I-") for t in tags]), typ, -2)   # -2: may follow anything
    return (inside == -2).unsqueeze(0) | (typ.unsqueeze(1) == inside.unsqueeze(0)), inside == -2


def iob1_openings(tags: Sequence[Sequence[str]]) -> tuple[list[tuple[int, int, str]], int]:
    """``(openings, begins)``: each ``(sentence, token, tag)`` where ``I-X`` opens an entity (first in its
    sentence, or after a tag other than ``B-X``/``I-X``), and the number of ``B-`` tags. Openings that
    outnumber the ``B-`` tags mark IOB1 (CoNLL-2003's original files: ``I-X`` opens an entity, ``B-X`` only
    splits two adjacent ones), which the IOB2 constraints of :func:`bio_constraints` forbid; a few among
    many ``B-`` are annotation errors of IOB2.

    >>> iob1_openings([["O", "B-PER", "I-PER"], ["I-LOC", "O"]])
    ([(1, 0, 'I-LOC')], 1)
    """
    openings, begins = [], 0
    for i, sent in enumerate(tags):
        prev = "O"
        for j, t in enumerate(sent):
            begins += t.startswith("B-")
            if t.startswith("I-") and not (prev[:2] in ("B-", "I-") and prev[2:] == t[2:]):
                openings.append((i, j, t))
            prev = t
    return openings, begins


def constrained_decode(logp: Tensor, lengths: Tensor, allowed: Tensor, start: Tensor) -> Tensor:
    """Viterbi: for each sentence, the tag sequence with the highest sum of ``logp`` ``(B, T, K)`` over
    its ``lengths`` valid steps among those whose first tag is in ``start`` and whose every transition is
    in ``allowed``. Returns ``(B, T)`` tag ids (padded steps repeat the last valid tag)."""
    B, T, K = logp.shape
    neg = torch.tensor(float("-inf"), dtype=logp.dtype, device=logp.device)
    trans = torch.where(allowed.to(logp.device), 0.0, neg).to(logp.dtype)  # (K_prev, K_next)
    score = logp[:, 0] + torch.where(start.to(logp.device), 0.0, neg).to(logp.dtype)
    same = torch.arange(K, device=logp.device).expand(B, K)
    back = []
    lengths = lengths.to(logp.device)
    for t in range(1, T):
        best, arg = (score.unsqueeze(2) + trans).max(1)  # over the previous tag
        active = (t < lengths).unsqueeze(1)
        score = torch.where(active, best + logp[:, t], score)
        back.append(torch.where(active, arg, same))  # padded steps point to themselves
    return backtrace(score, back)


def _in_sentence(message: str, lengths: list[int]) -> str:
    """``message`` of a check of the flattened tags with its leading ``y_true[k]`` / ``y_pred[k]`` named as
    ``true[i][j]`` / ``pred[i][j]`` (sentence ``i``, token ``j``: ``lengths`` the sentences' lengths)."""
    m = re.match(r"y_(true|pred)\[(\d+)\]", message)
    if not m:
        return message
    k, i = int(m.group(2)), 0
    while i < len(lengths) - 1 and k >= lengths[i]:
        k, i = k - lengths[i], i + 1
    return f"{m.group(1)}[{i}][{k}]{message[m.end():]}"


def tagging_metrics(true: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
                    known: Sequence[str] | None = None) -> dict[str, Any]:
    """token_accuracy, plus entity precision/recall/F1 when the true tags -- or the training tags ``known`` -- are
    BIO / IOB1 / IOBES (:func:`entity_tags`). With ``known``, gold tags outside it are errors by construction and
    counted (``unseen_labels``: tokens, ``unseen_label_names``: the tags); one such gold tag outside the scheme (a
    typo ``B_PER`` in a test file of a BIO model) is no entity, and no longer drops the entity metrics silently."""
    true, pred = ([list(check_items(f"{name}[{i}]", t, "tags (one sentence)"))   # a flat list of tags: each tag
                   for i, t in enumerate(check_items(name, seqs, "tag lists"))]    # read as its characters; an
                  for name, seqs in (("true", true), ("pred", pred)))              # iterator read once, here
    if len(true) != len(pred):
        raise DataError(f"pred: expected one tag list per sentence ({len(true)}), got {len(pred)}")
    for i, (t, p) in enumerate(zip(true, pred)):   # flattened, a tag shifted into the next sentence scored
        if len(t) != len(p):                       # as correct, and an entity could span two sentences
            raise DataError(f"pred[{i}]: expected one tag per token ({len(t)}), got {len(p)}")
    flat_t = [t for s in true for t in s]
    flat_p = [t for s in pred for t in s]
    try:
        out: dict[str, Any] = {"token_accuracy": accuracy(flat_t, flat_p)}
    except (DataError, InputTypeError) as e:   # named in the flat lists ('y_true[3]' was true[1][1]: a missing tag)
        raise type(e)(_in_sentence(str(e), [len(t) for t in true])) from None
    if entity_tags(set(flat_t)) or (known is not None and entity_tags(set(known))):
        out.update(entity_prf(true, pred))
    if known is not None:
        out.update(unseen_report(flat_t, known))
    return out


class TaggerNet(nn.Module):
    """The network only: word ids ``(B, T)``, char ids ``(B, T, W)``, ``lengths (B,)``, word lengths
    ``(B, T)`` -> tag logits ``(B, T, K)``."""

    def __init__(self, n_words: int, n_chars: int, n_tags: int, cfg: TaggerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.word_embed = nn.Embedding(n_words, cfg.word_dim, padding_idx=0)
        feat = cfg.word_dim
        if cfg.char_hidden > 0:
            self.char_embed = nn.Embedding(n_chars, cfg.char_dim, padding_idx=0)
            self.char_rnn = SequenceEncoder(cfg.char_dim, cfg.char_hidden, cfg.cell, 1, bidirectional=True)
            feat += self.char_rnn.output_size
        self.drop = nn.Dropout(cfg.dropout)
        self.encoder = SequenceEncoder(feat, cfg.hidden_size, cfg.cell, cfg.num_layers, bidirectional=True,
                                       dropout=cfg.dropout)
        self.head = nn.Linear(self.encoder.output_size, n_tags)

    def forward(self, words: Tensor, chars: Tensor, lengths: Tensor, word_lengths: Tensor) -> Tensor:
        x = self.word_embed(words)
        if self.cfg.char_hidden > 0:
            valid = word_lengths > 0                       # (B, T): real tokens only
            _, summary = self.char_rnn(self.char_embed(chars[valid]), word_lengths[valid])
            char_feat = x.new_zeros(*words.shape, summary.shape[-1])
            char_feat[valid] = summary
            x = torch.cat([x, char_feat], -1)
        out, _ = self.encoder(self.drop(x), lengths)
        return self.head(self.drop(out))


class SequenceTagger(LabelTypes, Task):
    """``fit(sentences, tags)`` (the network and the most-frequent-tag baseline), ``predict(sentences)``,
    ``evaluate(sentences, tags)``, ``save`` / ``load`` (the task contract of :mod:`rnnkit.tasks.base`).
    Sentences are lists of tokens (already split: any script, no whitespace assumption). Tags are kept as text;
    tags given to fit all of one int, float or bool type (HuggingFace's conll2003 ``ner_tags`` are ints) are
    predicted in it (:mod:`rnnkit.tasks.label_values`)."""

    name = TASK
    config_class = TaggerConfig
    noun, input_name, target_name = "tagger", "sentences", "tags"
    label_vocab = "tags"

    def __init__(self, config: TaggerConfig | None = None) -> None:
        super().__init__(config)
        self.words: Vocab | None = None
        self.chars: Vocab | None = None
        self.tags: Vocab | None = None

    @property
    def baseline_types(self) -> dict[str, Any]:  # type: ignore[override]
        return {"most_frequent_tag": MostFrequentTag}

    def check_inputs(self, inputs: Any, what: str) -> list[list[str]]:
        return _check_sentences(inputs, what, self.places_of(what))

    def check_targets(self, targets: Any, inputs: list, what: str) -> list[list[str]]:
        out = _check_tags(targets, inputs, what, self.places_of(what))   # a generator is refused: read once
        self._take_type(targets, out)
        return out

    def _given_labels(self, targets: Any) -> list:
        """Every sentence's tags in order, as given (after their checks: sequences of scalars) or as checked."""
        return [g for tags in targets for g in tags]

    def check_trainable(self, inputs: list, targets: list | None) -> None:
        super().check_trainable(inputs, targets)      # the tags' type (label_values)
        check_trainable_tags(targets, self.target_name, inputs)   # columns swapped: warned
        at = [(i, j) for i, tags in enumerate(targets) for j in range(len(tags))]   # a '0' typed for 'O': warned
        for warn in (warn_mixed_kinds, warn_case_variants):   # 'B-PER' and 'B-Per': two types, silently (session 33)
            warn([targets[i][j] for i, j in at], lambda k: item_at(self.target_name, at[k][0], self.places,
                 f"[{at[k][1]}]"), self.target_name, stacklevel=4)

    def check_known(self, targets: Any, checked: list) -> None:
        """Each gold tag against the trained ones (a tag such as 'B-PER ' or an NFD 'B-café' was unseen, scored
        wrong, where the classifier refused such a label)."""
        for i, (tags, texts) in enumerate(zip(targets, checked)):
            check_label_spelling(list(tags), texts, self.tags.tokens, f"{self.target_name}[{i}]",
                                 None if self.places is None else [self.places[i]] * len(texts))
        at = [(i, j) for i, texts in enumerate(checked) for j in range(len(texts))]   # 'b-per' for 'B-PER': say why
        warn_case_only([checked[i][j] for i, j in at], list(self.tags.tokens),
                       lambda k: item_at(self.target_name, at[k][0], self.places, f"[{at[k][1]}]"), self.target_name)

    def _encode(self, sents: list[list[str]]):
        c = self.config
        sents = limit_length(sents, c.max_len, c.on_long, what="sentences")
        words = [self.words.encode(_word_keys(s)) for s in sents]
        chars = [[self.chars.encode(list(t[: c.max_word_len])) for t in s] for s in sents]
        return sents, words, chars

    def _batches(self, words, chars, tags, shuffle: bool, seed: int = 0, word_dropout: float = 0.0):
        gen = torch.Generator().manual_seed(seed % SEED_END)   # epoch e's: seed + e, past 2**64 for the largest seed
        for idx in bucket_batches([len(w) for w in words], self.config.batch_size, shuffle=shuffle, seed=seed):
            w, L = pad_sequences([words[i] for i in idx])
            if word_dropout > 0:
                drop = (torch.rand(w.shape, generator=gen) < word_dropout) & (w > 1)
                w = w.masked_fill(drop, self.words.unk_id)
            T = w.shape[1]
            W = max(len(ch) for i in idx for ch in chars[i])
            ch = torch.zeros(len(idx), T, W, dtype=torch.long)
            wl = torch.zeros(len(idx), T, dtype=torch.long)
            for b, i in enumerate(idx):
                for t, cid in enumerate(chars[i]):
                    ch[b, t, : len(cid)] = torch.tensor(cid)
                    wl[b, t] = len(cid)
            y = pad_sequences([tags[i] for i in idx], pad_value=-100)[0] if tags is not None else None
            yield idx, w, ch, L, wl, y

    def _fit(self, train, val, callbacks) -> None:
        c = self.config
        t0 = time.perf_counter()
        sents, tags = train
        openings, begins = iob1_openings(tags) if c.constrained and is_bio({t for s in tags for t in s}) else ([], 0)
        # per type too: one type written IOB1 among IOB2 ones (I-MISC opening every MISC, B-PER many) was never
        # predicted -- I-MISC may start nowhere -- while the B- tags of the others outnumbered its openings
        opened, began = Counter(t[2:] for _, _, t in openings), Counter(t[2:] for s in tags for t in s if t[:2] == "B-")
        iob1 = sorted(x for x, n in opened.items() if n > began[x])
        if len(openings) > begins or iob1:   # IOB2's constraints would decode each such entity as O: F1 1.0 -> 0.0
            (i, j, t), n = openings[0], len(openings)
            kinds = f" (of type(s) {iob1[:5]} more than their B- tags)" if iob1 else ""
            warnings.warn(f"{TASK}: {n} entities open with I-X (IOB1 tags, e.g. "
                          f"{self.fit_place(i, name='tags', rest=f'[{j}]', token=j)} {t!r}) against {begins} "
                          f"B- tags{kinds}: the constrained decoding of IOB2 tags would never predict them; decoding "
                          "per token (constrained=False, as the run's config records)", stacklevel=3)
            self.config = c = replace(c, constrained=False)
        if (note := unread_entities({t for s in tags for t in s})) is not None:
            warnings.warn(note, stacklevel=3)
        self.words = Vocab.build([_word_keys(s) for s in sents], min_freq=c.min_freq)
        self.chars = Vocab.build([list(word) for s in sents for word in s])  # a word is a sequence of characters
        self.tags = Vocab.build(tags, specials=())
        if c.on_long == "error":
            limit_length(sents, c.max_len, "error", what="sentences")
        # a longer sentence trains in overlapping pieces, each token's loss counted once (cut at max_len, its tail's
        # tags were dropped from training with a bare count: session 34)
        pieces, y = train_pieces(sents, [self.tags.encode(t) for t in tags], c.max_len)
        pin_pieces(len(sents), len(pieces), c.max_len, c.batch_size)   # a resume of a fit that cut them: refused
        warn_trained_pieces(sents, len(pieces), c.max_len)             # after: a refused resume warned first
        _, words, chars = self._encode(pieces)
        self.net = TaggerNet(len(self.words), len(self.chars), len(self.tags), c)

        def loss_fn(batch):
            _, w, ch, L, wl, yb = batch
            logits = self.net(w, ch, L, wl)
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), ignore_index=-100)

        val_score, val_name = None, "score"
        if val is not None and val[0]:
            # entity F1 for BIO tags (accuracy is dominated by "O"), else token accuracy itself: the epoch lines
            # showed 1e-3 x accuracy ('val_score 0.0008' for 83%) for other tag sets
            bio = entity_tags({t for s in val[1] for t in s})
            val_name = "score" if bio else "token_accuracy"
            warn_pieces(val[0], c.max_len, stacklevel=3)   # once, not once a group and epoch

            def val_score() -> float:
                pred, gold = [], []
                for lo, hi in self._groups(val[0]):   # a group's log-probabilities at a time (GROUP_BYTES)
                    logps = self._logps(val[0][lo:hi])
                    pred += self._decode(logps)
                    gold += self._gold_logps(logps, val[1][lo:hi])
                m = tagging_metrics(val[1], pred, self.tags.tokens)
                gold_prob = math.exp(sum(gold) / len(gold)) if gold else 0.0
                return m.get("entity_f1", 0.0) + 1e-3 * gold_prob if bio else m["token_accuracy"]
        self._train(lambda e: self._batches(words, chars, y, True, c.seed + e, c.word_dropout),
                    -(-len(words) // c.batch_size), loss_fn, val_score=val_score, callbacks=callbacks,
                    max_seconds=network_budget(self, t0), val_name=val_name)
        self.history["seconds"] = time.perf_counter() - t0
        flat = (lambda part: [t for s in part for t in s])  # noqa: E731
        self.warn_lost_classes(flat(tags), val and (val[0], flat(val[1])), "sentence with", "the most-frequent-tag "
                               "baseline, fitted on every training sentence, can", kind="tag(s)")

    def default_baselines(self) -> dict[str, Any]:
        return {"most_frequent_tag": MostFrequentTag()}

    def check_predict(self, sentences) -> list[list[str]]:
        """The checks and warnings of :meth:`predict` over all of ``sentences`` (checked, as read): a caller that
        predicts them by parts (``rnnkit tag predict``) runs this once, then each part with ``warn=False`` -- the
        errors name the sentence by its place in all, the warning counts all."""
        self._require_fitted()
        sents = _check_sentences(sentences)
        if self.config.on_long == "error":
            limit_length(sents, self.config.max_len, "error", what="sentences")
        warn_pieces(sents, self.config.max_len)
        return sents

    def predict(self, sentences, warn: bool = True) -> list[list]:
        """One tag per token, in input order (:meth:`predict_texts`): in the tags' type when fit's were all of one
        int, float or bool type (``[[3, 0]]`` for tags ``[[3, 0], ...]``: :attr:`label_type`), else as text."""
        tags = self.predict_texts(sentences, warn)
        if self.label_type is None:
            return tags
        value = dict(zip(self.tags.tokens, self._label_values()))
        return [[value[t] for t in sent] for sent in tags]

    @torch.no_grad()
    def predict_texts(self, sentences, warn: bool = True) -> list[list[str]]:
        """One tag per token as text, in input order. A sentence longer than ``max_len`` is an error with
        ``on_long="error"``; otherwise it is read in overlapping pieces of ``max_len`` tokens (with a
        warning), each token's scores taken from the piece it sits nearest the middle of, and the whole
        sentence decoded at once -- so that no token is left without a tag (truncating here dropped the
        tail's tags) and an entity across a piece boundary stays one entity (decoded per piece, its second
        half opened a new entity: ``I-X`` may not start a sequence). ``warn=False``: the sentences were checked
        and warned of by :meth:`check_predict` with the others of a whole input (this call tags a part of it)."""
        if warn:
            sents = self.check_predict(sentences)
        else:
            self._require_fitted()
            sents = _check_sentences(sentences)
        return [tags for lo, hi in self._groups(sents) for tags in self._decode(self._logps(sents[lo:hi]))]

    def _groups(self, sents: list[list[str]]) -> list[tuple[int, int]]:
        """``(start, stop)`` of consecutive sentences whose ``(tokens, tags)`` log-probabilities take at most
        :data:`GROUP_BYTES` together (one sentence at least): all of them at once held tokens x tags floats --
        100,000 tags (one a token) over 20,000 validation tokens, 8 GB: an allocator's RuntimeError after 5 minutes."""
        per = max(1, min(GROUP_TOKENS, GROUP_BYTES // (4 * max(1, len(self.tags)))))   # tokens a group may hold
        out, lo, n = [], 0, 0
        for i, s in enumerate(sents):
            if n and n + len(s) > per:
                out.append((lo, i))
                lo, n = i, 0
            n += len(s)
        return out + [(lo, len(sents))] if sents else out

    @torch.no_grad()
    def _logps(self, sents: list[list[str]]) -> list[Tensor]:
        """Per sentence, the ``(tokens, tags)`` log-probabilities, long sentences stitched from their pieces."""
        self.net.eval()
        pieces, owner, spans = _in_pieces(sents, self.config.max_len)
        _, words, chars = self._encode(pieces)
        scores: list[list[Tensor]] = [[] for _ in sents]
        piece_logp: list[Tensor] = [torch.empty(0)] * len(pieces)
        for idx, w, ch, L, wl, _ in self._batches(words, chars, None, shuffle=False):
            logp = self.net(w, ch, L, wl).log_softmax(-1)
            for b, i in enumerate(idx):
                piece_logp[i] = logp[b, : len(pieces[i])].clone()   # not a view holding the padded batch
        for i, (lo, hi) in enumerate(spans):          # pieces come in sentence order
            scores[owner[i]].append(piece_logp[i][lo:hi])
        return [torch.cat(parts) for parts in scores]

    def _decode(self, logps: list[Tensor]) -> list[list[str]]:
        """The tags of each sentence's log-probabilities (BIO-constrained Viterbi when configured)."""
        tags = self.tags.tokens           # BIO: bio_decode, O(K) a token (constrained_decode's (K, K) mask: K * K)
        rules = bio_rules(tags) if self.config.constrained and is_bio(tags) else None
        out: list[list[str]] = [[] for _ in logps]
        for idx in bucket_batches([len(lp) for lp in logps], self.config.batch_size, shuffle=False):
            lp = nn.utils.rnn.pad_sequence([logps[i] for i in idx], batch_first=True)
            L = torch.tensor([len(logps[i]) for i in idx])
            best = lp.argmax(-1) if rules is None else bio_decode(lp, L, *rules)
            for b, i in enumerate(idx):
                out[i] = self.tags.decode(best[b, : len(logps[i])].tolist())
        return out

    def _gold_logps(self, logps: list[Tensor], tags: list[list[str]]) -> list[float]:
        """The log-probabilities of the gold tags (those seen in training); their mean's exp, the geometric mean
        probability, is the tie-break of the BIO validation score. Token accuracy broke ties before, and it stays
        flat while every token is still tagged O -- entity F1 0 for the first epochs on small data, each counted
        against the patience (a fit could stop with an all-O tagger); this probability grows as soon as training
        does."""
        return [float(lp[j, self.tags.index[t]]) for lp, ts in zip(logps, tags) for j, t in enumerate(ts)
                if t in self.tags]

    def score(self, inputs, targets, **options) -> dict[str, Any]:
        return tagging_metrics(targets, self.predict_texts(inputs), self.tags.tokens)

    def score_baseline(self, baseline, inputs, targets) -> dict[str, Any]:
        return tagging_metrics(targets, baseline.predict(inputs), self.tags.tokens)

    def _vocabs(self) -> dict[str, Any]:
        return {"words": self.words, "chars": self.chars, "tags": self.tags}

    def _restore(self, run) -> None:
        self.words, self.chars, self.tags = (run_vocab(run, k) for k in ("words", "chars", "tags"))
        self.net = TaggerNet(len(self.words), len(self.chars), len(self.tags), self.config)


class MostFrequentTag:
    """Each token's most frequent training tag (ties: the alphabetically first); unseen tokens use
    the casefolded form's, else the most frequent tag overall."""

    def __init__(self) -> None:
        self.table: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        self.default = "O"

    def fit(self, sentences, tags=None) -> "MostFrequentTag":
        if tags is None:  # list of (tokens, tags) pairs
            sentences, tags = [s for s, _ in sentences], [t for _, t in sentences]
        sentences = _check_sentences(sentences)      # zip would drop tokens without a tag silently
        tags = _check_tags(tags, sentences)
        counts: dict[str, Counter] = defaultdict(Counter)
        folded: dict[str, Counter] = defaultdict(Counter)
        total: Counter = Counter()
        for s, t in zip(sentences, tags):
            for tok, tag in zip(s, t):
                counts[tok][tag] += 1
                folded[tok.casefold()][tag] += 1
                total[tag] += 1
        pick = lambda c: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]  # noqa: E731 - ties: first by name
        self.table = {k: pick(c) for k, c in counts.items()}
        self.folded = {k: pick(c) for k, c in folded.items()}
        self.default = pick(total)
        return self

    def predict(self, sentences) -> list[list[str]]:
        if not self.table:   # an unfitted baseline tagged every token 'O'
            raise ConfigError("baseline: expected a fitted MostFrequentTag, got an unfitted one")
        return [[self.table.get(t) or self.folded.get(t.casefold(), self.default) for t in s]
                for s in _check_sentences(sentences)]

    def state(self) -> tuple[dict, dict[str, Any]]:
        return {}, {"kind": "most_frequent_tag", "table": self.table, "folded": self.folded, "default": self.default}

    @classmethod
    def from_state(cls, state: tuple[dict, dict[str, Any]]) -> "MostFrequentTag":
        meta = state[1]
        self = cls()
        self.table, self.folded, self.default = dict(meta["table"]), dict(meta["folded"]), meta["default"]
        return self
