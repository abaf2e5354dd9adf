"""A series classifier's labels written as a missing-value mark (``NA``, ``NaN``, ``NULL``...) are warned of, as the
text classifier's are (helper R, 039b378: ParlSpeech's Congreso sample had 591 of 1,000 labels 'NA', trained as
the largest class, silently). A long CSV whose label column R's write.csv filled with NA for the unlabelled series
trained an 'NA' class with no word (session 27). Oracle: the labels of the file as written."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from toy_data import run_cli, write_frame

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "4", "--quiet", "--json"]


def _long_frame(labels: list[str], T: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"id": f"s{i}", "time": t, "v": float(np.sin((1 + 4 * (i % 2)) * t / T) + rng.normal(0, .1)),
                          "label": lab} for i, lab in enumerate(labels) for t in range(T)])


def test_tsc_train_warns_of_labels_written_as_na(tmp_path, capsys):
    labels = ["a", "b"] * 5 + ["NA", "NA"]
    path = write_frame(tmp_path / "na.csv", _long_frame(labels))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = run_cli(["tsc", "train", "--csv", path, "--out", str(tmp_path / "run"), *FAST], capsys)
    said = err + " ".join(str(w.message) for w in caught)
    assert code == 0, err
    assert re.search(r"y: [12] of \d+ label\(s\) are 'NA', e\.g\. y\[\d+\]", said), said   # the training part's


def test_tsc_train_is_quiet_about_ordinary_labels(tmp_path, capsys):
    path = write_frame(tmp_path / "ok.csv", _long_frame(["a", "b"] * 6))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = run_cli(["tsc", "train", "--csv", path, "--out", str(tmp_path / "run"), *FAST], capsys)
    assert code == 0, err
    assert "missing" not in err + " ".join(str(w.message) for w in caught)
