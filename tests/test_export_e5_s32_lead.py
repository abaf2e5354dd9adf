import pytest
import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig


def test_an_e5_run_is_refused_by_export_in_one_line_naming_the_setting(tmp_path):
    # At e7eb480 an embeddings='e5' run went down the MiniLM context export and failed with a bare AttributeError
    # ('wordpieces'); no graph holds multilingual-e5-small yet.
    texts = ["很好吃，下次还来", "太难吃了，不推荐", "服务很好", "服务太差"] * 10
    labels = ["pos", "neg", "pos", "neg"] * 10
    clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=1, combine=False, progress=False, seed=0))
    clf.fit(texts, labels)
    with pytest.raises(ConfigError, match=r"embeddings='e5'") as err:
        rnnkit.export(clf, tmp_path / "m.onnx")
    assert "\n" not in str(err.value)
    assert not list(tmp_path.iterdir())
