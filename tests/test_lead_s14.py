"""Lead's checks of session 14 (helpers' cross-file patches applied by the lead)."""

from __future__ import annotations

import pytest

from rnnkit.tasks.seq2seq_words import detokenize, words


@pytest.mark.parametrize("text", [
    "ผมชอบกินข้าว",                          # Thai: consonants with vowel signs and tone marks, no spaces
    "ສະບາຍດີ",                               # Lao
    "ខ្ញុំស្រឡាញ់",                            # Khmer (coeng subscripts)
    "ผมชอบ Python 3 มาก",                    # Thai around a spaced Latin word and a number
    "你好。ผมชอบ",                            # Han, CJK punctuation and Thai side by side
])
def test_detokenize_inverts_tokenize_in_scripts_without_spaces(text):
    """Target words of a script written without spaces are one grapheme cluster each (data.vocab); joined
    back they must not gain a space between clusters (the translation's output text)."""
    assert detokenize(words([text])[0]) == text


def test_tsc_predict_names_csv_series_by_their_id(tmp_path, capsys):
    """`tsc predict --csv` numbered the series 1..N by first appearance: a file whose ids are names (or are
    not in order) could not be joined back. Each prediction now carries the --id-col text, in the file's order;
    the oracle is the ids as written in the file (first appearance), and the predictions are those of the
    same series numbered (the library's predict on the series read the same way)."""
    import json

    from rnnkit.cli.main import main
    from rnnkit.data.tsc import read_long_csv
    from rnnkit.tasks.tsc import TimeSeriesClassifier
    from test_hostile_inputs_s11_cli import _long_csv

    train = _long_csv(tmp_path / "train.csv")
    lines = train.read_text(encoding="utf-8").splitlines()
    renamed = [lines[0]] + [line.replace("s", "patient-", 1) for line in lines[:0:-1]]   # reversed, named
    new = tmp_path / "new.csv"
    new.write_text("\n".join(renamed) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(train), "--model", "auto", "--epochs", "1", "--hidden-size", "4",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["tsc", "predict", "--run", str(run), "--csv", str(new), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    X, _, ids = read_long_csv(new, return_ids=True)
    assert ids == [f"patient-{i}" for i in range(11, -1, -1)]
    assert out["series"] == ids
    assert out["predictions"] == list(TimeSeriesClassifier.load(run).predict(X))
    assert main(["tsc", "predict", "--run", str(run), "--csv", str(new)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split("\t")[0] == "patient-11"


def test_experiment_gradient_flow_legends_give_the_per_sequence_ratio(tmp_path, monkeypatch):
    """The comparison plots draw each run's batch-mean curve; their legend gave that curve's own first/last (the
    ratio of the batch means, the formula before session 13) where the tables give the median per sequence.
    Oracle: the ratio and flag stored in the run's summary, against a curve whose own first/last differs."""
    import rnnkit.diagnostics.gradflow as gf
    from rnnkit.experiments.report import plot_comparison

    labels = []
    real = gf.figure

    def recording(*a, **k):
        fig, ax = real(*a, **k)
        plot = ax.plot
        ax.plot = lambda *pa, **pk: (labels.append(pk.get("label")), plot(*pa, **pk))[1]
        return fig, ax
    monkeypatch.setattr(gf, "figure", recording)
    curve = [0.5, 0.8, 1.0]                       # its own first / last: 0.5
    summary = {"steps": 3, "mean_norms": curve, "first": 0.5, "last": 1.0, "ratio": 0.02, "decay_per_step": 0.9,
               "flag": "ok", "min_ratio": 0.001, "max_ratio": 0.9, "sequences": 64}
    result = {"experiment": "adding", "cell": "lstm", "length": 3, "config": {"seed": 0},
              "curve": [{"step": 100, "train_loss": 0.2, "mse": 0.17}], "baseline": {"mse": 0.167},
              "gradient_flow": {"init": {"lstm.l0.fwd": {**summary, "ratio": None, "flag": "exploding"}},
                                "final": {"lstm.l0.fwd": summary}}}
    plot_comparison([result], tmp_path)
    assert "lstm.l0.fwd (ratio n/a, exploding)" in labels       # a saved inf/NaN ratio is null in JSON
    assert "lstm.l0.fwd (ratio 0.02, ok)" in labels
    assert not any("ratio 0.5" in (label or "") for label in labels)
