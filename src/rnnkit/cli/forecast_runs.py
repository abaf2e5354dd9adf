"""What ``rnnkit forecast`` prints and writes, and its ``predict`` / ``update`` actions on a saved run
folder (no refit): the result object, the text for people, the run folder's files."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnnkit._io import atomic_write_bytes, atomic_write_json, atomic_write_text, dumps_json, to_jsonable
from rnnkit.cli.common import UsageError, check_out_dir, check_run_out
from rnnkit.cli.forecast_words import flag_words, heads_of
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting.records import forecast_csv_frame, forecast_records, time_texts

__all__ = ["result_of", "write_outputs", "text_of", "run_saved", "progress_printer", "read_future_csv"]


def result_of(forecaster, fc, bt, timing: dict[str, float], data: dict[str, Any]) -> dict[str, Any]:
    """The JSON result of a fit (and backtest): forecast rows, backtest metrics, settings, what was chosen."""
    summary = forecaster.summary()
    result: dict[str, Any] = {
        "forecast": forecast_records(fc),
        "backtest": None if bt is None else to_jsonable(bt.metrics),
        "config": {**forecaster.config.to_dict(), **data},
        "preprocessing": summary["series"],
        "timing": timing,
    }
    if "lookback" in summary:   # a network
        result["lookback"] = {"chosen": summary["lookback"], "validation_mae": summary["lookback_selection"],
                              "selected_in": summary["lookback_selected_in"]}
        result["training"] = forecaster.train_info_
    else:
        result["auto"] = {k: summary[k] for k in ("chosen", "chosen_per_series", "members", "candidates",
                                                  "quantile_levels")}
        result["auto"]["why"] = summary["report"].get("why")
        result["auto"]["validation_mase"] = summary["report"].get("validation_mase")
        # the per-series exceptions, as data (they are also sentences of "why"): members that fell back to the
        # seasonal naive, constant series forecast as their constant, wild last values and their jumps
        for key in ("fallbacks", "constant_series", "wild_last_value"):
            result["auto"][key] = summary["report"].get(key, {})
        # the weight moved from the choice to the median of all candidates (its members), and how many series
        # were hedged half with seasonal naive, how many averaged half and half with the pretrained yearly networks
        # (0: the member did not apply): data, not only sentences of "why"
        for key in ("toward_median", "hedged_with_seasonal_naive", "pretrained_blended"):
            result["auto"][key] = summary["report"].get(key, 0)
        result["auto"]["median_members"] = summary.get("median_members", [])
    if bt is not None:
        result["backtest_details"] = {k: v for k, v in bt.to_dict().items() if k != "metrics"}
    return result


def write_outputs(out: Path, forecaster, fc, bt, result: dict, plot: bool) -> dict[str, str]:
    """``forecast.csv``, ``metrics.json``, ``metrics.jsonl`` (a line per backtest row and one for the fit),
    the model and ``forecast.png`` in ``out``, under the folder's lock (:func:`_replacing`)."""
    with _replacing(out, forecaster):
        files = {"forecast": _write_forecast_csv(out, fc)}
        keys = ("backtest", "backtest_details", "preprocessing", "lookback", "training", "auto", "timing")
        atomic_write_json(out / "metrics.json", to_jsonable({k: result[k] for k in keys if k in result}))
        files["metrics"] = str(out / "metrics.json")
        rows = [{"stage": "backtest", **r} for r in (bt.per_fold if bt is not None else [])]
        fit = {"stage": "fit", "model": forecaster.config.model, **result["timing"]}
        if "auto" in result:
            fit.update(chosen=result["auto"]["chosen"], why=result["auto"]["why"])
        if "training" in result:
            fit.update(result["training"])
        rows.append(fit)
        atomic_write_text(out / "metrics.jsonl", "".join(dumps_json(r) + "\n" for r in rows))
        files["metrics_log"] = str(out / "metrics.jsonl")
        files["model"] = str(out / "config.json")
        if plot:
            forecaster.plot(out / "forecast.png", backtest=bt, forecast=fc)
            files["plot"] = str(out / "forecast.png")
    return files


#: What a forecast run folder holds beside its model (``rnnkit forecast --out``): the fit's forecast, metrics, plot.
OUTPUTS = ("forecast.csv", "metrics.json", "metrics.jsonl", "forecast.png")


@contextmanager
def _replacing(out: Path, forecaster=None):
    """Hold ``out``'s exclusive lock (:func:`rnnkit.training.save_lock.saving`) while the block writes the outputs
    of one fit, after saving ``forecaster`` there (first: a full disk at it kept the earlier run's model beside this
    fit's forecast.csv) and removing the outputs an earlier fit's run there wrote beside its model. A write that
    failed (a full disk at forecast.png) kept the earlier fit's plot and metrics beside the new model, and a second
    ``forecast --out`` into the same folder wrote its forecast.csv between the first one's model and plot."""
    from rnnkit.tasks.forecasting.run_files import outputs_beside
    from rnnkit.training.save_lock import saving

    with saving(out):   # another process's save, load or outputs there wait
        if forecaster is not None:
            # the outputs there described the earlier fit: they go with its files at the save's commit point (a kill
            # between the commit and their removal left them beside the new model), and come back if it fails
            with outputs_beside(OUTPUTS):
                forecaster.save(out)
        yield


def _write_forecast_csv(out: Path, fc) -> str:
    """``out/forecast.csv`` (written atomically); returns its path."""
    atomic_write_bytes(out / "forecast.csv", forecast_csv_frame(fc).to_csv(index=False).encode())
    return str(out / "forecast.csv")


def _forecast_lines(forecaster, fc) -> list[str]:
    cfg = forecaster.config
    lines = [f"forecast ({len(fc) // max(1, fc['id'].nunique())} steps, {cfg.model}"
             + (f", {cfg.strategy}" if cfg.model in ("lstm", "gru", "elman") else "") + "):"]
    show = fc.assign(time=time_texts(fc["time"])).groupby("id").head(3)     # the times in forecast.csv's one format
    for r in show.itertuples(index=False):
        lines.append(f"  {r.id}  {r.time}  {r.value:.4g}  [{r.lower:.4g}, {r.upper:.4g}]")
    if len(show) < len(fc):
        lines.append(f"  ... ({len(fc)} rows)")
    return lines


def text_of(name: str, forecaster, fc, bt, timing: dict[str, float], files: dict[str, str] | None) -> str:
    """The result for people: the series, what was chosen, the backtest table, the first forecast rows."""
    summary = forecaster.summary()
    lines = []
    for s in summary["series"]:
        per = s["period"]
        reordered = f", {s['rows_reordered']} rows put in time order" if s.get("rows_reordered") else ""
        pipeline = f", pipeline {s['pipeline']}" if "pipeline" in s else ""
        lines.append(f"series {s['id']}: {s['length']} points, frequency {s['frequency'] or 'steps'}, "
                     f"{s['missing_interpolated']} missing interpolated{reordered}, period {per['period']} "
                     f"({per['method']}){pipeline}")
    if "lookback" in summary:
        sel = ", ".join(f"{k}: {v:.3f}" for k, v in summary["lookback_selection"].items())
        lines.append(f"lookback {summary['lookback']} (validation MAE by candidate {sel}; selected in "
                     f"{summary['lookback_selected_in']})")
    else:
        lines.append(f"{summary['model']} chose {summary['report'].get('why')}")
    if bt is not None:
        lines += ["", bt.table(),
                  "(MASE < 1 beats the in-sample seasonal naive; * = best; coverage of the "
                  f"{int(round(100 * forecaster.config.level))}% interval; CRPS from the quantiles "
                  f"{list(forecaster.config.quantiles)})"]
    lines += ["", *_forecast_lines(forecaster, fc)]
    if timing:
        lines.append("time: " + ", ".join(f"{k} {v}" for k, v in timing.items()))
    if files:
        lines.append("wrote: " + ", ".join(files.values()))
    return "\n".join(lines)


def progress_printer(args: argparse.Namespace):
    """Stage messages on stderr (``forecast: fold 2/3, lookback 104``), or ``None`` with ``--quiet``."""
    if args.quiet:
        return None
    return lambda message: print(f"forecast: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ predict / update from a run folder
def run_saved(args: argparse.Namespace) -> dict[str, Any]:
    """``rnnkit forecast predict|update --run DIR``: the saved model forecasts (after appending ``--csv``'s
    observations for ``update``); nothing is fitted. ``--out DIR2``: ``forecast.csv`` there (and the
    updated model, for ``update``)."""
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.runs import run_folder

    if args.run is None:
        raise UsageError(f"--run: expected the run folder to {args.action} from, got none")
    for flag, given in (("--dataset", args.dataset is not None), ("--backtest", bool(args.backtest))):
        if given:
            raise UsageError(f"{flag}: expected with a training run, got it with '{args.action}'")
    if args.action == "predict" and args.csv is not None:
        raise UsageError("--csv: expected with 'update' (the new observations) or a training run, got it with 'predict'")
    for flag, value in (("--time-col", args.time_col), ("--target", args.target), ("--date-format", args.date_format),
                        ("--dayfirst", args.dayfirst)):
        if args.action == "predict" and value is not None:   # was accepted and ignored: predict reads no columns
            raise UsageError(f"{flag}: expected with 'update' (--csv's columns) or a training run, got it with "
                             "'predict' (the run's own columns are used)")
    if args.action == "update" and args.csv is None:
        raise UsageError("--csv: expected the new observations to append (a CSV with the fit's columns), got none")
    if args.out is not None and Path(args.out).resolve() == Path(args.run).resolve():   # was rewritten in place
        raise UsageError(f"--out: expected a folder other than --run's (the run stays as it was fitted), got the run "
                         f"folder itself ({str(args.out)!r})")
    if args.action == "update" and args.out is not None:   # the updated model is saved there
        check_run_out(args.out, "forecast")
    check_out_dir(args.out)
    if args.action == "predict" and args.out is not None:   # B's forecast.csv replaced beside B's own model
        _check_predict_out(args.out)
    run_folder(args.run, "--run")     # was '<file>/config.json: expected a forecaster config, got nothing (missing)'
    forecaster = Forecaster.load(args.run)
    forecaster.progress = progress_printer(args)
    t0 = time.perf_counter()
    saved = forecaster._parse_args
    with flag_words(heads_of(saved, future="--future-csv", points="--csv")):
        future = None if args.future_csv is None else read_future_csv(args.future_csv, saved, saved.get("date_format"))
        if args.action == "update":
            fc = forecaster.update(_new_points(args, forecaster), future_covariates=future)
            if args.horizon is not None:
                fc = forecaster.predict(args.horizon, future_covariates=future)
        else:
            fc = forecaster.predict(args.horizon, future_covariates=future)
    timing = {f"{args.action}_s": round(time.perf_counter() - t0, 3)}
    result: dict[str, Any] = {"forecast": forecast_records(fc), "run": str(args.run), "model": forecaster.config.model,
                              "timing": timing}
    if args.out is not None:
        out = Path(args.out)
        with _replacing(out, forecaster if args.action == "update" else None):   # an update's model saved first
            files = {"forecast": _write_forecast_csv(out, fc)}
        if args.action == "update":
            files["model"] = str(out / "config.json")
        result["files"] = files
    if not args.json:
        lines = [f"{args.action} from {args.run} (no refit):", *_forecast_lines(forecaster, fc)]
        if result.get("files"):
            lines.append("wrote: " + ", ".join(result["files"].values()))
        result["text"] = "\n".join(lines)
    return result


def _check_predict_out(out: str) -> None:
    """A UsageError when ``--out`` of ``predict`` holds a saved run: ``predict`` writes ``forecast.csv`` alone, so a
    forecast run there kept its model beside a forecast of another (its own forecast.csv replaced), and a run of
    another task got a file no save of it wrote. A new or empty folder, or one without a run, is written."""
    from rnnkit.tasks.runs import saved_task

    task = saved_task(out)
    if task is not None:
        held = f"a saved {task} run" if task else "a saved run"
        raise UsageError(f"--out: expected a new folder or one without a saved run (predict writes forecast.csv alone, "
                         f"which would sit beside another model), got {str(out)!r} holding {held}; give another "
                         "folder ('forecast update --out' saves a model with its forecast)")


def read_future_csv(path: Any, parse_args: dict[str, Any], fmt: str | None) -> Any:
    """``--future-csv`` as a frame whose time column (the fit's ``time_col``) holds timestamps: read with ``fmt``,
    the format the fit read its dates with, when every value parses so (a day-first fit reads the file's
    ``01/02/2024`` as it read its own); else with the file's own one reading -- a training CSV of ISO dates and a
    future file written ``31/01/2024`` was refused as "expected every date in date_format 'ISO8601'", a format the
    user never gave. Two readings of the file's own dates, neither the fit's, are a DataError naming the file."""
    from rnnkit.data.series import read_series_csv

    time_col, id_col = parse_args.get("time_col"), parse_args.get("id_col")

    def read(fmt: str | None) -> Any:        # the file's messages name it ('time_col ...' alone named --csv's)
        try:
            return read_series_csv(path, time_col, date_format=fmt, what="--future-csv", id_col=id_col)
        except DataError as e:
            raise (e if str(e).startswith("--future-csv") else DataError(f"--future-csv: {e}")) from None

    if time_col is None or fmt is None:
        return read(None)
    try:
        return read(fmt)
    except DataError as e:
        if f"date_format {fmt!r}" not in str(e):
            raise
    try:
        return read(None)
    except DataError as e:
        if "ambiguous" not in str(e):
            raise
        raise DataError(f"{str(e).split('; pass --date-format')[0]}; write --future-csv's dates as --csv's "
                        f"({fmt!r}, the format the fit read)") from None


def dayfirst_needs_text(dayfirst: bool | None, data: Any, time_col: str | None) -> None:
    """``--dayfirst`` orders the day and month of text dates: with integer steps it was ignored silently."""
    import pandas as pd

    if dayfirst is not None and time_col in data.columns and pd.api.types.is_integer_dtype(data[time_col]):
        raise UsageError(f"--dayfirst: expected text dates in --time-col {time_col!r} (the order of their day and "
                         f"month), got integer steps ({data[time_col].dtype})")


def _numbers_as_dates(date_format: str | None, frame: Any, time_col: str | None, fitted: Any) -> None:
    """``--date-format`` on ``update`` describes ``--csv``'s dates, dates written as numbers too (``20210201`` with
    ``%Y%d%m``): they are read with it here. It was ignored for an integer column -- the fit's saved format read
    the numbers (``%Y%m%d``: 2021-01-02, not February 1st), and for a run fitted on integer steps the flag was
    dropped, silently; such a run is continued by steps, so the flag is a usage error there."""
    import pandas as pd

    from rnnkit.tasks.forecasting.input_values import time_index

    if date_format is None or time_col not in frame.columns or not pd.api.types.is_integer_dtype(frame[time_col]) \
            or pd.api.types.is_bool_dtype(frame[time_col]):
        return
    if not isinstance(fitted[0].index, pd.DatetimeIndex):
        raise UsageError(f"--date-format: expected none for a run fitted on integer steps (--csv's {time_col!r} "
                         f"continues them: {fitted[0].index[-1]} was the last), got {date_format!r}")
    frame[time_col] = time_index(frame[time_col], f"--csv: time_col {time_col!r}", date_format)[0]


def _new_points(args: argparse.Namespace, forecaster):
    """The observations of ``--csv`` in the form ``Forecaster.update`` takes: the fit's columns (a run
    fitted with a time column), or ``--time-col`` + one value column (``--target``) for a run fitted on a
    bundled series."""
    from rnnkit.data.series import read_series_csv

    saved = forecaster._parse_args
    for flag, key, given in (("--target", "target", args.target), ("--time-col", "time_col", args.time_col)):
        if given is not None and saved.get(key) and given != saved[key]:    # was ignored: the run's column was read
            raise UsageError(f"{flag}: expected the run's own column {saved[key]!r} (or none: it is the fit's), got "
                             f"{given!r}")
    time_col = saved.get("time_col") or args.time_col
    own = args.date_format is not None or args.dayfirst is not None   # the flags describe --csv's dates: they win
    fmt = args.date_format if own else saved.get("date_format")
    try:
        frame = read_series_csv(args.csv, time_col, date_format=fmt, dayfirst=args.dayfirst, what="--csv",
                                id_col=saved.get("id_col"))
    except DataError as e:   # "expected every date in date_format 'ISO8601'": a format the user never gave
        text = str(e) if str(e).startswith("--csv") else f"--csv: {e}"     # the file's time column, not --time-col
        if own or fmt is None or "date_format" not in text:
            raise DataError(text) from None
        raise DataError(f"{text}; {fmt!r} is the format the run's fit read: pass --date-format (or --dayfirst) for "
                        "--csv's own dates") from None
    dayfirst_needs_text(args.dayfirst, frame, time_col)
    _numbers_as_dates(args.date_format, frame, time_col, forecaster._fitted)
    if saved.get("time_col"):
        return frame
    import pandas as pd

    by_rows = time_col is None and not any(isinstance(s.index, pd.DatetimeIndex) for s in forecaster._fitted)
    if time_col is None and not by_rows:
        raise UsageError("--time-col: expected the time column of --csv (the run was fitted on a series without "
                         "one), got none")
    values = [c for c in frame.columns if c not in (time_col, saved.get("id_col"))]
    fitted = saved.get("target") if by_rows and saved.get("target") in values else None   # the run's own column
    target = args.target or fitted or (values[0] if len(values) == 1 else None)
    if target is None or target not in frame.columns:
        raise UsageError(f"--target: expected the value column of --csv (one of {values}), got {args.target!r}")
    if by_rows:   # fitted on a CSV by its row order: --csv's rows (the run's own columns) continue each series, as
        # Forecaster.update reads a frame on pandas' default index (it was exit 2 asking for a time column)
        # (a missing id column is left to update, whose DataError names it); the fit's covariate columns with them
        # (they were dropped: "--csv: expected a DataFrame with the id/time/covariate columns ..., got bare values")
        from rnnkit.tasks.forecasting.inputs import as_name_list

        covs = [c for key in ("past_covariates", "future_covariates") for c in as_name_list(saved.get(key), key)]
        return frame[[c for c in (saved.get("id_col"), target, *covs) if c in frame.columns]] \
            if saved.get("id_col") or covs else frame[target]
    return frame.set_index(time_col)[target]


def wide_csv_hint(path: Any, time_col: str | None, id_col: str | None) -> str:
    """The end of '--target: expected the name of the column to forecast with --csv, got none' for a file with one
    column per series (a store per column): two or more number columns besides ``time_col`` and no ``id_col`` --
    the long form rnnkit reads, and how to make it, were not said (session 28). ``''`` otherwise, and when the
    file's first rows do not read (its own error comes when it is read). The file is read as the CSV reader reads it
    (:func:`rnnkit.data.compressed.csv_text`: a gzip, bzip2, xz or zip known by its bytes; pandas knew a gzip only by
    its '.gz' name, so a packed file named '.csv' or '.dat' got no hint; session 36)."""
    import io

    import pandas as pd

    from rnnkit.data.compressed import csv_text
    from rnnkit.errors import DataError

    if id_col is not None or not Path(os.path.expanduser(str(path))).is_file():   # a pipe is read once: not here
        return ""
    try:
        head = pd.read_csv(io.StringIO(csv_text(os.path.expanduser(str(path)), "--csv")), nrows=20)
    except (OSError, ValueError, UnicodeError, DataError):
        return ""
    nums = [str(c) for c in head.columns if str(c) != time_col and pd.api.types.is_numeric_dtype(head[c])
            and not pd.api.types.is_bool_dtype(head[c])]
    if len(nums) < 2:
        return ""
    t = time_col or "time"
    return (f" (the file has {len(nums)} number columns: {', '.join(nums[:4])}{' ...' if len(nums) > 4 else ''}; one "
            f"column per series? write it as long rows of {t}, id and value -- pandas: df.melt(id_vars=[{t!r}], "
            "var_name='series', value_name='value') -- and pass --target value --id-col series; else name the "
            "column to forecast)")
