"""Session 26, helper M: ``predict`` printed part by part as it is made (rnnkit.cli.predict_stream). The driver's
predict printed nothing until every input was predicted: ``generate predict`` on 2,000 prompts killed at 20 s of
its 35 s left 0 bytes. Oracle for the bytes: the driver's one-call path (TaskCommand.predict + print_result)."""

from __future__ import annotations

import json

import pytest
import torch

import rnnkit.cli.predict_stream as stream
from rnnkit.cli.common import print_result
from rnnkit.cli.driver import TaskCommand
from rnnkit.cli.main import build_parser, main
from rnnkit.tasks.generation import CharLM, CharLMConfig

pytestmark = pytest.mark.usefixtures("one_thread_module")

TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 12
PROMPTS = ["the", "a cat", "dog", "on th", "mat", "sat", "log"]


@pytest.fixture(scope="module")
def gen_run(tmp_path_factory):
    torch.manual_seed(0)
    cfg = CharLMConfig(embed_dim=8, hidden_size=16, batch_size=4, bptt=10, chunks_per_round=3, rounds=2, progress=False)
    root = tmp_path_factory.mktemp("gen")
    run = root / "run"
    CharLM(cfg).fit(TEXT).save(run)
    (root / "p.txt").write_text("\n".join(PROMPTS) + "\n", encoding="utf-8")
    return run, root / "p.txt"


def _argv(gen_run, *extra):
    run, prompts = gen_run
    return ["generate", "predict", "--run", str(run), "--input", str(prompts), "--length", "6", "--top-k", "3",
            "--seed", "7", *extra]


def _one_call(argv, capsys):
    """What the driver's predict printed: every prompt in one call, printed at the end."""
    args = build_parser().parse_args(argv)
    from rnnkit.cli.generate import COMMAND

    print_result(TaskCommand.predict(COMMAND, args), args.json)
    return capsys.readouterr().out


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_parts_print_the_bytes_one_call_printed(gen_run, capsys, monkeypatch, json_flag):
    monkeypatch.setattr(stream, "PART", 3)          # 7 prompts: parts of 3, 3, 1 (seeds 7 + i all the same)
    argv = _argv(gen_run, *json_flag)
    expected = _one_call(argv, capsys)
    assert main(argv) == 0
    got = capsys.readouterr().out
    assert got == expected
    if json_flag:
        assert json.loads(got)["lines"] == list(range(1, 8))


def test_a_run_stopped_midway_has_printed_the_parts_made(gen_run, capsys, monkeypatch):
    # the second part is interrupted (Ctrl-C): the first part's 3 continuations are on stdout already (was: none)
    monkeypatch.setattr(stream, "PART", 3)
    full = _one_call(_argv(gen_run), capsys)
    calls = []
    real = CharLM.predict

    def stop_second(self, prompts, **kw):
        calls.append(len(prompts))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, prompts, **kw)

    monkeypatch.setattr(CharLM, "predict", stop_second)
    assert main(_argv(gen_run)) == 130
    out = capsys.readouterr().out
    assert out and full.startswith(out) and out.count("--- line") == 3
    monkeypatch.setattr(CharLM, "predict", real)
    assert main(_argv(gen_run, "--json")) == 0     # a JSON object stopped midway is never closed
    capsys.readouterr()
    monkeypatch.setattr(CharLM, "predict", stop_second)
    calls.clear()
    assert main(_argv(gen_run, "--json")) == 130
    with pytest.raises(json.JSONDecodeError):
        json.loads(capsys.readouterr().out)


def test_every_prompt_is_checked_before_any_is_printed(gen_run, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(stream, "PART", 2)
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join([*PROMPTS[:5], "Zebra"]) + "\n", encoding="utf-8")   # 'Z' never trained on
    argv = _argv(gen_run)
    argv[argv.index("--input") + 1] = str(bad)
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "prompts[5]" in captured.err


def test_an_error_of_a_later_part_names_the_input_by_its_place_in_all():
    from rnnkit.errors import DataError

    e = stream._index_from(DataError("prompts[1]: expected x, got y"), 64)
    assert type(e) is DataError and str(e) == "prompts[65]: expected x, got y"
    assert str(stream._index_from(DataError("length: expected x"), 64)) == "length: expected x"


def test_progress_lines_on_stderr_unless_quiet(gen_run, capsys, monkeypatch):
    monkeypatch.setattr(stream, "PART", 3)
    monkeypatch.setattr(stream, "NOTE_SECONDS", 0.0)
    assert main(_argv(gen_run)) == 0
    err = capsys.readouterr().err
    assert "rnnkit generate: predicted 3 of 7 lines (42%)" in err and "predicted 6 of 7 lines" in err
    assert main(_argv(gen_run, "--quiet")) == 0
    assert "predicted" not in capsys.readouterr().err
