"""``rnnkit generate train|sample|predict|evaluate``: a character-level language model (one-to-many),
with an interpolated Witten-Bell character n-gram baseline fitted on the same training text.
``--units bpe`` reads and predicts subword units instead of characters (bits are still per character).

Examples::

    rnnkit generate train --dataset shakespeare --out runs/shak --max-seconds 600
    rnnkit generate train --text corpus.txt --out runs/mine --val-fraction 0.1
    rnnkit generate train --text corpus.txt --out runs/mine --val-fraction 0.1 --resume   # after Ctrl-C: continue
    rnnkit generate train --dataset shakespeare --out runs/shak-bpe --units bpe --bpe-vocab 1024 --max-seconds 600
    rnnkit generate sample --run runs/shak --prompt "ROMEO." --length 300 --temperature 0.8 --top-k 20 --seed 1
    printf 'To be\\nO Rome\\n' | rnnkit generate predict --run runs/shak --length 80 --json
    rnnkit generate evaluate --run runs/shak --json              # the run's held-out text (test works)
    rnnkit generate evaluate --run runs/shak --text other.txt --json
    rnnkit generate evaluate --run runs/shak --dynamic-lr 0.05 --json # plus dynamic evaluation

``evaluate --json`` prints ``{"metrics": {"bits_per_char", ..., "unseen_labels"}, "baseline":
{"bits_per_char", "order"}, "n"}`` (``unseen_labels``: characters never seen in training, read as
``<unk>`` and scored). ``--dataset shakespeare`` holds out whole works: 4 for validation (the curve, LR
decay, best weights) and 4 for test (what ``evaluate`` scores). ``--text`` holds out the file's last
``--val-fraction``: its first half validates, its second half is the test (session 31; before, both were the whole
part). ``predict`` continues each line of ``--input`` (a blank line is an error naming it)
and pairs each continuation with its line. Prompt characters never seen in training are an error
unless ``--unknown unk``. ``train --resume`` continues an interrupted training from its last completed round (the
state carried into the next round and the reset draws are in the checkpoint): the run an uninterrupted ``train``
saves; one with ``--max-seconds`` is refused (its budget counts wall time).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from rnnkit._lazy import LazyClass
from rnnkit.cli.common import UsageError, file_arg, rnn_params, training_bytes
from rnnkit.cli.driver import Data, Flag, TaskCommand, check_held_out
from rnnkit.cli.recorded_path import check_recordable
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.generation_config import CharLMConfig

__all__ = ["add_parser", "run", "COMMAND", "Generate"]


class Generate(TaskCommand):
    name, help, doc = "generate", "character-level text generation (char LM)", __doc__
    task = LazyClass("rnnkit.tasks.generation.lm", "CharLM")   # torch: imported when a run needs it
    predict_reads_seed = True   # predict samples (cli.unread_flags refuses --seed on the other commands' predict)
    config_flags = [
        Flag("cell", "recurrent cell", ("lstm", "gru")),
        Flag("units", "what the model reads and predicts: characters, or BPE subword units learned on the "
                      "training text (bits are still per character)", ("chars", "bpe")),
        Flag("bpe_vocab", "--units bpe: vocabulary size"),
        Flag("embed_dim", "unit embedding size"),
        Flag("hidden_size", "hidden units of each layer"),
        Flag("num_layers", "stacked layers"),
        Flag("dropout", "dropout between layers and before the output layer"),
        Flag("min_freq", "rarer training characters are read as <unk>"),
        Flag("batch_size", "parallel streams"),
        Flag("bptt", "steps per chunk (the truncation length; one optimizer step each)"),
        Flag("chunks_per_round", "chunks (optimizer steps) between two held-out measurements"),
        Flag("rounds", "most rounds (the time budget usually stops first)"),
        Flag("max_seconds", "wall-clock budget of training in seconds"),
        Flag("val_chars", "most held-out characters scored after each round (the first ones; all when fewer)"),
        Flag("lr", "Adam learning rate"),
        Flag("schedule", "plateau: halve the lr when held-out bits/char stalls; cosine: warm up, then decay to 0 at "
                         "the end of --rounds' steps or of --max-seconds, whichever comes first", ("plateau", "cosine")),
        Flag("warmup", "cosine: share of the budget spent ramping the lr up"),
        Flag("lr_decay", "plateau: multiply the lr by this when held-out bits/char stops improving"),
        Flag("patience", "stop after this many rounds without improvement (default: never)"),
        Flag("reset_prob", "chance per chunk and stream that the carried state restarts from zeros"),
        Flag("precision", "bf16: training steps under bfloat16 autocast (fast on CPUs with AVX512-BF16/AMX)",
             ("fp32", "bf16")),
    ]
    size_flags = ["--embed-dim", "--hidden-size", "--num-layers", "--batch-size", "--bptt", "--bpe-vocab"]
    limit, test_fraction = False, None
    # a resume with another held-out share or baseline order was 'other data' (naming no flag) or taken silently
    resume_flags = (*TaskCommand.resume_flags, "val_fraction", "baseline_order")
    extra_actions = {"sample": "generate text after a prompt"}
    predict_input_help = "prompts, one per line ('-' or omitted: stdin); a blank line is an error naming it"

    def config_class(self) -> type:
        return CharLMConfig   # the task's own (rnnkit.tasks.generation.lm imports it): no torch for --help

    def memory_need(self, args) -> int:
        """Estimated training memory from the size flags (characters count as a 256-symbol vocabulary)."""
        V = args.bpe_vocab if args.units == "bpe" else 256
        params = V * args.embed_dim + rnn_params(args.cell, args.embed_dim, args.hidden_size, args.num_layers) \
            + (args.hidden_size + 1) * V
        acts = args.batch_size * args.bptt * (args.embed_dim + args.num_layers * 6 * args.hidden_size + 2 * V)
        return training_bytes(params, acts)

    def add_data_flags(self, ap, action: str) -> None:
        if action in ("train", "evaluate"):
            ap.add_argument("--dataset", default=None, help="registered corpus (shakespeare)")
            ap.add_argument("--text", type=file_arg, default=None, metavar="PATH", help="UTF-8 text file")
        elif action == "predict":
            ap.add_argument("--input", type=file_arg, default=None, metavar="PATH", help=self.predict_input_help)
        else:
            ap.add_argument("--prompt", default="\n", help="text to continue (default: a newline)")

    def add_action_flags(self, ap, action: str) -> None:
        if action in ("sample", "predict"):
            ap.add_argument("--length", type=int, default=200, help="characters to generate")
            ap.add_argument("--temperature", type=float, default=1.0, help="> 0; lower is more conservative")
            ap.add_argument("--top-k", type=int, default=None, help="sample among the k most likely (1: greedy)")
            ap.add_argument("--unknown", choices=["error", "unk"], default="error",
                            help="prompt characters unseen in training: fail or read them as <unk>")
            ap.add_argument("--max-seconds", type=float, default=None,
                            help="stop each continuation after this many seconds, with a warning (default: none)")
        elif action == "train":
            ap.add_argument("--val-fraction", type=float, default=0.1,
                            help="--text: the file's last share held out: its first half validates, its second "
                                 "half is the test")
            ap.add_argument("--baseline-order", type=int, default=3, help="order of the n-gram baseline")
        else:
            ap.add_argument("--streams", type=int, default=1,
                            help="score the text as this many pieces side by side (faster; 1 = exact)")
            ap.add_argument("--dynamic-lr", type=float, default=None,
                            help="dynamic evaluation: after scoring each --bptt segment, one SGD step on it at this "
                                 "lr (an adapted copy; reported next to, never instead of, the static score)")
            ap.add_argument("--dynamic-decay", type=float, default=0.0,
                            help="dynamic evaluation: pull the adapted weights this share back to the trained ones")

    def load(self, args, action: str) -> Data | None:
        from rnnkit.data.registry import get_dataset
        from rnnkit.data.text import read_utf8
        from rnnkit.tasks.generation import SHAKESPEARE_SPLIT_RULE, shakespeare_split, text_split
        from rnnkit.tasks.generation.data import HALVES, held_out_halves

        if args.dataset is not None and args.text is not None:
            raise UsageError("input: expected one of --dataset NAME or --text PATH, got both")
        if args.text is not None:
            if action == "train":   # recorded in config.json: a name that is not UTF-8 failed after training
                check_recordable(args.text, "text")
            # CRLF line ends read as LF, as the shakespeare data set reads its Gutenberg files (session 34: a CRLF
            # corpus trained a '\r' before every line end, and a run evaluated on one scored each '\r' as unseen);
            # a run trained before with its '\r's (one in its units) reads its files as it did (fill_from_run)
            text = read_utf8(args.text, "text")
            text = text if getattr(args, "_keep_cr", False) else text.replace("\r\n", "\n")
            if action != "train":
                return Data(text, source={"file": str(args.text), "flag": "text"})
            try:
                train, held = text_split(text, args.val_fraction)
                # validation selects (best weights, LR decay); the test half is scored once: before session 31 both
                # were the whole held-out part, and the reported figure was on the text that selected the weights
                val, test = held_out_halves(held) if held else ("", "")
            except DataError as e:   # the library's advice names its argument; here the flag is typed
                raise DataError(str(e).replace("val_fraction", "--val-fraction")) from None
            source = {"file": str(args.text), "flag": "text", "val_fraction": args.val_fraction, "held_out": HALVES,
                      "newlines": "lf"}    # CRLF read as LF since session 34: recorded, so fill_from_run knows
            return Data(train, None, source, Data(test) if held else None, f"the last {args.val_fraction} of the "
                        "text: its first half validates, its second half is the test", Data(val) if held else None)
        if args.dataset is None:
            return None
        if action == "train" and args.val_fraction != args._parser.get_default("val_fraction"):   # was dropped
            raise UsageError(f"--val-fraction: expected it with --text, got {args.val_fraction} with --dataset (the "
                             "corpus holds out whole works)")
        info = get_dataset(args.dataset)
        if info.kind != "corpus" or args.dataset != "shakespeare":
            raise UsageError(f"--dataset: expected a text corpus (shakespeare), got {args.dataset!r} (kind {info.kind!r})")
        if not info.available():
            raise UsageError(f"--dataset: {args.dataset!r} needs package {info.package!r}; install it with: {info.install}")
        sp = shakespeare_split()
        return Data(sp["train"], None, {"dataset": args.dataset, "works": sp["works"]}, Data(sp["test"]),
                    SHAKESPEARE_SPLIT_RULE, Data(sp["val"]))

    def fit(self, task, train: Data, val: Data | None, **kw) -> None:
        task.fit(train.inputs, None if val is None else val.inputs, **kw)

    def held_out(self, task, data: Data, given: bool = False) -> Data:   # given: Driver.held_out's (081e839)
        from rnnkit.tasks.generation import text_split
        from rnnkit.tasks.generation.data import HALVES, held_out_halves

        if data.test is not None:
            return check_held_out(task, data.test)
        fraction = task.data.get("val_fraction")
        held = text_split(data.inputs, fraction)[1] if isinstance(fraction, (int, float)) and fraction > 0 else ""
        if not held:
            raise UsageError("--text: the run held out nothing (--val-fraction 0); expected --text PATH")
        if task.data.get("held_out") == HALVES:     # the half that selected nothing
            return check_held_out(task, Data(held_out_halves(held)[1]))   # text appended moved the held-out part
        warnings.warn("--run: this run (saved before session 31) validated on the same held-out text that is scored "
                      "here (best weights, LR decay): the figure is not a score on text it did not select on; train it "
                      "again to hold out a test half", UserWarning, stacklevel=2)
        return check_held_out(task, Data(held))

    def fill_from_run(self, args, task) -> None:
        """A run whose units hold a carriage return and that records no newline reading was trained on a CRLF text
        before session 34, which kept them: its ``--text`` files are read with them, as it was (its held-out part's
        sha256 and its scores stay its own). A run trained since records ``"newlines": "lf"``: a stray CR of its own
        text (a line ending '\r\r\n') no longer marks it old (review W2-R1)."""
        super().fill_from_run(args, task)
        data = task.data if isinstance(getattr(task, "data", None), dict) else {}
        args._keep_cr = data.get("newlines") != "lf" and any(
            "\r" in t for t in getattr(getattr(task, "chars", None), "tokens", ()))

    def load_source(self, source: dict, args) -> Data:
        if source.get("file") and not source.get("stream") and not Path(source["file"]).is_file():
            raise UsageError(f"--text: the run was trained on {source['file']!r}, which is not here; expected --text PATH")
        return super().load_source(source, args)

    def baselines(self, args) -> Any:
        from rnnkit.tasks.generation import NGramCharModel

        if args.no_baseline:
            return False
        try:
            return {"ngram": NGramCharModel(args.baseline_order, args.min_freq)}   # <unk> as the network's
        except ConfigError as e:   # the model names its argument 'order': the flag typed was --baseline-order
            raise UsageError(str(e).replace("order:", "--baseline-order:", 1)) from None

    def scores(self, task, data: Data, args) -> dict[str, Any]:
        if not hasattr(args, "streams"):  # train scores its test text in 16 streams (fast), fewer if it is short
            units = len(task.encode(data.inputs, "unk"))
            args = argparse.Namespace(**vars(args), streams=max(1, min(16, units - 1)))
        return super().scores(task, data, args)

    def evaluate_options(self, args) -> dict[str, Any]:
        streams = args.streams
        if streams < 1:
            raise UsageError(f"--streams: expected a positive int, got {streams}")
        decay = getattr(args, "dynamic_decay", 0.0)
        if getattr(args, "dynamic_lr", None) is None and decay != 0.0:   # it was ignored, silently
            raise UsageError(f"--dynamic-decay: expected --dynamic-lr with it (it is the decay of dynamic "
                             f"evaluation), got --dynamic-decay {decay} alone")
        return {"streams": streams}

    def extra_scores(self, task, data: Data, args) -> dict[str, Any]:
        if getattr(args, "dynamic_lr", None) is None:
            return {}
        return {"dynamic": task.evaluate(data.inputs, baselines=False, streams=args.streams,
                                         dynamic_lr=args.dynamic_lr, dynamic_decay=args.dynamic_decay)}

    def evaluate(self, args) -> dict[str, Any]:
        result = super().evaluate(args)
        result["n"] = result["metrics"]["chars_scored"]  # the characters scored (the first has no context)
        return result

    def predict_options(self, args) -> dict[str, Any]:
        return {"length": args.length, "temperature": args.temperature, "top_k": args.top_k, "seed": args.seed,
                "unknown": args.unknown, "max_seconds": args.max_seconds}

    def predict(self, args) -> None:
        """Prompts continued :data:`~rnnkit.cli.predict_stream.PART` at a time, each part printed as it is made
        (prompt ``i`` sampled with ``--seed`` + i modulo 2**64, as one call on all of them samples it); every prompt's
        characters checked first, as one call checks them."""
        from rnnkit.cli.predict_stream import stream_predict
        from rnnkit.tasks.generation.lm import prompt_seed

        options = self.predict_options(args)

        def predict_part(task, part, first):
            return {"predictions": task.predict(part, **{**options, "seed": prompt_seed(options["seed"], first)})}

        stream_predict(self, args, predict_part,
                       check=lambda task, items: task.check_prompts(items, options["seed"], options["unknown"]))

    def format_predictions(self, items, numbers, out) -> str:
        return "\n".join(f"--- line {n} ---\n{p}{o}" for n, p, o in zip(numbers, items, out["predictions"]))

    def train_summary(self, task) -> dict[str, Any]:
        return {"rounds": task.history.get("rounds"), "val_chars_scored": task.history.get("val_chars")}  # --val-chars or fewer

    def sample(self, args) -> dict[str, Any]:
        from rnnkit.cli.common import load_run

        if args.prompt == "":   # the flag's value, refused before the run is read: was the library's DataError, exit 1
            raise UsageError("--prompt: expected a non-empty text, got ''")
        task = load_run(self.task.load, args.run)
        if args.prompt == "\n" and args.unknown == "error" and task.unseen_chars("\n"):  # the default, never typed
            raise UsageError("--prompt: expected a prompt of characters seen in training, got the default, a newline, "
                             "which the training text never holds; give --prompt TEXT (or --unknown unk)")
        out = task.sample(args.prompt, **self.predict_options(args))
        return {"prompt": args.prompt, "sample": out} if args.json else {"text": args.prompt + out}


COMMAND = Generate()
add_parser, run = COMMAND.add_parser, COMMAND.run
