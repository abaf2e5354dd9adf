"""Session 27, helper R: translation on real pair files nobody here had used."""

import warnings

import pytest

from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

# English -> Japanese number words, the shape of num2words' output (lang='ja'): targets without spaces
PAIRS = [("fifty thousand, four hundred and ninety-four", "五万四百九十四"),
         ("ninety-nine thousand, three hundred and forty-six", "九万九千三百四十六"),
         ("five thousand, three hundred and six", "五千三百六"),
         ("sixty-seven thousand and thirteen", "六万七千十三"),
         ("seventeen", "十七"), ("fifty-nine", "五十九")]


def _fit(**kw):
    src, tgt = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    cfg = Seq2SeqConfig(model="char", embed_dim=8, enc_hidden=8, dec_hidden=8, epochs=1, val_fraction=0, **kw)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        Translator(cfg).fit(src, tgt)
    return [str(x.message) for x in w if "BLEU's tokenizer" in str(x.message)]


def test_targets_without_spaces_under_a_word_tokenizer_are_warned_at_fit():
    # at 9a58fdf nothing was said: en->ja number words scored BLEU 24.8 beside chrF 99.9 (592 of 600 exact)
    found = _fit()
    assert len(found) == 1 and "6 of 6 training targets" in found[0] and "--bleu-tokenize char" in found[0]


@pytest.mark.parametrize("tok", ["char", "zh"])
def test_a_character_tokenizer_is_not_warned(tok):
    assert _fit(bleu_tokenize=tok) == []


def test_spaced_targets_are_not_warned():
    from rnnkit.tasks.seq2seq_bleu import warn_unspaced_bleu
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        warn_unspaced_bleu(["cinquante mille", "dix-sept", "五十九"], "13a")   # one of three: no note
        warn_unspaced_bleu(["สวัสดี ครับ", "ขอบคุณ"], "intl")                  # Thai: spaces between phrases only
    assert [str(x.message)[:30] for x in w] == ["targets: 2 of 2 training targe"]


def test_a_pair_file_with_an_empty_last_column_reads_its_pairs(tmp_path):
    # a spreadsheet's export with an empty column (a TAB at each line's end), BOM and CRLF: at 9a58fdf refused at
    # line 1 as "3 TAB-separated fields (a TAB inside a source or a target?)"
    from rnnkit.data.text import read_tsv_pairs
    from rnnkit.errors import DataError
    p = tmp_path / "pairs.tsv"
    p.write_bytes("\ufeffseventeen\tسبعة عشر\t\r\nfifty-nine\tتسعة و خمسون\t \r\n".encode("utf-8"))
    assert read_tsv_pairs(p) == [("seventeen", "سبعة عشر"), ("fifty-nine", "تسعة و خمسون")]
    p.write_text("seventeen\t\tسبعة عشر\n", encoding="utf-8")           # a blank field between: still refused
    with pytest.raises(DataError, match="at line 1.*3 TAB-separated fields"):
        read_tsv_pairs(p)
    p.write_text("0\tseventeen\tسبعة عشر\t\n", encoding="utf-8")        # pandas' index: still named
    with pytest.raises(DataError, match="reads as a row index"):
        read_tsv_pairs(p)


def test_one_side_of_a_parallel_corpus_is_told_how_to_join_the_two_files(tmp_path):
    # Europarl / OPUS ship a corpus as two aligned files; at 9a58fdf '--tsv de.txt' said only "no TAB"
    from rnnkit.data.text import read_tsv_pairs
    from rnnkit.errors import DataError
    p = tmp_path / "de.txt"
    p.write_text("Wiederaufnahme der Sitzungsperiode\nIch bitte Sie, sich zu einer Schweigeminute zu erheben.\n",
                 encoding="utf-8")
    with pytest.raises(DataError, match=r"at line 1.*no TAB .*paste sources.txt targets.txt > pairs.tsv\)$"):
        read_tsv_pairs(p)
