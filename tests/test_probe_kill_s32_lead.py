"""The output-folder probe (rnnkit._staged.refuses_files, session 32) leaves nothing in the folder when the process
dies during it: it created a named '.tmp-probe-<hex>' file and removed it, and a kill -9 between the two left it in
the run folder for good (session 32's final CI: test_oserrors_s24_E's forecaster save killed at random points).
Fails at c6cf1b9."""

from __future__ import annotations

import os
import pathlib

import pytest

from rnnkit._staged import refuses_files


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="no unnamed files on this system (the named probe is used)")
def test_a_process_killed_during_the_probe_leaves_no_file(tmp_path, monkeypatch):
    def killed(self, *a, **k):          # the process dies where the named probe's file would be removed
        raise SystemExit("killed")

    monkeypatch.setattr(pathlib.Path, "unlink", killed)
    try:
        assert refuses_files(tmp_path, "probe", "--out") is None
    except SystemExit:
        pass
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_a_folder_that_takes_no_file_is_still_refused():
    got = refuses_files(pathlib.Path("/proc"), "probe", "--out")     # ENOTSUP for unnamed files, then the named probe
    assert got is not None and got.startswith("--out: expected a folder that takes new files, got '/proc'")
