"""Session 33, helper E: the contextual encoder is built on the meta device and takes the file's tensors
(load_state_dict(assign=True)): at 1fbed06 every read initialised MiniLM at random first (~80 ms, and a second copy
of its 47 MB word table) and copied the file's tensors over it. The weights are the file's, exactly, and a file of
other shapes is still refused."""

import importlib.util

import pytest
import torch

from rnnkit.errors import DataError
from rnnkit.tasks import classify_context as C
from rnnkit.tasks import classify_pretrained as P

pytestmark = pytest.mark.skipif(importlib.util.find_spec(P.MODULE) is None, reason=f"{P.PACKAGE} not installed")


@pytest.fixture(scope="module")
def parts():
    from safetensors.torch import load

    return C.encoder_config(), load(C.package_file(C.WEIGHTS)), P.WordPieces.from_package().tok.get_vocab()


def test_the_encoder_holds_the_files_tensors_themselves(parts):
    cfg, tensors, vocab = parts
    enc = C.ContextEncoder(cfg, tensors, vocab)
    want = C._state_dict(tensors, cfg)
    got = enc.net.state_dict()
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)
    assert all(t.device.type == "cpu" and not t.requires_grad for t in got.values())
    word = tensors["embeddings.word_embeddings.weight"]
    assert enc.net.word.weight.data_ptr() == word.data_ptr()      # not copied over a random table (1fbed06: a copy)
    assert enc.states([["hello", "world"]])[0].shape == (2, 384)


def test_a_file_of_other_shapes_is_still_refused(parts):
    cfg, tensors, vocab = parts
    with pytest.raises(DataError, match=r"^embeddings: expected word\.weight of shape \(30523, 384\) \(config\.json\)"
                                        r", got \(30522, 384\)"):
        C.ContextEncoder({**cfg, "vocab_size": 30523}, tensors, vocab)
    with pytest.raises(DataError, match=r"^embeddings: expected the tensor encoder\.layer\.6\.attention\.self\.query"):
        C.ContextEncoder({**cfg, "num_hidden_layers": 7}, tensors, vocab)


def test_a_module_built_on_the_meta_device_during_a_load_draws_nothing():
    # Task.load builds its network under training.host.own_draws, whose random ops each got a generator of the op's
    # device: at 1fbed06 an op on the meta device (an init of a module built there: a saved run's contextual encoder)
    # was "RuntimeError: META device type not an accelerator." and the run did not load.
    from rnnkit.training.host import own_draws

    with own_draws(), torch.device("meta"):
        layer = torch.nn.Linear(3, 2)
    assert layer.weight.device.type == "meta"
    with own_draws():                   # the CPU's draws are still its own generator's (seed 0), as before
        drawn = torch.randn(4)
    assert torch.equal(drawn, torch.randn(4, generator=torch.Generator().manual_seed(0)))
