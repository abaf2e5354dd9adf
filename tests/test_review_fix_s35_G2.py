"""Session 35, fixer G2: guards beside reviewer W2's tests for the fixes of W2-1 (bzip2/xz read stream by stream)."""

from __future__ import annotations

import bz2
import lzma

import pytest

from rnnkit.data.packed import unpacked
from rnnkit.errors import DataError

STREAMS = [("bzip2", bz2.compress), ("xz", lzma.compress)]


@pytest.mark.parametrize("kind, comp", STREAMS)
def test_concatenated_streams_read_whole(kind, comp):
    # `cat a.bz2 b.bz2` (and a stream of nothing between them) is one file of both texts, as bunzip2 / xz read it
    data = comp(b"t,y\n1,2\n") + comp(b"") + comp(b"3,4\n" * 5000)
    assert unpacked(data, "a.csv.x", "--csv") == b"t,y\n1,2\n" + b"3,4\n" * 5000


@pytest.mark.parametrize("kind, comp", STREAMS)
def test_garbage_after_the_last_stream_is_refused_by_name(kind, comp):
    # bz2.BZ2File / lzma.LZMAFile stopped at these bytes without a word (W2-1's second case)
    with pytest.raises(DataError, match=rf"expected a complete {kind} file, got 'a.csv.x' .*9 bytes after its "
                                        rf"stream 1 start no {kind} stream"):
        unpacked(comp(b"t,y\n1,2\n") + b"garbage!!", "a.csv.x", "--csv")


@pytest.mark.parametrize("kind, comp", STREAMS)
def test_a_truncated_second_stream_is_refused(kind, comp):
    second = comp(b"3,4\n5,6\n")
    with pytest.raises(DataError, match=rf"expected a complete {kind} file"):
        unpacked(comp(b"t,y\n1,2\n") + second[: len(second) // 2], "a.csv.x", "--csv")


def test_xz_stream_padding_is_read_past_and_other_zeros_are_not():
    # the .xz format allows zero bytes in fours after a stream (stream padding; xz -dc reads it); three are not padding
    first = lzma.compress(b"t,y\n1,2\n")
    assert unpacked(first + b"\0" * 8, "a.csv.xz", "--csv") == b"t,y\n1,2\n"
    with pytest.raises(DataError, match="expected a complete xz file"):
        unpacked(first + b"\0" * 3, "a.csv.xz", "--csv")
    with pytest.raises(DataError, match="bzip2"):    # bzip2 has no padding: bunzip2 warns 'trailing garbage'
        unpacked(bz2.compress(b"t,y\n1,2\n") + b"\0" * 4, "a.csv.bz2", "--csv")


def test_a_corrupt_xz_stream_is_a_data_error():
    # LZMAError is no OSError: a damaged first stream must be named as well
    data = bytearray(lzma.compress(b"t,y\n1,2\n" * 100))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(DataError, match="expected a complete xz file"):
        unpacked(bytes(data), "a.csv.xz", "--csv")


@pytest.mark.parametrize("cell, named", [("-1e400", "'-1e400' in data row 4"), ("inf", None),
                                         ("1" + "0" * 400, "an integer of 401 digits in data row 4")])
def test_a_time_cell_beyond_float64_is_named_and_a_written_inf_is_not(tmp_path, cell, named):
    # W2-5's twin cases: a negative number beyond float64 is named by its text and row, a 400-digit integer by its
    # digits and row (it was 'expected dates as text or timestamps, got 0 (int)': pandas reads the column as Python
    # ints); a cell written 'inf' is an infinity the file states, left to the time checks' own message
    from rnnkit.data.series import read_series_csv

    rows = ["t,y"] + [f"{i},{100 + i}" for i in range(30)]
    rows[4] = f"{cell},103"
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as e:
        read_series_csv(tmp_path / "t.csv", time_col="t")
    assert (named in str(e.value) and "too large for float64" in str(e.value)) if named else \
        "too large" not in str(e.value), str(e.value)


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_many_small_streams_read_whole(monkeypatch, block):
    # pbzip2 writes one stream per block: no byte lost or repeated where a stream (or xz padding) ends at or across
    # the reader's feeding blocks (shrunk here so 300 streams cross thousands of them)
    import random

    from rnnkit.data import packed

    monkeypatch.setattr(packed._Streams, "_BLOCK", block)
    rng = random.Random(0)
    texts = [bytes(rng.choice(b"0123456789,\n") for _ in range(rng.randrange(0, 3000))) for _ in range(300)]
    for comp, pad in ((bz2.compress, b""), (lzma.compress, b"\0" * 4), (lzma.compress, b"\0" * 12)):
        data = b"".join([comp(b"t,y\n")] + [comp(t) + pad * rng.randrange(2) for t in texts])
        assert unpacked(data, "a.x", "--csv") == b"t,y\n" + b"".join(texts)


@pytest.mark.parametrize("dtype, scale", [("float16", 1e-3), ("bfloat16", 1e-5)])
def test_a_half_model_with_small_outputs_exports_with_an_honest_runtime(tmp_path, dtype, scale, one_thread):
    # W2-4's fix holds each 16-bit output to 4 eps x its own size (not x max(1, size)): an honest runtime must still
    # pass a head in small units (measured: at most 1.9 eps x the output's own size, /work/scratch/s35/G2/p/rel_*.out)
    import torch

    import rnnkit
    from rnnkit.export import export
    from rnnkit.export.tolerance import HALF_ULPS

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnnkit.LSTM(3, 8, num_layers=2, batch_first=True)
            self.head = torch.nn.Linear(8, 1)

        def forward(self, x):
            return self.head(self.rnn(x)[0]) * scale

    torch.manual_seed(1)
    dt = getattr(torch, dtype)
    model = Model().to(dt).eval()
    said: list[str] = []
    export(model, tmp_path / "m.pt2", format="torch-export", example=(torch.randn(2, 5, 3).to(dt),),
                 progress=said.append)
    line = next(m for m in said if "checking each output within" in m)
    atol = float(line.rsplit(" ", 1)[-1])
    assert atol < HALF_ULPS * torch.finfo(dt).eps * 50 * scale, line    # the output's own size, not max(1, it)
