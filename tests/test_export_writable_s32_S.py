"""An export into a folder that takes no new file (session 32, S).

``os.access`` answers for the permission bits, and root passes them all: ``rnnkit export --out /proc/m.onnx`` traced
and checked the model, then failed as ``FileNotFoundError: ... '/proc/m.onnx.json'`` (``/sys``: a bare
``PermissionError``), as a read-only mount or a root-squashed share would; a folder a user may write but not read
failed at the export's lock (opening the folder) with a bare ``PermissionError``. Now a ConfigError naming the argument
and the folder, before the model is traced.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread_module")
LINUX_PROC = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="a folder that takes no new file: Linux /proc")


@pytest.fixture()
def layer():
    import torch

    from rnnkit import GRU

    torch.manual_seed(0)
    return GRU(3, 4, batch_first=True)


def _no_trace(monkeypatch):
    from rnnkit.export import api

    def refuse(spec):
        raise AssertionError("traced: the folder was not checked before the work")
    monkeypatch.setattr(api, "trace", refuse)


@LINUX_PROC
@pytest.mark.parametrize("out", ["/proc/rnnkit-s32-S.pt2", "/proc/rnnkit-s32-S/new/m.pt2"])
def test_an_export_under_proc_is_a_config_error_naming_the_folder_before_tracing(layer, monkeypatch, out):
    # at 7f82da7: FileNotFoundError: [Errno 2] No such file or directory: '/proc/rnnkit-s32-S.pt2.json', after tracing
    from rnnkit.export import export

    _no_trace(monkeypatch)
    with pytest.raises(ConfigError, match=r"^path \(its folder\): expected a folder that takes new files, got '/proc' "
                                          r"\(creating a file there: No such file or directory\)$"):
        export(layer, out, format="torch-export")


def test_a_folder_that_cannot_be_opened_is_a_config_error_before_tracing(layer, monkeypatch, tmp_path):
    # a folder a user may write but not read (mode 0o300): the export's lock opens it. As root no mode refuses it, so
    # the refusal is os.open's for that folder. At 7f82da7: a bare PermissionError at the lock, after tracing
    from rnnkit.export import export

    real = os.open

    def open_(path, flags, *a, **k):
        if Path(path) == tmp_path and flags == os.O_RDONLY:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", open_)
    _no_trace(monkeypatch)
    with pytest.raises(ConfigError, match=r"got '.*' \(opening it: Permission denied\)$"):
        export(layer, tmp_path / "m.pt2", format="torch-export")


@LINUX_PROC
def test_the_cli_refuses_out_under_proc_as_a_usage_error_naming_out():
    # at 7f82da7 check_out_file passed it (os.access), and the export failed after tracing, untyped
    from rnnkit.cli.common import UsageError
    from rnnkit.cli.export import check_out_file

    with pytest.raises(UsageError, match=r"^--out: expected a folder that takes new files, got '/proc'"):
        check_out_file(Path("/proc/rnnkit-s32-S.onnx"))


@LINUX_PROC
def test_train_out_under_proc_is_refused_before_the_fit(tmp_path, capsys):
    # every command's --out (check_out_dir): at 7f82da7 'forecast --out /proc/run' fitted, then failed at the save
    # with 'error: FileNotFoundError: [Errno 2] No such file or directory: /proc/run' (exit 1, the fit lost)
    from rnnkit.cli import common
    from rnnkit.cli.main import main

    (tmp_path / "s.csv").write_text("t,y\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    code = main(["forecast", "train", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--time-col", "t",
                 "--horizon", "3", "--model", "ets", "--no-plot", "--out", "/proc/rnnkit-s32-S/run", "--quiet"])
    err = capsys.readouterr().err     # exit 2: a usage error, before any work
    assert code == 2 and "--out: expected a folder that takes new files, got '/proc' (creating a file there" in err, err
    common.check_out_dir(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    common.check_out_dir(tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["empty", "s.csv"]


@LINUX_PROC
def test_every_output_folder_check_asks_the_folder(tmp_path):
    # check_folder_path is the rule of every output folder (a run's save, checkpoint_dir, a Trainer's run_dir, plots,
    # experiments): at 7f82da7 it passed /proc/x (os.access), and the write after the work failed untyped
    from rnnkit._io import check_folder_path
    from rnnkit.training.stages import checkpointed_fit

    with pytest.raises(ConfigError, match=r"^path: expected a folder that takes new files, got '/proc' \(creating"):
        check_folder_path("/proc/rnnkit-s32-S/run")
    with pytest.raises(ConfigError, match=r"^checkpoint_dir: expected a folder that takes new files, got '/proc'"):
        with checkpointed_fit("/proc/rnnkit-s32-S", task="x", config={"a": 1}, data="0" * 64):
            pass
    assert check_folder_path(tmp_path / "new") == tmp_path / "new" and list(tmp_path.iterdir()) == []
