"""Defects other helpers of session 18 found and left (text tasks, forecasting CLI): one test each, each failing on
the code before its fix (base 2193376)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import DataError, InputTypeError


# ------------------------------------------------------------------ a tag with a space inside: one rule
def test_a_tag_with_a_space_inside_is_refused_by_the_api_as_by_the_conll_reader(tmp_path):
    """'B PER' was a tag of its own through SequenceTagger.fit while read_conll refused it (columns separated by a
    space). Oracle: the reader's own refusal of the same tag."""
    from rnnkit.data.text import read_conll
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    with pytest.raises(DataError, match=r"expected a tag without spaces at line 2, got 'B PER'"):
        read_conll(None, text="Anna\tO\nlebt\tB PER\n")
    sents, tags = [["Anna", "lebt"], ["hier", "jetzt"]], [["O", "B PER"], ["O", "O"]]
    with pytest.raises(DataError, match=r"^tags\[0\]\[1\]: expected a tag without spaces, got 'B PER' "):
        SequenceTagger(TaggerConfig(epochs=1)).fit(sents, tags)
    for bad in ("B-PER\u00a0X", "B\tPER"):   # every white space the reader splits at
        with pytest.raises(DataError, match=r"^tags\[1\]\[0\]: expected a tag without spaces"):
            SequenceTagger(TaggerConfig(epochs=1)).fit(sents, [["O", "B-PER"], [bad, "O"]])


# ------------------------------------------------------------------ Excel's 'sep=,' line in every CSV reader
def _excel(tmp_path, name, rows, newline="\n"):
    plain, excel = tmp_path / f"{name}.csv", tmp_path / f"{name}_excel.csv"
    plain.write_bytes(newline.join(rows).encode() + newline.encode())
    excel.write_bytes(("\ufeffsep=," + newline).encode() + plain.read_bytes())
    return plain, excel


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_classify_and_tsc_csv_readers_read_excels_sep_line_as_the_forecasters(tmp_path, newline):
    """9e70501 read Excel's 'sep=,' first line in the forecaster's CSV reader only: classify's said
    "expected column(s) ['text', 'label'], got columns ['sep=', '']" and the series classifier's the same. Oracle:
    the same file without the line."""
    from rnnkit.data.text import read_csv_texts
    from rnnkit.data.tsc import read_long_csv

    plain, excel = _excel(tmp_path, "texts", ["text,label", "good film,pos", "bad film,neg"], newline)
    assert read_csv_texts(excel) == read_csv_texts(plain) == (["good film", "bad film"], ["pos", "neg"])
    rows = ["id,time,x,label"] + [f"s{i},{t},{np.sin(t + i):.3f},{'ab'[i % 2]}" for i in range(4) for t in range(5)]
    plain, excel = _excel(tmp_path, "long", rows, newline)
    (xp, yp), (xe, ye) = read_long_csv(plain), read_long_csv(excel)
    assert yp == ye and len(xp) == len(xe) == 4 and all(np.array_equal(a, b) for a, b in zip(xp, xe))


def test_csv_after_excels_sep_line_names_the_files_lines_and_refuses_another_separator(tmp_path):
    """A bad row after the 'sep=,' line is named by its line in the file (the line is read as a blank one), and
    'sep=;' is refused as the forecaster refuses it (one rule, rnnkit._io.excel_sep_line)."""
    from rnnkit.data.text import read_csv_texts

    (tmp_path / "a.csv").write_text("sep=,\ntext,label\ngood,pos\nbad,neg,extra\n")
    with pytest.raises(DataError, match=r"expected 2 fields per row \(as the header\), got 3 at row 3 \(line 4;"):
        read_csv_texts(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("sep=;\ntext;label\ngood;pos\n")
    with pytest.raises(DataError, match=r"expected a comma-separated file, got a file whose first line 'sep=;' "
                                        r"declares ';'; convert it"):
        read_csv_texts(tmp_path / "b.csv")


# ------------------------------------------------------------------ control characters in the words tokenizer
@pytest.mark.parametrize("ch", ["\x01", "\x07", "\x1b", "\x1c", "\x1f", "\x7f", "\x80", "\x9f"])
def test_control_characters_separate_words_and_are_no_tokens(ch):
    """U+0001 and the other controls (C0 but TAB/LF/CR, DEL, C1) were tokens of their own ('a\\x01b' -> 3 tokens;
    U+001C-U+001F, which Python's str.split() reads as spaces, too), where zero-width spaces and bidi marks separate
    words (docs/design.md, tokenisation). Oracle: the text with a space in the control's place; the chars unit
    keeps every code point."""
    from rnnkit.data.vocab import tokenize

    assert tokenize(f"Das{ch}Boot, ok{ch}") == tokenize("Das Boot, ok ") == ["Das", "Boot", ",", "ok"]
    assert tokenize(ch * 3) == []
    assert tokenize(f"a{ch}b", "chars") == ["a", ch, "b"]


# ------------------------------------------------------------------ error classes: a wrong type, data
def test_bpe_vocab_size_of_a_wrong_type_is_an_input_type_error_and_span_f1_lengths_a_data_error():
    """BPEVocab.train(vocab_size=3.0) was a ConfigError where the project's wrong type is an InputTypeError
    (check_number); span_f1 of lists of other lengths was a ConfigError where the metrics' length mismatch is a
    DataError (tasks.common: 'y_pred: expected N predictions')."""
    from rnnkit.data.segment import span_f1
    from rnnkit.data.subword import BPEVocab
    from rnnkit.errors import ConfigError

    with pytest.raises(InputTypeError, match=r"^vocab_size: expected an int, got 40\.0 \(float\)$"):
        BPEVocab.train("the cat the hat " * 5, 40.0)
    with pytest.raises(ConfigError, match=r"^vocab_size: expected an int >= 3, got 2$"):
        BPEVocab.train("the cat the hat " * 5, 2)
    assert BPEVocab.train("the cat the hat " * 5, np.int64(12)).tokens == BPEVocab.train("the cat the hat " * 5, 12).tokens
    with pytest.raises(DataError, match=r"^predicted: expected 2 segmentations \(one per gold\), got 1$"):
        span_f1([["我们"], ["好"]], [["我们"]])


# ------------------------------------------------------------------ forecast predict --out over another run
def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_forecast_predict_out_refuses_a_folder_holding_another_run(tmp_path, capsys):
    """`forecast predict --run A --out B` with B a saved forecast run replaced B's forecast.csv and kept B's model:
    B then held a forecast its model did not make. Refused before any work (a usage error naming --out), B left as
    it was; a new folder, or one holding the predict's own earlier forecast.csv, is written as before."""
    import pandas as pd

    csv = tmp_path / "y.csv"
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "y": np.sin(np.arange(40) / 3) * 10 + 50}).to_csv(csv, index=False)
    fit = ["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--model", "seasonal_naive",
           "--quiet", "--no-plot", "--threads", "1"]
    assert _cli(fit + ["--horizon", "2", "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert _cli(fit + ["--horizon", "5", "--out", str(tmp_path / "b")], capsys)[0] == 0
    before = _tree(tmp_path / "b")
    code, _, err = _cli(["forecast", "predict", "--run", str(tmp_path / "a"), "--out", str(tmp_path / "b"),
                         "--quiet"], capsys)
    assert code == 2 and f"--out: expected a new folder or one without a saved run" in err, err
    assert f"got {str(tmp_path / 'b')!r} holding a saved forecast run;" in err, err
    assert _tree(tmp_path / "b") == before
    for out in ("new", "new"):     # a new folder, then the same folder holding that predict's forecast.csv
        assert _cli(["forecast", "predict", "--run", str(tmp_path / "a"), "--out", str(tmp_path / out), "--quiet"],
                    capsys)[0] == 0
    assert sorted(_tree(tmp_path / "new")) == ["forecast.csv"]


# ------------------------------------------------------------------ a sampling budget
def test_sampling_stops_at_max_seconds_with_a_warning_and_the_cli_takes_the_flag(tmp_path, capsys):
    """`generate sample --length 100000000` passed the memory check (2.4 GB) and then ran for hours: one network
    step a character, and no budget to give (--max-seconds was training's only). Sampling now takes max_seconds and
    stops there with a warning; what it made is the start of the same seeded sample asked at that length (oracle:
    the sample without the budget)."""
    import json

    import torch

    from rnnkit.cli.main import main
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    lm = CharLM(CharLMConfig(embed_dim=8, hidden_size=16, batch_size=4, bptt=10, chunks_per_round=2, rounds=1,
                             progress=False)).fit("the cat sat on the mat.\n" * 10)
    with pytest.warns(UserWarning, match=r"^generate: sampling stopped by max_seconds=0\.2 after \d+ of 10000000 "):
        cut = lm.sample("the", 10_000_000, seed=3, max_seconds=0.2)
    assert 0 < len(cut) < 10_000_000 and cut == lm.sample("the", len(cut), seed=3)
    with pytest.warns(UserWarning, match="max_seconds"):
        cuts = lm.predict(["the", "a"], 10_000_000, seed=3, max_seconds=0.1)
    assert [c == lm.sample(p, len(c), seed=3 + i) for i, (p, c) in enumerate(zip(["the", "a"], cuts))] == [True, True]
    for bad, err in ((0, ConfigError), (float("nan"), ConfigError), ("1", InputTypeError)):
        with pytest.raises(err, match="^max_seconds: expected"):
            lm.sample("the", 5, max_seconds=bad)
        with pytest.raises(err, match="^max_seconds: expected"):
            lm.predict(["the"], 5, max_seconds=bad)
    lm.save(tmp_path / "run")
    with pytest.warns(UserWarning, match="sampling stopped by max_seconds=0.2 after"):   # the CLI prints it
        assert main(["generate", "sample", "--run", str(tmp_path / "run"), "--prompt", "the", "--length", "10000000",
                     "--max-seconds", "0.2", "--seed", "1", "--json"]) == 0
    assert 0 < len(json.loads(capsys.readouterr().out)["sample"]) < 10_000_000
    assert main(["generate", "sample", "--run", str(tmp_path / "run"), "--max-seconds", "0", "--prompt", "t"]) == 2
    assert "error: --max-seconds: expected a number > 0, got 0.0" in capsys.readouterr().err


def test_a_tsc_run_trained_on_an_excel_csv_records_the_channels_of_its_header(tmp_path, capsys):
    # Before: the data reader skipped Excel's 'sep=,' line (392aa74) but cli/tsc's _other_columns read the raw
    # text's first line as the header: the run recorded value_cols ['sep=', ''] (channels the file never had).
    import json

    from rnnkit.cli.main import main

    rows = ["id,time,label,a,b"]
    for i in range(12):
        for t in range(6):
            a = (t if i % 2 else -t) + 0.01 * i
            rows.append(f"s{i},{t},{'up' if i % 2 else 'down'},{a:.3f},{-0.5 * a:.3f}")
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(rows) + "\n", encoding="utf-8")
    excel = tmp_path / "excel.csv"
    excel.write_text("sep=,\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(excel), "--model", "auto", "--epochs", "1", "--hidden-size", "4",
                 "--out", str(run), "--quiet"]) == 0
    assert json.loads((run / "config.json").read_text())["data"]["columns"]["value_cols"] == ["a", "b"]
    capsys.readouterr()
    assert main(["tsc", "predict", "--run", str(run), "--csv", str(plain), "--json"]) == 0
