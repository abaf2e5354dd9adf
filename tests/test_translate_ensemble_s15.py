"""The dict-pointer ensemble (``Seq2SeqConfig(ensemble=n)``, session 15): the search's mean of the members'
distributions (:class:`MeanStepper`) against the distributions computed here, the members against single networks
fitted in the same test (member 0 is the single network of the same seed), the saved run's round trip, and the
typed errors of the new setting. Each test fails on the code before (no ``MeanStepper``, no ``ensemble`` field)."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_pointer import PointerEnsemble
from rnnkit.tasks.seq2seq_search import MeanStepper, beam_search, greedy_search

from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

pytestmark = pytest.mark.usefixtures("one_thread_module")

S, T, CFG = PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST


class _Fixed:
    """A stepper whose next-token distribution is always ``probs`` (tokens: 0 <s>, 1 </s>, 2 x, 3 y, 4 z)."""

    def __init__(self, probs):
        self.logp = torch.tensor(probs).log()
        self.rows = 1

    def step(self, prev):
        return self.logp.expand(prev.shape[0], -1).clone()

    def select(self, rows):
        self.rows = len(rows)


def test_mean_stepper_searches_the_mean_of_the_members_distributions():
    a = _Fixed([1e-9, 0.05, 0.6, 0.0, 0.35])          # alone: x
    b = _Fixed([1e-9, 0.05, 0.0, 0.6, 0.35])          # alone: y
    greedy = lambda s: greedy_search(s, [1], 0, 1, [0])[0]   # noqa: E731  one token, then </s>
    assert greedy(a) == [2] and greedy(b) == [3]
    mean = MeanStepper([a, b])                          # the mean: x 0.3, y 0.3, z 0.35 -> z, which neither picks
    assert greedy(mean) == [4]
    got = mean.step(torch.zeros(2, 1, dtype=torch.long))
    assert torch.allclose(got[0].exp(), torch.tensor([1e-9, 0.05, 0.3, 0.3, 0.35]))
    assert got[0, 2].item() == pytest.approx(math.log(0.3))   # a probability 0 in one member is not -inf in the mean
    beam_search(MeanStepper([a, b]), [2], 3, 0, 1, [0], 1.0)
    assert a.rows == b.rows == 3                        # the beam's reordering reaches every member


def test_ensemble_members_are_the_single_networks_and_decode_as_their_mean(tmp_path):
    one = Translator(Seq2SeqConfig(**CFG)).fit(S * 3, T * 3, baselines=False)
    two = Translator(Seq2SeqConfig(**CFG, ensemble=2)).fit(S * 3, T * 3, baselines=False)
    assert isinstance(two.net, PointerEnsemble) and len(two.net.members) == 2
    m0, m1 = two.net.members
    # member 0 is the single network of the same seed, weight for weight; member 1 is another network
    assert all(torch.equal(t, m0.state_dict()[n]) for n, t in one.net.state_dict().items())
    assert not torch.equal(m0.tgt_embed.weight, m1.tgt_embed.weight)
    assert two.history["epochs"] == 4 and [m["epochs"] for m in two.history["members"]] == [2, 2]
    assert [r["member"] for r in two.history["curve"]] == [0, 0, 1, 1]
    # the control: an "ensemble" of one network twice decodes exactly as that network alone
    hyps = one.translate(S, beam=2)
    one.net = one.words.net = PointerEnsemble([one.net, one.net])
    assert one.translate(S, beam=2) == hyps and one.translate(S, beam=1) == Translator.translate(one, S, beam=1)
    # the saved ensemble loads (members.0.*, members.1.*) and translates as before it was saved
    out = two.translate(S, beam=2)
    back = Translator.load(two.save(tmp_path / "ens"))
    assert back.config.ensemble == 2 and isinstance(back.net, PointerEnsemble)
    assert back.translate(S, beam=2) == out and back.translate(S, beam=1) == two.translate(S, beam=1)


def test_ensemble_max_seconds_is_shared_by_the_members():
    two = Translator(Seq2SeqConfig(**{**CFG, "epochs": 500}, ensemble=2, max_seconds=3.0)).fit(S, T, baselines=False)
    members, curve = two.history["members"], two.history["curve"]
    assert [m["stop_reason"] for m in members] == ["max_seconds", "max_seconds"] and all(m["epochs"] >= 2 for m in members)
    end0 = max(r["wall_s"] for r in curve if r["member"] == 0)    # seconds since the fit began
    assert 1.0 < end0 < 2.0 and two.history["seconds"] < 3.0 + 1.0   # half each; the budget is the whole fit's


@pytest.mark.parametrize("kw, err, words", [
    ({"ensemble": 0}, ConfigError, "ensemble: expected"),
    ({"ensemble": 17}, ConfigError, "ensemble: expected"),
    ({"ensemble": 2.0}, InputTypeError, "ensemble: expected an int"),
    ({"ensemble": "2"}, InputTypeError, "ensemble: expected an int"),
    ({"ensemble": True}, InputTypeError, "ensemble: expected an int"),
])
def test_bad_ensemble_is_a_typed_error_naming_it(kw, err, words):
    assert Seq2SeqConfig(ensemble=3).ensemble == 3      # the control: a good value
    with pytest.raises(err, match=words):
        Seq2SeqConfig(**kw)


def test_ensemble_of_the_char_model_is_refused_before_training():
    Translator(Seq2SeqConfig(**CFG, model="char")).fit(S, T, baselines=False)   # the control: one char network
    with pytest.raises(ConfigError, match="ensemble: applies to model='dict-pointer' only"):
        Translator(Seq2SeqConfig(**CFG, model="char", ensemble=2)).fit(S, T, baselines=False)


def test_a_single_run_saved_before_the_field_loads_as_one_network(tmp_path):
    import json

    from rnnkit._io import atomic_write_json, write_digests

    one = Translator(Seq2SeqConfig(**CFG)).fit(S, T, baselines=False)
    want = one.translate(S, beam=2)
    folder = one.save(tmp_path / "run")
    meta = json.loads((folder / "config.json").read_text())
    del meta["config"]["ensemble"]                      # as the code before this field wrote it
    atomic_write_json(folder / "config.json", meta)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    back = Translator.load(folder)
    assert back.config.ensemble == 1 and not isinstance(back.net, PointerEnsemble)
    assert back.translate(S, beam=2) == want
