"""The UCR archive text reader (``read_ucr``, ``rnnkit tsc --ucr``): the format the people who check us on
UCR sets we have never seen will hand over (label first, tab-, comma- or space-separated, NaN padding).
Checked against the ``.ts`` file of the same set where a package ships both (aeon's ArrowHead)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli.main import main
from rnnkit.data.tsc import read_ts, read_ucr
from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")


def _aeon_data() -> Path | None:
    spec = importlib.util.find_spec("aeon")   # located, never imported (a --no-deps data carrier)
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "ArrowHead"
    return d if (d / "ArrowHead_TRAIN.tsv").is_file() else None


def test_separators_padding_labels_and_errors():
    X, y = read_ucr(text="a\t1\t2\t3\n\nb,4,5,NaN,NaN\n7.0000000e+00 6 7\n2.5 8\n")
    assert [x[:, 0].tolist() for x in X] == [[1, 2, 3], [4, 5], [6, 7], [8]] and y == ["a", "b", "7", "2.5"]
    assert all(x.dtype == np.float32 and x.shape[1] == 1 for x in X)
    X, _ = read_ucr(text="1 0.5 NaN 0.25\n")              # NaN inside a series is a missing value, kept
    assert np.isnan(X[0][1, 0]) and X[0].shape == (3, 1)
    for text, match in [("1\n", "a label and at least one value at line 1"),
                        ("1 2\n1 x 3\n", "numbers after the label at line 2"),
                        ("1 NaN NaN\n", "at least one value at line 1"), ("\n\n", "at least one series")]:
        with pytest.raises(DataError, match=match):
            read_ucr(text=text)


@pytest.mark.skipif(_aeon_data() is None, reason="aeon's data files not installed (pip install --no-deps aeon==1.6.0)")
def test_the_ucr_file_of_a_set_reads_as_its_ts_file():
    d = _aeon_data()
    X, y = read_ucr(d / "ArrowHead_TRAIN.tsv")
    Xt, yt = read_ts(d / "ArrowHead_TRAIN.ts")
    assert y == yt and len(X) == len(Xt) == 36
    assert all(a.shape == b.shape and np.allclose(a, b, atol=1e-5) for a, b in zip(X, Xt))


def test_cli_trains_and_predicts_from_ucr_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    lines = [f"{c}\t" + "\t".join(f"{v:.4f}" for v in np.sin(np.linspace(0, 3 + 3 * c, 20)) + rng.normal(0, .1, 20))
             for c in (0, 1) * 12]
    (tmp_path / "train.tsv").write_text("\n".join(lines[:16]) + "\n")
    (tmp_path / "test.tsv").write_text("\n".join(lines[16:]) + "\n")
    run = tmp_path / "run"
    args = ["tsc", "train", "--ucr", str(tmp_path / "train.tsv"), "--test-ucr", str(tmp_path / "test.tsv"),
            "--epochs", "2", "--hidden-size", "4", "--quiet", "--json", "--out", str(run)]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["train_size"] == 16 and out["test_size"] == 8 and "accuracy" in out["baseline"]
    assert main(["tsc", "predict", "--run", str(run), "--ucr", str(tmp_path / "test.tsv"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 8
    assert main(["tsc", "predict", "--run", str(run), "--ucr", str(tmp_path / "test.tsv"),
                 "--ts", str(tmp_path / "test.tsv")]) == 2
    assert "expected exactly one of --ts PATH, --ucr PATH or --csv PATH, got --ts and --ucr" in capsys.readouterr().err
    both = args[:-1] + [str(tmp_path / "run2"), "--test-ts", str(tmp_path / "test.tsv")]
    assert main(both) == 2 and "expected one of --test-ts, --test-ucr, got both" in capsys.readouterr().err
