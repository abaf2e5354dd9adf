"""What the HTTP layer calls: a forecaster that follows new observations (validated, applied with
``Forecaster.update`` -- no refit --, journalled before the reply) and a classifier that predicts.

Every check runs before anything changes; a request that fails one raises :class:`RequestError` (an
HTTP status and a one-line reason) and leaves the state as it was. Updates are serialised by a lock (the
forecaster is not thread-safe) and run in the server's worker threads; the forecast is computed and
encoded once per accepted update, so ``GET /forecast`` only reads it and is answered during an update.
"""

from __future__ import annotations

import json
import math
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from rnnkit._paths import user_path
from rnnkit._validate import check_no_nul, short_repr
from rnnkit.data.label_text import differ_by, label_spelling
from rnnkit.data.timeseries.frequency import clock_change_error
from rnnkit.errors import CheckpointError, ConfigError, DataError, RnnkitError
from rnnkit.serve.journal import Journal, run_stamp
from rnnkit.tasks.forecasting.records import forecast_records, time_text
from rnnkit.tasks.forecasting.update_rows import local_wall
from rnnkit.tasks.runs import run_folder

__all__ = ["RequestError", "ForecastService", "ClassifierService", "open_service", "forecast_records", "MAX_GAP",
           "MAX_UNCUT_CHARS"]

#: The most grid steps one observation may lie ahead of a series' end (the gap is interpolated).
MAX_GAP = 10_000
#: The longest text (characters) a classifier run without a length limit (``max_len=None``) is asked to read
#: whole: one 16 MB text of characters was a 16-million-step network pass (an embedding of gigabytes).
MAX_UNCUT_CHARS = 200_000


#: A step as text: a JSON integer's grammar (no leading zeros: "060" is not read as 60), at most 30 digits.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,29})")
#: A date/time as text: ISO 8601, as the service writes them (pandas also reads '03/04/2020', month first).
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
                       r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?")


#: ``repr(value)`` on one line, cut to 60 characters (a reply names the bad value, it does not echo a megabyte).
_short = short_repr


def _names(ids: Any) -> str:
    """The sorted series ids, the first 10 of them when there are more."""
    names = sorted(ids)
    return str(names) if len(names) <= 10 else f"{names[:10]} (and {len(names) - 10} more)"


def _id_text(sid: str) -> str:
    """A series id as a reply names it: its repr cut to 60 characters, its spaces as they are (:func:`_short` makes
    one of each run: 's  2' read as the known id 's 2' in 'expected one of ['s 2'], got 's 2'')."""
    text = repr(sid)
    return text if len(text) <= 60 else text[:57] + "..."


def _spelt_otherwise(sid: str, known: Any) -> str:
    """What a 404 for the unknown id ``sid`` adds when a known id reads the same on screen (``label_spelling``: an
    NFD 'Zürich' -- macOS file names are NFD -- for the fitted NFC one, spaces around it, an invisible character):
    '... got 'Zürich'' named the same text twice, no word of how the two differ; ``""`` otherwise. Not matched for
    the client: one series or two is the fit's to say (its reader refuses ids that differ so)."""
    same = next((k for k in known if label_spelling(k) == label_spelling(sid)), None)
    return "" if same is None else (f" (the series {same!r} differs from it only by {differ_by(same, sid, 'it')}: "
                                    "write the id as the fit did)")


class RequestError(Exception):
    """A rejected request: ``status`` (4xx; 503 when the journal cannot be written) and a one-line
    ``reason``; nothing was changed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class ForecastService:
    """A saved forecaster run, its journal replayed, serving forecasts and accepting observations."""

    task = "forecast"

    def __init__(self, run: Path, state: Path) -> None:
        self.run = Path(run)
        self.lock = threading.Lock()
        self.forecaster, self.stamp, saved = self._load()
        self.args = saved.get("parse_args") or {}
        if self.args.get("past_covariates") or self.args.get("future_covariates"):
            raise ConfigError("run: expected a forecaster without covariates to serve (observations carry only "
                              "id, time, value), got one fitted with covariates")
        self.journal = Journal(state, self.run)
        self._refresh()
        try:
            self._replay()
        except CheckpointError:
            self.journal.close()
            raise
        self._publish()

    def _load(self, tries: int = 3) -> tuple[Any, tuple, dict[str, Any]]:
        """``Forecaster.load`` of the run, with the stamp and ``config.json`` of the files it loaded. A load completes
        a save interrupted past its commit point (``training.certified``), so the files change during the first
        load: the stamp taken before it named the replaced files, and every update was then refused (503 'replaced
        while serving') though nothing changed while serving; the settings read before it were the old fit's. The
        run is loaded until its files stay the same across a load."""
        from rnnkit.tasks.forecasting import Forecaster

        for _ in range(tries):
            before = run_stamp(self.run)
            forecaster = Forecaster.load(self.run)
            saved = json.loads((self.run / "config.json").read_text(encoding="utf-8"))
            if run_stamp(self.run) == before:
                return forecaster, before, saved
        raise CheckpointError(f"run: expected files that stay the same while they are loaded, got {str(self.run)!r} "
                              f"changed during each of {tries} loads (a fit saving there?): serve it once it is saved")

    def _replay(self) -> None:
        """Apply the journal: the same updates, in the same groups, as when accepted -- each entry checked
        as a request is (a hand-edited or foreign line is a CheckpointError naming it, not a KeyError)."""
        for n, entry in enumerate(self.journal.entries, 1):
            observations = entry.get("observations") if isinstance(entry, dict) else None
            try:
                if (not isinstance(observations, list) or not observations
                        or not all(isinstance(ob, dict) and set(ob) == {"id", "time", "value"} for ob in observations)):
                    raise RequestError(422, 'expected {"observations": [{"id", "time", "value"}, ...]}')
                self._apply(self._points(self._validate(observations)))
            except (RequestError, RnnkitError) as e:
                raise CheckpointError(f"state: expected a journal that replays over the run, got line {n} of "
                                      f"{str(self.journal.path)!r} that does not ({' '.join(str(e).split())})") from None

    # ------------------------------------------------------------------ reading
    def _refresh(self, fc: pd.DataFrame | None = None) -> None:
        """Cache the forecast rows (``fc``: ``Forecaster.update``'s own refreshed forecast, when given)."""
        fc = self.forecaster.predict() if fc is None else fc
        self.rows = forecast_records(fc)
        self.rows_json = json.dumps(self.rows, allow_nan=False, separators=(",", ":"))  # encoded once per update
        first = fc.groupby("id", sort=False).head(1)
        self.next_time = {str(r.id): r.time for r in first.itertuples(index=False)}
        if not hasattr(self, "freq"):  # frequencies never change
            self.freq = {str(s["id"]): s["frequency"] for s in self.forecaster.summary()["series"]}

    def _publish(self) -> None:
        """What ``GET /forecast`` and ``/health`` read, in one assignment: the state after the last update that
        was journalled (acknowledged). The working state (``rows_json``, ``next_time``) changes before the
        journal line is written and while a failed update is undone (the run reloaded, the journal replayed
        from the first line): readers served it then got a forecast with observations the client was told were
        not applied (503), or the run's forecast without the acknowledged ones, for the whole replay."""
        self.published = (self.rows_json, dict(self.next_time), len(self.journal.entries), self.forecaster.horizon)

    def health(self) -> dict[str, Any]:
        _, next_time, updates, horizon = self.published
        return {"status": "ok", "task": self.task, "run": str(self.run), "series": sorted(next_time),
                "updates": updates, "horizon": horizon,
                "next_time": {k: time_text(v) for k, v in sorted(next_time.items())}}

    def forecast(self) -> str:
        """``{"forecast": [...]}`` as JSON text (encoded once per accepted update, not per request). No
        lock: an update publishes the text in one assignment once journalled, so a reader sees the old or the
        new one (:meth:`_publish`)."""
        return f'{{"forecast":{self.published[0]}}}'

    # ------------------------------------------------------------------ writing
    def observe(self, observations: list[dict[str, Any]]) -> str:
        """Validate, apply (``Forecaster.update``), journal, then return ``{"accepted": n, "forecast":
        [...]}`` as JSON text, with ``"outliers_missing": [{"id", "time", "value"}, ...]`` when the forecaster read
        some of these observations as missing (a lone value, ``outliers="missing"``): the client was told nothing,
        the warning went to the server's stderr (session 29)."""
        with self.lock:
            canonical = self._validate(observations)
            points = self._points(canonical)
            self._check_files()
            before = self.forecaster.outliers_missing_
            try:
                self._apply(points)
                self.journal.append({"observations": canonical})
            except Exception as e:  # noqa: BLE001 - undo in memory: rebuild from what is on disk
                self._reload()     # readers keep the published state meanwhile
                if isinstance(e, OSError):  # a full disk: a 500 in plain text with a traceback before
                    raise RequestError(503, f"journal: expected to record the update in {str(self.journal.path)!r}, "
                                            f"got {e.strerror or e} (nothing was applied; retry later)") from None
                raise RequestError(422, f"observations: rejected by the forecaster: {type(e).__name__}: "
                                        f"{' '.join(str(e).split())}") from None
            self._publish()
            read = [{"id": sid, **o, "time": str(o["time"])}   # as the rows' times (integer steps: "60", not 60)
                    for sid, seen in self.forecaster.outliers_missing_.items()
                    for o in seen[len(before.get(sid, ())):]]
            note = f',"outliers_missing":{json.dumps(read, allow_nan=False, separators=(",", ":"))}' if read else ""
            return f'{{"accepted":{len(canonical)},"forecast":{self.rows_json}{note}}}'

    def _check_files(self) -> None:
        """Refuse an update (503, nothing applied) once the run's files or the journal were replaced or
        removed on disk while serving: its journal line would be lost (written to an unlinked file) or
        would not replay over the new run at a restart, and an undo would reload the new run."""
        if run_stamp(self.run) != self.stamp:
            raise RequestError(503, f"run: expected the files of the run this server loaded in {str(self.run)!r}, "
                                    "got them replaced or removed while serving (nothing was applied; restart the "
                                    "server)")
        if not self.journal.intact():
            raise RequestError(503, f"journal: expected {str(self.journal.path)!r}, the journal this server opened, "
                                    "got it removed or replaced while serving (nothing was applied; restart the "
                                    "server)")

    def _reload(self) -> None:
        from rnnkit.tasks.forecasting import Forecaster

        self.forecaster = Forecaster.load(self.run)
        self._refresh()
        self._replay()
        self._publish()

    def _validate(self, observations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Check every observation (known id; time on the series' grid, after its last time, not repeated;
        finite value) and return them in canonical form, sorted by id then time."""
        by_id: dict[str, list[tuple[Any, float]]] = {}
        for i, ob in enumerate(observations):
            if isinstance(ob["id"], bool) or not isinstance(ob["id"], (str, int)):   # a journal line is no request
                raise RequestError(422, f"observations[{i}].id: expected a string or an integer, got {_short(ob['id'])}")
            sid = str(ob["id"])   # 3 is the series "3", as a frame's id 3 is when fitted or updated
            if sid not in self.next_time:
                raise RequestError(404, f"observations[{i}].id: expected one of {_names(self.next_time)}, got "
                                        f"{_id_text(sid)}{_spelt_otherwise(sid, self.next_time)}")
            value = ob["value"]
            try:  # an int beyond float range (a JSON literal of 400 digits) is refused by its size
                number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
            except OverflowError:   # finite in the body, beyond float64: named as app.py names '1e400'
                raise RequestError(422, f"observations[{i}].value: expected a number float64 holds (magnitude up to "
                                        f"1.8e308), got an integer of {len(str(abs(value)))} digits: too large for "
                                        f"float64") from None
            if not math.isfinite(number):
                raise RequestError(422, f"observations[{i}].value: expected a finite number, got {_short(value)}")
            by_id.setdefault(sid, []).append((self._time(i, sid, ob["time"], self._placed(sid) is None), number, i))
        out = []
        for sid in sorted(by_id):
            points = self._placed_points(sid, sorted(by_id[sid], key=lambda p: p[0]))
            times = [t for t, _ in points]
            if len(set(times)) != len(times):
                dup = next(t for t in times if times.count(t) > 1)
                raise RequestError(422, f"observations: expected one value per time, got {time_text(dup)} twice for "
                                        f"series {sid!r}" + (f" (readings put on its {self.freq[sid]} grid as the fit "
                                        f"put its own: {self._placed(sid)})" if self._placed(sid) else ""))
            self._on_grid(sid, times[-1])
            out += [{"id": sid, "time": time_text(t), "value": v} for t, v in points]
        return out

    def _placed(self, sid: str) -> str | None:
        """How a run fitted with ``resample=True`` puts a reading off its grid on it (``'floor'``, ``'round'``,
        ``'nearest'``, or ``'as update'``: the fit's readings were on the grid, or the run was saved before the rule
        was kept -- :func:`~rnnkit.tasks.forecasting.new_times.on_fitted_grid`'s default); None for a run fitted
        without it, or a series of integer steps: a time off the grid is refused."""
        if not getattr(self.forecaster.config, "resample", False) or not isinstance(self.next_time[sid], pd.Timestamp):
            return None
        fitted = {str(f.id): f for f in self.forecaster._fitted}
        return getattr(fitted.get(sid), "placed", None) or "as update"

    def _placed_points(self, sid: str, points: list[tuple[Any, float, int]]) -> list[tuple[Any, float]]:
        """``(time, value)`` of one series' sorted observations ``(time, value, position)``: for a run fitted with
        ``resample=True``, each time put on the series' grid by the fit's rule, as ``rnnkit forecast update`` puts new
        rows (:func:`~rnnkit.tasks.forecasting.new_times.on_grid_from`; it refused them, 422 'expected times on the
        grid', session 34), then checked to come after the series' end (409, naming the time given)."""
        how = self._placed(sid)
        if how is None:
            return [(t, v) for t, v, _ in points]
        from rnnkit.tasks.forecasting.new_times import on_grid_from

        nxt, off = self.next_time[sid], to_offset(self.freq[sid])
        got = pd.DatetimeIndex([t for t, _, _ in points])
        grid = None if got.max() > nxt + (MAX_GAP + 1) * off else \
            on_grid_from(got, nxt, self.freq[sid], None if how == "as update" else how)
        if grid is None and got.max() <= nxt + (MAX_GAP + 1) * off:
            raise RequestError(422, f"observations: expected times within a quarter step of the {self.freq[sid]} grid "
                                    f"of series {sid!r} (from {time_text(nxt)}; the fit put its readings on the "
                                    f"nearest grid time), got {', '.join(time_text(t) for t in got[:3])}")
        placed = got if grid is None else grid
        for (t, _, i), p in zip(points, placed):
            if p < nxt:
                raise RequestError(409, f"observations[{i}].time: expected a time after the last one of series "
                                        f"{sid!r} (the next is {time_text(nxt)}), got {time_text(t)}"
                                        + (f" (on its grid: {time_text(p)})" if p != t else ""))
        return [(p, v) for p, (_, v, _) in zip(placed, points)]

    def _time(self, i: int, sid: str, raw: Any, after_end: bool = True) -> Any:
        """The time of ``observations[i]`` of series ``sid`` (checked to come after the series' end unless ``after_end``
        is False: a reading off the grid is first put on it, :meth:`_placed_points`)."""
        nxt = self.next_time[sid]
        if isinstance(nxt, pd.Timestamp):
            try:   # ISO text only: '03/04/2020' was read month first, 'now' as the clock's time
                t = pd.Timestamp(raw) if isinstance(raw, str) and _ISO_TIME.fullmatch(raw) else None
            except (TypeError, ValueError):
                t = None
            if t is None or t is pd.NaT:
                raise RequestError(422, f"observations[{i}].time: expected an ISO 8601 date/time like "
                                        f"{time_text(nxt)!r}, got {_short(raw)}")
            # a daily series read from local times with offsets: its wall clock, as update's -- for a time given WITH
            # an offset (a bare '2021-02-11' for a series with offsets stays refused below: session 6's contract)
            wall = None if t.tzinfo is None and nxt.tzinfo is not None else local_wall(
                pd.DatetimeIndex([t]), pd.DatetimeIndex([nxt]), self.freq[sid])
            if wall is not None:
                t = wall[0]
            if (t.tzinfo is None) != (nxt.tzinfo is None):   # which zone a time without an offset is in is unknown
                want = "with a UTC offset, as the series' times" if t.tzinfo is None else "without a UTC offset, as " \
                                                                                            "the series' times"
                raise RequestError(422, f"observations[{i}].time: expected a date/time {want} (like "
                                        f"{time_text(nxt)!r}), got {_short(raw)}")
            if t.tzinfo is not None:
                t = t.tz_convert(nxt.tzinfo)                   # the same instant, in the series' zone
        else:
            # ASCII digits only: str.isdigit() also takes '²' and other digits int() refuses
            if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not _INTEGER.fullmatch(str(raw)):
                raise RequestError(422, f"observations[{i}].time: expected an integer step like {nxt}, got {_short(raw)}")
            t = int(raw)
        if after_end and t < nxt:
            raise RequestError(409, f"observations[{i}].time: expected a time after the last one of series {sid!r} "
                                    f"(the next is {time_text(nxt)}), got {time_text(t)}")
        return t

    def _grid(self, sid: str, end: Any) -> pd.Index:
        nxt = self.next_time[sid]
        if not isinstance(nxt, pd.Timestamp):
            return pd.RangeIndex(nxt, end + 1)
        try:
            return pd.date_range(nxt, end, freq=self.freq[sid])
        except ValueError as e:   # a daily reading at a time the zone skips (02:30 in Berlin on 2024-03-31): was a 500
            found = clock_change_error(f"observations of series {sid!r}", self.freq[sid], nxt, e)
            if not isinstance(found, DataError):
                raise
            raise RequestError(422, str(found)) from None

    def _on_grid(self, sid: str, last: Any) -> None:
        nxt = self.next_time[sid]
        limit = nxt + MAX_GAP * (to_offset(self.freq[sid]) if isinstance(nxt, pd.Timestamp) else 1)
        if last > limit:
            raise RequestError(422, f"observations: expected times at most {MAX_GAP} steps after the end of series "
                                    f"{sid!r}, got {time_text(last)}")

    def _apply(self, points: Any) -> None:
        """One ``Forecaster.update`` with every observation of a request (from :meth:`_points`)."""
        self._refresh(self.forecaster.update(points))  # update returns the refreshed forecast

    def _points(self, canonical: list[dict[str, Any]]) -> Any:
        """The observations of a request as ``Forecaster.update``'s new points; grid times with no value
        between them are NaN (the forecaster interpolates them). Raises before anything changes."""
        by_id: dict[str, dict[Any, float]] = {}
        for ob in canonical:
            nxt = self.next_time[ob["id"]]
            t = pd.Timestamp(ob["time"]) if isinstance(nxt, pd.Timestamp) else int(ob["time"])
            if isinstance(t, pd.Timestamp) and t.tzinfo is not None:
                t = t.tz_convert(nxt.tzinfo)       # the text has an offset; the series may have a named zone
            by_id.setdefault(ob["id"], {})[t] = ob["value"]
        ids, times, values = [], [], []
        for sid, points in by_id.items():
            grid = self._grid(sid, max(points))
            missing = [t for t in points if t not in grid]
            if missing:
                raise RequestError(422, f"observations: expected times on the {self.freq[sid]} grid of series {sid!r} "
                                        f"(from {time_text(grid[0])}), got {time_text(missing[0])}")
            ids += [sid] * len(grid)
            times += list(grid)
            values += [points.get(t, np.nan) for t in grid]
        return self._frame(ids, times, values)

    def _frame(self, ids: list[str], times: list[Any], values: list[float]) -> Any:
        """The new points in the form ``Forecaster.update`` takes for this run's columns."""
        a = self.args
        target, time_col, id_col = a.get("target") or "value", a.get("time_col"), a.get("id_col")
        datetime = isinstance(times[0], pd.Timestamp)
        if not id_col and not time_col:
            if not datetime:
                return np.asarray(values, dtype=float)
            return pd.Series(values, index=pd.DatetimeIndex(times), dtype=float)
        df = pd.DataFrame({target: np.asarray(values, dtype=float)})
        if id_col:
            df[id_col] = ids
        if time_col:
            df[time_col] = times
        elif datetime:
            df.index = pd.DatetimeIndex(times)
        return df

    def close(self) -> None:
        self.journal.close()


class ClassifierService:
    """A saved text-classifier run: ``predict(texts)`` -> labels and probabilities."""

    task = "classify"

    def __init__(self, run: Path) -> None:
        from rnnkit.tasks.classification import TextClassifier

        self.run = Path(run)
        self.model = TextClassifier.load(self.run)
        self.lock = threading.Lock()

    def health(self) -> dict[str, Any]:
        c = self.model.config
        return {"status": "ok", "task": self.task, "run": str(self.run), "classes": self.model.classes,
                "max_len": c.max_len, "on_long": c.on_long}

    def predict(self, texts: list[str]) -> dict[str, Any]:
        """Labels and probabilities; each prediction says ``"truncated"``: whether its text was longer than the
        run's ``max_len`` tokens and only the first ``max_len`` were read (then ``"tokens"``: how many it had;
        with ``"tokens_at_least": true`` a lower bound: a text over 64 KiB is tokenized from a prefix).
        A run with ``on_long="error"`` refuses such a text (422); a run with no ``max_len`` a text over
        :data:`MAX_UNCUT_CHARS` characters (422)."""
        from rnnkit.data.batching import truncations
        from rnnkit.data.heads import AtLeast
        from rnnkit.tasks.classify_once import encoded_once     # the three readers below tokenize each text once
        from rnnkit.tasks.classify_unknown import unknown_only_rows, width_form_rows

        for i, t in enumerate(texts):
            if not t.strip():
                raise RequestError(422, f"texts[{i}]: expected a non-empty text, got {t!r}")
            try:
                check_no_nul(t, f"texts[{i}]")    # a C-string or UTF-16 bug in the client: a file holding one is refused too
            except DataError as e:
                raise RequestError(422, str(e)) from None
            if self.model.config.max_len is None and len(t) > MAX_UNCUT_CHARS:
                raise RequestError(422, f"texts[{i}]: expected at most {MAX_UNCUT_CHARS:,} characters (this run has no "
                                        f"max_len: it reads every token), got {len(t):,}")
        with self.lock, truncations() as cut, encoded_once(self.model):   # the client is told per text, not the log
            try:
                probs = self.model.predict_proba(texts)
            except (ConfigError, ValueError, TypeError) as e:
                reason = " ".join(str(e).split())
                raise RequestError(422, reason if reason.startswith("texts") else f"texts: {reason}") from None
            empty = set(self.model.no_token_rows(texts))
            unknown = set(unknown_only_rows(self.model, texts))
            width = set(width_form_rows(self.model, texts))   # only texts holding such forms are read again
        classes = self.model.classes
        # a text with no token (zero-width spaces alone) is predicted the training labels' class shares: the
        # client is told so ("no_tokens": true), not only the server's log (session 15); a text of units never seen
        # in training alone (emoji under wordpieces: [UNK] alone) gets the network's one guess for <unk>: it is
        # told so too ("unknown_only": true, session 22; `classify predict` warns for it); a text holding full-width
        # or half-width forms of units the run knows only in their plain form ("width_forms": true, session 23)
        return {"predictions": [{"label": classes[int(np.argmax(p))],
                                 "probabilities": {c: float(v) for c, v in zip(classes, p)},
                                 "truncated": i in cut, **({"tokens": int(cut[i])} if i in cut else {}),
                                 **({"tokens_at_least": True} if isinstance(cut.get(i), AtLeast) else {}),
                                 **({"no_tokens": True} if i in empty else {}),
                                 **({"unknown_only": True} if i in unknown else {}),
                                 **({"width_forms": True} if i in width else {})}
                                for i, p in enumerate(probs)]}

    def close(self) -> None:
        pass


def open_service(run: Path, state: Path | None = None):
    """The service for a run folder (``forecast`` or ``classify``); ``state`` (forecast runs only) defaults
    to ``RUN/serve-state``."""
    from rnnkit.export.tasks import run_task

    run = user_path(run, "run")   # '~/runs/x' expanded, bytes refused (rnnkit._paths)
    if run.is_dir():
        run_folder(run, "run")    # one it cannot open: run_task's PermissionError named its '.saving.json'
    task = run_task(run)
    if task == "forecast":
        return ForecastService(run, user_path(state, "state") if state is not None else run / "serve-state")
    if task == "classify":
        if state is not None:    # a classifier keeps no state: the folder would be ignored silently
            raise ConfigError(f"state: applies to forecast runs only (a classifier keeps no state), got "
                              f"{str(state)!r} for the classify run {str(run)!r}")
        return ClassifierService(run)
    # a sound run of another task is a usage error (exit 2, as 'rnnkit export' of a tag run), not a broken run file
    got = f"task {task!r} in {str(run)!r}" if isinstance(task, str) else \
        f"{str(run)!r}, whose config.json names no task (a model folder another program saved?)"   # was 'task None'
    raise ConfigError(f"run: expected a 'forecast' or 'classify' run to serve, got {got}")
