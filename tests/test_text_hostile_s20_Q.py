"""Session 20 (helper Q): hostile inputs of the text tasks, round 4 -- each test fails on the code before its fix."""

import os
import sys

import pytest

from rnnkit.cli.main import main


# ---------------------------------------------------------------------------------------- a data file named in Latin-1
def _latin1_named(folder, suffix: str, text: str):
    """A file whose name holds the byte 0xE9 ('é' in Latin-1, not UTF-8): Python reads it as 'caf\\udce9' + suffix."""
    path = os.path.join(os.fsencode(folder), b"caf\xe9" + suffix.encode())
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return os.fsdecode(path)


PAIRS = "\n".join(f"das Haus {w}\tthe house {e}" for w, e in [("ist alt", "is old"), ("ist klein", "is small")] * 8)
CSV = "text,label\n" + "\n".join(f"{'good' if i % 2 else 'bad'} movie {i},{'pos' if i % 2 else 'neg'}" for i in range(24))
CONLL = "\n\n".join("Anna\tB-PER\nmet\tO\nBob\tB-PER" for _ in range(12)) + "\n"
TEXT = "the movie was good and the plot was fine.\n" * 40

CASES = {
    "classify": (".csv", CSV, ["--csv"], ["--epochs", "1", "--hidden-size", "8", "--embed-dim", "8", "--embeddings",
                                        "own", "--combine", "false"]),
    "tag": (".conll", CONLL, ["--conll"], ["--epochs", "1", "--hidden-size", "8", "--word-dim", "8", "--char-dim", "4",
                                         "--char-hidden", "4"]),
    "translate": (".tsv", PAIRS, ["--tsv"], ["--epochs", "1", "--embed-dim", "8", "--enc-hidden", "8",
                                          "--dec-hidden", "8"]),
    "generate": (".txt", TEXT, ["--text"], ["--max-seconds", "2", "--hidden-size", "8", "--embed-dim", "8"]),
}


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux (PEP 383)")
@pytest.mark.parametrize("task", sorted(CASES))
def test_train_refuses_a_data_file_name_that_is_not_utf8_before_any_work(task, tmp_path, capsys):
    """A file name in Latin-1 reads well, but the run records it in config.json: training ran to its end and then
    stopped with a bare "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udce9'", no run saved. Now a
    usage error naming the flag and the byte, before the data is read; the same content under a UTF-8 name trains."""
    suffix, text, flag, fast = CASES[task]
    bad = _latin1_named(tmp_path, suffix, text)
    out = tmp_path / "run"
    rc = main([task, "train", *flag, bad, "--out", str(out), "--quiet", "--no-baseline", *fast])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"{flag[0]}: expected a path in UTF-8" in err and "caf\\xe9" in err and "0xe9" in err, err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()                 # refused before any work
    good = tmp_path / f"cafe{suffix}"       # the oracle: the same data under a UTF-8 name trains and saves its run
    good.write_text(text, encoding="utf-8")
    assert main([task, "train", *flag, str(good), "--out", str(out), "--quiet", "--no-baseline", *fast]) == 0
    assert (out / "config.json").is_file()


def test_evaluate_still_reads_a_file_named_in_latin1(tmp_path, capsys):
    """Only train records its data file: evaluate reads a Latin-1-named --csv as before (nothing is refused there)."""
    suffix, text, flag, fast = CASES["classify"]
    good = tmp_path / "c.csv"
    good.write_text(text, encoding="utf-8")
    assert main(["classify", "train", "--csv", str(good), "--out", str(tmp_path / "run"), "--quiet", "--no-baseline",
                 *fast]) == 0
    bad = _latin1_named(tmp_path, suffix, text)
    capsys.readouterr()
    with pytest.warns(UserWarning, match="the data it was trained on"):   # the same texts: said so, scored
        assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", bad, "--json"]) == 0
    assert '"accuracy"' in capsys.readouterr().out

