"""What ``rnnkit forecast`` prints names what the user typed: the flag, not the library's argument.

The library's errors and warnings begin with the argument they are about (``time_col 'day': ...``,
``target 'units' in series 'a': ...``, ``future_covariates: ...``, ``new_points: ...``); the command's user
typed ``--time-col day``, ``--target units``, ``--future-csv FILE``, ``update --csv FILE``. The CLI's
error line mapped only a message head that is exactly a flag's destination (``horizon:`` -> ``--horizon:``),
so ``future_covariates:`` of a bad ``--future-csv`` file became ``--future-covariates:`` (a flag that was
right) and warnings kept the library's words. :func:`flag_words` rewrites the head of both while the command
runs; the library's own messages (the Python API) are unchanged.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from rnnkit.errors import RnnkitError

__all__ = ["flag_words", "heads_of", "as_typed"]


_ROLE = re.compile(r"(already used as )(target|time_col|id_col|past_covariates|future_covariates)\b")
#: settings a message names inside its text as ``lookback=40`` / ``horizon=`` (the network's "too short" message),
#: ``folds=`` (a backtest fold's: the CLI's ``--backtest``)
_SETTING = re.compile(r"(?<![\w-])(lookback|horizon|folds)=(\d*)")
_FLAG_OF = {"folds": "backtest"}


def heads_of(parse_args: dict[str, Any], future: str = "--future-covariates", points: str | None = None
             ) -> list[tuple[re.Pattern, str]]:
    """The message heads of the column settings ``parse_args`` (the CLI's ``--target``/``--time-col``/...) and
    what replaces them; ``future``: the flag the known-future rows came from (``--future-csv`` while that file
    is read); ``points``: the flag of update's new observations (``--csv``)."""
    out: list[tuple[re.Pattern, str]] = []
    if points is not None:
        out.append((re.compile(r"^new_points(?=[: ])"), points))
    out.append((re.compile(r"^future_covariates(?=[: ])"), future))
    out.append((re.compile(r"^past_covariates(?=[: ])"), "--past-covariates"))
    for key, flag in (("time_col", "--time-col"), ("id_col", "--id-col"), ("target", "--target")):
        out.append((re.compile(rf"^{key}(?= '|:)"), flag))
    for key, flag in (("past_covariates", "--past-covariates"), ("future_covariates", "--future-covariates")):
        names = parse_args.get(key) or ""
        for name in (n.strip() for n in (names.split(",") if isinstance(names, str) else names)):
            if name:
                out.append((re.compile(rf"^covariate {re.escape(repr(name))}"), f"{flag} {name!r}"))
    return out


def as_typed(message: str, heads: list[tuple[re.Pattern, str]]) -> str:
    """``message`` with its leading argument written as the flag (the first head that matches; else as it is)."""
    for pattern, flag in heads:
        new, n = pattern.subn(flag, message, count=1)
        if n:
            message = new
            break
    message = _SETTING.sub(lambda m: f"--{_FLAG_OF.get(m[1], m[1])}" + (f" {m[2]}" if m[2] else ""), message)
    return _ROLE.sub(lambda m: f"{m[1]}--{m[2].replace('_', '-')}", message)    # each column has one role


@contextmanager
def flag_words(heads: list[tuple[re.Pattern, str]]) -> Iterator[None]:
    """Within the block, rnnkit's errors and every warning name the flags of ``heads``: an error is raised again
    as the same type with the message rewritten (:func:`as_typed`); a warning is passed on as it is raised, its
    text rewritten and its category kept, to whatever shows it (the CLI's one-line printer, or a recorder)."""
    before = warnings.showwarning

    def show(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        text = as_typed(str(message), heads)
        if text != str(message):
            try:
                message = category(text)
            except Exception:  # noqa: BLE001 - a category built otherwise is shown as its text
                message = text
        before(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    except RnnkitError as e:
        text = str(e)
        new = as_typed(text, heads)
        if new == text:
            raise
        try:
            again = type(e)(new)
        except Exception:  # noqa: BLE001 - an error class built otherwise keeps its own words
            raise e from None
        raise again from None
    finally:
        warnings.showwarning = before
