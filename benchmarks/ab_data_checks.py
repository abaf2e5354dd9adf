"""A/B of the data path's input checks (session 11): ``pad_sequences`` (id lists; (T, C) float arrays with and
without ``dtype``) and ``Vocab.encode`` (200k tokens), best of 5 repetitions, one thread. Run it under two
code versions in separate processes and compare (docs/benchmarks.md, "Data checks of session 11"):

    PYTHONPATH=src python benchmarks/ab_data_checks.py
    git archive f622c78 src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src python benchmarks/ab_data_checks.py
"""
import time, numpy as np, torch
torch.set_num_threads(1)
from rnnkit.data.batching import pad_sequences
from rnnkit.data.vocab import Vocab
rng = np.random.default_rng(0)
ids = [[int(v) for v in rng.integers(0, 5000, rng.integers(5, 60))] for _ in range(32)]
arrs = [rng.normal(size=(rng.integers(50, 300), 3)).astype(np.float32) for _ in range(32)]
words = [f"w{i}" for i in rng.integers(0, 20000, 200000)]
voc = Vocab.build([words])
def t(f, n):
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n): f()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e3
print(f"ids batch {t(lambda: pad_sequences(ids), 200):.3f} ms; float (T,C) batch {t(lambda: pad_sequences(arrs, dtype=torch.float32), 200):.3f} ms; "
      f"float (T,C) no dtype {t(lambda: pad_sequences(arrs), 200):.3f} ms; encode 200k {t(lambda: voc.encode(words), 3):.1f} ms")
