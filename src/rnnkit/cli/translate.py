"""``rnnkit translate train|predict|evaluate``: character-level seq2seq translation (BiLSTM encoder,
LSTM decoder with Luong attention, greedy or beam search), with copy-source and word-by-word
dictionary baselines in the same run.

Examples::

    rnnkit translate train --dataset trans-de-en --out runs/deen --max-seconds 600
    rnnkit translate train --tsv pairs.tsv --out runs/mine            # source<TAB>target per line
    rnnkit translate train --dataset num2words-en-fr --limit 2000 --out runs/num
    printf 'Ich habe keine Ahnung.\\n' | rnnkit translate predict --run runs/deen --beam 5 --json
    rnnkit translate evaluate --run runs/deen --json                  # the run's held-out pairs
    rnnkit translate evaluate --run runs/deen --tsv test.tsv --beam 1 --json

``train`` holds out ``--test-fraction`` of the pairs (seeded) and reports the network and both
baselines on them; ``evaluate`` without a file scores that same held-out part again (``--dataset``
runs) or needs ``--tsv``. ``evaluate --json``: ``{"metrics": {"bleu", "chrf"}, "baseline": {"bleu",
"chrf"} (the word dictionary), "baselines": {"copy_source": ..., "word_dictionary": ...}, "n"}``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnkit.cli.classify import add_actions, require_run_out
from rnnkit.cli.common import UsageError, check_memory, load_run, rnn_params, training_bytes

__all__ = ["add_parser", "run"]

SIZE_FLAGS = ["--embed-dim", "--enc-hidden", "--dec-hidden", "--batch-size", "--max-len"]


def _memory_need(args) -> int:
    """Estimated training memory from the size flags (BiLSTM encoder, LSTM decoder, attention; the
    character vocabularies are not known yet and count as small)."""
    E, He, Hd = args.embed_dim, args.enc_hidden, args.dec_hidden
    params = (rnn_params("lstm", E, He, 1, True) + rnn_params("lstm", E, Hd) + 2 * He * Hd
              + (2 * He + Hd) * Hd + 2 * He * Hd)
    acts = args.batch_size * args.max_len * (2 * E + 12 * He + 8 * Hd + args.max_len)
    return training_bytes(params, acts)


def add_parser(sub):
    p, (tr, pr, ev) = add_actions(sub, "translate", "sequence-to-sequence translation (char-level, attention)",
                                  __doc__)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    for ap in (tr, ev):
        ap.add_argument("--dataset", default=None, help="registered pairs (trans-de-en, num2words-en-fr)")
        ap.add_argument("--tsv", type=Path, default=None, metavar="PATH", help="source<TAB>target lines (UTF-8)")
    pr.add_argument("--input", default=None, metavar="PATH", help="one source text a line ('-' or omitted: stdin)")
    for ap in (pr, ev):
        ap.add_argument("--beam", type=int, default=None, help="beam width (1: greedy; default: the run's)")
        ap.add_argument("--limit", type=int, default=None, help="only the first N inputs")
    for flag, typ, default in (("--embed-dim", int, 64), ("--enc-hidden", int, 128), ("--dec-hidden", int, 256),
                               ("--dropout", float, 0.1), ("--epochs", int, 30), ("--batch-size", int, 64),
                               ("--lr", float, 3e-3), ("--patience", int, 4), ("--max-len", int, 200),
                               ("--max-seconds", float, None), ("--beam", int, 5), ("--length-penalty", float, 1.0),
                               ("--val-fraction", float, 0.05), ("--val-max", int, 300),
                               ("--test-fraction", float, 0.1), ("--limit", int, None), ("--threads", int, None)):
        tr.add_argument(flag, type=typ, default=default)
    tr.add_argument("--on-long", choices=["truncate", "error"], default="truncate",
                    help="texts longer than --max-len characters: cut with a warning, or fail")
    tr.add_argument("--bleu-tokenize", choices=["13a", "intl", "char", "zh", "none"], default="13a",
                    help="sacrebleu's BLEU tokenizer (char/zh for text without spaces)")
    return p


def _load_pairs(args) -> tuple[list[str], list[str], str | None]:
    from rnnkit.data.registry import get_dataset
    from rnnkit.data.text import read_tsv_pairs

    if (args.dataset is None) == (args.tsv is None):
        raise UsageError("input: expected exactly one of --dataset NAME or --tsv PATH, got "
                         + ("both" if args.dataset else "neither"))
    if args.tsv is not None:
        pairs = read_tsv_pairs(args.tsv)
        if not pairs:
            from rnnkit.errors import DataError

            raise DataError(f"tsv {str(args.tsv)!r}: expected at least one 'source<TAB>target' line, got none")
        return [s for s, _ in pairs], [t for _, t in pairs], None
    info = get_dataset(args.dataset)
    if info.kind != "translation":
        raise UsageError(f"--dataset: expected a translation data set, got {args.dataset!r} (kind {info.kind!r})")
    kw = {"n": 3000} if args.dataset == "num2words-en-fr" else {}
    pairs = info.load(**kw)
    return [s for s, _ in pairs], [t for _, t in pairs], args.dataset


def _positive(name: str, v: Any) -> None:
    if v is not None and v < 1:
        raise UsageError(f"--{name}: expected a positive int, got {v}")


def run(args) -> dict[str, Any]:
    from rnnkit.tasks.classification import split_indices
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    _positive("limit", args.limit)
    if args.action == "train":
        import torch

        out = require_run_out(args)
        check_memory(args, _memory_need, SIZE_FLAGS)
        _positive("threads", args.threads)
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        cfg = Seq2SeqConfig(
            embed_dim=args.embed_dim, enc_hidden=args.enc_hidden, dec_hidden=args.dec_hidden, dropout=args.dropout,
            max_len=args.max_len, on_long=args.on_long, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            patience=args.patience, val_fraction=args.val_fraction, val_max=args.val_max,
            max_seconds=args.max_seconds, beam=args.beam, length_penalty=args.length_penalty,
            bleu_tokenize=args.bleu_tokenize, seed=args.seed, progress=not args.quiet)
        src, tgt, ds = _load_pairs(args)
        if args.limit is not None:
            src, tgt = src[: args.limit], tgt[: args.limit]
        tr, te = split_indices(len(src), args.test_fraction, args.seed)
        model = Translator(cfg).fit([src[i] for i in tr], [tgt[i] for i in tr])
        result: dict[str, Any] = {"run": str(out), "train_size": len(tr), "test_size": len(te),
                                  "train_seconds": model.history["seconds"], "epochs": model.history["epochs"]}
        if len(te):
            m = model.evaluate([src[i] for i in te], [tgt[i] for i in te])
            base = m.pop("baselines")
            result.update(metrics=m, baseline=base["word_dictionary"], baselines=base)
        model.save(out, extra={"dataset": ds, "test_fraction": args.test_fraction, "split_seed": args.seed,
                               "limit": args.limit})
        return result

    model = load_run(Translator.load, args.run)
    _positive("beam", args.beam)
    if args.action == "predict":
        from rnnkit.data.text import read_text_lines

        texts = read_text_lines(args.input or "-", "input")[: args.limit]
        preds = model.translate(texts, beam=args.beam)
        return {"predictions": preds} if args.json else {"text": "\n".join(preds)}

    # evaluate
    extra = getattr(model, "extra", {})
    if args.dataset is None and args.tsv is None:
        if not extra.get("dataset"):
            raise UsageError("input: expected --tsv PATH or --dataset NAME (this run was trained on a file)")
        args.dataset = extra["dataset"]
    src, tgt, ds = _load_pairs(args)
    if ds is not None and extra.get("dataset") == ds:  # the held-out part of the training run
        if extra.get("limit") is not None:
            src, tgt = src[: extra["limit"]], tgt[: extra["limit"]]
        _, te = split_indices(len(src), extra["test_fraction"], extra["split_seed"])
        src, tgt = [src[i] for i in te], [tgt[i] for i in te]
    if args.limit is not None:
        src, tgt = src[: args.limit], tgt[: args.limit]
    m = model.evaluate(src, tgt, beam=args.beam)
    base = m.pop("baselines")
    return {"metrics": m, "baseline": base.get("word_dictionary", base["copy_source"]), "baselines": base,
            "n": len(src)}
