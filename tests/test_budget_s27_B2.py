"""Session 27, helper B2: the LR schedules timed by ``max_seconds`` follow the limit that ends first, and every
task's network says when the budget was spent before its training (one helper, ``task_parts.network_budget``)."""
from __future__ import annotations

import json
import random
import warnings

import pytest

from rnnkit.data.translation import num2words_pairs
from rnnkit.tasks import task_parts
from rnnkit.tasks.generation import CharLM, CharLMConfig
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
from rnnkit.training.callbacks import WarmupCosine, control, warmup_cosine_lr

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

LM = dict(embed_dim=8, hidden_size=24, batch_size=4, bptt=10, chunks_per_round=5, rounds=4, lr=1e-2, progress=False)
TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 12
POINTER = dict(model="dict-pointer", epochs=3, batch_size=16, val_fraction=0.0, progress=False)
TAG = dict(word_dim=8, char_dim=8, char_hidden=8, hidden_size=12, epochs=2, batch_size=16, val_fraction=0.0,
           progress=False)


class _Steps:
    global_step = 0


def test_warmup_cosine_follows_the_limit_that_ends_first(monkeypatch):
    """Both limits given: ``frac`` is the larger share. A deadline of 1e300 s beside 10 steps (``--max-seconds
    1e300``, valid) held every step in the warm-up at 5% of the LR; a deadline of 10 s beside 1e9 steps decays by
    the clock. (Both at once were a ConfigError 'exactly one' at 9a58fdf, so the tasks passed the deadline alone.)"""
    monkeypatch.setattr(control.time, "perf_counter", lambda: 100.0)
    steps = WarmupCosine(10, deadline_seconds=1e300, warmup=0.1, lr=1.0, start=100.0)
    trainer = _Steps()
    for s in range(11):
        trainer.global_step = s
        assert steps.lr_at(steps.frac(trainer)) == pytest.approx(warmup_cosine_lr(1.0, s / 10, 0.1), abs=1e-12)
    assert steps.lr_at(steps.frac(trainer)) == 0.0                      # decayed at the last step
    clock = WarmupCosine(10**9, deadline_seconds=10.0, warmup=0.1, lr=1.0, start=100.0)
    trainer.global_step = 3
    for now in (100.5, 105.5, 110.0):
        monkeypatch.setattr(control.time, "perf_counter", lambda now=now: now)
        assert clock.lr_at(clock.frac(trainer)) == pytest.approx(warmup_cosine_lr(1.0, (now - 100) / 10, 0.1))
    assert clock.state_dict()["total_steps"] == 10**9 and clock.state_dict()["deadline_seconds"] == 10.0


def test_generate_cosine_with_a_far_budget_decays_over_its_rounds():
    """``generate train --schedule cosine --max-seconds 1e300``: the LR warmed up over 3e298 s, every step at
    ~5% of --lr, silently; now it follows the rounds' steps as without a budget (same LRs)."""
    cfg = dict(LM, rounds=3, schedule="cosine", warmup=0.1)
    far = CharLM(CharLMConfig(**cfg, max_seconds=1e300)).fit(TEXT, baselines=False)
    free = CharLM(CharLMConfig(**cfg)).fit(TEXT, baselines=False)
    lrs = [r["lr"] for r in far.history["curve"]]
    assert lrs == pytest.approx([r["lr"] for r in free.history["curve"]], rel=1e-9)
    assert lrs[-1] < 0.03 * cfg["lr"] and max(lrs) > 0.5 * cfg["lr"]     # the 5% floor of the warm-up once


def _pairs(n):
    pairs = num2words_pairs(n, seed=0, max_number=999)
    return [s for s, _ in pairs], [t for _, t in pairs]


def test_translate_warmup_with_a_far_budget_is_a_share_of_its_epochs():
    """dict-pointer's --warmup ('share of the budget'): with --max-seconds 1e300 every step ran at 5% of --lr."""
    src, tgt = _pairs(48)
    far = Translator(Seq2SeqConfig(**POINTER, max_seconds=1e300)).fit(src, tgt, baselines=False)
    free = Translator(Seq2SeqConfig(**POINTER)).fit(src, tgt, baselines=False)
    lrs = [r["lr"] for r in far.epoch_log]
    assert lrs == pytest.approx([r["lr"] for r in free.epoch_log], rel=1e-9)
    assert lrs[-1] < 0.04 * far.config.lr and max(lrs) > 0.5 * far.config.lr   # 5% (warm-up) once


def test_an_ensemble_member_after_a_spent_budget_is_said_not_refused():
    """translate dict-pointer --ensemble 2 whose budget was spent before member 2 (by the preparation, or by member
    1 overrunning its share by a validation) gave member 2 a negative deadline: ConfigError 'deadline_seconds:
    expected a number in (0.0, inf)' after member 1's training (lost work). Now each member is said and takes one
    step."""
    src, tgt = _pairs(40)
    cfg = Seq2SeqConfig(**{**POINTER, "ensemble": 2, "max_seconds": 1e-3})
    with pytest.warns(UserWarning, match=r"spent by the ensemble's members before it; the ensemble's member 2 of 2's "
                                         r"training is cut short: it trains one optimizer step"):
        tr = Translator(cfg).fit(src, tgt, baselines=False)
    assert tr.history["budget"]["skipped"] == ["the ensemble's member 1 of 2's training",
                                               "the ensemble's member 2 of 2's training"]
    assert [m["stop_reason"] for m in tr.history["members"]] == ["max_seconds", "max_seconds"]


def _tagged(n):
    rng = random.Random(0)
    sents = [[rng.choice(["ka", "lo", "Mi", "7"]) for _ in range(rng.randint(2, 6))] for _ in range(n)]
    return sents, [["B-num" if w.isdigit() else "B-name" if w[0].isupper() else "O" for w in s] for s in sents]


SPENT = (r"^max_seconds: the budget of 1e\+06 s was spent by the preparation before it \(units, vocabularies, "
         r"encoding\); the network's training is cut short: the data's preparation took [0-9.]+ s; it trains one "
         r"optimizer step")


@pytest.mark.parametrize("task", ["tag", "generate", "translate"])
def test_a_budget_spent_before_training_is_said_by_every_task(monkeypatch, task):
    """``tag train --dataset pku-pos --max-seconds 15`` spent 31 s preparing its data, trained one optimizer step
    and reported 0.065 token accuracy as the run's, no word said; the LM and the translator computed the same
    1 ms budget themselves. The classifier's check (network_budget) now runs for each."""
    def fit(max_seconds):
        if task == "tag":
            sents, tags = _tagged(40)
            return SequenceTagger(TaggerConfig(**TAG, max_seconds=max_seconds)).fit(sents, tags, baselines=False)
        if task == "generate":
            return CharLM(CharLMConfig(**LM, max_seconds=max_seconds)).fit(TEXT, baselines=False)
        return Translator(Seq2SeqConfig(**POINTER, max_seconds=max_seconds)).fit(*_pairs(30), baselines=False)

    monkeypatch.setattr(task_parts, "budget_spent", lambda start, max_seconds: max_seconds is not None)
    with pytest.warns(UserWarning, match=SPENT):
        run = fit(1e6)
    assert run.history["budget"] == {"max_seconds": 1e6, "skipped": ["the network's training"]}
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert "budget" not in fit(1e6).history                          # a budget left: no word


def test_train_says_what_its_budget_does_not_bound_and_what_it_cut(tmp_path, capsys):
    """``translate train --max-seconds 20`` ran 88 s (~55 s beam-scoring 1,961 held-out pairs) with no word, and
    ``train --json`` left out ``history["budget"]`` (what the budget cut: only in the run's config.json)."""
    from rnnkit.cli.main import main

    src, tgt = _pairs(60)
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in zip(src, tgt)), encoding="utf-8")
    args = ["translate", "train", "--tsv", str(tmp_path / "p.tsv"), "--epochs", "1", "--batch-size", "8", "--beam",
            "1", "--test-fraction", "0.2", "--threads", "1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*args, "--max-seconds", "0.001", "--out", str(tmp_path / "a"), "--json"]) == 0
    out, err = capsys.readouterr()
    assert ("rnnkit translate: note: --max-seconds 0.001 bounds the fit (data preparation and training); fitting the "
            "baselines, scoring the 12 held-out items and saving the run come after it, outside the budget") in err
    assert json.loads(out)["budget"] == {"max_seconds": 0.001, "skipped": ["the network's training"]}
    assert main([*args, "--max-seconds", "1e6", "--out", str(tmp_path / "b"), "--json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "note: --max-seconds" not in err and "budget" not in json.loads(out)     # --quiet; nothing cut


def test_the_note_counts_generates_held_out_text_in_characters(capsys):
    from rnnkit.cli.train_budget import note_unbounded
    from rnnkit.tasks.generation import CharLMConfig

    note_unbounded("generate", CharLMConfig(max_seconds=5.0), CharLM, "x" * 1234, quiet=False)
    note_unbounded("generate", CharLMConfig(max_seconds=5.0), CharLM, "", quiet=False)
    assert capsys.readouterr().err.splitlines() == [
        "rnnkit generate: note: --max-seconds 5 bounds the fit (data preparation and training); fitting the baselines, "
        "scoring the 1,234 held-out characters and saving the run come after it, outside the budget",
        "rnnkit generate: note: --max-seconds 5 bounds the fit (data preparation and training); fitting the baselines "
        "and saving the run come after it, outside the budget"]


def test_ensemble_members_share_the_budget(monkeypatch):
    """One rule for networks trained one after the other (task_parts.member_budget): the first counts from the
    fit's start, each gets an equal share of what is left when it starts; a share spent before a member is said by
    its name. Fake clock (seconds), no timing."""
    from types import SimpleNamespace

    now = [3.0]
    monkeypatch.setattr(task_parts.time, "perf_counter", lambda: now[0])
    task = SimpleNamespace(config=SimpleNamespace(max_seconds=30.0), history={})
    assert task_parts.member_budget(task, 0.0, 0, 3) == (0.0, 12.0, 9.0)     # 3 s of preparation + 27 / 3
    now[0] = 12.0
    assert task_parts.member_budget(task, 0.0, 1, 3) == (12.0, 9.0, 9.0)     # 18 s left, two members
    now[0] = 31.0                                                            # member 2 overran its share
    with pytest.warns(UserWarning, match=r"spent by the ensemble's members before it; the ensemble's member 3 of 3's "
                                         r"training is cut short: it trains one optimizer step"):
        assert task_parts.member_budget(task, 0.0, 2, 3) == (31.0, -1.0, 1e-3)
    assert task.history["budget"]["skipped"] == ["the ensemble's member 3 of 3's training"]


def test_classify_seeds_split_the_budget_not_one_step_for_all_but_the_first(monkeypatch):
    """``classify train --seeds 3 --max-seconds S``: member 1 took the whole budget, members 2 and 3 trained one
    optimizer step each (averaged into the predictions), said as 'the data's preparation took S s' twice. Now each
    member has its share and is named when its share is spent."""
    from test_budget_s27_B import CLASSIFY_FAST, _texts
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    monkeypatch.setattr(task_parts, "budget_spent", lambda start, max_seconds: max_seconds is not None)
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 2, "seeds": 3, "max_seconds": 1e6})
    with pytest.warns(UserWarning, match="the ensemble's member 3 of 3's training is cut short"):
        clf = TextClassifier(cfg).fit(*_texts(), baselines=False)
    assert clf.history["budget"]["skipped"] == [f"the ensemble's member {j} of 3's training" for j in (1, 2, 3)]
