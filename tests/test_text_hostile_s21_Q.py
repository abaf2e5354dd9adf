"""Session 21, helper Q: text-task inputs of kinds not covered before (long prompts, control characters in labels)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.tasks.generation import CharLM, CharLMConfig
from rnnkit.tasks.generation import lm as lm_module


# ---------------------------------------------------------------------------------------- generate: a long prompt
@pytest.fixture(scope="module")
def small_lm():
    torch.manual_seed(0)
    return CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                               progress=False)).fit("to be or not to be " * 20)


def _calls(model):
    """The lengths of the sequences the network reads, call by call."""
    seen: list[int] = []
    forward = model.net.forward

    def spy(ids, *args, **kwargs):
        seen.append(int(ids.shape[1]))
        return forward(ids, *args, **kwargs)
    return seen, spy


def test_a_long_prompt_is_read_in_parts_with_the_whole_prompts_continuation(small_lm, monkeypatch):
    """Before: sample read the whole prompt in one network call; a 1 MB line given to 'generate predict --input'
    (1,040,000 characters; 262,144 were enough at the default hidden size) failed with torch's bare
    'RuntimeError: could not create a primitive' (oneDNN's LSTM). The prompt is read PROMPT_STEPS units at a
    time, the state carried. Oracle: the same model reading the prompt in one call (PROMPT_STEPS above its
    length) continues it the same way (greedy, and sampled with one seed)."""
    prompt = "to be or not " * 1000          # 13,000 characters: four parts
    steps = getattr(lm_module, "PROMPT_STEPS", None)
    seen, spy = _calls(small_lm)
    monkeypatch.setattr(small_lm.net, "forward", spy)
    parts = [small_lm.sample(prompt, 30, top_k=1), small_lm.sample(prompt, 30, seed=3)]
    assert steps is not None and max(seen) <= steps < len(prompt)
    monkeypatch.setattr(lm_module, "PROMPT_STEPS", 10 ** 9)
    whole = [small_lm.sample(prompt, 30, top_k=1), small_lm.sample(prompt, 30, seed=3)]
    assert parts == whole
