"""Session 27, helper W: data/encoding's mojibake check on a long line (8654084's 'typed once' walk)."""

from __future__ import annotations

import subprocess
import sys

from rnnkit.data.encoding import twice_encoded_lines


def test_a_long_line_of_german_text_typed_once_is_checked_in_time_linear_in_its_fragments():
    """8654084 walks from each fragment through the Latin letters beside it, checking at each letter whether it
    lies in one of the line's fragments -- a list of every fragment of the line, scanned each time: quadratic in a
    line's fragments. A German text held on one line (a corpus without line breaks, a file of CR line ends) with
    180,000 words like 'Groß…' took minutes at fcb4227 (96,000: 109 s; 9a58fdf: instant). A hang check, not a
    timing: linear here, the child ends in well under a second of work; at fcb4227 it is killed at the limit."""
    code = ("from rnnkit.data.encoding import twice_encoded_lines as t\n"
            "print(t(' '.join(['Gefäß… Groß… Straße…'] * 60000)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(0, 0, '', '')"


def test_the_same_line_with_text_encoded_twice_is_still_found():
    """The set of fragment positions reads as the list did: a word encoded twice among German text typed once."""
    line = " ".join(["Gefäß… Groß…"] * 50 + ["cafÃ©"] + ["Groß…"] * 50)
    assert twice_encoded_lines(line) == (1, 1, "Ã©", "é")
    assert twice_encoded_lines("Groß…\n" + line) == (1, 2, "Ã©", "é")
