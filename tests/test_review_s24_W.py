"""Session 24's hostile review (helper W): regressions of the session's own changes, on valid inputs."""

from __future__ import annotations

import warnings
from collections import Counter

import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


def _rare_warnings(caught):
    return [str(w.message) for w in caught if "outside the dict-pointer's output vocabulary" in str(w.message)]


def test_target_words_the_dict_pointer_copies_from_their_source_are_not_warned_as_unwritable():
    """97dc54f warned a dict-pointer fit whose target words were mostly seen fewer than min_count times, saying the
    model 'cannot write these' -- but the model copies a word of its source (docs/tasks.md: rare words 'that a
    sentence can copy -- names, numbers, rare words -- get extended ids ..., so they can be produced'). Real data:
    the entity words of optimus-ner's tweets as targets (seq2seq entity extraction), 300 pairs, 65% of them rare, every
    one a word of its own source, were warned to use the char model. Oracle: the words counted with Counter (more
    than half rare, none outside its source); the number words of test_realtext_s24_U (no target word in its
    source) are still warned."""
    from rnnkit.data.registry import load_dataset
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
    from toy_data import SEQ2SEQ_FAST

    pairs = [(" ".join(toks), " ".join(t for t, g in zip(toks, tags) if g != "O"))
             for toks, tags in load_dataset("optimus-ner")]
    pairs = [(s, t) for s, t in pairs if t][:300]
    src, tgt = [s for s, _ in pairs], [t for _, t in pairs]
    counts = Counter(w for t in tgt for w in t.split())
    assert sum(c for c in counts.values() if c < 2) > sum(counts.values()) / 2     # mostly rare words ...
    assert all(w in s.split() for s, t in pairs for w in t.split())                # ... each one in its source
    cfg = Seq2SeqConfig(**{**SEQ2SEQ_FAST, "epochs": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Translator(cfg).fit(src, tgt, baselines=False)
    assert not _rare_warnings(caught)


def test_forecast_messages_list_numpy_str_column_names_as_the_text_they_are():
    """7ba3a76 listed column names 'as they are' (an int as an int), so a frame whose columns are numpy strs -- a
    dict keyed by np.unique(...)'s names -- was told "expected one of [np.str_('sales'), np.str_('price')]"
    (f00255c said ['sales', 'price']); update's missing-target message showed np.str_ already. Oracle: the same
    frames with Python str names give the same messages."""
    import numpy as np
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    def messages(names):
        df = pd.DataFrame({names[0]: np.arange(30.0), names[1]: np.ones(30)},
                          index=pd.date_range("2020-01-01", periods=30))
        out = []
        for kw in ({"target": "sale"}, {}):
            with pytest.raises(Exception) as e:
                Forecaster("seasonal_naive").fit(df, 2, **kw)
            out.append(f"{type(e.value).__name__}: {e.value}")
        f = Forecaster("seasonal_naive").fit(df, 2, target=names[0])
        with pytest.raises(Exception) as e:
            f.update(pd.DataFrame({names[1]: [1.0]}, index=pd.date_range("2020-01-31", periods=1)))
        return out + [f"{type(e.value).__name__}: {e.value}"]

    got = messages([np.str_("sales"), np.str_("price")])
    assert got == messages(["sales", "price"])
    assert "np.str_" not in " ".join(got) and "one of ['sales', 'price']" in got[0]


@pytest.mark.parametrize("make", [lambda: __import__("rnnkit").GRU(4, 8), lambda: __import__("rnnkit").MinGRU(4, 8)],
                         ids=["GRU", "MinGRU"])
def test_a_step_under_flop_counter_mode_leaves_the_layer_as_a_call_does(make):
    """d6895a9 ran the global forward pre-hooks in step(); FlopCounterMode's and ModuleTracker's are paired with a
    global forward hook that marks the module left, which a step never runs: the layer stayed entered, and every
    later module's flops were counted under it too (a Linear's 96 after a GRU step: 'GRU' 1,248 where the call
    of the same one-step sequence counts 1,152). Oracle: the same work with the layer called on the one-step
    sequence."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from torch.utils.module_tracker import ModuleTracker

    layer, lin, x = make(), torch.nn.Linear(8, 3), torch.randn(2, 4)

    def counts(step):
        with FlopCounterMode(display=False) as fc:
            y = layer.step(x)[0] if step else layer(x.unsqueeze(1 if layer.batch_first else 0))[0].reshape(2, 8)
            lin(y)
        return {str(k): sum(v.values()) for k, v in fc.get_flop_counts().items()}

    got, call = counts(True), counts(False)
    name = type(layer).__name__
    assert got["Global"] == call["Global"] and got["Linear"] == call["Linear"]
    assert got.get(name, 0) <= call[name]          # never the Linear's flops on top
    with ModuleTracker() as tracker:
        layer.step(x)
        assert tracker.parents == {"Global"}
