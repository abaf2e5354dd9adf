"""Language-model pretraining of the text classifier's encoder on its own training texts (ULMFiT-style,
Howard & Ruder 2018; Dai & Le 2015): before the classification epochs, the embedding and the
(bidirectional) recurrent encoder of :class:`~rnnkit.tasks.classification.TextClassifierNet` are trained
as a **bidirectional language model**: the forward direction's output at step ``t`` predicts token
``t + 1``, the backward direction's (when there is one) predicts token ``t - 1`` (each direction sees only one side, so
neither sees the token it predicts). The output layer is tied to the embedding (a projection of the
state onto the embedding space, scored against the ``top`` most frequent tokens' embeddings; rarer ones
are predicted as ``<unk>``), so the pretraining also shapes the input embeddings. The classifier then
starts from these weights; the LM heads are dropped (they are not part of the saved network).

Labels play no part: only the training texts are read.

>>> import torch
>>> from rnnkit.tasks.classification import TextClassifierConfig, TextClassifierNet
>>> net = TextClassifierNet(20, 2, TextClassifierConfig(embed_dim=6, hidden_size=5))
>>> lm = BiLMHead(net, top=10)
>>> ids = torch.tensor([[2, 3, 4, 0], [5, 6, 0, 0]]); lengths = torch.tensor([3, 2])
>>> lm.loss(ids, lengths).ndim
0
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnkit.errors import ConfigError

__all__ = ["BiLMHead", "pretrain_encoder", "LM_TOP"]

#: The LM predicts the most frequent ``LM_TOP`` tokens of the vocabulary (specials included); the rest as <unk>.
LM_TOP = 2000
PAD, UNK = 0, 1


class BiLMHead(nn.Module):
    """The bidirectional LM loss on a classifier network's embedding + encoder (see the module doc)."""

    def __init__(self, net: nn.Module, top: int = LM_TOP) -> None:
        super().__init__()
        if getattr(net.cfg, "model", None) != "rnn":
            raise ConfigError(f"pretrain_epochs: expected a recurrent model to pretrain, got model={net.cfg.model!r}")
        self.net = net
        self.top = min(int(top), net.embed.num_embeddings)
        H, E = net.cfg.hidden_size, net.cfg.embed_dim
        self.directions = 2 if net.cfg.bidirectional else 1
        self.proj = nn.ModuleList([nn.Linear(H, E) for _ in range(self.directions)])   # forward (, backward)
        self.bias = nn.Parameter(torch.zeros(self.top))

    def _logits(self, h: Tensor, d: int) -> Tensor:
        return self.proj[d](h) @ self.net.embed.weight[: self.top].T + self.bias

    def loss(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Mean cross-entropy of both directions' next/previous-token predictions over the valid steps."""
        net = self.net
        out, _ = net.encoder(net.drop(net.embed(ids)), lengths)
        out = net.drop(out)
        H = net.cfg.hidden_size
        target = torch.where(ids < self.top, ids, torch.full_like(ids, UNK))   # pad stays 0 (ignored)
        logits, gold = [self._logits(out[:, :-1, :H], 0)], [target[:, 1:]]    # step t predicts t + 1
        if self.directions == 2:                                               # step t predicts t - 1
            logits.append(self._logits(out[:, 1:, H:], 1))
            gold.append(target[:, :-1].masked_fill(ids[:, 1:] == PAD, PAD))    # no backward state past the end
        logits, gold = torch.cat(logits, 1).reshape(-1, self.top), torch.cat(gold, 1).reshape(-1)
        return F.cross_entropy(logits, gold, ignore_index=PAD)


def pretrain_encoder(net: nn.Module, batches: Callable[[int], Iterable[Any]], n_batches: int, *, epochs: int,
                     train: Callable[..., tuple], top: int = LM_TOP, progress: bool = False,
                     **kw: Any) -> dict[str, Any]:
    """Train ``net``'s embedding + encoder as a :class:`BiLMHead` for ``epochs`` passes over ``batches(epoch)``
    (items ``(idx, ids, lengths, _)``), with ``train`` the task's training driver (``fit_network``'s
    signature, returning ``(history, rows)``); ``kw`` go to it (``lr``, ``clip``, ``max_seconds``...).
    ``progress``: one summary line on stderr (``lm pretraining ...``; the per-epoch lines stay the
    classifier's). Returns the LM's history (its loss per epoch, seconds, the output size)."""
    lm = BiLMHead(net, top)
    history, _ = train(lm, batches, n_batches, lambda b: lm.loss(b[1], b[2]), epochs=epochs, progress=False, **kw)
    net.train()
    out = {"loss": history.get("loss"), "seconds": history.get("seconds"), "top": lm.top}
    if progress:
        losses = " -> ".join(f"{v:.4g}" for v in out["loss"] or [])
        print(f"lm pretraining  {len(out['loss'] or [])}/{epochs} epochs  loss {losses}  {out['seconds']:.1f}s",
              file=sys.stderr, flush=True)
    return out
