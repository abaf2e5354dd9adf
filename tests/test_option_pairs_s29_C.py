"""Session 29, helper C: flags that each work alone but break (or pass silently) together -- found by an all-pairs
covering set over every command's flags (the generator and its outcome table: /work/scratch/s29/C/)."""

import csv
import json

import pytest

from rnnkit.cli.main import main

TINY = ["--epochs", "1", "--hidden-size", "4", "--embed-dim", "4", "--embeddings", "own", "--combine", "false",
        "--no-baseline", "--quiet", "--threads", "1"]


@pytest.fixture()
def texts_csv(tmp_path):
    path = tmp_path / "t.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(40):
            w.writerow([("good fine day " if i % 2 else "bad awful day ") + str(i), "pos" if i % 2 else "neg"])
    return path


def test_the_largest_seed_with_a_seed_ensemble_trains_every_member(texts_csv, tmp_path, capsys):
    # --seed 2**64-1 alone and --seeds 2 alone ran; together member 1's seed (seed + 100003) was past torch's range:
    # "error: ValueError: Overflow when unpacking long long" (exit 1) after member 0 had trained. Fails at 435b85f.
    top = 2 ** 64 - 1
    out = tmp_path / "run"
    assert main(["classify", "train", "--csv", str(texts_csv), "--out", str(out), "--seed", str(top), "--seeds", "2",
                 *TINY]) == 0, capsys.readouterr().err
    history = json.loads((out / "config.json").read_text(encoding="utf-8"))["history"]
    assert [m["seed"] for m in history["seeds"]] == [top, 100_003 - 1]     # wrapped into [0, 2**64)
    assert all(m["epochs"] == 1 for m in history["seeds"])                 # each member trained, its budget its own


def test_the_largest_seed_with_a_second_epoch_trains_the_tagger(tmp_path, capsys):
    # --seed 2**64-1 alone and --epochs 2 alone ran; together epoch 2's word-dropout generator was seeded with
    # seed + 1: "error: ValueError: Overflow when unpacking long long" (exit 1). Fails at 435b85f.
    conll = tmp_path / "t.conll"
    sents = [[("Ann", "B-PER"), ("lives", "O"), ("in", "O"), ("Rome", "B-LOC")],
             [("Bob", "B-PER"), ("likes", "O"), ("Paris", "B-LOC")]] * 10
    conll.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sents) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["tag", "train", "--conll", str(conll), "--out", str(out), "--seed", str(2 ** 64 - 1), "--epochs", "2",
                 "--patience", "5", "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--hidden-size", "4",
                 "--no-baseline", "--quiet", "--threads", "1"]) == 0, capsys.readouterr().err
    history = json.loads((out / "config.json").read_text(encoding="utf-8"))["history"]
    assert len(history["loss"]) == 2


def test_lr_decay_of_one_under_the_plateau_schedule_is_a_usage_error(tmp_path, capsys):
    # the config took lr_decay in (0, 1]; torch's ReduceLROnPlateau refuses a factor of 1: 'error: ValueError: Factor
    # should be < 1.0.' (exit 1) once the data was read and the network built. Fails at 435b85f.
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 40, encoding="utf-8")
    assert main(["generate", "train", "--text", str(text), "--out", str(tmp_path / "run"), "--lr-decay", "1",
                 "--quiet", "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rnnkit generate: error: --lr-decay: expected a number in (0, 1) with --schedule plateau (the "
                   "factor the lr is multiplied by when it stalls; 1 never lowers it), got 1.0"]


def test_val_chars_cut_to_one_subword_unit_is_named(tmp_path, capsys):
    # --val-chars 2 alone runs (2 characters: 2 units) and --units bpe alone runs; together the 2 held-out
    # characters read as 1 BPE unit: "DataError: val_text: expected at least 2 units to score ..., got 1", naming an
    # API argument, not the flag that cut it. Fails at 435b85f.
    import random

    rng = random.Random(1)
    words = "the quick brown fox jumps over a lazy dog and then runs far away into green hills".split()
    text = tmp_path / "t.txt"
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) for _ in range(400)]
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["generate", "train", "--text", str(text), "--out", str(tmp_path / "run"), "--units", "bpe",
                 "--val-chars", "2", "--embed-dim", "4", "--hidden-size", "4", "--rounds", "1", "--quiet",
                 "--threads", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rnnkit generate: error: DataError: --val-chars: expected held-out characters that read as at least "
                   "2 units to score (one predicts the next), got 2 characters read as 1 subword unit(s): more of them"]
