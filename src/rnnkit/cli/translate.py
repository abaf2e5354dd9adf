"""``rnnkit translate train|predict|evaluate``: seq2seq translation with attention (BiLSTM encoder,
LSTM decoder, greedy or beam search), with word-by-word dictionary and copy-source baselines fitted in
the same run. ``--model dict-pointer`` (the default): words, the source glossed by an IBM-1 dictionary
learned from the training pairs, and a pointer-generator that writes, copies a gloss or copies a source
word (:mod:`rnnkit.tasks.seq2seq_pointer`); ``--model char``: characters in and out.

Examples::

    rnnkit translate train --dataset trans-de-en --out runs/deen --max-seconds 600
    rnnkit translate train --tsv pairs.tsv --out runs/mine            # source<TAB>target per line
    rnnkit translate train --dataset num2words-en-fr --limit 2000 --out runs/num
    rnnkit translate train --dataset trans-de-en --model char --embed-dim 64 --dropout 0.1 --batch-size 64 --out runs/c
    printf 'Ich habe keine Ahnung.\\n' | rnnkit translate predict --run runs/deen --beam 5 --json
    rnnkit translate evaluate --run runs/deen --decode mbr --beam 12 --json   # MBR over the 12-best
    rnnkit translate evaluate --run runs/dc --decode channel --beam 12 --json   # a run trained with --decode channel
    rnnkit translate evaluate --run runs/deen --json                  # the run's held-out pairs
    rnnkit translate evaluate --run runs/deen --tsv test.tsv --beam 1 --json

``train`` holds out ``--test-fraction`` of the pairs (seeded) and reports the network and both
baselines on them; ``evaluate`` without a file scores that same held-out part again. ``evaluate
--json``: ``{"metrics": {"bleu", "chrf", "unseen_labels"}, "baseline": {"bleu", "chrf"} (the word
dictionary), "baselines": {"word_dictionary": ..., "copy_source": ...}, "n"}``; ``unseen_labels``
counts reference characters (char model) or words outside the output vocabulary (dict-pointer: only a
copy can produce them) never seen in training.
``predict`` reads one source a line (a blank line, or one with a TAB -- a pair file --, is an error naming
it) and pairs each translation with its line: ``LINE<TAB>TRANSLATION``, or ``{"predictions", "lines"}`` with ``--json``.
A ``--tsv`` file has no header: a first line of two column names (``source<TAB>target``, ``src<TAB>tgt``) is an error.
"""

from __future__ import annotations

import re
from typing import Any

from rnnkit._lazy import LazyClass
from rnnkit.cli.common import UsageError, file_arg, rnn_params, training_bytes
from rnnkit.cli.driver import Data, Flag, TaskCommand
from rnnkit.cli.recorded_path import check_recordable
from rnnkit.tasks.seq2seq_config import Seq2SeqConfig

#: ``translate train``'s beam when a lexicon is given and neither --decode nor --beam: the channel reranks the 12-best
LEXICON_BEAM = 12

__all__ = ["add_parser", "run", "COMMAND", "Translate", "refuse_tab_lines", "refuse_header"]


#: sources translated (and printed) at a time by ``predict``: batched by length within a part only, parts of 64
#: took 1.35x one call's time (4,000 num2words lines, beam 5), parts of 1,024 0.84-0.99x (beam 5 and greedy)
PART = 1024


class Translate(TaskCommand):
    name, help, doc = "translate", "sequence-to-sequence translation (dictionary-aware pointer or char-level)", __doc__
    task = LazyClass("rnnkit.tasks.seq2seq", "Translator")   # torch: imported when a run needs it
    config_flags = [
        Flag("embed_dim", "word or character embedding size (source and target)"),
        Flag("enc_hidden", "hidden units per direction of the encoder"),
        Flag("dec_hidden", "hidden units of the decoder"),
        Flag("dropout", "dropout on embeddings and before the output layer"),
        Flag("model", "dict-pointer: words + IBM-1 glosses + copying; char: characters", ("dict-pointer", "char")),
        Flag("word_dropout", "dict-pointer: share of source / decoder input words replaced by <unk> in training"),
        Flag("label_smoothing", "dict-pointer: label smoothing of the generator"),
        Flag("min_count", "dict-pointer: target words seen this often in training form the output vocabulary"),
        Flag("warmup", "dict-pointer: share of the schedule (the --epochs' steps or --max-seconds, whichever ends "
                       "first) with a rising LR"),
        Flag("epochs", "most training epochs (early stopping or --max-seconds may end sooner)"),
        Flag("batch_size", "pairs per batch"),
        Flag("lr", "Adam learning rate (dict-pointer: the peak of warm-up + cosine decay)"),
        Flag("clip", "gradient-norm clipping"),
        Flag("patience", "epochs without a better validation chrF before stopping"),
        Flag("max_len", "characters or words per source (and target, in training)"),
        Flag("on_long", "longer than --max-len: cut with a warning, or fail", ("truncate", "error")),
        Flag("max_seconds", "wall-clock budget of training in seconds (checked after every step)"),
        Flag("beam", "default beam width of the run's predict/evaluate (1: greedy; default 5, 12 with a lexicon and "
                     "no --decode)"),
        Flag("decode", "default decoding of the run: beam (its best output), mbr (the n-best output with the highest "
                       "mean chrF against the others) or channel (dict-pointer: the n-best reranked by a reverse IBM-1 "
                       "channel model, fitted and saved only by a run trained with --decode channel; default: channel with a lexicon "
                       "and no --beam, else beam)", ("beam", "mbr", "channel")),
        Flag("channel_weight", "decode channel: weight of the channel's log-probability of the source per source word"),
        Flag("channel_length", "decode channel: weight of the output's length per source word"),
        Flag("channel_lexicon", "decode channel with a lexicon: the channel explains a source word the training pairs "
                                "never show by the words of the lexicon's gloss (default false; session 35's check failed)"),
        Flag("length_penalty", "beam search ranks by sum log p / len ** this (default: char 1.0, dict-pointer 2.0)"),
        Flag("no_repeat_ngram", "dict-pointer: an output never repeats an n-gram of this many words (0: off)"),
        Flag("repeat_top", "dict-pointer: only the N most frequent target words may occur twice in an output"),
        Flag("split_compounds", "dict-pointer: gloss unknown source words by case, inflection and compound parts"),
        Flag("average_last", "mean weights of the last N epochs, kept when better on validation (0, 1: off)"),
        Flag("ensemble", "dict-pointer: networks trained one after the other from seeds seed, seed+1, ... and decoded "
                         "as one (the mean of their next-word distributions); each trains --epochs (or an equal share "
                         "of --max-seconds)"),
        Flag("align_weight", "dict-pointer: guided alignment, the weight of the attention's cross-entropy against "
                             "the IBM-1 alignment posteriors of each training pair (0: off)"),
        Flag("lexicon", "dict-pointer: an external bilingual dictionary that glosses the source words the training "
                        "pairs never show: 'trans-de-en' (the installed Ding file's word entries; no line that holds an "
                        "example sentence is used), the path of a Ding 'de :: en' file or of 'word<TAB>translation' "
                        "lines, or 'none' (saved with the run; default: trans-de-en with --dataset trans-de-en, "
                        "else none)"),
        Flag("gloss_choice", "dict-pointer with a lexicon: a word's gloss among its translations -- count (the one "
                             "given most often, then the first) or known (the one whose words the training targets "
                             "show, then the shortest)", ("count", "known")),
        Flag("val_fraction", "share of the training pairs held out for early stopping (0: none)"),
        Flag("val_max", "most validation pairs decoded (greedy) after each epoch: the first ones of the held-out "
                        "share (the rest are not trained on either; 'val_pairs_decoded' in the result)"),
        Flag("bleu_tokenize", "sacrebleu's BLEU tokenizer (char/zh for text without spaces)",
             ("13a", "intl", "char", "zh", "none")),
    ]
    size_flags = ["--embed-dim", "--enc-hidden", "--dec-hidden", "--batch-size", "--max-len", "--ensemble"]
    test_fraction = 0.1
    predict_input_help = "one source text a line ('-' or omitted: stdin); a blank line is an error naming it"

    def config_class(self) -> type:
        return Seq2SeqConfig   # the task's own (rnnkit.tasks.seq2seq imports it): no torch for --help

    def make_config(self, args) -> Any:
        """The config; ``--lexicon`` left out is ``trans-de-en`` with ``--dataset trans-de-en`` (that file's word
        entries, session 33's pre-registered check) and none otherwise; ``none`` is no lexicon; a path is checked
        recordable (config.json keeps it)."""
        from rnnkit.tasks.seq2seq_dictionary import NONE, TRANS_DE_EN

        if args.lexicon is None:    # the char model reads no glosses: its --dataset trans-de-en fit was refused for a
            dict_pointer = getattr(args, "model", None) in (None, "dict-pointer")   # flag it was never given
            args.lexicon = TRANS_DE_EN if getattr(args, "dataset", None) == TRANS_DE_EN and dict_pointer else None
        elif args.lexicon.strip().lower() == NONE:
            args.lexicon = None
        if args.lexicon is not None:
            check_recordable(args.lexicon, "lexicon")
        # a run fitted with a lexicon decodes by default with the noisy channel over the 12-best (session 33's
        # pre-registered check on trans-de-en's validation pairs: chrF 33.95 -> 34.54, BLEU 9.88 -> 9.58, 2.7x the
        # decode CPU); a --decode or --beam given is kept, the other follows the config's default
        plain = Seq2SeqConfig()
        glossed = args.lexicon is not None and getattr(args, "model", None) in (None, "dict-pointer")
        if args.decode is None:
            args.decode = "channel" if glossed and args.beam is None else plain.decode
        if args.beam is None:
            args.beam = LEXICON_BEAM if args.decode == "channel" and glossed else plain.beam
        return super().make_config(args)

    def _add_train_flags(self, ap) -> None:
        super()._add_train_flags(ap)
        ap.set_defaults(decode=None, beam=None)     # left out: make_config picks them from the lexicon

    def memory_need(self, args) -> int:
        """Estimated training memory from the size flags (BiLSTM encoder, LSTM decoder, attention; the
        vocabularies are not known yet and count as small). ``--ensemble n``: the n networks are held together
        (4 bytes a weight each) and trained one after the other (one at a time has gradients, Adam's state and
        a batch of activations); it counted one network whatever n was."""
        E, He, Hd = args.embed_dim, args.enc_hidden, args.dec_hidden
        params = (rnn_params("lstm", E, He, 1, True) + rnn_params("lstm", E, Hd) + 2 * He * Hd
                  + (2 * He + Hd) * Hd + 2 * He * Hd)
        acts = args.batch_size * args.max_len * (2 * E + 12 * He + 8 * Hd + args.max_len)
        return training_bytes(params, acts) + 4 * params * (args.ensemble - 1)

    def add_data_flags(self, ap, action: str) -> None:
        if action == "predict":
            ap.add_argument("--input", type=file_arg, default=None, metavar="PATH", help=self.predict_input_help)
        else:
            ap.add_argument("--dataset", default=None, help="registered pairs (trans-de-en, num2words-en-fr)")
            ap.add_argument("--tsv", type=file_arg, default=None, metavar="PATH", help="source<TAB>target lines (UTF-8)")

    def add_action_flags(self, ap, action: str) -> None:
        if action != "train":
            ap.add_argument("--beam", type=int, default=None, help="beam width (1: greedy; default: the run's, but 5 "
                                                                     "with a --decode other than a channel run's)")
            ap.add_argument("--decode", default=None, choices=("beam", "mbr", "channel"),
                            help="beam: the beam's best output; mbr: the chrF-MBR choice among its n-best; channel "
                                 "(dict-pointer): its n-best reranked by a reverse channel model (default: the run's)")
            ap.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N inputs")

    def load(self, args, action: str) -> Data | None:
        from rnnkit.data.registry import get_dataset
        from rnnkit.data.text import read_tsv_pairs
        from rnnkit.errors import DataError

        if args.dataset is not None and args.tsv is not None:
            raise UsageError("input: expected one of --dataset NAME or --tsv PATH, got both")
        if args.tsv is not None:
            if action == "train":   # recorded in config.json: a name that is not UTF-8 failed after training
                check_recordable(args.tsv, "tsv")
            pairs = read_tsv_pairs(args.tsv)
            if not pairs:
                raise DataError(f"tsv {str(args.tsv)!r}: expected at least one 'source<TAB>target' line, got none")
            refuse_header(pairs[0], args.tsv)
            source = {"file": str(args.tsv), "flag": "tsv"}
        elif args.dataset is not None:
            info = get_dataset(args.dataset)
            if info.kind != "translation":
                raise UsageError(f"--dataset: expected a translation data set, got {args.dataset!r} (kind {info.kind!r})")
            pairs = info.load(**({"n": 3000} if args.dataset == "num2words-en-fr" else {}))
            source = {"dataset": args.dataset}
        else:
            return None
        return Data([s for s, _ in pairs], [t for _, t in pairs], source)

    def _first(self, args) -> int | None:
        if args.limit is not None and args.limit < 1:
            raise UsageError(f"--limit: expected an int >= 1, got {args.limit}")
        if args.beam is not None and args.beam < 1:
            raise UsageError(f"--beam: expected an int >= 1, got {args.beam}")
        return args.limit

    def read_inputs(self, args):
        """The lines of ``--input``; one with a TAB (a ``source<TAB>target`` pair file, whose targets were
        translated as part of each source, silently) is a DataError naming it (:func:`refuse_tab_lines`)."""
        lines, numbers, where = super().read_inputs(args)
        n = self._first(args)
        refuse_tab_lines(lines[:n], numbers, "source text", "a 'source<TAB>target' file is scored by translate "
                         "evaluate --tsv; give predict its first column")
        return lines[:n], numbers[:n], where

    def restrict(self, data: Data, args) -> Data:
        n = self._first(args)
        return data if n is None else Data(data.inputs[:n], data.targets[:n], data.source)

    def predict_options(self, args) -> dict[str, Any]:
        return {"beam": getattr(args, "beam", None), "decode": getattr(args, "decode", None)}

    evaluate_options = predict_options


    def predict(self, args) -> None:
        """Sources translated :data:`PART` at a time, each part printed as it is made; every source checked first
        and the warnings that count or name sources given once over all of them
        (:func:`~rnnkit.tasks.seq2seq_unseen.check_sources`), as one call gave them."""
        from rnnkit.cli.predict_stream import stream_predict
        from rnnkit.tasks.seq2seq_unseen import check_sources

        options = self.predict_options(args)

        def predict_part(task, part, first):   # noqa: ARG001 - a translation does not depend on where its part starts
            return {"predictions": task.translate(part, **options, warn=False)}

        stream_predict(self, args, predict_part, check=check_sources, part_size=PART)

    def train_summary(self, task) -> dict[str, Any]:
        return {"epochs": task.history.get("epochs"), "val_pairs_decoded": task.history.get("val_pairs")}  # <= --val-max


#: a first line whose two sides both read like one of these is a header (pandas' to_csv(sep="\t") writes one)
HEADER_NAME = re.compile(r"(source|target|src|tgt|input|output|text|translation|sentence|reference|ref)"
                         r"(?:[ _-]?(?:text|texts|sentence|sentences|lang|language|\d))?", re.IGNORECASE)


def refuse_header(first: tuple[str, str], path) -> None:
    """A DataError when the first ``source<TAB>target`` pair of ``path`` is a header (``source<TAB>target``,
    ``src<TAB>tgt``, ``input_text<TAB>target_text``: two different column names; pandas' ``0<TAB>1``) -- it was
    read as a pair: trained on as 'translate the word source as target', and scored at evaluate as a sentence the
    network got wrong, with 'target' an unseen word."""
    from rnnkit.errors import DataError

    names = all(HEADER_NAME.fullmatch(side) for side in first)
    if first == ("0", "1") or names and first[0].lower() != first[1].lower():   # German 'Text<TAB>text' is a pair
        # '0<TAB>1': pandas' to_csv(sep='\t', index=False) of a frame made from a list of pairs (columns 0 and 1)
        raise DataError(f"tsv {str(path)!r}: expected 'source<TAB>target' pairs, got a header at line 1 "
                        f"{first[0][:30]!r}<TAB>{first[1][:30]!r} (the file has no header: remove that line)")


def refuse_tab_lines(lines: list[str], numbers: list[int], what: str, hint: str) -> None:
    """A DataError naming the first of ``lines`` (one input a line, numbered ``numbers``) holding a TAB: a file of
    ``input<TAB>answer`` lines (a pair file, a labelled TSV) given to predict, whose answers were read as part of
    each input, silently. One rule for ``translate predict`` and ``classify predict --input``."""
    from rnnkit.errors import DataError

    tab = next((i for i, line in enumerate(lines) if "\t" in line), None)
    if tab is not None:
        raise DataError(f"--input: expected one {what} a line, got a TAB in line {numbers[tab]} "
                        f"{lines[tab][:60]!r} ({hint})")


COMMAND = Translate()
add_parser, run = COMMAND.add_parser, COMMAND.run
