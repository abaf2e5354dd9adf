"""``export`` of a run folder this user cannot open (session 29, from helper R's list): its first look was for the
folder's ``.saving.json`` (a killed save's backup), so the error was Python's bare PermissionError naming a file the
user never heard of; loads and serve said it in one line since 2c06331, export now too."""

from __future__ import annotations

import os
import shutil

import pytest

from rnnkit.errors import CheckpointError
from test_hostile_inputs_s6_runs import runs  # noqa: F401 - the fixture: a tiny tsc run

pytestmark = pytest.mark.usefixtures("one_thread")


def test_export_of_a_run_folder_this_user_cannot_open_is_named(runs, tmp_path, monkeypatch):
    from rnnkit.export.tasks import run_task

    run = shutil.copytree(runs / "tsc", tmp_path / "run")
    assert run_task(run) == "tsc"
    real = os.access   # root opens any folder: the denial simulated
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(run) else real(p, mode, **kw))
    with pytest.raises(CheckpointError, match=rf"^run: expected a run folder this user can open, got {str(run)!r} "
                                              r"\(permission denied\)$"):
        run_task(run)


def test_export_of_a_missing_run_folder_is_one_line(tmp_path):
    from rnnkit.export.tasks import run_task

    with pytest.raises(CheckpointError, match=r"^run: expected a run folder, got .* \(no such folder\)$"):
        run_task(tmp_path / "nothing")
