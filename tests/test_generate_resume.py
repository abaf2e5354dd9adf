"""Resuming an interrupted char LM fit (CharLM.fit(checkpoint_dir=..., resume=True); generate train --resume).

The char LM trains truncated BPTT with the recurrent state carried from one round to the next and, with reset_prob,
streams zeroed by draws from a generator of its own: a checkpoint of weights and optimizer alone resumed from a zero
state and a reseeded generator. The oracle of every resume is the same fit run without interruption (and without
checkpoints): the same weights bit for bit (CPU, one process), the same per-round curve (but its wall times), the
same bits per character. Each resumed fit is checked to train fewer rounds than the whole."""

import filecmp
import json

import pytest
import torch

from rnnkit.errors import CheckpointError
from test_task_resume import CountEpochs, StopAfter, _cli_interrupted, _same_net
from toy_data import run_cli

LINES = ["the cat sat on the mat.", "a dog ran to the log!", "we met at noon, then ran.", "so it goes; so it went."]
TEXT = "\n".join(LINES[i % 4] for i in range(9)) + "\n"   # 216 characters: 2 streams of 107, 6 rounds a pass
VAL = "the dog sat on a mat. we ran at noon.\n"
LM = dict(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, chunks_per_round=4, rounds=8, lr=3e-2, progress=False,
          val_streams=2)
TIMES = ("wall_s", "time_s")


def _lm(**kw):
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    return CharLM(CharLMConfig(**{**LM, **kw}))


def _rows(lm) -> list:
    """The per-round rows without their wall times (the one thing an interruption changes)."""
    return [{k: v for k, v in r.items() if k not in TIMES} for r in lm.epoch_log]


@pytest.mark.parametrize("kw", [
    dict(reset_prob=0.3, num_layers=2, dropout=0.2),          # plateau lr decay, dropout's RNG, two layers' state
    dict(cell="gru", schedule="cosine", reset_prob=0.5),     # the per-step lr, a GRU's state (a tensor, no tuple)
])
def test_a_char_lm_resumed_mid_pass_ends_with_the_uninterrupted_model(tmp_path, kw):
    whole = _lm(**kw).fit(TEXT, VAL)
    with pytest.raises(KeyboardInterrupt):        # rounds 1-3 checkpointed; round 4 carries round 3's state
        _lm(**kw).fit(TEXT, VAL, callbacks=[StopAfter(4)], checkpoint_dir=tmp_path / "ck")
    count = CountEpochs()
    resumed = _lm(**kw).fit(TEXT, VAL, callbacks=[count], checkpoint_dir=tmp_path / "ck", resume=True)
    assert count.n == 5                          # rounds 4-8: the checkpointed ones were not trained again
    assert _same_net(whole, resumed)
    assert _rows(whole) == _rows(resumed) and len(_rows(whole)) == 8
    assert whole.bits_per_char(VAL) == resumed.bits_per_char(VAL)
    assert whole.sample("the ", 40, seed=3) == resumed.sample("the ", 40, seed=3)


def test_a_fit_interrupted_after_its_last_round_resumes_without_training(tmp_path, monkeypatch):
    """Interrupted in the n-gram baseline's fit (after the network's last checkpoint): the resume loads the network
    (early stopping's best round restored as the uninterrupted fit did) and trains no round."""
    from rnnkit.tasks.generation import NGramCharModel

    whole = _lm(reset_prob=0.3).fit(TEXT, VAL)
    real = NGramCharModel.fit

    def interrupted(self, text):
        raise KeyboardInterrupt

    monkeypatch.setattr(NGramCharModel, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _lm(reset_prob=0.3).fit(TEXT, VAL, checkpoint_dir=tmp_path)
    monkeypatch.setattr(NGramCharModel, "fit", real)
    count = CountEpochs()
    resumed = _lm(reset_prob=0.3).fit(TEXT, VAL, callbacks=[count], checkpoint_dir=tmp_path, resume=True)
    assert count.n == 0 and _same_net(whole, resumed) and _rows(whole) == _rows(resumed)
    assert whole.evaluate(VAL) == resumed.evaluate(VAL)


def test_the_carried_state_and_the_reset_draws_ride_in_the_checkpoint(tmp_path):
    """What a checkpoint of weights and optimizer alone misses: the state at the end of the last round and the reset
    generator's position (the rounds' draws), both as they were when the checkpoint was written."""
    from rnnkit.training.checkpoint import load_checkpoint
    from rnnkit.training.stages import read_manifest

    with pytest.raises(KeyboardInterrupt):
        _lm(reset_prob=0.3).fit(TEXT, VAL, callbacks=[StopAfter(3)], checkpoint_dir=tmp_path)
    assert read_manifest(tmp_path)["unresumable"] is None
    steps = sorted((tmp_path / "stage-00" / "checkpoints").glob("step-*"))
    carried = load_checkpoint(steps[-1]).state["callbacks"]["CarriedState"]
    h, c = carried["state"]                      # the LSTM's (h, c) after round 2's last chunk: not zeros
    assert h.shape == c.shape == (1, 2, 8) and bool(h.abs().sum() > 0)
    fresh = torch.Generator().manual_seed(1)     # seed + 1 (seed 0)
    assert not torch.equal(carried["resets"], fresh.get_state())
    for _ in range(7):   # a draw a chunk that carries a state in: round 1's last 3 (its first has none), round 2's 4
        torch.rand(2, 1, generator=fresh)
    assert torch.equal(carried["resets"], fresh.get_state())


def test_a_carried_state_that_is_not_one_is_refused_naming_it():
    from rnnkit.tasks.generation.carry import CarriedState

    gen = torch.Generator().manual_seed(5).get_state()
    for bad in ({"state": [1.0, 2.0], "resets": gen}, {"state": None, "resets": "x"}, None):
        with pytest.raises(CheckpointError, match=r"^CarriedState: expected \{'state': None, a tensor or a tuple"):
            CarriedState(1).load_state_dict(bad)
    carry = CarriedState(1)
    carry.load_state_dict({"state": (torch.ones(1, 2, 3), torch.zeros(1, 2, 3)), "resets": gen})
    assert torch.equal(carry.resets.get_state(), gen) and torch.equal(carry.state[0], torch.ones(1, 2, 3))


def test_a_resume_with_another_setting_or_text_is_refused_naming_it(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _lm().fit(TEXT, VAL, callbacks=[StopAfter(2)], checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointError, match=r"expected the settings of the interrupted fit .*: reset_prob: 0\.0 "
                                              r"there, 0\.5 here"):
        _lm(reset_prob=0.5).fit(TEXT, VAL, checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(CheckpointError, match=r"expected the data of the interrupted fit"):
        _lm().fit(TEXT, VAL + "more.\n", checkpoint_dir=tmp_path, resume=True)
    assert _lm().fit(TEXT, VAL, checkpoint_dir=tmp_path, resume=True).history["rounds"] == 8


def test_a_budgeted_fit_stays_refused_with_its_reason(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _lm(max_seconds=600.0).fit(TEXT, VAL, callbacks=[StopAfter(2)], checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointError, match=r"cannot: its time budget \(max_seconds=600\.0\) counts wall time"):
        _lm(max_seconds=600.0).fit(TEXT, VAL, checkpoint_dir=tmp_path, resume=True)


# ---------------------------------------------------------------------------------------------- the CLI
def _argv(tmp_path, *more):
    corpus = tmp_path / "corpus.txt"
    if not corpus.exists():
        corpus.write_text(TEXT + VAL * 3, encoding="utf-8")
    return ["generate", "train", "--text", str(corpus), "--hidden-size", "8", "--embed-dim", "4", "--batch-size", "2",
            "--bptt", "5", "--chunks-per-round", "4", "--rounds", "6", "--reset-prob", "0.3", "--quiet", "--json",
            "--threads", "1", *more]


def _same_runs(a, b) -> None:
    for name in ("model.safetensors", "vocab.json", "split.json", "baseline.json"):
        assert filecmp.cmp(a / name, b / name, shallow=False), name
    rows = [[{k: v for k, v in json.loads(line).items() if k not in TIMES} for line in (d / "metrics.jsonl").open()]
            for d in (a, b)]
    assert rows[0] == rows[1] and len(rows[0]) == 6


def test_cli_generate_train_resume_saves_the_run_an_uninterrupted_train_saves(tmp_path, monkeypatch, capsys):
    code, out, err = run_cli(_argv(tmp_path, "--out", str(tmp_path / "whole")), capsys)
    assert code == 0, err
    whole = json.loads(out)
    run = tmp_path / "run"
    _cli_interrupted(tmp_path, monkeypatch, _argv(tmp_path, "--out", str(run)), after=2)
    assert (run / "training" / "resume.json").is_file() and not (run / "model.safetensors").exists()
    capsys.readouterr()
    code, _, err = run_cli(_argv(tmp_path, "--out", str(run), "--resume", "--hidden-size", "16"), capsys)
    assert code == 1 and "expected the settings of the interrupted fit" in err and \
        "--hidden-size: 8 there, 16 here" in err, err
    for flag, value, said in (("--val-fraction", "0.2", "--val-fraction: 0.1 there, 0.2 here"),    # was 'other data'
                              ("--baseline-order", "2", "--baseline-order: 3 there, 2 here")):   # was taken silently
        code, _, err = run_cli(_argv(tmp_path, "--out", str(run), "--resume", flag, value), capsys)
        assert code == 1 and "expected the flags of the interrupted fit" in err and said in err, err
    code, out, err = run_cli(_argv(tmp_path, "--out", str(run), "--resume"), capsys)
    assert code == 0, err
    resumed = json.loads(out)
    assert resumed["metrics"] == whole["metrics"] and resumed["rounds"] == whole["rounds"] == 6
    _same_runs(tmp_path / "whole", run)
    assert not (run / "training").exists()


def test_cli_generate_resume_auto_continues_an_interrupted_training(tmp_path, monkeypatch, capsys):
    assert run_cli(_argv(tmp_path, "--out", str(tmp_path / "whole")), capsys)[0] == 0
    run = tmp_path / "run"
    _cli_interrupted(tmp_path, monkeypatch, _argv(tmp_path, "--out", str(run), "--resume", "auto"), after=3)
    code, _, err = run_cli(_argv(tmp_path, "--out", str(run), "--resume", "auto"), capsys)
    assert code == 0, err
    _same_runs(tmp_path / "whole", run)
