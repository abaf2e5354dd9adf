"""Property-based tests (hypothesis) of the data helpers against oracles (session 20, helper G):

* ``pad_sequences``: each row of the batch is its sequence followed by the pad value, ``lengths`` its
  length (the oracle: the sequences themselves);
* ``bucket_batches``: a partition of the indices into batches of at most ``batch_size``; unshuffled, the
  indices sorted by length (numpy's stable argsort); ``padding_fraction`` equals the count by hand;
* ``limit_length``: ``s[:max_len]`` for each sequence, the cut ones named;
* ``make_windows`` / ``window_origins`` / ``split_origins``: slices of the series by their definition;
* bad inputs (non-dense tensors, lengths that are no lengths, items that are no sequences): typed errors
  naming the argument.

The vocabulary and tokenizers are in tests/test_properties_vocab.py.

Examples are derandomized and bounded.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnkit.data.batching import TruncationWarning, bucket_batches, limit_length, pad_sequences, padding_fraction
from rnnkit.data.windows import make_windows, split_origins, window_origins
from rnnkit.errors import ConfigError, DataError, RnnkitError

pytestmark = pytest.mark.usefixtures("one_thread")

PROPS = settings(max_examples=60, deadline=None, derandomize=True, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

IDS = st.lists(st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=6), min_size=1, max_size=5)


# ============================================================================ batching
@PROPS
@given(seqs=IDS, pad=st.integers(-5, 5), form=st.sampled_from(["list", "numpy", "tensor"]))
def test_pad_sequences_rows_are_the_sequences_then_padding(seqs, pad, form):
    given_ = [np.array(s) if form == "numpy" else torch.tensor(s) if form == "tensor" else s for s in seqs]
    x, lengths = pad_sequences(given_, pad_value=pad)
    assert x.dtype == torch.long and lengths.dtype == torch.long
    assert x.shape == (len(seqs), max(map(len, seqs)))
    assert lengths.tolist() == [len(s) for s in seqs]
    for row, s in zip(x.tolist(), seqs):
        assert row == s + [pad] * (x.shape[1] - len(s))


@PROPS
@given(data=st.data(), C=st.integers(1, 3), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_pad_sequences_of_arrays_round_trip(data, C, dtype):
    n = data.draw(st.integers(1, 4))
    floats = st.floats(-1e6, 1e6, allow_nan=False, width=32)
    seqs = [np.array(data.draw(st.lists(st.lists(floats, min_size=C, max_size=C), min_size=1, max_size=5)),
                     dtype=np.float32) for _ in range(n)]
    x, lengths = pad_sequences(seqs, pad_value=-1.5, dtype=dtype)
    assert x.dtype == dtype and x.shape == (n, max(len(s) for s in seqs), C)
    for i, s in enumerate(seqs):
        L = int(lengths[i])
        assert L == len(s)
        np.testing.assert_array_equal(x[i, :L].numpy(), s.astype(np.float64 if dtype == torch.float64 else np.float32))
        assert bool((x[i, L:] == -1.5).all())


@PROPS
@given(lengths=st.lists(st.integers(0, 30), max_size=40), batch_size=st.integers(1, 7), shuffle=st.booleans(),
       seed=st.integers(0, 1000), pool=st.integers(1, 4), form=st.sampled_from(["list", "numpy", "numpy_u16"]))
def test_bucket_batches_partition_the_indices(lengths, batch_size, shuffle, seed, pool, form):
    given_ = np.array(lengths, dtype=np.uint16) if form == "numpy_u16" else \
        np.array(lengths, dtype=np.int64) if form == "numpy" else lengths
    batches = bucket_batches(given_, batch_size, shuffle=shuffle, seed=seed, pool=pool)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))            # every index exactly once
    assert all(1 <= len(b) <= batch_size for b in batches)
    assert all(type(i) is int for i in flat)
    if not shuffle:
        assert flat == np.argsort(np.array(lengths, dtype=np.int64), kind="stable").tolist()
    else:
        assert batches == bucket_batches(given_, batch_size, shuffle=True, seed=seed, pool=pool)   # seeded
    frac = padding_fraction(given_, batches)
    total = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    real = sum(lengths[i] for b in batches for i in b)
    assert frac == pytest.approx(1 - real / total if total else 0.0, abs=1e-12)
    assert 0.0 <= frac <= 1.0


@PROPS
@given(seqs=st.lists(st.one_of(st.lists(st.integers(0, 9), max_size=8), st.text(max_size=8)), min_size=1,
                     max_size=6),
       max_len=st.integers(1, 6))
def test_limit_length_cuts_to_max_len_and_names_the_cut(seqs, max_len):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = limit_length(seqs, max_len)
    assert out == [s[:max_len] for s in seqs]
    long = [i for i, s in enumerate(seqs) if len(s) > max_len]
    cut = [w.message for w in caught if isinstance(w.message, TruncationWarning)]
    if long:
        assert len(cut) == 1 and cut[0].items == long and cut[0].lengths == [len(seqs[i]) for i in long]
        with pytest.raises(DataError, match="max_len"):
            limit_length(seqs, max_len, on_long="error")
    else:
        assert not cut and out is seqs


NOT_DENSE = {"sparse": lambda t: t.to_sparse(), "meta": lambda t: t.to("meta"),
             "nested": lambda t: torch.nested.nested_tensor([t])}


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")
@PROPS
@given(seqs=IDS, at=st.integers(0, 4), kind=st.sampled_from(sorted(NOT_DENSE)))
def test_pad_sequences_names_a_tensor_without_dense_values(seqs, at, kind):
    """A sparse, meta or nested tensor among the sequences is a DataError naming it (torch's bare 'copy_()
    between dense and sparse', 'Cannot copy out of meta tensor' and 'NestedTensorImpl doesn't support sizes')."""
    at = at % len(seqs)
    given_ = [torch.tensor(s) for s in seqs]
    given_[at] = NOT_DENSE[kind](given_[at])
    with pytest.raises(DataError, match=rf"^seqs\[{at}\]: expected a dense tensor"):
        pad_sequences(given_)


@PROPS
@given(lengths=st.lists(st.one_of(st.integers(-3, 5), st.floats(-2, 5)), min_size=1, max_size=6),
       batches=st.one_of(st.none(), st.integers(), st.lists(st.integers(0, 5), min_size=1, max_size=3),
                         st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=3), max_size=3)))
def test_padding_fraction_is_a_share_or_a_typed_error(lengths, batches):
    """``padding_fraction`` takes the lengths ``bucket_batches`` takes (ints >= 0) and a list of lists of indices
    into them, and returns a share in [0, 1] (the count by hand); anything else is a typed error naming the
    argument. Negative lengths gave a negative share, float lengths fractional steps, ``None`` or a flat list of
    indices Python's bare TypeError."""
    valid_lengths = all(type(n) is int and n >= 0 for n in lengths)
    valid_batches = isinstance(batches, list) and all(isinstance(b, list) and all(0 <= i < len(lengths) for i in b)
                                                      for b in batches)
    if not (valid_lengths and valid_batches):
        with pytest.raises(RnnkitError, match=r"^(lengths|batches(\[\d+\])?): expected"):
            padding_fraction(lengths, batches)
        return
    total = sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
    real = sum(lengths[i] for b in batches for i in b)
    assert padding_fraction(lengths, batches) == pytest.approx(1 - real / total if total else 0.0, abs=1e-12)


@PROPS
@given(seqs=st.lists(st.lists(st.integers(0, 9), max_size=8), min_size=1, max_size=5), at=st.integers(0, 4),
       bad=st.sampled_from(["np0d", "tensor0d", "dict", "none", "int"]), max_len=st.integers(1, 6))
def test_limit_length_names_an_item_that_is_no_sequence(seqs, at, bad, max_len):
    """A 0-d array or tensor, a dict, None or a number among the sequences is an InputTypeError naming it
    (a 0-d one and a dict were Python's bare TypeError of len() or of slicing)."""
    at = at % len(seqs)
    seqs = list(seqs)
    seqs[at] = {"np0d": np.array(3), "tensor0d": torch.tensor(3), "dict": {0: 1}, "none": None, "int": 7}[bad]
    with pytest.raises(RnnkitError, match=rf"^seqs\[{at}\]: expected a sequence"):
        limit_length(seqs, max_len)


# ============================================================================ windows
@PROPS
@given(n=st.integers(0, 30), lookback=st.integers(1, 6), horizon=st.integers(1, 4), F=st.sampled_from([None, 1, 2]),
       data=st.data())
def test_windows_are_the_slices_of_their_definition(n, lookback, horizon, F, data):
    values = np.arange(n * (F or 1), dtype=np.float64).reshape((n, F) if F else (n,))
    origins = window_origins(n, lookback, horizon)
    assert origins.tolist() == [t for t in range(n + 1) if t >= lookback and t + horizon <= n]
    if n < lookback + horizon:
        assert origins.size == 0
        return
    pick = np.array(data.draw(st.lists(st.sampled_from(origins.tolist()), max_size=5)), dtype=np.int64)
    past, future = make_windows(values, lookback, horizon, pick)
    for i, t in enumerate(pick):
        np.testing.assert_array_equal(past[i], values[t - lookback: t])
        np.testing.assert_array_equal(future[i], values[t: t + horizon])
    val_size = data.draw(st.integers(0, n))
    train, val = split_origins(n, lookback, horizon, val_size)
    assert sorted(set(train.tolist()) | set(val.tolist())) == sorted(set(train.tolist() + val.tolist()))
    assert all(t + horizon <= n - val_size for t in train.tolist())      # no training target in validation
    assert all(t >= n - val_size for t in val.tolist())
    assert set(train.tolist()) | set(val.tolist()) <= set(origins.tolist())


@PROPS
@given(arg=st.sampled_from(["n", "lookback", "horizon", "val_size"]),
       bad=st.one_of(st.text(max_size=2), st.floats(allow_nan=True), st.booleans(), st.none(),
                     st.builds(np.float64, st.floats(-3, 30)), st.builds(np.bool_, st.booleans()), st.integers(-5, -1)))
def test_split_origins_names_a_bad_argument(arg, bad):
    """Every argument of ``split_origins`` that is no int (a str, float, bool, numpy float or bool, None) or is
    negative is a ConfigError naming it -- ``n="10"`` was Python's bare TypeError of ``n - val_size``."""
    if arg in ("lookback", "horizon") and bad == 0:
        return
    kwargs = {"n": 20, "lookback": 3, "horizon": 2, "val_size": 4, arg: bad}
    with pytest.raises(ConfigError, match=rf"^{arg}: expected"):
        split_origins(**kwargs)

