"""Session 13, helper G: the language model, the translator, the tagger and time-series classification on
hostile inputs. Each test failed on the code before its fix.

* A subword (``units="bpe"``) prompt that ends inside a word was continued as if the word had ended:
  training cuts ``" cat"`` into one unit, so the units of ``"the ca"`` (``" c"``, ``"a"``) were never
  followed by ``"t"`` in training, and ``"the ca"`` was continued ``"the ca "`` every time; ``"the "`` was
  continued ``" sat"`` (``"the  sat"``: the space is part of the next word's unit).
* A held-out text of white space alone (a file ending in blank lines, ``--val-fraction``'s share of it; or
  ``fit(text, "\\n\\n")``) was dropped: the LM trained without validation, and ``generate train`` failed only
  after training, when it scored its test part.
* Dynamic evaluation with a rate the adapted copy overflows at reported NaN bits per character (and a rate
  beyond float32 failed inside torch with a RuntimeError).
"""

from __future__ import annotations

import random

import pytest
import torch

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.generation import CharLM, CharLMConfig, text_split

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


TINY = dict(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2, progress=False)
TEXT = "the cat sat on the mat.\n" * 10


def test_a_blank_held_out_text_is_refused_not_dropped():
    with pytest.raises(DataError, match=r"^val_text: expected a non-empty text, got '\\n\\n  '$"):
        CharLM(CharLMConfig(**TINY)).fit(TEXT, "\n\n  ", baselines=False)
    assert CharLM(CharLMConfig(**TINY)).fit(TEXT, "", baselines=False).history["curve"][0]["val_bits_per_char"] is None
    # white space first, then text: validated (val_chars takes the first characters, blank ones too)
    lm = CharLM(CharLMConfig(**{**TINY, "val_chars": 2})).fit(TEXT, "\n\nthe cat", baselines=False)
    assert lm.history["curve"][0]["val_bits_per_char"] is not None
    with pytest.raises(DataError, match=r"^val_fraction: expected a held-out part with something besides white "
                                        r"space, got 25 blank characters from 0.1 of 265 "):
        text_split(TEXT + "\n" * 25, 0.1)
    assert text_split(TEXT + "\n" * 25, 0.2)[1].strip()


def test_cli_generate_train_refuses_a_blank_held_out_part_before_training(tmp_path, capsys):
    from rnnkit.cli.main import main

    path = tmp_path / "t.txt"
    path.write_text(TEXT * 4 + "\n" * 100, encoding="utf-8")
    rc = main(["generate", "train", "--text", str(path), "--out", str(tmp_path / "run"), "--hidden-size", "8",
               "--embed-dim", "4", "--batch-size", "2", "--bptt", "5", "--rounds", "1", "--chunks-per-round", "2"])
    err = capsys.readouterr().err
    assert rc != 0 and "--val-fraction: expected a held-out part with something besides white space" in err
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_dynamic_evaluation_that_overflows_is_an_error_not_a_nan_score():
    lm = CharLM(CharLMConfig(**{**TINY, "hidden_size": 16})).fit(TEXT, baselines=False)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in lm.net.parameters():
            p.normal_()
    assert lm.evaluate(TEXT, dynamic_lr=0.1, baselines=False)["bits_per_char"] > 0
    with pytest.raises(ConfigError, match=r"^dynamic_lr: expected a rate at which the adapted copy stays finite, "
                                          r"got 3e\+38 \(bits per character nan\)$"):
        lm.evaluate(TEXT, dynamic_lr=3e38, baselines=False)
    with pytest.raises(ConfigError, match=r"^dynamic_lr: expected a number <= 3.40"):
        lm.evaluate(TEXT, dynamic_lr=1e39, baselines=False)


def test_a_tagger_refuses_a_token_of_white_space_alone():
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    S = [["John", "lives", "in", "New York"], ["he", "is", "here"]] * 4
    T = [["B-PER", "O", "O", "B-LOC"], ["O", "O", "O"]] * 4
    cfg = TaggerConfig(word_dim=4, char_dim=4, char_hidden=2, hidden_size=4, epochs=1, progress=False, val_fraction=0)
    tagger = SequenceTagger(cfg).fit(S, T, baselines=False)       # a token with a space inside is a token
    assert len(tagger.predict([["New York", "x"], ["York"]])[0]) == 2
    for bad in (" ", "\t", "\u3000"):
        with pytest.raises(DataError, match=r"^sentences\[0\]\[1\]: expected a token with something besides white "
                                            r"space and invisible characters, got "):   # since session 19
            tagger.predict([["a", bad, "b"]])
    with pytest.raises(DataError, match=r"^sentences\[1\]\[0\]: expected a token with something besides white space"):
        SequenceTagger(cfg).fit([["a"], [" "]], [["O"], ["O"]], baselines=False)


def test_bleu_of_perfect_short_translations_is_100_not_0():
    from sacrebleu import corpus_bleu

    from rnnkit.tasks.seq2seq import translation_metrics

    short = ["a dog", "the cat", "ein Haus"]
    assert translation_metrics(short, short) == {"bleu": pytest.approx(100), "chrf": pytest.approx(100)}  # was 0.0
    assert translation_metrics(["a dog", "a cat"], ["a dog", "the cat"])["bleu"] > 0
    # where some hypothesis has 4 tokens: sacrebleu's corpus BLEU as before, for every tokenizer
    hyps, refs = ["the house is big now", "a dog", "a cat"], ["the house is big today", "a dog", "the cat"]
    for tok in ("13a", "char", "intl"):
        assert translation_metrics(hyps, refs, tok)["bleu"] == pytest.approx(corpus_bleu(hyps, [refs], tokenize=tok).score)


def test_cli_translate_predict_refuses_a_pair_file(tmp_path, capsys):
    from rnnkit.cli.main import main

    pairs = [("das haus", "the house"), ("ein hund", "a dog"), ("die katze", "the cat")] * 4
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["translate", "train", "--tsv", str(tmp_path / "p.tsv"), "--out", str(run), "--epochs", "1",
                 "--enc-hidden", "4", "--dec-hidden", "4", "--embed-dim", "4", "--min-count", "1", "--quiet"]) == 0
    capsys.readouterr()
    (tmp_path / "in.txt").write_text("ein haus\ndas haus\tthe house\n", encoding="utf-8")
    assert main(["translate", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt")]) == 1
    assert ("--input: expected one source text a line, got a TAB in line 2 'das haus\\tthe house' (a "
            "'source<TAB>target' file is scored by translate evaluate --tsv") in capsys.readouterr().err
    (tmp_path / "in.txt").write_text("ein haus\ndas haus\n", encoding="utf-8")
    assert main(["translate", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), "--json"]) == 0


@pytest.mark.parametrize("model", ["char", "dict-pointer"])
def test_beam_1_is_greedy_for_mbr_decoding_too(model):
    """Before: decode="mbr" with beam=1 drew its one candidate from a beam of width 1, which ranks by the
    length-normalised score and ran on past greedy's end ('eee ' -> 'eee' and 22 spaces): 10 of 11 char outputs
    differed from beam=1's greedy ones."""
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
    from rnnkit.tasks.seq2seq_pointer import pointer_search, prepare

    src = ["das haus", "das buch", "ein buch", "ein haus", "der hund", "die katze", "ein hund", "eine katze"] * 4
    tgt = ["the house", "the book", "a book", "a house", "the dog", "the cat", "a dog", "a cat"] * 4
    kw = {"min_count": 1} if model == "dict-pointer" else {}
    torch.manual_seed(0)
    tr = Translator(Seq2SeqConfig(model=model, embed_dim=8, enc_hidden=8, dec_hidden=16, epochs=5 if model == "char"
                                  else 10, batch_size=8,
                                  progress=False, val_fraction=0, **kw)).fit(src, tgt, baselines=False)
    test = src[:8] + ["haus", "katze hund", "xyz"]
    greedy = tr.translate(test, beam=1)
    if model == "char":
        assert tr.translate(test, beam=1, decode="mbr") == greedy
    else:   # its pool adds the glossed source; the n-best of beam 1 is the greedy output (8 of 11 were not)
        w = tr.words
        words = w._words(test, "sources")
        sents = [prepare(s, g, w.src_vocab, w.tgt_vocab) for s, g in zip(words, w._glosses(words))]
        one = pointer_search(tr.net, sents, w.tgt_vocab, 1, tr.config.alpha, tr.config.max_decode_ratio, nbest=True)
        assert [n[0][0] for n in one] == pointer_search(tr.net, sents, w.tgt_vocab, 1, tr.config.alpha,
                                                        tr.config.max_decode_ratio)


def test_one_entity_type_written_iob1_among_iob2_ones_turns_the_constraints_off():
    """Before: I-MISC opened every MISC entity, B-PER/I-PER were IOB2; the 8 B-PER outnumbered the 4 I-MISC
    openings, so the IOB2 constraints stayed on and I-MISC could start nowhere: MISC was never predicted."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    S = [["John", "Smith", "saw", "it"]] * 8 + [["the", "Euro", "Cup", "ended"]] * 4
    T = [["B-PER", "I-PER", "O", "O"]] * 8 + [["O", "I-MISC", "I-MISC", "O"]] * 4
    cfg = TaggerConfig(word_dim=4, char_dim=4, char_hidden=2, hidden_size=4, epochs=1, progress=False, val_fraction=0)
    with pytest.warns(UserWarning, match=r"4 entities open with I-X .* against 8 B- tags \(of type\(s\) \['MISC'\] "
                                         r"more than their B- tags\)"):
        tagger = SequenceTagger(cfg).fit(S, T, baselines=False)
    assert tagger.config.constrained is False
    tags = tagger.tags.tokens
    logp = torch.full((1, len(tags)), -5.0)
    logp[0, tags.index("I-MISC")] = 0.0                  # a token the network calls I-MISC
    assert tagger._decode([logp.log_softmax(-1)]) == [["I-MISC"]]    # was ['O'] (or another valid start)
    # IOB2 throughout: the constraints stay
    iob2 = [["B-PER", "I-PER", "O", "O"]] * 8 + [["O", "B-MISC", "I-MISC", "O"]] * 4
    import warnings as w
    with w.catch_warnings():
        w.simplefilter("error", UserWarning)
        assert SequenceTagger(cfg).fit(S, iob2, baselines=False).config.constrained is True


def test_a_bpe_vocabulary_smaller_than_the_characters_is_warned():
    """Before: bpe_vocab=5 on a text of 12 distinct characters gave 14 units (every character and the specials,
    no merge) while the run's config said 5, silently."""
    with pytest.warns(UserWarning, match=r"^bpe_vocab: 5 is below the 14 units of the training text's characters"):
        lm = CharLM(CharLMConfig(**{**TINY, "units": "bpe", "bpe_vocab": 5})).fit(TEXT, baselines=False)
    assert len(lm.chars) == 14
    import warnings as w
    with w.catch_warnings():
        w.simplefilter("error", UserWarning)
        CharLM(CharLMConfig(**{**TINY, "units": "bpe", "bpe_vocab": 14})).fit(TEXT, baselines=False)


def test_predict_names_the_prompt_with_an_unseen_character():
    """Before: 'prompt: expected characters seen in training' named no prompt of the list, and came after the
    prompts before it were sampled."""
    lm = CharLM(CharLMConfig(**TINY)).fit(TEXT, baselines=False)
    with pytest.raises(DataError, match=r"^prompts\[2\]: expected characters seen in training, got 1 unseen \['Q'\]"):
        lm.predict(["the", "cat", "Qat"], 5, seed=0)
    assert len(lm.predict(["the", "cat", "Qat"], 5, seed=0, unknown="unk")) == 3
