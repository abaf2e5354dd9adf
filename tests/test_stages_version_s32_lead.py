import json

import pytest

from rnnkit._version import __version__
from rnnkit.training import stages
from rnnkit.training.stages import checkpointed_fit, read_manifest


def test_a_fresh_fit_over_another_versions_checkpoints_says_it_replaces_them(tmp_path):
    # Since 69eaf00 a fresh fit (no resume) into a folder holding a fit rnnkit 0.1.0 interrupted deletes its
    # checkpoints without a word -- work rnnkit 0.1.0 could still resume (the resume refusal says "resume it with
    # rnnkit 0.1.0"); at 7f82da7 it was refused. Reproduced through TextClassifier.fit(checkpoint_dir=...) too.
    root = tmp_path / "t"
    root.mkdir()
    stages.write_manifest(root, {"task": "generate", "config": {"hidden_size": 32}, "data_sha256": "a" * 64,
                                 "baselines": ["ngram"], "extra": {}, "unresumable": None, "rnnkit_version": "0.1.0"})
    (root / "stage-00" / "checkpoints").mkdir(parents=True)
    (root / "stage-00" / "config.json").write_text(json.dumps({"schema_version": 1, "rnnkit_version": "0.1.0"}))
    (root / "stage-00" / "checkpoints" / "latest.json").write_text("{}")
    with pytest.warns(UserWarning, match=r"^checkpoint_dir: replacing the checkpoints of a fit rnnkit 0\.1\.0 "
                                         r"interrupted in .* \(only rnnkit 0\.1\.0 could resume it\)$"):
        with checkpointed_fit(root, task="generate", config={"hidden_size": 32}, data="b" * 64,
                              name="checkpoint_dir"):
            stages._ACTIVE.get().write()
    assert read_manifest(root)["rnnkit_version"] == __version__
