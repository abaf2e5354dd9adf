"""Session 34, helper R: ``rnnkit generate`` on hostile inputs (each test fails on the code before its fix)."""

from __future__ import annotations

import json
import warnings

from rnnkit.cli.main import main

TEXT = "the cat sat on the mat and the dog ran to the cat\n" * 30
FAST = ["--hidden-size", "8", "--embed-dim", "4", "--batch-size", "4", "--bptt", "10", "--chunks-per-round", "2",
        "--rounds", "1", "--val-chars", "100", "--quiet"]


def test_a_crlf_corpus_trains_and_scores_as_its_lf_text(tmp_path, capsys):
    # --text kept each '\r' of a CRLF file (Windows, a Gutenberg download): the model learned a '\r' before every
    # line end, and a run trained on LF text scored each '\r' of a CRLF file as an unseen character; the shakespeare
    # data set already read its CRLF files as LF
    (tmp_path / "lf.txt").write_bytes(TEXT.encode("utf-8"))
    (tmp_path / "crlf.txt").write_bytes(("\ufeff" + TEXT).replace("\n", "\r\n").encode("utf-8"))
    for name in ("lf", "crlf"):
        assert main(["generate", "train", "--text", str(tmp_path / f"{name}.txt"), "--out", str(tmp_path / name),
                     *FAST]) == 0
    capsys.readouterr()
    vocabs = [json.loads((tmp_path / name / "vocab.json").read_text(encoding="utf-8")) for name in ("lf", "crlf")]
    assert vocabs[0] == vocabs[1] and "\r" not in json.dumps(vocabs[1])
    scores = []
    for name in ("lf", "crlf"):
        assert main(["generate", "evaluate", "--run", str(tmp_path / "lf"), "--text", str(tmp_path / f"{name}.txt"),
                     "--json"]) == 0
        scores.append(json.loads(capsys.readouterr().out)["metrics"])
    assert scores[1]["unknown_chars"] == 0 and scores[1] == scores[0]


def test_a_run_trained_with_its_crs_before_reads_its_files_as_it_did(tmp_path, capsys, monkeypatch, as_before_newlines):
    # review W on d90330e: a run trained on a CRLF file before it (a '\r' among its units) was refused at evaluate
    # --run (its held-out part, re-read without the '\r's, no longer matched the sha256 in split.json)
    from rnnkit.data import text as text_module

    (tmp_path / "crlf.txt").write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))

    class KeepCR(str):   # the reader before d90330e: '\r\n' kept
        def replace(self, old, new, *rest):
            return str(self) if old == "\r\n" else str.replace(self, old, new, *rest)

    read = text_module.read_utf8
    with monkeypatch.context() as m:
        m.setattr(text_module, "read_utf8", lambda *a, **k: KeepCR(read(*a, **k)))
        assert main(["generate", "train", "--text", str(tmp_path / "crlf.txt"), "--out", str(tmp_path / "old"),
                     *FAST]) == 0
    as_before_newlines(tmp_path / "old")      # saved before the run recorded its newline reading (W2-R1's fix)
    assert "\r" in json.loads((tmp_path / "old" / "vocab.json").read_text(encoding="utf-8"))["chars"]["tokens"]
    capsys.readouterr()
    assert main(["generate", "evaluate", "--run", str(tmp_path / "old"), "--json"]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["metrics"]["chars_scored"] > 0
    assert main(["generate", "evaluate", "--run", str(tmp_path / "old"), "--text", str(tmp_path / "crlf.txt"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["unknown_chars"] == 0


def test_a_top_k_of_every_unit_or_more_is_warned_as_restricting_nothing(tmp_path, capsys):
    # --top-k 1000 on a run of 12 characters sampled from all of them, as without it, unsaid
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    assert main(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run"), *FAST]) == 0
    units = len(set(TEXT))    # the text's characters (<pad> and <unk> are never drawn)
    for k, warned in ((units - 1, False), (units, True), (1000, True), (1, False)):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert main(["generate", "sample", "--run", str(tmp_path / "run"), "--length", "5", "--top-k", str(k)]) == 0
        said = [str(w.message) for w in seen if "restricts nothing" in str(w.message)]
        assert said == ([f"top_k: {k} is at least the run's {units} units, so it restricts nothing (every unit may "
                         "be drawn); a smaller top_k samples among the most likely"] if warned else []), (k, said)
