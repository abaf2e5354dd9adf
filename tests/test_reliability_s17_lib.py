"""Session 17's hostile-input sweep (helper Q): library functions (data, layers, training).

Each test fails on the code before its fix (checked with ``git archive 23fec2f src``, PYTHONPATH).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.data.batching import pad_sequences
from rnnkit.errors import DataError
from rnnkit.training.callbacks import Callback, MetricLogger

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.parametrize("seqs", [[[True, False], [True]], [torch.tensor([True, False])],
                                  [np.array([False, True])]])
def test_pad_sequences_refuses_bool_ids(seqs):
    """A mask given where ids go was padded as ids 1 and 0 (left from earlier sessions); float ids were refused
    already. Real values (``dtype=``) and (T_i, C) arrays keep their dtype as before."""
    with pytest.raises(DataError, match=r"^seqs\[0\]: expected integer ids, got torch.bool values"):
        pad_sequences(seqs)
    x, lengths = pad_sequences([[3, 1], [2]])
    assert x.tolist() == [[3, 1], [2, 0]] and lengths.tolist() == [2, 1]
    x, _ = pad_sequences([np.array([[True], [False]])])
    assert x.dtype == torch.bool


class _Snapshot(Callback):
    """Reads the live log after the MetricLogger wrote it (order 60 > its 50): the rows it held at each epoch."""

    order = 60
    seen: list = []

    def __init__(self, path):
        self.path = path

    def on_epoch_end(self, trainer, epoch, row):
        lines = self.path.read_text(encoding="utf-8").splitlines()
        _Snapshot.seen.append([(r.get("member"), r["epoch"]) for r in map(json.loads, lines)])


def test_the_live_metric_log_of_an_ensemble_holds_every_member_so_far(tmp_path):
    """Each member's copy of the CLI's MetricLogger rewrote metrics.jsonl with its own rows alone: during member 1's
    training the log showed member 1 only and member 0's epochs were gone until the save (left from earlier
    sessions). Oracle: the rows the task keeps (epoch_log), which the save writes."""
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

    log = tmp_path / "metrics.jsonl"
    _Snapshot.seen = []
    task = Translator(Seq2SeqConfig(**SEQ2SEQ_FAST, ensemble=2)).fit(
        PAIRS_DE, PAIRS_EN, baselines=False, callbacks=[MetricLogger(log), _Snapshot(log)])
    assert _Snapshot.seen == [[(0, 1)], [(0, 1), (0, 2)], [(0, 1), (0, 2), (1, 1)],
                              [(0, 1), (0, 2), (1, 1), (1, 2)]]
    final = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(r["member"], r["epoch"], r["train_loss"]) for r in final] == \
        [(r["member"], r["epoch"], pytest.approx(r["train_loss"])) for r in task.epoch_log]
    single = tmp_path / "one.jsonl"
    Translator(Seq2SeqConfig(**SEQ2SEQ_FAST)).fit(PAIRS_DE, PAIRS_EN, baselines=False,
                                                  callbacks=[MetricLogger(single)])
    assert [sorted(json.loads(line)) for line in single.read_text(encoding="utf-8").splitlines()][0].count("member") == 0


@pytest.mark.parametrize("engine", ["bptt", "reference"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_hand_engines_run_up_to_the_longest_sequence_only(engine, bidirectional, monkeypatch):
    """Steps past the longest sequence are padding in every row, yet every one of them was run: lengths all 1 at
    T=20000 took 8 s (left from earlier sessions: 'bptt with lengths all 1 at T=20000 is slow'). Oracle: the
    same layer on the first max(lengths) steps (lengths given), zeros after -- outputs, states and gradients; and
    the number of steps the time loop is handed."""
    import rnnkit.layers.recurrent as recurrent
    from rnnkit.layers import LSTM

    steps = []
    loop = recurrent.run_bptt if engine == "bptt" else recurrent.run_reference

    def counted(opts, xp, *args):
        steps.append(xp.shape[0])
        return loop(opts, xp, *args)

    monkeypatch.setattr(recurrent, "run_bptt" if engine == "bptt" else "run_reference", counted)
    net = LSTM(3, 4, num_layers=2, bidirectional=bidirectional, engine=engine, batch_first=True).double()
    x = torch.randn(3, 60, 3, dtype=torch.double, requires_grad=True)
    lengths = torch.tensor([2, 5, 1])
    out, (h, c) = net(x, lengths=lengths)
    assert set(steps) == {5}
    x5 = x.detach()[:, :5].clone().requires_grad_()
    want, (h5, c5) = net(x5, lengths=lengths)
    torch.testing.assert_close(out[:, :5], want, rtol=0, atol=0)
    assert out.shape == (3, 60, 8 if bidirectional else 4) and not out[:, 5:].any()
    torch.testing.assert_close((h, c), (h5, c5), rtol=0, atol=0)
    (out.sum() + h.sum()).backward()
    (want.sum() + h5.sum()).backward()
    torch.testing.assert_close(x.grad[:, :5], x5.grad, rtol=0, atol=0)
    assert not x.grad[:, 5:].any()


@pytest.mark.parametrize("state, message", [(0, "got int"), (1.5, "got float")])
def test_bidirectional_refuses_a_state_that_is_no_tensor(state, message):
    """Bidirectional(layer)(x, state=0) was a bare TypeError ('int' object is not iterable) from the split of the
    state into its two stacks. Oracle: the stacked layer's own refusal of such a state (an InputTypeError)."""
    from rnnkit.errors import InputTypeError
    from rnnkit.layers import LSTM, Bidirectional

    x = torch.randn(5, 2, 3)
    with pytest.raises(InputTypeError, match=r"^state: expected"):
        LSTM(3, 3, num_layers=2)(x, state=state)
    with pytest.raises(InputTypeError, match=rf"^state: expected .*{message}"):
        Bidirectional(LSTM(3, 3, num_layers=2))(x, state=state)
    net = Bidirectional(LSTM(3, 3, num_layers=2))
    out, _ = net(x, state=net.initial_state(2))
    torch.testing.assert_close(out, net(x)[0])


def test_recurrent_names_the_argument_holding_a_non_tensor():
    """Recurrent(cell)(numpy array) said 'expected tensors nested in tuples/lists/dicts, got a leaf of type ndarray'
    without naming the argument ('<arg>: expected X, got Y' is the contract); so did step()."""
    import rnnkit
    from rnnkit.errors import InputTypeError

    class Cell(rnnkit.RecurrentCell):
        def initial_state(self, batch_size, device=None, dtype=None):
            return torch.zeros(batch_size, 2, device=device, dtype=dtype)

        def forward(self, x, h):
            return x + h, x + h

    layer = rnnkit.Recurrent(Cell())
    with pytest.raises(InputTypeError, match=r"^x: expected tensors nested in tuples/lists/dicts, got a leaf of type "
                                             r"ndarray"):
        layer(np.zeros((3, 1, 2), dtype=np.float32))
    with pytest.raises(InputTypeError, match=r"^x: .* got a leaf of type int"):
        layer({"a": torch.zeros(3, 1, 2), "b": 3})
    with pytest.raises(InputTypeError, match=r"^x_t: .* got a leaf of type NoneType"):
        layer.step(None)
    out, h = layer(torch.ones(3, 1, 2))
    assert out[:, 0, 0].tolist() == [1.0, 2.0, 3.0] and h.tolist() == [[3.0, 3.0]]


def test_split_time_warns_of_a_sequence_of_another_length_passed_whole_to_every_chunk():
    """A target one step shorter than the inputs (y = x[:, 1:] beside the whole x, the classic language-model slip)
    has the inputs' rank and another length: split_time passed it whole to every chunk, silently, beside k steps
    of x (with k = 1 a loss broadcasts (B, 1, F) against (B, T - 1, F)). Oracle: the rule already warned for a
    later tensor with more dimensions; one with as many is as ambiguous. Labels of lower rank stay quiet."""
    import warnings

    from rnnkit.training.data import split_time

    x = torch.zeros(2, 6, 3)
    with pytest.warns(RuntimeWarning, match=r"shape \(2, 5, 3\) has as many dimensions and 5 there: it is passed "
                                            r"whole to every chunk"):
        chunks = split_time((x, x[:, 1:]), 3)
    assert [tuple(c[1].shape) for c in chunks] == [(2, 5, 3), (2, 5, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks = split_time((x, torch.zeros(2), torch.zeros(2, 4)), 3)   # labels (B,) and one-hot (B, C): lower rank
        chunks = split_time((x, torch.ones(2, 6, 1)), 3)
    assert [tuple(c[1].shape) for c in chunks] == [(2, 3, 1), (2, 3, 1)]


@pytest.mark.parametrize("name", ["LSTM", "GRU", "MinGRU"])
def test_step_names_its_argument_x_t(name):
    """layer.step(x_t) with a float64 x_t or a wrong feature size said 'x: expected ...' -- an argument step() has
    not (the one-step sequence built from x_t was checked by forward). Oracle: forward's own messages, for x."""
    import rnnkit
    from rnnkit.errors import InputTypeError, ShapeError

    layer = getattr(rnnkit, name)(3, 4)
    with pytest.raises(InputTypeError, match=r"^x_t: expected dtype torch.float32 \(the layer's\), got torch.float64"):
        layer.step(torch.zeros(2, 3, dtype=torch.float64))
    with pytest.raises(InputTypeError, match=r"^x: expected dtype torch.float32 \(the layer's\), got torch.float64"):
        layer(torch.zeros(1, 2, 3, dtype=torch.float64))
    with pytest.raises(ShapeError, match=r"^x_t: expected feature size \(last dim\) 3, got 5"):
        layer.step(torch.zeros(2, 5))
    y, _ = layer.step(torch.ones(2, 3))
    torch.testing.assert_close(y, layer(torch.ones(1, 2, 3))[0][0])


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(pad_value="0"), "InputTypeError", r"^pad_value: expected a number, got '0'"),
    (dict(pad_value=None), "InputTypeError", r"^pad_value: expected a number, got None"),
    (dict(pad_value=True), "InputTypeError", r"^pad_value: expected a number, got True"),
    (dict(dtype="int64"), "InputTypeError", r"^dtype: expected a torch.dtype or None, got 'int64'"),
    (dict(pad_value=300, dtype=torch.int8), "DataError", r"^pad_value: expected a value that torch.int8 holds "
                                                          r"\(\[-128, 127\]\), got 300"),
    (dict(pad_value=1e39, dtype=torch.float32), "DataError", r"^pad_value: expected a value that torch.float32 holds"),
])
def test_pad_sequences_checks_pad_value_and_dtype(kwargs, error, message):
    """pad_value='0' / None and dtype='int64' were torch's or Python's bare TypeError / AttributeError, 300 in int8
    torch's bare RuntimeError ('value cannot be converted ... without overflow'), pad_value=True padded ones and
    1e39 in float32 padded inf, silently. Oracle: pad_sequences' own refusal of a fractional pad_value for ids."""
    import rnnkit.errors

    with pytest.raises(getattr(rnnkit.errors, error), match=message):
        pad_sequences([[1, 2], [3]], **kwargs)
    with pytest.raises(DataError, match=r"^pad_value: expected an integer"):
        pad_sequences([[1, 2], [3]], pad_value=0.5)
    x, _ = pad_sequences([[1, 2], [3]], pad_value=-100, dtype=torch.int8)
    assert x.tolist() == [[1, 2], [3, -100]] and x.dtype == torch.int8


def test_pad_sequences_and_limit_length_name_what_is_no_sequence():
    """A generator of sequences was a bare TypeError (object of type 'generator' has no len()), and so was None
    among limit_length's sequences."""
    from rnnkit.data.batching import limit_length
    from rnnkit.errors import InputTypeError

    with pytest.raises(InputTypeError, match=r"^seqs: expected a list of sequences, got generator"):
        pad_sequences(s for s in [[1, 2]])
    with pytest.raises(InputTypeError, match=r"^seqs\[1\]: expected a sequence \(tokens, ids or a text\), got NoneType"):
        limit_length([[1, 2], None], 1)
    from rnnkit.data.batching import TruncationWarning

    with pytest.warns(TruncationWarning, match="truncated 1 of 2"):
        assert limit_length(["abc", [1, 2]], 2) == ["ab", [1, 2]]


def test_texts_holding_a_nul_character_are_refused_by_the_api_as_by_files_and_the_service():
    """Translator.translate(['a\\x00b']) copied the NUL into its translation (a token of its own), and the classifier
    API took it, while a file holding one (--input) and the service (texts[i]: expected text without NUL ...) refuse
    it. Oracle: the service's message."""
    from rnnkit.tasks.common import check_texts

    with pytest.raises(DataError, match=r"^sources\[1\]: expected text without NUL characters \(U\+0000\), got one at "
                                        r"character 1$"):
        check_texts(["fine", "a\x00b"], "sources")
    assert check_texts(["a b", "\u200bc"]) == ["a b", "\u200bc"]


def test_the_char_lm_refuses_a_nul_character_as_its_text_files_do():
    """CharLM.fit / sample through the API took a NUL: it became a character the model learns and samples, while
    a --text file holding one is refused ('expected UTF-8 text, got a NUL byte'). Oracle: that refusal, and the
    same text without the NUL, accepted."""
    from rnnkit.tasks.generation.data import check_text

    with pytest.raises(DataError, match=r"^text: expected text without NUL characters \(U\+0000\), got one at "
                                        r"character 3$"):
        check_text("abc\x00def", "text")
    with pytest.raises(DataError, match=r"^prompt: expected text without NUL"):
        check_text("\x00", "prompt", blank=True)
    assert check_text("abcdef\n", "text") == "abcdef\n" and check_text("\n", "prompt", blank=True) == "\n"
