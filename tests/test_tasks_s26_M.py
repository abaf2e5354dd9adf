"""Session 26, helper M: the tagger's BIO-constrained Viterbi in O(K) a token (rnnkit.tasks.tagging_viterbi). The
(K, K) mask path took 4.1 s for 16 sentences of 30 tokens at 1,001 tags and 15.4 s at 2,001 (K squared: ~6 min
and a 6 GB step tensor at 10,000 tags). Oracle: constrained_decode with bio_constraints' mask (itself checked
against brute force in test_tasks_tagging), ties and an I-X without its B-X included."""

from __future__ import annotations

import pytest
import torch

from rnnkit.tasks.tagging import bio_constraints, constrained_decode
from rnnkit.tasks.tagging_viterbi import bio_decode, bio_rules

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("types,orphan,ties", [(1, False, False), (2, True, True), (7, True, False), (40, False, True)])
def test_bio_decode_finds_the_path_of_the_mask_decoder(types, orphan, ties):
    tags = ["O"] + [f"{p}-T{i}" for i in range(types) for p in "BI"] + (["I-ORPHAN"] if orphan else [])
    tags = tags[::-1] if types == 7 else tags        # B-X after I-X in the list: the tie-break by index
    g = torch.Generator().manual_seed(types)
    B, T, K = 12, 9, len(tags)
    logp = torch.randn(B, T, K, generator=g).log_softmax(-1)
    if ties:
        logp = (logp * 2).round() / 2
    lengths = torch.randint(1, T + 1, (B,), generator=g)
    want = constrained_decode(logp, lengths, *bio_constraints(tags))
    assert torch.equal(bio_decode(logp, lengths, *bio_rules(tags)), want)


def test_bio_rules_match_the_mask_and_refuse_what_it_refuses():
    tags = ["I-LOC", "O", "B-PER", "I-PER", "B-LOC", "I-MISC"]
    allowed, start = bio_constraints(tags)
    begin, start2 = bio_rules(tags)
    assert torch.equal(start, start2)
    for j, b in enumerate(begin.tolist()):          # who may precede j: anyone, or B-X and I-X themselves
        ways = set(torch.nonzero(allowed[:, j]).squeeze(1).tolist())
        assert ways == (set(range(len(tags))) if b == -2 else {j} | ({b} if b >= 0 else set()))


def test_a_hundred_thousand_tags_decode():
    tags = ["O"] + [f"{p}-T{i}" for i in range(50_000) for p in "BI"]
    logp = torch.full((2, 3, len(tags)), -20.0)
    logp[0, 0, 5] = logp[0, 1, 6] = logp[0, 2, 6] = -0.1       # B-T2, I-T2, I-T2 best at each step
    logp[1, 0, 6] = -0.1                                       # I-T2 cannot start: B-T2 then I-T2
    logp[1, 1, 6] = -0.1
    out = bio_decode(logp, torch.tensor([3, 2]), *bio_rules(tags))
    assert out.tolist() == [[5, 6, 6], [5, 6, 6]]


def test_predict_holds_a_bounded_number_of_tokens_at_once(monkeypatch):
    # groups were bounded by the bytes of their log-probabilities alone: with 9 tags, 1.8M tokens a group, so
    # 100,000 sentences were one group and `tag predict` peaked at 1.03 GB (0.37 GB at 10,000); same tags by groups
    import random

    import rnnkit.tasks.tagging as tagging
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    rng = random.Random(0)
    words = ["ka", "Lo", "mi", "Nu", "po"]
    S = [[rng.choice(words) for _ in range(rng.randint(1, 6))] for _ in range(60)]
    T = [["B-X" if w[0].isupper() else "O" for w in s] for s in S]
    cfg = TaggerConfig(word_dim=8, char_dim=8, char_hidden=8, hidden_size=8, epochs=1, batch_size=8,
                       val_fraction=0.0, progress=False)
    tagger = SequenceTagger(cfg).fit(S, T)
    whole = tagger.predict(S)
    monkeypatch.setattr(tagging, "GROUP_TOKENS", 7)
    groups = tagger._groups(S)
    assert len(groups) > 1 and all(sum(map(len, S[a:b])) <= 7 or b == a + 1 for a, b in groups)
    assert tagger.predict(S) == whole
