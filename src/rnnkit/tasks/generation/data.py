"""The char LM's data: held-out splits of a text and the stream rounds the Trainer walks."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from rnnkit._validate import check_no_nul, check_number, check_unicode
from rnnkit.errors import DataError, InputTypeError

__all__ = ["SHAKESPEARE_SPLIT_RULE", "HALVES", "check_text", "shakespeare_split", "text_split", "held_out_halves",
           "stream_matrix", "StreamRounds"]

SHAKESPEARE_SPLIT_RULE = ("works sorted by name; every 10th from the 5th (index 4, 14, 24, 34) is validation, "
                          "every 10th from the 10th (index 9, 19, 29, 39) is test, the other 34 train")


# ----------------------------------------------------------------------------- data
def check_text(text: Any, what: str, blank: bool = False) -> str:
    """``text`` if it is a str with something besides white space (``blank=True``: anything but ``""``,
    e.g. a prompt that is a newline) holding no NUL, else InputTypeError / DataError naming ``what``."""
    if not isinstance(text, str):
        raise InputTypeError(f"{what}: expected a str, got {type(text).__name__}")
    if not (text if blank else text.strip()):
        raise DataError(f"{what}: expected a non-empty text, got {text[:20]!r}")
    return check_unicode(check_no_nul(text, what), what)   # a NUL: as a --text file, refused


def shakespeare_split() -> dict[str, Any]:
    """Held-out split by whole works (see :data:`SHAKESPEARE_SPLIT_RULE`): ``{"train", "val", "test"}``
    texts (works joined by blank lines, in name order) and ``"works"`` (the names in each part)."""
    from rnnkit.data.text import load_shakespeare

    works = load_shakespeare()
    names = sorted(works)
    val, test = set(names[4::10]), set(names[9::10])
    parts = {"train": [n for n in names if n not in val and n not in test], "val": sorted(val), "test": sorted(test)}
    out: dict[str, Any] = {k: "\n\n\n".join(works[n].strip("\n") for n in v) + "\n" for k, v in parts.items()}
    out["works"] = parts
    return out


def text_split(text: str, val_fraction: float) -> tuple[str, str]:
    """``(train, held_out)``: the last ``val_fraction`` of ``text`` (cut at a line start when there is
    one in the last half of the held-out part) is held out -- contiguous text, never random characters."""
    check_text(text, "text")
    check_number("val_fraction", val_fraction, lo=0, hi=0.5)
    if val_fraction == 0:
        return text, ""
    cut = _line_start(text, int(len(text) * (1 - val_fraction)), int(len(text) * val_fraction) // 2)
    if not text[:cut].strip():  # e.g. a 1-character text: all of it would be held out
        raise DataError(f"text: expected enough text to hold out {val_fraction:g} of it and train on the rest, got "
                        f"{len(text)} character(s) (lower val_fraction, or give more text)")
    if len(text) - cut < 2:     # one character scores nothing (one predicts the next): no validation at all
        raise DataError(f"val_fraction: expected a held-out part of at least 2 characters to validate on, got "
                        f"{len(text) - cut} from {val_fraction:g} of {len(text)} (raise val_fraction, or 0 for none)")
    if not text[cut:].strip():  # trailing blank lines: trained without validation, then failed to test on them
        raise DataError(f"val_fraction: expected a held-out part with something besides white space, got "
                        f"{len(text) - cut} blank characters from {val_fraction:g} of {len(text)} (strip the text's "
                        "trailing blank lines, or 0 for none)")
    return text[:cut], text[cut:]


#: ``--text``'s held-out part since session 31 (recorded as the run's ``data["held_out"]``): its first half validates
#: (the curve, LR decay, best weights), its second half is the test ``evaluate`` scores.
HALVES = "halves"


def _line_start(text: str, cut: int, span: int) -> int:
    """``cut`` moved to the start of the first line that begins within ``span`` characters after it (if one does)."""
    nl = text.find("\n", cut, cut + max(1, span))
    return cut if nl == -1 else nl + 1


def held_out_halves(held: str, what: str = "val_fraction") -> tuple[str, str]:
    r"""``(validation, test)``: the held-out part of :func:`text_split` cut in two near its middle (at a line start in
    its third quarter when there is one). The validation half selects (the curve, LR decay, best weights, early
    stopping); the test half is scored once -- a figure on the text that selected the weights is no held-out score
    (before session 31 ``--text`` validated and tested on the same text). A DataError naming ``what`` when a half
    would hold fewer than 2 characters or only white space.

    >>> held_out_halves("ab\ncd\nef\ngh\n")
    ('ab\ncd\nef\n', 'gh\n')
    """
    cut = _line_start(held, len(held) // 2, len(held) // 4)
    val, test = held[:cut], held[cut:]
    for name, part in (("validation", val), ("test", test)):
        if len(part) < 2 or not part.strip():
            raise DataError(f"{what}: expected a held-out part that splits into a validation and a test half of at "
                            f"least 2 characters each, with something besides white space, got {len(held)} held-out "
                            f"characters whose {name} half is {part[:20]!r} (raise {what})")
    return val, test


def stream_matrix(ids: Tensor, streams: int) -> tuple[Tensor, Tensor]:
    """Inputs and next-character targets as ``(streams, L)`` matrices: row ``b`` is the ``b``-th
    contiguous piece of ``ids`` (the tail that does not fill a row is dropped).

    >>> x, y = stream_matrix(torch.arange(9), 2)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2, 3], [4, 5, 6, 7]], [[1, 2, 3, 4], [5, 6, 7, 8]])
    """
    L = (len(ids) - 1) // streams
    if L < 1:
        raise DataError(f"text: expected at least {streams + 1} characters for {streams} streams, got {len(ids)}")
    x = ids[: streams * L].view(streams, L)
    y = ids[1: streams * L + 1].view(streams, L)
    return x, y


class StreamRounds:
    """The training data for the :class:`~rnnkit.training.Trainer`: epoch ``e`` yields one batch, the
    ``e``-th round ``(x, y, start)`` -- ``(B, R*k)`` slices of the stream matrices (cut into chunks of
    ``k`` by the trainer) and ``start``, the round's first column (``0`` = a new pass: state reset).
    Rounds go through the stream in order and wrap around; the last round of a pass may be shorter.

    It speaks the Trainer's epoch-data protocol (:mod:`rnnkit.training.data`): ``set_epoch(epoch)``
    (called at every epoch start, also after a resume) picks the round, ``__len__`` is 1 (one batch a
    round); a resumed round is replayed from its start.
    """

    def __init__(self, x: Tensor, y: Tensor, round_len: int) -> None:
        self.x, self.y, self.round_len = x, y, round_len
        self.rounds_per_pass = math.ceil(x.shape[1] / round_len)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def start(self, epoch: int) -> int:
        return (epoch % self.rounds_per_pass) * self.round_len

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        s = self.start(self.epoch)
        e = min(s + self.round_len, self.x.shape[1])
        yield self.x[:, s:e], self.y[:, s:e], torch.tensor(s)

    def columns_after(self, steps: int, k: int) -> int:
        """The stream columns the first ``steps`` optimizer steps trained on (passes wrapped around, so it may
        exceed the stream's length): each round is cut into chunks of ``k`` (the last one shorter), one step each.

        >>> StreamRounds(torch.zeros(2, 7), torch.zeros(2, 7), 4).columns_after(3, 2)   # rounds 4 + 3: 2, 2, 2
        6
        """
        L = self.x.shape[1]
        widths = [min(self.round_len, L - r * self.round_len) for r in range(self.rounds_per_pass)]
        per = [math.ceil(w / k) for w in widths]
        passes, rest = divmod(steps, sum(per))
        cols = passes * L
        for w, n in zip(widths, per):
            if rest < n:
                return cols + min(rest * k, w)
            cols, rest = cols + w, rest - n
        return cols

    def chars_after(self, steps: int, k: int, unit_chars: Tensor) -> int:
        """The characters of the targets the first ``steps`` steps trained on (``unit_chars[i]``: the characters
        unit ``i`` covers). Not ``steps * B * k``: a round's last chunk is shorter, and a short text's streams
        may be shorter than one chunk (8 characters in 4 streams: 4 a step, counted as 4 * k)."""
        if getattr(self, "_per_col", None) is None:      # characters up to each column, all streams (once)
            self._per_col = unit_chars[self.y].sum(0).cumsum(0)
        per_col = self._per_col
        passes, cols = divmod(self.columns_after(steps, k), self.x.shape[1])
        return passes * int(per_col[-1]) + (int(per_col[cols - 1]) if cols else 0)
