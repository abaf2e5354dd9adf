"""Session 23 (lead): leftovers of the helpers' LEAD_NOW notes. V's 3: every plot rnnkit writes is a PNG, so
a path of another image format is refused by the one writer (``_plot.save_png``), not only by
``plot_gradient_flow`` -- the Hopfield and experiment plots wrote PNG bytes into ``x.jpg`` / ``x.svg``, silently.
Oracle: the PNG signature of the file a .png path gets. V's 1: a sentence's tags as a dict or a set."""

from __future__ import annotations

import pytest

from rnnkit._plot import figure, png_path, save_png
from rnnkit.errors import ConfigError, InputTypeError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["plot.jpg", "plot.JPEG", "plot.svg", "plot.pdf"])
def test_another_image_formats_suffix_is_refused_and_nothing_is_written(tmp_path, name):
    fig, ax = figure()
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ConfigError, match=r"^path: expected a \.png file path"):
        save_png(fig, tmp_path / name)
    assert not (tmp_path / name).exists()
    assert save_png(fig, tmp_path / "plot.png").read_bytes().startswith(PNG_MAGIC)
    assert save_png(fig, tmp_path / "plot").read_bytes().startswith(PNG_MAGIC)   # no suffix: as before


def test_a_hopfield_plot_to_a_jpg_path_is_refused(tmp_path):
    from rnnkit.hopfield.plots import plot_capacity

    result = {"sizes": [100], "rules": ["hebbian"], "loads": [0.05, 0.1], "mode": "sync", "trials": 1,
              "curves": {"hebbian": {"100": {"perfect": [1.0, 0.5], "overlap": [1.0, 0.9]}}}}
    with pytest.raises(ConfigError, match="png"):
        plot_capacity(result, tmp_path / "capacity.jpg")
    assert not (tmp_path / "capacity.jpg").exists()


def test_png_path_names_what_it_refuses(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputTypeError, match="^path: expected a .png file path"):
        png_path(b"x.png")
    with pytest.raises(ConfigError, match="a folder"):
        png_path(tmp_path)
    with pytest.raises(Exception, match="path"):
        png_path(tmp_path / "file" / "x.png")          # under a file
    assert png_path(tmp_path / "ok.png") == tmp_path / "ok.png"


@pytest.mark.parametrize("first", [{"X": 1, "Y": 2}, {"X", "Y"}], ids=["dict", "set"])
def test_a_sentences_tags_as_a_dict_or_set_are_refused(first):
    """Helper V's LEAD_NOW 1: check_tags turned each sentence's tags into a list before check_labels saw them, so a
    dict's KEYS (or a set in hash order) were a sentence's tags, silently. Oracle: check_labels' refusal of the same
    container as a classifier's labels (eed275a)."""
    from rnnkit.tasks.common import check_labels
    from rnnkit.tasks.tagging_inputs import check_tags

    with pytest.raises(InputTypeError) as want:
        check_labels(first, "tags[0]")
    with pytest.raises(InputTypeError) as got:
        check_tags([first, ["Y"]], [["a", "b"], ["c"]])
    assert str(got.value) == str(want.value)
    assert check_tags([("X", "Y"), ["Y"]], [["a", "b"], ["c"]]) == [["X", "Y"], ["Y"]]   # a tuple is a sequence


def _ids_csv(path, ids):
    import math

    import pandas as pd

    rows = [{"date": day.date().isoformat(), "store": s, "y": 10 + math.sin(d) + 5 * k}
            for k, s in enumerate(ids) for d, day in enumerate(pd.date_range("2020-01-01", periods=40, freq="D"))]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_forecast_ids_one_number_as_int_and_float_are_refused(tmp_path, capsys):
    """Helper T's LEAD_NOW 2: ids '1' and '1.0' in one --id-col column (a column pandas wrote as floats where a value
    was missing, appended to one written as ints) were two series, silently, where labels so written are refused.
    Oracle: the labels' own refusal (data.text._one_spelling_per_number) for the same two spellings; '01' and '1' stay
    two series (warned), '1.5' and '1' are two ids."""
    from toy_data import run_cli

    from rnnkit.data.text import _one_spelling_per_number
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="one class or two"):
        _one_spelling_per_number(["1", "1.0"], "labels")
    path = _ids_csv(tmp_path / "ids.csv", ["1", "1.0", "2"])
    argv = ["forecast", "--csv", str(path), "--target", "y", "--time-col", "date", "--id-col", "store", "--horizon", "3",
            "--model", "seasonal_naive", "--quiet"]
    code, _, err = run_cli(argv + ["--out", str(tmp_path / "a")], capsys)
    assert code == 1 and "--id-col 'store': expected each id written one way, got '1' (first in data row 1) and " \
        "'1.0' (first in data row 41), one number: one series or two?" in err and len(err.strip().splitlines()) == 1
    ok = _ids_csv(tmp_path / "ok.csv", ["1", "1.5", "2"])
    code, out, _ = run_cli(argv[:2] + [str(ok)] + argv[3:] + ["--out", str(tmp_path / "b")], capsys)
    assert code == 0 and "1.5" in out


def test_generate_counts_the_unknown_characters_it_scored():
    """Helper G's note: `unknown_chars` (= `unseen_labels`, the targets never seen) counted the text's FIRST character
    too, which is never scored (it has no context): 'xyzxyz' reported 6 unknown of 5 scored. Oracle: the scored
    targets c_1..c_n counted by hand; `chars_scored` is their number."""
    import torch

    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    lm = CharLM(CharLMConfig(embed_dim=8, hidden_size=8, bptt=8, batch_size=2, rounds=1, chunks_per_round=1,
                             progress=False)).fit("abab" * 20)
    for text in ["xyzxyz", "zabz", "abzz", "xabab"]:
        m = lm.evaluate(text, baselines=False)
        want = sum(ch not in lm.chars.index for ch in text[1:])
        assert m["chars_scored"] == len(text) - 1 and m["unknown_chars"] == m["unseen_labels"] == want
