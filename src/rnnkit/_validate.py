"""The one set of scalar argument checks: a wrong type is an :class:`~rnnkit.errors.InputTypeError` (a
``TypeError``), a value of the right type outside its range a :class:`~rnnkit.errors.ConfigError`.

Messages read ``name: expected X, got Y``. Nothing is coerced: ``True`` is not an int, ``3.0`` is not
an int and ``"False"`` is not a bool (numpy scalars of the right kind are accepted, as plain Python values).

>>> check_int("hidden_size", 8)
8
>>> check_int("hidden_size", 3.0)
Traceback (most recent call last):
...
rnnkit.errors.InputTypeError: hidden_size: expected a positive int, got 3.0 (float)
>>> check_rate("dropout", 1.5)
Traceback (most recent call last):
...
rnnkit.errors.ConfigError: dropout: expected a number in [0, 1), got 1.5
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["plain", "plain_fields", "is_int", "is_real", "is_bool", "closest", "did_you_mean", "check_name", "check_bool",
           "check_int", "check_rate", "check_choice", "check_number", "check_keys_as_text", "first_repeat",
           "shared_role", "check_tag_spaces"]


def first_repeat(items: Any) -> Any:
    """The first item equal to an earlier one, ``None`` when all differ (a list given twice a value is an
    error to its caller, never deduplicated silently).

    >>> first_repeat(["ets", "theta", "ets"]), first_repeat([0.1, 0.9])
    ('ets', None)
    """
    seen: set = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def shared_role(roles: Any) -> tuple[str, str, Any] | None:
    """``(earlier role, later role, column)`` for the first column that two of ``roles`` -- ``(role,
    column)`` pairs, ``None`` columns skipped -- both name; ``None`` when each column has one role.

    >>> shared_role([("id_col", "t"), ("time_col", "t"), ("label_col", None)])
    ('id_col', 'time_col', 't')
    """
    seen: dict[Any, str] = {}
    for role, col in roles:
        if col is None:
            continue
        if col in seen:
            return seen[col], role, col
        seen[col] = role
    return None


def _got(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters: an error names the bad value, it does not echo a
    megabyte or an array's repr over several lines (an error is one line).

    >>> short_repr(np.arange(40).reshape(4, 10))
    'array([[ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, ...'

    A string's repr is already one line (it escapes its line breaks), and its spaces are part of the value: ``'s  2'``
    is named as written, not as ``'s 2'`` (a value that differs from a known one only by its spaces).

    >>> short_repr("s  2")
    "'s  2'"
    """
    text = repr(value) if isinstance(value, str) else " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# -- numpy scalars: ONE rule for the whole API (torch's and sklearn's: numbers.Integral / numbers.Real) --------------
# A numpy integer is an int, a numpy floating a float, a numpy bool a bool -- what a count read from an array, a
# grid over np.arange or a DataFrame cell (df.loc[0, "h"] is np.int64) hands over. Kinds are never crossed: a float
# (np.float64(2.0) too) is not an int, a bool (np.True_ too) not an int, a 0-d tensor or array not a scalar, and a
# duration not a number: numpy makes np.timedelta64 an integer type (np.datetime64('2024-03') - np.datetime64('2024-01')
# is np.timedelta64(2, 'M')), so numbers.Integral took two months as the count 2.
_NOT_NUMBERS = (bool, np.bool_, np.timedelta64)


def _numpy_number(value: Any) -> bool:
    """A numpy number, or a real of another library (``fractions.Fraction``): is_real takes it, json.dumps does not."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return not isinstance(value, np.timedelta64)
    return isinstance(value, numbers.Real) and not isinstance(value, (int, float))


def _python(value: Any) -> Any:
    """A numpy number as Python's (``.item()`` keeps ``np.longdouble`` a numpy float: json.dumps refused it)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (``np.int64`` -> int, ``np.float32`` -> float, ``np.bool_`` ->
    bool, ``np.str_`` -> str), anything else unchanged: a value stored in a config must be a Python one (``json.dumps``
    refuses ``np.int64``, ``np.float32`` and ``np.bool_``; a name read from an array, ``np.array(["lstm"])[0]``, is an
    ``np.str_`` that every config stored as such and showed as ``cell=np.str_('lstm')``). Kinds are kept, so the checks
    after it still refuse a float count or a bool count.

    A real of another library is a float too (``Fraction(1, 4)`` -> 0.25; ``Decimal`` is no real to Python's numbers).

    >>> from fractions import Fraction
    >>> plain(np.int64(3)), plain(np.True_), plain(np.float32(0.5)), plain("3"), plain(Fraction(1, 4))
    (3, True, 0.5, '3', 0.25)
    >>> type(plain(np.str_("lstm")))
    <class 'str'>
    """
    if isinstance(value, np.str_):
        return str(value)
    return _python(value) if _numpy_number(value) else value


def plain_fields(obj: Any) -> None:
    """Every numpy scalar field of the (frozen) dataclass ``obj`` replaced by :func:`plain`'s Python scalar; a
    config's ``__post_init__`` calls it before its checks, so ``TrainConfig(epochs=np.int64(3))`` holds ``3``."""
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if (p := plain(v)) is not v:
            object.__setattr__(obj, f.name, p)


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer: a Python or numpy int, never a bool (``True``, ``np.True_``) or a float
    (``2.0``, ``np.float64(2.0)``) or a duration (``np.timedelta64(2, 'M')``, an integer type to numpy)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, _NOT_NUMBERS)


def is_real(value: Any) -> bool:
    """Whether ``value`` is a real number: a Python or numpy int or float, never a bool or a duration
    (finiteness unchecked)."""
    return isinstance(value, numbers.Real) and not isinstance(value, _NOT_NUMBERS)


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a real number (:func:`is_real`) a float holds: not NaN, not an infinity, and not an int
    past float range (``10**400``: ``math.isfinite`` raised a bare OverflowError, 'int too large to convert to
    float', from the checks that called it)."""
    if not is_real(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def is_bool(value: Any) -> bool:
    """Whether ``value`` is a bool: Python's or numpy's (``np.True_``), never ``0``/``1`` or ``"False"``. Store
    ``bool(value)``: ``np.True_ is True`` is false and json.dumps refuses it."""
    return isinstance(value, (bool, np.bool_))


def closest(value: Any, options: Iterable[str], cutoff: float = 0.8) -> str | None:
    """The option closest to the str ``value`` by difflib's ratio, if it is at least ``cutoff``; ``None`` otherwise
    (and for a value that is no str): the one typo matcher behind :func:`did_you_mean` and the CLI's hints.

    >>> closest("jsn", ["json", "csv"]), closest("jsn", ["json", "csv"], cutoff=0.9), closest(3, ["json"])
    ('json', None, None)
    """
    import difflib

    close = difflib.get_close_matches(value, list(options), n=1, cutoff=cutoff) if isinstance(value, str) else []
    return close[0] if close else None


def did_you_mean(value: Any, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the option closest to the str ``value`` (difflib's ratio >= 0.8), else ``""``:
    appended to an 'expected one of [...]' message whose list is too long to scan for a typo.

    >>> did_you_mean("sunspot", ["nile", "sunspots"]), did_you_mean("zzz", ["nile"]), did_you_mean(3, ["nile"])
    (" (did you mean 'sunspots'?)", '', '')
    """
    close = closest(value, options)
    return f" (did you mean {close!r}?)" if close is not None else ""


def check_name(name: str, value: Any, options: Iterable[str], error: type = ConfigError) -> str:
    """``value`` if it is one of the names ``options``: a str that is not an ``error`` (ConfigError unless the
    caller's kind differs) ending with the close match, anything else an InputTypeError (a list was a bare
    "unhashable type: 'list'" of the dict lookup behind it).

    >>> check_name("collection", "m3-yearly", ["m3_yearly", "mixed"])
    Traceback (most recent call last):
    rnnkit.errors.ConfigError: collection: expected one of ['m3_yearly', 'mixed'], got 'm3-yearly' (did you mean 'm3_yearly'?)
    """
    return check_choice(name, value, options, error, hint=True)


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a Python bool if it is one (``np.True_`` too; ``0``, ``1``, ``"False"`` are not)."""
    if not is_bool(value):
        raise InputTypeError(f"{name}: expected a bool, got {_got(value)}")
    return bool(value)


def check_int(name: str, value: Any, low: int = 1, high: int | None = None, what: str | None = None) -> int:
    """``value`` as an int if it is an integer (not a bool) in ``[low, high)`` (``high=None``: no upper
    bound). ``what`` describes the expectation in messages (default: "a positive int" / "an int >= low")."""
    if what is None:
        what = "a positive int" if low == 1 and high is None else f"an int >= {low}"
    if not is_int(value):
        raise InputTypeError(f"{name}: expected {what}, got {_got(value)}")
    if value < low or (high is not None and value >= high):
        raise ConfigError(f"{name}: expected {what}, got {value!r}")
    return int(value)


def check_rate(name: str, value: Any, closed: bool = False) -> float:
    """``value`` as a float if it is a real number (not a bool) in ``[0, 1)``, or ``[0, 1]`` when ``closed``."""
    interval = "[0, 1]" if closed else "[0, 1)"
    if not is_real(value):
        raise InputTypeError(f"{name}: expected a number in {interval}, got {_got(value)}")
    if not (0 <= value <= 1 if closed else 0 <= value < 1):  # NaN fails both
        raise ConfigError(f"{name}: expected a number in {interval}, got {value!r}")
    return float(value)


def check_choice(name: str, value: Any, options: Iterable[str], error: type = ConfigError, hint: bool = False) -> str:
    """``value`` if it is one of the strings ``options`` (an unknown str an ``error``, ending with the close match
    with ``hint``: :func:`check_name`); a numpy str (``np.str_``) as the Python str it holds (:func:`plain`)."""
    options = list(options)
    if not isinstance(value, str):
        raise InputTypeError(f"{name}: expected one of {options}, got {_got(value)}")
    value = plain(value)
    if value not in options:
        raise error(f"{name}: expected one of {options}, got {value!r}{did_you_mean(value, options) if hint else ''}")
    return value


#: torch's seeds are ints in ``[0, SEED_END)`` (``torch.manual_seed`` takes at most a uint64).
SEED_END = 2 ** 64


def check_seed(value: Any, name: str = "seed") -> int:
    """``value`` as a Python int if it is an int (numpy's too) in torch's seed range ``[0, 2**64)``; anything else
    a ConfigError (a larger int passes a plain int check and overflows inside torch when it seeds)."""
    if not is_int(value) or not 0 <= value < SEED_END:
        raise ConfigError(f"{name}: expected an int in [0, 2**64) (torch's seeds), got {value!r}")
    return int(value)


def check_number(name: str, value: Any, lo: float | None = None, hi: float | None = None, integer: bool = False,
                 allow_none: bool = False, lo_open: bool = False) -> Any:
    """``value`` if it is a finite number (an int with ``integer``) in ``[lo, hi]`` (``(lo, hi]`` with
    ``lo_open``; either bound ``None``: open-ended), or ``None`` with ``allow_none``. A bool, a string or
    a float where an int is needed is an InputTypeError; NaN, infinities and values out of range a
    ConfigError.

    >>> check_number("lr", 0.0, lo=0, lo_open=True)
    Traceback (most recent call last):
    ...
    rnnkit.errors.ConfigError: lr: expected a number > 0, got 0.0
    >>> check_number("epochs", 2.0, lo=1, integer=True)
    Traceback (most recent call last):
    ...
    rnnkit.errors.InputTypeError: epochs: expected an int, got 2.0 (float)
    """
    if value is None and allow_none:
        return None
    kind = "an int" if integer else "a number"
    if not (is_int(value) if integer else is_real(value)):
        raise InputTypeError(f"{name}: expected {kind}{' or None' if allow_none else ''}, got {_got(value)}")
    if not integer and not is_finite_real(value):
        beyond = " (beyond float range)" if isinstance(value, numbers.Integral) else ""   # an int is never NaN
        raise ConfigError(f"{name}: expected a finite number, got {short_repr(value)}{beyond}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise ConfigError(f"{name}: expected {kind} {'>' if lo_open else '>='} {lo}, got {value!r}")
    if hi is not None and value > hi:
        raise ConfigError(f"{name}: expected {kind} <= {hi}, got {value!r}")
    return plain(value)


def _kind(v: Any) -> str:
    """The kind of a key value: numpy and Python numbers of one kind are one kind (``np.int64(1)`` is ``1``)."""
    if isinstance(v, str):
        return "str"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, numbers.Integral):
        return "int"
    if isinstance(v, numbers.Real):
        return "float"
    return type(v).__name__


def check_keys_as_text(values: Iterable[Any], texts: Iterable[str], what: str, kind: str) -> None:
    """Keys (series ids, class labels) are kept as text: two ``values`` of different kinds whose ``texts``
    are equal (``1`` and ``"1"``, ``True`` and ``"True"``) would become one key silently. A DataError
    ``"{what}: expected {kind}s of one type ({kind}s are kept as text), got 1 (int) and '1' (str) ..."``.

    >>> check_keys_as_text([1, "1", 2], ["1", "1", "2"], "y", "label")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rnnkit.errors.DataError: y: expected labels of one type (labels are kept as text), got 1 (int) and '1' (str) ...
    """
    from rnnkit.errors import DataError

    first: dict[str, tuple[str, Any]] = {}
    clash: dict[str, tuple[Any, Any]] = {}
    for v, t in zip(values, texts):
        k = _kind(v)
        seen = first.setdefault(t, (k, v))
        if seen[0] != k and t not in clash:
            clash[t] = (seen[1], v)
    if clash:
        t, (a, b) = next(iter(clash.items()))
        raise DataError(f"{what}: expected {kind}s of one type ({kind}s are kept as text), got {a!r} ({_kind(a)}) and "
                        f"{b!r} ({_kind(b)}) that read as the same {kind} {t!r} ({len(clash)} such {kind}(s)); "
                        "convert them to one type first")


def check_tag_spaces(tag: str, what: str, at: str = "",
                     hint: str = "columns separated by a space? separate them with a TAB") -> str:
    """``tag`` unless white space separates characters in it ('B PER', 'B-PER O'), else a DataError naming ``what``
    (``at``: where, e.g. ' at line 3'): one rule for the tagger's API and its CoNLL reader, which read such a tag as
    two columns separated by a space (session 18: the API learned 'B PER' as a tag of its own).

    >>> check_tag_spaces("B PER", "tags[0][1]", hint="a CoNLL file cannot hold it")
    Traceback (most recent call last):
    rnnkit.errors.DataError: tags[0][1]: expected a tag without spaces, got 'B PER' (a CoNLL file cannot hold it)
    """
    if len(tag.split()) > 1:
        from rnnkit.errors import DataError

        raise DataError(f"{what}: expected a tag without spaces{at}, got {tag[:40]!r} ({hint})")
    return tag


def check_no_nul(text: str, what: str) -> str:
    """``text`` if it holds no NUL character (U+0000), else a DataError naming ``what`` and where: a NUL in a text is
    a C-string or UTF-16 bug of the caller (a file holding one is refused as not UTF-8); the translator copied it into
    its output and the character LM learned it as a character. One rule for the API's texts, the LM's text and the
    service's requests.

    >>> check_no_nul("ok", "text")
    'ok'
    >>> check_no_nul("a\\0b", "texts[3]")
    Traceback (most recent call last):
    rnnkit.errors.DataError: texts[3]: expected text without NUL characters (U+0000), got one at character 1
    """
    at = text.find("\0")
    if at >= 0:
        from rnnkit.errors import DataError

        raise DataError(f"{what}: expected text without NUL characters (U+0000), got one at character {at}")
    return text


def check_unicode(text: str, what: str) -> str:
    """``text`` if it encodes as UTF-8, else a DataError naming the first lone surrogate and where it is:
    such a string (bytes decoded with ``errors="surrogateescape"``, a cut UTF-16 pair) trained a model whose
    vocabulary then failed to save (a bare ``UnicodeEncodeError`` after the fit).

    >>> check_unicode("ok \\u00e9", "text")
    'ok é'
    >>> check_unicode("ab\\udce9", "text")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DataError: text: expected valid Unicode (UTF-8 encodable), got a lone surrogate ... at character 2
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        from rnnkit.errors import DataError

        raise DataError(f"{what}: expected valid Unicode (UTF-8 encodable), got a lone surrogate "
                        f"{text[e.start]!r} at character {e.start}") from None
    return text
