"""Char-level seq2seq on trans-de-en (German -> English) under a wall-clock budget: BLEU/chrF of the
network (greedy and beam) next to copy-source and the IBM-1 word dictionary, on a seeded 10% test
split of the 19,606 pairs.

    python benchmarks/bench_translation.py --minutes 10 --threads 1 --out bench_translation.json

Beam search is batched (all sources of a batch x k hypotheses in one decoder call) and scored on the first
--beam-n test pairs (all by default; greedy and the baselines on those too, for a like-for-like row). The
training budget is the fit's whole wall time (units, encoding, the first optimizer's import, training,
validation); the JSON records it next to the process CPU seconds and the load average at start and end,
because on a shared machine CPU time is the honest clock.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--enc-hidden", type=int, default=128)
    ap.add_argument("--dec-hidden", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--beam-n", type=int, default=None, help="test pairs decoded with beam (default: all)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--run", default=None)
    ap.add_argument("--out", default="bench_translation.json")
    a = ap.parse_args(argv)

    import torch

    from rnnkit.data.translation import load_trans_de_en
    from rnnkit.tasks.classification import split_indices
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator, translation_metrics

    def cpu_s() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    torch.set_num_threads(a.threads)
    load0, wall0, cpu0 = os.getloadavg(), time.perf_counter(), cpu_s()
    pairs = load_trans_de_en()[: a.limit]
    tr, te = split_indices(len(pairs), 0.1, 0)
    S, T = [pairs[i][0] for i in tr], [pairs[i][1] for i in tr]
    St, Tt = [pairs[i][0] for i in te], [pairs[i][1] for i in te]
    cfg = Seq2SeqConfig(enc_hidden=a.enc_hidden, dec_hidden=a.dec_hidden, batch_size=a.batch_size, lr=a.lr,
                        max_seconds=a.minutes * 60, epochs=100, beam=a.beam)
    cpu_fit = cpu_s()
    model = Translator(cfg).fit(S, T)
    load1, cpu_fit = os.getloadavg(), cpu_s() - cpu_fit
    rows = []
    t = time.perf_counter()
    hyp_greedy = model.translate(St, beam=1)
    rows.append({"model": "seq2seq greedy", "n": len(St), **translation_metrics(hyp_greedy, Tt),
                 "decode_s": time.perf_counter() - t})
    for name, b in model.baselines.items():
        rows.append({"model": f"{name} (baseline)", "n": len(St), **translation_metrics(b.translate(St), Tt)})
    n = len(St) if a.beam_n is None else min(a.beam_n, len(St))
    t = time.perf_counter()
    hyp_beam = model.translate(St[:n], beam=a.beam)
    rows.append({"model": f"seq2seq beam {a.beam}", "n": n, **translation_metrics(hyp_beam, Tt[:n]),
                 "decode_s": time.perf_counter() - t})
    if n < len(St):
        rows.append({"model": "seq2seq greedy", "n": n, **translation_metrics(hyp_greedy[:n], Tt[:n])})
        for name, b in model.baselines.items():
            rows.append({"model": f"{name} (baseline)", "n": n, **translation_metrics(b.translate(St[:n]), Tt[:n])})
    if a.run:
        model.save(a.run, extra={"dataset": "trans-de-en", "test_fraction": 0.1, "split_seed": 0, "limit": a.limit})
    result = {"rows": rows, "curve": model.history["curve"], "train_seconds": model.history["seconds"],
              "stop_reason": model.history["stop_reason"], "fit_cpu_seconds": cpu_fit,
              "command_wall_seconds": time.perf_counter() - wall0, "command_cpu_seconds": cpu_s() - cpu0,
              "command": "python benchmarks/bench_translation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "epochs": model.history["epochs"], "train_pairs": len(S), "test_pairs": len(St),
              "examples": [{"source": s, "reference": r, "greedy": g, "beam": b}
                           for s, r, g, b in zip(St[:8], Tt[:8], hyp_greedy[:8], hyp_beam[:8])],
              "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
              "machine": {"cpu_count": os.cpu_count(), "torch_threads": a.threads, "torch": torch.__version__,
                          "python": platform.python_version(), "loadavg_start": load0, "loadavg_end": load1}}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    print(f"fit {result['train_seconds']:.0f} s wall ({result['stop_reason']}), {cpu_fit:.0f} s CPU; load average "
          f"{load0[0]:.1f} -> {load1[0]:.1f}; {result['epochs']} epochs")
    print("| model | test pairs | BLEU | chrF |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['n']} | {r['bleu']:.1f} | {r['chrf']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
