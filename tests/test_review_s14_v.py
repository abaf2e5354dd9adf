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


def _grads(layer, x, lens, state=None):
    import torch

    y, s = layer(x, state, lengths=lens)
    parts = tuple(s) if isinstance(s, (tuple, list)) else (s,)
    loss = sum(t.sum() for t in (y if isinstance(y, tuple) else (y,))) + sum((t ** 2).sum() for t in parts)
    return y, parts, torch.autograd.grad(loss, list(layer.parameters()), allow_unused=True)


def test_padding_of_a_sequence_of_length_0_reaches_no_gradient():
    """Layers take a length of 0 since 5732558 (run with length 1, the rows then replaced), but the step run read
    the row's first input: every step of such a row is padding, and the layers' contract is that padding (NaN,
    inf, 1e30) reaches no gradient -- NaN there made every weight's gradient NaN (a tbptt chunk after a sequence
    ended, padded with NaN). Oracle: the same layer on the rows of length >= 1 alone, with the same padding."""
    import pytest
    import torch

    import rnnkit

    keep = torch.tensor([0, 2])
    cases = [("lstm", {}), ("gru", {"engine": "bptt"}), ("gru", {"engine": "reference"}), ("elman", {"num_layers": 2}),
             ("mingru", {}), ("minlstm", {"bidirectional": True}), ("lstm", {"bidirectional": True, "layer_norm": True})]
    for pad in (float("nan"), float("inf"), 1e30):
        for name, kw in cases:
            torch.manual_seed(0)
            layer = rnnkit.make_layer(name, 3, 4, batch_first=True, **kw).double()
            x = torch.randn(3, 5, 3, dtype=torch.double)
            lens = torch.tensor([5, 0, 3])
            x[1], x[2, 3:] = pad, pad                        # the ended row is all padding; row 2 is padded after 3
            y, s, g = _grads(layer, x, lens)
            yo, so, go = _grads(layer, x[keep], lens[keep])
            torch.testing.assert_close(y[keep], yo)
            assert torch.equal(y[1], torch.zeros_like(y[1]))
            for a, b in zip(s, so):
                torch.testing.assert_close(a[:, keep], b)
            for (pname, _), a, b in zip(layer.named_parameters(), g, go):
                assert (a is None) == (b is None), pname
                if a is not None:
                    torch.testing.assert_close(a, b, msg=f"{name} {kw} pad {pad}: {pname}")
    # the Bidirectional wrapper, with a given state
    torch.manual_seed(0)
    bi = rnnkit.Bidirectional(rnnkit.make_layer("gru", 3, 4, batch_first=True)).double()
    x = torch.randn(3, 5, 3, dtype=torch.double)
    x[1] = float("nan")
    h0 = torch.randn(2, 3, 4, dtype=torch.double)
    _, s, g = _grads(bi, x, torch.tensor([5, 0, 3]), h0)
    _, so, go = _grads(bi, x[keep], torch.tensor([5, 3]), h0[:, keep])
    assert torch.equal(s[0][:, 1], h0[:, 1])
    for a, b in zip(g, go):
        torch.testing.assert_close(a, b)
    with pytest.raises(AssertionError):   # not vacuous: the layer does carry NaN it reads into the gradients
        _check_finite(_grads(rnnkit.make_layer("gru", 3, 4, batch_first=True).double(), x, None)[2])


def _check_finite(grads):
    import torch

    assert all(bool(torch.isfinite(t).all()) for t in grads if t is not None)


def test_labels_composed_and_decomposed_are_one_spelling_like_forecast_ids():
    """Session 14 refused forecast ids written NFC and NFD (2388ac0) and labels that differ by spaces around them
    (37e995e), but labels NFC 'café' and NFD 'cafe' + U+0301 (one text on screen) were still two classes,
    silently, and such a gold label at evaluate an unseen class. Oracle: unicodedata's NFC of each label."""
    import unicodedata

    import pytest

    from rnnkit.errors import DataError
    from rnnkit.tasks.common import check_label_spelling, check_labels
    from rnnkit.tasks.tagging import _check_tags

    nfc, nfd = "café", unicodedata.normalize("NFD", "café")
    assert nfc != nfd and unicodedata.normalize("NFC", nfd) == nfc
    with pytest.raises(DataError, match=r"^labels: expected each label written one way, got 'café' \(labels\[0\]\) "
                                        r"and .* \(labels\[2\]\), which differ only by Unicode composition"):
        check_labels([nfc, "thé", nfd])
    with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it, got .*, while the class "
                                        r"'café' differs only by Unicode composition"):
        check_label_spelling([nfd], [nfd], [nfc, "thé"], "y")
    with pytest.raises(DataError, match=r"^tags: expected each label written one way.*tags\[1\]\[0\]"):
        _check_tags([[nfc], [nfd]], [["a"], ["b"]])
    assert check_labels([nfc, "thé", nfc]) == [nfc, "thé", nfc]          # one spelling: one class, no error
    with pytest.raises(DataError, match=r"which differ only by spaces around them"):   # the message as before
        check_labels(["pos", "pos "])


def test_a_diverged_loss_beside_a_featureless_tensor_is_not_called_an_empty_batch():
    """6264cba made a NaN loss from a batch holding an empty tensor a DataError ('expected at least one item in each
    batch'), for a batch of 0 items. But a forecasting network's batches hold their future covariates as (64, 3, 0)
    when a series has none (integer steps, no calendar): a diverged fit there was told its batch was empty, instead
    of NonFiniteLossError naming the last good checkpoint. Oracle: the same fit without the featureless tensor."""
    import pytest
    import torch

    import rnnkit
    from rnnkit.errors import DataError, NonFiniteLossError
    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    x, y = torch.randn(2, 5, 3), torch.randn(2, 5, 4)

    def diverged(m, b):      # a model whose loss became NaN
        return ((m(b[0])[0] - b[1]) ** 2).mean() * float("nan")

    def fit(batch):
        return Trainer(rnnkit.LSTM(3, 4, batch_first=True), diverged, config=TrainConfig(epochs=1, quiet=True)).fit([batch])

    with pytest.raises(NonFiniteLossError):
        fit((x, y))                                                   # the oracle
    for featureless in (torch.zeros(2, 3, 0), torch.zeros(2, 0)):
        with pytest.raises(NonFiniteLossError):
            fit((x, y, featureless))
    with pytest.raises(DataError, match=r"^train_data: expected at least one item in each batch"):   # still
        Trainer(rnnkit.LSTM(3, 4, batch_first=True), lambda m, b: ((m(b[0])[0] - b[1]) ** 2).mean(),
                config=TrainConfig(epochs=1, quiet=True)).fit([(x, y), (torch.zeros(0, 5, 3), torch.zeros(0, 5, 4))])
    from rnnkit.training.data import empty_part
    assert empty_part({"x": torch.zeros(5, 0, 3)}) is not None and empty_part([torch.zeros(0)]) is not None  # time-major
