"""Session 33 review (helper W) of this session's commits: inputs next to the ones they fixed.

* translate's external lexicon (f3258e2): a gloss spelled like a vocabulary special ('</s>', '<pad>') was that
  special's id -- copying it ended the translation ('</s>': "Walzwerke Walzwerke Walzwerke." translated as '') or was
  padding ('<pad>'). Training targets never hold such a token (the tokenizer splits '<' '/' 's' '>'), so only an
  external gloss reaches it; now it is copied as its text and embedded as <unk> (vocab.literal_tokens).
"""

from __future__ import annotations

import pytest

from rnnkit.data.vocab import EOS, PAD, Vocab

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)


@pytest.mark.parametrize("special", ["</s>", "<pad>", "<s>", "<unk>"])
def test_a_gloss_spelled_like_a_special_is_copied_as_text(special):
    from rnnkit.tasks.seq2seq_pointer import prepare

    src = Vocab.build([["Haus", "alt"]], specials=("<pad>", "<unk>"))
    tgt = Vocab.build([["house", "old"]], specials=("<pad>", "<unk>", "<s>", EOS))
    s = prepare(["Walzwerke", "Haus"], [special, "house"], src, tgt)
    assert s.gloss_ext[0] >= len(tgt) and s.oov[s.gloss_ext[0] - len(tgt)] == special   # the text, to copy
    assert s.gloss[0] == tgt.index["<unk>"] != tgt.index[PAD]       # its embedding: an unknown word, not padding
    assert s.gloss_ext[1] == tgt.index["house"]                     # ordinary glosses as before


def test_a_lexicon_gloss_eos_does_not_end_the_translation(tmp_path):
    import torch

    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    S = ["Das Haus ist alt.", "Der Baum ist alt.", "Das Haus ist neu.", "Der Baum ist neu."] * 8
    T = ["The house is old.", "The tree is old.", "The house is new.", "The tree is new."] * 8
    (tmp_path / "l.tsv").write_text("Walzwerke\t</s>\n", encoding="utf-8")
    torch.manual_seed(0)
    m = Translator(Seq2SeqConfig(embed_dim=8, enc_hidden=8, dec_hidden=16, lr=1e-2, batch_size=8, dropout=0.0,
                                 word_dropout=0.0, val_fraction=0.0, beam=1, progress=False, epochs=1,
                                 lexicon=str(tmp_path / "l.tsv"))).fit(S, T, baselines=False)
    w = m.words
    from rnnkit.tasks.seq2seq_pointer import prepare

    s = prepare(["Walzwerke"], w._glosses([["Walzwerke"]])[0], w.src_vocab, w.tgt_vocab)
    assert s.gloss_ext != [w.tgt_vocab.index[EOS]]
