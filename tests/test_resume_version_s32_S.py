"""A resume of a fit that another rnnkit version interrupted (session 32, S).

Every run before 2026-12-07 was written by rnnkit 0.1.0; 0.2.0's ``generate --text`` validates on the first half of
the held-out part where 0.1.0 took all of it, so ``generate train --resume`` over a fit 0.1.0 interrupted was refused
as "got other data" -- for the same file and flags, sending the user looking for a changed file. The refusal now names
both versions (the record's, or before the record held one, the first stage's ``config.json``'s) and what to do --
whatever else differs: its stages were trained by other code, so the resumed fit would be neither version's.
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


def test_a_fit_another_version_interrupted_is_refused_naming_both_versions(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    with pytest.raises(CheckpointError) as e:
        _resume(tmp_path / "t", data="b" * 64)
    msg = str(e.value)
    assert "\n" not in msg and "got other data" not in msg, msg     # at 7f82da7: "got other data (sha256 bbbb…)"
    assert f"expected a fit interrupted under this rnnkit {__version__}, got one run by rnnkit 0.1.0" in msg, msg
    assert msg.endswith("resume it with rnnkit 0.1.0, or train it again without resuming"), msg


def test_the_same_data_and_settings_under_another_version_are_refused_too(tmp_path):
    # nothing recorded differs, yet the stages were trained by other code (0.2.0's classify default reads other
    # embeddings under the same 'auto'): the resumed fit would be neither version's. At 7f82da7: resumed
    _interrupted(tmp_path / "t", "0.1.0")
    with pytest.raises(CheckpointError, match=r"run by rnnkit 0\.1\.0 .*neither version's"):
        _resume(tmp_path / "t")


def test_other_data_under_this_version_is_other_data(tmp_path):
    _interrupted(tmp_path / "t", __version__, in_record=True)
    with pytest.raises(CheckpointError, match=r"got other data \(sha256 bbbbbbbbbbbb…\)$"):
        _resume(tmp_path / "t", data="b" * 64)
    _resume(tmp_path / "t")     # the same everything under this version: resumed


def test_the_record_names_its_version_and_wins_over_the_stage(tmp_path):
    with checkpointed_fit(tmp_path / "new", task="x", config={"a": 1}, data="0" * 64):
        stages._ACTIVE.get().write()
    assert read_manifest(tmp_path / "new")["rnnkit_version"] == __version__    # absent at 7f82da7
    _interrupted(tmp_path / "t", "9.0.0", in_record=True)
    (tmp_path / "t" / "stage-00" / "config.json").write_text(json.dumps({"rnnkit_version": __version__}))
    with pytest.raises(CheckpointError, match=r"got one run by rnnkit 9\.0\.0 "):
        _resume(tmp_path / "t")


def test_an_unreadable_stage_config_is_no_version(tmp_path):
    _interrupted(tmp_path / "t", "0.1.0")
    (tmp_path / "t" / "stage-00" / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"got other data \(sha256 bbbbbbbbbbbb…\)$"):
        _resume(tmp_path / "t", data="b" * 64)
    _resume(tmp_path / "t")     # no version known: resumed as before


def test_a_fresh_fit_replaces_another_versions_checkpoints(tmp_path):
    # the refusal says 'train it again without resuming': a fresh fit there was refused as 'a folder holding an
    # earlier fit's checkpoints: resume it' -- a loop; another version's checkpoints are of no use, so they are replaced
    from rnnkit.training.stages import resumable

    _interrupted(tmp_path / "t", "0.1.0")
    (tmp_path / "t" / "stage-00" / "checkpoints").mkdir()
    (tmp_path / "t" / "stage-00" / "checkpoints" / "latest.json").write_text("{}")
    assert not resumable(tmp_path / "t")
    with checkpointed_fit(tmp_path / "t", task="generate", config={"hidden_size": 32}, data="b" * 64):
        stages._ACTIVE.get().write()
    assert read_manifest(tmp_path / "t")["rnnkit_version"] == __version__ and not (tmp_path / "t" / "stage-00").exists()
