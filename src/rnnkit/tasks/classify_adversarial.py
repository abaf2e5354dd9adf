"""Adversarial training of the text classifier's network on its input embeddings (``adversarial``): Miyato, Dai &
Goodfellow 2017, "Adversarial Training Methods for Semi-Supervised Text Classification" (ICLR), the labelled half.
Each training step adds to the cross-entropy of the batch the cross-entropy of the same batch read with every text's
step inputs moved by the worst-case perturbation of a fixed size to first order,

    r_adv = eps * ||x||_2 * g / ||g||_2,   g = d loss / d x   (detached: no gradient through r_adv),

where ``x`` is the text's sequence of step inputs (the looked-up embedding rows, projected to ``embed_dim``, with the
character-bigram rows when those are on -- what the dropout and then the encoder read) and both norms are over the
text's valid steps, all of its dimensions together (one ``(T, D)`` block per text, as the paper's per-sequence norm).
The loss trained is ``loss(x) + loss(x + r_adv)`` (the paper's weight 1).

Choices, made before any figure was read (scratch s21/A):

* **eps relative to the text's own input norm.** The paper normalises the embeddings (zero mean, unit variance over
  the vocabulary) and takes an absolute eps (5.0 on IMDB); here the network reads either a frozen pretrained table
  (MiniLM's wordpiece rows scaled to unit std, through a trained linear map) or its own learned rows, whose scale
  moves during training. Scaling by ``||x||`` makes ``eps`` the perturbation's size as a fraction of the input's,
  the same quantity for both and at every step (0.05: the text's inputs moved by 5% of their norm).
* **The perturbation is on the step inputs, not on the table.** With a frozen table the rows cannot move, but the
  vectors read from them can (as the paper: the perturbation is on the looked-up vectors); the wide branch
  (``wide``: hashed n-grams of the ids) reads ids and is not perturbed.
* **Both passes in training mode**: each draws its own dropout mask (the paper's setting); ``g`` is taken on the
  clean pass's graph, which the step's backward then reuses.
* Padding steps: their inputs are excluded from ``||x||``; the encoder reads the valid steps only, so ``g`` is 0
  there and so is ``r_adv``.

``eps = 0`` (the default) trains exactly as before: this module is not called. The epoch log's rows carry the
means of ``train_clean_loss`` and ``train_adv_loss`` (the row's ``train_loss`` is their sum). The cost is about two forward and
two backward passes of the network per step instead of one.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["adversarial_perturbation", "adversarial_loss"]


def _valid(x: Tensor, lengths: Tensor) -> Tensor:
    """``(B, T, 1)``: 1.0 at each text's valid steps, 0.0 at its padding."""
    steps = torch.arange(x.size(1), device=x.device).unsqueeze(0)
    return (steps < lengths.to(x.device).unsqueeze(1)).unsqueeze(-1).to(x.dtype)


def adversarial_perturbation(x: Tensor, g: Tensor, lengths: Tensor, eps: float) -> Tensor:
    """``r_adv`` of the module doc for step inputs ``x`` ``(B, T, D)`` and the loss's gradient ``g`` at them: per
    text, ``eps * ||x||`` times ``g / ||g||`` (norms over the valid steps and every dimension), 0 at padding and for
    a text whose gradient is 0. Detached."""
    mask = _valid(x, lengths)
    x, g = x.detach() * mask, g.detach() * mask
    xn = x.flatten(1).norm(dim=1)
    gn = g.flatten(1).norm(dim=1)
    scale = torch.where(gn > 0, eps * xn / gn.clamp_min(torch.finfo(g.dtype).tiny), torch.zeros_like(gn))
    return g * scale.view(-1, 1, 1)


def adversarial_loss(net: Any, ids: Tensor, lengths: Tensor, y: Tensor, eps: float) -> tuple[Tensor, dict]:
    """``(loss(x) + loss(x + r_adv), {"clean_loss", "adv_loss"})`` for a batch of the classifier's network ``net``
    (:class:`~rnnkit.tasks.classification.TextClassifierNet`: ``net.inputs(ids)`` the step inputs,
    ``net.from_inputs(x, ids, lengths)`` the logits)."""
    x = net.inputs(ids)
    if not x.requires_grad:          # every layer below the encoder frozen: the gradient at x is still wanted
        x = x.detach().requires_grad_(True)
    clean = F.cross_entropy(net.from_inputs(x, ids, lengths), y)
    g, = torch.autograd.grad(clean, x, retain_graph=True)
    r = adversarial_perturbation(x, g, lengths, eps)
    adv = F.cross_entropy(net.from_inputs(x + r, ids, lengths), y)
    return clean + adv, {"clean_loss": clean.detach(), "adv_loss": adv.detach()}
