"""A database's NULL in a text dump: ``\\N``.

MySQL (``SELECT ... INTO OUTFILE``, ``mysqldump --tab``) and PostgreSQL (``COPY``'s text format) write a missing value
as the two characters ``\\N``. pandas' missing-value words (``NA``, ``NULL``, ``NaN``, ...) leave it out, and the csv
module reads every cell as text, so a dump's NULL was a text and a class to ``rnnkit classify`` (trained on, without a
word) and a word to the forecaster's value columns ("expected numeric values, got dtype str"), where ``NA`` is a
missing value. Each reader treats it as that reader's missing value: the texts and labels of a task are refused
naming the row (as an empty one), a forecast value is missing (as ``NA``), a forecast id is a missing id (as an
empty one).

>>> is_db_null(" \\\\N "), is_db_null("\\\\n"), is_db_null("N")
(True, False, False)

A value column read without pandas (tsc's long CSV) takes the same cells as missing as the forecaster's pandas reader
does (:func:`missing_cell`: an empty one, pandas' default missing-value words, ``\\N``): R's ``write.csv`` writes a
missing number ``NA``, which tsc refused ("expected a number, got 'NA'") where the forecaster reads it as missing.

>>> [missing_cell(c) for c in ["", " NA ", "#N/A", "\\\\N", "nan", "0", "n.a."]]
[True, True, True, True, True, False, False]
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

__all__ = ["DB_NULL", "DB_NULL_HINT", "NA_WORDS", "is_db_null", "missing_cell", "warn_na_texts"]

#: How MySQL and PostgreSQL text dumps write NULL (the two characters backslash, N)
DB_NULL = "\\N"
#: What a refusal of one says
DB_NULL_HINT = "the way MySQL and PostgreSQL dumps write a missing value (NULL): drop the row or fill it"
#: The words pandas' ``read_csv`` reads as missing by default (its ``STR_NA_VALUES``, pandas 1.x-3.x; the empty
#: string aside): R's ``NA``, spreadsheets' ``#N/A``, SQL's ``NULL``, ``str(None)``, ``NaN``...
NA_WORDS = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                      "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def is_db_null(value: Any) -> bool:
    """Whether ``value`` is a text cell holding a database NULL (spaces around it allowed, as a CSV's labels)."""
    return isinstance(value, str) and value.strip() == DB_NULL


def missing_cell(text: str) -> bool:
    """Whether a CSV cell of a value column marks a missing value: empty (or white space), one of :data:`NA_WORDS`, or
    a dump's NULL (spaces around them allowed)."""
    t = text.strip()
    return not t or t in NA_WORDS or t == DB_NULL


def warn_na_texts(texts: list[str], what: str, place: Callable[[int], str], stacklevel: int = 4) -> None:
    """Warn when texts are one of :data:`NA_WORDS` (R's ``write.csv`` writes a missing string ``NA``, unquoted; the
    csv module reads it as the text ``NA``): each is read as a text, silently, where an empty one is refused. Kept (a
    text may be ``None``), as labels that are such marks are (``classify_data.warn_missing_marks``).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_na_texts(["a good film", "NA", "NA"], "texts", lambda i: f"texts[{i}]")
    >>> print(w[0].message)  # doctest: +NORMALIZE_WHITESPACE
    texts: 2 of 3 text(s) are 'NA', e.g. texts[1], the way R, pandas, spreadsheets and databases write a missing value:
    read as a text -- drop the items whose text is missing, or keep them if meant
    """
    rows = [i for i, t in enumerate(texts) if t.strip() in NA_WORDS]
    if rows:
        marks = " / ".join(repr(m) for m in sorted({texts[i].strip() for i in rows}))
        warnings.warn(f"{what}: {len(rows)} of {len(texts)} text(s) are {marks}, e.g. {place(rows[0])}, the way R, "
                      "pandas, spreadsheets and databases write a missing value: read as a text -- drop the items whose "
                      "text is missing, or keep them if meant", stacklevel=stacklevel)
