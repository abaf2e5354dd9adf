"""Session 34, helper W: hostile review of the session's commits. Each test is a defect found in a commit of this
session (named in its comment); an ``xfail(strict=True)`` mark stays until the owner's fix lands (then the mark goes).
Oracles: the same input through another documented path of rnnkit (which must agree), or the layer itself."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _subparser(parser, *path):
    import argparse

    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


@pytest.mark.xfail(strict=True, reason="f5b9bbba (R): tag train reads long sentences in pieces; --on-long's help "
                                       "still says 'cut with a warning' (src/rnnkit/cli/tag.py:54)")
def test_tag_on_long_help_says_a_long_sentence_is_read_in_pieces_not_cut():
    # f5b9bbba: with on_long="truncate" (the default) a training sentence longer than max_len now trains in
    # overlapping pieces, and predict read it in pieces already; `rnnkit tag train --help` still promised a cut
    from rnnkit.cli.main import build_parser

    train = _subparser(build_parser(), "tag", "train")
    (action,) = [a for a in train._actions if "--on-long" in a.option_strings]
    assert "piece" in action.help and "cut" not in action.help, action.help


@pytest.mark.xfail(strict=True, reason="a802c810 (H): a torch.nn.GRU with a parametrized weight is still refused by "
                                       "export() (layer_spec -> from_torch -> check_plain_weights) while the same "
                                       "layer inside a module, and an rnnkit GRU, export")
def test_a_torch_gru_with_an_orthogonal_weight_exports_like_an_rnnkit_one(tmp_path):
    # a802c810 made a parametrized rnnkit layer export (the traced copy holds the weight's value) and left the caller's
    # layer parametrized. export() takes torch.nn.RNN/LSTM/GRU too (signature.layer_spec converts them), and the
    # same parametrized torch.nn.GRU inside a module exports (module_spec bakes the copy) -- but passed alone it is
    # refused with advice to remove_parametrizations, which would change the caller's layer (what the fix avoids).
    import torch
    from torch.nn.utils import parametrizations, parametrize

    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4).eval()
    parametrizations.orthogonal(gru, "weight_hh_l0")
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        want, h_n = gru(x)
    export(gru, tmp_path / "gru.onnx", state=False)
    assert parametrize.is_parametrized(gru, "weight_hh_l0")
    got = load_runner(tmp_path / "gru.onnx", "onnx")(x)
    np.testing.assert_allclose(got[0], want.numpy(), atol=1e-5)
    np.testing.assert_allclose(got[1], h_n.numpy(), atol=1e-5)
