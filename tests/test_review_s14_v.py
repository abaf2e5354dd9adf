"""Session 14, helper V: review checks of this session's changes, each with an oracle outside the code under test."""

from __future__ import annotations


def test_bpe_vocab_size_bound_keeps_every_unit_an_unbounded_trainer_learns():
    """BPEVocab.train gives the tokenizers trainer at most 3 * len(text) + 16 units (5ed7c5e: 10**9 aborted the
    process). The session's own test compared two sizes both above that bound, so both were cut to it alike and
    a bound below what a text yields could not fail it. Oracle: the tokenizers trainer itself, set up as
    BPEVocab.train sets it up, with a size that is no bound at all for this text (10_000 > 3 * 400 + 16), on a
    text that yields more units than its length (200 distinct characters, twice: 200 characters + 199 merges +
    2 specials), so a bound of len(text) would already drop units."""
    import tokenizers as tk

    from rnnkit.data.subword import PRE_SPLIT, BPEVocab, segments
    from rnnkit.data.vocab import PAD, UNK

    text = "".join(chr(0x4E00 + i) for i in range(200)) * 2
    tok = tk.Tokenizer(tk.models.BPE(unk_token=UNK))
    tok.normalizer = tk.normalizers.NFC()
    tok.pre_tokenizer = tk.pre_tokenizers.Split(tk.Regex(PRE_SPLIT), behavior="isolated")
    trainer = tk.trainers.BpeTrainer(vocab_size=10_000, special_tokens=[PAD, UNK], show_progress=False,
                                     min_frequency=2)
    tok.train_from_iterator(segments(text), trainer=trainer)
    oracle = BPEVocab(tok)
    assert len(oracle) > len(text)                       # the text yields more units than it has characters
    for size in (10**9, 3 * len(text) + 16):
        got = BPEVocab.train(text, size)
        assert got.tokens == oracle.tokens, size
