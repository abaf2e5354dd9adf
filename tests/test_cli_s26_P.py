"""Session 26, helper P: ``tag predict`` printed part by part as it is made (rnnkit.cli.predict_stream), as ``generate
predict`` is since 5f5a6c7: it printed nothing until every sentence was tagged (100k sentences: 40-60 s, a run killed
before the end printed nothing). Oracle for the bytes and the warnings: the driver's one-call path
(TaskCommand.predict + print_result). The checks and warnings over all sentences (read in pieces: counted; a
'token,tag' CSV; a bad token; ``on_long="error"``) come once before any output, as one call gives them
(SequenceTagger.check_predict) -- by parts they came once a part with the part's counts and indices."""

from __future__ import annotations

import json
import warnings

import pytest
import torch

import rnnkit.cli.tag as tag_cli
import rnnkit.tasks.tagging as tagging
from rnnkit.cli.common import print_result
from rnnkit.cli.driver import TaskCommand
from rnnkit.cli.main import build_parser, main
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

pytestmark = pytest.mark.usefixtures("one_thread_module")

TAG_SENTS = [["Anna", "lebt", "in", "Rom"], ["Bob", "mag", "Paris"], ["wir", "sehen", "Anna"], ["Rom", "ist", "alt"]]
TAG_TAGS = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"], ["O", "O", "B-PER"], ["B-LOC", "O", "O"]]


def _shown(call):
    """``call()``'s stdout and the warning lines the CLI shows (one_line_warnings: each text once, in order)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = call()
    return code, list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))


def _both(argv, capsys, command):
    """(one call's stdout, its warnings), (the streamed run's stdout, its warnings)."""
    args = build_parser().parse_args(argv)
    _, one_warned = _shown(lambda: print_result(TaskCommand.predict(command, args), args.json))
    one = capsys.readouterr().out
    code, warned = _shown(lambda: main(argv))
    assert code == 0
    return (one, one_warned), (capsys.readouterr().out, warned)


def stop_at_second_call(monkeypatch, owner, name):
    """``owner.name`` raises KeyboardInterrupt (Ctrl-C) when called a second time: a run stopped in its second part."""
    real, calls = getattr(owner, name), []

    def stop(self, *a, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *a, **kw)

    monkeypatch.setattr(owner, name, stop)


# ------------------------------------------------------------------ tag
@pytest.fixture(scope="module")
def tag_run(tmp_path_factory):
    torch.manual_seed(0)
    cfg = TaggerConfig(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=2, batch_size=4, max_len=5,
                       val_fraction=0.0, progress=False)
    root = tmp_path_factory.mktemp("tag")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        SequenceTagger(cfg).fit(TAG_SENTS * 4, TAG_TAGS * 4, baselines=False).save(root / "run")
    sents = [["Anna", "lebt"], ["Bob", "mag", "Rom", "und", "Paris", "und", "Anna"], ["wir"], ["Rom", "ist", "alt"],
             ["Paris", "ist", "groß", "und", "alt", "und", "weit"], ["Bob"], ["sehen", "Anna", "in", "Rom"]]
    (root / "s.txt").write_text("\n\n".join("\n".join(s) for s in sents) + "\n", encoding="utf-8")
    return root / "run", root / "s.txt"


def _tag_argv(tag_run, *extra):
    return ["tag", "predict", "--run", str(tag_run[0]), "--input", str(tag_run[1]), *extra]


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_tag_parts_print_the_bytes_and_warnings_of_one_call(tag_run, capsys, monkeypatch, json_flag):
    # 7 sentences in parts of 3, 3, 1; sentences 2 and 5 are longer than max_len=5 (read in pieces): warned once,
    # '2 of 7' (by parts: '1 of 3' twice); the text output's blank line between two parts' sentences as within one
    monkeypatch.setattr(tag_cli, "PART", 3)
    (one, one_warned), (got, warned) = _both(_tag_argv(tag_run, *json_flag), capsys, tag_cli.COMMAND)
    assert got == one and warned == one_warned
    assert [w for w in warned if "pieces" in w] == ["sentences: tagged 2 of 7 longer than max_len=5 in overlapping "
                                                     "pieces of 5 tokens"]
    if json_flag:
        assert json.loads(got)["lines"] == [1, 4, 12, 14, 18, 26, 28]
    else:
        assert got.count("\n\n") == 6 and "\n\n\n" not in got


def test_tag_one_call_warns_of_pieces_once_over_its_groups(tag_run, monkeypatch):
    # GROUP_TOKENS (8c7a595) split one call into groups, each warned with its own counts ('tagged 1 of 2',
    # 'tagged 1 of 3'): fails at ef8d4e0 / 8c7a595 -- now one warning counting all the sentences
    from rnnkit.tasks.tagging import SequenceTagger as T

    monkeypatch.setattr(tagging, "GROUP_TOKENS", 8)
    tagger = T.load(tag_run[0])
    sents = [["Anna", "lebt"], ["Bob", "mag", "Rom", "und", "Paris", "und", "Anna"], ["wir"],
             ["Paris", "ist", "groß", "und", "alt", "und", "weit"]]
    _, warned = _shown(lambda: tagger.predict(sents))
    assert warned == ["sentences: tagged 2 of 4 longer than max_len=5 in overlapping pieces of 5 tokens"]
    assert tagger.predict(sents, warn=False) == tagger.predict(sents)


def test_tag_a_comma_tag_csv_is_refused_over_all_its_lines_before_any_output(tag_run, capsys, monkeypatch, tmp_path):
    # refuse_comma_tags reads every token line after the first: by parts a part of 'w,B-PER' lines alone was refused
    # where the whole file (a first part of plain tokens) was not, and the other way round
    monkeypatch.setattr(tag_cli, "PART", 2)
    bad = tmp_path / "c.txt"
    bad.write_text("token,tag\nAnna,B-PER\nlebt,O\n\nRom,B-LOC\n\nBob,B-PER\n", encoding="utf-8")
    code = main(_tag_argv(tag_run)[:4] + ["--input", str(bad)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "a 'token,tag' CSV?" in err
    mixed = tmp_path / "m.txt"        # plain first sentences, then a part whose lines all end in ',O'
    mixed.write_text("Anna\nlebt\n\nRom\n\nBob,B-PER\nmag,O\n\nwir,O\n", encoding="utf-8")   # a part alone: refused
    args = _tag_argv(tag_run)[:4] + ["--input", str(mixed)]
    (one, _), (got, _) = _both(args, capsys, tag_cli.COMMAND)
    assert got == one and "Bob,B-PER\t" in got


def test_tag_an_error_names_the_sentence_in_all_before_any_output(tag_run, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(tag_cli, "PART", 2)
    bad = tmp_path / "b.txt"
    bad.write_text("Anna\n\nRom\n\nBob\n\nwir\n\nlebt\n\u200b\n", encoding="utf-8")   # sentence 4's second token
    code = main(_tag_argv(tag_run)[:4] + ["--input", str(bad)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "sentences[4][1]" in err     # by parts without the check: after 2 parts' output, then sentences[4]


def test_tag_on_long_error_refuses_before_any_output_naming_the_sentence_in_all(tmp_path, capsys, monkeypatch):
    torch.manual_seed(0)
    cfg = TaggerConfig(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=1, batch_size=4, max_len=5,
                       on_long="error", val_fraction=0.0, progress=False)
    SequenceTagger(cfg).fit(TAG_SENTS * 2, TAG_TAGS * 2, baselines=False).save(tmp_path / "run")
    (tmp_path / "s.txt").write_text("a\n\nb\n\nc\n\n" + "\n".join("abcdefg") + "\n", encoding="utf-8")
    monkeypatch.setattr(tag_cli, "PART", 2)
    code = main(["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "s.txt")])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "index 3" in err


def test_tag_a_run_stopped_midway_has_printed_the_parts_made(tag_run, capsys, monkeypatch):
    monkeypatch.setattr(tag_cli, "PART", 3)
    full = _both(_tag_argv(tag_run), capsys, tag_cli.COMMAND)[0][0]
    stop_at_second_call(monkeypatch, SequenceTagger, "predict_texts")   # what tag predict calls a part (57d77e2)
    assert main(_tag_argv(tag_run)) == 130
    out = capsys.readouterr().out
    assert out and full.startswith(out) and out.count("\n\n") == 2     # the first part's 3 sentences (was: nothing)
