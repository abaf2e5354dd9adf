"""What a line of a ``source<TAB>target`` file that is no pair looks like, said in the reader's error
(:func:`rnnkit.data.text.read_tsv_pairs`, ``translate --tsv``).

A pair file written by pandas with its defaults (``df.to_csv("pairs.tsv", sep="\\t")``) starts every line with the
row index and its first line with an empty field and the column names: it was refused at line 1 as "expected
'source<TAB>target' with both non-empty", and with ``header=False`` at a line whose fields were all non-empty --
which said nothing of the third field. The message now counts the fields and names the index.

>>> print(pair_problem("tsv 'p.tsv'", 1, "0\\tone\\teins", ["0", "one", "eins"]))  # doctest: +NORMALIZE_WHITESPACE
tsv 'p.tsv': expected 'source<TAB>target' with both non-empty at line 1, got '0\\tone\\teins': 3 TAB-separated
fields, the first '0' reads as a row index (pandas' to_csv(sep='\\t') writes its index first: pass index=False,
header=False)
>>> print(pair_problem("tsv 'p.tsv'", 2, "two deux", ["two deux"]))  # doctest: +NORMALIZE_WHITESPACE
tsv 'p.tsv': expected 'source<TAB>target' with both non-empty at line 2, got 'two deux': no TAB (source and target
are separated by one TAB; a corpus in two aligned files, one sentence a line, is joined by: paste sources.txt
targets.txt > pairs.tsv)
"""

from __future__ import annotations

__all__ = ["pair_fields", "pair_problem"]


def pair_fields(line: str) -> list[str]:
    """``line``'s TAB-separated fields, blank ones after the second dropped: a spreadsheet's pair file with an empty
    column or a TAB at each line's end (``one<TAB>eins<TAB>``) was refused at line 1 as "3 TAB-separated fields (a TAB
    inside a source or a target?)"; nothing is in them. A blank first or second field is kept (and refused).

    >>> pair_fields("one\\teins\\t"), pair_fields("one\\t\\teins"), pair_fields("0\\tone\\teins\\t \\t")
    (['one', 'eins'], ['one', '', 'eins'], ['0', 'one', 'eins'])
    """
    parts = line.split("\t")
    while len(parts) > 2 and not parts[-1].strip():
        parts.pop()
    return parts


def pair_problem(name: str, ln: int, line: str, parts: list[str]) -> str:
    """The message for line ``ln`` (its ``line``, split at TABs into ``parts``) that is not two non-empty fields."""
    head = f"{name}: expected 'source<TAB>target' with both non-empty at line {ln}, got {line[:60]!r}"
    first = parts[0].strip()
    if len(parts) > 2 and (not first or first.isascii() and first.isdigit()):
        return (f"{head}: {len(parts)} TAB-separated fields, the first {first!r} reads as a row index (pandas' "
                "to_csv(sep='\\t') writes its index first: pass index=False, header=False)")
    if len(parts) > 2:
        return f"{head}: {len(parts)} TAB-separated fields (a TAB inside a source or a target? a pair holds one)"
    if len(parts) == 1:
        return (f"{head}: no TAB (source and target are separated by one TAB; a corpus in two aligned files, one "
                "sentence a line, is joined by: paste sources.txt targets.txt > pairs.tsv)")
    return head
