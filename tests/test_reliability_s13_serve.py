"""Session 13, helper S: files read as streams, the CLI's predict and the HTTP service on hostile inputs. Each
test failed on the code before its fix.

* ``--input <(cmd)``, ``--conll /dev/stdin``: a pipe was refused "(not found)"; a run trained from one recorded
  ``/dev/fd/63`` and evaluate read whatever that names later.
* A text over a classifier run's ``max_len`` was cut with a warning in the server's log only (the client got a
  label for a prefix as if for the whole text); ``predict`` named how many, not which; a run without ``max_len``
  read a text of any length whole; a NUL inside a text was one more unknown token.
* A lone CR in a predict input joined two inputs into one prediction.
"""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError


# ----------------------------------------------------------------------------------------------- pipes
def _fifo(folder, name, text):
    """A named pipe at ``folder/name`` that a thread fills with ``text`` once a reader opens it (``<(cmd)``)."""
    import os
    import threading

    path = folder / name
    os.mkfifo(path)

    def feed():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    threading.Thread(target=feed, daemon=True).start()
    return path


TAGGED = "the\tDET\ndog\tNOUN\n\na\tDET\ncat\tNOUN\n\n" * 4


def test_a_pipe_is_read_once_and_a_run_trained_on_one_asks_for_data_at_evaluate(tmp_path, capsys):
    # `--conll <(cmd)`, `--input <(cmd)`: read_utf8 took regular files only and refused a pipe '(not found)'
    import json

    from rnnkit.cli.main import main
    from rnnkit.data.text import read_utf8

    assert read_utf8(_fifo(tmp_path, "p0", "héllo\n")) == "héllo\n"
    run = tmp_path / "run"
    assert main(["tag", "train", "--conll", str(_fifo(tmp_path, "p1", TAGGED)), "--epochs", "1", "--quiet",
                 "--out", str(run), "--val-fraction", "0"]) == 0
    capsys.readouterr()
    assert main(["tag", "predict", "--run", str(run), "--json", "--input",
                 str(_fifo(tmp_path, "p2", "the\ndog\n\ncat\n"))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [len(s) for s in out["predictions"]] == [2, 1] and out["lines"] == [1, 4]
    # the recorded '/dev/fd/63' names another stream (or none) later: evaluate asks for the data, naming why
    assert main(["tag", "evaluate", "--run", str(run)]) == 2
    assert "expected a data flag (--conll PATH): the run was trained on a stream" in capsys.readouterr().err


def test_a_reader_that_needs_a_second_pass_refuses_a_pipe_for_that_reason(tmp_path, capsys):
    import os

    from rnnkit._io import is_stream, not_a_file_reason
    from rnnkit.cli.main import main

    pipe = tmp_path / "p"
    os.mkfifo(pipe)          # never opened: both refusals come before any read
    assert not_a_file_reason(pipe) == "a pipe, read once: this reader needs a file"
    # a descriptor's name is a stream whatever it points at (`--csv /dev/stdin < data.csv`: another stdin later)
    assert is_stream(pipe) and is_stream("-") and is_stream("/dev/stdin") and is_stream("/proc/self/fd/0")
    assert not is_stream(tmp_path) and not is_stream(tmp_path / "missing")
    assert main(["tsc", "train", "--csv", str(pipe), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "--csv: expected a file or --value-cols, got a stream" in err and "reads the header again" in err


# ----------------------------------------------------------------------------------------------- service
def _small_classifier(folder, max_len=4):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful", "nice good great", "awful bad bad", "fine", "terrible bad"] * 6
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 6
    cfg = TextClassifierConfig(min_freq=1, embed_dim=8, hidden_size=8, epochs=2, batch_size=8, val_fraction=0.0,
                               progress=False, max_len=max_len, tokenizer="words", embeddings="own")
    clf = TextClassifier(cfg).fit(texts, labels)
    clf.save(folder)
    return clf


def test_predict_json_names_the_lines_cut_at_max_len(tmp_path, capsys):
    # 'texts: truncated 2 of 4' named none of them: which predictions read only a prefix of their line
    import json

    from rnnkit.cli.main import main

    _small_classifier(tmp_path / "clf")
    (tmp_path / "in.txt").write_text("good\ngood nice fine great awful\nbad\nbad bad bad bad bad\n", encoding="utf-8")
    capsys.readouterr()
    with pytest.warns(UserWarning, match=r"2 input\(s\) longer than the run's max_len were read up to it, lines "
                                         r"\[2, 4\] \(longest 5\)"):
        assert main(["classify", "predict", "--run", str(tmp_path / "clf"), "--input", str(tmp_path / "in.txt"),
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["truncated"] == [2, 4] and out["lines"] == [1, 2, 3, 4]
    (tmp_path / "in.txt").write_text("good\nbad\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(tmp_path / "clf"), "--input", str(tmp_path / "in.txt"),
                 "--json"]) == 0
    assert "truncated" not in json.loads(capsys.readouterr().out)


@pytest.mark.slow        # a server process: 15 s on the shared 2 cores, most of it importing torch and fastapi
def test_the_service_says_which_texts_were_cut_at_max_len(tmp_path, start_service):
    # a text over the run's max_len tokens was cut (a warning in the server's log only): the client got a label
    # for its first max_len words as if for the whole text
    clf = _small_classifier(tmp_path / "clf")
    long = "good nice fine great awful awful awful bad bad terrible"
    import httpx

    proc, url = start_service("--run", tmp_path / "clf")
    client = httpx.Client(base_url=url, timeout=30)
    try:
        health = client.get("/health").json()
        r = client.post("/predict", json={"texts": ["bad awful", long]})
        nul = client.post("/predict", json={"texts": ["fine", "good\u0000bad"]})
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert (health["max_len"], health["on_long"]) == (4, "truncate")
    assert r.status_code == 200
    short_out, long_out = r.json()["predictions"]
    assert short_out["truncated"] is False and "tokens" not in short_out
    assert long_out["truncated"] is True and long_out["tokens"] == 10
    # what was read is the first max_len words: the same probabilities as for those words alone
    first = clf.predict_proba([" ".join(long.split()[:4])])[0]
    assert abs(long_out["probabilities"]["pos"] - float(first[clf.classes.index("pos")])) < 1e-6
    # a NUL inside a text (a client's C-string or UTF-16 bug) was read as one more unknown token
    assert nul.status_code == 422 and nul.json()["error"].startswith("texts[1]: expected text without NUL")


def test_a_lone_cr_in_predict_input_is_refused_not_two_inputs_joined(tmp_path):
    # 'good\rbad' (an old Mac line end) was one input: one prediction for two texts, the numbering off after it
    from rnnkit.cli.common import read_numbered_lines

    p = tmp_path / "in.txt"
    p.write_bytes(b"fine\r\ngood\rbad\n")
    with pytest.raises(DataError, match=r"--input .*in.txt': expected lines ended by LF or CRLF, got a lone carriage "
                                        r"return \(CR\) in line 2"):
        read_numbered_lines(p)
    p.write_bytes(b"fine\r\ngood\n")
    assert read_numbered_lines(p) == (["fine", "good"], [1, 2])


def test_a_run_without_max_len_refuses_a_text_too_long_to_read_whole(tmp_path):
    # max_len=None read a text of any length whole: one 16 MB text was a 16-million-step pass (gigabytes)
    import anyio
    import httpx

    from rnnkit.serve import services
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service

    MAX_UNCUT_CHARS = getattr(services, "MAX_UNCUT_CHARS", 200_000)   # the old code read such a text whole

    _small_classifier(tmp_path / "clf", max_len=None)
    app = create_app(open_service(tmp_path / "clf"))
    texts = ["good " * (MAX_UNCUT_CHARS // 5) + "x", "good " * 100]

    async def talk():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return [await c.post("/predict", json={"texts": [t]}) for t in texts]

    long, short = anyio.run(talk)
    assert long.status_code == 422 and long.json()["error"] == (
        f"texts[0]: expected at most {MAX_UNCUT_CHARS:,} characters (this run has no max_len: it reads every token), "
        f"got {MAX_UNCUT_CHARS + 1:,}")
    assert short.status_code == 200 and short.json()["predictions"][0]["truncated"] is False


def test_the_service_says_a_cut_text_read_from_a_prefix_has_at_least_its_tokens(tmp_path):
    # since 6ed2bfb a text over 64 KiB is tokenized from a prefix: its count is a lower bound, and the client was
    # told "tokens": N as if exact (session 19, helper X's note)
    from rnnkit.serve.services import open_service

    _small_classifier(tmp_path / "clf")
    service = open_service(tmp_path / "clf")
    long = "good nice fine " * 30_000   # 450,000 characters, 90,000 words
    short = "good nice fine great awful"
    out = service.predict([long, short, "bad"])["predictions"]
    assert out[0]["truncated"] is True and out[0]["tokens_at_least"] is True and 4 < out[0]["tokens"] < 90_000
    assert type(out[0]["tokens"]) is int   # a plain number in the JSON
    assert out[1]["truncated"] is True and out[1]["tokens"] == 5 and "tokens_at_least" not in out[1]
    assert out[2]["truncated"] is False and "tokens" not in out[2] and "tokens_at_least" not in out[2]
