"""Lead's checks of session 14 (helpers' cross-file patches applied by the lead)."""

from __future__ import annotations

import pytest

from rnnkit.tasks.seq2seq_words import detokenize, words


@pytest.mark.parametrize("text", [
    "ผมชอบกินข้าว",                          # Thai: consonants with vowel signs and tone marks, no spaces
    "ສະບາຍດີ",                               # Lao
    "ខ្ញុំស្រឡាញ់",                            # Khmer (coeng subscripts)
    "ผมชอบ Python 3 มาก",                    # Thai around a spaced Latin word and a number
    "你好。ผมชอบ",                            # Han, CJK punctuation and Thai side by side
])
def test_detokenize_inverts_tokenize_in_scripts_without_spaces(text):
    """Target words of a script written without spaces are one grapheme cluster each (data.vocab); joined
    back they must not gain a space between clusters (the translation's output text)."""
    assert detokenize(words([text])[0]) == text
