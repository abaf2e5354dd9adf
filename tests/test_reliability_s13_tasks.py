"""Session 13, helper G: the language model, the translator, the tagger and time-series classification on
hostile inputs. Each test failed on the code before its fix.

* A subword (``units="bpe"``) prompt that ends inside a word was continued as if the word had ended:
  training cuts ``" cat"`` into one unit, so the units of ``"the ca"`` (``" c"``, ``"a"``) were never
  followed by ``"t"`` in training, and ``"the ca"`` was continued ``"the ca "`` every time; ``"the "`` was
  continued ``" sat"`` (``"the  sat"``: the space is part of the next word's unit).
"""

from __future__ import annotations

import random

import pytest
import torch

from rnnkit.tasks.generation import CharLM, CharLMConfig

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ate", "log", "then", "there", "this", "that"]


@pytest.fixture(scope="module")
def bpe_lm():
    rnd = random.Random(0)
    text = " ".join(rnd.choice(WORDS) for _ in range(3000)) + "\n"
    torch.manual_seed(0)
    return CharLM(CharLMConfig(units="bpe", bpe_vocab=60, hidden_size=32, embed_dim=16, batch_size=8, bptt=20,
                               rounds=30, chunks_per_round=10, lr=1e-2, progress=False)).fit(text, baselines=False)


def test_a_bpe_prompt_ending_inside_a_word_is_continued_inside_it(bpe_lm):
    v = bpe_lm.chars
    assert " cat" in v.pieces(v.encode("the cat"))        # training made the word one unit
    assert v.pieces(v.encode("the ca"))[-1] != " cat"     # the prompt's last units are not it
    outs = [bpe_lm.sample("the ca", 6, seed=s) for s in range(40)]
    assert all(len(o) == 6 for o in outs)                  # the continuation only, its characters counted
    assert sum(o.startswith("t") for o in outs) >= 36      # was 0 of 40 ("the ca " every time)
    assert bpe_lm.sample("the ca", 5, top_k=1).startswith("t")
    # a prompt ending in a space: the space belongs to the next word's unit (was " sat": "the  sat")
    greedy = bpe_lm.sample("the ", 12, top_k=1)
    assert not greedy.startswith(" ") and len(greedy) == 12
    assert all(not bpe_lm.sample("the ", 4, seed=s).startswith(" ") for s in range(20))


def test_bpe_prompt_healing_keeps_what_it_cannot_heal(bpe_lm):
    # one piece (nothing before it to read) and an unknown character in the last piece: read as they are
    assert bpe_lm._heal("then", bpe_lm.encode("then"))[1] == []
    ids = bpe_lm.encode("the cQ", "unk")
    assert bpe_lm._heal("the cQ", ids)[1] == [] and len(bpe_lm.sample("the cQ", 7, seed=0, unknown="unk")) == 7
    # the units taken back are exactly the last piece's, and the rest is the prompt's own encoding
    ids = bpe_lm.encode("dog the ca")
    rest, tail = bpe_lm._heal("dog the ca", ids)
    assert bpe_lm.chars.decode(tail) == " ca" and rest.tolist() + tail == ids.tolist()
    # characters: nothing changes
    lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                             progress=False)).fit("the cat sat " * 10, baselines=False)
    assert lm._heal("the ca", lm.encode("the ca"))[1] == []
