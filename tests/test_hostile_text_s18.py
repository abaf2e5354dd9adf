"""Session 18, helper Q: hostile inputs of the text tasks (classify, tag, translate, generate). Each test fails on
the code before its fix (session start 2193376)."""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main
from rnnkit.errors import DataError
from rnnkit.tasks.tagging import MostFrequentTag, SequenceTagger, TaggerConfig

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

TINY_TAGGER = dict(word_dim=4, char_dim=4, char_hidden=4, hidden_size=4, epochs=1, val_fraction=0.0, progress=False)


# ----------------------------------------------------------------------------- tagger
def test_a_tagger_is_not_trained_on_one_tag():
    # before: fit on sentences tagged 'O' alone trained a network that tags every token 'O' (token accuracy 1.0 on
    # such data), where the classifier and tsc refuse one class
    sents = [["The", "cat"], ["sat"]] * 3
    with pytest.raises(DataError, match=r"^tags: expected at least 2 different tags to learn from, got only \['O'\]$"):
        SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, [["O", "O"], ["O"]] * 3)
    tagger = SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, [["O", "B-ANI"], ["O"]] * 3, baselines=False)
    assert sorted(tagger.tags.tokens) == ["B-ANI", "O"]       # two tags: trained as before


def test_a_conll_file_of_one_tag_is_refused_by_tag_train(tmp_path, capsys):
    path = tmp_path / "one.conll"
    path.write_text("".join(f"The\tO\ncat{i}\tO\n\n" for i in range(10)), encoding="utf-8")
    assert main(["tag", "train", "--conll", str(path), "--out", str(tmp_path / "run"), "--epochs", "1",
                 "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--hidden-size", "4", "--quiet"]) == 1
    assert "tags: expected at least 2 different tags to learn from, got only ['O']" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("where", ["fit", "predict", "evaluate", "baseline"])
def test_a_token_with_a_nul_is_refused_as_the_shared_rule_says(where):
    # before: 'a\0b' was a word (and '\0' a character) the tagger learned, and predict tagged it; a CoNLL file
    # holding one is refused (not UTF-8 text), the classifier's and translator's texts too (check_no_nul)
    sents, tags = [["The", "cat"], ["sat"]] * 2, [["O", "B-ANI"], ["O"]] * 2
    bad = [["The", "c\0t"], ["sat"]] + sents[2:]
    msg = r"^sentences\[0\]\[1\]: expected text without NUL characters \(U\+0000\), got one at character 1$"
    if where == "baseline":
        with pytest.raises(DataError, match=msg):
            MostFrequentTag().fit(bad, tags)
        return
    if where == "fit":
        with pytest.raises(DataError, match=msg):
            SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(bad, tags)
        return
    tagger = SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit(sents, tags, baselines=False)
    with pytest.raises(DataError, match=msg):
        tagger.predict(bad) if where == "predict" else tagger.evaluate(bad, tags)


def test_a_tag_with_a_nul_is_refused():
    # before: 'B-ANI\0' was a tag of its own, learned and predicted
    with pytest.raises(DataError, match=r"^tags\[1\]\[0\]: expected text without NUL characters \(U\+0000\), got one "
                                        r"at character 5$"):
        SequenceTagger(TaggerConfig(**TINY_TAGGER)).fit([["The", "cat"], ["cat"]], [["O", "B-ANI"], ["B-ANI\0"]])


# ----------------------------------------------------------------------------- classifier
def test_a_baseline_predicting_a_class_the_validation_split_took_whole_is_scored():
    # before: the linear baselines (fitted on every training text) know a class whose every text the random
    # validation split took; the network does not, and evaluate stopped with "labels: expected every label in
    # ['a', 'b'], got 'c'" when a baseline predicted it (`classify train` on 500 classes of one text each died so)
    from rnnkit.tasks.base import split_indices
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    n = 40
    texts = [f"{'good fine nice' if i % 2 else 'bad awful poor'} movie {i}" for i in range(n)]
    labels = ["a" if i % 2 else "b" for i in range(n)]
    held = split_indices(n, 0.1, 0)[1].tolist()       # the validation split fit draws (val_fraction 0.1, seed 0)
    for i in held:
        texts[i], labels[i] = f"zebra stripes zoo {i}", "c"
    assert len(held) >= 2                              # two texts: 'zebra' passes the TF-IDF's min_df of 2
    with pytest.warns(UserWarning, match="validation split holds every training text"):
        clf = TextClassifier(TextClassifierConfig(epochs=1, embed_dim=4, hidden_size=4, min_freq=1, combine=False,
                                                  val_fraction=0.1, progress=False)).fit(texts, labels)
    assert clf.classes == ["a", "b"] and clf.baselines["tfidf_logreg"].classes == ["a", "b", "c"]
    m = clf.evaluate(["zebra stripes zoo", "good fine nice movie", "zoo zebra stripes"], ["c", "a", "b"])
    base = m["baselines"]["tfidf_logreg"]
    assert base["labels"] == ["a", "b", "c"] and base["unseen_labels"] == 0        # the baseline saw 'c'
    assert base["confusion_matrix"] == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]          # 'c' predicted for a 'b' too
    assert m["labels"] == ["a", "b", "c"] and m["unseen_labels"] == 1               # the network did not
    only = clf.evaluate(["zoo zebra stripes"], ["b"])["baselines"]["tfidf_logreg"]  # no gold 'c' at all
    assert only["labels"] == ["a", "b", "c"] and only["confusion_matrix"][1] == [0, 0, 1]



def test_a_training_part_of_one_class_after_the_validation_split_is_named():
    # before: the random split took the only 'b' text, the network trained on 'a' alone, then the combination's
    # linear model stopped the fit with scikit-learn's "This solver needs samples of at least 2 classes"
    from rnnkit.tasks.base import split_indices
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    held = split_indices(10, 0.1, 0)[1].tolist()
    texts = [f"word{i} common x" for i in range(10)]
    labels = ["b" if i in held else "a" for i in range(10)]
    cfg = dict(epochs=1, embed_dim=4, hidden_size=4, min_freq=1, progress=False)
    with pytest.raises(DataError, match=r"^labels: expected at least 2 classes in the training part, got only "
                                        r"\['a'\]: the random validation split took every text of \['b'\]; "
                                        r"val_fraction=0 \(CLI --val-fraction 0\) trains on all, or another seed"):
        TextClassifier(TextClassifierConfig(**cfg, val_fraction=0.1)).fit(texts, labels)
    assert TextClassifier(TextClassifierConfig(**cfg, val_fraction=0.0)).fit(texts, labels).classes == ["a", "b"]

# ----------------------------------------------------------------------------- the linear models fitted alone
LIN_TEXTS = ["good movie", "bad movie", "good film", "bad film", "so good", "so bad"] * 5
LIN_LABELS = ["p", "n"] * 15


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(tokenizer="bogus"), "ConfigError", r"tokenizer: expected one of \['words', 'chars', 'auto', 'segmented'\], "
                                             r"got 'bogus'"),
    (dict(tokenizer=None), "InputTypeError", r"tokenizer: expected one of .*got None \(NoneType\)"),
    (dict(lowercase="no"), "InputTypeError", r"lowercase: expected a bool, got 'no' \(str\)"),
    (dict(C=-1.0), "ConfigError", r"C: expected a number > 0, got -1.0"),
    (dict(C=float("nan")), "ConfigError", r"C: expected a finite number, got nan"),
    (dict(C="1"), "InputTypeError", r"C: expected a number or None, got '1' \(str\)"),
    (dict(Cs=[]), "ConfigError", r"Cs: expected None \(the default grid\) or at least one C, got none"),
    (dict(Cs=[1.0, 0]), "ConfigError", r"Cs\[1\]: expected a number > 0, got 0"),
    (dict(Cs="12"), "InputTypeError", r"Cs: expected None or a list of numbers > 0, got str"),
])
@pytest.mark.parametrize("kind", ["TfidfLogReg", "NbLogReg"])
def test_the_linear_models_arguments_are_checked_at_construction(kind, kwargs, err, msg):
    # before: nothing but `features` was checked -- tokenizer='bogus' failed at the first text, C=-1 inside the fit
    # (scikit-learn's InvalidParameterError), Cs=[] became the default grid silently
    import rnnkit.errors
    from rnnkit.tasks import classify_linear

    with pytest.raises(getattr(rnnkit.errors, err), match=f"^{msg}$"):
        getattr(classify_linear, kind)(**kwargs)


@pytest.mark.parametrize("texts, labels, err, msg", [
    (LIN_TEXTS, ["p"] * 30, "DataError", r"labels: expected at least 2 classes, got \['p'\]"),
    (LIN_TEXTS, LIN_LABELS[:-1], "DataError", r"labels: expected one label per text \(30\), got 29"),
    ("good movie", ["p", "n"], "InputTypeError", r"texts: expected a list of strings, got str"),
    (LIN_TEXTS[:-1] + [float("nan")], LIN_LABELS, "InputTypeError", r"texts\[29\]: expected a str, got a missing "
                                                                    r"value \(nan\)"),
    (LIN_TEXTS, LIN_LABELS[:-1] + [None], "DataError", r"labels\[29\]: expected a label, got a missing value "
                                                       r"\(None\)"),
    (["a", "b"], ["x", "y"], "DataError", r"texts: expected a word or character n-gram found in at least 2 of the "
                                          r"training texts \(the (tfidf|nb)_logreg features keep those: min_df=2\), "
                                          r"got none in 2 texts; .*"),
])
@pytest.mark.parametrize("kind", ["TfidfLogReg", "NbLogReg"])
def test_the_linear_models_fitted_alone_check_their_data(kind, texts, labels, err, msg):
    # before: a bare IndexError (a label short), TypeError (NaN text), scikit-learn's ValueError (one class; no term
    # in two texts), and a str was fitted as one text per character
    import rnnkit.errors
    from rnnkit.tasks import classify_linear

    with pytest.raises(getattr(rnnkit.errors, err), match=f"^{msg}$"):
        getattr(classify_linear, kind)(C=1.0).fit(texts, labels)


def test_a_fitted_linear_model_reads_a_str_as_no_list_of_texts():
    # before: predict("good") read 'g', 'o', 'o', 'd' as four texts and gave four labels
    from rnnkit.errors import DataError as DE, InputTypeError
    from rnnkit.tasks.classify_linear import TfidfLogReg

    lr = TfidfLogReg(C=1.0).fit(LIN_TEXTS, LIN_LABELS)
    with pytest.raises(InputTypeError, match=r"^texts: expected a list of strings, got str$"):
        lr.predict("good")
    with pytest.raises(DE, match=r"^texts\[0\]: expected text without NUL characters \(U\+0000\), got one at "
                                 r"character 4$"):
        lr.proba_for(["good\0"], ["n", "p"])
    assert lr.predict(["good one", "bad one"]) == ["p", "n"]


# ----------------------------------------------------------------------------- CoNLL files
def test_a_conll_line_with_a_column_missing_is_named(tmp_path):
    # before: in a token<TAB>POS<TAB>entity file, 'cat<TAB>NN' (its entity column lost) was read with the POS tag
    # 'NN' as its entity tag, silently -- the last column is the tag
    from rnnkit.data.text import read_conll

    path = tmp_path / "ner.conll"
    path.write_text("The\tDT\tO\ncat\tNN\tB-ANI\n\nA\tDT\tO\ndog\tNN\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^conll '.*ner\.conll': expected 3 tab-separated columns at line 5 \(as "
                                        r"line 1: the last is the tag\), got 2 \('dog\\tNN'\); a line with a column "
                                        r"missing reads another column as its tag$"):
        read_conll(path)
    path.write_text("The\tDT\tO\ncat\tNN\tB-ANI\t\n\n-DOCSTART-\n\nA\tDT\tO\n", encoding="utf-8")   # a trailing TAB
    assert read_conll(path) == [(["The", "cat"], ["O", "B-ANI"]), (["A"], ["O"])]


def test_one_csv_column_as_both_text_and_label_is_refused(tmp_path, capsys):
    # before: `classify train --csv f.csv --text-col label` read each label as its own text (test accuracy 1.0)
    from rnnkit.data.text import read_csv_texts
    from rnnkit.errors import ConfigError

    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "".join(f"t{i},{'ab'[i % 2]}\n" for i in range(12)), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^label_col: expected a column other than the text column, got 'label' "
                                          r"for both \(CLI --text-col, --label-col\)$"):
        read_csv_texts(path, "label", "label")
    assert read_csv_texts(path, "label", None)[0][:2] == ["a", "b"]       # texts only (predict): the column is free
    assert main(["classify", "train", "--csv", str(path), "--text-col", "label", "--out", str(tmp_path / "run"),
                 "--epochs", "1", "--quiet"]) == 2
    assert "--label-col: expected a column other than the text column, got 'label'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------------------- translator
def test_a_translator_seed_beyond_torchs_range_is_refused_by_its_config():
    # before: Seq2SeqConfig(seed=2**64) was taken and fit died in torch.manual_seed with a bare ValueError
    # 'Overflow when unpacking long long' (the other tasks' configs bound the seed); member j seeds with seed + j
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    with pytest.raises(ConfigError, match=r"^seed: expected an int <= 18446744073709551615, got 18446744073709551616$"):
        Seq2SeqConfig(seed=2 ** 64)
    assert Seq2SeqConfig(seed=2 ** 64 - 1, ensemble=2).seed == 2 ** 64 - 1   # session 29: member seeds wrap mod 2**64
    cfg = Seq2SeqConfig(seed=2 ** 64 - 1, epochs=1, embed_dim=4, enc_hidden=4, dec_hidden=4, progress=False)
    tr = Translator(cfg).fit([f"ich habe {i}" for i in range(8)], [f"i have {i}" for i in range(8)], baselines=False)
    assert len(tr.translate(["ich habe 3"], beam=1)) == 1        # the largest seed torch takes trains


def test_a_conllu_upos_left_unspecified_is_no_tag(tmp_path):
    # before: a CoNLL-U token whose UPOS is '_' (CoNLL-U's unspecified value: an unannotated token) was trained
    # on as a tag '_' and predicted, silently -- as a NaN label would have been a class 'nan'
    from rnnkit.data.text import read_conll, read_conll_tokens

    rows = ["# text = Anna lebt", "1\tAnna\tAnna\tPROPN\t_\t_\t2\tnsubj\t_\t_", "2\tlebt\tleben\t_\t_\t_\t0\troot\t_\t_", ""]
    path = tmp_path / "de.conllu"
    path.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"^conll '.*de\.conllu': expected a UPOS at line 3 \(column 4\), got '_' "
                                        r"\(CoNLL-U's unspecified value\)$"):
        read_conll(path)
    assert read_conll_tokens(path) == [["Anna", "lebt"]]                 # predict needs no tag: FORMs read
    path.write_text("\n".join(rows).replace("leben\t_", "leben\tVERB"), encoding="utf-8")
    assert read_conll(path) == [(["Anna", "lebt"], ["PROPN", "VERB"])]


# ----------------------------------------------------------------------------- generate
@pytest.mark.parametrize("order, expect", [("0", "an int >= 1, got 0"), ("9", "an int <= 8, got 9")])
def test_generate_train_names_the_baseline_order_flag(tmp_path, capsys, order, expect):
    # before: 'rnnkit generate: error: order: expected an int >= 1, got 0' -- a name the user never typed
    path = tmp_path / "t.txt"
    path.write_text("abcab " * 50, encoding="utf-8")
    assert main(["generate", "train", "--text", str(path), "--out", str(tmp_path / "run"), "--baseline-order", order,
                 "--rounds", "1", "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == f"rnnkit generate: error: --baseline-order: expected {expect}"
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------------------- the words tokenizer
@pytest.mark.parametrize("text, tokens", [
    ("שלום\u200f עולם", ["שלום", "עולם"]),            # RLM after a word (copied from the web)
    ("abc\u200edef", ["abc", "def"]),                   # LRM: a separator, as a zero-width space
    ("\u202bשלום\u202c", ["שלום"]),                     # RLE ... PDF
    ("مرحبا\u061c123", ["مرحبا", "123"]),               # Arabic letter mark
    ("\u2067abc\u2069 \u202eevil", ["abc", "evil"]),    # RLI ... PDI, RLO
    ("\u200f\u200e", []),                               # marks alone: no token (the classifier's 'no token' rows)
])
def test_bidirectional_marks_are_no_tokens(text, tokens):
    # before: each bidi mark or control was a token of its own ('\u200f'), so a Hebrew word followed by an RLM read
    # as two tokens, and a text of marks alone had tokens to classify and translate
    from rnnkit.data.vocab import tokenize

    assert tokenize(text, "words") == tokens
    assert tokenize(text, "chars") == list(text)       # characters keep every code point, as documented


def test_fit_choose_names_its_validation_arguments():
    # the C search's validation part is checked as the training part, its own names in the messages
    from rnnkit.tasks.classify_linear import TfidfLogReg

    with pytest.raises(DataError, match=r"^val_labels: expected one label per text \(2\), got 1$"):
        TfidfLogReg().fit_choose(LIN_TEXTS, LIN_LABELS, ["good", "bad"], ["p"])
    with pytest.raises(DataError, match=r"^val_texts\[1\]: expected a non-empty text, got ' '$"):
        TfidfLogReg().fit_choose(LIN_TEXTS, LIN_LABELS, ["good", " "], ["p", "n"])
    assert TfidfLogReg(Cs=[1.0]).fit_choose(LIN_TEXTS, LIN_LABELS, ["good", "bad"], ["p", "n"]).C == 1.0


def test_a_translation_target_without_a_word_is_named_as_a_source_is():
    # before: the dict-pointer refused a source of zero-width spaces alone (session 15) but trained on such a target
    # as 'translate this source as nothing' (an empty side of a TSV pair is refused)
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    sources, targets = [f"ich habe {i}" for i in range(10)], [f"i have {i}" for i in range(10)]
    cfg = Seq2SeqConfig(epochs=1, embed_dim=4, enc_hidden=4, dec_hidden=4, val_fraction=0.0, progress=False)
    for blank in ("\u200b", "\ufeff\u200f"):
        with pytest.raises(DataError, match=r"^targets\[4\]: expected a target with at least one word token, got none "
                                            r"from '.*' \(zero-width spaces, word joiners, a BOM or bidi marks alone\)$"):
            Translator(cfg).fit(sources, targets[:4] + [blank] + targets[5:], baselines=False)
    assert Translator(cfg).fit(sources, targets, baselines=False).translate(["ich habe 3"], beam=1)[0]
