"""The task contract (rnnkit.tasks.base) over every task: one parametrised set of checks.

For classify, tsc, tag, generate and translate alike: fit gives a network and its baselines; save/load
round-trips predictions, scores and baselines exactly, with the held-out split and the data's origin
recorded; gold labels unseen in training are scored as errors and counted (oracle: the metric recomputed
from the task's own predictions); bad inputs are typed errors naming the argument.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import pytest
import torch

from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.base import ClassifierTask, Task

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 8


@dataclass
class Case:
    """A task with tiny settings and data: ``train`` (inputs, targets), ``unseen`` (inputs, targets) whose
    gold holds ``n_unseen`` items never seen in training, and ``use(task)``, what must survive a save/load."""

    make: Callable[[], Task]
    train: tuple
    unseen: tuple
    n_unseen: int
    metric: str
    use: Callable[[Task], Any]
    bad_type: Any                     # predict(bad_type) -> InputTypeError
    other: str                        # another task's name (its loader must refuse this run)


def _classify() -> Case:
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful poor", "nice good", "poor bad"] * 5
    labels = ["pos", "neg", "pos", "neg"] * 5
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.2,
                               progress=False)
    return Case(lambda: TextClassifier(cfg), (texts, labels), (["good", "bad", "nice fine"], ["pos", "meh", "meh"]),
                2, "accuracy", lambda m: m.predict_proba(texts[:4]).tolist(), 7, "tag")


def _tsc() -> Case:
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32) for _ in range(16)]
    y = ["a", "b"] * 8
    cfg = TSCConfig(hidden_size=4, epochs=1, batch_size=8, val_fraction=0.25, progress=False)
    return Case(lambda: TimeSeriesClassifier(cfg), (X, y), (X[:3], ["a", "z", "z"]), 2, "accuracy",
                lambda m: m.predict_proba(X[:4]).tolist(), "not series", "classify")


def _tag() -> Case:
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents, tags = [["ka", "lo"], ["mi", "nu", "po"]] * 6, [["B-x", "O"], ["O", "O", "B-x"]] * 6
    cfg = TaggerConfig(word_dim=4, char_dim=4, char_hidden=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.2,
                       progress=False)
    return Case(lambda: SequenceTagger(cfg), (sents, tags), ([["ka", "lo"], ["mi"]], [["B-y", "O"], ["B-y"]]), 2,
                "token_accuracy", lambda m: m.predict(sents[:2]), ["ka", "lo"], "tsc")


def _generate() -> Case:
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    cfg = CharLMConfig(embed_dim=4, hidden_size=8, batch_size=2, bptt=5, chunks_per_round=2, rounds=2, progress=False)
    return Case(lambda: CharLM(cfg), (TEXT, None), ("the 東 cat Ж", None), 2, "bits_per_char",
                lambda m: [m.bits_per_char(TEXT[:60]), m.predict(["the", "a "], length=6, seed=3)], 12, "translate")


def _translate() -> Case:
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    src, tgt = ["one", "two", "three", "four"] * 6, ["un", "deux", "trois", "quatre"] * 6
    cfg = Seq2SeqConfig(embed_dim=4, enc_hidden=4, dec_hidden=8, epochs=1, batch_size=8, val_fraction=0.2, beam=1,
                        progress=False)
    return Case(lambda: Translator(cfg), (src, tgt), (["one", "two"], ["ün", "dëux"]), 2, "chrf",
                lambda m: m.predict(src[:3]), "one", "generate")


CASES = {"classify": _classify, "tsc": _tsc, "tag": _tag, "generate": _generate, "translate": _translate}
LOADERS = {"classify": "rnnkit.tasks.classification:TextClassifier", "tsc": "rnnkit.tasks.tsc:TimeSeriesClassifier",
           "tag": "rnnkit.tasks.tagging:SequenceTagger", "generate": "rnnkit.tasks.generation:CharLM",
           "translate": "rnnkit.tasks.seq2seq:Translator"}


def _fit(case: Case) -> Task:
    torch.manual_seed(0)
    inputs, targets = case.train
    task = case.make()
    return task.fit(inputs) if targets is None else task.fit(inputs, targets)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """name -> (case, fitted task, saved run folder), built once."""
    made = {}

    def get(name):
        if name not in made:
            case = CASES[name]()
            task = _fit(case)
            run = task.save(tmp_path_factory.mktemp(name) / "run", data={"dataset": "demo"},
                            split={"test": {"rule": "random", "items": [0, 2]}})
            made[name] = (case, task, run)
        return made[name]

    return get


def _evaluate(task: Task, case: Case) -> dict:
    inputs, targets = case.unseen
    return task.evaluate(inputs) if targets is None else task.evaluate(inputs, targets)


@pytest.mark.parametrize("name", list(CASES))
def test_fit_gives_network_and_baselines(fitted, name):
    case, task, _ = fitted(name)
    assert isinstance(task, Task) and task.net is not None and set(task.baselines) == set(task.default_baselines())
    assert isinstance(task.history.get("seconds"), float) and task.epoch_log and "epoch" in task.epoch_log[0]
    none = case.make()
    inputs, targets = case.train
    none.fit(inputs, baselines=False) if targets is None else none.fit(inputs, targets, baselines=False)
    assert none.baselines == {} and "baselines" not in _evaluate(none, case)


@pytest.mark.parametrize("name", list(CASES))
def test_save_load_round_trip(fitted, name):
    case, task, run = fitted(name)
    again = type(task).load(run)
    assert case.use(again) == case.use(task)
    assert _evaluate(again, case) == _evaluate(task, case)  # network and every baseline alike
    assert list(again.baselines) == list(task.baselines) and again.config == replace(task.config, progress=False)
    assert again.data == {"dataset": "demo"} and again.split["test"] == {"rule": "random", "items": [0, 2]}
    assert again.split.get("validation") == task.split.get("validation")
    listed = set(json.loads((run / "digests.json").read_text())["sha256"])
    assert listed == {p.name for p in run.iterdir()} - {"digests.json"}
    assert {"config.json", "model.safetensors", "baseline.json", "split.json", "metrics.jsonl"} <= listed
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [r["epoch"] for r in task.epoch_log]


@pytest.mark.parametrize("name", list(CASES))
def test_unseen_gold_labels_are_scored_as_errors_and_counted(fitted, name):
    case, task, _ = fitted(name)
    m = _evaluate(task, case)
    assert m["unseen_labels"] == case.n_unseen and m["unseen_label_names"]
    for base in m["baselines"].values():  # the baselines are scored on the same items
        assert case.metric in base
    inputs, targets = case.unseen
    if isinstance(task, ClassifierTask) or name == "tag":  # oracle: the metric from the task's own predictions
        pred = task.predict(inputs)
        flat_t = [t for s in targets for t in s] if name == "tag" else targets
        flat_p = [t for s in pred for t in s] if name == "tag" else pred
        known = set(task.classes if name != "tag" else task.tags.tokens)
        assert all(p != t for p, t in zip(flat_p, flat_t) if t not in known)      # never right on an unseen label
        assert m[case.metric] == pytest.approx(np.mean([p == t for p, t in zip(flat_p, flat_t)]))
    elif name == "generate":  # unseen characters are read as <unk> and scored
        assert m["chars_scored"] == len(inputs) - 1 and m["unknown_chars"] == case.n_unseen


@pytest.mark.parametrize("name", list(CASES))
def test_bad_inputs_are_typed_errors(fitted, name):
    case, task, run = fitted(name)
    with pytest.raises(InputTypeError):
        task.predict(case.bad_type)
    if name != "generate":
        with pytest.raises(DataError):
            task.predict([])
        inputs, targets = case.train
        with pytest.raises(DataError, match=r"expected one"):
            case.make().fit(inputs, targets[:-1])
        with pytest.raises(DataError):
            task.evaluate(inputs[:2], targets[:1])
    else:
        with pytest.raises(DataError, match="non-empty"):
            task.evaluate("   ")
    with pytest.raises(ConfigError, match="unfitted"):
        case.make().evaluate(*[x for x in case.unseen if x is not None])
    with pytest.raises(ConfigError, match="unfitted"):
        case.make().save(run.parent / "never")
    module, _, cls = LOADERS[case.other].partition(":")
    other = getattr(__import__(module, fromlist=[cls]), cls)
    with pytest.raises(CheckpointError, match=rf"expected a '{other.name}' run folder, got a '{name}' run"):
        other.load(run)
