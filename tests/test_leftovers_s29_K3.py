"""Session 29, helper K: tag's IOB1 warning names the line of the offending tag, not its sentence's first line
(helper M's design, s29/M/LEAD_NOW.md section 2)."""

import copy
import pickle
import re

import pytest

from rnnkit.cli.main import main
from rnnkit.data.text import read_conll_tokens

COMMENTED = "Anna\tO\nlebt\tO\n# a comment inside the sentence\nJohn\tI-PER\nhier\tO\n\n" + "Bob\tI-PER\nlebt\tO\n\n" * 6


@pytest.mark.parametrize("val", ["0", "0.2"])
def test_the_iob1_warning_names_the_tags_own_line(tmp_path, capsys, val):
    # before: "tags[0][2] (--conll '...' line 1) 'I-PER'": line 1 is 'Anna', the I-PER is on line 4
    path = tmp_path / "iob1.conll"
    path.write_text(COMMENTED, encoding="utf-8")
    with pytest.warns(UserWarning, match="IOB1") as caught:   # pytest records it (the CLI prints it on stderr)
        assert main(["tag", "train", "--conll", str(path), "--out", str(tmp_path / "run"), "--epochs", "1",
                     "--val-fraction", val, "--threads", "1", "--quiet"]) == 0
    warning = next(str(w.message) for w in caught if "IOB1" in str(w.message))
    named = re.search(r"tags\[\d+\]\[(\d+)\] \(--conll '.*' line (\d+)\) 'I-PER'", warning)
    assert named, warning
    line = COMMENTED.split("\n")[int(named[2]) - 1]
    assert line == "John\tI-PER" or line == "Bob\tI-PER", (warning, line)


def test_token_lines_skip_comments_and_conllu_multiword_lines():
    conllu = ("# sent_id = 1\n1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n1\tde\tde\tADP\t_\t_\t0\troot\t_\t_\n"
              "2\tel\tel\tDET\t_\t_\t1\tdet\t_\t_\n3.1\tx\tx\tNOUN\t_\t_\t_\t_\t_\t_\n"
              "3\tgato\tgato\tNOUN\t_\t_\t1\tobj\t_\t_\n\n1\tsi\tsi\tINTJ\t_\t_\t0\troot\t_\t_\n")
    assert read_conll_tokens(None, lines="tokens", text=conllu) == ([["de", "el", "gato"], ["si"]], [[3, 4, 6], [8]])
    assert read_conll_tokens(None, lines=True, text=conllu) == ([["de", "el", "gato"], ["si"]], [3, 8])
    assert read_conll_tokens(None, lines="tokens", text=COMMENTED)[1][0] == [1, 2, 4, 5]


def test_a_sentence_place_is_its_text_and_survives_copy_and_pickle():
    from rnnkit.data.conll_lines import SentencePlace

    p = SentencePlace("--conll 'a.conll'", [7, 9])
    assert p == "--conll 'a.conll' line 7" and p.token_place(1) == "--conll 'a.conll' line 9"
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert q == p and q.token_place(1) == "--conll 'a.conll' line 9"
