"""Session 19, helper N: defects met running the defaults on real data the project never used."""
from rnnkit.data.encoding import twice_encoded_lines


def test_german_sz_before_a_closing_quote_after_an_umlaut_is_text_typed_once():
    # 'ß“' is the bytes DF 93 in Windows-1252, valid UTF-8 for an NKo letter: 'süß“' (German 'sweet', quoted) was
    # warned as text encoded twice; the 'ü' beside it can be in no text encoded twice (no lead or continuation byte)
    for text in ("Er sagte „süß“.", "„Grüß“ und „süß“", "Ausmaß“"):
        assert twice_encoded_lines(text) == (0, 0, "", ""), text


def test_text_encoded_twice_is_still_found_beside_such_letters():
    assert twice_encoded_lines("süÃ© und café")[:3] == (1, 1, "Ã©")
    assert twice_encoded_lines("Ã¼ber")[:3] == (1, 1, "Ã¼")
    assert twice_encoded_lines("Ð¿Ñ€Ð¸Ð²ÐµÑ‚")[:3] == (1, 1, "Ð¿")       # Cyrillic encoded twice
    assert twice_encoded_lines("ÄÖÜß“")[0] == 1    # a lead character beside it: still counted (no guess)
