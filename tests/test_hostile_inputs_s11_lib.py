"""Sweep 8 (session 11, helper R): the library's Python API as a hostile user calls it -- vocabularies, the
tagger, the time-series readers and tasks, generation, Hopfield, experiments, the Trainer, layers. Each test
failed on the code before its fix (the old behaviour is in its docstring); findings in
/work/scratch/s11/R/RESULTS.md."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from rnnkit.data.tsc import read_long_csv
from rnnkit.data.vocab import Vocab
from rnnkit.errors import ConfigError, DataError, InputTypeError, ShapeError

pytestmark = pytest.mark.usefixtures("one_thread_module")


def test_a_vocab_refuses_a_plain_str_where_it_expects_a_list_of_tokens():
    """Before: ``Vocab.build(["hello world"])`` built a vocabulary of its characters and ``encode("hello")``
    returned five char ids -- silently, where the user meant words; ``encode([1])`` and ``build([{"a": 5}])``
    gave <unk> / counts. Oracle: the same tokens passed as lists."""
    v = Vocab.build([list("hello world")])
    assert v.encode(list("hello")) == [v.id(ch) for ch in "hello"]            # characters, said explicitly
    for bad, name in ((["hello world"], r"sequences\[0\]"), ("abc", "sequences"), ([b"ab"], r"sequences\[0\]")):
        with pytest.raises(DataError, match=rf"^{name}: expected a list of tokens, got a single (str|bytes) "):
            Vocab.build(bad)
    with pytest.raises(DataError, match=r"^sequences\[0\]: expected a list of tokens, got a dict$"):
        Vocab.build([{"a": 5}])
    with pytest.raises(DataError, match=r"^tokens: expected a list of tokens, got a single str 'hello'"):
        v.encode("hello")
    with pytest.raises(DataError, match=r"^tokens\[1\]: expected a str token, got int 1$"):
        v.encode(["h", 1])
    assert v.encode(iter(["h", "zz"])) == [v.id("h"), v.unk_id]                 # any iterable of str still reads


def test_the_tagger_still_reads_each_word_as_its_characters():
    """The tagger relied on Vocab reading a str as characters (its char vocabulary and char ids); it now
    passes ``list(word)``. Oracle: the char ids of each word are those of its characters, truncated at
    ``max_word_len``, and an unseen character is <unk>."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["the", "cat", "sat"], ["a", "dog", "ran"]] * 3
    tags = [["D", "N", "V"]] * 6
    tg = SequenceTagger(TaggerConfig(epochs=1, hidden_size=8, word_dim=8, char_dim=4, char_hidden=4,
                                     max_word_len=2, progress=False)).fit(sents, tags)
    assert set(tg.chars.tokens[2:]) == set("thecatsadogrn")
    _, _, chars = tg._encode([["cat", "zebra"]])
    assert chars == [[[tg.chars.id("c"), tg.chars.id("a")], [tg.chars.unk_id, tg.chars.id("e")]]]
    assert len(tg.predict([["the", "zebra"]])[0]) == 2


def _long_csv(tmp_path, times):
    rows = ["id,time,v,label"] + [f"s,{t},{k},up" for k, t in enumerate(times)] + ["r,0,9,dn", "r,1,8,dn"]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_long_csv_refuses_a_hole_or_an_extra_sample_within_a_series(tmp_path):
    """Before: times 0, 1, 2, 5, 6 were read as five consecutive steps: the two missing steps closed silently
    (and 0, 1, 1.1, 2 read a half-step sample as a whole step). Now a DataError naming id, rows and times;
    rows with empty values at the missing times read as missing values, and gaps='steps' keeps the old
    reading for irregular sampling."""
    with pytest.raises(DataError, match=r"got a hole in id 's': time 2 then 5 in rows 4 and 5 against its usual "
                                        r"step 1 \(1 such place\(s\)\); add rows with empty values"):
        read_long_csv(_long_csv(tmp_path, [0, 1, 2, 5, 6]))
    with pytest.raises(DataError, match=r"got an extra sample in id 's': time 1 then 1.1 in rows 3 and 4"):
        read_long_csv(_long_csv(tmp_path, [0, 1, 1.1, 2, 3]))
    X, _ = read_long_csv(_long_csv(tmp_path, [0, 1, 2, 5, 6]), gaps="steps")      # the old reading, on request
    assert X[0][:, 0].tolist() == [0, 1, 2, 3, 4]
    path = tmp_path / "filled.csv"                                                 # the hole as missing values
    path.write_text("id,time,v,label\n" + "".join(f"s,{t},{'' if t in (3, 4) else t},up\n" for t in range(7)))
    assert np.isnan(read_long_csv(path)[0][0][3:5, 0]).all()
    for times in ([30, 10, 20, 0], [0.1 * k for k in range(20)], [0, 1.02, 1.98, 3.01], [7, 3]):  # sorted, float
        X, y = read_long_csv(_long_csv(tmp_path, times))                               # steps, jitter, short: fine
        assert X[0][:, 0].tolist() == [float(k) for k in np.argsort(times)] and y == ["up", "dn"]
    for bad, err in ((None, InputTypeError), ("gap", ConfigError)):
        with pytest.raises(err, match=r"^gaps: expected one of \['error', 'steps'\], got "):
            read_long_csv(_long_csv(tmp_path, [0, 1]), gaps=bad)


def test_a_metric_named_loss_or_a_complex_loss_is_refused_not_mixed_into_the_loss():
    """Before: ``loss_fn`` returning ``(loss, {"loss": 5.0})`` trained with ``train_loss`` the mean of the loss
    AND 5.0 (3.04 for a loss of 1.08) -- silently; a complex loss was torch's RuntimeError "grad can be
    implicitly created only for real scalar outputs". Oracle: the same fit with the metric renamed."""
    import rnnkit
    from rnnkit.training import TrainConfig, Trainer

    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(2)]

    def fit(loss_fn):
        torch.manual_seed(0)
        return Trainer(rnnkit.GRU(2, 4, batch_first=True), loss_fn, config=TrainConfig(epochs=1, quiet=True)).fit(data)

    def mse(model, batch):
        return torch.nn.functional.mse_loss(model(batch[0])[0], batch[1])

    row = fit(lambda m, b: (mse(m, b), {"other": 5.0})).history[0]
    assert row["train_other"] == 5.0 and row["train_loss"] == fit(mse).history[0]["train_loss"]
    for metrics in ({"loss": 5.0}, {1: 5.0}):
        with pytest.raises(ConfigError, match=r"^metrics: expected str names other than 'loss' .*, got (1|'loss')$"):
            fit(lambda m, b: (mse(m, b), metrics))
    with pytest.raises(InputTypeError, match=r"^loss_fn: expected a real floating-point loss, got dtype torch.complex64$"):
        fit(lambda m, b: mse(m, b) * (1 + 0j))


def _two_shapes(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = [(np.sin(np.linspace(0, 3 + 4 * (i % 2), 30))[:, None] + 0.3 * rng.normal(size=(30, 1))).astype("float32")
         for i in range(n)]
    return X, ["a", "b"] * (n // 2)


@pytest.mark.parametrize("scale", [1e-10, 1e25])
def test_tsc_predictions_do_not_depend_on_the_series_units(scale):
    """Before: channels were standardised by ``std + 1e-6`` (network) / ``+ 1e-8`` (1-NN) in float32: series of
    values ~1e-10 fed the network near-zeros (every probability 0.523 whatever the series), and at ~1e25 the
    std overflowed to inf (every input 0; 1-NN accuracy 1.0 -> 0.5) -- no error, no warning. Oracle: the same
    classifier fit on the series in units of 1."""
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    X, y = _two_shapes()
    train, test = (X[:20], y[:20]), X[20:]

    def run(s):
        clf = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=3, hidden_size=8, progress=False))
        clf.fit([x * s for x in train[0]], train[1], baselines=False)
        nn = OneNNEuclidean().fit([x * s for x in train[0]], train[1]).predict([x * s for x in test])
        return clf.predict_proba([x * s for x in test]), nn

    (p1, nn1), (ps, nns) = run(1.0), run(scale)
    np.testing.assert_allclose(ps, p1, atol=1e-5)
    assert nns == nn1 and p1[:, 0].std() > 1e-3          # the oracle itself tells the series apart


def test_tsc_1nn_labels_are_checked_as_the_task_s():
    """Before: ``OneNNEuclidean().fit(X, y)`` took ``str(label)``: a None label became a class 'None' and the
    labels 0 and '0' one class, silently (the task refused both)."""
    from rnnkit.tasks.tsc import OneNNEuclidean

    X = [np.full((4, 1), float(i), dtype=np.float32) for i in range(4)]
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(None\)$"):
        OneNNEuclidean().fit(X, ["a", None, "b", "b"])
    with pytest.raises(DataError, match=r"^y: expected labels of one type .* got 0 \(int\) and '0' \(str\)"):
        OneNNEuclidean().fit(X, [0, "0", 1, 1])
    assert OneNNEuclidean().fit(X, [0, 1, 2, 3]).predict([np.full((4, 1), 2.1)]) == ["2"]


def test_tsc_readers_refuse_underscored_and_out_of_range_numbers_naming_the_line(tmp_path):
    """Before: all three readers took Python's float(): '1_0' (a digit separator) read as 10, and '1e39' became
    inf in the float32 cast with only numpy's RuntimeWarning (the .ts and UCR readers took 'inf' too), so
    the series carried values nobody wrote. Oracle: the same files without the bad field read as written."""
    from rnnkit.data.tsc import read_ts, read_ucr

    assert read_ts(text="@data\n1.5,nan,3:a\n")[0][0][:, 0].tolist()[::2] == [1.5, 3.0]
    assert read_ucr(text="1\t10\t2\n")[0][0][:, 0].tolist() == [10.0, 2.0]
    for bad in ("1_0", "1e39", "inf", "-1E+40"):
        msg = "expected comma-separated numbers at line 2" if "_" in bad else \
            rf"expected finite values within float32 .* at line 2, got '{re.escape(bad)}'"
        with pytest.raises(DataError, match=r"^ts text: " + msg):
            read_ts(text=f"@data\n1,{bad},3:a\n")
        msg = "expected numbers after the label at line 1" if "_" in bad else \
            rf"expected finite values within float32 .* at line 1, got '{re.escape(bad)}'"
        with pytest.raises(DataError, match=r"^ucr text: " + msg):
            read_ucr(text=f"1\t{bad}\t2\n")
        path = tmp_path / "l.csv"
        path.write_text(f"id,time,v,label\ns,0,{bad},a\ns,1,2,a\n")
        msg = r"expected a number in column 'v' at row 2, got '1_0' \(row \{" if "_" in bad else \
            r"at row 2, got \{'id': 's', 'time': '0', 'v': "      # the column named since session 23 (T)
        with pytest.raises(DataError, match=msg):
            read_long_csv(path)


def test_long_csv_value_columns_are_a_list_of_distinct_columns_without_a_role(tmp_path):
    """Before: ``value_cols="va"`` read columns 'v' and 'a' (a str as its characters), ``[]`` every column,
    ``["v", "v"]`` the channel twice and ``["v", "time"]`` the time as a channel -- all silently."""
    path = tmp_path / "l.csv"
    path.write_text("id,time,v,w,label\ns,0,1,5,a\ns,1,2,6,a\n")
    assert read_long_csv(path, value_cols=["w", "v"])[0][0].tolist() == [[5, 1], [6, 2]]
    with pytest.raises(InputTypeError, match=r"^value_cols: expected None or a list of column names, got 'vw'$"):
        read_long_csv(path, value_cols="vw")
    with pytest.raises(ConfigError, match=r"^value_cols: expected None \(every other column\) or at least one"):
        read_long_csv(path, value_cols=[])
    with pytest.raises(DataError, match=r"expected each column once in value_cols, got 'v' twice$"):
        read_long_csv(path, value_cols=["v", "v"])
    with pytest.raises(DataError, match=r"expected value_cols to name a column other than time_col, got 'time' for both$"):
        read_long_csv(path, value_cols=["v", "time"])


def test_a_tagger_of_iob1_tags_predicts_the_entities_its_data_opens_with_i():
    """Before: with IOB1 tags (CoNLL-2003's original files: ``I-PER`` opens an entity) the default
    ``constrained=True`` decoded under IOB2's rule (``I-X`` never first, never after ``O``): every entity
    came out ``O``, entity F1 0.0 where per-token decoding had 1.0 -- silently. Oracle: the same fit with
    ``constrained=False``; IOB2 tags keep their constraints, and a few stray openings in IOB2 data too."""
    import warnings

    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    names, places = ["Anna", "Bob", "Carl", "Dana"], ["Paris", "Rome", "Oslo"]
    sents = [["yesterday", names[k % 4], "went", "to", places[k % 3], "."] for k in range(48)]
    iob1 = [["O", "I-PER", "O", "O", "I-LOC", "O"]] * 48
    kw = dict(epochs=12, patience=100, hidden_size=16, word_dim=16, char_dim=8, char_hidden=8, progress=False)
    test = [["yesterday", "Eve", "went", "to", "Rome", "."]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tagger = SequenceTagger(TaggerConfig(**kw)).fit(sents, iob1)
    free = SequenceTagger(TaggerConfig(**kw, constrained=False)).fit(sents, iob1)
    got = tagger.predict(sents[:6] + test)
    assert got == free.predict(sents[:6] + test) and sum(t.startswith("I-") for s in got for t in s) >= 7
    assert tagger.config.constrained is False
    said = [str(w.message) for w in caught if "IOB1" in str(w.message)]
    assert len(said) == 1 and re.match(r"tag: \d+ entities open with I-X \(IOB1 tags, e\.g\. tags\[0\]\[1\] 'I-PER'\) "
                                       r"against 0 B- tags", said[0]), said


def test_iob1_openings_tell_iob1_from_iob2_with_a_stray_error():
    from rnnkit.tasks.tagging import iob1_openings

    assert iob1_openings([["B-PER", "I-PER", "O", "I-PER"]] * 3) == ([(k, 3, "I-PER") for k in range(3)], 3)
    assert iob1_openings([["B-PER", "I-LOC"], ["I-PER", "B-PER"]]) == ([(0, 1, "I-LOC"), (1, 0, "I-PER")], 2)


def test_tagging_metrics_refuse_predictions_misaligned_with_the_sentences():
    """Before: ``tagging_metrics`` flattened both sides first, so predictions shifted across sentences
    (``[["A"], ["B", "C"]]`` for ``[["A", "B"], ["C"]]``) scored accuracy 1.0; an unfitted MostFrequentTag
    tagged every token 'O'. Oracle: the aligned predictions score as before."""
    from rnnkit.tasks.tagging import MostFrequentTag, tagging_metrics

    true = [["B-X", "I-X"], ["O"]]
    assert tagging_metrics(true, [["B-X", "I-X"], ["B-X"]])["token_accuracy"] == pytest.approx(2 / 3)
    with pytest.raises(DataError, match=r"^pred\[0\]: expected one tag per token \(2\), got 1$"):
        tagging_metrics([["A", "B"], ["C"]], [["A"], ["B", "C"]])          # not BIO: was accuracy 1.0
    with pytest.raises(DataError, match=r"^pred: expected one tag list per sentence \(2\), got 3$"):
        tagging_metrics(true, [["B-X", "I-X"], ["O"], ["O"]])
    with pytest.raises(ConfigError, match=r"^baseline: expected a fitted MostFrequentTag, got an unfitted one$"):
        MostFrequentTag().predict([["a"]])


def test_tagging_metrics_refuse_a_flat_list_of_tags():
    """Before: a flat list of tags (one sentence given without its list) was read tag by tag as characters:
    ``tagging_metrics(["NNP", "O"], ["NNS", "O"])`` scored 'N', 'N' as hits -- accuracy 0.75 for 1 of 2."""
    from rnnkit.tasks.tagging import tagging_metrics

    assert tagging_metrics([["NNP", "O"]], [["NNS", "O"]])["token_accuracy"] == 0.5
    with pytest.raises(InputTypeError, match=r"^true\[0\]: expected a list of tags \(one sentence\), got a str 'NNP'$"):
        tagging_metrics(["NNP", "O"], ["NNS", "O"])
    with pytest.raises(InputTypeError, match=r"^pred: expected a list of tag lists, got a str 'O'$"):
        tagging_metrics([["O"]], "O")


def test_a_char_lm_val_text_too_short_to_score_is_refused_not_dropped():
    """Before: ``CharLM.fit(text, "t")`` trained without validation (no curve, no early stopping, no LR decay)
    and recorded ``val_chars: 1`` as if it had validated -- silently; a scorable one still validates."""
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    cfg = CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2, progress=False)
    text = "the cat sat on the mat.\n" * 10
    with pytest.raises(DataError, match=r"^val_text: expected at least 2 units to score \(one predicts the next\), got 1$"):
        CharLM(cfg).fit(text, "t")
    assert CharLM(cfg).fit(text, "ta").history["curve"][0]["val_bits_per_char"] is not None


def test_pad_sequences_never_changes_a_value_to_fit_a_dtype():
    """Before: (T_i, C) arrays were padded in the first one's dtype -- an int array first cut a later 1.5 to
    1 -- and an explicit dtype took 1.5 as 1 (long) or 1e300 as inf (float32), silently. Oracle: the values
    read back from the padded tensor."""
    from rnnkit.data.batching import pad_sequences

    x, lengths = pad_sequences([np.array([[1], [2]]), np.array([[1.5]])])
    assert x.dtype == torch.float64 and x[1, 0, 0].item() == 1.5 and lengths.tolist() == [2, 1]
    assert pad_sequences([np.array([[1.0]], dtype=np.float32), np.array([[1e300]])])[0][1, 0, 0].item() == 1e300
    assert torch.isnan(pad_sequences([np.array([[np.nan]])], dtype=torch.float32)[0]).all()   # missing stays
    with pytest.raises(DataError, match=r"^seqs\[1\]: expected values that torch.int64 holds, got 1.5 "):
        pad_sequences([np.array([[1.0]]), np.array([[1.5]])], dtype=torch.long)
    with pytest.raises(DataError, match=r"^seqs\[0\]: expected values that torch.float32 holds, got 1e\+300 "):
        pad_sequences([np.array([[1e300]])], dtype=torch.float32)


def test_an_experiment_out_that_is_a_file_is_refused_before_training(tmp_path, monkeypatch):
    """Before: ``run_experiment(..., out=<a file>)`` trained to the end, then raised a bare FileExistsError
    (``compare`` reported NotADirectoryError per cell): the work was lost. Oracle: training never starts."""
    from rnnkit.experiments import compare, run_experiment
    from rnnkit.experiments import runner

    def no_training(*a, **k):
        raise AssertionError("trained before the output folder was checked")

    monkeypatch.setattr(runner, "_train", no_training)
    (tmp_path / "afile").write_text("x")
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        with pytest.raises(ConfigError, match=r"^out: expected a folder"):
            run_experiment("adding", steps=2, length=4, hidden_size=4, out=out)
        with pytest.raises(ConfigError, match=r"^out: expected a folder"):
            compare("adding", ["lstm", "gru"], steps=2, length=4, hidden_size=4, out=out)
    # and cells="gru" was read as the cells 'g', 'r', 'u' ("expected one of [...], got 'g'")
    with pytest.raises(InputTypeError, match=r"^cells: expected a list of cell names, got the str 'gru'"):
        compare("adding", "gru", steps=2, length=4, hidden_size=4)


def test_macro_f1_and_entity_prf_refuse_fewer_predictions_than_truths():
    """Before: both zipped truth and predictions, so a prediction list one short scored the common prefix:
    ``macro_f1(["a", "b"], ["a"]) == 1.0`` and ``entity_prf`` of one sentence of two 1.0 -- silently."""
    from rnnkit.tasks.common import entity_prf, macro_f1

    assert macro_f1(["a", "b"], ["a", "a"]) == pytest.approx(1 / 3)
    with pytest.raises(DataError, match=r"^y_pred: expected 2 predictions \(one per true label\), got 1$"):
        macro_f1(["a", "b"], ["a"])
    true = [["B-X", "O"], ["B-Y"]]
    assert entity_prf(true, [["B-X", "O"], ["O"]])["entity_recall"] == 0.5
    with pytest.raises(DataError, match=r"^pred_seqs: expected one tag list per sentence \(2\), got 1$"):
        entity_prf(true, [["B-X", "O"]])


def test_num2words_pairs_checks_its_seed():
    """Before: ``seed=-1`` was numpy's bare ValueError and ``seed=True`` drew the pairs of seed 1, silently."""
    pytest.importorskip("num2words")
    from rnnkit.data.translation import num2words_pairs

    assert num2words_pairs(3, seed=1) == num2words_pairs(3, seed=1)
    for bad in (-1, True, 1.5):
        with pytest.raises(ConfigError, match=rf"^seed: expected an int >= 0, got {re.escape(repr(bad))}$"):
            num2words_pairs(3, seed=bad)


def test_a_ts_label_outside_the_declared_classes_is_refused_naming_the_line():
    """Before: ``@classLabel true a b`` then a series labelled ``c`` (a broken line, or another file's) was read
    as a third class, silently (sktime's reader refuses it). Every bundled set still reads."""
    from rnnkit.data.tsc import read_ts

    assert read_ts(text="@classLabel true a b\n@data\n1,2:a\n3,4:b\n")[1] == ["a", "b"]
    with pytest.raises(DataError, match=r"expected '@classLabel true' followed by the class labels at line 1"):
        read_ts(text="@classLabel true\n@data\n1,2:a\n3,4:c\n")   # none declared: refused since session 23, as sktime
    with pytest.raises(DataError, match=r"^ts text: expected a class label declared by @classLabel \(\['a', 'b'\]\) "
                                        r"at line 4, got 'c'$"):
        read_ts(text="@classLabel true a b\n@data\n1,2:a\n3,4:c\n")


def test_translation_metrics_refuse_a_str_for_a_list_of_sentences():
    """Before: ``translation_metrics("a b", "a b")`` scored each character as a sentence (chrF 100, BLEU 0),
    silently. Oracle: the same text as a one-sentence list."""
    from rnnkit.tasks.seq2seq import translation_metrics

    assert translation_metrics(["a b c d"], ["a b c d"])["chrf"] == 100.0
    with pytest.raises(InputTypeError, match=r"^hyps: expected a list of strings, got str$"):
        translation_metrics("a b", ["a b"])
    with pytest.raises(InputTypeError, match=r"^refs: expected a list of strings, got str$"):
        translation_metrics(["a b"], "a b")
    with pytest.raises(InputTypeError, match=r"^hyps\[1\]: expected a str, got NoneType$"):
        translation_metrics(["a", None], ["a", "b"])


def test_label_metrics_refuse_a_str_for_a_list_of_labels():
    """Before: ``accuracy("ab", "ab")`` scored two one-character labels (1.0), ``bio_spans("B-X")`` read the tags
    'B', '-', 'X', and ``confusion_matrix`` counted the common prefix of lists of different lengths -- silently."""
    from rnnkit.tasks.common import accuracy, bio_spans, confusion_matrix, macro_f1

    assert accuracy(["ab"], ["ab"]) == 1.0 and bio_spans(["B-X"]) == {("X", 0, 1)}
    for call, name in ((lambda: accuracy("ab", ["a", "b"]), "y_true"), (lambda: macro_f1(["a"], "a"), "y_pred"),
                       (lambda: bio_spans("B-X"), "tags")):
        with pytest.raises(InputTypeError, match=rf"^{name}: expected a list of (labels|tags), got a str "):
            call()
    with pytest.raises(DataError, match=r"^y_pred: expected 2 predictions \(one per true label\), got 1$"):
        confusion_matrix(["a", "b"], ["a"], ["a", "b"])


def test_warmup_cosine_says_when_the_fit_runs_past_its_budget_of_steps():
    """Before: ``WarmupCosine(total_steps=4)`` on a fit of 8 steps ran steps 5-8 at a learning rate of 0 (the
    weights did not move) with no word. Oracle: the weights after the fit equal those after step 4."""
    import warnings

    import rnnkit
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.callbacks import WarmupCosine

    data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(4)]

    def mse(model, batch):
        return torch.nn.functional.mse_loss(model(batch[0])[0], batch[1])

    def fit(epochs):
        torch.manual_seed(0)
        net = rnnkit.GRU(2, 4, batch_first=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Trainer(net, mse, config=TrainConfig(epochs=epochs, quiet=True), callbacks=[WarmupCosine(4)]).fit(data)
        return net, [str(w.message) for w in caught if "WarmupCosine" in str(w.message)]

    (one, quiet), (two, said) = fit(1), fit(2)
    assert all(torch.equal(a, b) for a, b in zip(one.state_dict().values(), two.state_dict().values()))
    assert not quiet and len(said) == 1 and said[0].startswith("WarmupCosine: the fit ran past total_steps=4: step 5 ")


def test_val_targets_without_val_inputs_are_refused_not_dropped():
    """Before: ``fit(X, y, val_targets=yv)`` (the inputs forgotten) dropped ``yv`` and validated on a random
    split of the training data, silently."""
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    X, y = _two_shapes(8)
    with pytest.raises(ConfigError, match=r"^val_inputs: expected the validation X of the val_targets given, got None$"):
        TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, progress=False)).fit(X, y, val_targets=y[:2])


def test_a_bad_baselines_argument_is_refused_before_training():
    """Before: ``fit(..., baselines="yes")`` trained the whole network, then failed in ``dict("yes")`` (a bare
    ValueError; ``{"x": 5}`` an AttributeError), and ``evaluate(..., baselines="no")`` scored the baselines."""
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    X, y = _two_shapes(8)

    def no_training(*a, **k):
        raise AssertionError("trained before baselines was checked")

    clf = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, progress=False))
    for bad, pattern in (("yes", r"^baselines: expected True, False or a dict of name -> baseline, got 'yes'$"),
                         ({"x": 5}, r"^baselines\['x'\]: expected a str name and an object with fit\(\), got int$")):
        with pytest.raises(InputTypeError, match=pattern):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(TimeSeriesClassifier, "_fit", no_training)
                clf.fit(X, y, baselines=bad)
    from rnnkit.training.callbacks import Callback

    with pytest.raises(InputTypeError, match=r"^callbacks: expected a list of Callback objects, got Callback$"):
        clf.fit(X, y, callbacks=Callback())          # was list(Callback()): a bare TypeError
    clf.fit(X, y, baselines={"mine": OneNNEuclidean()})
    assert list(clf.baselines) == ["mine"] and "baselines" in clf.evaluate(X, y)
    with pytest.raises(InputTypeError, match=r"^baselines: expected a bool, got 'no' \(str\)$"):
        clf.evaluate(X, y, baselines="no")


def test_hopfield_experiments_refuse_a_str_or_a_number_for_a_list():
    """Before: ``rules="hebbian"`` was read as the rules 'h', 'e', 'b', ... ("expected a non-empty list from
    [...], got ['h', 'e', ...]"), ``sizes=50`` was a bare TypeError and ``sizes="50"`` the sizes '5', '0'."""
    from rnnkit.hopfield.experiments import capacity_experiment, load_digit_patterns

    assert capacity_experiment(sizes=[20], loads=[0.05], rules=["hebbian"])["rules"] == ["hebbian"]
    for kw, shown in ((dict(rules="hebbian"), r"rules: expected a list, got str 'hebbian' \(pass \['hebbian'\]\)"),
                      (dict(sizes=50), r"sizes: expected a list, got int 50 \(pass \[50\]\)"),
                      (dict(sizes="50"), r"sizes: expected a list, got str '50'")):
        with pytest.raises(InputTypeError, match="^" + shown):
            capacity_experiment(**{"sizes": [20], "loads": [0.05], **kw})
    with pytest.raises(InputTypeError, match=r"^classes: expected a list, got int 3"):
        load_digit_patterns(3)


def test_a_held_out_part_of_one_character_is_refused_by_text_split():
    """Before: ``text_split`` of a 15-character text at 0.05 held out 1 character: the char LM trained without
    validation (nothing to score) and only scoring that part failed, after the fit."""
    from rnnkit.tasks.generation.data import text_split

    assert text_split("abcdefghijklmno", 0.2) == ("abcdefghijkl", "mno")
    with pytest.raises(DataError, match=r"^val_fraction: expected a held-out part of at least 2 characters to "
                                        r"validate on, got 1 from 0.05 of 15 "):
        text_split("abcdefghijklmno", 0.05)


def test_fill_missing_checks_its_series_as_the_classifier_does():
    """Before: a 1-D series was an IndexError, a str numpy's ValueError, ['1', '2'] strings were read as
    numbers, and inf was kept and passed on (only NaN is a missing value)."""
    from rnnkit.data.tsc import fill_missing

    assert fill_missing([[[1.0], [float("nan")], [3.0]]])[0][:, 0].tolist() == [1.0, 2.0, 3.0]
    for bad, err, pattern in (([np.array([np.nan, 1.0])], DataError, r"X\[0\]: expected a 2-D array \(T, C\)"),
                              ("abc", InputTypeError, r"X: expected a list of \(T_i, C\) arrays, got str"),
                              ([np.array([["1"], ["2"]])], InputTypeError, r"X\[0\]: expected a \(T, C\) array of real"),
                              ([np.array([[np.inf], [np.nan]])], DataError, r"X\[0\]: expected finite values within")):
        with pytest.raises(err, match="^" + pattern):
            fill_missing(bad)


def test_a_nested_cell_s_given_state_must_match_its_initial_state():
    """Before: ``rnnkit.Recurrent`` ran a given state as it came: a state of batch 1 was broadcast over a batch of
    2 (both rows started from it, silently), an extra key was ignored, and a wrong shape or key was an error
    from inside the user's cell (a RuntimeError of torch, a KeyError). Oracle: the state of a previous call
    continues the sequence as one call over both halves does."""
    import rnnkit

    class GatedSum(rnnkit.RecurrentCell):
        def __init__(self, n):
            super().__init__()
            self.proj = torch.nn.Linear(n, n)

        def initial_state(self, batch_size, device=None, dtype=None):
            return {"total": torch.zeros(batch_size, 3, device=device, dtype=dtype)}

        def forward(self, inp, state):
            total = state["total"] + torch.tanh(self.proj(inp))
            return total, {"total": total}

    layer = rnnkit.Recurrent(GatedSum(3), batch_first=True)
    x = torch.randn(2, 6, 3)
    whole, _ = layer(x)
    first, state = layer(x[:, :3])
    assert torch.allclose(torch.cat([first, layer(x[:, 3:], state)[0]], 1), whole)
    for bad, got in (({"total": torch.ones(1, 3)}, r"\{'total': \(1, 3\)\}"),
                     ({"total": torch.ones(2, 3), "x": torch.ones(2, 3)}, r"\{'total': \(2, 3\), 'x': \(2, 3\)\}"),
                     (torch.ones(2, 3), r"\(2, 3\)")):
        with pytest.raises(ShapeError, match=r"^state: expected the nest and shapes of cell.initial_state\(2\), \{'total': "
                                 rf"\(2, 3\)\}}, got {got}$"):
            layer(x, bad)


def test_ibm1_refuses_unaligned_or_unsplit_sentences():
    """Before: ``IBM1().fit(sources, targets)`` zipped them (a list one short aligned the common prefix) and a
    sentence given as a str was aligned character by character -- silently."""
    from rnnkit.tasks.seq2seq_words import IBM1

    src, tgt = [["das", "haus"], ["das", "buch"]], [["the", "house"], ["the", "book"]]
    assert IBM1().fit(src, tgt).best["haus"] == "house"
    with pytest.raises(DataError, match=r"^targets: expected one word list per source \(2\), got 1$"):
        IBM1().fit(src, tgt[:1])
    with pytest.raises(InputTypeError, match=r"^sources\[0\]: expected a list of words, got a str 'das haus'$"):
        IBM1().fit(["das haus", "das buch"], tgt)


def test_sentence_chrf_and_char_ngrams_check_their_arguments():
    """Before: ``sentence_chrf(["a"], "a")`` was an AttributeError ('list' object has no attribute 'split') and
    ``char_ngrams(text, 0)`` returned no n-grams, so every chrF from it was 0."""
    from rnnkit.tasks.seq2seq_mbr import char_ngrams, sentence_chrf

    assert sentence_chrf("the cat", "the cat") == 100.0
    with pytest.raises(InputTypeError, match=r"^text: expected a str, got list$"):
        sentence_chrf(["a"], "a")
    with pytest.raises(ConfigError, match=r"^order: expected an int >= 1, got 0$"):
        char_ngrams("abc", 0)


def test_detect_period_of_short_series_and_bad_settings():
    """Before: one value was numpy's LinAlgError ("SVD did not converge"), an empty series a TypeError, an
    unknown ``freq`` pandas' raw ValueError, and ``threshold=nan`` made any candidate win (nothing is below
    NaN). Oracle: a monthly sine still gives 12."""
    from rnnkit.data.timeseries.seasonality import detect_period

    y = np.sin(np.arange(120) * 2 * np.pi / 12)
    assert detect_period(y, "MS").period == 12 and detect_period(y[:1], "MS").period == 1
    assert detect_period(np.ones(4)).period == 1
    with pytest.raises(DataError, match=r"^y: expected at least one value, got an empty series$"):
        detect_period(np.zeros(0))
    with pytest.raises(ConfigError, match=r"^freq: expected None or a pandas frequency alias .*, got 'XYZ'$"):
        detect_period(y, "XYZ")
    with pytest.raises(ConfigError, match=r"^threshold: expected a finite number, got nan$"):
        detect_period(y, "MS", threshold=float("nan"))
    with pytest.raises(ConfigError, match=r"^max_period: expected an int >= 2"):
        detect_period(y, "MS", max_period=0)


def test_infer_frequency_refuses_unsorted_repeated_or_missing_timestamps():
    """Before: its documented precondition (sorted, distinct) was unchecked: reversed daily stamps gave the
    frequency '-2D' silently, a repeated stamp a ZeroDivisionError, a NaT pandas' OutOfBoundsTimedelta."""
    import pandas as pd

    from rnnkit.data.timeseries.frequency import infer_frequency

    assert infer_frequency(pd.date_range("2020-01-01", periods=5)).freq == "D"
    for stamps, pattern in ((["2020-01-03", "2020-01-01", "2020-01-02"], r"sorted, distinct timestamps, got 2020-01-01"),
                            (["2020-01-01", "2020-01-01", "2020-01-02"], r"sorted, distinct timestamps"),
                            (["2020-01-01", None, "2020-01-03"], r"timestamps, got a missing one \(NaT\) at position 1")):
        with pytest.raises(DataError, match=r"^time: expected " + pattern):
            infer_frequency(pd.DatetimeIndex(stamps))


def test_seasonal_stl_checks_its_cycles_and_robust_flag():
    """Before: ``SeasonalSTL(4, cycles=0)`` fitted a profile of NaN (0 / 0 over no cycle) that turned every
    transformed value into NaN, and ``robust="no"`` ran robust STL (``bool("no")``) -- silently."""
    from rnnkit.data.timeseries.transforms import SeasonalSTL

    y = np.arange(1.0, 41.0) + np.sin(np.arange(40))
    assert np.isfinite(SeasonalSTL(4, cycles=1).fit(y).profile).all()
    with pytest.raises(ConfigError, match=r"^cycles: expected an int >= 1, got 0$"):
        SeasonalSTL(4, cycles=0)
    with pytest.raises(InputTypeError, match=r"^robust: expected a bool, got 'no'"):
        SeasonalSTL(4, robust="no")
