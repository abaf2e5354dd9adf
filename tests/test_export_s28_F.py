"""Session 28, helper F: exported files whose description belongs to another model (helper F's fuzz of export files:
60 model-file and 399 description mutations loaded by load_runner). Each test fails at 9e7b5a7."""

import hashlib
import json
import logging
import shutil

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import CheckpointError
from rnnkit.export import load_runner

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    """Two exports per format of layers that take different inputs: GRU (x, h0, lengths) and LSTM (x, h0, c0)."""
    d = tmp_path_factory.mktemp("exports")
    torch.manual_seed(0)
    gru, lstm = rnnkit.GRU(3, 4, batch_first=True), rnnkit.LSTM(2, 4, batch_first=True)
    for fmt, ext in (("onnx", "onnx"), ("torch-export", "pt2")):
        rnnkit.export(gru, d / f"gru.{ext}", format=fmt, lengths=True, check=False)
        rnnkit.export(lstm, d / f"lstm.{ext}", format=fmt, check=False)
    return d, gru, lstm


def _swap(d, ext, tmp_path):
    """lstm.EXT's description beside gru.EXT's model, its sha256 made again (what a hand-made pair looks like)."""
    model = tmp_path / f"m.{ext}"
    shutil.copy(d / f"gru.{ext}", model)
    desc = json.loads((d / f"lstm.{ext}.json").read_text(encoding="utf-8"))
    desc["sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    model.with_name(model.name + ".json").write_text(json.dumps(desc), encoding="utf-8")
    return model


@pytest.mark.parametrize("fmt, ext", [("onnx", "onnx"), ("torch-export", "pt2")])
def test_a_description_beside_another_model_is_a_checkpoint_error_at_load(pairs, fmt, ext, tmp_path):
    # the runner checked the feed against the description and handed it to the other model: onnxruntime's untyped
    # 'INVALID_ARGUMENT : Unexpected input data type' (or torch's guard error) at the first call
    d, _, _ = pairs
    model = _swap(d, ext, tmp_path)
    with pytest.raises(CheckpointError, match=r"^path: expected the model its description records \(inputs "
                                              r"x float32 3-D, h0 float32 3-D, c0 float32 3-D\), got .* taking "):
        load_runner(model, fmt)


def test_an_edited_dtype_in_the_description_is_refused_at_load_not_blamed_on_the_feed(pairs, tmp_path):
    # a description saying float64 for the model's float32 x: the feed was refused as 'x: expected dtype float64 (the
    # exported graph's)', blaming a sound input; a description with no shapes is compared by dtype alone
    d, _, lstm = pairs
    shutil.copy(d / "lstm.onnx", tmp_path / "m.onnx")
    desc = json.loads((d / "lstm.onnx.json").read_text(encoding="utf-8"))
    desc["inputs"][0]["dtype"] = "float64"
    (tmp_path / "m.onnx.json").write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"^path: expected the model its description records \(inputs x float64"):
        load_runner(tmp_path / "m.onnx", "onnx")
    desc["inputs"][0]["dtype"] = "float32"
    for spec in desc["inputs"]:
        spec.pop("shape")
    (tmp_path / "m.onnx.json").write_text(json.dumps(desc), encoding="utf-8")
    x, h0, c0 = torch.randn(2, 5, 2), torch.randn(1, 2, 4), torch.randn(1, 2, 4)
    out = load_runner(tmp_path / "m.onnx", "onnx")(x, h0, c0)
    with torch.no_grad():
        want, _ = lstm.eval()(x, (h0, c0))
    assert np.abs(out[0] - want.numpy()).max() < 1e-5


@pytest.mark.parametrize("fmt, ext", [("onnx", "onnx"), ("torch-export", "pt2")])
def test_sound_pairs_still_load_and_run_as_the_layer(pairs, fmt, ext):
    d, gru, _ = pairs
    x, h0, lengths = torch.randn(3, 6, 3), torch.randn(1, 3, 4), torch.tensor([6, 2, 1])
    out = load_runner(d / f"gru.{ext}", fmt)(x, h0, lengths)
    with torch.no_grad():
        want, _ = gru.eval()(x, h0, lengths=lengths)
    assert np.abs(out[0] - want.numpy()).max() < 1e-5


def test_a_file_that_is_no_archive_logs_no_traceback(tmp_path, caplog):
    # torch.export.load logged its whole traceback (a warning of the torch.export logger: 17 lines on stderr) before
    # the CheckpointError: a library call that fails as documented prints nothing
    bad = tmp_path / "x.pt2"
    bad.write_bytes(b"\0" * 64)
    with caplog.at_level(logging.WARNING), pytest.raises(CheckpointError, match="does not load as one"):
        load_runner(bad, "torch-export")
    assert not [r for r in caplog.records if r.name.startswith("torch")]
