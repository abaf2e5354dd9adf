"""Session 27, helper S: ``classify predict`` and ``tsc predict`` printed part by part as they are made
(rnnkit.cli.predict_stream), as ``generate``, ``tag`` and ``translate predict`` are since session 26: they printed
nothing until every input was predicted (a run killed at 90% printed nothing; 1M texts held ~6 GB). Oracle for the
bytes: the driver's one-call path (TaskCommand.predict + print_result), which is what 9a58fdf printed. The checks
and the warnings that count or name inputs come once over all of them, before any output
(tasks.classify_unknown.check_predict_texts, TSC.check_predict); by parts they came once a part, with its counts.

And tsc runs: ``--missing`` / ``--gaps`` given at train are how the run read its file; predict and evaluate of a new
file left them at "error" and refused it, naming a flag the user never gave (tsc's fill_from_run)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

import rnnkit.cli.classify as classify_cli
import rnnkit.tasks.classify_unknown as unknown
from rnnkit.cli.common import print_result
from rnnkit.cli.driver import TaskCommand
from rnnkit.cli.main import build_parser, main
from rnnkit.errors import DataError
from rnnkit.tasks.classification import TextClassifier
from rnnkit.tasks.classify_config import TextClassifierConfig
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig
from test_cli_s26_P import stop_at_second_call   # Ctrl-C in the second part

pytestmark = pytest.mark.usefixtures("one_thread_module")

POS, NEG = "good great fine nice".split(), "bad awful poor sad".split()
TEXTS = [f"{a} film {b}" for a in POS for b in POS] + [f"{a} film {b}" for a in NEG for b in NEG]
LABELS = ["pos"] * 16 + ["neg"] * 16
#: 11 lines: parts of 3 (PART patched) are 3, 3, 3, 2; the odd ones sit in later parts
LINES = ["good film", "bad", "zzzq", "nice nice", "ＧＯＯＤ film", "poor film", "great", "\u200b", "sad " * 30,
         "fine film bad", "qqqq xx"]


def _shown(call):
    """``call()``'s result and the warning lines the CLI shows (one_line_warnings: each text once, in order)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = call()
    return code, list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))


def same_output(got: str, expected: str, as_json: bool) -> None:
    """``got`` is ``expected``: byte for byte as text; as JSON the same keys and values in the same order, each
    probability within one float32 unit of the last place (a text's batch is made within its part, and a batch's
    arithmetic depends on its shape: one call at 9a58fdf gave a text's probabilities one unit apart in a file holding
    other texts too -- 61 of 1,024 texts alone vs within 3,079)."""
    if not as_json:
        assert got == expected
        return
    a, b = json.loads(got), json.loads(expected)
    assert list(a) == list(b) and all(a[k] == b[k] for k in a if k != "probabilities")
    if "probabilities" in a:
        assert [list(p) for p in a["probabilities"]] == [list(p) for p in b["probabilities"]]
        x = np.array([list(p.values()) for p in a["probabilities"]])
        y = np.array([list(p.values()) for p in b["probabilities"]])
        assert np.abs(x - y).max() <= 2.0 ** -24


def _one_call(argv, capsys, command):
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print_result(TaskCommand.predict(command, args), args.json)
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("classify")
    cfg = TextClassifierConfig(embed_dim=8, hidden_size=8, epochs=2, batch_size=8, min_freq=1, max_len=10,
                               embeddings="own", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TextClassifier(cfg).fit(TEXTS, LABELS, baselines=False).save(root / "run")
        TextClassifier(cfg.__class__(**{**cfg.__dict__, "on_long": "error"})).fit(
            TEXTS, LABELS, baselines=False).save(root / "strict")
    (root / "in.txt").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    (root / "in.csv").write_text("text\n" + "\n".join(LINES) + "\n", encoding="utf-8")
    return root


def _argv(root, *extra, run="run"):
    return ["classify", "predict", "--run", str(root / run), *extra]


@pytest.mark.parametrize("source", ["in.txt", "in.csv"])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
@pytest.mark.parametrize("part", [1, 3, 10, 11, 12])
def test_classify_parts_print_the_bytes_of_one_call(text_run, capsys, monkeypatch, source, json_flag, part):
    monkeypatch.setattr(classify_cli, "PART", part, raising=False)
    argv = _argv(text_run, "--input" if source.endswith("txt") else "--csv", str(text_run / source), *json_flag)
    expected = _one_call(argv, capsys, classify_cli.COMMAND)
    assert main(argv) == 0
    got = capsys.readouterr().out
    same_output(got, expected, bool(json_flag))
    if json_flag:
        assert json.loads(got)["lines" if source.endswith("txt") else "rows"][-1] == (11 if source.endswith("txt") else 12)


def test_classify_warnings_count_every_text_once_before_any_output(text_run, capsys, monkeypatch):
    # by parts of 3 the texts of unknown units alone (lines 3 and 11), the full-width one (5) and the one with no
    # token (8) are each in another part: warned once, over all 11 lines, as one call warned them
    monkeypatch.setattr(classify_cli, "PART", 3, raising=False)
    code, warned = _shown(lambda: main(_argv(text_run, "--input", str(text_run / "in.txt"))))
    assert code == 0
    assert capsys.readouterr().out.count("\n") == 11
    assert [w.split(" (")[0] for w in warned[:3]] == [
        "texts: 1 of 11 have no token", "2 of 11 input(s) are units never seen in training alone",
        "1 of 11 input(s) hold full-width or half-width forms training never saw whose plain forms it knows"]
    assert "texts[7] '\\u200b'" in warned[0]
    assert "lines [3, 11], e.g. 'zzzq'" in warned[1] and "lines [5]" in warned[2]
    assert "lines [9]" in warned[3] and "read up to it" in warned[3]     # the cut, counted by the parts
    assert len(warned) == 4


def test_classify_no_token_text_alone_is_warned_once(text_run, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(classify_cli, "PART", 2, raising=False)
    f = tmp_path / "z.txt"
    f.write_text("good\nbad\n\u200b\nnice\n\u200b\n", encoding="utf-8")
    code, warned = _shown(lambda: main(_argv(text_run, "--input", str(f))))
    assert code == 0 and capsys.readouterr().out.count("\n") == 5
    assert [w for w in warned if "have no token" in w] == [
        "texts: 2 of 5 have no token (words units): texts[2] '\\u200b', texts[4] '\\u200b'; predicted the class "
        "shares of the training labels for them"]


def test_classify_a_long_text_refused_in_a_later_part_before_any_output(text_run, capsys, monkeypatch):
    # on_long="error": line 9 (index 8) is too long; refused before the first part is printed, counted over all
    monkeypatch.setattr(classify_cli, "PART", 3, raising=False)
    assert main(_argv(text_run, "--input", str(text_run / "in.txt"), run="strict")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "texts: expected at most max_len=10 tokens, got 1 longer (first at index 8, longest 30)" in captured.err


def test_classify_a_run_stopped_midway_has_printed_whole_lines(text_run, capsys, monkeypatch):
    # the second part is interrupted (Ctrl-C): the first part's 3 lines are on stdout (at 9a58fdf: nothing)
    monkeypatch.setattr(classify_cli, "PART", 3, raising=False)
    argv = _argv(text_run, "--input", str(text_run / "in.txt"))
    full = _one_call(argv, capsys, classify_cli.COMMAND)
    stop_at_second_call(monkeypatch, TextClassifier, "predict_proba")
    assert main(argv) == 130
    out = capsys.readouterr().out
    assert out.endswith("\n") and full.startswith(out) and out.count("\n") == 3
    stop_at_second_call(monkeypatch, TextClassifier, "predict_proba")
    assert main(argv + ["--json"]) == 130     # a JSON object stopped midway is never closed
    with pytest.raises(json.JSONDecodeError):
        json.loads(capsys.readouterr().out)


def test_classify_check_reads_texts_in_chunks_as_one_call(text_run, monkeypatch):
    # the check's chunks (CHUNK patched to 2) name each text by its index in all of them, as one call does
    monkeypatch.setattr(unknown, "CHUNK", 2)
    model = TextClassifier.load(text_run / "strict")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataError, match=r"got 1 longer \(first at index 8, longest 30\)"):
            unknown.check_predict_texts(model, LINES, list(range(1, 12)), "lines")
    assert not caught            # the error comes before any warning, as one call's encoding raised it
    assert model.config.on_long == "error"                                  # put back


# ------------------------------------------------------------------ tsc
def _series(n, seed, T=12):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(0, 2 * np.pi, T)
    return [(np.sin(t * (1 + c)) + 0.2 * rng.standard_normal(T))[:, None] for c in y], [f"c{c}" for c in y]


def _ucr(path, X, y, nan_at=()):
    lines = []
    for i, (x, lab) in enumerate(zip(X, y)):
        v = [f"{a:.4f}" for a in x[:, 0]]
        if i in nan_at:
            v[4] = v[5] = "NaN"
        lines.append("\t".join([lab, *v]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _long_csv(path, X, y, times):
    rows = ["id,time,value,label"] + [f"s{i},{t},{a:.4f},{lab}" for i, (x, lab) in enumerate(zip(X, y))
                                      for t, a in zip(times(i, len(x)), x[:, 0])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _irregular(i, n):
    return np.cumsum(1 + (np.arange(n) * (i + 1)) % 3)


@pytest.fixture(scope="module")
def tsc_runs(tmp_path_factory):
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tsc")
    X, y = _series(24, 0)
    cfg = TSCConfig(hidden_size=8, epochs=2, batch_size=8, patch=1, model="rnn", max_len=12, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TimeSeriesClassifier(cfg).fit(X, y, baselines=False).save(
            root / "nan", data={"file": str(root / "train.tsv"), "flag": "ucr", "missing": "interpolate"})
        TimeSeriesClassifier(cfg).fit(X, y, baselines=False).save(
            root / "gaps", data={"file": str(root / "train.csv"), "flag": "csv", "gaps": "steps",
                                 "columns": {"id_col": "id", "time_col": "time", "label_col": "label",
                                             "value_cols": ["value"]}})
        TimeSeriesClassifier(cfg.__class__(**{**cfg.__dict__, "on_long": "error"})).fit(X, y, baselines=False).save(
            root / "strict", data={})
    Xp, yp = _series(11, 1)
    _ucr(root / "new.tsv", Xp, yp, nan_at=(2, 9))
    _ucr(root / "clean.tsv", Xp, yp)
    _long_csv(root / "new.csv", Xp, yp, _irregular)
    Xl = list(Xp)
    Xl[8] = np.concatenate([Xl[8], Xl[8]])          # 24 steps, max_len 12: in the third part of 3
    _ucr(root / "long.tsv", Xl, yp)
    return root


def _tsc(root, run, *extra):
    return ["tsc", "predict", "--run", str(root / run), *extra]


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
@pytest.mark.parametrize("part", [1, 3, 10, 11, 12])
def test_tsc_parts_print_the_bytes_of_one_call(tsc_runs, capsys, monkeypatch, json_flag, part):
    from rnnkit.cli.tsc import COMMAND

    monkeypatch.setattr(classify_cli, "PART", part, raising=False)
    argv = _tsc(tsc_runs, "nan", "--ucr", str(tsc_runs / "clean.tsv"), *json_flag)
    expected = _one_call(argv, capsys, COMMAND)
    assert main(argv) == 0
    same_output(capsys.readouterr().out, expected, bool(json_flag))


def test_tsc_a_long_series_refused_in_a_later_part_before_any_output(tsc_runs, capsys, monkeypatch):
    monkeypatch.setattr(classify_cli, "PART", 3, raising=False)
    assert main(_tsc(tsc_runs, "strict", "--ucr", str(tsc_runs / "long.tsv"))) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "series: expected at most max_len=12 tokens, got 1 longer (first at index 8, longest 24)" in captured.err


def test_tsc_a_run_stopped_midway_has_printed_whole_lines(tsc_runs, capsys, monkeypatch):
    monkeypatch.setattr(classify_cli, "PART", 3, raising=False)
    argv = _tsc(tsc_runs, "nan", "--ucr", str(tsc_runs / "clean.tsv"))
    full = _one_call(argv, capsys, __import__("rnnkit.cli.tsc", fromlist=["COMMAND"]).COMMAND)
    stop_at_second_call(monkeypatch, TimeSeriesClassifier, "predict_proba")
    assert main(argv) == 130
    out = capsys.readouterr().out
    assert out.endswith("\n") and full.startswith(out) and out.count("\n") == 3     # at 9a58fdf: nothing


def test_tsc_predict_reads_a_new_file_as_training_read_its_own(tsc_runs, capsys):
    # trained with --missing interpolate: a new file with NaN inside two series was refused, naming the flag the
    # user never gave (at 9a58fdf: exit 1, "--missing interpolate fills them"); now filled as training filled
    explicit = _tsc(tsc_runs, "nan", "--ucr", str(tsc_runs / "new.tsv"), "--json")
    assert main(explicit + ["--missing", "interpolate"]) == 0
    expected = capsys.readouterr().out
    assert main(explicit) == 0
    assert capsys.readouterr().out == expected
    assert main(explicit + ["--missing", "error"]) == 1           # a flag typed is used as typed
    assert "expected no missing values, got NaN inside series 3" in capsys.readouterr().err


def test_tsc_predict_and_evaluate_read_gaps_as_the_run_did(tsc_runs, capsys):
    argv = _tsc(tsc_runs, "gaps", "--csv", str(tsc_runs / "new.csv"), "--json")
    assert main(argv + ["--gaps", "steps"]) == 0
    expected = capsys.readouterr().out
    assert main(argv) == 0                                         # at 9a58fdf: refused (times not equally spaced)
    assert capsys.readouterr().out == expected
    evaluate = ["tsc", "evaluate", "--run", str(tsc_runs / "gaps"), "--csv", str(tsc_runs / "new.csv"), "--json"]
    assert main(evaluate) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 11
    assert main(argv + ["--gaps", "error"]) == 1
    assert "--gaps" in capsys.readouterr().err


def test_tsc_a_run_that_read_its_file_with_interpolation_still_evaluates_a_dataset(tsc_runs, capsys):
    # the run's --missing is how it read its file: a data set given to evaluate is not refused for it
    code = main(["tsc", "evaluate", "--run", str(tsc_runs / "nan"), "--dataset", "gunpoint", "--json"])
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["n"] == 150
