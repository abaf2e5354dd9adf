"""Session 23, helper Q: a prediction's texts tokenized once (service and CLI), the CSV-header refusal of
``classify predict --input`` on more evidence, and kinds of hostile text not covered before."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    """A word classifier (max_len 6) saved in a run folder: (the path, the model loaded from it)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [f"good film {i % 3}" for i in range(8)] + [f"bad film {i % 3}" for i in range(8)]
    cfg = {**CLASSIFY_FAST, "epochs": 1, "tokenizer": "words", "embeddings": "own", "min_freq": 1, "max_len": 6}
    path = tmp_path_factory.mktemp("s23q") / "run"
    TextClassifier(TextClassifierConfig(**cfg)).fit(texts, ["pos"] * 8 + ["neg"] * 8, baselines=False).save(path)
    return path, TextClassifier.load(path)


def _count_tokenized(monkeypatch):
    """Every text the classifier's tokenizer reads, counted (a spy on ``_unit_tokens``)."""
    from toy_data import record_calls

    from rnnkit.tasks.classification import TextClassifier

    seen = []
    record_calls(monkeypatch, TextClassifier, "_unit_tokens", lambda args, out: seen.extend(args[1]))
    return seen


#: a known text, a text cut at max_len, one of unknown units alone, one with no token
QUERY = ["good film 1", "bad film " + "bad " * 20, "zebra quokka", "\u200b\u200b", "good zebra"]


def test_the_service_tokenizes_each_text_once(saved_classifier, monkeypatch):
    """Before: /predict of a classify run tokenized each text three times (predict_proba, no_token_rows,
    unknown_only_rows). Oracle: the three read one by one, outside the service, give the same labels, probabilities,
    "no_tokens", "unknown_only" and "truncated" flags."""
    from rnnkit.serve.services import ClassifierService
    from rnnkit.tasks.classify_unknown import unknown_only_rows

    path, model = saved_classifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proba = model.predict_proba(QUERY)
    empty, unknown = model.no_token_rows(QUERY), unknown_only_rows(model, QUERY)
    assert (empty, unknown) == ([3], [2])
    service = ClassifierService(path)
    seen = _count_tokenized(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = service.predict(list(QUERY))["predictions"]
    assert sorted(seen) == sorted(QUERY)           # each once (three times each before)
    assert [p["label"] for p in out] == [model.classes[i] for i in proba.argmax(1)]
    assert np.allclose([[p["probabilities"][c] for c in model.classes] for p in out], proba, atol=1e-6)
    assert [i for i, p in enumerate(out) if p.get("no_tokens")] == empty
    assert [i for i, p in enumerate(out) if p.get("unknown_only")] == unknown
    assert [p["truncated"] for p in out] == [False, True, False, False, False] and out[1]["tokens"] == 22
    seen.clear()
    service.predict(["good film 2"])               # another request: encoded afresh, nothing kept from the last
    assert seen == ["good film 2"] and getattr(service.model, "_once", None) is None


def test_classify_predict_tokenizes_each_line_once(saved_classifier, tmp_path, monkeypatch, capsys):
    """Before: `classify predict` tokenized each line twice (the probabilities, then the warning of the lines read as
    <unk> alone). Oracle: the model's own predict_proba and the warning's text as the lines give it."""
    from toy_data import run_cli

    path, model = saved_classifier
    lines = [q for q in QUERY if q.strip("\u200b")]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proba = model.predict_proba(lines)
    seen = _count_tokenized(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_cli(["classify", "predict", "--run", str(path), "--input", str(tmp_path / "in.txt"),
                                  "--json"], capsys)
    assert code == 0, err
    assert sorted(seen) == sorted(lines)           # each once (twice before)
    got = json.loads(out)
    assert got["predictions"] == [model.classes[i] for i in proba.argmax(1)]
    assert np.allclose([[p[c] for c in model.classes] for p in got["probabilities"]], proba, atol=1e-6)
    messages = [str(w.message) for w in caught]
    assert [m for m in messages if "never seen in training alone" in m] == [
        "1 of 4 input(s) are units never seen in training alone (words units), lines [3], e.g. 'zebra quokka': the "
        "network reads <unk> alone there, one guess for all of them"]
    assert [m[:40] for m in messages if "max_len" in m] == ["1 input(s) longer than the run's max_len"]   # once


def test_encodings_are_not_shared_outside_the_block_or_across_texts(saved_classifier, monkeypatch):
    """The shared encoding is a prediction's only: outside the block every call tokenizes; inside, another list of
    texts is encoded afresh (compared by value, not by identity); a block inside another shares the outer one's."""
    from rnnkit.tasks.classify_once import encoded_once

    _, model = saved_classifier
    seen = _count_tokenized(monkeypatch)
    model.predict(["good film 1"])
    model.no_token_rows(["good film 1"])
    assert len(seen) == 2
    seen.clear()
    with encoded_once(model):
        a = model.predict(["good film 1", "bad film 2"])
        with encoded_once(model):
            b = model.predict(["good film 1", "bad film 2"])
        c = model.predict(["bad film 2", "good film 1"])
        assert model.no_token_rows(["bad film 2", "good film 1"]) == []
    assert a == b == c[::-1] and seen == ["good film 1", "bad film 2", "bad film 2", "good film 1"]


# ---------------------------------------------------------------------------------------- --input: a header on evidence
@pytest.mark.parametrize("content, why", [
    ("I loved it,text\ngreat film\nawful, just awful, really\n",
     "the lines after it are not rows of its 2 fields (one reads as 1: 'great film')"),
    ("text,label\n", "no line follows it"),
])
def test_a_text_file_whose_first_line_looks_like_a_header_is_classified_with_a_warning(saved_classifier, tmp_path,
                                                                                        capsys, content, why):
    """Before (session 22): a plain text file whose first line reads like a CSV header naming the text column ('I loved
    it,text') was refused whole. Now the refusal needs rows of the header's fields after it; without them every line is
    classified (oracle: the model's own predictions of the lines) and the first line is warned about."""
    from toy_data import run_cli

    path, model = saved_classifier
    (tmp_path / "in.txt").write_text(content, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_cli(["classify", "predict", "--run", str(path), "--input", str(tmp_path / "in.txt"),
                                  "--json"], capsys)
    assert code == 0, err
    lines = content.splitlines()
    assert json.loads(out)["predictions"] == model.predict(lines)
    first = lines[0]
    assert [str(w.message) for w in caught if "CSV header" in str(w.message)] == [
        f"--input: line 1 {first!r} reads like a CSV header naming the run's text column 'text', but {why}: "
        "classified as a text like every line; a CSV file goes to --csv"]


def test_a_csv_file_with_rows_of_its_header_is_still_refused(saved_classifier, tmp_path, capsys):
    """The evidence: rows of the header's field count after it, a quoted text over two lines read as one row. Oracle:
    the same file read with --csv gives those rows."""
    from toy_data import run_cli

    path, _ = saved_classifier
    (tmp_path / "d.csv").write_text('label,text\npos,"good\nfilm 1"\nneg,"bad, bad film"\n', encoding="utf-8")
    code, out, err = run_cli(["classify", "predict", "--run", str(path), "--input", str(tmp_path / "d.csv")], capsys)
    assert code == 1 and out == ""
    assert "DataError: --input: expected one text a line, got a CSV header in line 1 'label,text'" in err
    code, out, err = run_cli(["classify", "predict", "--run", str(path), "--csv", str(tmp_path / "d.csv"), "--json"],
                             capsys)
    assert code == 0 and json.loads(out)["rows"] == [2, 3]


# ---------------------------------------------------------------------------------------- the linear members' n-grams
@pytest.mark.parametrize("kind", ["tfidf_logreg", "nb_logreg"])
def test_the_linear_members_read_nfd_and_bidi_marks_as_the_network_does(kind):
    """Before: the TF-IDF members' character n-grams were scikit-learn's, which normalise nothing (strip_accents=None,
    its default): a text typed decomposed (NFD: 'cafe' + U+0301, Korean syllables as jamo) or holding an RLM got other
    n-grams and other probabilities than the same text on screen in NFC, while the word tokens (and the network) read
    both alike. Oracle: the member's probabilities of the NFC text without the marks, and a fit on the NFD texts."""
    import unicodedata

    from rnnkit.tasks.classification import LINEAR

    pos = ["très bon café", "un café génial", "정말 좋은 영화", "좋은 배우 연기", "café crème délicieux"]
    neg = ["très mauvais pâté", "un pâté fade", "정말 나쁜 영화", "나쁜 배우 연기", "pâté froid raté"]
    texts, labels = (pos + neg) * 2, (["pos"] * 5 + ["neg"] * 5) * 2
    nfd = [unicodedata.normalize("NFD", t) for t in texts]
    model = LINEAR[kind](C=1.0).fit(texts, labels)
    query = ["bon café", "좋은 영화", "pâté raté"]
    odd = [unicodedata.normalize("NFD", q) for q in query] + ["\u200fbon\u202b café\u202c\u200f", "\u2067좋은\u2069 영화"]
    proba = lambda m, ts: m.proba_for(ts, ["neg", "pos"])   # noqa: E731
    want = proba(model, query + query[:2])
    assert [unicodedata.normalize("NFC", q) for q in odd[:3]] == query and odd[:3] != query
    assert np.allclose(proba(model, odd), want, atol=1e-12)
    assert np.allclose(proba(LINEAR[kind](C=1.0).fit(nfd, labels), query), want[:3], atol=1e-12)


# ---------------------------------------------------------------------------------------- a long text without spaces
def _unspaced_texts():
    """Texts the pieces cannot cut (no ASCII white space after the first characters), of hostile characters: cases
    and final sigma, NFD marks, bidi marks, ZWJ emoji, NBSP and ideographic spaces (white space to str.split, not to
    the cut), runs of them, a single character."""
    parts = ["ΟΔΟΣ", "cafe\u0301", "Straße", "\u200f", "👨\u200d👩\u200d👧", "\u00a0", "\u3000\u3000", "日本語", "İ",
             "a-b", "\u2067x\u2069", "ǅ", "\u2029"]
    return [" " + "".join(parts[(i * 5 + k) % len(parts)] for i in range(400)) for k in range(3)] + ["x", "\u00a0ab"]


@pytest.mark.parametrize("mode", ["char_wb", "char"])
@pytest.mark.parametrize("features, lowercase", [("word+char", True), ("char", True), ("char", False)])
def test_a_long_uncut_texts_char_ngrams_are_made_one_at_a_time_as_scikit_learn_makes_them(monkeypatch, mode, features,
                                                                                          lowercase):
    """Before: a text over 64 KiB that the pieces cannot cut (no ASCII white space: one long word, Chinese, base64;
    or 'char' n-grams) was analysed whole by scikit-learn's analyzer, a list of ~5 n-grams a character (a 1 MB line:
    +700 MB per member). Oracle: scikit-learn's own analyzer on the whole text (PIECE_CHARS above its length) -- the
    same terms in the same order; and scikit-learn's analyzer is never given the long text."""
    from rnnkit.tasks import classify_pieces
    from rnnkit.tasks.classify_linear import TfidfLogReg

    model = TfidfLogReg(features=features, lowercase=lowercase)
    model.char_mode = mode
    texts = _unspaced_texts()
    whole = {}
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
    for t in texts:
        whole[t] = list(model._analyze(t))
    given: list[int] = []
    chars = model._char_analyzer
    model._chars = lambda t: (given.append(len(t)), chars(t))[1]
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 1)
    for t in texts:
        assert list(model._analyze(t)) == whole[t], (mode, features, t[:20])
    assert max(given, default=0) <= 1   # no list of every n-gram of a text over PIECE_CHARS ("x" is not)
    given.clear()
    long = "abcdefghij" * 5_000 + "好" * 20_000
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 1 << 16)
    got = model._analyze(long)
    assert not isinstance(got, list)
    terms = list(got)
    assert given == []
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
    assert terms == list(model._analyze(long)) and given == [len(long)]


def test_a_long_uncut_text_is_scored_as_before(monkeypatch):
    """Oracle: the same fitted members reading the text whole through scikit-learn's analyzer, probabilities equal
    bit for bit."""
    from rnnkit.tasks import classify_pieces
    from rnnkit.tasks.classification import LINEAR

    texts = ["good movie", "bad film", "great fun", "awful plot", "good fun", "bad plot"] * 3
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 3
    long = ["goodfun" * 12_000, "糟糕" * 40_000 + "good", "bad film"]
    for cls in LINEAR.values():
        model = cls(C=1.0).fit(texts, labels)
        got = model.proba_for(long, ["neg", "pos"])
        with monkeypatch.context() as m:
            m.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
            assert np.array_equal(got, model.proba_for(long, ["neg", "pos"]))


# ---------------------------------------------------------------------------------------- tagger: bidi marks in tokens
def test_a_token_wrapped_in_bidi_marks_is_tagged_as_the_word_on_screen():
    """Before: the tagger read a token with bidi embeddings, isolates or an RLM ('\\u202bJosé\\u202c': text copied
    from a right-to-left page) as a word of its own -- unknown, characters never seen -- and tagged it as another word,
    silently, where the classifier's word tokenizer drops those marks. Oracle: the same tagger on the plain tokens;
    and a tagger fitted on marked tokens equals one fitted on the plain ones."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["Anna", "went", "to", "Berlin"], ["Otto", "saw", "Paris"], ["José", "visitó", "Málaga"]] * 4
    tags = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"], ["B-PER", "O", "B-LOC"]] * 4
    cfg = TaggerConfig(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=2, val_fraction=0.0, progress=False,
                       seed=3)
    plain = SequenceTagger(cfg).fit(sents, tags, baselines=False)
    query = [["José", "visitó", "Berlin"], ["Otto", "saw", "Málaga"]]
    marked = [["\u202bJosé\u202c", "visit\u200fó", "\u2067Berlin\u2069"], ["\u200eOtto", "saw\u200b", "Málaga\ufeff"]]
    assert plain.predict(marked) == plain.predict(query)
    marked_fit = SequenceTagger(cfg).fit([["\u200f" + w for w in s] for s in sents], tags, baselines=False)
    assert marked_fit.predict(query) == plain.predict(query)


# ---------------------------------------------------------------------------------------- full-width forms
def test_full_width_forms_of_known_words_are_warned_at_predict(saved_classifier, tmp_path, capsys):
    """Before: 'ＧＯＯＤ film' (a Japanese input method's full-width Latin letters) reached the network with
    'ＧＯＯＤ' as <unk>, silently, the run knowing 'good' (NFC keeps the width forms; scikit-learn's TfidfVectorizer too
    by default). Oracle: the words tokens of each line folded by NFKC by hand and looked up in the run's vocabulary;
    the predictions are those of the lines as given."""
    import unicodedata

    from toy_data import run_cli

    from rnnkit.data.vocab import tokenize
    from rnnkit.tasks.classify_unknown import width_form_rows

    path, model = saved_classifier
    lines = ["ＧＯＯＤ film", "good film", "ｚｅｂｒａ ｑｕｏｋｋａ", "ｂａｄ ｆｉｌｍ ２", "film！ ok"]
    by_hand = [i for i, t in enumerate(lines) if any(w not in model.vocab.index and
                                                     unicodedata.normalize("NFKC", w) in model.vocab.index
                                                     for w in tokenize(t, "words", True))]
    assert width_form_rows(model, lines) == by_hand == [0, 3]
    model.vocab.index["!"] = 1     # a mark alone is not named: Chinese text writes '！' and '!' alike
    try:
        assert width_form_rows(model, ["film！", "ＦＩＬＭ！"]) == [1]
    finally:
        del model.vocab.index["!"]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_cli(["classify", "predict", "--run", str(path), "--input", str(tmp_path / "in.txt"),
                                  "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["predictions"] == model.predict(lines)
    assert [str(w.message) for w in caught if "full-width" in str(w.message)] == [
        "2 of 5 input(s) hold full-width or half-width forms training never saw whose plain forms it knows (words "
        "units), lines [1, 4], e.g. 'ＧＯＯＤ film': the network reads <unk> there; write them as training did (NFKC "
        "folds them)"]


# ---------------------------------------------------------------------------------------- translate: one very long word
def test_a_long_unknown_word_is_analysed_in_linear_work_with_the_same_glosses():
    """Before: the lexicon tried every cut of an unknown word as a compound split, each a slice and a lower-cased
    lookup of the whole prefix: one word of 98,000 characters (a line without spaces given to translate predict) took
    56 s, one of 1 MB hours (quadratic). No known word is longer than the longest training word, so no split's first
    part is: the cuts stop there. Oracle: the same lexicon without the bound (every cut tried) -- the same analyses,
    glosses and phrases; and the lookups of a 20,000-character word are a few hundred, not ~100,000."""
    from rnnkit.tasks.seq2seq_lexicon import Lexicon

    table = {"Zeile": "line", "Abstand": "spacing", "Haus": "house", "Tür": "door", "Straße": "street",
             "İstanbul": "Istanbul", "Bewertung": "evaluation", "schön": "beautiful"}
    counts = {w: i + 1 for i, w in enumerate(table)}
    words = ["Zeilenabstand", "Haustür", "Straßenhaus", "Haustürabstand", "Zeilenabstandes", "istanbulhaus", "Hauses",
             "bewerten", "Schönheit", "Auto", "HausHausHausHaus", "Abstandzeile" * 3]
    bounded, every = Lexicon(table, counts), Lexicon(table, counts)
    every._longest = 10 ** 9
    for w in words:
        assert (bounded.analyse(w), bounded.gloss(w), bounded.phrase(w)) == \
               (every.analyse(w), every.gloss(w), every.phrase(w)), w
    assert bounded.phrase("Zeilenabstand") == "line spacing"
    seen = []
    known = bounded._known
    bounded._known = lambda w: (seen.append(len(w)), known(w))[1]
    long = "dasHausistgroß" * 1_500
    assert bounded.analyse(long) == [long] and bounded.gloss(long) == long
    assert len(seen) < 500 and max(seen) == len(long)      # the word itself, once; its prefixes up to a known length


def test_the_service_flags_full_width_forms_and_reads_other_texts_once(saved_classifier, monkeypatch):
    """Lead (Q's LEAD_NOW 1): /predict said nothing of a text whose full-width 'ＧＯＯＤ' reached the network as <unk>,
    where `classify predict` warns. Oracle: width_form_rows of the same texts; texts without such forms are still
    tokenized once by the request."""
    from rnnkit.serve.services import ClassifierService
    from rnnkit.tasks.classify_unknown import width_form_rows

    path, model = saved_classifier
    texts = ["ＧＯＯＤ film", "good film", "ｂａｄ ｆｉｌｍ ２", "zebra"]
    service, want = ClassifierService(path), width_form_rows(model, texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = service.predict(list(texts))["predictions"]
        seen = _count_tokenized(monkeypatch)
        again = service.predict(["good film", "bad film 1"])["predictions"]
    assert [i for i, p in enumerate(out) if p.get("width_forms")] == want == [0, 2]
    assert not any("width_forms" in p for p in again) and sorted(seen) == ["bad film 1", "good film"]
