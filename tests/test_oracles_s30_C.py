"""Session 30, helper C: every figure rnnkit prints against an independent implementation, on ordinary and edge
inputs. The oracles are scikit-learn, sacrebleu and statsmodels called directly, the published definitions
written here from their sources (conlleval / seqeval's default chunk rules, Witten-Bell interpolation by direct
dictionary counts, Hyndman & Koehler's MASE, Gneiting & Raftery's CRPS of a normal), never numbers copied.
Tolerances: float64 rounding (1e-9 relative) where both sides compute the same formula; the quantile-grid
approximation error where CRPS is integrated from 999 quantiles (below 0.5%)."""

from __future__ import annotations

import math
import random
import warnings
from collections import Counter, defaultdict
from statistics import NormalDist

import numpy as np
import pytest

from rnnkit.tasks.common import accuracy, bio_spans, classification_metrics, entity_prf, macro_f1
from rnnkit.tasks.forecasting.metrics import mae, mase, rmse, smape
from rnnkit.tasks.forecasting.probabilistic import crps_from_quantiles
from rnnkit.tasks.generation.ngram import NGramCharModel
from rnnkit.tasks.seq2seq_mbr import sentence_chrf


# ----------------------------------------------------------------------------- the char n-gram baseline
def _witten_bell_bits(train: str, test: str, order: int, min_freq: int = 1) -> float:
    """Interpolated Witten-Bell bits/char by direct dictionary counts: ``P(c|h) = (C(hc) + T(h) P(c|h')) /
    (C(h) + T(h))``, uniform over the vocabulary (``<unk>`` included) below the empty context; a context never
    followed by anything leaves the shorter context's probability; contexts at the start are as long as the text
    before. Characters seen fewer than ``min_freq`` times are one ``<unk>``."""
    freq = Counter(train)
    vocab = {c for c, k in freq.items() if k >= min_freq}
    unk = object()
    tr = [c if c in vocab else unk for c in train]
    te = [c if c in vocab else unk for c in test]
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for n in range(order):                      # contexts of n characters
        for i in range(n, len(tr)):
            counts[tuple(tr[i - n:i])][tr[i]] += 1
    bits = 0.0
    for t in range(1, len(te)):
        p = 1.0 / (len(vocab) + 1)
        for n in range(min(order - 1, t) + 1):
            h = tuple(te[t - n:t])
            if h not in counts:
                break
            p = (counts[h][te[t]] + len(counts[h]) * p) / (sum(counts[h].values()) + len(counts[h]))
        bits -= math.log2(p)
    return bits / (len(te) - 1)


def test_ngram_bits_per_char_is_the_witten_bell_count_also_on_a_text_shorter_than_the_order():
    # at 8119a0d a training text of fewer characters than the order (8 characters, --baseline-order 8; 'aca' at
    # order 5) was numpy's bare ValueError 'need at least one array to concatenate' (rnnkit generate train exit 1)
    rng = random.Random(4)
    cases = [("aca", "zxz", 5, 1), ("bba", "bxzxzx", 4, 3), ("abcabca", "abcab", 8, 1), ("ab", "ba", 3, 1)]
    for _ in range(150):
        alpha = "abcde é\n"[: rng.randint(2, 9)]
        cases.append(("".join(rng.choice(alpha) for _ in range(rng.randint(1, 40))),
                      "".join(rng.choice(alpha + "xz") for _ in range(rng.randint(2, 20))),
                      rng.randint(1, 6), rng.choice([1, 1, 2])))
    for train, test, order, mf in cases:
        if not test.strip():
            continue
        got = NGramCharModel(order, mf).fit(train).bits_per_char(test)
        assert got == pytest.approx(_witten_bell_bits(train, test, order, mf), rel=1e-9, abs=1e-12), \
            (train, test, order, mf)


def test_ngram_fitted_on_a_text_shorter_than_the_order_saves_and_loads():
    m = NGramCharModel(6).fit("abca")
    back = NGramCharModel.from_state(m.state())
    assert back.bits_per_char("abcab") == m.bits_per_char("abcab") == pytest.approx(
        _witten_bell_bits("abca", "abcab", 6), rel=1e-9)


# ----------------------------------------------------------------------------- classification metrics
def test_accuracy_and_macro_f1_are_scikit_learns():
    from sklearn.metrics import accuracy_score, f1_score

    rng = random.Random(0)
    for _ in range(150):
        labs = list("abcde")[: rng.randint(1, 5)]
        n = rng.randint(1, 8)
        yt, yp = [rng.choice(labs) for _ in range(n)], [rng.choice(labs) for _ in range(n)]
        assert accuracy(yt, yp) == pytest.approx(accuracy_score(yt, yp), abs=1e-12)
        assert macro_f1(yt, yp) == pytest.approx(f1_score(yt, yp, average="macro", zero_division=0), abs=1e-12)
        # the model's classes, one of them absent from truth and prediction: left out of the mean, which is
        # scikit-learn's zero_division=nan (its default, 0, would count it as an F1 of 0)
        known = labs + ["z"]
        m = classification_metrics(yt, yp, known)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = f1_score(yt, yp, labels=m["labels"], average="macro", zero_division=np.nan)
        assert m["macro_f1"] == pytest.approx(want, abs=1e-12)


# ----------------------------------------------------------------------------- entity P/R/F1
def _chunk_end(prev_tag: str, tag: str, prev_type: str, typ: str) -> bool:
    """conlleval's endOfChunk with seqeval's S- additions (its default mode): does the chunk before end here."""
    return (prev_tag in ("E", "S") or (prev_tag in ("B", "I") and tag in ("B", "S", "O"))
            or (prev_tag != "O" and prev_type != typ))


def _chunk_start(prev_tag: str, tag: str, prev_type: str, typ: str) -> bool:
    """conlleval's startOfChunk with seqeval's S- additions (its default mode): does a chunk start here."""
    return (tag in ("B", "S") or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
            or (tag != "O" and prev_type != typ))


def _conll_chunks(tags: list[str]) -> set[tuple[str, int, int]]:
    out, start, prev_tag, prev_type = set(), None, "O", ""
    for i, t in enumerate(tags + ["O"]):
        tag, _, typ = t.partition("-") if t != "O" else ("O", "", "")
        if start is not None and _chunk_end(prev_tag, tag, prev_type, typ):
            out.add((prev_type, start, i))
            start = None
        if _chunk_start(prev_tag, tag, prev_type, typ):
            start = i
        prev_tag, prev_type = tag, typ
    return out


def test_entity_prf_is_the_conll_chunk_count_on_bio_iob1_and_iobes():
    rng = random.Random(1)
    tags = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"]
    for scheme in (tags[:3] + tags[5:7], tags):         # BIO / IOB1 (I-X opens after O), then IOBES mixed in
        for _ in range(300):
            true, pred = [], []
            for _ in range(rng.randint(1, 4)):
                n = rng.randint(1, 7)
                true.append([rng.choice(scheme) for _ in range(n)])
                pred.append([rng.choice(scheme) for _ in range(n)])
            tp = sum(len(_conll_chunks(t) & _conll_chunks(p)) for t, p in zip(true, pred))
            n_true = sum(len(_conll_chunks(t)) for t in true)
            n_pred = sum(len(_conll_chunks(p)) for p in pred)
            prec, rec = (tp / n_pred if n_pred else 0.0), (tp / n_true if n_true else 0.0)
            got = entity_prf(true, pred)
            assert got["entity_precision"] == pytest.approx(prec, abs=1e-12), (true, pred)
            assert got["entity_recall"] == pytest.approx(rec, abs=1e-12), (true, pred)
            assert got["entity_f1"] == pytest.approx(2 * prec * rec / (prec + rec) if prec + rec else 0.0, abs=1e-12)


# ----------------------------------------------------------------------------- chrF for MBR
def test_sentence_chrf_is_sacrebleus_on_whitespace_unicode_and_empty_texts():
    import sacrebleu

    rng = random.Random(2)
    alpha = list("ab c") + ["é", "e\u0301", "\u00a0", "\t", "\u3000", "日", "\n", "\u200b", "\x85"]
    pairs = [("", ""), ("", "a"), ("a", ""), ("   ", " "), ("ab", "ab ")]
    pairs += [("".join(rng.choice(alpha) for _ in range(rng.randint(0, 9))),
               "".join(rng.choice(alpha) for _ in range(rng.randint(0, 9)))) for _ in range(2000)]
    for h, r in pairs:
        assert sentence_chrf(h, r) == pytest.approx(sacrebleu.sentence_chrf(h, [r]).score, abs=1e-9), (h, r)


# ----------------------------------------------------------------------------- point and quantile forecast scores
def test_point_metrics_are_the_papers_formulas():
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(300):
            n, T, m = int(rng.integers(1, 8)), int(rng.integers(2, 30)), int(rng.integers(1, 14))
            y, f = np.round(rng.normal(size=n) * 3), np.round(rng.normal(size=n) * 3)
            if rng.random() < 0.3:
                y[:] = 0.0
                f[0] = 0.0                                   # 0/0 terms of sMAPE: 0 (M4)
            train = np.round(rng.normal(size=T) * 5)
            lag = m if T > m else 1                          # Hyndman & Koehler; naive where no season fits
            scale = np.mean(np.abs(train[lag:] - train[:-lag]))
            denom = np.abs(y) + np.abs(f)
            terms = np.divide(2 * np.abs(y - f), denom, out=np.zeros(n), where=denom > 0)
            assert mae(y, f) == pytest.approx(mean_absolute_error(y, f), rel=1e-12)
            assert rmse(y, f) == pytest.approx(math.sqrt(mean_squared_error(y, f)), rel=1e-12)
            assert smape(y, f) == pytest.approx(100 * terms.mean(), rel=1e-12, abs=1e-12)
            got = mase(y, f, train, m)
            assert (math.isnan(got) and scale == 0) or got == pytest.approx(mean_absolute_error(y, f) / scale, rel=1e-12)


def test_mase_warning_names_the_lag_it_scaled_by():
    # at 8119a0d a training part no longer than the period (scaled at lag 1) was said to repeat itself at 'lag 12'
    with pytest.warns(RuntimeWarning, match=r"\(lag 1\)"):
        assert math.isnan(mase([1.0], [2.0], [5.0, 5.0, 5.0], period=12))
    with pytest.warns(RuntimeWarning, match=r"\(lag 4\)"):
        assert math.isnan(mase([1.0], [2.0], [1.0, 2.0, 3.0, 4.0] * 3, period=4))


def test_crps_from_a_fine_quantile_grid_is_the_closed_form_crps_of_a_normal():
    levels = np.arange(1, 1000) / 1000
    for mu, sd, y in ((0.0, 1.0, 0.3), (2.0, 0.5, -1.0), (0.0, 3.0, 7.0)):
        q = np.array([[NormalDist(mu, sd).inv_cdf(float(t)) for t in levels]])
        z = (y - mu) / sd                                  # Gneiting & Raftery (2007), eq. (21)
        closed = sd * (z * (2 * NormalDist().cdf(z) - 1) + 2 * NormalDist().pdf(z) - 1 / math.sqrt(math.pi))
        assert crps_from_quantiles(np.array([y]), q, levels) == pytest.approx(closed, rel=5e-3)


# ----------------------------------------------------------------------------- the baselines we print beside our models
def test_tfidf_logreg_is_scikit_learns_tfidf_and_logistic_regression_with_its_c():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from rnnkit.tasks.classify_linear import TfidfLogReg

    rng = random.Random(3)
    words = {"p": "good great love fine".split(), "n": "bad awful hate poor".split(), "": "the a is was it".split()}
    texts, labels = [], []
    for _ in range(160):
        lab = rng.choice("pn")
        texts.append(" ".join(rng.choice(words[lab] + words[""]) for _ in range(rng.randint(2, 7))))
        labels.append(lab)
    for C in (None, 0.5):
        m = TfidfLogReg(C=C).fit(texts[:120], labels[:120])
        vec = TfidfVectorizer(analyzer=m._analyze, min_df=2, sublinear_tf=True)
        lr = LogisticRegression(C=m.C, max_iter=2000).fit(vec.fit_transform(texts[:120]), labels[:120])
        assert set(vec.vocabulary_) == set(m.vocabulary)
        np.testing.assert_allclose(m.proba_for(texts[120:], list(lr.classes_)),
                                   lr.predict_proba(vec.transform(texts[120:])), atol=1e-9)


def test_one_nn_euclidean_is_scikit_learns_nearest_neighbour_on_equal_lengths():
    from sklearn.neighbors import KNeighborsClassifier

    from rnnkit.tasks.tsc import OneNNEuclidean

    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 40)).cumsum(1) * 30 + 500          # one channel: its standardisation keeps the order
    y = [str(v) for v in rng.integers(0, 3, 60)]
    ours = OneNNEuclidean().fit([x[:, None] for x in X[:40]], y[:40]).predict([x[:, None] for x in X[40:]])
    want = KNeighborsClassifier(1, algorithm="brute").fit(X[:40], y[:40]).predict(X[40:])
    assert ours == list(want)


def test_ets_and_theta_are_statsmodels_called_directly():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from rnnkit.tasks.forecasting.baselines import unit_scale
    from rnnkit.tasks.forecasting.statistical import ets_auto, theta

    rng = np.random.default_rng(0)
    t = np.arange(48.0)
    y = 100 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=48)
    H, m = 6, 12
    u = unit_scale(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [ETSModel(y / u, error="add", trend="add", damped_trend=True, seasonal=s,
                         seasonal_periods=m if s else None).fit(disp=False) for s in (None, "add", "mul")]
        best = min(fits, key=lambda f: f.aicc)
        np.testing.assert_allclose(ets_auto(y, H, m), np.asarray(best.forecast(H)) * u, rtol=1e-10)
        want = ThetaModel(y, period=m, deseasonalize=True, method="auto").fit().forecast(H)
    np.testing.assert_allclose(theta(y, H, m), np.asarray(want), rtol=1e-6)


def test_tagging_metrics_keep_entity_scores_when_a_gold_tag_is_outside_the_scheme():
    # at 8119a0d one typo in a BIO test file ('B_PER'; rnnkit tag evaluate --conll) dropped entity P/R/F1 from the
    # scores of a model trained on BIO tags, silently (only the unseen-label note): token accuracy alone
    from rnnkit.tasks.tagging import tagging_metrics

    true = [["B-PER", "I-PER", "O"], ["B_PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC", "I-LOC"]]
    pred = [["B-PER", "I-PER", "O"], ["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC", "O"]]
    m = tagging_metrics(true, pred, known=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])
    tp = sum(len(_conll_chunks(t) & _conll_chunks(p)) for t, p in zip(true, pred))
    prec = tp / sum(len(_conll_chunks(p)) for p in pred)
    rec = tp / sum(len(_conll_chunks(t)) for t in true)
    assert (m["entity_precision"], m["entity_recall"]) == pytest.approx((prec, rec), abs=1e-12)
    assert m["unseen_labels"] == 1 and m["unseen_label_names"] == ["B_PER"]
    # a model of POS tags scored on POS tags: token accuracy alone, as before
    assert tagging_metrics([["NOUN", "VERB"]], [["NOUN", "NOUN"]], known=["NOUN", "VERB"]) == {
        "token_accuracy": 0.5, "unseen_labels": 0, "unseen_label_names": []}


def test_label_metrics_refuse_what_scikit_learn_refuses_instead_of_a_silent_or_bare_failure():
    # at 8119a0d: class numbers against class names scored accuracy 0.0 silently (scikit-learn: 'Mix of label input
    # types'); a set was scored in hash order; None, a number, a 2-D array or nested lists were bare TypeErrors /
    # numpy's 'truth value ... ambiguous'; macro-F1 of labels 'a' and 1 was sorted()'s bare TypeError
    from sklearn.metrics import accuracy_score

    from rnnkit.errors import DataError, InputTypeError

    with pytest.raises(ValueError):
        accuracy_score(["pos", "neg"], [0, 1])
    with pytest.raises(DataError, match=r"y_pred\[0\]: expected labels of the kind of y_true \(text\), got int 0"):
        accuracy(["pos", "neg"], [0, 1])
    with pytest.raises(DataError, match=r"y_pred\[1\]: .*\(number\), got str 'b'"):
        macro_f1([0, 1], [0, "b"])
    for bad, got in ((None, "NoneType"), (3, "int"), ({"a", "b"}, "a set"),
                     ({"a": 0, "b": 1}, "a dict")):
        with pytest.raises(InputTypeError, match=f"y_true: expected a list of labels.*got {got}"):
            accuracy(bad, ["a", "b"])
    with pytest.raises(InputTypeError, match=r"y_pred\[0\]: expected a label \(a str or a number\), got ndarray"):
        macro_f1(["a", "b"], np.array([["a", "b"], ["a", "b"]]))
    with pytest.raises(InputTypeError, match=r"y_true\[0\]: expected a label .*got list"):
        classification_metrics([["a"], ["b"]], ["a", "b"], ["a", "b"])
    with pytest.raises(InputTypeError, match=r"pred_seqs\[0\]: expected a list of tags, got NoneType"):
        entity_prf([["O"]], [None])
    assert macro_f1(["a", 1, 1], ["a", 1, "a"]) == pytest.approx((2 / 3 + 2 / 3) / 2)   # labels of two kinds, named
    assert accuracy({"x": "a", "y": "b"}.values(), ["a", "c"]) == 0.5                   # a sized view: read in order
    assert accuracy((v for v in "ab"), ["a", "c"]) == 0.5                                # a generator: read once
    assert sorted(bio_spans(t for t in ["B-X", "I-X"])) == [("X", 0, 2)]                # as at 8119a0d
    assert macro_f1(["a", "b"], ["a", "b"], labels=(v for v in "ab")) == 1.0
