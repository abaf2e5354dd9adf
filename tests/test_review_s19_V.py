"""Session 19's hostile review (helper V): valid inputs that this session's new checks and warnings refused or
warned about. Each test fails on the code before its fix."""

from __future__ import annotations

import warnings

import pytest


def _twice(text: str) -> str:
    """``text`` encoded twice: its UTF-8 bytes read as Windows-1252 (Latin-1 for the five bytes it leaves undefined)."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in text.encode("utf-8"))


# ------------------------------------------------------------------ data.encoding: text typed once, not warned
TYPED_ONCE = ["le «CAFÉ» est ouvert", "viaje a «PERÚ»", "cet «ÉTÉ»", "“PERÚ…” y “OLÉ—”", "JOSÉ’S new album",
              "a room of 12 m×²", "«ÉL» dijo «SÍ»"]


@pytest.mark.parametrize("line", TYPED_ONCE)
def test_an_accented_capital_before_punctuation_is_not_text_encoded_twice(line, tmp_path):
    """An accented capital glued to a guillemet, a quote, a dash or an ellipsis is a UTF-8 sequence read as
    Windows-1252 (``É»`` is the bytes C9 BB, IPA's ``ɻ``; ``Ú…`` an Arabic letter): legitimate French, Spanish and
    Portuguese text was warned as mojibake, naming a letter nobody wrote. Oracle: the same line encoded twice is
    still warned (the warning keeps its purpose)."""
    from rnnkit.data.encoding import twice_encoded_lines
    from rnnkit.data.text import read_utf8

    assert twice_encoded_lines(line)[0] == 0
    f = tmp_path / "once.txt"
    f.write_text(line + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_utf8(f) == line + "\n"
    assert twice_encoded_lines(_twice(line))[0] == 1


@pytest.mark.parametrize("text", ["привет мир", "и", "Ελληνικά", "مرحبا", "שלום", "2024年5月", "iPhone手机",
                                  "Tiếng Việt", "Łódź", "ș", "😀", "naïve", "Straße", "don’t"])
def test_text_of_any_script_encoded_twice_is_still_found(text):
    """The rule that spares text typed once keeps every script's text encoded twice: a word of Cyrillic, Greek,
    Arabic, Hebrew or CJK encoded twice has a letter not glued to an ASCII letter."""
    from rnnkit.data.encoding import twice_encoded_lines

    assert twice_encoded_lines(text)[0] == 0
    assert twice_encoded_lines(_twice(text))[0] == 1
