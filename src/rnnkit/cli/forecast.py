"""``rnnkit forecast``: fit a forecaster (``--model auto`` by default: ETS, Theta, recurrent networks, the
ES-RNN hybrid and their combinations, the winner chosen on the training data) on a CSV file or a bundled
series, backtest it against every candidate and the baselines, and forecast ``--horizon`` steps past the
end of the data; or forecast and update from a saved run folder without fitting again.

Examples::

    rnnkit forecast --dataset co2 --horizon 52 --backtest 3 --out runs/demo
    rnnkit forecast --csv sales.csv --target units --time-col date --id-col store --horizon 14 --json
    rnnkit forecast --csv shop.csv --target units --time-col day --dayfirst --horizon 7   # 13/01/2021 dates
    rnnkit forecast --dataset nile --horizon 10 --model gru --quantiles 0.05 0.5 0.95
    rnnkit forecast predict --run runs/demo --horizon 12 --json     # from the saved model, no refit
    rnnkit forecast update --run runs/demo --csv new_weeks.csv --out runs/demo2   # append, forecast again

The first form (``train``, the default action) fits on all the rows given. With ``--out DIR`` it writes
``forecast.csv``, ``metrics.json`` (backtest metrics, what auto chose and why, preprocessing, timings),
``metrics.jsonl`` (one line per backtest row and one for the fit), ``forecast.png`` and the model
(``Forecaster.load(DIR)`` reads it back). ``--json`` prints ``{"forecast": [{"id", "time", "value",
"lower", "upper", "q0.1", ...}, ...], "backtest": {model: {MAE, RMSE, sMAPE, MASE, coverage, ...}},
"config": {...}, ...}``. Progress goes to stderr in stages unless ``--quiet``.

``predict --run DIR`` forecasts from the saved model (``--horizon``: at most the fitted one; any for the
recursive network). ``update --run DIR --csv NEW.csv`` appends the observations of ``NEW.csv`` (the
columns of the fit; ``--time-col`` names the time column of a run fitted on a bundled series) and
forecasts again without training; ``--out DIR2`` saves the updated model there (the run is untouched).

Dates in ``--time-col`` are read with one format for the whole column. When two readings both fit
(``02/01/2021``: day or month first) the command stops (exit 1) and asks for ``--date-format '%d/%m/%Y'``
or ``--dayfirst`` (``--dayfirst false``: month first); rows not in time order are sorted and counted
(``rows_reordered`` in the preprocessing report). A time column of integers is read as integer steps,
or as dates written as numbers with ``--date-format`` (``20210131`` with ``%Y%m%d``); integer steps
with gaps that look like such dates (or spreadsheet serial day numbers) stop with the fix named.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rnnkit.cli.common import HelpFormatter, UsageError, add_common, bool_arg, check_memory, check_run_out, \
    file_arg, path_arg, rnn_params, set_threads, training_bytes
from rnnkit.cli.forecast_words import flag_words, heads_of
from rnnkit.tasks.forecasting.series_batches import DEFAULT_BATCH_SERIES, batch_series_flag
from rnnkit._validate import first_repeat
from rnnkit.errors import ConfigError

__all__ = ["add_parser", "run", "load_input", "ACTIONS"]

SIZE_FLAGS = ["--hidden-size", "--num-layers", "--lookback", "--horizon"]
ACTIONS = ("train", "predict", "update")
MODELS = ("auto", "lstm", "gru", "elman", "esrnn", "ets", "theta", "seasonal_naive")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "forecast", help="forecast time series (auto: statistics, RNNs and their combinations), backtested",
        description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("action", nargs="?", default="train", choices=ACTIONS,
                   help="train: fit (and backtest) on --csv/--dataset; predict / update: from the saved --run")
    p.add_argument("--run", type=path_arg, default=None, metavar="DIR",
                   help="a run folder written by 'rnnkit forecast --out DIR' (predict and update)")
    src = p.add_argument_group("data (one of --csv / --dataset)")
    src.add_argument("--csv", type=file_arg, default=None, metavar="PATH",
                     help="CSV file with the series (update: the new observations)")
    src.add_argument("--dataset", default=None, metavar="NAME", help="a bundled series (see `rnnkit datasets`)")
    src.add_argument("--target", default=None, metavar="COL", help="column to forecast")
    src.add_argument("--time-col", default=None, metavar="COL", help="timestamp column (default: the row order)")
    src.add_argument("--date-format", default=None, metavar="FMT",
                     help="strptime format of every --time-col value, e.g. '%%d/%%m/%%Y' (default: inferred, one "
                          "format for the column; ambiguous day/month is an error)")
    src.add_argument("--dayfirst", type=bool_arg, nargs="?", const=True, default=None, metavar="BOOL",
                     help="numeric dates put the day first (--dayfirst false: the month first); settles an "
                          "ambiguous --time-col without a full --date-format")
    src.add_argument("--id-col", default=None, metavar="COL", help="series id column (several series)")
    src.add_argument("--past-covariates", default=None, metavar="COLS",
                     help="comma-separated columns observed only up to now (network models)")
    src.add_argument("--future-covariates", default=None, metavar="COLS",
                     help="comma-separated columns known ahead (network models; needs --future-csv with the next "
                          "--horizon rows)")
    src.add_argument("--future-csv", type=file_arg, default=None, metavar="PATH",
                     help="CSV with the known-future covariates for the forecast period (train; predict and update "
                          "of a run fitted with --future-covariates)")
    src.add_argument("--resample", action="store_true",
                     help="put irregular timestamps on the inferred grid (default: an error)")
    src.add_argument("--outliers", default="missing", choices=["warn", "missing"],
                     help="a lone value (one so far from the median that the others' variation is noise beside it: "
                          "a 1e12 typo among values of ~100): warn and treat it as missing (interpolated; a backtest "
                          "still scores it where it is a test value), or warn and keep it. Target and covariates, per "
                          "series; update screens the new points too (default: %(default)s)")
    m = p.add_argument_group("model")
    m.add_argument("--horizon", type=int, default=None, metavar="H",
                   help="steps to forecast (required to train; predict: at most the fitted horizon)")
    m.add_argument("--model", default="auto", choices=MODELS,
                   help="auto: the candidates and their combinations validated on the training data; a network "
                        "(lstm, gru, elman); the ES-RNN hybrid; or one statistical method")
    m.add_argument("--candidates", nargs="+", default=None, metavar="NAME",
                   help="auto's candidates among ets theta seasonal_naive naive drift lstm gru elman esrnn "
                        "pretrained (default: auto's defaults: the statistical methods, the LSTM and the ES-RNN; "
                        "name pretrained to average the pretrained yearly networks into auto's forecast of several "
                        "yearly series, an option since session 17)")
    m.add_argument("--quantiles", nargs="+", type=float, default=[0.1, 0.5, 0.9], metavar="Q",
                   help="quantile levels in (0, 1) to forecast (auto, esrnn and statistical models), any list")
    m.add_argument("--cell", default=None, choices=["lstm", "gru", "elman"],
                   help="the network's cell (older form: --cell gru without --model fits the GRU network)")
    m.add_argument("--strategy", default="direct", choices=["direct", "recursive", "encoder-decoder"],
                   help="network: multi-output, one step rolled forward, or an encoder-decoder")
    m.add_argument("--interval", default="quantile", choices=["quantile", "gaussian", "none"],
                   help="network: the interval's distribution")
    m.add_argument("--level", type=float, default=0.9, help="coverage of the lower/upper interval")
    m.add_argument("--lookback", type=int, default=None,
                   help="network: sequence length (default: chosen by validation)")
    m.add_argument("--hidden-size", type=int, default=32, help="network: hidden units")
    m.add_argument("--num-layers", type=int, default=1, help="network: stacked recurrent layers")
    m.add_argument("--epochs", type=int, default=30, help="network: most training epochs (early stopping)")
    m.add_argument("--period", type=int, default=None, help="seasonal period (default: detected)")
    m.add_argument("--transform", default="none", choices=["none", "log", "boxcox"],
                   help="network: variance-stabilising transform")
    m.add_argument("--deseasonalize", default="auto", choices=["auto", "stl", "diff", "none"],
                   help="network: remove the season with STL or seasonal differences (auto: chosen on validation)")
    m.add_argument("--detrend", default="none", choices=["none", "diff"], help="network: first differences")
    m.add_argument("--backtest", type=int, default=0, metavar="K", help="rolling-origin folds (0: none)")
    m.add_argument("--no-plot", action="store_true", help="do not write forecast.png")
    m.add_argument("--esrnn-batch-series", type=batch_series_flag, default=DEFAULT_BATCH_SERIES, metavar="N",
                   help="the ES-RNN hybrid (auto's member, --model esrnn): series per optimiser step, a bound on its "
                        "training that does not grow with the series ('all': every series every step; default: "
                        "%(default)s)")
    m.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes for the per-series statistical fits (ETS, Theta, baselines; Linux), apart from "
                        "--threads: the same numbers (default: as many as --threads; 1: none)")
    add_common(p, seed=True, out=True, threads=True)
    return p


def load_input(args: argparse.Namespace) -> tuple[Any, dict[str, Any], str]:
    """The data and the column settings from ``--csv``/``--dataset``; returns ``(data, parse_args, name)``."""
    import pandas as pd

    if (args.csv is None) == (args.dataset is None):
        raise UsageError("expected exactly one of --csv PATH or --dataset NAME, got "
                         + ("both" if args.csv is not None else "neither"))
    for flag, value in (("--date-format", args.date_format), ("--dayfirst", args.dayfirst)):
        if value is not None and (args.csv is None or args.time_col is None):
            raise UsageError(f"{flag}: expected --csv with --time-col (the dates it reads), got "
                             + ("--dataset (its dates are parsed already)" if args.csv is None else "no --time-col"))
    parse_args = {"target": args.target, "time_col": args.time_col, "id_col": args.id_col,
                  "past_covariates": args.past_covariates, "future_covariates": args.future_covariates}
    if args.dataset is not None:
        from rnnkit.data.registry import get_dataset, list_datasets

        try:
            info = get_dataset(args.dataset)
        except ConfigError:
            names = [d.name for d in list_datasets("series")]
            raise UsageError(f"--dataset: expected one of {names}, got {args.dataset!r}") from None
        if info.kind != "series":
            names = [d.name for d in list_datasets("series")]
            raise UsageError(f"--dataset: expected a time series (one of {names}), got {args.dataset!r} "
                             f"(a {info.kind} data set)")
        data = info.load()
        for flag, value in (("--time-col", args.time_col), ("--id-col", args.id_col)):
            if value is not None and isinstance(data, pd.Series):   # was 'time_col/id_col: ... got a Series'
                raise UsageError(f"{flag}: expected none with --dataset {args.dataset} (one bundled series, its times "
                                 f"read already), got {value!r}")
        columns = getattr(data, "attrs", {}).get("columns") if isinstance(data, pd.DataFrame) else None
        for key, value in (columns or {}).items():
            if parse_args.get(key) is None:
                parse_args[key] = value
        return data, parse_args, args.dataset
    if parse_args["target"] is None:
        from rnnkit.cli.forecast_runs import wide_csv_hint

        raise UsageError("--target: expected the name of the column to forecast with --csv, got none"
                         + wide_csv_hint(args.csv, args.time_col, args.id_col))
    from rnnkit.data.series import read_series_csv

    path = Path(args.csv)
    data = read_series_csv(path, args.time_col, date_format=args.date_format, dayfirst=args.dayfirst, what="--csv",
                           id_col=args.id_col)
    if args.date_format is not None and pd.api.types.is_integer_dtype(data[args.time_col]):
        parse_args["date_format"] = args.date_format    # dates written as numbers (20210131): the model reads them
    from rnnkit.cli.forecast_runs import dayfirst_needs_text

    dayfirst_needs_text(args.dayfirst, data, args.time_col)
    if args.time_col is None:
        warn_unread_dates(data, parse_args)
    return data, parse_args, path.stem


def warn_unread_dates(data: Any, parse_args: dict[str, Any], sample: int = 1000) -> None:
    """Without ``--time-col`` the rows are the series' steps in file order, and a column of dates that no role
    uses was left out without a word: a file written newest first was forecast backwards, a shuffled one from
    noise, and the dates' frequency and seasons were lost (fuzzed: ``--config`` without ``time-col``). A warning
    names each such column: one whose first ``sample`` non-empty values all read as dates of one format
    (:func:`rnnkit.data.series.parse_dates`' rules), and says when those are out of time order."""
    import warnings

    import pandas as pd

    from rnnkit.data.series import parse_dates
    from rnnkit.errors import RnnkitError
    from rnnkit.tasks.forecasting.inputs import as_name_list

    used = {parse_args.get("target"), parse_args.get("id_col")}
    for key in ("past_covariates", "future_covariates"):
        used.update(as_name_list(parse_args.get(key), key))
    for col in data.columns:
        values = data[col].dropna()
        if col in used or len(values) < 2 or not (pd.api.types.is_object_dtype(values)
                                                  or pd.api.types.is_string_dtype(values)):
            continue
        head = values.head(sample).astype(str)
        if not head.str.contains(r"\d", regex=True).all():   # words are not dates ('Monday' alone is no date)
            continue
        try:
            with warnings.catch_warnings():   # the probe's own notes (a two-digit year ...) are not this file's
                warnings.simplefilter("ignore")
                times, _ = parse_dates(head.tolist(), repr(col))
        except (RnnkitError, ValueError, TypeError, OverflowError):   # not dates, or dates of no single format
            continue
        if times.isna().any():
            continue
        order = ("" if parse_args.get("id_col") is not None or times.is_monotonic_increasing else
                 " -- and they are not in increasing order, so the series is read out of time order")
        warnings.warn(f"--time-col: expected the column of the times when the file has one, got none: column "
                      f"{col!r} holds dates (e.g. {head.iloc[0]!r}) and is not read, the rows are taken in file "
                      f"order as steps 0, 1, 2, ...{order}; pass --time-col {col} to read the times (their order, "
                      f"frequency and seasons), or drop the column where the row order is meant (trading days)",
                      stacklevel=2)


def _check_args(args: argparse.Namespace) -> None:
    if args.horizon is None:
        raise UsageError("--horizon: expected a positive int, got none")
    if args.horizon <= 0:
        raise UsageError(f"--horizon: expected a positive int, got {args.horizon}")
    if args.backtest < 0:
        raise UsageError(f"--backtest: expected a number of folds >= 0, got {args.backtest}")
    if args.future_covariates and args.future_csv is None:
        raise UsageError("--future-covariates: expected --future-csv with their values for the forecast period, got none")
    if args.future_csv is not None and not args.future_covariates:   # was refused only after the whole fit
        raise UsageError("--future-csv: expected with --future-covariates (the columns it holds), got none")
    if args.out is not None:    # the model is saved there: not over another task's run or foreign files
        check_run_out(args.out, "forecast")
    if _fits_network(args):
        check_memory(args, _memory_need, SIZE_FLAGS, what="weights, gradients and Adam state, plus one batch of "
                                                          "activations and the forecast's rows")
    else:           # named weights and Adam state for seasonal_naive: only the forecast's rows grow with --horizon
        check_memory(args, _rows_need, ["--horizon"], what=f"the forecast's rows at about {_ROW_BYTES} bytes a step "
                                                            "and series")


#: memory a forecast step takes per series, rounded up from 1.6 KB (seasonal_naive) and 2.0 KB (ets): peak RSS
#: of `forecast --json` at --horizon 200000 on 100 integer steps (session 15): the rows, their quantiles and JSON
_ROW_BYTES = 2048


def _fits_network(args: argparse.Namespace) -> bool:
    """Whether the flags fit a network: one named, ``--cell``, or auto with its default or a network candidate."""
    from rnnkit.tasks.forecasting.config import CELLS

    networks = (*CELLS, "esrnn")
    if args.model == "auto":
        return args.cell is not None or args.candidates is None or any(c in networks for c in args.candidates)
    return args.model in networks


def _rows_need(args: argparse.Namespace) -> int:
    return (args.horizon or 1) * _ROW_BYTES


def _memory_need(args: argparse.Namespace) -> int:
    """Estimated training memory from the size flags (a few input features; the lookback at most 192
    when chosen by validation; batches of 64 windows), and the forecast's rows."""
    lookback = args.lookback if args.lookback is not None else 192
    horizon = args.horizon or 1
    params = rnn_params(args.cell or "lstm", 4, args.hidden_size, args.num_layers) + (args.hidden_size + 1) * horizon * 3
    return training_bytes(params, 64 * lookback * args.num_layers * 6 * args.hidden_size) + _rows_need(args)


def _check_period(args: argparse.Namespace, data: Any, parse_args: dict[str, Any], name: str) -> None:
    """``--period`` at most half the shortest series (the model's rule, :func:`.inputs.check_period`),
    checked on the raw rows before any parsing or fitting (values below 1 are the config's to refuse)."""
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import check_period

    if args.period is None or args.period < 1:
        return
    id_col, target, time_col = parse_args.get("id_col"), parse_args.get("target"), parse_args.get("time_col")

    def rows(part: Any) -> int:   # from the first given target value: a series starts there (leading gaps dropped)
        if isinstance(part, pd.DataFrame) and time_col in part.columns:    # in time order, not the file's: a file
            part = part.sort_values(time_col, kind="stable")                # newest first ends with its leading gaps
        elif isinstance(part.index, pd.DatetimeIndex):
            part = part.sort_index(kind="stable")
        col = part[target] if isinstance(part, pd.DataFrame) and target in part.columns else part
        if isinstance(col, pd.DataFrame) or not col.notna().any():
            return len(part)
        return len(part) - int(col.notna().to_numpy().argmax())

    if isinstance(data, pd.DataFrame) and id_col is not None and id_col in data.columns:
        sizes = {str(k): rows(g) for k, g in data.groupby(id_col, sort=True)}
    else:                    # one series: its id is the target column's name (the forecast's "id"), not the file's
        sizes = {str(target or name): rows(data)}
    try:
        check_period(sizes, args.period, "--period")
    except DataError as e:
        raise UsageError(str(e)) from None


#: flags that shape a fit; a saved run's own settings are used for predict/update, so these are refused there
TRAIN_ONLY = ("model", "candidates", "quantiles", "cell", "strategy", "interval", "level", "lookback", "hidden_size",
              "num_layers", "epochs", "period", "transform", "deseasonalize", "detrend", "seed", "resample", "id_col",
              "past_covariates", "future_covariates", "outliers")
# (--future-csv is not among them: a run fitted with future covariates needs their next rows)


def _flag_defaults() -> dict[str, Any]:
    p = add_parser(argparse.ArgumentParser().add_subparsers())
    return vars(p.parse_args([]))


def run(args: argparse.Namespace) -> dict:
    set_threads(args)
    if args.action != "train":
        from rnnkit.cli.forecast_runs import run_saved

        defaults = _flag_defaults()
        given = [k for k in TRAIN_ONLY if getattr(args, k) != defaults[k]]
        if given:
            raise UsageError(f"--{given[0].replace('_', '-')}: expected only with a training run (the saved run's own "
                             f"settings are used), got it with '{args.action}'")
        return run_saved(args)
    if args.run is not None:
        raise UsageError("--run: expected with 'predict' or 'update', got it with a training run (--csv/--dataset)")
    if args.candidates is not None and args.model != "auto":   # ignored otherwise: the one model is fitted
        raise UsageError(f"--candidates: expected only with --model auto (what auto chooses among), got it with "
                         f"--model {args.model}")
    for flag, values in (("--candidates", args.candidates or []), ("--quantiles", args.quantiles)):
        twice = first_repeat(values)
        if twice is not None:                                   # dropped silently otherwise
            raise UsageError(f"{flag}: expected each value once, got {twice} twice")
    return _train(args)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ForecastConfig settings of the flags (``--cell`` alone keeps its older meaning: that network)."""
    model = args.cell if args.cell is not None and args.model == "auto" else args.model
    return dict(model=model, cell=args.cell if args.cell is not None else (model if model in ("lstm", "gru", "elman")
                                                                          else "lstm"),
                quantiles=tuple(args.quantiles), candidates=None if args.candidates is None else tuple(args.candidates),
                horizon=args.horizon, strategy=args.strategy, interval=args.interval, level=args.level,
                lookback=args.lookback, hidden_size=args.hidden_size, num_layers=args.num_layers, epochs=args.epochs,
                selection_epochs=min(12, args.epochs), period=args.period, transform=args.transform,
                deseasonalize=args.deseasonalize, detrend=args.detrend, resample=args.resample, seed=args.seed,
                outliers=args.outliers,
                threads=args.threads, workers=args.workers, esrnn_batch_series=args.esrnn_batch_series)


def _future_rows(args: argparse.Namespace, data: Any, parse_args: dict[str, Any]) -> Any:
    """``--future-csv`` read and checked against the series before any fit (``None`` without it): a missing file, a
    time the fit's date format does not read, or fewer rows than ``--horizon`` stopped the run only after the whole
    backtest and fit (a network's training). The check is predict's own (``inputs.future_covariate_values``); the
    file's dates are read with the fit's format, or their own (:func:`.forecast_runs.read_future_csv`)."""
    if args.future_csv is None:
        return None
    import warnings
    from types import SimpleNamespace

    from rnnkit.cli.forecast_runs import read_future_csv
    from rnnkit.tasks.forecasting.inputs import future_covariate_values, parse_series

    with warnings.catch_warnings():      # the fit warns about the series itself; a constant one is its to refuse
        warnings.simplefilter("ignore")
        series = parse_series(data, resample=args.resample, allow_constant=True, **parse_args)
    fmt = series[0].date_format          # the format the fit reads its dates with (the fitted model keeps it)
    with flag_words(heads_of(parse_args, future="--future-csv")):
        future = read_future_csv(args.future_csv, parse_args, fmt)
        future_covariate_values(future, [SimpleNamespace(id=s.id, index=s.index, freq=s.freq, fut=s.future)  # as
                                         for s in series], {**parse_args, "date_format": fmt}, args.horizon)  # fitted
    return future


def _train(args: argparse.Namespace) -> dict:
    from rnnkit.cli.forecast_runs import progress_printer, result_of, text_of, write_outputs
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.parse_once import parsed_once

    _check_args(args)
    try:
        forecaster = Forecaster(config=None, **_settings(args))
    except ConfigError as e:
        raise UsageError(str(e)) from None
    forecaster.progress = progress_printer(args)
    with flag_words(heads_of(vars(args))):     # the library's messages name the flags typed
        data, parse_args, name = load_input(args)
    with flag_words(heads_of(parse_args)):
        _check_period(args, data, parse_args, name)
        future = _future_rows(args, data, parse_args)    # (its reading hides the series' warnings: not kept)
    timing: dict[str, float] = {}
    bt = None
    with flag_words(heads_of(parse_args)), parsed_once():     # the backtest and the fit read the frame once
        if args.backtest:
            t0 = time.perf_counter()
            bt = forecaster.backtest(data, folds=args.backtest, **parse_args)
            timing["backtest_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        forecaster.fit(data, **parse_args)
        timing["fit_s"] = round(time.perf_counter() - t0, 2)
    with flag_words(heads_of(parse_args, future="--future-csv")):
        fc = forecaster.predict(future_covariates=future)
    result = result_of(forecaster, fc, bt, timing, {"data": name, **parse_args})
    if args.out is not None:
        result["files"] = write_outputs(Path(args.out), forecaster, fc, bt, result, plot=not args.no_plot)
    if not args.json:
        result["text"] = text_of(name, forecaster, fc, bt, timing, result.get("files"))
    return result
