"""Session 12 review (helper V): fixes to this session's changes, each test failing on the code before it."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize("freq, half_freq", [("MS", "SMS"), ("ME", "SME")])
def test_a_monthly_series_with_one_stray_15th_stays_monthly(freq, half_freq):
    """The semi-month inference (08c6756) took any mix of month ends and 15ths as half-monthly: 24 monthly
    stamps and one stray 15th became 'SMS' with 22 'missing' half-months (resampled: 22 invented values,
    a seasonal period of 24). The monthly reading -- one off-grid stamp -- is what it was before."""
    from rnnkit.data.timeseries.frequency import infer_frequency

    monthly = pd.date_range("2020-01-01", periods=24, freq=freq)
    stray = monthly.append(pd.DatetimeIndex(["2021-03-15"])).sort_values()
    info = infer_frequency(stray)
    assert (info.freq, info.missing_stamps, info.off_grid) == (freq, 0, 1)
    # a half-monthly series with a few gaps is still half-monthly (the halves explain it)
    half = pd.date_range("2020-01-01", periods=24, freq=half_freq).delete([3, 9, 10])
    info = infer_frequency(half)
    assert (info.freq, info.missing_stamps, info.off_grid) == (half_freq, 3, 0)


def test_a_seed_ensemble_gives_each_member_its_own_copy_of_the_fits_callbacks():
    """seeds=K passed the fit's callbacks to every member (2bf3dbf): a stateful one carried over. With an
    EarlyStopping given to the fit, member 1 started from member 0's best score, stopped at once and had member
    0's best weights restored into it -- the ensemble was two copies of one network. Oracle, fitted here: member
    1 must be the one-network fit of its seed with the same callback (fresh)."""
    import torch

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from rnnkit.tasks.classify_seeds import member_seed
    from rnnkit.training.callbacks import EarlyStopping
    from test_tasks_classification import FAST, _order_data

    cfg = {**FAST, "epochs": 3, "patience": 1, "combine": False}
    texts, labels = _order_data(120)
    val = _order_data(40, seed=1)
    stop = lambda: EarlyStopping(monitor="val_accuracy", mode="max", patience=1)   # noqa: E731
    given = stop()
    ens = TextClassifier(TextClassifierConfig(**cfg, seeds=2)).fit(texts, labels, *val, callbacks=[given])
    alone = [TextClassifier(TextClassifierConfig(**cfg, seed=member_seed(0, i))).fit(texts, labels, *val,
                                                                                      callbacks=[stop()])
             for i in range(2)]
    for member, single in zip(ens.net.members, alone):
        got, want = member.state_dict(), single.net.state_dict()
        assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in got)
    assert [m["best_epoch"] for m in ens.history["seeds"]] == [s.history["best_epoch"] for s in alone]
    assert given.best_epoch == alone[0].history["best_epoch"]      # the callback given is member 0's, as with seeds=1


def test_pad_sequences_casts_ids_to_bool_when_they_are_0_or_1():
    """29a2ce6's integer range check asked torch.iinfo about torch.bool: pad_sequences([[0, 1, 1], [1]],
    dtype=torch.bool) -- a mask, which worked before -- became torch's bare TypeError. 0/1 cast as before; any
    other integer would change (2 -> True) and is the DataError every other narrowing cast gives."""
    import torch

    from rnnkit.data.batching import pad_sequences
    from rnnkit.errors import DataError

    x, lengths = pad_sequences([[0, 1, 1], [1]], dtype=torch.bool)
    assert x.dtype == torch.bool and x.tolist() == [[False, True, True], [True, False, False]]
    assert lengths.tolist() == [3, 1]
    with pytest.raises(DataError, match=r"seqs\[1\]: expected values that torch.bool holds, got 2"):
        pad_sequences([[0, 1], [2]], dtype=torch.bool)
