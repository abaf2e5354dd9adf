"""Session 14's reliability sweep (helper S): readers, training, serving, Hopfield, export, CLI.

Each test fails on the code before its fix (checked with ``git archive`` of the commit before, PYTHONPATH).
"""

from __future__ import annotations

import re
import warnings

import pytest
import torch
from torch import nn

from rnnkit.errors import DataError


# ------------------------------------------------------------------ a one-column CSV whose text is its header
def test_a_one_column_csv_reads_a_text_equal_to_its_header_with_a_warning(tmp_path):
    from rnnkit.data.text import read_csv_texts
    p = tmp_path / "texts.csv"
    p.write_text("text\nhello\ntext\nbye\n", encoding="utf-8")   # "text" is a real text (a word list, a test set)
    with pytest.warns(UserWarning, match=r"row 3 \(line 3\) repeats the header 'text'; read as data"):
        texts, labels = read_csv_texts(p, label_col=None)
    assert texts == ["hello", "text", "bye"] and labels is None
    p.write_text("text,label\nok,pos\ntext,label\n", encoding="utf-8")   # two columns: still two files joined
    with pytest.raises(DataError, match="got the header again at row 3"):
        read_csv_texts(p)


# ------------------------------------------------------------------ a file named gradflow without the monitor
def _tiny_fit(run_dir, **cfg):
    from rnnkit.training import TrainConfig, Trainer
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    data = [(torch.randn(4, 2), torch.randn(4, 1))]
    tr = Trainer(model, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), run_dir=run_dir,
                 config=TrainConfig(epochs=1, quiet=True, **cfg))
    return tr.fit(data)


def test_a_file_named_gradflow_in_run_dir_is_refused_only_with_the_gradient_monitor(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "gradflow").write_text("my notes", encoding="utf-8")   # nothing of the trainer's: no monitor writes there
    res = _tiny_fit(run)
    assert res.global_step == 1 and (run / "gradflow").read_text(encoding="utf-8") == "my notes"
    run2 = tmp_path / "run2"
    run2.mkdir()
    (run2 / "gradflow").write_text("x", encoding="utf-8")
    from rnnkit.errors import RnnkitError
    with pytest.raises(RnnkitError, match="run_dir"):
        _tiny_fit(run2, gradflow_every=1)


# ------------------------------------------------------------------ truncations(): per thread, filters untouched
def test_truncations_collects_per_thread_and_leaves_the_warning_machinery_alone():
    """Before: truncations() was warnings.catch_warnings(record=True), which swaps the process's filters and
    showwarning: with two server threads in it, the first thread's cut was recorded by the second (the first
    told its client nothing was cut), and the second's exit put the first's recorder back for good."""
    import threading

    from rnnkit.data.batching import limit_length, truncations

    show, filters = warnings.showwarning, list(warnings.filters)
    entered, cut_done, second_out = threading.Barrier(2), threading.Event(), threading.Event()
    got: dict[str, dict] = {}

    def first():
        with truncations() as cut:
            entered.wait(5)
            limit_length([[1, 2, 3], [4]], 2)   # while the second thread is in its own block
            cut_done.set()
            second_out.wait(5)
        got["first"] = dict(cut)

    def second():
        with truncations() as cut:
            entered.wait(5)
            cut_done.wait(5)
        got["second"] = dict(cut)
        second_out.set()

    ts = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(10)
    assert got == {"first": {0: 3}, "second": {}}
    assert warnings.showwarning is show and list(warnings.filters) == filters
    with truncations() as cut:   # the block does not touch the filters; other warnings go out as usual
        assert list(warnings.filters) == filters
        with pytest.warns(UserWarning, match="other"):
            warnings.warn("other", UserWarning)
    assert cut == {}


# ------------------------------------------------------------------ an empty batch (B = 0)
def test_an_empty_batch_is_a_data_error_naming_the_batch_not_a_diverged_loss():
    """Before: a batch of 0 items had a mean loss of NaN and ended the fit as NonFiniteLossError (the model
    'diverged'); validation gave a NaN metric."""
    import rnnkit
    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    full, empty = (torch.randn(2, 5, 3), torch.randn(2, 5, 4)), (torch.randn(0, 5, 3), torch.randn(0, 5, 4))

    def loss(m, b):
        return ((m(b[0])[0] - b[1]) ** 2).mean()

    def trainer():
        return Trainer(rnnkit.LSTM(3, 4, batch_first=True), loss, config=TrainConfig(epochs=1, quiet=True))

    assert torch.isnan(loss(rnnkit.LSTM(3, 4, batch_first=True), empty))   # the oracle: what the loss gives
    with pytest.raises(DataError, match=r"^train_data: expected at least one item in each batch, got an empty one "
                                        r"\(a tensor of shape \(0, 5, 3\), loss nan\) at step 2 \(epoch 1, batch 2\)"):
        trainer().fit([full, empty])
    with pytest.raises(DataError, match=r"^val_data: expected at least one item in each batch, got an empty one"):
        trainer().fit([full], val_data=[full, empty])
    tr = Trainer(rnnkit.LSTM(3, 4, batch_first=True), lambda m, b: loss(m, b["xy"]),
                 config=TrainConfig(epochs=1, quiet=True))   # an empty tensor beside a finite loss is data as any other
    assert tr.fit([{"xy": full, "extra": torch.zeros(0)}]).global_step == 1


# ------------------------------------------------------------------ scripts without spaces: grapheme clusters
@pytest.mark.parametrize("text", ["ภาษาไทยที่นี่ กำลัง", "ខ្មែរ", "မြန်မာ", "ພາສາລາວ", "བོད་ཡིག", "か\u3099き", "葛\U000E0100城"])
def test_words_never_cut_a_vowel_sign_or_tone_mark_from_its_consonant(text):
    """Before: one token per code point in Thai, Lao, Khmer, Myanmar, Tibetan (Thai 'ที่' -> 'ท', 'ี', '่'): vowel
    signs and tone marks were tokens alone. Oracle: the regex package's grapheme clusters (UAX #29)."""
    import unicodedata

    import regex

    from rnnkit.data.vocab import mark_only_tokens, tokenize, unspaced

    nfc = unicodedata.normalize("NFC", text)
    toks = tokenize(text, "words")
    assert "".join(toks) == nfc.replace(" ", "")                   # lossless, each a substring
    assert mark_only_tokens(toks) == []                            # no mark alone
    clusters = regex.findall(r"\X", nfc.replace(" ", ""))
    assert len(toks) <= len(clusters)                              # never inside a cluster ...
    bounds = {sum(map(len, clusters[:i])) for i in range(len(clusters) + 1)}
    assert {sum(map(len, toks[:i])) for i in range(len(toks) + 1)} <= bounds
    assert all(unspaced(t) for t in toks if t != "་")              # ... and one word of an unspaced script


def test_thai_words_are_clusters_and_other_scripts_keep_their_words():
    from rnnkit.data.vocab import tokenize
    assert tokenize("ที่นี่ กำลัง", "words") == ["ที่", "นี่", "กำ", "ลั", "ง"]
    assert tokenize("Das Boot, हिन्दी 東京", "words") == ["Das", "Boot", ",", "हिन्दी", "東", "京"]


# ------------------------------------------------------------------ Hopfield: unsigned patterns, public update checks
@pytest.mark.parametrize("dtype,big", [(torch.uint8, 255), (torch.uint16, 65535), (torch.uint32, 2**32 - 1)])
def test_an_unsigned_pattern_holding_the_wrapped_minus_one_is_refused(dtype, big):
    """Before: torch compares an unsigned tensor with -1 as with its largest value, so 255 (uint8) passed the
    {-1, +1} check and was stored as 255: weights of 16256 instead of +-0.25, silently."""
    from rnnkit.hopfield import HopfieldNetwork
    with pytest.raises(DataError, match=rf"^patterns: expected values in \{{-1, \+1\}} .* \(e\.g\. {re.escape(f'{big:.4g}')}\)"):
        HopfieldNetwork(4).store(torch.tensor([[1, big, 1, big]], dtype=dtype))
    ones = HopfieldNetwork(4).store(torch.ones(1, 4, dtype=dtype)).weights   # all +1: the same as a float one
    assert torch.equal(ones, HopfieldNetwork(4).store(torch.ones(1, 4)).weights)
    binar = HopfieldNetwork(4).store(torch.tensor([[1, 0, 1, 0]], dtype=dtype), binarize=True).weights
    assert torch.equal(binar, HopfieldNetwork(4).store(torch.tensor([[1., -1, 1, -1]])).weights)


def test_public_hopfield_update_and_scaled_softmax_check_their_arguments():
    """Before: torch's RuntimeError for a dtype mismatch, amax's IndexError for no stored pattern, and NaN
    weights for a mask that leaves a row empty (silently)."""
    from rnnkit.errors import InputTypeError, ShapeError
    from rnnkit.hopfield import hopfield_update
    from rnnkit.hopfield.modern import scaled_softmax
    import numpy as np

    X = torch.randn(5, 3)
    with pytest.raises(InputTypeError, match=r"^stored: expected dtype torch.float64 \(as states\), got torch.float32$"):
        hopfield_update(X.double(), X, 1.0)
    with pytest.raises(ShapeError, match=r"^stored: expected \(\.\.\., P, 3\) with P >= 1"):
        hopfield_update(X, X[:0], 1.0)
    with pytest.raises(ShapeError, match="all-False row"):
        scaled_softmax(X @ X.T, 1.0, torch.zeros(5, 5, dtype=torch.bool))
    mask = torch.ones(5, dtype=torch.bool)
    mask[1:] = False
    with pytest.raises(ShapeError, match="all-False row"):
        hopfield_update(X, X, 1.0, torch.zeros(5, dtype=torch.bool))
    new, att = hopfield_update(X, X, np.float32(2.0), mask)        # a numpy number is a number
    ref_new, ref_att = hopfield_update(X, X, 2.0, mask)
    assert torch.equal(new, ref_new) and torch.equal(att, ref_att) and torch.equal(new, X[:1].expand(5, 3))


# ------------------------------------------------------------------ experiments: names of the wrong type
def test_experiment_and_cell_names_of_the_wrong_type_are_typed_errors():
    """Before: resolve_config(["adding"]) and cell=["lstm"] (a list from a parsed config) were bare 'unhashable
    type' TypeErrors; compare(cells=[["lstm"]]) too."""
    from rnnkit.errors import InputTypeError
    from rnnkit.experiments.config import resolve_config
    from rnnkit.experiments.runner import compare

    with pytest.raises(InputTypeError, match=r"^experiment: expected one of \['adding'.*got \['adding'\]"):
        resolve_config(["adding"])
    with pytest.raises(InputTypeError, match=r"^cell: expected a cell name \(str\), one of .*got list \['lstm'\]"):
        resolve_config("adding", cell=["lstm"])
    with pytest.raises(InputTypeError, match=r"^cell: expected a cell name \(str\)"):
        compare("adding", cells=[["lstm"]], steps=1)
    assert resolve_config("adding", cell="gru", steps=3).cell == "gru"


# ------------------------------------------------------------------ serve: create_app given a run folder
def test_create_app_refuses_what_is_not_a_service_before_serving(tmp_path):
    """Before: create_app(run_folder) built an app whose every request was a 500 ('PosixPath' object has no
    attribute 'predict')."""
    from rnnkit.errors import InputTypeError
    from rnnkit.serve.app import create_app
    with pytest.raises(InputTypeError, match=r"^service: expected a ForecastService or ClassifierService "
                                             r"\(open_service\(run\)\), got PosixPath"):
        create_app(tmp_path)


# ------------------------------------------------------------------ BPE: a vocabulary size beyond any text
def test_bpe_with_a_huge_vocab_size_learns_what_the_text_gives_instead_of_aborting():
    """Before: BPEVocab.train(text, 10**9) aborted the Python process (the tokenizers trainer reserved room for
    10**9 units: 'memory allocation of 70866960400 bytes failed', no exception). Oracle: a size the text
    cannot reach either."""
    from rnnkit.data.subword import BPEVocab
    text = "hello world hello there, the cat sat on the mat\n" * 20
    want = BPEVocab.train(text, 10_000)
    got = BPEVocab.train(text, 10**9)
    assert got.tokens == want.tokens and len(got) < 10_000


# ------------------------------------------------------------------ batching / vocab: flags read as truthy, raw errors
def test_bucket_batches_tokenize_and_ids_refuse_what_they_coerced():
    """Before: bucket_batches(shuffle="no") shuffled and tokenize(lowercase="no") lowercased (truthy strings);
    a seed of -1 or 1.5 was numpy's bare ValueError/TypeError; padding_fraction with an index past the lengths
    numpy's IndexError; checked_ids took True as the id 1."""
    from rnnkit.data.batching import bucket_batches, padding_fraction
    from rnnkit.data.vocab import checked_ids, tokenize
    from rnnkit.errors import ConfigError, InputTypeError

    with pytest.raises(InputTypeError, match=r"^shuffle: expected a bool, got 'no'"):
        bucket_batches([3, 1, 2], 2, shuffle="no")
    for seed in (-1, 1.5, True):
        with pytest.raises(ConfigError, match=r"^seed: expected an int >= 0"):
            bucket_batches([3, 1, 2], 2, seed=seed)
    assert bucket_batches([3, 1, 2], 2, shuffle=False, seed=-1) == [[1, 2], [0]]   # no shuffle: no seed read
    with pytest.raises(InputTypeError, match=r"^lowercase: expected a bool, got 'no'"):
        tokenize("ABC", lowercase="no")
    assert tokenize("ABC", lowercase=False) == ["ABC"]
    with pytest.raises(DataError, match=r"^batches\[0\]: expected indices in \[0, 1\] \(one per length\), got 5$"):
        padding_fraction([1, 2], [[0, 5]])
    assert padding_fraction([1, 3], [[0, 1]]) == pytest.approx(1 - 4 / 6)
    with pytest.raises(DataError, match=r"^ids\[0\]: expected an int id, got bool True$"):
        checked_ids([True], 3)


# ------------------------------------------------------------------ read_json: JSON nested too deep
def test_read_json_names_a_file_nested_too_deep(tmp_path):
    """Before: a bare RecursionError out of read_json (a run's config.json, a vocabulary, a service's state)."""
    from rnnkit._io import read_json
    from rnnkit.errors import CheckpointError
    p = tmp_path / "config.json"
    p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"config\.json: expected a run config, got JSON nested too deep"):
        read_json(p, "a run config")
    p.write_text("[" * 50 + "]" * 50, encoding="utf-8")
    assert read_json(p) == [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]


def test_run_files_nested_too_deep_are_named_by_every_reader(tmp_path):
    """Before: a bare RecursionError from the checkpoint pointer (latest_checkpoint), a run's config.json read
    by export (run_task) and a service journal's meta.json."""
    from rnnkit.errors import CheckpointError
    from rnnkit.export.tasks import run_task
    from rnnkit.training.checkpoint import latest_checkpoint

    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "latest.json").write_text(deep, encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"latest\.json: expected a checkpoint pointer .* nested too deep"):
        latest_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(deep, encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"^run: expected valid JSON in .*config\.json', got RecursionError"):
        run_task(tmp_path)


# ------------------------------------------------------------------ datasets: names and numbers of the wrong kind
def test_dataset_names_and_number_pairs_refuse_wrong_types():
    """Before: get_dataset(['x']) was a bare 'unhashable' TypeError, num2words_pairs(max_number=2**70) numpy's
    OverflowError and src_lang=5 num2words' "'int' object is not subscriptable"."""
    from rnnkit.data.registry import get_dataset
    from rnnkit.data.translation import num2words_pairs
    from rnnkit.errors import ConfigError, InputTypeError

    with pytest.raises(InputTypeError, match=r"^dataset: expected one of \[.*got \['x'\]"):
        get_dataset(["x"])
    pytest.importorskip("num2words")
    with pytest.raises(ConfigError, match=r"^max_number: expected an int below 2\*\*63"):
        num2words_pairs(3, max_number=2 ** 70)
    with pytest.raises(InputTypeError, match=r"^src_lang: expected a language code \(str\), got int 5"):
        num2words_pairs(3, src_lang=5)
    assert num2words_pairs(2, seed=0, max_number=99) == num2words_pairs(2, seed=0, max_number=99)


# ------------------------------------------------------------------ export: an opset no onnx knows, or for torch-export
def test_export_refuses_an_unknown_opset_and_an_opset_for_torch_export_before_tracing(tmp_path):
    """Before: opset=10**30 traced the model, then failed with torch's multi-line ConversionError; an opset given
    with format='torch-export' was ignored."""
    import rnnkit
    from rnnkit.errors import ConfigError
    from rnnkit.export import export

    onnx = pytest.importorskip("onnx")
    layer = rnnkit.GRU(3, 4, batch_first=True).eval()
    top = onnx.defs.onnx_opset_version()
    with pytest.raises(ConfigError, match=rf"^opset: expected an ONNX opset this onnx .* knows \(at most {top}\), "
                                          r"got 10{30}"):
        export(layer, tmp_path / "g.onnx", opset=10**30, state=False)
    with pytest.raises(ConfigError, match=r"^opset: expected None for format 'torch-export' \(an ONNX setting\), "
                                          r"got 17$"):
        export(layer, tmp_path / "g.pt2", format="torch-export", opset=17, state=False)
    assert not list(tmp_path.iterdir())   # refused before anything was written


# ------------------------------------------------------------------ a NaN training metric
def test_a_non_finite_training_metric_warns_as_a_validation_one_does():
    """Before: a training metric whose mean was NaN (an accuracy over 0 items) became null in the row silently;
    the same in validation warned."""
    from rnnkit.training import TrainConfig, Trainer

    def loss(m, b):
        return ((m(b[0]) - b[1]) ** 2).mean(), {"acc": float("nan")}

    data = [(torch.randn(4, 2), torch.randn(4, 1))]
    tr = Trainer(nn.Linear(2, 1), loss, config=TrainConfig(epochs=2, quiet=True))
    with pytest.warns(RuntimeWarning, match=r"^train_data: expected finite training metrics, got train_acc=nan at "
                                            r"epoch 1 .*the rows hold null there") as rec:
        res = tr.fit(data, val_data=data)
    assert res.history[0]["train_acc"] is None and res.history[0]["val_acc"] is None
    kinds = sorted(str(w.message).split(":")[0] for w in rec if "expected finite" in str(w.message))
    assert kinds == ["train_data", "val_data"]   # once a fit each


# ------------------------------------------------------------------ --config: one setting under two spellings
def test_a_config_file_giving_one_setting_twice_by_spelling_is_refused(tmp_path, capsys):
    """Before: TOML keeps 'hidden-size' and 'hidden_size' as two keys and the later one won silently."""
    from rnnkit.cli.main import main

    cfg = tmp_path / "c.toml"
    cfg.write_text("hidden-size = 4\nhidden_size = 8\n", encoding="utf-8")
    assert main(["experiment", "adding", "--config", str(cfg), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--config: expected each setting once in" in err and \
        "got 'hidden-size' and 'hidden_size' (4 and 8); keep one" in err
