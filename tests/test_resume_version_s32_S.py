"""A resume of a fit that another rnnkit version interrupted (session 32, S).

Every run before 2026-12-07 was written by rnnkit 0.1.0; 0.2.0's ``generate --text`` validates on the first half of
the held-out part where 0.1.0 took all of it, so ``generate train --resume`` over a fit 0.1.0 interrupted was refused
as "got other data" -- for the same file and flags, sending the user looking for a changed file. The refusal now names
both versions (the record's, or before the record held one, the first stage's ``config.json``'s) and what to do.
"""

import json

import pytest

from rnnkit._version import __version__
from rnnkit.errors import CheckpointError
from rnnkit.training import stages
from rnnkit.training.stages import checkpointed_fit, read_manifest


def _interrupted(root, version, data="a" * 64, config=None, in_record=False):
    """A record of an interrupted fit as ``version`` wrote it: before 0.2.0 the record held no version, the first
    stage's config.json did (rnnkit.training.resume.resolved_config)."""
    body = {"task": "generate", "config": config or {"hidden_size": 32}, "data_sha256": data, "baselines": ["ngram"],
            "extra": {"--val-fraction": 0.1}, "unresumable": None}
    if in_record:
        body["rnnkit_version"] = version
    root.mkdir()
    stages.write_manifest(root, body)
    (root / "stage-00").mkdir()
    (root / "stage-00" / "config.json").write_text(json.dumps({"schema_version": 1, "rnnkit_version": version}))


def _resume(root, data="a" * 64, config=None):
    with checkpointed_fit(root, task="generate", config=config or {"hidden_size": 32}, data=data, resume=True,
                          baselines=["ngram"], extra={"--val-fraction": 0.1}, name="--out"):
        pass


def test_other_data_under_another_version_names_both_versions(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    with pytest.raises(CheckpointError) as e:
        _resume(tmp_path / "t", data="b" * 64)
    msg = str(e.value)
    assert "\n" not in msg and "got other data" not in msg, msg     # at 7f82da7: "got other data (sha256 bbbb…)"
    assert "run by rnnkit 0.1.0" in msg and f"this is rnnkit {__version__}" in msg, msg
    assert "resume it with rnnkit 0.1.0, or train it again without resuming" in msg, msg


def test_other_data_under_this_version_is_other_data(tmp_path):
    _interrupted(tmp_path / "t", __version__, in_record=True)
    with pytest.raises(CheckpointError, match=r"got other data \(sha256 bbbbbbbbbbbb…\)$"):
        _resume(tmp_path / "t", data="b" * 64)


def test_the_record_names_its_version_and_wins_over_the_stage(tmp_path):
    with checkpointed_fit(tmp_path / "new", task="x", config={"a": 1}, data="0" * 64):
        stages._ACTIVE.get().write()
    assert read_manifest(tmp_path / "new")["rnnkit_version"] == __version__    # absent at 7f82da7
    _interrupted(tmp_path / "t", "9.0.0", in_record=True)
    (tmp_path / "t" / "stage-00" / "config.json").write_text(json.dumps({"rnnkit_version": __version__}))
    with pytest.raises(CheckpointError, match=r"run by rnnkit 9\.0\.0, this is rnnkit"):
        _resume(tmp_path / "t", data="b" * 64)


def test_other_settings_under_another_version_name_both_versions(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    with pytest.raises(CheckpointError, match=r"--bptt: '<absent>' there, 32 here -- that fit was run by rnnkit 0\.1\.0"):
        _resume(tmp_path / "t", config={"hidden_size": 32, "bptt": 32})


def test_the_same_data_and_settings_under_another_version_resume(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    _resume(tmp_path / "t")     # nothing that decides the fit differs: resumed as before


def test_an_unreadable_stage_config_is_no_version(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    (tmp_path / "t" / "stage-00" / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"got other data \(sha256 bbbbbbbbbbbb…\)$"):
        _resume(tmp_path / "t", data="b" * 64)
