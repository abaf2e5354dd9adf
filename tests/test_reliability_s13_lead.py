"""Session 13, lead: findings of the helpers applied to shared task code (helper G's proposal)."""

import numpy as np
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig


def test_an_evaluation_label_written_as_another_number_type_is_refused_not_an_unseen_class():
    """Before: fit with y = [1, 2, ...] (classes '1', '2'), evaluate with [1.0, 2.0, ...] (pandas' floats):
    every gold label an unseen class, accuracy 0.0, silently but for unseen_labels."""
    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, f, n))[:, None].astype("float32") for f, n in zip([1, 9] * 6, rng.integers(10, 20, 12))]
    m = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, batch_size=4, patience=1,
                                       val_fraction=0, progress=False)).fit(X, [1, 2] * 6, baselines=False)
    same = m.evaluate(X, [1, 2] * 6, baselines=False)
    assert m.evaluate(X, ["1", "2"] * 6, baselines=False)["accuracy"] == same["accuracy"]   # text is text
    assert m.evaluate(X, np.array([1, 2] * 6), baselines=False)["accuracy"] == same["accuracy"]
    with pytest.raises(DataError, match=r"^y\[0\]: expected a label as training wrote it, got 1.0 \(float\) read as "
                                        r"'1.0', while the class '1' is the same number; convert them first$"):
        m.evaluate(X, [1.0, 2.0] * 6, baselines=False)
    assert m.evaluate(X, [3.0] * 12, baselines=False)["unseen_labels"] == 12      # another number: unseen


def test_the_engine_gives_the_recorder_each_sequences_length_and_the_flag_reads_up_to_it():
    """Before: the BPTT engine recorded norms without lengths, so a padded sequence with a loss on its outputs
    only had norm 0 at the padded last step and was left out of the per-sequence ratios ("no gradient").
    Oracle: the ratio of each sequence's own first and last valid norms, computed here from the same record."""
    import torch

    import rnnkit
    from rnnkit.diagnostics import summarize_gradient_flow
    from rnnkit.engine.gradflow import GradFlowRecorder

    torch.manual_seed(0)
    layer = rnnkit.ElmanRNN(2, 8)
    x, lengths = torch.randn(40, 2, 2), torch.tensor([40, 3])
    with GradFlowRecorder() as rec:
        out, _ = layer(x, lengths=lengths)
        out.sum().backward()
    (tag,) = rec.norms
    assert rec.norms.lengths[tag].tolist() == [40, 3]
    n = rec.norms[tag].double()
    by_hand = [float(n[0, b] / n[int(L) - 1, b]) for b, L in enumerate(lengths)]
    s = summarize_gradient_flow(rec.norms)[tag]
    assert s.sequences == 2
    assert s.min_ratio == pytest.approx(min(by_hand)) and s.max_ratio == pytest.approx(max(by_hand))


def test_a_long_format_tsc_file_with_one_number_written_two_ways_is_refused(tmp_path):
    """Before: read_long_csv took '1' and '1.0' (two files joined, one written by pandas as floats) as two classes,
    silently, as the text CSV reader did before session 13 (data/text.py refuses it, naming rows). Here each label
    belongs to a series, so the error names the series."""
    from rnnkit.data.tsc import read_long_csv

    p = tmp_path / "long.csv"
    labels = (("a", "1"), ("b", "0"), ("c", "1.0"))
    rows = ["id,time,value,label"] + [f"{sid},{t},{t * 0.5},{lab}" for sid, lab in labels for t in range(4)]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'label': expected each label written one way, got '1' \(id 'a'\) and "
                                        r"'1\.0' \(id 'c'\), one number: one class or two\? write them alike$"):
        read_long_csv(p)
    p.write_text("\n".join(r.replace(",1.0", ",1") for r in rows) + "\n", encoding="utf-8")
    X, y = read_long_csv(p)
    assert y == ["1", "0", "1"] and len(X) == 3


def test_a_nan_validation_loss_is_said_once_not_a_silent_null():
    """Before: a NaN validation loss (NaN targets in val_data) was a null in every row, with no word; early stopping
    never found a best epoch. Oracle: the same fit with finite validation targets warns nothing."""
    import warnings

    import torch

    from rnnkit.training import TrainConfig, Trainer

    def loss_fn(model, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(model(x), y)

    torch.manual_seed(0)
    train = [(torch.randn(4, 2), torch.randn(4, 1))]
    for target, n_warnings in ((torch.zeros(4, 1), 0), (torch.full((4, 1), float("nan")), 1)):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            Trainer(torch.nn.Linear(2, 1), loss_fn, config=TrainConfig(epochs=3, quiet=True)).fit(
                train, [(torch.randn(4, 2), target)])
        said = [str(w.message) for w in got if issubclass(w.category, RuntimeWarning)]
        assert len(said) == n_warnings
    assert said[0].startswith("val_data: expected finite validation metrics, got val_loss=nan at epoch 1 ")


def test_truncated_bptt_warns_when_a_label_listed_first_may_have_set_the_sequence_length():
    """Before: split_time took T from the first tensor with a time axis, without a word: a one-hot label (B, C)
    first in a dict set T = C and the inputs (B, T, F) went whole into every chunk. The rule stays (list the
    sequence first: {"tokens": (B, T), "image": (B, C, H, W)} is right by it, the review found), and a later tensor
    with more dimensions and another size there is warned. Oracle: the same batch with the keys in order."""
    import warnings

    import torch

    from rnnkit.training import split_time

    x, y = torch.randn(2, 7, 3), torch.zeros(2, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # in order: no warning
        want = split_time({"x": x, "y": y}, 3)
        t_major = split_time((torch.randn(7, 2, 3), torch.zeros(2)), 3, time_dim=0)
    assert [tuple(c["x"].shape) for c in want] == [(2, 3, 3), (2, 3, 3), (2, 1, 3)]
    assert [tuple(c[0].shape) for c in t_major] == [(3, 2, 3), (3, 2, 3), (1, 2, 3)]
    with pytest.warns(RuntimeWarning, match=r"^batch: the sequence length is taken from the first tensor with a time "
                                            r"axis at dim 1, shape \(2, 4\) \(T = 4\), but a later one of shape "
                                            r"\(2, 7, 3\) has more dimensions and 7 there"):
        split_time({"y": y, "x": x}, 3)


def test_forecast_reads_its_csv_from_stdin_once_as_the_other_commands_do(tmp_path, monkeypatch, capsys):
    """Before: `rnnkit forecast --csv -` (or <(cmd)) was refused "(not found)" / "a pipe, read once: this reader
    needs a file" though the reader reads the text once; session 13 made classify/tag/tsc read pipes. Oracle: the
    same file given by its path, in the same test."""
    import io
    import sys

    import numpy as np

    from rnnkit.cli.main import main

    t = np.arange(60)
    text = "date,units\n" + "".join(f"{d.date()},{v:.3f}\n" for d, v in zip(
        __import__("pandas").date_range("2000-01-01", periods=60, freq="MS"), 100 + t + 5 * np.sin(t * np.pi / 6)))
    (tmp_path / "sales.csv").write_text(text, encoding="utf-8")
    args = ["--target", "units", "--time-col", "date", "--horizon", "3", "--model", "seasonal_naive"]
    assert main(["forecast", "--csv", str(tmp_path / "sales.csv"), *args, "--out", str(tmp_path / "a")]) == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert main(["forecast", "--csv", "-", *args, "--out", str(tmp_path / "b")]) == 0, capsys.readouterr().err
    a, b = ((tmp_path / d / "forecast.csv").read_text().splitlines() for d in "ab")
    assert len(a) == len(b) == 4
    assert a == b                                                              # the same forecast, same ids


def test_an_exported_word_classifier_says_how_to_cut_texts_and_following_it_gives_the_runs_tokens():
    """Before: an exported words/chars classifier's meta named the tokenizer ('words') but not what it does, so a
    consumer outside Python could not reproduce the tokens (S's note). Oracle: rnnkit's own tokenize on hostile text,
    against the meta's recipe followed with the regex package."""
    import unicodedata

    import regex

    from rnnkit.data.vocab import tokenize
    from rnnkit.export.tasks import classifier_spec
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["a good fine movie", "bad awful plot", "nice great acting", "terrible bad film"] * 4
    cfg = TextClassifierConfig(tokenizer="words", embeddings="own", lowercase=True, min_freq=1, embed_dim=4,
                               hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False)
    clf = TextClassifier(cfg).fit(texts, ["pos", "neg", "pos", "neg"] * 4, baselines=False)
    spec = classifier_spec(clf).meta["splitter"]
    assert (spec["normalize"], spec["casefold"]) == ("NFC", True)
    pattern = regex.compile(spec["pattern"], regex.V1)
    hostile = ["Ça VA? 👨‍👩‍👧 🇩🇪🇫🇷 می‌خواهم soft\u00adhyphen हिन्दी 東京タワー e\u0301", "  tabs\tand\u200bzwsp  "]
    for text in hostile:
        assert pattern.findall(unicodedata.normalize("NFC", text).casefold()) == tokenize(text, "words", True)


def test_label_codes_that_spell_one_number_otherwise_stay_labels():
    """Session 13's '1' vs '1.0' refusal (a column pandas wrote as floats) also refused label codes: '01' and '1',
    '1.10' and '1.1' (codes, versions), with no way to train on them. Only the int/float forms of one whole number
    are refused now; the refusal itself is S's test (tests/test_reliability_s13_text.py)."""
    import tempfile
    from pathlib import Path

    from rnnkit.data.text import read_csv_texts
    from rnnkit.data.tsc import read_long_csv

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "codes.csv"
        p.write_text("text,label\na,01\nb,1\nc,1.10\nd,1.1\ne,7\n", encoding="utf-8")
        assert read_csv_texts(p)[1] == ["01", "1", "1.10", "1.1", "7"]
        p.write_text("text,label\na,1\nb,1.0\n", encoding="utf-8")
        with pytest.raises(DataError, match=r"'1' \(row 2\) and '1\.0' \(row 3\)"):
            read_csv_texts(p)
        q = Path(d) / "long.csv"
        q.write_text("id,time,value,label\n" + "".join(f"{s},{t},{t},{lab}\n" for s, lab in (("a", "007"), ("b", "7"))
                                                       for t in range(3)), encoding="utf-8")
        assert read_long_csv(q)[1] == ["007", "7"]


def test_truncated_bptt_cuts_numpy_lengths_as_layers_take_them():
    """Before: split_time refused a numpy integer array (or a list of numpy ints) under 'lengths' -- which every
    layer takes (engine.masks.check_lengths) -- as 'expected a 1-D integer tensor or a list of ints' (review V).
    Oracle: the same lengths as a tensor."""
    import numpy as np
    import torch

    from rnnkit.training import split_time

    x = torch.randn(2, 7, 3)
    want = [c["lengths"].tolist() for c in split_time({"x": x, "lengths": torch.tensor([7, 2])}, 3)]
    got = split_time({"x": x, "lengths": np.array([7, 2], dtype=np.int32)}, 3)
    assert [c["lengths"].tolist() for c in got] == want == [[3, 2], [3, 0], [1, 0]]
    assert all(isinstance(c["lengths"], np.ndarray) for c in got)
    assert [c["lengths"] for c in split_time({"x": x, "lengths": [np.int64(7), np.int64(2)]}, 3)] == want
