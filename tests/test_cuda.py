"""GPU checks (skipped without CUDA; CI has none): every engine on CUDA against torch.nn on CUDA
(cuDNN for the native path), outputs and gradients, with variable lengths."""

import pytest
import torch

import rnnkit

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("engine", ["native", "bptt", "reference"])
@pytest.mark.parametrize("cls", [torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cuda_matches_torch(cls, engine, bidirectional):
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    ref = cls(6, 8, num_layers=2, bidirectional=bidirectional, batch_first=True).cuda()
    ours = rnnkit.from_torch(ref)
    ours.engine = engine
    assert ours.weight_ih_l0.is_cuda
    x = torch.randn(4, 9, 6, device="cuda")
    lengths = torch.tensor([9, 3, 7, 1], device="cuda")
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    yt, st = ref(packed)
    yt, _ = torch.nn.utils.rnn.pad_packed_sequence(yt, batch_first=True, total_length=9)
    yo, so = ours(x, lengths=lengths)
    torch.testing.assert_close(yo, yt, rtol=1e-4, atol=1e-5)
    w = torch.randn(yt.shape, device="cuda")
    gt = torch.autograd.grad((yt * w).sum(), list(ref.parameters()))
    go = torch.autograd.grad((yo * w).sum(), list(ours.parameters()))
    for a, b in zip(go, gt):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
