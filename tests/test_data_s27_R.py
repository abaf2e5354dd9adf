"""Session 27, helper R: text read from real corpora (German dictionary entries, ...)."""

from rnnkit.data.encoding import twice_encoded_lines


def test_german_sharp_s_before_an_ellipsis_is_not_text_encoded_twice():
    # the shape of 12 entries of Debian's trans-de-en dictionary ('Groß… :: large-', 'Gefäß… [anat.]'): 'ß…' is the
    # bytes DF 85, NKo's digit five, and was warned as mojibake ('12 line(s) ... encoded twice') -- a digit was not
    # taken as a letter of another script glued to an ASCII letter, and 'ä' (a UTF-8 lead byte read as Latin-1)
    # stopped the word before its ASCII letters
    text = "Groß… :: large-\nGefäß… [anat.] :: vascular\nSpaß… {m}\nHerzkranzgefäß… [anat.]\n„Spaß“ und süß“\n"
    assert twice_encoded_lines(text) == (0, 0, "", "")


def test_text_encoded_twice_is_still_found_beside_the_german_words():
    assert twice_encoded_lines("Groß… :: large-\nStraÃŸe\n")[:3] == (1, 2, "ÃŸ")
    assert twice_encoded_lines("Gefäß… GrÃ¶ÃŸe")[:3] == (1, 1, "Ã¶")
    assert twice_encoded_lines("25Â°C")[:3] == (1, 1, "Â°")              # a Latin-1 symbol: still mojibake
    assert twice_encoded_lines("Ù¡Ù¢Ù£")[:3] == (1, 1, "Ù¡")             # Arabic-Indic digits encoded twice
    assert twice_encoded_lines("ÄÖÜß…")[0] == 1     # no ASCII letter in the word: still counted (no guess)
