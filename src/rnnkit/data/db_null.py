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
"""

from __future__ import annotations

from typing import Any

__all__ = ["DB_NULL", "DB_NULL_HINT", "is_db_null"]

#: How MySQL and PostgreSQL text dumps write NULL (the two characters backslash, N)
DB_NULL = "\\N"
#: What a refusal of one says
DB_NULL_HINT = "the way MySQL and PostgreSQL dumps write a missing value (NULL): drop the row or fill it"


def is_db_null(value: Any) -> bool:
    """Whether ``value`` is a text cell holding a database NULL (spaces around it allowed, as a CSV's labels)."""
    return isinstance(value, str) and value.strip() == DB_NULL
