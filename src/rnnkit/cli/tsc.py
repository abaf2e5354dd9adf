"""``rnnkit tsc train|predict|evaluate``: time-series classification with a 1-NN Euclidean baseline.

Examples::

    rnnkit tsc train --dataset japanese-vowels --out runs/jv          # the data set's train/test split
    rnnkit tsc train --dataset gunpoint --patch 5 --pooling max --epochs 300 --patience 60 --batch-size 16 --out runs/gp
    rnnkit tsc train --ts TRAIN.ts --test-ts TEST.ts --out runs/mine
    rnnkit tsc train --ucr Coffee_TRAIN.tsv --test-ucr Coffee_TEST.tsv --out runs/coffee
    rnnkit tsc train --csv long.csv --id-col id --time-col t --label-col class --out runs/mine
    rnnkit tsc predict --run runs/jv --ts new.ts --json               # {"predictions", "probabilities", "series"}
    rnnkit tsc evaluate --run runs/jv --json                          # the run's held-out (test) part
    rnnkit tsc evaluate --run runs/mine --csv other.csv --json        # the run's column names

Long-format CSV: one row per (series id, time step), one column per channel (``--value-cols``, default
every other column); a run remembers its column names. ``.ts``: sktime/UEA text format (``@data`` then
``v,v,v:v,v,v:label`` lines). UCR archive (``--ucr``): ``label<TAB>v<TAB>v...`` lines (tabs, commas or
spaces). Predictions name their series: by its ``--id-col`` text in a ``--csv`` file (in the file's order), by
its number in a ``.ts`` or UCR file (1 = the file's first series). NaN inside a series (a missing
value) is an error naming the file and series, or filled by linear interpolation in time with
``--missing interpolate``; a ``--test-*`` file is checked before training.
"""

from __future__ import annotations

from argparse import Namespace

from rnnkit._io import is_stream
from rnnkit._lazy import LazyClass
from rnnkit._validate import first_repeat
from rnnkit.cli.classify import SHARED_FLAGS, encoder_memory
from rnnkit.cli.common import UsageError, file_arg
from rnnkit.cli.driver import Data, Flag, TaskCommand, same_file
from rnnkit.cli.recorded_path import check_recordable
from rnnkit.tasks.tsc_config import TSCConfig

__all__ = ["add_parser", "run", "COMMAND", "TSC"]


def read_file(flag: str, path, option: str | None = None):
    """``(X, y)`` of a ``--ts`` or ``--ucr`` file (rnnkit.data.tsc's readers, imported when used); an error in the
    file names the flag it came from (``option``, default ``--FLAG``: ``--ucr 'x.ts': ...``), as the checks after
    reading do."""
    from rnnkit.data import tsc

    return {"ts": tsc.read_ts, "ucr": tsc.read_ucr}[flag](path, what=option or f"--{flag}")


#: How a file's series can be laid out wrong (a wide --csv read as one-step series), for check_series' message.
LAYOUT = {"csv": "--csv is long: one row per (series id, time step) and a column per channel; a wide file (a row per "
                 "series, a column per step) melts into it, e.g. pandas' df.melt(id_vars=['id', 'label'], var_name="
                 "'time')",
          "ts": "a one-step series has no order for the recurrence to read", "ucr": "a UCR line is one univariate series"}


def ready_series(args, X, what: str, channels: int | None = None, flag: str = "csv"):
    """``X`` as fit and predict take it, checked when read so that a file's error names the file (and a test
    file's comes before training): NaN filled with ``--missing interpolate``, else an error naming the series."""
    import numpy as np

    from rnnkit.data.tsc import fill_missing
    from rnnkit.errors import DataError
    from rnnkit.tasks.tsc import check_series, nan_padding

    ids = getattr(args, "_series_ids", None) if flag == "csv" else None
    named = lambda i: f"series {ids[i]!r}" if ids is not None and len(ids) == len(X) else f"series {i + 1}"  # noqa
    empty = next(((i, c) for i, x in enumerate(X) if np.ndim(x) == 2 for c in np.flatnonzero(np.isnan(x).all(0))), None)
    if empty is not None:   # 'NaN inside series 30 (--missing interpolate fills them)': it cannot fill these
        raise DataError(f"{what}: expected at least one value in every channel, got only NaN in {named(empty[0])} "
                        f"channel {empty[1] + 1} (no --missing fills it: drop the series)")
    if args.missing == "interpolate":
        X = fill_missing(X, what)
    gap = next((i for i, x in enumerate(X) if np.isnan(x).any()), None)
    if gap is not None:
        name = named(gap)
        if (pad := nan_padding(X[gap])) is not None:   # interpolation would make the padding data
            raise DataError(f"{what}: expected no missing values, got {name} with {pad}: padding of a shorter series "
                            "(a padded table melted to long form?); drop those rows, each series as long as it is")
        raise DataError(f"{what}: expected no missing values, got NaN inside {name} (--missing interpolate "
                        "fills them linearly in time, as the UCR archive's adjusted files do)")
    return check_series(X, what, channels, LAYOUT[flag])


def value_columns(args) -> list[str] | None:
    """The ``--value-cols`` names (typed: comma-separated text; remembered by a run: a list), checked: each
    non-empty, given once, none of them the id, time or label column (a numeric label read as a channel
    trained on the answer). ``None``: every other column."""
    cols = args.value_cols
    if cols is None:
        return None
    names = cols.split(",") if isinstance(cols, str) else list(cols)
    if not all(isinstance(c, str) and c for c in names):
        raise UsageError(f"--value-cols: expected comma-separated column names, got {cols!r}")
    if (rep := first_repeat(names)) is not None:
        raise UsageError(f"--value-cols: expected each column once, got {rep!r} twice")
    roles = {"--id-col": args.id_col, "--time-col": args.time_col, "--label-col": args.label_col}
    clash = next(((flag, c) for flag, c in roles.items() if c in names), None)
    if clash is not None:
        raise UsageError(f"--value-cols: expected columns other than {clash[0]} {clash[1]!r}, got {clash[1]!r} "
                         "among them")
    return names


def _other_columns(args) -> list[str]:
    """The channel columns of ``--csv`` read without ``--value-cols``: every column but id, time and label, in
    the header's order (the file was read already: its header is valid)."""
    import csv
    import io

    from rnnkit._io import excel_sep_line
    from rnnkit.data.text import read_utf8

    text = excel_sep_line(read_utf8(args.csv, "csv"), "--csv", args.csv)   # as the data reader read it (compressed too)
    header = next((r for r in csv.reader(io.StringIO(text)) if r), [])
    return [c for c in header if c not in (args.id_col, args.time_col, args.label_col)]


def _check_ignored(command, args, given: str) -> None:
    """Refuse flags the data flag ``given`` would ignore (each was dropped silently): column flags without
    ``--csv``; ``--test-ts``/``--test-ucr`` or a typed ``--test-fraction`` with ``--dataset`` (scored on the data
    set's own test split, reported as if on the file); ``--test-fraction`` with a test file; ``--missing`` with
    ``--dataset``; ``--gaps`` without ``--csv``. Where evaluate reads the run's own data (no data flag typed:
    :meth:`TSC.load_source`), the message says so rather than name a flag the user did not type."""
    where = given if not getattr(args, "_own_data", False) else \
        f"the run's own data ({given[2:]} {str(getattr(args, given[2:], ''))!r}; no data flag given)"
    typed = getattr(args, "_typed_columns", [])
    if given != "--csv" and typed:
        raise UsageError(f"--{typed[0].replace('_', '-')}: expected it with --csv (a column of a long-format CSV), got "
                         f"it with {where}")
    tests = [f"--test-{f}" for f in ("ts", "ucr") if getattr(args, f"test_{f}", None) is not None]
    fraction = getattr(args, "test_fraction", command.test_fraction) != command.test_fraction
    if given == "--dataset" and (tests or fraction):
        what = tests[0] if tests else "--test-fraction"
        raise UsageError(f"{what}: expected it with --ts, --ucr or --csv, got it with {where} (a data set is scored "
                         "on its own test split)")
    if tests and fraction:
        raise UsageError(f"--test-fraction: expected it without {tests[0]} (the file is the held-out part), got "
                         f"{args.test_fraction}")
    if given != "--csv" and getattr(args, "gaps", None) not in (None, "error"):
        raise UsageError(f"--gaps: expected it with --csv (the times of a long-format CSV), got {args.gaps!r} with "
                         f"{where}")
    if given == "--dataset" and getattr(args, "missing", None) not in (None, "error"):
        raise UsageError(f"--missing: expected it with --ts, --ucr or --csv (a bundled data set has no missing "
                         f"values), got {args.missing!r} with {where}")


def _series_places(flag: str, path, ids, n: int) -> list[str]:
    """Where each series was read, for the task's messages: its id in a ``--csv`` (as predict names it), else
    its number in the file, 1..N (``"--ts 'a.ts' series 3"``)."""
    if ids is not None:
        return [f"--{flag} {str(path)!r} series {i!r}" for i in ids]
    return [f"--{flag} {str(path)!r} series {i}" for i in range(1, n + 1)]


def _dataset_places(name: str, split: str, n: int) -> list[str]:
    """Where each series of a registered data set's split was read, for the task's messages (1 = its first)."""
    return [f"--dataset {name!r} {split} series {i}" for i in range(1, n + 1)]


def _check_test_labels(y, places, yt, test_places) -> None:
    """The held-out file's labels checked as scoring them checks them (a label missing, a class written another way:
    '1.0' for training's '1'), before the fit: after it, the error lost the trained run (nothing saved)."""
    from rnnkit.tasks.common import check_label_spelling, check_labels

    classes = sorted(set(check_labels(y, "y", places)))
    check_label_spelling(list(yt), check_labels(yt, "y", test_places), classes, "y", test_places)


def _check_test_copies(X, Xt, flag: str, path, train_flag: str) -> None:
    """A held-out file whose series are training series (the same steps and values): every one is a usage error, as
    the training file itself is (a copy of it, ``cp train.ts test.ts``, another path of the same series, was
    scored as the run's test split: 1-NN 1.0 on its own series, silently); some are a warning naming them (files
    joined or split by hand: those scores are training scores)."""
    import hashlib
    import warnings

    def key(x):
        return x.shape, hashlib.sha256(x.tobytes()).digest()

    seen = {key(x) for x in X}
    copies = [i for i, x in enumerate(Xt, 1) if key(x) in seen]
    if len(copies) == len(Xt):
        raise UsageError(f"{flag}: expected series held out from training, got every one of the {len(Xt)} series "
                         f"of {str(path)!r} among {train_flag}'s training series (a copy of the training file?): its "
                         "scores would be those of the training series")
    if copies:
        warnings.warn(f"{flag} {str(path)!r}: {len(copies)} of its {len(Xt)} held-out series are also training series "
                      f"in {train_flag} (the same values), series {copies[:10]}{'...' if len(copies) > 10 else ''}: "
                      "their test scores are scores of training series", stacklevel=2)


DERIVED = ("model", "epochs", "batch_size", "patience")   # tsc's own help: their defaults come from the data
#: train flags that shape how a file is read, recorded in the run (its data source) when not "error", and taken by
#: predict / evaluate where they are left out
RUN_READING = ("missing", "gaps")


class TSC(TaskCommand):
    name, help, doc = "tsc", "time-series classification (UCR/UEA, long CSV)", __doc__
    task = LazyClass("rnnkit.tasks.tsc", "TimeSeriesClassifier")   # torch: imported when a run needs it
    config_flags = [f for f in SHARED_FLAGS if f.name not in DERIVED] + [
        Flag("model", "auto: the recurrent network, or 1-NN Euclidean when it is more accurate on the "
             "validation split (both fitted on the same training part; the run reports which and why); rnn: "
             "always the network; feedforward: the control on pooled inputs (no recurrence)",
             ("auto", "rnn", "feedforward")),
        Flag("patch", "feed non-overlapping windows of this many steps as one input step (default or 0: "
             "ceil(T / 64), so the recurrence sees at most 64 steps)"),
        Flag("epochs", "most training epochs (default or 0: enough for 1,000 optimizer steps, at least 60)"),
        Flag("batch_size", "series per batch (default or 0: min(32, max(4, training series / 4)))"),
        Flag("patience", "epochs without validation gain before stopping (default or 0: a quarter of the epochs)"),
        Flag("max_len", "steps per series, longer ones cut (--on-long; default: none, the whole series)"),
    ]
    size_flags = ["--hidden-size", "--num-layers", "--patch", "--batch-size", "--max-len"]
    columns = {"id_col": "id", "time_col": "time", "label_col": "label", "value_cols": None}
    columns_checked = True   # _check_ignored refuses them without --csv (cli.unread_flags leaves them to it)
    limit = False
    test_fraction = 0.3

    def config_class(self) -> type:
        return TSCConfig   # the task's own (rnnkit.tasks.tsc imports it): no torch for --help

    def make_config(self, args):
        for name in ("patch", *DERIVED[1:]):   # 0: derived from the training set (None in TSCConfig)
            if getattr(args, name) == 0:
                setattr(args, name, None)
        return super().make_config(args)

    def _split(self, data: Data, args):
        """The driver's split; one that took a class whole is named with --test-fraction (classify_data)."""
        train, test, record = super()._split(data, args)
        if test is not None and data.test is None:
            from rnnkit.tasks.classify_data import check_test_split

            check_test_split(train.targets, test.targets, data.targets, "series", "series", "y",
                             None if train.places is None or test.places is None else [*train.places, *test.places])
        return train, test, record

    def train_summary(self, task) -> dict:
        """What ``--model auto`` chose and why, the settings derived from the training set, and the classes the
        validation split left the network without."""
        return {k: task.history[k] for k in ("auto", "derived", "classes_not_trained") if task.history.get(k)}

    def memory_need(self, args) -> int:
        # the channels and a derived patch are not known yet: count one; a derived batch is at most 32
        return encoder_memory(Namespace(**{**vars(args), "batch_size": args.batch_size or 32}), args.patch or 1)

    def add_data_flags(self, ap, action: str) -> None:
        if action != "predict":
            ap.add_argument("--dataset", default=None,
                            help="registered data set (e.g. japanese-vowels, gunpoint; see rnnkit datasets)")
        ap.add_argument("--ts", type=file_arg, default=None, help="sktime .ts file")
        ap.add_argument("--ucr", type=file_arg, default=None,
                        help="UCR archive file (.tsv/.txt: a series a line, the label first)")
        ap.add_argument("--csv", type=file_arg, default=None, help="long-format CSV (one row per series id and step)")
        for col in ("id", "time", "label"):
            ap.add_argument(f"--{col}-col", default=None,
                            help=f"{col} column of --csv (default: the run's, else '{col}')")
        run = "" if action == "train" else "the run's (how training read its file), else "   # RUN_READING
        ap.add_argument("--missing", choices=("error", "interpolate"), default="error" if not run else None,
                        help="NaN inside a series (a missing value): an error naming the series, or filled by linear "
                             f"interpolation in time, as the UCR archive's adjusted files are (default: {run}error)")
        ap.add_argument("--gaps", choices=("error", "steps"), default="error" if not run else None,
                        help="--csv times not equally spaced within a series (a hole or an extra sample): an error "
                             "naming the rows, or the rows read in time order as steps (irregular sampling) "
                             f"(default: {run}error)")
        ap.add_argument("--value-cols", default=None,
                        help="comma-separated channel columns of --csv (default: the run's, else every other column)")
        if action == "train":
            ap.add_argument("--test-ts", type=file_arg, default=None, help="held-out .ts file (else --test-fraction)")
            ap.add_argument("--test-ucr", type=file_arg, default=None,
                            help="held-out UCR archive file (else --test-fraction)")

    def load(self, args, action: str) -> Data | None:
        from rnnkit.data.registry import get_dataset

        given = [f for f, v in (("--dataset", getattr(args, "dataset", None)), ("--ts", args.ts), ("--ucr", args.ucr),
                                ("--csv", args.csv)) if v is not None]
        if len(given) > 1:
            raise UsageError(f"input: expected one of --dataset, --ts, --ucr, --csv, got {' and '.join(given)}")
        if not given:
            return None
        _check_ignored(self, args, given[0])
        if action == "train":   # recorded in config.json by its absolute path: a name that is not UTF-8 failed
            for flag in ("ts", "ucr", "csv"):                       # after training, the run lost
                if getattr(args, flag, None) is not None:
                    check_recordable(getattr(args, flag), flag.replace("_", "-"))
        if given == ["--dataset"]:
            info = get_dataset(args.dataset)
            if info.kind != "tsc":
                raise UsageError(f"--dataset: expected a time-series classification data set, got {args.dataset!r} "
                                 f"(kind {info.kind!r})")
            d = info.load()   # each series named by its split and number ('X[0]: expected 1 channels' named neither)
            return Data(d.X_train, d.y_train, {"dataset": args.dataset},
                        Data(d.X_test, d.y_test, places=_dataset_places(args.dataset, "test", len(d.X_test))),
                        rule="the data set's own test split",
                        places=_dataset_places(args.dataset, "train", len(d.X_train)))
        X, y, source = self._read_file(args, need_labels=True, name_channels=action == "train")
        places = _series_places(source["flag"], source["file"], getattr(args, "_series_ids", None), len(X))
        tests = [(f, p) for f, p in (("ts", getattr(args, "test_ts", None)), ("ucr", getattr(args, "test_ucr", None)))
                 if p is not None]
        if len(tests) > 1:
            raise UsageError("test: expected one of --test-ts, --test-ucr, got both")
        if not tests:
            return Data(X, y, source, None, places=places)
        flag, path = tests[0]
        if same_file(path, source["file"]):   # the 'held-out' scores were the training series' own, silently
            raise UsageError(f"--test-{flag}: expected a file other than the training series' --{source['flag']}, "
                             f"got the same file {str(path)!r}")
        Xt, yt = read_file(flag, path, f"--test-{flag}")   # checked against the training series now, not after the fit
        Xt = ready_series(args, Xt, f"--test-{flag} {str(path)!r}", channels=X[0].shape[1], flag=flag)
        test_places = _series_places(f"test-{flag}", path, None, len(Xt))
        _check_test_labels(y, places, yt, test_places)
        _check_test_copies(X, Xt, f"--test-{flag}", path, f"--{source['flag']}")
        return Data(X, y, source, Data(Xt, yt, places=test_places),
                    rule=f"the series of --test-{flag} {str(path.absolute())!r}", places=places)   # read from any cwd

    def _read_file(self, args, need_labels: bool, name_channels: bool = False):
        """``(X, y, source)`` of the one file flag given. ``name_channels`` (train): a ``--csv`` read without
        ``--value-cols`` sets it to the columns read, so the run remembers its channels by name (a file whose
        columns come in another order was read by position: channels swapped, predictions wrong silently)."""
        from rnnkit.data.tsc import read_long_csv
        from rnnkit.data.ucr_lines import as_saved
        from rnnkit.errors import DataError

        files = [f for f in ("ts", "ucr", "csv") if getattr(args, f) is not None]
        if len(files) != 1:
            raise UsageError("input: expected exactly one of --ts PATH, --ucr PATH or --csv PATH, got "
                             + (" and ".join(f"--{f}" for f in files) or "none"))
        flag = files[0]
        _check_ignored(self, args, f"--{flag}")
        for name in RUN_READING:     # left out at predict / evaluate: as the run's training read its file
            if getattr(args, name) is None:
                setattr(args, name, getattr(args, "_run_reading", {}).get(name, "error"))
        if flag != "csv":
            X, y = read_file(flag, getattr(args, flag))
            if flag == "ucr":    # a run saved before session 33: its labels with R's quotes, as the API reads them
                y = as_saved(y, getattr(args, "_saved_quotes", None))
            if need_labels and not any(y):
                raise UsageError(f"--{flag}: expected labelled series (@classLabel true), got none")
        else:
            cols = value_columns(args)
            if cols is None and name_channels and is_stream(args.csv):
                raise UsageError(f"--csv: expected a file or --value-cols, got a stream {str(args.csv)!r} (a pipe or "
                                 "stdin, read once) without --value-cols: train reads the header again to name the "
                                 "channels; name them with --value-cols, or give a file")
            X, y, ids = read_long_csv(args.csv, args.id_col, args.time_col, args.label_col, cols, gaps=args.gaps,
                                      return_ids=True)
            args._series_ids = ids     # predict names each series by its id (they were numbered 1..N)
            if cols is None and name_channels:
                args.value_cols = _other_columns(args)
            if need_labels and y is None:
                raise DataError(f"csv {str(args.csv)!r}: expected column(s) [{args.label_col!r}] with labels, got none")
        source = {"file": str(getattr(args, flag)), "flag": flag}
        X = ready_series(args, X, f"--{flag} {source['file']!r}", flag=flag)
        return X, y, {**source, **({"missing": args.missing} if args.missing != "error" else {}),
                      **({"gaps": args.gaps} if args.gaps != "error" else {})}

    def fill_columns(self, args, remembered: dict | None = None) -> dict:
        if not hasattr(args, "_typed_columns"):    # before the defaults and the run's names fill them
            args._typed_columns = [d for d in self.columns if getattr(args, d, None) is not None]
        return super().fill_columns(args, remembered)

    def fill_from_run(self, args, task) -> None:
        """The run's column names, and how its training read its file (:data:`RUN_READING`), for the flags left
        out: a run trained with ``--gaps steps`` refused a new CSV of the same sampling, one trained with
        ``--missing interpolate`` a file with the same holes -- each time naming a flag the user never gave. A flag
        typed here is used as typed (``--missing error``: refuse what training filled)."""
        super().fill_from_run(args, task)
        args._run_reading = {k: task.data[k] for k in RUN_READING if k in task.data}
        args._saved_quotes = getattr(task, "saved_quotes", None)   # warned by the run's load (tasks.tsc)

    def load_source(self, source: dict, args):
        """The run's own file, read as training read it (``--missing`` and ``--gaps`` included)."""
        args.missing = source.get("missing", args.missing)
        args.gaps = source.get("gaps", args.gaps)
        args._own_data = True     # no data flag typed: the checks name the run's data, not a flag (_check_ignored)
        return super().load_source(source, args)

    def read_inputs(self, args):
        """Series numbered 1..N in the file's order (--ts/--ucr), or named by their id (--csv, the --id-col text)."""
        X, y, source = self._read_file(args, need_labels=False)
        args._ucr_labels = y if source["flag"] == "ucr" else None   # predictions checks them against the run's
        ids = getattr(args, "_series_ids", None)
        return X, (list(ids) if ids is not None else list(range(1, len(X) + 1))), "series"

    def predict(self, args) -> None:
        """Series predicted :data:`~rnnkit.cli.classify.PART` at a time, each part printed as it is made; every
        series checked first (:meth:`check_predict`), as one call checked them."""
        from rnnkit.cli.classify import PART
        from rnnkit.cli.predict_stream import stream_predict

        stream_predict(self, args, check=lambda task, items: self.check_predict(task, items, args), part_size=PART)

    def check_predict(self, task, items, args) -> None:
        """The file's series checked against the run's channel count, so a file with another count is an error
        naming the flag and the file (it was ``X[0]: expected 2 channels, got 1``, naming neither); with
        ``on_long="error"`` their lengths (counted over all of them); and a ``--ucr`` file's labels (a warning)."""
        from rnnkit.data.batching import limit_length
        from rnnkit.tasks.tsc import check_series

        mean = getattr(task, "mean", None)
        if mean is not None:
            flag = next(f for f in ("ts", "ucr", "csv") if getattr(args, f) is not None)
            items = check_series(items, f"--{flag} {str(getattr(args, flag))!r}: series", channels=len(mean))
        _warn_unknown_ucr_labels(getattr(args, "_ucr_labels", None), task, args.ucr)
        if task.config.on_long == "error" and task.chose == "network":   # the 1-NN reads series whole
            limit_length(items, task.config.max_len, "error", what="series")


def _fractional(text: str) -> bool:
    """Whether ``text`` is a number with a fraction ('0.0126': a value, where a label is a class code)."""
    try:
        return not float(text).is_integer()
    except ValueError:
        return False


def _warn_unknown_ucr_labels(labels, task, path) -> None:
    """A ``--ucr`` file to predict whose lines start with no class of the run: a UCR line is its label, then its
    values, and predict drops the label -- lines of values alone lost their first value each, silently (the series
    were predicted one step short). Warned, not refused: a file may carry a placeholder label of its own; one
    placeholder on every line (not a fraction) is that layout and is not warned."""
    import warnings

    known = getattr(getattr(task, "labels", None), "index", None)
    if not labels or known is None or any(v in known for v in labels):
        return
    if len(labels) > 1 and len(set(labels)) == 1 and not _fractional(labels[0]):
        return        # one placeholder label on every line ('0', 'x'): the layout this warning asks for
    shown = list(dict.fromkeys(labels))[:5]
    warnings.warn(f"--ucr {str(path)!r}: expected each line to start with its label (a class of the run: "
                  f"{sorted(known)[:10]}), got none of them (first fields {shown}{'...' if len(set(labels)) > 5 else ''}): "
                  "predict reads the first field of a line as its label and drops it; if these lines are values "
                  "alone, each series lost its first value: write a label (any placeholder) first", stacklevel=2)


COMMAND = TSC()
add_parser, run = COMMAND.add_parser, COMMAND.run
