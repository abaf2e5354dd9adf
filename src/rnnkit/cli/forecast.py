"""``rnnkit forecast``: fit a recurrent forecaster on a CSV file or a bundled series, backtest it against
baselines, and forecast ``--horizon`` steps past the end of the data.

    rnnkit forecast --dataset co2 --horizon 52 --backtest 3 --out runs/demo
    rnnkit forecast --csv sales.csv --target units --time-col date --id-col store --horizon 14 --json
    rnnkit forecast --csv shop.csv --target units --time-col day --dayfirst --horizon 7   # 13/01/2021 dates

It fits on all the rows given. With ``--out DIR`` it writes ``forecast.csv``, ``metrics.json``
(backtest metrics, preprocessing, lookback selection, timings), ``forecast.png`` and the checkpoint
(``model.safetensors`` + ``config.json``; ``Forecaster.load(DIR)`` reads it back). ``--json`` prints
``{"forecast": [{"id", "time", "value", "lower", "upper"}, ...], "backtest": {model: {MAE, RMSE, sMAPE,
MASE, coverage}, ...}, "config": {...}, ...}``.

Dates in ``--time-col`` are read with one format for the whole column. When two readings both fit
(``02/01/2021``: day or month first) the command stops (exit 1) and asks for ``--date-format '%d/%m/%Y'``
or ``--dayfirst`` (``--dayfirst false``: month first); rows not in time order are sorted and counted
(``rows_reordered`` in the preprocessing report).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

from rnnkit.cli.common import UsageError, add_common, bool_arg, check_memory, check_out_dir, rnn_params, \
    to_jsonable, training_bytes
from rnnkit.errors import ConfigError

__all__ = ["add_parser", "run", "load_input"]

SIZE_FLAGS = ["--hidden-size", "--num-layers", "--lookback", "--horizon"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "forecast", help="forecast a time series with an RNN, backtested against baselines",
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_argument_group("data (one of --csv / --dataset)")
    src.add_argument("--csv", type=Path, default=None, metavar="PATH", help="CSV file with the series")
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
                     help="comma-separated columns observed only up to now")
    src.add_argument("--future-covariates", default=None, metavar="COLS",
                     help="comma-separated columns known ahead (needs --future-csv with the next --horizon rows)")
    src.add_argument("--future-csv", type=Path, default=None, metavar="PATH",
                     help="CSV with the known-future covariates for the forecast period")
    src.add_argument("--resample", action="store_true",
                     help="put irregular timestamps on the inferred grid (default: an error)")
    m = p.add_argument_group("model")
    m.add_argument("--horizon", type=int, default=None, metavar="H", help="steps to forecast (required)")
    m.add_argument("--cell", default="lstm", choices=["lstm", "gru", "elman"])
    m.add_argument("--strategy", default="direct", choices=["direct", "recursive", "encoder-decoder"])
    m.add_argument("--interval", default="quantile", choices=["quantile", "gaussian", "none"])
    m.add_argument("--level", type=float, default=0.9, help="interval coverage (default 0.9)")
    m.add_argument("--lookback", type=int, default=None, help="sequence length (default: chosen by validation)")
    m.add_argument("--hidden-size", type=int, default=32)
    m.add_argument("--num-layers", type=int, default=1)
    m.add_argument("--epochs", type=int, default=30)
    m.add_argument("--period", type=int, default=None, help="seasonal period (default: detected)")
    m.add_argument("--transform", default="none", choices=["none", "log", "boxcox"])
    m.add_argument("--deseasonalize", default="auto", choices=["auto", "stl", "diff", "none"])
    m.add_argument("--detrend", default="none", choices=["none", "diff"])
    m.add_argument("--backtest", type=int, default=0, metavar="K", help="rolling-origin folds (0: none)")
    m.add_argument("--no-plot", action="store_true", help="do not write forecast.png")
    add_common(p, seed=True, out=True)
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
        columns = getattr(data, "attrs", {}).get("columns") if isinstance(data, pd.DataFrame) else None
        for key, value in (columns or {}).items():
            if parse_args.get(key) is None:
                parse_args[key] = value
        return data, parse_args, args.dataset
    if parse_args["target"] is None:
        raise UsageError("--target: expected the name of the column to forecast with --csv, got none")
    from rnnkit.data.series import read_series_csv

    path = Path(args.csv)
    data = read_series_csv(path, args.time_col, date_format=args.date_format, dayfirst=args.dayfirst, what="--csv")
    return data, parse_args, path.stem


def _check_args(args: argparse.Namespace) -> None:
    if args.horizon is None:
        raise UsageError("--horizon: expected a positive int, got none")
    if args.horizon <= 0:
        raise UsageError(f"--horizon: expected a positive int, got {args.horizon}")
    if args.backtest < 0:
        raise UsageError(f"--backtest: expected a number of folds >= 0, got {args.backtest}")
    if args.future_covariates and args.future_csv is None:
        raise UsageError("--future-covariates: expected --future-csv with their values for the forecast period, got none")
    check_out_dir(args.out)
    check_memory(args, _memory_need, SIZE_FLAGS)


def _memory_need(args: argparse.Namespace) -> int:
    """Estimated training memory from the size flags (a few input features; the lookback at most 192
    when chosen by validation; batches of 64 windows)."""
    lookback = args.lookback if args.lookback is not None else 192
    horizon = args.horizon or 1
    params = rnn_params(args.cell, 4, args.hidden_size, args.num_layers) + (args.hidden_size + 1) * horizon * 3
    return training_bytes(params, 64 * lookback * args.num_layers * 6 * args.hidden_size)


def _check_period(args: argparse.Namespace, data: Any, parse_args: dict[str, Any], name: str) -> None:
    """``--period`` at most half the shortest series (two full seasons), checked before any fitting
    (values below 1 are the config's to refuse; 1 means no season)."""
    import pandas as pd

    if args.period is None or args.period < 1:
        return
    id_col = parse_args.get("id_col")
    if isinstance(data, pd.DataFrame) and id_col is not None and id_col in data.columns:
        sizes = data.groupby(id_col, sort=True).size()
        sid, n = str(sizes.idxmin()), int(sizes.min())
    else:
        sid, n = name, len(data)
    if args.period > n // 2:
        raise UsageError(f"--period: expected at most half the shortest series ({n // 2}: series {sid!r} has {n} "
                         f"values, two seasons must fit), got {args.period}")


def run(args: argparse.Namespace) -> dict:
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.backtest import format_table

    _check_args(args)
    try:
        forecaster = Forecaster(args.cell, horizon=args.horizon, strategy=args.strategy, interval=args.interval,
                                level=args.level, lookback=args.lookback, hidden_size=args.hidden_size,
                                num_layers=args.num_layers, epochs=args.epochs,
                                selection_epochs=min(12, args.epochs), period=args.period,
                                transform=args.transform, deseasonalize=args.deseasonalize, detrend=args.detrend,
                                resample=args.resample, seed=args.seed)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    data, parse_args, name = load_input(args)
    _check_period(args, data, parse_args, name)
    timing: dict[str, float] = {}
    bt = None
    if args.backtest:
        t0 = time.perf_counter()
        bt = forecaster.backtest(data, folds=args.backtest, **parse_args)
        timing["backtest_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    forecaster.fit(data, **parse_args)
    timing["fit_s"] = round(time.perf_counter() - t0, 2)
    future = None
    if args.future_csv is not None:
        from rnnkit.data.series import read_series_csv

        future = read_series_csv(args.future_csv, what="--future-csv")  # its dates: read like the fit's
    fc = forecaster.predict(future_covariates=future)
    summary = forecaster.summary()
    records = [{"id": r.id, "time": _time_text(r.time), "value": _num(r.value), "lower": _num(r.lower),
                "upper": _num(r.upper)} for r in fc.itertuples(index=False)]
    result: dict[str, Any] = {
        "forecast": records,
        "backtest": None if bt is None else {k: {m: _num(v) for m, v in row.items()} for k, row in bt.metrics.items()},
        "config": {**forecaster.config.to_dict(), "data": name, **{k: v for k, v in parse_args.items()}},
        "preprocessing": summary["series"],
        "lookback": {"chosen": summary["lookback"], "validation_mae": summary["lookback_selection"],
                     "selected_in": summary["lookback_selected_in"]},
        "timing": timing,
    }
    if bt is not None:
        result["backtest_details"] = {k: v for k, v in bt.to_dict().items() if k != "metrics"}
    if args.out is not None:
        result["files"] = _write_outputs(Path(args.out), forecaster, fc, bt, result, plot=not args.no_plot)
    result["text"] = _text(name, forecaster, fc, bt, summary, timing, result.get("files"), format_table)
    if args.json:
        result.pop("text")
    return result


def _time_text(t: Any) -> str:
    """ISO date for midnight timestamps, ISO date-time otherwise; integer steps as numbers."""
    import pandas as pd

    if isinstance(t, pd.Timestamp):
        return t.strftime("%Y-%m-%d") if t == t.normalize() else t.isoformat()
    return str(t)


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _write_outputs(out: Path, forecaster, fc, bt, result: dict, plot: bool) -> dict[str, str]:
    from rnnkit.training.checkpoint import atomic_write_bytes, atomic_write_json

    out.mkdir(parents=True, exist_ok=True)
    files = {}
    frame = fc.copy()
    frame["time"] = [_time_text(t) for t in frame["time"]]
    atomic_write_bytes(out / "forecast.csv", frame.to_csv(index=False).encode())
    files["forecast"] = str(out / "forecast.csv")
    metrics = {k: result[k] for k in ("backtest", "preprocessing", "lookback", "timing")}
    metrics["backtest_details"] = result.get("backtest_details")
    metrics["training"] = forecaster.train_info_
    atomic_write_json(out / "metrics.json", to_jsonable(metrics))
    files["metrics"] = str(out / "metrics.json")
    forecaster.save(out)
    files["checkpoint"] = str(out / "model.safetensors")
    if plot:
        forecaster.plot(out / "forecast.png", backtest=bt, forecast=fc)
        files["plot"] = str(out / "forecast.png")
    return files


def _text(name, forecaster, fc, bt, summary, timing, files, format_table) -> str:
    lines = []
    for s in summary["series"]:
        per = s["period"]
        reordered = f", {s['rows_reordered']} rows put in time order" if s.get("rows_reordered") else ""
        lines.append(f"series {s['id']}: {s['length']} points, frequency {s['frequency'] or 'steps'}, "
                     f"{s['missing_interpolated']} missing interpolated{reordered}, period {per['period']} "
                     f"({per['method']}), pipeline {s['pipeline']}")
    sel = ", ".join(f"{k}: {v:.3f}" for k, v in summary["lookback_selection"].items())
    lines.append(f"lookback {summary['lookback']} (validation MAE by candidate {sel}; selected in "
                 f"{summary['lookback_selected_in']})")
    if bt is not None:
        lines.append("")
        lines.append(bt.table())
        lines.append("(MASE < 1 beats the in-sample seasonal naive; * = best; coverage of the "
                     f"{int(round(100 * forecaster.config.level))}% interval)")
    lines.append("")
    H = forecaster.config.horizon
    lines.append(f"forecast ({H} steps, {forecaster.config.cell}, {forecaster.config.strategy}):")
    show = fc.groupby("id").head(3)
    for r in show.itertuples(index=False):
        lines.append(f"  {r.id}  {_time_text(r.time)}  {r.value:.4g}  [{r.lower:.4g}, {r.upper:.4g}]")
    if len(show) < len(fc):
        lines.append(f"  ... ({len(fc)} rows)")
    lines.append("time: " + ", ".join(f"{k} {v}" for k, v in timing.items()))
    if files:
        lines.append("wrote: " + ", ".join(files.values()))
    return "\n".join(lines)
