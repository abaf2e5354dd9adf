"""Session 23, helper G: character generation and Hopfield memory under hostile inputs."""

import pytest
import torch

from rnnkit.tasks.generation import CharLM, CharLMConfig
from rnnkit.tasks.generation import lm as lm_module


def _config(**kw):
    base = dict(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=3, chunks_per_round=2, progress=False,
                seed=0)
    base.update(kw)
    return CharLMConfig(**base)


@pytest.mark.parametrize("text, kw", [
    ("abcabcab", dict(batch_size=4, bptt=50)),               # streams of 1 column: shorter than one chunk
    ("abcab\n" * 9, dict(batch_size=2, bptt=5, chunks_per_round=2)),   # 26 columns: rounds 10, 10, 6; chunks 5, 1
    ("abcab\n" * 9, dict(batch_size=3, bptt=4, chunks_per_round=3, rounds=5)),   # passes wrap around
])
def test_chars_seen_counts_the_characters_trained_on(monkeypatch, text, kw):
    # the curve's chars_seen was steps * batch_size * bptt: a round's last chunk is shorter and a short text's
    # streams may be shorter than one chunk (8 characters in 4 streams were counted 200 after one step, not 4)
    seen = []                                      # oracle: the targets of every training forward, as run
    forward = lm_module.CharLMNet.forward

    def counting(self, ids, state=None):
        if self.training:
            seen.append(ids.numel())               # one target per input, one character per unit (ASCII)
        return forward(self, ids, state)

    monkeypatch.setattr(lm_module.CharLMNet, "forward", counting)
    lm = CharLM(_config(**kw)).fit(text, baselines=False)
    curve = lm.history["curve"]
    assert len(curve) == kw.get("rounds", 3)
    for row in curve:
        assert row["chars_seen"] == sum(seen[: row["steps"]]), (row, seen)


# ------------------------------------------------------------------------------------------ Hopfield digits
def test_digits_threshold_that_blanks_the_prototypes_is_refused(capsys, tmp_path):
    from sklearn.datasets import load_digits

    from rnnkit.errors import ConfigError
    from rnnkit.hopfield.experiments import digits_experiment, load_digit_patterns
    from toy_data import run_cli

    # threshold 15 is above every pixel of the mean images of 0 and 1 (14.28, 14.86: sklearn's data, the oracle):
    # both prototypes were all -1, one pattern, and every recall was reported correct (1.0, 1.0, 1.0)
    d = load_digits()
    brightest = [float(d.data[d.target == c].mean(0).max()) for c in (0, 1)]
    assert max(brightest) < 15.0 < 16
    with pytest.raises(ConfigError, match=r"^threshold: .*digit 0's mean image .*got 15: its prototype is blank"):
        digits_experiment(classes=[0, 1], rules=["storkey"], n_cues=2, threshold=15.0)
    code, _, err = run_cli(["hopfield", "digits", "--classes", "0", "1", "--threshold", "15", "--n-cues", "2",
                            "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "threshold" in err and "blank" in err, err
    assert not (tmp_path / "out").exists()
    # below the dimmer digit's brightest pixel both prototypes keep pixels and differ: it runs
    protos, _, _ = load_digit_patterns([0, 1], threshold=min(brightest) - 0.01)
    assert bool((protos > 0).any(1).all()) and not torch.equal(protos[0], protos[1])
    r = digits_experiment(classes=[0, 1], rules=["storkey"], n_cues=2, threshold=min(brightest) - 0.01)
    assert r["threshold"] == pytest.approx(min(brightest) - 0.01)


def test_digits_two_classes_with_one_prototype_are_refused(monkeypatch):
    import sklearn.datasets
    from sklearn.utils import Bunch

    from rnnkit.errors import ConfigError
    from rnnkit.hopfield.experiments import load_digit_patterns

    # images of 3 and 5 that binarise to one pattern (a bright left half): nothing stored tells them apart
    img = torch.zeros(64)
    img[::2] = 16.0
    data = torch.stack([img, img + 0.5 * (img == 0), torch.arange(64.0) % 17]).numpy()   # 3, 5, 7
    monkeypatch.setattr(sklearn.datasets, "load_digits", lambda: Bunch(data=data, target=torch.tensor([3, 5, 7]).numpy()))
    with pytest.raises(ConfigError, match=r"^threshold: .*got 8: digits 3 and 5 binarise to one pattern"):
        load_digit_patterns([3, 5], threshold=8.0)
    protos, _, _ = load_digit_patterns([3, 7], threshold=8.0)   # distinct prototypes load
    assert not torch.equal(protos[0], protos[1])


# ------------------------------------------------------------------------------------------ n-gram baseline
def _rare_text(n: int, seed: int) -> str:
    import random

    rng = random.Random(seed)
    words, rare = ["the", "cat", "sat", "on", "mat", "dog", "ran"], [chr(c) for c in range(0x3b1, 0x3c9)]
    return " ".join(w + (rng.choice(rare) if rng.random() < 0.15 else "")
                    for w in (rng.choice(words) for _ in range(n))) + "\n"


def test_default_ngram_reads_rare_characters_as_unk_as_the_network(capsys, tmp_path):
    from rnnkit.tasks.generation import NGramCharModel
    from toy_data import run_cli

    # min_freq 40: the network reads every Greek letter (each rarer) as <unk>; the n-gram (min_freq 1) scored each
    # one itself, 0.20 bits/char harder, though its docstring says it reads unknowns 'as the network does'
    train, test = _rare_text(1500, 0), _rare_text(200, 1)
    lm = CharLM(_config(min_freq=40, rounds=1)).fit(train)
    base = lm.baselines["ngram"]
    assert base.vocab[1:] == sorted(c for c in lm.chars.tokens if c not in ("<pad>", "<unk>")) != []
    oracle = NGramCharModel(3, min_freq=40).fit(train).bits_per_char(test)
    got = lm.evaluate(test)["baselines"]["ngram"]["bits_per_char"]
    assert got == pytest.approx(oracle, rel=1e-12)
    assert oracle < NGramCharModel(3).fit(train).bits_per_char(test) - 0.05   # the old baseline: another figure
    # the CLI's baseline likewise (--min-freq with --baseline-order)
    (tmp_path / "t.txt").write_text(train, encoding="utf-8")
    code, out, err = run_cli(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run"),
                              "--hidden-size", "8", "--embed-dim", "4", "--batch-size", "2", "--bptt", "5",
                              "--chunks-per-round", "2", "--rounds", "1", "--min-freq", "40", "--baseline-order", "2",
                              "--quiet", "--json"], capsys)
    assert code == 0, err
    run = CharLM.load(tmp_path / "run")
    assert (run.baselines["ngram"].order, run.baselines["ngram"].min_freq) == (2, 40)
    assert run.baselines["ngram"].vocab[1:] == sorted(c for c in run.chars.tokens if c not in ("<pad>", "<unk>"))


# ------------------------------------------------------------------------------------------ a short corpus
def test_text_shorter_than_the_streams_names_batch_size(capsys, tmp_path):
    from rnnkit.errors import DataError
    from toy_data import run_cli

    # 30 characters in 32 streams: the error said 'text: expected at least 33 characters for 32 streams', naming
    # neither the flag that asks for 32 streams nor a way out
    with pytest.raises(DataError, match=r"^batch_size: expected at most 29 streams .* of 30 characters, got 32 "
                                        r"\(lower it, or give more text\)"):
        CharLM(_config(batch_size=32)).fit("hello world\nthis is a tiny co\n")
    lm = CharLM(_config(batch_size=29)).fit("hello world\nthis is a tiny co\n", baselines=False)   # at most: it trains
    assert lm.history["curve"][-1]["chars_seen"] > 0
    (tmp_path / "t.txt").write_text("hello world\nthis is a tiny corpus\n", encoding="utf-8")
    code, _, err = run_cli(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run"),
                            "--quiet"], capsys)
    assert code == 1 and "--batch-size: expected at most" in err, err


# ------------------------------------------------------------------------------------------ Hopfield robustness
def _count_flips(monkeypatch, experiments) -> set:
    """The numbers of bits ``experiments.flip_bits`` changed in each cue, recorded as the experiment runs."""
    from toy_data import record_calls

    flipped: set = set()
    record_calls(monkeypatch, experiments, "flip_bits",
                 lambda args, out: flipped.update((out != args[0]).sum(1).tolist()))
    return flipped


def test_robustness_records_and_plots_the_fractions_applied(monkeypatch, tmp_path):
    from rnnkit.hopfield import experiments, plots

    flipped, altered = {}, {}                      # oracle: what flip_bits and damage_weights did, as run
    flip, damage = experiments.flip_bits, experiments.damage_weights

    def counting_flip(patterns, fraction, generator):
        out = flip(patterns, fraction, generator)
        flipped.setdefault(fraction, set()).update((out != patterns).sum(1).tolist())
        return out

    def counting_damage(weights, fraction, kind, generator, scale=1.0):
        out = damage(weights, fraction, kind, generator, scale)
        altered.setdefault(fraction, set()).add(int(torch.triu(out != weights, 1).sum()))
        return out

    monkeypatch.setattr(experiments, "flip_bits", counting_flip)
    monkeypatch.setattr(experiments, "damage_weights", counting_damage)
    # N = 10: 0.15, 0.2 and 0.25 of the bits all flip 2 (banker's rounding of 1.5 and 2.5), 0.05 flips none
    levels, fractions = [0.0, 0.05, 0.15, 0.2, 0.25], [0.0, 0.1, 0.5]
    r = experiments.robustness_experiment(n_units=10, n_patterns=1, fractions=fractions, noise_levels=levels,
                                          cue_noise=0.25, trials=1, seed=0)
    N, pairs = 10, 45
    assert r["cue_noise"]["fraction"] == levels and r["zeroed"]["fraction"] == fractions
    assert r["cue_noise"]["applied"] == [flipped[q].pop() / N for q in levels] == [0.0, 0.0, 0.2, 0.2, 0.2]
    assert r["cue_noise_applied"] == 0.2                                   # the damage cues' 0.25 flipped 2 too
    for key in ("zeroed", "perturbed"):
        assert r[key]["applied"] == [max(altered[f]) / pairs for f in fractions] == [0.0, 4 / 45, 22 / 45]
    drawn = {}
    monkeypatch.setattr(plots, "save_png", lambda fig, path, dpi=None: drawn.setdefault("fig", fig) and path)
    plots.plot_robustness(r, tmp_path / "r.png")
    damage_axis, noise_axis = drawn["fig"].axes
    assert [list(line.get_xdata()) for line in noise_axis.lines] == [r["cue_noise"]["applied"]] * 2
    assert [list(line.get_xdata()) for line in damage_axis.lines] == [r["zeroed"]["applied"]] * 2


def test_modern_capacity_records_the_cue_noise_applied(monkeypatch, tmp_path):
    from rnnkit.hopfield import experiments, plots

    flipped = _count_flips(monkeypatch, experiments)   # oracle: the bits flip_bits changed in each cue, as run
    r = experiments.modern_capacity_experiment(n_units=25, loads=[0.04, 0.2], cue_noise=0.1, seed=0)
    assert r["cue_noise"] == 0.1 and flipped == {2}
    assert r["cue_noise_applied"] == 2 / 25                         # the title said 10%: 2.5 bits round to 2
    drawn = {}
    monkeypatch.setattr(plots, "save_png", lambda fig, path, dpi=None: drawn.setdefault("fig", fig) and path)
    plots.plot_modern_capacity(r, tmp_path / "m.png")
    assert "cues with 8.0% bits flipped" in drawn["fig"].axes[0].get_title()


def test_digits_records_the_corruption_applied(monkeypatch):
    from rnnkit.hopfield import experiments

    flipped = _count_flips(monkeypatch, experiments)   # oracle: the bits flip_bits changed in each noisy cue
    r = experiments.digits_experiment(classes=[0, 1], rules=["storkey"], n_cues=2, corruption=0.15)
    assert r["corruption"] == 0.15 and flipped == {10} and r["corruption_applied"] == 10 / 64
