"""The dictionary-aware pointer-generator network of the word-level translator.

A word dictionary learned by IBM Model 1 (:class:`rnnkit.tasks.seq2seq_words.IBM1`) already gets most
content words right; the network learns what it gets wrong (word order, the function words the
dictionary never emits, inflection, several words for one) and keeps what it gets right, by copying
(See et al. 2017, "Get to the point"; Luong et al. 2015 used a dictionary for the attended source word):

* each source position ``i`` carries its word ``f_i`` and its **gloss** ``g_i`` (the dictionary's
  translation of ``f_i``; an unknown word is its own gloss). The encoder reads
  ``emb_src(f_i) + emb_tgt(g_i)`` -- the gloss embedding is the decoder's input embedding, tied to the
  output layer -- with a bidirectional rnnkit LSTM; ``tanh(W [h_fwd; h_bwd])`` starts the decoder;
* the decoder LSTM reads the previous target word and attends (Luong "general", padding masked) with
  weights ``a_ti``; ``o_t = tanh(W_c [c_t; h_t])``;
* the next word's probability mixes three sources with a switch ``pi_t = softmax(W_s [o_t; c_t; x_t])``:
  ``p(w) = pi_gen * softmax(W_o o_t)[w] + pi_gloss * sum_{i: g_i = w} a_ti + pi_word * sum_{i: f_i = w} a_ti``.
  Words outside the target vocabulary that a sentence can copy (its glosses and source words: names,
  numbers, rare words) get **extended ids** ``V, V+1, ...`` for that sentence only.

Training loss: ``-(1 - eps) log p(gold) + eps * CE(uniform, softmax(W_o o_t))`` (label smoothing on the
generator), teacher forcing. A gold word that is neither in the vocabulary nor copyable is ``<unk>``.
``align_weight=w`` (config; guided alignment, Chen et al. 2016, Garg et al. 2019): plus ``w`` times the attention's
cross-entropy against the dictionary's own IBM-1 alignment posteriors ``G_ti = P(a_t = i | e, f)`` of each training
pair (:meth:`rnnkit.tasks.seq2seq_words.IBM1.posteriors`, the NULL word's share left out, so a target word IBM-1
gives to NULL weighs less), ``-sum G_ti log a_ti / sum G_ti`` over the batch. Off by default: on 800 trans-de-en
development pairs (4 epochs, beam 5; session 16) w 0.1 / 0.3 gave chrF 31.34 / 31.59 and BLEU 7.36 / 7.25 against
31.39 / 8.01 unguided, the outputs 6% / 12% longer (more glosses copied).

``ensemble=n`` (config): :class:`PointerEnsemble`, ``n`` such networks over the same vocabularies and glosses,
trained one after the other from seeds ``seed, seed + 1, ...``; decoding searches the mean of their next-word
distributions over the extended vocabulary (:class:`rnnkit.tasks.seq2seq_search.MeanStepper`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.data.batching import pad_sequences
from rnnkit.data.vocab import BOS, EOS, PAD, UNK, Vocab, literal_tokens
from rnnkit.tasks.common import SequenceEncoder, task_layer
from rnnkit.tasks.seq2seq_rare import warn_rare_targets

__all__ = ["PointerNet", "PointerEnsemble", "Sentence", "prepare", "make_batch", "pointer_loss", "warn_wordless"]


@dataclass
class Sentence:
    """One source sentence prepared for the network: source ids, gloss ids (target vocabulary, with
    ``<unk>``), the extended target ids of the glosses and of the source words, the sentence's
    out-of-vocabulary words (extended id ``V + j`` is ``oov[j]``) and, in training, the gold ids."""

    src: list[int]
    gloss: list[int]
    gloss_ext: list[int]
    word_ext: list[int]
    oov: list[str]
    gold: list[int] | None = None
    align: Any = None     # training with guided alignment: (len(gold), len(src)) IBM-1 posteriors, NULL left out


def prepare(words: Sequence[str], glosses: Sequence[str], src_vocab: Vocab, tgt_vocab: Vocab,
            target: Sequence[str] | None = None) -> Sentence:
    """A :class:`Sentence` from a source's words, their glosses and (training) the target words."""
    V, unk = len(tgt_vocab), tgt_vocab.index[UNK]
    oov: dict[str, int] = {}
    specials = set(tgt_vocab.specials)

    def ext(w: str) -> int:
        # a gloss spelled like a special (an external lexicon's '</s>') is that text, an out-of-vocabulary word to
        # copy: as the special's id, copying it ended the translation there ('</s>') or was padding ('<pad>')
        i = tgt_vocab.index.get(w) if w not in specials else None
        return i if i is not None else V + oov.setdefault(w, len(oov))

    gloss_ext = [ext(g) for g in glosses]
    word_ext = [ext(w) for w in words]
    gold = None
    if target is not None:
        gold = [tgt_vocab.index.get(w, V + oov[w] if w in oov else unk) for w in target]
    return Sentence(src_vocab.encode(list(words)), tgt_vocab.encode(literal_tokens(glosses)), gloss_ext, word_ext,
                    list(oov), gold)


def make_batch(sents: Sequence[Sentence], tgt_vocab: Vocab) -> dict[str, Tensor]:
    """Padded tensors of a batch: ``src``, ``gloss``, ``lengths``, ``gloss_ext``, ``word_ext``; with gold
    ids also ``prev`` (``<s>`` + gold, extended ids as ``<unk>``) and ``gold`` (gold + ``</s>``, -100 pad)."""
    V = len(tgt_vocab)
    src, lengths = pad_sequences([s.src for s in sents])
    b = {"src": src, "lengths": lengths, "gloss": pad_sequences([s.gloss for s in sents])[0],
         "gloss_ext": pad_sequences([s.gloss_ext for s in sents])[0],
         "word_ext": pad_sequences([s.word_ext for s in sents])[0],
         "n_ext": V + max(len(s.oov) for s in sents)}
    if sents[0].gold is not None:
        bos, eos, unk = (tgt_vocab.index[t] for t in (BOS, EOS, UNK))
        b["prev"] = pad_sequences([[bos] + [g if g < V else unk for g in s.gold] for s in sents])[0]
        b["gold"] = pad_sequences([s.gold + [eos] for s in sents], pad_value=-100)[0]
        if sents[0].align is not None:     # (B, T, S): 0 at padding and at the </s> step
            b["align"] = torch.zeros(len(sents), b["gold"].shape[1], src.shape[1])
            for i, s in enumerate(sents):
                b["align"][i, : s.align.shape[0], : s.align.shape[1]] = torch.as_tensor(s.align)
    return b


class PointerNet(nn.Module):
    """The network (module docstring). ``encode(batch)`` once, then ``decode(prev, state, memory)`` over
    teacher-forced sequences (``prev (B, T)``) or one step at a time; it returns the generator's logits
    ``(B, T, V)``, the switch ``(B, T, 3)``, the attention ``(B, T, S)`` and the new state.
    :meth:`distribution` turns them into probabilities over the extended vocabulary."""

    def __init__(self, n_src: int, n_tgt: int, embed_dim: int, enc_hidden: int, dec_hidden: int,
                 dropout: float) -> None:
        super().__init__()
        E2 = 2 * enc_hidden
        self.src_embed = nn.Embedding(n_src, embed_dim, padding_idx=0)
        self.tgt_embed = nn.Embedding(n_tgt, embed_dim, padding_idx=0)   # gloss, decoder input, output (tied)
        self.encoder = SequenceEncoder(embed_dim, enc_hidden, "lstm", bidirectional=True)
        self.bridge = nn.Linear(E2, dec_hidden)
        self.decoder = task_layer("lstm", embed_dim, dec_hidden)
        self.attn = nn.Linear(E2, dec_hidden, bias=False)
        self.combine = nn.Linear(E2 + dec_hidden, dec_hidden)
        self.to_embed = nn.Linear(dec_hidden, embed_dim)
        self.out_bias = nn.Parameter(torch.zeros(n_tgt))
        self.switch = nn.Linear(dec_hidden + E2 + embed_dim, 3)
        self.drop = nn.Dropout(dropout)

    def encode(self, b: dict[str, Tensor]) -> tuple[dict[str, Tensor], tuple[Tensor, Tensor]]:
        x = self.drop(self.src_embed(b["src"]) + self.tgt_embed(b["gloss"]))
        enc, summary = self.encoder(x, b["lengths"])
        mask = torch.arange(x.shape[1]).unsqueeze(0) < b["lengths"].unsqueeze(1)
        h0 = torch.tanh(self.bridge(summary)).unsqueeze(0)
        memory = {"values": enc, "keys": self.attn(enc), "mask": mask, "gloss_ext": b["gloss_ext"],
                  "word_ext": b["word_ext"]}
        return memory, (h0, torch.zeros_like(h0))

    def decode(self, prev: Tensor, state: Any, memory: dict[str, Tensor]):
        x = self.drop(self.tgt_embed(prev))
        h, state = self.decoder(x, state)
        scores = torch.bmm(h, memory["keys"].transpose(1, 2))
        scores = scores.masked_fill(~memory["mask"].unsqueeze(1), float("-inf"))
        attn = torch.softmax(scores, -1)
        ctx = torch.bmm(attn, memory["values"])
        o = torch.tanh(self.combine(torch.cat([ctx, h], -1)))
        logits = F.linear(self.to_embed(self.drop(o)), self.tgt_embed.weight, self.out_bias)
        switch = torch.softmax(self.switch(torch.cat([o, ctx, x], -1)), -1)
        return logits, switch, attn, state

    @staticmethod
    def distribution(logits: Tensor, switch: Tensor, attn: Tensor, memory: dict[str, Tensor], n_ext: int) -> Tensor:
        """Probabilities ``(B, T, n_ext)`` over the extended vocabulary (module docstring)."""
        B, T, V = logits.shape
        p = torch.zeros(B, T, n_ext, dtype=logits.dtype)
        p[..., :V] = torch.softmax(logits, -1) * switch[..., :1]
        for j, key in ((1, "gloss_ext"), (2, "word_ext")):
            p.scatter_add_(2, memory[key].unsqueeze(1).expand(B, T, -1), attn * switch[..., j:j + 1])
        return p


class PointerEnsemble(nn.Module):
    """``members``: :class:`PointerNet` networks of the same sizes, decoded as one (module docstring); their
    weights are saved as ``members.0.*``, ``members.1.*``, ..."""

    def __init__(self, members: Sequence[PointerNet]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)


def gold_probs(net: PointerNet, b: dict[str, Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Teacher-forced ``p(gold_t)`` ``(B, T)`` of a batch with gold ids (generator, gloss copies and word copies mixed
    by the switch), the mask of real steps, the generator's log-softmax and the attention."""
    memory, state = net.encode(b)
    logits, switch, attn, _ = net.decode(b["prev"], state, memory)
    gold = b["gold"]
    valid = gold != -100
    g = gold.clamp(min=0)
    V = logits.shape[-1]
    logp_gen = torch.log_softmax(logits, -1)
    p_gen = logp_gen.gather(2, g.clamp(max=V - 1).unsqueeze(-1)).squeeze(-1).exp() * (g < V)
    p = switch[..., 0] * p_gen
    for j, key in ((1, "gloss_ext"), (2, "word_ext")):
        hit = (memory[key].unsqueeze(1) == g.unsqueeze(-1)).to(attn.dtype)      # (B, T, S)
        p = p + switch[..., j] * (attn * hit).sum(-1)
    return p, valid, logp_gen, attn


def pointer_loss(net: PointerNet, b: dict[str, Tensor], smoothing: float, align_weight: float = 0.0) -> Tensor:
    """Mean over gold words of ``-(1 - eps) log p(gold) + eps * CE(uniform, generator)`` (module docstring); with
    ``align_weight`` and a batch's ``align`` (guided alignment), plus ``align_weight`` times the attention's
    cross-entropy against the IBM-1 posteriors, ``-sum G_ti log a_ti / sum G_ti``."""
    p, valid, logp_gen, attn = gold_probs(net, b)
    nll = -torch.log(p + 1e-9)
    loss = (1 - smoothing) * nll - smoothing * logp_gen.mean(-1) if smoothing else nll
    if align_weight and "align" in b:
        guide = b["align"]
        guided = -(guide * torch.log(attn + 1e-9)).sum() / guide.sum().clamp(min=1e-9)
        return loss[valid].mean() + align_weight * guided
    return loss[valid].mean()


class PointerStepper:
    """One decoder step of :class:`PointerNet` for :mod:`rnnkit.tasks.seq2seq_search`: log-probabilities
    over the batch's extended vocabulary (an extended id fed back is read as ``<unk>``)."""

    def __init__(self, net: PointerNet, b: dict[str, Tensor], unk: int) -> None:
        self.net, self.n_ext, self.unk = net, b["n_ext"], unk
        self.memory, self.state = net.encode(b)
        self.V = net.out_bias.shape[0]

    def step(self, prev: Tensor) -> Tensor:
        logits, switch, attn, self.state = self.net.decode(prev.masked_fill(prev >= self.V, self.unk), self.state,
                                                           self.memory)
        return torch.log(PointerNet.distribution(logits, switch, attn, self.memory, self.n_ext)[:, -1])

    def select(self, rows: Tensor) -> None:
        self.memory = {k: v.index_select(0, rows) for k, v in self.memory.items()}
        self.state = tuple(s.index_select(1, rows) for s in self.state)


@torch.no_grad()
def pointer_search(net: PointerNet, sents: Sequence[Sentence], tgt_vocab: Vocab, beam: int, alpha: float,
                   max_ratio: float, batch_size: int = 64, no_repeat: int = 0, once_from: int = 0,
                   nbest: bool = False) -> list:
    """The output words of each sentence (greedy for ``beam=1``), in input order; at most
    ``max_ratio * source words + 10`` words; ``no_repeat``, ``once_from``: see :mod:`rnnkit.tasks.seq2seq_search`.
    ``nbest=True``: every finished output of each sentence as ``(words, normalised score)``, best first
    (:func:`rnnkit.tasks.seq2seq_search.beam_search_nbest`; ``beam=1``: the greedy output alone)."""
    from rnnkit.data.batching import bucket_batches
    from rnnkit.tasks.seq2seq_search import MeanStepper, beam_search_nbest, greedy_search

    net.eval()
    V = len(tgt_vocab)
    bos, eos, unk, pad = (tgt_vocab.index[t] for t in (BOS, EOS, UNK, PAD))
    out: list = [[] for _ in sents]
    for idx in bucket_batches([len(s.src) for s in sents], batch_size, shuffle=False):
        batch = [sents[i] for i in idx]
        b = make_batch(batch, tgt_vocab)
        stepper = (MeanStepper([PointerStepper(m, b, unk) for m in net.members]) if isinstance(net, PointerEnsemble)
                   else PointerStepper(net, b, unk))
        limits = [int(max_ratio * len(s.src)) + 10 for s in batch]
        banned = [pad, unk, bos]
        if beam == 1:   # greedy, the n-best of decode="mbr" too (a beam of 1 normalises by length: it differed)
            hyps = [[(h, 0.0)] for h in greedy_search(stepper, limits, bos, eos, banned, no_repeat, once_from)]
        else:
            hyps = beam_search_nbest(stepper, limits, beam, bos, eos, banned, alpha, no_repeat, once_from)
        for s, i, h in zip(batch, idx, hyps):
            ranked = [([tgt_vocab.tokens[n] if n < V else s.oov[n - V] for n in toks], score) for toks, score in h]
            out[i] = ranked if nbest else (ranked[0][0] if ranked else [])
    return out


class WordPointer:
    """The word-level model of :class:`rnnkit.tasks.seq2seq.Translator` (``model="dict-pointer"``): its
    vocabularies, the IBM-1 dictionary that glosses the source, the :class:`PointerNet`, the training
    loss with word dropout, and decoding. ``cfg`` is the translator's config."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg
        self.src_vocab: Vocab | None = None
        self.tgt_vocab: Vocab | None = None
        self.dictionary: dict[str, str] = {}
        self.counts: dict[str, int] = {}             # training frequency of each dictionary source word
        self.channel: Any = None                     # reverse IBM-1 for decode="channel" (seq2seq_channel)
        self.lexicon: Any = None                     # external dictionary for unknown words (seq2seq_dictionary)
        self.net: PointerNet | None = None

    def _words(self, texts: Sequence[str], what: str) -> list[list[str]]:
        from rnnkit.data.batching import limit_length
        from rnnkit.data.heads import head_tokens, no_han_pairs
        from rnnkit.tasks.seq2seq_words import words

        # a text of megabytes: its first words only (rnnkit.data.heads), the same words
        return limit_length(head_tokens(texts, words, self.cfg.max_len, no_han_pairs), self.cfg.max_len, self.cfg.on_long,
                            what=what)

    def _glosses(self, src: list[list[str]]) -> list[list[str]]:
        """Each source word's gloss (the dictionary's word, else the lexicon's analysis, else the word)."""
        from rnnkit.tasks.seq2seq_dictionary import gloss_function

        gloss = gloss_function(self.dictionary, self.counts, self.cfg.split_compounds, self.cfg.derive_words,
                               self.lexicon)
        return [[gloss(w) for w in s] for s in src]

    def _sentences(self, src: list[list[str]], tgt: list[list[str]] | None = None) -> list[Sentence]:
        return [prepare(s, g, self.src_vocab, self.tgt_vocab, None if tgt is None else tgt[i])
                for i, (s, g) in enumerate(zip(src, self._glosses(src)))]

    def _make_net(self) -> PointerNet | PointerEnsemble:
        """The network (``ensemble > 1``: a :class:`PointerEnsemble`, member 0 built first, as a single network)."""
        c = self.cfg
        nets = [PointerNet(len(self.src_vocab), len(self.tgt_vocab), c.embed_dim, c.enc_hidden, c.dec_hidden, c.dropout)
                for _ in range(c.ensemble)]
        return nets[0] if c.ensemble == 1 else PointerEnsemble(nets)

    def build(self, sources: list[str], targets: list[str],
              place=lambda i, name="sources": f"{name}[{i}]") -> list[Sentence]:
        """Fit the dictionary and the vocabularies on the training pairs, build the network; the training
        sentences (:class:`Sentence` with gold ids). ``place(i, name=...)`` names training pair ``i``'s source
        (``sources``) or target (``targets``) in errors (:meth:`~rnnkit.tasks.base.Task.fit_place`)."""
        from rnnkit.tasks.seq2seq_words import IBM1

        from collections import Counter

        src, tgt = self._words(sources, "sources"), self._words(targets, "targets")
        empty = next((i for i, s in enumerate(src) if not s), None)
        if empty is not None:   # was pad_sequences' 'seqs: ... an empty one at index 0', naming no source
            from rnnkit.errors import DataError

            raise DataError(f"{place(empty)}: expected a source with at least one word token, got none from "
                            f"{sources[empty]!r} (zero-width spaces, word joiners or a BOM alone)")
        empty = next((i for i, t in enumerate(tgt) if not t), None)
        if empty is not None:   # trained as 'translate this source as nothing' (a TSV's empty side is refused)
            from rnnkit.errors import DataError

            raise DataError(f"{place(empty, name='targets')}: expected a target with at least one word token, got "
                            f"none from {targets[empty]!r} (zero-width spaces, word joiners, a BOM or bidi marks alone)")
        from rnnkit.tasks.seq2seq_channel import ReverseChannel

        if self.cfg.lexicon is not None:         # read first: a bad file fails before the IBM-1 fit
            from rnnkit.tasks.seq2seq_dictionary import read_lexicon, warn_reversed
            from rnnkit.training.stages import pin_input

            self.lexicon = read_lexicon(self.cfg.lexicon, tgt if self.cfg.gloss_choice == "known" else None)
            warn_reversed(self.lexicon, src, tgt)    # an en -> de file given to de -> en pairs glossed nothing, unsaid
            pin_input("lexicon", self.lexicon.digest())   # train --resume: the same entries, not the same path only
        ibm = IBM1().fit(src, tgt)
        self.dictionary = dict(ibm.best)
        # the reverse IBM-1 only where decode='channel' will use it: ~4.8 MB of config.json and ~3 CPU s on trans-de-en
        # for an option that failed its check (session 31) -- every default run carried it
        self.channel = ReverseChannel.fit(src, tgt) if self.cfg.decode == "channel" else None
        n = Counter(w for s in src for w in s)
        self.counts = {w: n[w] for w in self.dictionary}
        self.src_vocab = Vocab.build(src)
        self.tgt_vocab = Vocab.build(tgt, min_freq=self.cfg.min_count, specials=(PAD, UNK, BOS, EOS))
        warn_rare_targets(tgt, self.tgt_vocab.index, self.cfg.min_count, sources=src)   # one word per number: BLEU 0
        self.net = self._make_net()
        sents = self._sentences(src, tgt)
        if self.cfg.align_weight > 0:            # guided alignment: the attention is pulled toward these
            for s, post in zip(sents, ibm.posteriors(src, tgt)):
                s.align = post[:, 1:]
        return sents

    def batch(self, sents: Sequence[Sentence]) -> dict[str, Tensor]:
        return make_batch(sents, self.tgt_vocab)

    def loss(self, b: dict[str, Tensor]) -> Tensor:
        """:func:`pointer_loss`; in training mode, word dropout first: each source word and each decoder
        input word (never ``<s>``, never the gold) becomes ``<unk>`` with probability ``word_dropout``."""
        p = self.cfg.word_dropout
        if self.net.training and p > 0:
            unk, bos = self.tgt_vocab.index[UNK], self.tgt_vocab.index[BOS]
            src, prev = b["src"], b["prev"]
            b = dict(b)
            b["src"] = src.masked_fill((torch.rand(src.shape) < p) & (src > 0), self.src_vocab.index[UNK])
            b["prev"] = prev.masked_fill((torch.rand(prev.shape) < p) & (prev > 0) & (prev != bos), unk)
        return pointer_loss(self.net, b, self.cfg.label_smoothing, self.cfg.align_weight)

    def translate(self, sources: list[str], beam: int, batch_size: int = 64, decode: str = "beam",
                  warn: bool = True, rescorer: Any = None, rescore_weight: float = 0.0) -> list[str]:
        """Translations; ``decode="mbr"``: the MBR choice (:mod:`rnnkit.tasks.seq2seq_mbr`) among the
        ``beam``-best outputs and the source glossed word by word (the dictionary's own translation);
        ``decode="channel"``: the ``beam``-best reranked with the reverse channel (:mod:`rnnkit.tasks.seq2seq_channel`;
        a run saved without one is a ConfigError). A source
        without a word token is translated as '' (with a warning unless ``warn=False``: :func:`warn_wordless`)."""
        from rnnkit.tasks.seq2seq_mbr import mbr_select
        from rnnkit.tasks.seq2seq_words import detokenize

        c = self.cfg
        if decode == "channel" and self.channel is None:
            from rnnkit.errors import ConfigError

            raise ConfigError("decode: expected a run trained with decode='channel' (it fits and saves the reverse "
                              "channel model), got one without it; train it again with --decode channel, or decode "
                              "'beam' or 'mbr'")
        once_from = 0 if c.repeat_top is None else len(self.tgt_vocab.specials) + c.repeat_top   # the vocabulary is by frequency
        every = self._words(sources, "sources")    # once: a second pass over the kept ones told truncations() their
        if warn:                                    # own indices (another line's number)
            warn_wordless(sources, every)
        kept = [i for i, s in enumerate(every) if s]   # zero-width spaces or a BOM alone: one failed the whole batch
        src = [every[i] for i in kept]
        out = [""] * len(every)
        if not src:
            return out
        glosses = self._glosses(src)
        sents = [prepare(s, g, self.src_vocab, self.tgt_vocab) for s, g in zip(src, glosses)]
        hyps = pointer_search(self.net, sents, self.tgt_vocab, beam, c.alpha, c.max_decode_ratio, batch_size,
                              c.no_repeat_ngram, once_from, nbest=decode != "beam")
        if decode == "channel":
            from rnnkit.tasks.seq2seq_channel import channel_scores, channel_select
            from rnnkit.tasks.seq2seq_lexicon import Lexicon

            analyse = Lexicon(self.dictionary, self.counts, derive=c.derive_words).analyse
            gloss = None
            if c.channel_lexicon and self.lexicon is not None:   # the lexicon's glosses explain unknown words
                from rnnkit.tasks.seq2seq_channel import lexicon_gloss

                gloss = lexicon_gloss(self.dictionary, self.counts, self.lexicon)
            # rescorer(sources, nbest) -> a score per output, added times rescore_weight (seq2seq_rescore)
            extra = None if rescorer is None else rescorer(src, [h[:beam] for h in hyps])
            for n, (i, h, s) in enumerate(zip(kept, hyps, src)):   # the beam's k best, as MBR's pool
                if h:
                    if extra is None:
                        best = channel_select(h[:beam], s, self.channel, c.channel_weight, c.channel_length, analyse,
                                              gloss)
                    else:
                        sc = [v + rescore_weight * e for v, e in zip(channel_scores(
                            h[:beam], s, self.channel, c.channel_weight, c.channel_length, analyse, gloss), extra[n])]
                        best = max(range(len(sc)), key=lambda j: (sc[j], -j))
                    out[i] = detokenize(h[best][0])
            return out
        for i, h, g in zip(kept, hyps, glosses):
            if decode != "mbr":
                out[i] = detokenize(h)
                continue
            pool = [detokenize(x) for x, _ in h[:beam]] + [detokenize([w for p in g for w in p.split()])]
            out[i] = pool[mbr_select(pool)]
        return out

    def target_words(self, targets: list[str]) -> list[str]:
        from rnnkit.tasks.seq2seq_words import words

        return [w for t in words(targets) for w in t]

    def vocabs(self) -> dict[str, Vocab]:
        return {"source": self.src_vocab, "target": self.tgt_vocab}

    def state(self) -> dict[str, Any]:
        """config.json's state; the lexicon's table is :meth:`extra_files`' (its sha256 here)."""
        return {"dictionary": self.dictionary, "counts": self.counts,
                **({} if self.channel is None else {"channel": self.channel.state()}),
                **({} if self.lexicon is None else {"lexicon": self.lexicon.state(inline=False)})}

    def extra_files(self) -> dict[str, bytes]:
        """The lexicon's table in its own file of the run folder (it was ~10 MB of config.json on trans-de-en)."""
        from rnnkit.tasks.seq2seq_dictionary import LEXICON_FILE

        return {} if self.lexicon is None else {LEXICON_FILE: self.lexicon.table_bytes()}

    def restore(self, src_vocab: Vocab, tgt_vocab: Vocab, state: Any, where: Any,
                extra: dict[str, bytes] | None = None) -> "WordPointer":
        """Rebuild from a run folder's vocabularies, state and own files (``where``: the file named in errors)."""
        from rnnkit.errors import CheckpointError

        d = state.get("dictionary") if isinstance(state, dict) else None
        if not isinstance(d, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in d.items()):
            raise CheckpointError(f"{where}: expected a 'dictionary' of source word -> target word in the state, "
                                  f"got {type(d).__name__}")
        missing = [t for t in (PAD, UNK, BOS, EOS) if t not in tgt_vocab.index]
        if missing or UNK not in src_vocab.index:
            raise CheckpointError(f"{where}: expected <pad>, <unk>, <s>, </s> in the target vocabulary and <unk> in "
                                  f"the source one, got {missing or ['<unk>']} missing")
        n = state.get("counts", {})                  # absent in runs saved before the lexicon: all 0
        if not isinstance(n, dict) or not all(isinstance(k, str) and isinstance(v, int) for k, v in n.items()):
            raise CheckpointError(f"{where}: expected 'counts' of source word -> int in the state, got {type(n).__name__}")
        self.src_vocab, self.tgt_vocab, self.dictionary, self.counts = src_vocab, tgt_vocab, dict(d), dict(n)
        if "channel" in state:                       # absent in runs saved before decode="channel"
            from rnnkit.tasks.seq2seq_channel import ReverseChannel

            self.channel = ReverseChannel.from_state(state["channel"], where)
        if self.cfg.lexicon is not None:             # the run's own copy of the external lexicon, verified
            from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon

            if "lexicon" not in state:
                raise CheckpointError(f"{where}: expected the 'lexicon' of a run trained with lexicon="
                                      f"{self.cfg.lexicon!r} in the state, got none")
            self.lexicon = BilingualLexicon.from_state(state["lexicon"], where, extra or {})
        self.net = self._make_net()
        return self


def warn_wordless(sources: Sequence[str], words: Sequence[Sequence[str]]) -> None:
    """Warn once when some of ``sources`` (tokenized: ``words``) hold no word token (zero-width spaces, a BOM
    alone): they are translated as '', the first named by its index in ``sources``."""
    empty = [i for i, s in enumerate(words) if not s]
    if empty:
        import warnings

        warnings.warn(f"sources[{empty[0]}]: expected a text with at least one word token, got none from "
                      f"{sources[empty[0]]!r}; translated as '' ({len(empty)} such source(s))", stacklevel=3)
