"""Network members for the combination of :class:`~rnnkit.tasks.classification.TextClassifier`:
:class:`NetMember` wraps a classifier with its own settings; the one the default uses is
``classification.SubwordNet``, a BiGRU with mean+max pooling on **BPE subwords** learned on the training
texts, beside the main network (characters or words, LSTM). Members that read the text in other units
err on other texts, which is what an average of probabilities needs; a second seed of the same network
would not. (The concrete class lives in ``classification``, which binds the classifier class, so that
this module does not import it back.)

A member has the interface of the linear members (:mod:`rnnkit.tasks.classify_linear`): ``fit_choose`` (train on
the training part, early stopping on the validation part), ``fit`` (its own 10% validation split),
``predict``, ``proba_for`` and ``state`` / ``from_state`` (tensors + JSON, no pickle), so the run folder
stores it among the baselines, digests included. The classifier trains it once, inside its combination
choice, and does not refit it on the whole training data afterwards (a network costs minutes, a
regression seconds).

>>> from rnnkit.tasks.classification import SubwordNet
>>> texts = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 8
>>> labels = ["pos", "neg", "pos", "neg"] * 8
>>> net = SubwordNet(epochs=3, embed_dim=8, hidden_size=8, batch_size=8, lr=0.05, min_freq=1, bpe_size=40,
...                  progress=False)
>>> net.fit(texts, labels).predict(["good nice", "bad"])
['pos', 'neg']
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

from rnnkit.errors import ConfigError
from rnnkit.tasks.classify_linear import align_columns
from rnnkit.training.checkpoint import copy_weights

__all__ = ["NetMember"]


class NetMember:
    """A text classifier network as a member of the combination (see the module doc). Subclasses set
    ``kind`` (its name among the baselines), ``task_class`` (the classifier, with its ``config_class``)
    and ``settings`` (what differs from the main network). ``config``: the classifier's config (its
    default when ``None``); ``overrides``: fields to change besides ``settings``."""

    kind: str = ""
    task_class: Any = None
    settings: dict[str, Any] = {}

    def __init__(self, config: Any = None, **overrides: Any) -> None:
        config_class = self.task_class.config_class
        if config is not None and not isinstance(config, config_class):
            raise ConfigError(f"config: expected a {config_class.__name__} or None, got {type(config).__name__}")
        self.config = replace(config or config_class(), **{**self.settings, **overrides})
        self.clf = None       # the fitted classifier

    def _new(self):
        return self.task_class(self.config)

    def fit_choose(self, texts: Sequence[str], labels: Sequence[str], val_texts: Sequence[str],
                   val_labels: Sequence[str]) -> "NetMember":
        """Train on ``texts`` with early stopping on the validation texts."""
        self.clf = self._new().fit(list(texts), list(labels), list(val_texts), list(val_labels), baselines=False)
        return self

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "NetMember":
        """Train on ``texts`` (early stopping on the config's ``val_fraction`` of them)."""
        self.clf = self._new().fit(list(texts), list(labels), baselines=False)
        return self

    def _fitted(self):
        if self.clf is None:
            raise ConfigError(f"baseline: expected a fitted {type(self).__name__}, got an unfitted one")
        return self.clf

    @property
    def classes(self) -> list[str]:
        return self._fitted().classes

    def predict(self, texts: Sequence[str]) -> list[str]:
        return self._fitted().predict(list(texts))

    def proba_for(self, texts: Sequence[str], classes: Sequence[str]) -> np.ndarray:
        """Probabilities ``(N, len(classes))`` in the order of ``classes`` (a class it never saw gets 0)."""
        clf = self._fitted()
        return align_columns(clf.predict_proba(list(texts)), clf.classes, classes)

    def state(self) -> tuple[dict[str, Tensor], dict[str, Any]]:
        clf = self._fitted()
        tensors = copy_weights(clf.net)
        return tensors, {"kind": self.kind, "config": asdict(clf.config), "units": clf.units, "state": clf._state(),
                         "vocabs": {k: v.to_dict() for k, v in clf._vocabs().items()},
                         "best_epoch": clf.history.get("best_epoch")}

    @classmethod
    def from_state(cls, state) -> "NetMember":
        """Rebuild from :meth:`state` (inside ``run_baselines``, which turns a missing key or a wrong
        shape into a CheckpointError naming baseline.json)."""
        tensors, meta = state
        if meta.get("kind") != cls.kind:
            raise ValueError(f"kind {meta.get('kind')!r} instead of {cls.kind!r}")
        self = cls.__new__(cls)
        self.config = cls.task_class.config_class(**meta["config"])
        self.clf = clf = self._new()
        clf._restore({"path": Path("baseline.json"),   # runs saved before "state": units only
                      "state": meta.get("state", {"units": meta["units"], "mix": None}), "vocabs": meta["vocabs"]})
        try:
            clf.net.load_state_dict({k: torch.as_tensor(v) for k, v in tensors.items()}, strict=True)
        except RuntimeError as e:     # missing / unexpected / misshapen weights
            raise ValueError(str(e).splitlines()[0]) from None
        clf.net.eval()
        return self
