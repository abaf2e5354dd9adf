"""Session 7 sweep, text tasks: a lone surrogate in a classification or translation text is refused
before the fit (check_texts), as R did for the char LM and the tagger; `translate --tsv ""` and `classify
--csv ""` are usage errors, not the working folder."""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main
from rnnkit.errors import DataError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.common import check_texts
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

_PATTERN = r"expected valid Unicode \(UTF-8 encodable\), got a lone surrogate '\\udce9' at character 3$"


def test_check_texts_refuses_a_lone_surrogate_naming_the_text():
    assert check_texts(["ok", "caf\u00e9 \U0001F600"]) == ["ok", "caf\u00e9 \U0001F600"]
    with pytest.raises(DataError, match=r"^texts\[1\]: " + _PATTERN):
        check_texts(["ok", "caf\udce9"])


def test_classifier_and_translator_refuse_a_lone_surrogate_before_the_fit():
    # before: both trained, then save() failed writing the vocabulary (a bare UnicodeEncodeError)
    texts, labels = ["good film", "caf\udce9 bad"] * 4, ["pos", "neg"] * 4
    with pytest.raises(DataError, match=r"^texts\[1\]: " + _PATTERN):
        TextClassifier(TextClassifierConfig(epochs=1, progress=False)).fit(texts, labels)
    with pytest.raises(DataError, match=_PATTERN):
        Translator(Seq2SeqConfig(epochs=1, progress=False)).fit(["ein Haus", "caf\udce9"] * 4,
                                                                ["a house", "coffee"] * 4)


@pytest.mark.parametrize("value", ["", " "])
@pytest.mark.parametrize("task, flag", [("translate", "--tsv"), ("classify", "--csv")])
def test_an_empty_data_path_is_a_usage_error(tmp_path, monkeypatch, capsys, value, task, flag):
    monkeypatch.chdir(tmp_path)
    assert main([task, "train", flag, value, "--out", "run", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"argument {flag}: expected a path, got {value!r}" in err[0], err
    assert list(tmp_path.iterdir()) == []
