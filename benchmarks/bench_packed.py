"""Compressed text read by rnnkit's reader (:func:`rnnkit.data.packed.unpacked`: every stream, checksums verified)
against the standard library's ``bz2.decompress`` on the same bytes, in the same run (session 36, helper R's
measurement of c8a575b5, made a benchmark by the lead). Two shapes of multi-stream bzip2: ``big`` -- text in
800 kB parts, one stream each (pbzip2-like) -- and ``tiny`` -- one stream per line (``bzip2 -c >> log.bz2``; before
c8a575b5 each stream was fed the rest of its 1 MiB piece: 5,500x the file's bytes). Reports best-of-3 seconds, the
ratio, and the bytes handed to the decompressors per compressed byte (the quantity the fix bounds).

    PYTHONPATH=src python benchmarks/bench_packed.py [--big-mb 8] [--tiny-lines 20000]
"""
import argparse
import bz2
import random
import time

from rnnkit.data import packed

ap = argparse.ArgumentParser()
ap.add_argument("--big-mb", type=float, default=8.0)
ap.add_argument("--tiny-lines", type=int, default=20000)
args = ap.parse_args()

rng = random.Random(0)
words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(5000)]


def text(n: int) -> bytes:
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(words) for _ in range(12)) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


class Fed:
    """A bz2.BZ2Decompressor that counts the bytes it is handed."""
    total = 0

    def __init__(self):
        self._d = bz2.BZ2Decompressor()

    def decompress(self, data, n=-1):
        Fed.total += len(data)
        return self._d.decompress(data, n)

    def __getattr__(self, k):
        return getattr(self._d, k)


def best(f) -> float:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


big = text(int(args.big_mb * 1e6))
cases = {"big": [big[i:i + 800_000] for i in range(0, len(big), 800_000)],
         "tiny": text(args.tiny_lines * 80).splitlines(keepends=True)[:args.tiny_lines]}
for name, parts in cases.items():
    data = b"".join(bz2.compress(p, 9) for p in parts)
    plain = b"".join(parts)
    assert packed.unpacked(data, name, "--csv") == plain == bz2.decompress(data)
    Fed.total = 0
    s = packed._Streams(Fed, data, "bzip2")
    while s.read(1 << 24):
        pass
    ours, std = best(lambda: packed.unpacked(data, name, "--csv")), best(lambda: bz2.decompress(data))
    print(f"{name}: {len(parts)} streams, {len(data):,} compressed bytes -> {len(plain):,}; rnnkit {ours:.3f} s, "
          f"bz2.decompress {std:.3f} s, ratio {ours / std:.2f}; bytes fed {Fed.total / len(data):.2f}x the file")
