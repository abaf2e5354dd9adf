"""``rnnkit tag train|predict|evaluate``: sequence tagging (POS, BIO entities) with a char-aware BiLSTM
and the most-frequent-tag baseline.

Examples::

    rnnkit tag train --dataset optimus-ner --out runs/ner
    rnnkit tag train --conll train.conll --out runs/pos
    rnnkit tag predict --run runs/ner --input tokens.txt --json     # one token a line, blank line between sentences
    rnnkit tag evaluate --run runs/ner --json                       # the run's held-out sentences
    rnnkit tag evaluate --run runs/ner --conll test.conll --json    # {"metrics": ..., "baseline": ...}

CoNLL: ``token<TAB>tag`` a line (more columns: the first is the token, the last the tag), a blank line between
sentences, ``-DOCSTART-`` lines and ``# sent_id = 1`` comments skipped (train, evaluate and predict alike); or
CoNLL-U (FORM and UPOS are read, comments, multiword ranges and empty nodes skipped). Tokens are taken as given
(any script). Tag sets that are not BIO / IOB1 / IOBES (``b-per``, BILOU's ``U-``/``L-``) are scored by token
accuracy alone, with a warning.
``train`` holds out ``--test-fraction`` of the sentences (seeded) and records them in the run folder.
``predict`` numbers each sentence by the line of its first token (``"lines"``); readable output is the
input with a tag column. Gold tags never seen in training are scored as errors and counted.
"""

from __future__ import annotations


from rnnkit._lazy import LazyClass
from rnnkit.cli.common import UsageError, file_arg, rnn_params, training_bytes
from rnnkit.errors import DataError
from rnnkit.cli.driver import Data, Flag, TaskCommand
from rnnkit.cli.recorded_path import check_recordable
from rnnkit.tasks.tagging_config import TaggerConfig

__all__ = ["add_parser", "run", "COMMAND", "Tag"]

#: sentences tagged (and printed) at a time by ``predict``: batched by length within a part only, parts of 64
#: sentences took 1.34x one call's time (10,000 sentences of optimus-ner's run), parts of 1,024 1.07x
PART = 1024
DOCSTART = "-DOCSTART-"    # CoNLL-2003's document marker: read_conll skips it, the token reader keeps it a sentence


class Tag(TaskCommand):
    name, help, doc = "tag", "sequence tagging (POS, BIO named entities)", __doc__
    task = LazyClass("rnnkit.tasks.tagging", "SequenceTagger")   # torch: imported when a run needs it
    config_flags = [
        Flag("cell", "recurrent cell of both BiLSTMs", ("lstm", "gru", "elman")),
        Flag("word_dim", "word embedding size"),
        Flag("char_dim", "character embedding size"),
        Flag("char_hidden", "hidden units per direction of the character BiLSTM (0: no character features)"),
        Flag("hidden_size", "hidden units per direction of the sentence BiLSTM"),
        Flag("num_layers", "stacked sentence layers"),
        Flag("dropout", "dropout between layers and before the output layer"),
        Flag("word_dropout", "share of known words read as <unk> while training"),
        Flag("min_freq", "rarer words are read as <unk>"),
        Flag("max_len", "tokens per sentence"),
        Flag("on_long", "longer than --max-len: read in overlapping pieces with a warning (truncate), or fail (error)", ("truncate", "error")),
        Flag("epochs", "most training epochs (early stopping may end sooner)"),
        Flag("batch_size", "sentences per batch"),
        Flag("lr", "AdamW learning rate"),
        Flag("clip", "gradient-norm clipping (0: off)"),
        Flag("patience", "epochs without validation gain before stopping"),
        Flag("val_fraction", "share of the training sentences held out for early stopping (0: none)"),
        Flag("max_seconds", "wall-clock budget of training in seconds (checked after every step)"),
        Flag("constrained", "BIO tags: decode the best valid tag sequence (Viterbi) instead of per-token argmax"),
    ]
    size_flags = ["--word-dim", "--char-dim", "--char-hidden", "--hidden-size", "--num-layers", "--batch-size",
                  "--max-len"]
    predict_input_help = ("one token a line, a blank line between sentences ('-' or omitted: stdin); a tag column "
                          "is ignored, -DOCSTART- lines and '# ...' comments skipped; a CoNLL-U file gives its FORMs")

    def config_class(self) -> type:
        return TaggerConfig   # the task's own (rnnkit.tasks.tagging imports it): no torch for --help

    def memory_need(self, args) -> int:
        """Estimated training memory from the size flags (vocabularies not known yet: counted as small)."""
        char = rnn_params(args.cell, args.char_dim, args.char_hidden, 1, True)
        inp = args.word_dim + 2 * args.char_hidden
        params = char + rnn_params(args.cell, inp, args.hidden_size, args.num_layers, True)
        acts = args.batch_size * args.max_len * (inp + args.num_layers * 12 * args.hidden_size + 12 * args.char_hidden)
        return training_bytes(params, acts)

    def train_summary(self, task) -> dict:
        """The tags the random validation split took every training sentence of (never trained on), if any."""
        lost = task.history.get("classes_not_trained")
        return {"classes_not_trained": lost} if lost else {}

    def add_data_flags(self, ap, action: str) -> None:
        if action == "predict":
            ap.add_argument("--input", type=file_arg, default=None, metavar="PATH", help=self.predict_input_help)
            return
        ap.add_argument("--dataset", default=None, help="registered data set (e.g. optimus-ner; see rnnkit datasets)")
        ap.add_argument("--conll", type=file_arg, default=None,
                        help="token<TAB>tag file, a blank line between sentences (a CoNLL-U file is read by FORM and "
                             "UPOS)")

    def load(self, args, action: str) -> Data | None:
        from rnnkit.data.conll_lines import header_pair
        from rnnkit.data.registry import get_dataset
        from rnnkit.data.text import read_conll, read_utf8

        if args.dataset is not None and args.conll is not None:
            raise UsageError("input: expected one of --dataset NAME or --conll PATH, got both")
        text = None
        if args.conll is not None:     # read once: the sentences and where each starts come from the same text
            if action == "train":   # recorded in config.json: a name that is not UTF-8 failed after training
                check_recordable(args.conll, "conll")
            text = read_utf8(args.conll, "conll")
            pairs, source = read_conll(args.conll, text=text), {"file": str(args.conll), "flag": "conll"}
        elif args.dataset is not None:
            info = get_dataset(args.dataset)
            if info.kind != "tagging":
                raise UsageError(f"--dataset: expected a tagging data set, got {args.dataset!r} (kind {info.kind!r})")
            pairs, source = info.load(), {"dataset": args.dataset}
        else:
            return None
        sents = [s for s, _ in pairs]
        longest = getattr(args, "max_len", None)
        if action == "train" and text is not None and len(sents) == 1 and longest and len(sents[0]) > longest:
            # a file whose blank lines were lost is one sentence: training read its first --max-len tokens alone
            raise DataError(f"--conll: expected sentences separated by blank lines, got {str(args.conll)!r} read as one "
                            f"sentence of {len(sents[0])} tokens (no blank line between them; training reads "
                            f"--max-len {longest} tokens of a sentence and drops the rest)")
        places = None if text is None else _first_lines(args.conll, sents, text)
        if text is not None and pairs and pairs[0][0] and header_pair(pairs[0][0][0], str(pairs[0][1][0])):
            where = f" at line {places[0].rpartition(' line ')[2]}" if places else ""   # read as a token 'token'
            raise DataError(f"conll {str(args.conll)!r}: expected 'token<TAB>tag' lines, got a header{where}: "
                            f"{pairs[0][0][0][:30]!r}<TAB>{str(pairs[0][1][0])[:30]!r} (the file has no header: remove "
                            "that line)")
        return Data(sents, [t for _, t in pairs], source, places=places)

    def predictions(self, task, items, args):
        refuse_comma_tags(items, self._starts, task.tags.tokens)
        return {"predictions": task.predict_texts(items)}   # a run of int tags (API) prints them as text

    def predict(self, args) -> None:
        """Sentences tagged :data:`PART` at a time, each part printed as it is made (a blank line between two
        parts, as between two sentences); every sentence checked first, and the warnings that count sentences
        (read in pieces) given once over all of them (:meth:`SequenceTagger.check_predict`), as one call gave them."""
        from rnnkit.cli.predict_stream import stream_predict

        def check(task, items):
            refuse_comma_tags(items, self._starts, task.tags.tokens)
            task.check_predict(items)

        stream_predict(self, args, lambda task, part, first: {"predictions": task.predict_texts(part, warn=False)},
                       check=check, gap="\n", part_size=PART)

    def read_inputs(self, args):
        from rnnkit.data.text import read_conll_tokens

        sents, starts = read_conll_tokens(args.input or "-", lines=True)
        kept = [k for k, s in enumerate(sents) if s != [DOCSTART]]   # as training / evaluate read a CoNLL file
        if not kept:
            raise DataError(f"--input: expected at least one sentence, got only {DOCSTART} lines")
        self._starts = [starts[k] for k in kept]     # for predictions' check (a command runs one action)
        return [sents[k] for k in kept], self._starts, "lines"

    def format_predictions(self, items, numbers, out) -> str:
        return "\n\n".join("\n".join(f"{w}\t{t}" for w, t in zip(s, ts)) for s, ts in zip(items, out["predictions"]))


def _first_lines(path, sents: list[list[str]], text: str) -> list[str] | None:
    """Where each sentence of the CoNLL file ``path`` starts (``"--conll 'a.conll' line 7"``, its first token's
    line, as predict numbers them), for the task's messages; ``None`` when the token reader's sentences are not
    those of ``read_conll`` (it keeps a ``-DOCSTART-`` line as a sentence: such ones are passed over)."""
    from rnnkit.data.conll_lines import SentencePlace
    from rnnkit.data.text import read_conll_tokens

    try:
        found, at = read_conll_tokens(path, lines="tokens", text=text)   # the text read_conll read (a pipe: once)
    except DataError:
        return None
    out, k = [], 0
    for s in sents:
        while k < len(found) and found[k] != s and found[k] == [DOCSTART]:
            k += 1
        if k == len(found) or found[k] != s:
            return None
        out.append(SentencePlace(f"--conll {str(path)!r}", at[k]))   # each token's line too (the IOB1 warning's)
        k += 1
    return out


def refuse_comma_tags(sents: list[list[str]], starts: list[int], tags: list[str]) -> None:
    """A DataError when every token line of ``predict --input`` (but a first one, a header) ends with a comma and
    one of the run's tags (``Anna,B-PER``): a ``token,tag`` CSV given to predict was tagged with each line read as one
    token, exit 0, silently (a ``token<TAB>tag`` line's tag column is passed over, as documented). A token holding a
    comma (``1,000``) is read as before."""
    tokens = [t for s in sents for t in s]
    known = set(tags)
    tagged = sum(t.rpartition(",")[2] in known and "," in t for t in tokens[1:])
    if len(tokens) > 2 and tagged == len(tokens) - 1:
        raise DataError(f"--input: expected one token a line, got every token line after line {starts[0]} ending in "
                        f"a comma and a tag of the run (e.g. {tokens[1]!r}): a 'token,tag' CSV? write one token a line "
                        "(a tag column, if any, after a TAB)")


COMMAND = Tag()
add_parser, run = COMMAND.add_parser, COMMAND.run
