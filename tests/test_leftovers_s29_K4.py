"""Session 29, helper K: one seed rule for the task commands -- train takes any --seed in [0, 2**64), as --help's
type says and classify/tag/tsc did; translate refused 2**64 - ensemble and above, generate 2**64 - 1 (their derived
seeds, seed + j and seed + 1, are now taken modulo 2**64, as classify's members and tag's epochs are)."""

import pytest

from rnnkit.cli.main import main
from rnnkit.tasks.generation_config import CharLMConfig
from rnnkit.tasks.seq2seq_config import Seq2SeqConfig

TOP = 2 ** 64 - 1


@pytest.mark.parametrize("config", [lambda: Seq2SeqConfig(seed=TOP, ensemble=3), lambda: CharLMConfig(seed=TOP)])
def test_the_largest_seed_is_a_config_seed(config):
    assert config().seed == TOP     # was ConfigError 'seed: expected ... <= 2**64 - 3' / '- 2'


def test_the_largest_seed_trains_a_translation_ensemble(tmp_path, capsys):
    pairs = tmp_path / "p.tsv"
    pairs.write_text("".join(f"one {i}\tun {i}\n" for i in range(12)), encoding="utf-8")
    assert main(["translate", "train", "--tsv", str(pairs), "--out", str(tmp_path / "run"), "--seed", str(TOP),
                 "--ensemble", "2", "--epochs", "1", "--enc-hidden", "4", "--dec-hidden", "4", "--embed-dim", "4", "--no-baseline",
                 "--quiet", "--threads", "1"]) == 0, capsys.readouterr().err


def test_the_largest_seed_trains_a_char_lm(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("abc abd abe " * 40, encoding="utf-8")
    assert main(["generate", "train", "--text", str(text), "--out", str(tmp_path / "run"), "--seed", str(TOP),
                 "--rounds", "1", "--hidden-size", "4", "--embed-dim", "4", "--quiet", "--threads", "1"]) == 0, \
        capsys.readouterr().err
