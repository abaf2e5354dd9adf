"""``rnnkit tag train|predict|evaluate``: sequence tagging (POS, BIO entities) with a char-aware BiLSTM
and the most-frequent-tag baseline.

Examples::

    rnnkit tag train --dataset optimus-ner --out runs/ner
    rnnkit tag train --conll train.conll --out runs/pos
    rnnkit tag predict --run runs/ner --input tokens.txt --json     # one token a line, blank line between sentences
    rnnkit tag evaluate --run runs/ner --conll test.conll --json    # {"metrics": ..., "baseline": ...}

CoNLL: ``token<TAB>tag`` a line, a blank line between sentences. Tokens are taken as given (any script).
``train`` holds out ``--test-fraction`` of the sentences (seeded); ``evaluate --dataset NAME`` scores the
same held-out part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnkit.cli.classify import _bool, _run_extra, add_actions, require_run_out
from rnnkit.cli.common import UsageError, check_memory, load_run, rnn_params, training_bytes

__all__ = ["add_parser", "run"]

SIZE_FLAGS = ["--word-dim", "--char-dim", "--char-hidden", "--hidden-size", "--num-layers", "--batch-size",
              "--max-len"]


def _memory_need(args) -> int:
    """Estimated training memory from the size flags (vocabularies not known yet: counted as small)."""
    char = rnn_params(args.cell, args.char_dim, args.char_hidden, 1, True)
    inp = args.word_dim + 2 * args.char_hidden
    params = char + rnn_params(args.cell, inp, args.hidden_size, args.num_layers, True)
    acts = args.batch_size * args.max_len * (inp + args.num_layers * 12 * args.hidden_size + 12 * args.char_hidden)
    return training_bytes(params, acts)


def add_parser(sub):
    p, (tr, pr, ev) = add_actions(sub, "tag", "sequence tagging (POS, BIO named entities)", __doc__)
    for ap in (tr, ev):
        ap.add_argument("--dataset", default=None, help="registered data set (e.g. optimus-ner)")
        ap.add_argument("--conll", type=Path, default=None, help="token<TAB>tag file, blank line between sentences")
    pr.add_argument("--input", default="-", metavar="PATH",
                    help="one token a line, blank line between sentences ('-': stdin); a tag column is ignored")
    tr.add_argument("--cell", choices=["lstm", "gru", "elman"], default="lstm")
    for flag, typ, default in (("--word-dim", int, 64), ("--char-dim", int, 32), ("--char-hidden", int, 32),
                               ("--hidden-size", int, 128), ("--num-layers", int, 1), ("--dropout", float, 0.3),
                               ("--word-dropout", float, 0.1), ("--epochs", int, 20), ("--batch-size", int, 32),
                               ("--lr", float, 2e-3), ("--patience", int, 4), ("--max-len", int, 200),
                               ("--test-fraction", float, 0.2), ("--limit", int, None)):
        tr.add_argument(flag, type=typ, default=default)
    tr.add_argument("--on-long", choices=["truncate", "error"], default="truncate")
    tr.add_argument("--constrained", type=_bool, default=True, metavar="BOOL",
                    help="BIO tags: decode the best valid tag sequence (Viterbi) instead of per-token argmax")
    return p


def _load(args) -> tuple[list[tuple[list[str], list[str]]], str | None]:
    from rnnkit.data.registry import get_dataset
    from rnnkit.data.text import read_conll

    if (args.dataset is None) == (args.conll is None):
        raise UsageError("input: expected exactly one of --dataset NAME or --conll PATH, got "
                         + ("both" if args.dataset else "neither"))
    if args.conll is not None:
        return read_conll(args.conll), None
    info = get_dataset(args.dataset)
    if info.kind != "tagging":
        raise UsageError(f"--dataset: expected a tagging data set, got {args.dataset!r} (kind {info.kind!r})")
    return info.load(), args.dataset


def run(args) -> dict[str, Any]:
    from rnnkit.tasks.classification import split_indices
    from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig, tagging_metrics

    if args.action == "train":
        out = require_run_out(args)
        check_memory(args, _memory_need, SIZE_FLAGS)
        data, ds = _load(args)
        if args.limit is not None:
            data = data[: args.limit]
        tr, te = split_indices(len(data), args.test_fraction, args.seed)
        train, test = [data[i] for i in tr], [data[i] for i in te]
        cfg = TaggerConfig(cell=args.cell, word_dim=args.word_dim, char_dim=args.char_dim,
                           char_hidden=args.char_hidden, hidden_size=args.hidden_size, num_layers=args.num_layers,
                           dropout=args.dropout, word_dropout=args.word_dropout, max_len=args.max_len,
                           on_long=args.on_long, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                           patience=args.patience, seed=args.seed, constrained=args.constrained,
                           progress=not args.quiet)
        tagger = SequenceTagger(cfg).fit([s for s, _ in train], [t for _, t in train])
        base = MostFrequentTag().fit(train)
        result: dict[str, Any] = {"run": str(out), "train_size": len(train), "test_size": len(test),
                                  "train_seconds": tagger.history["seconds"]}
        if test:
            S, T = [s for s, _ in test], [t for _, t in test]
            result["metrics"] = tagger.evaluate(S, T, unseen="ignore")
            result["baseline"] = tagging_metrics(T, base.predict(S))
        tagger.save(out, baseline=base, extra={"dataset": ds, "test_fraction": args.test_fraction,
                                                "split_seed": args.seed, "limit": args.limit})
        return result

    tagger = load_run(SequenceTagger.load, args.run)
    if args.action == "predict":
        from rnnkit.data.text import read_conll_tokens

        sents = read_conll_tokens(args.input)
        tags = tagger.predict(sents)
        if args.json:
            return {"predictions": tags}
        return {"text": "\n\n".join("\n".join(f"{w}\t{t}" for w, t in zip(s, ts)) for s, ts in zip(sents, tags))}

    data, ds = _load(args)
    extra = _run_extra(args.run)
    if ds is not None and extra.get("dataset") == ds:  # the held-out part of the training run
        if extra.get("limit") is not None:
            data = data[: extra["limit"]]
        _, te = split_indices(len(data), extra["test_fraction"], extra["split_seed"])
        data = [data[i] for i in te]
    S, T = [s for s, _ in data], [t for _, t in data]
    result = {"metrics": tagger.evaluate(S, T), "n": len(S)}
    if tagger.baseline is not None:
        result["baseline"] = tagging_metrics(T, tagger.baseline.predict(S))
    return result
