"""``rnnkit tsc train|predict|evaluate``: time-series classification with a 1-NN Euclidean baseline.

Examples::

    rnnkit tsc train --dataset japanese-vowels --out runs/jv          # sktime's train/test split
    rnnkit tsc train --ts TRAIN.ts --test-ts TEST.ts --out runs/mine
    rnnkit tsc train --csv long.csv --id-col id --time-col time --label-col label --out runs/mine
    rnnkit tsc predict --run runs/jv --ts new.ts --json
    rnnkit tsc evaluate --run runs/jv --dataset japanese-vowels --json   # {"metrics": ..., "baseline": ...}

Long-format CSV: one row per (series id, time step), one column per channel (``--value-cols``, default
every other column). ``.ts``: sktime/UEA text format (``@data`` then ``v,v,v:v,v,v:label`` lines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.cli.classify import _bool, add_actions, memory_need, require_run_out
from rnnkit.cli.common import UsageError, check_memory, load_run

__all__ = ["add_parser", "run"]

SIZE_FLAGS = ["--hidden-size", "--num-layers", "--patch", "--batch-size", "--max-len"]


def add_parser(sub):
    p, (tr, pr, ev) = add_actions(sub, "tsc", "time-series classification (UCR/UEA, long CSV)", __doc__)
    for ap in (tr, ev):
        ap.add_argument("--dataset", default=None, help="registered data set (e.g. japanese-vowels, gunpoint)")
    for ap in (tr, pr, ev):
        ap.add_argument("--ts", type=Path, default=None, help="sktime .ts file")
        ap.add_argument("--csv", type=Path, default=None, help="long-format CSV")
        ap.add_argument("--id-col", default="id")
        ap.add_argument("--time-col", default="time")
        ap.add_argument("--label-col", default="label")
        ap.add_argument("--value-cols", default=None, help="comma-separated channel columns (default: the rest)")
    tr.add_argument("--test-ts", type=Path, default=None, help="held-out .ts file (else --test-fraction split)")
    tr.add_argument("--model", choices=["rnn", "feedforward"], default="rnn")
    tr.add_argument("--cell", choices=["lstm", "gru", "elman"], default="lstm")
    tr.add_argument("--pooling", choices=["last", "max", "mean"], default="mean")
    tr.add_argument("--bidirectional", type=_bool, default=True, metavar="BOOL")
    for flag, typ, default in (("--hidden-size", int, 64), ("--num-layers", int, 1), ("--dropout", float, 0.1),
                               ("--epochs", int, 60), ("--batch-size", int, 32), ("--lr", float, 3e-3),
                               ("--patience", int, 15), ("--patch", int, 1), ("--max-len", int, 2000), ("--test-fraction", float, 0.3)):
        tr.add_argument(flag, type=typ, default=default)
    tr.add_argument("--on-long", choices=["truncate", "error"], default="truncate")
    tr.add_argument("--no-baseline", action="store_true")
    return p


def _read_file(args, need_labels: bool):
    from rnnkit.data.tsc import read_long_csv, read_ts

    if (args.ts is None) == (args.csv is None):
        raise UsageError("input: expected exactly one of --ts PATH or --csv PATH, got "
                         + ("both" if args.ts is not None else "neither"))
    if args.ts is not None:
        X, y = read_ts(args.ts)
        if need_labels and not any(y):
            raise UsageError("--ts: expected labelled series (@classLabel true), got none")
        return X, y
    cols = args.value_cols.split(",") if args.value_cols else None
    X, y = read_long_csv(args.csv, args.id_col, args.time_col, args.label_col, cols)
    if need_labels and y is None:
        from rnnkit.errors import DataError

        raise DataError(f"csv {str(args.csv)!r}: expected column(s) [{args.label_col!r}] with labels, got none")
    return X, y


def _dataset(name: str):
    from rnnkit.data.registry import get_dataset

    info = get_dataset(name)
    if info.kind != "tsc":
        raise UsageError(f"--dataset: expected a time-series classification data set, got {name!r} (kind {info.kind!r})")
    return info.load()


def run(args) -> dict[str, Any]:
    from rnnkit.tasks.classification import split_indices
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    if args.action == "train":
        out = require_run_out(args)
        check_memory(args, memory_need, SIZE_FLAGS)
        if args.dataset is not None:
            if args.ts is not None or args.csv is not None:
                raise UsageError("input: expected one of --dataset, --ts, --csv, got several")
            d = _dataset(args.dataset)
            Xtr, ytr, Xte, yte = d.X_train, d.y_train, d.X_test, d.y_test
        else:
            Xtr, ytr = _read_file(args, need_labels=True)
            if args.test_ts is not None:
                from rnnkit.data.tsc import read_ts

                Xte, yte = read_ts(args.test_ts)
            else:
                tr, te = split_indices(len(Xtr), args.test_fraction, args.seed)
                Xte, yte = [Xtr[i] for i in te], [ytr[i] for i in te]
                Xtr, ytr = [Xtr[i] for i in tr], [ytr[i] for i in tr]
        cfg = TSCConfig(model=args.model, cell=args.cell, hidden_size=args.hidden_size, num_layers=args.num_layers,
                        bidirectional=args.bidirectional, pooling=args.pooling, patch=args.patch, dropout=args.dropout,
                        max_len=args.max_len, on_long=args.on_long, epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.lr, patience=args.patience, seed=args.seed, progress=not args.quiet)
        clf = TimeSeriesClassifier(cfg).fit(Xtr, ytr)
        base = None if args.no_baseline else OneNNEuclidean().fit(Xtr, ytr)
        result: dict[str, Any] = {"run": str(out), "train_size": len(Xtr), "test_size": len(Xte),
                                  "train_seconds": clf.history["seconds"]}
        if Xte:
            result["metrics"] = {"accuracy": clf.evaluate(Xte, yte, unseen="ignore")["accuracy"]}
            if base is not None:
                from rnnkit.tasks.common import accuracy

                result["baseline"] = {"accuracy": accuracy(yte, base.predict(Xte))}
        clf.save(out, baseline=base, extra={"dataset": args.dataset})
        return result

    clf = load_run(TimeSeriesClassifier.load, args.run)
    if args.action == "predict":
        X, _ = _read_file(args, need_labels=False)
        preds = clf.predict(X)
        return {"predictions": preds} if args.json else {"text": "\n".join(preds)}
    if args.dataset is not None:
        if args.ts is not None or args.csv is not None:
            raise UsageError("input: expected one of --dataset, --ts, --csv, got several")
        d = _dataset(args.dataset)
        X, y = d.X_test, d.y_test
    else:
        X, y = _read_file(args, need_labels=True)
    m = clf.evaluate(X, y)
    result = {"metrics": m, "n": len(X)}
    if clf.baseline is not None:
        from rnnkit.tasks.common import classification_metrics

        result["baseline"] = classification_metrics(y, clf.baseline.predict(X), m["labels"])
    return result
