"""Session 31, helper W2's review of the late commits: what a killed write left is found by the next write of the
same names, whatever their length."""

import os

import pytest
import torch

import rnnkit
from rnnkit._staged import remove_stale_temps, stage_bytes
from rnnkit.export import export

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)

LONG = "m" * 120 + ".onnx"      # a legal name (125 bytes, its .json 130) longer than a temporary name holds (100)


def test_the_temporaries_of_a_long_name_are_removed_as_a_short_names_are(tmp_path):
    """stage_bytes names a temporary by the first 100 bytes of its target's name; remove_stale_temps (39ff4af)
    compared the whole name, so a killed export to a name over 100 bytes left its model-sized temporaries for good.
    Another name's temporary and a user's '.tmp-' file stay. Fails at bcc4da8 (both temporaries left)."""
    left = [stage_bytes(tmp_path / LONG, b"model"), stage_bytes(tmp_path / (LONG + ".json"), b"{}")]
    other = stage_bytes(tmp_path / "other.onnx", b"x")
    (tmp_path / ".tmp-mine").write_text("mine")
    remove_stale_temps(tmp_path, {LONG, LONG + ".json"})
    assert not any(p.exists() for p in left)
    assert sorted(os.listdir(tmp_path)) == sorted([other.name, ".tmp-mine"])


def test_an_export_to_a_long_name_removes_what_a_killed_export_of_it_left(tmp_path):
    """The same through export: the files a killed export of the pair left (both staged whole, not renamed) are gone
    after the next export to that name, which writes its pair. Fails at bcc4da8."""
    left = [stage_bytes(tmp_path / LONG, b"m" * 1000), stage_bytes(tmp_path / (LONG + ".json"), b"{}")]
    torch.manual_seed(0)
    export(rnnkit.GRU(2, 3, batch_first=True).eval(), tmp_path / LONG)
    assert not any(p.exists() for p in left)
    assert sorted(os.listdir(tmp_path)) == sorted([LONG, LONG + ".json"])


def test_a_task_save_removes_its_names_stale_temporaries_and_keeps_the_rest(tmp_path):
    """save_run's stale-temporary rule is _staged.remove_stale_temps (one copy, W2's review of 39ff4af): a
    temporary of the weights left with no save record (a kill before session 31's records) goes at the next save; the
    live metrics log's, a user's and another name's stay."""
    from dataclasses import dataclass

    from rnnkit.tasks.runs import save_run

    @dataclass(frozen=True)
    class Cfg:
        size: int = 3

    save_run(tmp_path, "demo", Cfg(), torch.nn.Linear(2, 1))
    stale = ".tmp-model.safetensors-0123abcd"
    keep = [".tmp-metrics.jsonl-0123abcd", ".tmp-mine", ".tmp-notes.txt-0123abcd"]
    for name in (stale, *keep):
        (tmp_path / name).write_bytes(b"x")
    save_run(tmp_path, "demo", Cfg(), torch.nn.Linear(2, 1))
    assert not (tmp_path / stale).exists() and all((tmp_path / n).exists() for n in keep)
