"""A run folder as another user, or another machine, may see it (session 29, helper R): a file it cannot read, a
folder it cannot open, a file that is a symbolic link whose target stayed behind when the run was copied."""

from __future__ import annotations

import errno
import os
import shutil

import pytest

from rnnkit.errors import CheckpointError
from test_hostile_inputs_s6_runs import runs  # noqa: F401 - the fixture: a tiny tsc run

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def tsc_run(runs):
    return runs / "tsc"


def _load(path):
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    return TimeSeriesClassifier.load(path)


def test_a_run_file_this_user_cannot_read_is_a_checkpoint_error(tsc_run, tmp_path, monkeypatch):
    # a run copied from another user with 0600 files: every load was Python's bare PermissionError
    import rnnkit._io as io

    run = shutil.copytree(tsc_run, tmp_path / "run")
    real = io.open_regular

    def denied(path, what="a file"):
        if os.path.basename(path) == "model.safetensors":    # root reads any file: the denial simulated
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, what)

    monkeypatch.setattr(io, "open_regular", denied)
    with pytest.raises(CheckpointError, match=r"model\.safetensors: expected a file \(listed in digests\.json\), got "
                                              r"a file that cannot be read \(Permission denied\)$"):
        _load(run)


def test_a_run_folder_this_user_cannot_open_is_named(tsc_run, tmp_path, monkeypatch):
    # chmod 000 (or another user's 0700 folder): the load's first look was for its '.saving.json', so every load,
    # export and serve said "PermissionError: [Errno 13] Permission denied: 'RUN/.saving.json'"
    from rnnkit.serve.services import open_service

    run = shutil.copytree(tsc_run, tmp_path / "run")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(run) else real(p, mode, **kw))
    want = rf"^run: expected a run folder this user can open, got {str(run)!r} \(permission denied\)$"
    with pytest.raises(CheckpointError, match=want):
        _load(run)
    with pytest.raises(CheckpointError, match=want):
        open_service(run)


def test_a_file_linked_to_a_target_left_behind_names_the_link(tsc_run, tmp_path):
    # a run whose weights were a symbolic link into a shared store, copied (cp -r, rsync -l) without the store: the
    # load said "got nothing (missing)" of a file that `ls` lists
    run = shutil.copytree(tsc_run, tmp_path / "run")
    (tmp_path / "store").mkdir()
    os.replace(run / "model.safetensors", tmp_path / "store" / "m.safetensors")
    os.symlink("../store/m.safetensors", run / "model.safetensors")
    assert _load(run).classes == ["a", "b"]                 # the link is followed
    shutil.move(tmp_path / "store", tmp_path / "store2")
    with pytest.raises(CheckpointError, match=r"model\.safetensors: expected a file \(listed in digests\.json\), got "
                                              r"a symbolic link to '\.\./store/m\.safetensors', which does not exist$"):
        _load(run)
    (run / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"model\.safetensors: .* got nothing \(missing\)$"):   # as before
        _load(run)


def test_a_model_folder_of_another_program_given_to_serve_is_named_as_such(tmp_path):
    # a HuggingFace-style folder (config.json + model.safetensors, no task): "got task None in 'hf'"
    from rnnkit.errors import ConfigError
    from rnnkit.serve.services import open_service

    (tmp_path / "hf").mkdir()
    (tmp_path / "hf" / "config.json").write_text('{"architectures": ["BertModel"], "model_type": "bert"}')
    with pytest.raises(ConfigError, match=r"^run: expected a 'forecast' or 'classify' run to serve, got '.*hf', whose "
                                          r"config.json names no task \(a model folder another program saved\?\)$"):
        open_service(tmp_path / "hf")


def test_weights_of_another_program_name_the_run_they_are_in(tsc_run, tmp_path):
    # another program's model.safetensors in a run, its digest made again: the error named 'model.safetensors (the
    # weights of config.json's model)' -- of which run, a script loading several could not tell
    import json

    import torch
    from safetensors.torch import save_file

    from rnnkit._io import write_digests

    run = shutil.copytree(tsc_run, tmp_path / "run")
    save_file({"bert.embeddings.word_embeddings.weight": torch.zeros(10, 4)}, str(run / "model.safetensors"))
    write_digests(run, sorted(json.loads((run / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match=rf"^{str(run / 'model.safetensors')} \(the weights of config\.json's "
                                              r"model\): expected the model's tensors; missing \[.*unexpected "
                                              r"\['bert\.embeddings\.word_embeddings\.weight'\]$"):
        _load(run)
