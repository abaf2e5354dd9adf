"""Test helpers shared by several test files (session 36, helper H moved them here from the copies in
tests/test_review_s35_W.py, tests/test_review_s35_W2.py, tests/test_export_s35_H.py and tests/test_tag_resume_s35_R.py).

- :class:`GRUHead`: a float model for the export checks: a GRU(3, 4, batch_first) and a Linear(4, 1) head whose
  output is ``head(y) * scale + shift`` (the GRU's outputs too when ``states``).
- :func:`tag_conll`, :func:`tag_train`, :func:`interrupted_tag_fit`: a small CoNLL file and ``rnnkit tag train``
  fits of it, one of them stopped after its first epoch (a resume record)."""

from __future__ import annotations

import torch

import rnnkit

WORDS = ["Anna", "lives", "in", "Paris", "and", "Bob", "works", "at", "Acme", "today"]
TAGS = {"Anna": "B-PER", "Bob": "B-PER", "Paris": "B-LOC", "Acme": "B-ORG"}


class GRUHead(torch.nn.Module):
    """GRU(3, 4, batch_first=True) and Linear(4, 1); forward returns ``(y, head)`` with ``states`` else ``head``,
    where ``head = Linear(y) * scale + shift``."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0, states: bool = True):
        super().__init__()
        self.rnn = rnnkit.GRU(3, 4, batch_first=True)
        self.head = torch.nn.Linear(4, 1)
        self.scale, self.shift, self.states = scale, shift, states

    def forward(self, x):
        y, _ = self.rnn(x)
        head = self.head(y) * self.scale + self.shift if self.shift else self.head(y) * self.scale
        return (y, head) if self.states else head


def tag_conll(path, long: bool = True):
    """30 sentences of WORDS tagged by TAGS; with ``long`` every fifth has 20 words (past ``--max-len 8``)."""
    sents = [[WORDS[(i * 3 + j) % len(WORDS)] for j in range(20 if long and i % 5 == 0 else 4 + i % 3)]
             for i in range(30)]
    path.write_text("\n\n".join("\n".join(f"{w}\t{TAGS.get(w, 'O')}" for w in s) for s in sents) + "\n")
    return path


def tag_train(data, out, batch_size=8, resume=False):
    """``rnnkit tag train`` of ``data`` into ``out`` (3 epochs, tiny sizes, one thread); returns the exit code."""
    from rnnkit.cli.main import main

    return main(["tag", "train", "--conll", str(data), "--max-len", "8", "--epochs", "3", "--hidden-size", "4",
                 "--word-dim", "4", "--char-dim", "4", "--char-hidden", "4", "--batch-size", str(batch_size),
                 "--threads", "1", "--no-baseline", "--quiet", "--out", str(out)] + (["--resume"] if resume else []))


def interrupted_tag_fit(monkeypatch, data, out, code="now", batch_size=8):
    """A fit stopped after its first epoch, run as ``code`` ran it: "now", "s34" (pieces, no pin) or "f5b9bbba^"
    (sentences and tags cut at max_len, no pin); returns its resume record's folder."""
    from rnnkit.tasks import tagging
    from rnnkit.training import trainer as trainer_module

    end = trainer_module.Trainer._end_epoch

    def stop_after_first(self, e, *a, **k):
        end(self, e, *a, **k)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(trainer_module.Trainer, "_end_epoch", stop_after_first)
        if code != "now":
            m.setattr(tagging, "pin_pieces", lambda *a: None)
        if code == "f5b9bbba^":
            m.setattr(tagging, "train_pieces", lambda sents, ids, n: ([s[:n] for s in sents], [y[:n] for y in ids]))
        assert tag_train(data, out, batch_size) != 0
    return out / "training"
