"""short_repr quotes a string's spaces as they are (review R, session 33): 's  2' was named 's 2', so an error about
a value that differs from a known one only by its spaces showed the two as equal."""

from rnnkit._validate import short_repr


def test_a_string_keeps_its_runs_of_spaces():
    assert short_repr("s  2") == "'s  2'"
    assert short_repr("a\tb\nc") == "'a\\tb\\nc'"          # a str's repr is one line already


def test_other_values_still_on_one_line():
    assert "\n" not in short_repr({"a": [1, 2, 3], "b": "x\ny"})
    assert short_repr([1,   2]) == "[1, 2]"
    assert len(short_repr("x" * 500)) == 60
