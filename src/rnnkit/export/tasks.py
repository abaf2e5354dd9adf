"""Graphs of the task networks: what a runtime feeds the forecaster's and the classifiers' networks and
gets back. Preprocessing (the forecaster's transforms and features, tokenisation, standardisation) stays
outside the graph; ``<file>.json`` names what it needs (docs/deploy.md has the recipes).

* forecaster: ``x (batch, time, F)`` scaled step features [+ ``future (batch, H, Fu)``] + ``h0`` (``c0``)
  -> ``raw``, ``point``, ``lower``, ``upper`` (changes in units of the series' step scale, before the
  interval calibration factor) + ``h_n`` (``c_n``). Direct / encoder-decoder strategies give ``(batch,
  H)`` forecasts; the recursive one gives the next-step distribution at every input step ``(batch,
  time)`` -- with ``time = 1`` and the state carried, one step of the rollout.
* text classifier: ``ids (batch, time)`` int64 + ``lengths (batch,)`` -> ``logits``, ``probabilities`` (a text
  with no token: ``lengths`` 0 -> the training labels' class shares, ``prior`` in the description); the description's
  ``classes`` are the classes' text, ``labels`` the same classes in the type fit was given (``label_type``).
  A run with ``embeddings="context"`` takes the same ids: all-MiniLM-L6-v2's encoder is inside its graph
  (:mod:`rnnkit.export.context`; the description's ``encoder``).
* time-series classifier: ``x (batch, time, C)`` standardised + ``lengths`` -> the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit._validate import plain
from rnnkit.data.vocab import TOKENIZERS, UNK, splitter_spec
from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.export.context import ROUNDING, context_graph, context_meta, windows_check
from rnnkit.export.graph import exportable
from rnnkit.export.signature import GraphSpec, InputSpec, flat, pack_state, state_inputs, state_outputs

__all__ = ["is_task", "ForecastGraph", "ClassifierGraph", "forecaster_spec", "classifier_spec", "task_spec", "run_spec",
           "TASKS"]

#: Run-folder tasks that export (the ``task`` key of ``config.json``).
TASKS = ("forecast", "classify", "tsc")


class ForecastGraph(nn.Module):
    """``(x, [future], *state) -> (raw, point, lower, upper, *final_state)`` of a ``ForecastNetwork``."""

    def __init__(self, net: nn.Module, n_state: int, with_future: bool) -> None:
        super().__init__()
        self.net, self.n_state, self.with_future = net, n_state, with_future

    def forward(self, x: Tensor, *rest: Tensor):
        future = rest[0] if self.with_future else None
        out, new = self.net.encode(x, pack_state(rest[int(self.with_future):]))
        raw = self.net.head(out) if self.net.strategy == "recursive" else self.net.decode(new, future)
        lower, upper = self.net.bounds(raw)
        return (raw, self.net.point(raw), lower, upper, *flat(new))


class ClassifierGraph(nn.Module):
    """``(x, lengths) -> (logits, probabilities)`` of a classifier network.

    ``prior`` (text classifiers): the class shares ``TextClassifier.predict_proba`` gives a text with no token.
    Such a text is fed as ``lengths`` 0; the graph then answers the shares (``logits`` their log), and it reads
    one padding step past the input, so a batch whose texts all have no token (``ids`` of shape ``(batch,
    0)``) runs too. Before, such a row's outputs were NaN (and a batch of them an onnxruntime error), where
    the run predicts the shares (session 15, helper W)."""

    def __init__(self, net: nn.Module, prior: list[float] | None = None) -> None:
        super().__init__()
        self.net = net
        if prior is not None:
            self.register_buffer("prior", torch.tensor(prior, dtype=torch.float32))
        else:
            self.prior = None

    def forward(self, x: Tensor, lengths: Tensor):
        if self.prior is None:
            logits = self.net(x, lengths)
            return logits, torch.softmax(logits, -1)
        empty = (lengths <= 0).unsqueeze(1)
        x = torch.cat([x, x.new_zeros(x.shape[0], 1)], 1)   # the pad id, past every length: nothing reads it
        logits = self.net(x, lengths.clamp(min=1))
        prior = self.prior.to(logits.dtype)
        return (torch.where(empty, prior.log(), logits),
                torch.where(empty, prior, torch.softmax(logits, -1)))


class _Levels(tuple):
    """Quantile levels as Python floats with ``tolist()``. ``ForecastNetwork`` reads its levels with
    ``quantile_levels.tolist()``, which a traced buffer cannot answer (a data-dependent read); the
    export copy -- never the user's network -- holds the same numbers as constants instead."""

    def tolist(self) -> list[float]:
        return list(self)


def _forecast_twin(net: nn.Module) -> nn.Module:
    twin = exportable(net)
    levels = _Levels(float(v) for v in twin.quantile_levels.tolist())
    del twin._buffers["quantile_levels"]
    twin.quantile_levels = levels
    return twin


def forecaster_spec(forecaster: Any, *, state: bool = True) -> GraphSpec:
    """The graph of a fitted :class:`~rnnkit.tasks.forecasting.Forecaster`'s network (module docstring):
    a recurrent-network model (``model="lstm" | "gru" | "elman"``); other models are a ConfigError."""
    from rnnkit.tasks.forecasting.config import CELLS

    model = forecaster.config.model
    if model not in CELLS:
        raise ConfigError(f"forecaster: expected a recurrent-network forecaster (model one of {list(CELLS)}) to "
                          f"export, got model {model!r} (statistical methods, ES-RNN and the 'auto' choice are not "
                          "one network graph; 'rnnkit serve' serves any forecaster run)")
    net = forecaster.network_
    if net is None:
        raise ConfigError("forecaster: expected a fitted forecaster (fit or load), got an unfitted one")
    net = net.eval()
    with_future = bool(net.n_future) and net.strategy != "recursive"
    inputs = [InputSpec("x", ("batch", "time", net.encoder.input_size))]
    if with_future:
        inputs.append(InputSpec("future", ("batch", net.horizon, net.n_future)))
    states = state_inputs(net.encoder) if state else []
    inputs += states
    outputs = ["raw", "point", "lower", "upper", *state_outputs(net.encoder)]
    cfg = forecaster.config
    meta = {"kind": "task", "task": "forecast", "strategy": net.strategy, "interval": net.interval,
            "quantiles": [float(q) for q in net.quantile_levels.tolist()], "horizon": net.horizon,
            "lookback": forecaster.lookback_, "level": cfg.level, "calibration": forecaster.calibration_,
            "level_input": cfg.level_input, "series": forecaster.series_ids_,
            **_forecast_features(forecaster, net.encoder.input_size, with_future)}
    return GraphSpec(ForecastGraph(_forecast_twin(net), len(states), with_future),
                     ForecastGraph(net, len(states), with_future), inputs, outputs, meta)


def _forecast_features(forecaster: Any, width: int, with_future: bool) -> dict[str, list[str]]:
    """``features``: a name for each of the ``width`` columns of ``x``, in the order the forecaster builds them
    (``PreparedSeries.features``: dz / inc, z, the past covariates, the future ones, each scaled), and
    ``future_features``: the columns of ``future``. Before, ``features`` was the four groups whatever the run
    had ("past covariates" in a run without any), so a consumer could not tell which column was which."""
    from rnnkit.tasks.forecasting.inputs import as_name_list

    args = getattr(forecaster._impl, "_parse_args", None) or {}
    past = as_name_list(args.get("past_covariates"), "past_covariates")
    fut = as_name_list(args.get("future_covariates"), "future_covariates")
    names = (["dz / inc"] + (["z"] if forecaster.config.level_input else []) + [f"{c} (past covariate, scaled)" for c in past]
             + [f"{c} (future covariate, scaled)" for c in fut])
    if len(names) != width:   # a network fitted otherwise than these settings say: no names rather than wrong ones
        raise ConfigError(f"forecaster: expected {len(names)} input columns ({names}) from its settings, got a "
                          f"network reading {width}")
    return {"features": names, "future_features": [f"{c} (future covariate, scaled)" for c in fut] if with_future else []}


#: how texts are cut into the vocabulary's tokens, for units that rnnkit.data.vocab.tokenize does not cut
_CUTTERS = {"wordpiece": "; cut texts with the tokenizers JSON in vocab.json ('wordpieces', 'tokenizer'), no "
                         "special tokens, then look the pieces up in 'tokens'",
            "bpe": "; cut texts with the tokenizers JSON in vocab.json ('bpe', 'tokenizer'), then look the pieces up in "
                   "'tokens'"}


def _segmented_spec(lowercase: bool) -> dict[str, Any]:
    """How a ``tokenizer="segmented"`` classifier cuts a text (:meth:`rnnkit.data.segment.Segmenter.tokens`), as data:
    ``"words"``' splitter between the runs of Han characters, each run cut by the PKU segmenter whose fingerprint
    the run kept (the lexicon is not in the run folder: rnnkit's :func:`~rnnkit.data.segment.pku_segmenter`)."""
    from rnnkit.data.segment import _HAN_RUN, pku_segmenter

    return {**splitter_spec("words", lowercase), "han_runs": _HAN_RUN.pattern,
            "tokens": "every match of han_runs (Python re), cut into words by rnnkit.data.segment.pku_segmenter().cut "
                      "(its fingerprint() must be 'segmenter'); between them every match of pattern, left to right",
            "segmenter": pku_segmenter().fingerprint()}


def classifier_spec(clf: Any) -> GraphSpec:
    """The graph of a fitted ``TextClassifier`` (token ids) or ``TimeSeriesClassifier`` (series)."""
    from rnnkit.tasks.classification import TextClassifier

    net = clf.net
    if net is None:
        raise ConfigError("classifier: expected a fitted classifier (fit or load), got an unfitted one")
    net = net.eval()
    cfg = clf.config
    lengths = InputSpec("lengths", ("batch",), torch.long, "lengths")
    context = isinstance(clf, TextClassifier) and bool(getattr(clf, "context", None))   # export.context
    from rnnkit.tasks.classify_pretrained import PACKAGE as MINILM     # a record without 'package' is MiniLM's
    if context and clf.context.get("package", MINILM) != MINILM:    # only MiniLM's encoder has a graph (export.context)
        raise ConfigError("classifier: expected a run whose graph can hold its encoder (embeddings='context': "
                          "all-MiniLM-L6-v2), got one reading multilingual-e5-small's states (embeddings='e5'), "
                          "which no graph holds yet; predict with the run itself (rnnkit classify predict)")
    if isinstance(clf, TextClassifier):
        x = InputSpec("ids", ("batch", "time"), torch.long, "ids",
                      high=len(clf.vocab) if context else net.embed.num_embeddings)
        # the tokenizer the fit used ("auto" is resolved on the training texts); weights: when the fit chose
        # a combination, predict_proba = sum over members of weights[m] * p_m (the network's probabilities,
        # the run's TF-IDF + LR and NB-weighted LR baselines; the linear ones are in the run folder, not in
        # the graph); None: the graph's probabilities are all
        mix = getattr(clf, "mix", None)
        meta = {"task": "classify", "tokenizer": getattr(clf, "units", None) or cfg.tokenizer,
                # on_long: predict_proba reads a text's first max_len tokens ("truncate") or refuses it ("error"); the
                # description said max_len alone, as the tsc graph's did before session 17
                "lowercase": cfg.lowercase, "max_len": cfg.max_len, "on_long": cfg.on_long, "pad_id": 0,
                "vocabulary": "vocab.json ('tokens') of the run folder" + _CUTTERS.get(getattr(clf, "units", None), ""),
                "network_weight": (mix or {}).get("network"), "weights": mix,
                # a token not in 'tokens' is read as <unk>: the meta named the padding id only, so a consumer had
                # to guess the id of an unseen word or wordpiece (predict_proba's is vocab.id(token))
                "unk_id": clf.vocab.index.get(UNK)}
        if meta["tokenizer"] in TOKENIZERS:   # how texts become tokens, for a consumer outside Python
            meta["splitter"] = splitter_spec(meta["tokenizer"], cfg.lowercase)
        elif meta["tokenizer"] == "segmented":   # it said "segmented" and nothing else: no consumer could cut the texts
            meta["splitter"] = _segmented_spec(cfg.lowercase)
        if context:   # the encoder inside the graph (export.context): the same ids as every wordpiece run's
            meta.update(context_meta(clf))
    else:
        if getattr(clf, "chose", "network") != "network":   # model="auto" predicts with 1-NN: no graph computes that
            raise ConfigError("classifier: expected a tsc run that predicts with its network, got one whose "
                              f"model='auto' chose {clf.chose} (history['auto']['why']); train with --model rnn "
                              "to export a graph")
        x = InputSpec("x", ("batch", "time", len(clf.mean) * cfg.patch))  # channels x patch per step
        # max_len / on_long: predict_proba reads a longer series up to its first max_len steps (or refuses it); a
        # consumer of the graph that was not told fed the whole series and got other probabilities, silently
        meta = {"task": "tsc", "patch": cfg.patch, "mean": [float(v) for v in clf.mean],
                "std": [float(v) for v in clf.std], "chose": "network", "max_len": cfg.max_len, "on_long": cfg.on_long}
    prior = None
    if isinstance(clf, TextClassifier):   # a text with no token: predict_proba's class shares (equal in older runs)
        n = len(clf.classes)
        prior = [float(v) for v in clf.prior] if getattr(clf, "prior", None) is not None else [1.0 / n] * n
        meta.update(prior=prior, no_token="a text with no token: lengths 0 (ids may have 0 steps); the graph answers "
                                          "'prior', the training labels' class shares, as predict_proba does")
    # the labels in the type fit was given (session 28's label_type, the run's too): 'classes' is their text (what the
    # CLI and the service print); labels[argmax(probabilities)] is what predict gives -- a run of int labels exported
    # [1, 0] as ['1', '0'] alone, and a consumer's comparison with its int labels failed, silently
    meta.update(kind="task", classes=list(clf.classes), label_type=clf.label_type,
                labels=[plain(v) for v in clf.classes_])
    graph = context_graph(exportable(net), clf._shared) if context else exportable(net)
    return GraphSpec(ClassifierGraph(graph, prior), ClassifierGraph(net, prior), [x, lengths],
                     ["logits", "probabilities"], meta, oblivious=context,
                     more_sizes=windows_check() if context else (), min_atol=ROUNDING if context else (0.0, ""))


def task_spec(target: Any, *, state: bool = True) -> GraphSpec | None:
    """The spec of a fitted task object, or ``None`` when ``target`` is not one."""
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    if isinstance(target, Forecaster):
        return forecaster_spec(target, state=state)
    if isinstance(target, (TextClassifier, TimeSeriesClassifier)):
        _stateless(state, f"a fitted {type(target).__name__}")
        return classifier_spec(target)
    return None


def is_task(target: Any) -> bool:
    """Whether ``target`` is a fitted-task object :func:`task_spec` exports (fitted or not)."""
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    return isinstance(target, (Forecaster, TextClassifier, TimeSeriesClassifier))


def _stateless(state: bool, what: str) -> None:
    """``state=False`` (the CLI's ``--no-state``) drops a forecaster's initial-state inputs; a classifier's graph has
    none, and it was ignored, silently."""
    if not state:
        raise ConfigError(f"state: expected True (the default) for {what} (its graph has no state inputs; "
                          "state=False applies to forecasters and layers), got False")


def run_task(path: Path) -> str:
    """The ``task`` named in a run folder's ``config.json`` (CheckpointError when unreadable)."""
    from rnnkit.tasks.runs import run_folder
    run_folder(path, "run")   # an unopenable folder named (was a PermissionError on '.saving.json'); a save killed
    #                           there (its config.json moved aside): the earlier run first (forecasting.save_backup)
    cfg = path / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"run: expected a run folder with config.json, got {str(path)!r}")
    try:
        task = json.loads(cfg.read_text(encoding="utf-8")).get("task")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, RecursionError) as e:
        raise CheckpointError(f"run: expected valid JSON in {str(cfg)!r}, got {type(e).__name__}: {e}"[:300]) from None
    return task


def run_spec(path: Path, *, state: bool = True) -> GraphSpec:
    """The spec of the model saved in a run folder (``forecast``, ``classify`` or ``tsc``)."""
    task = run_task(path)
    if task in ("classify", "tsc"):
        _stateless(state, f"a {task!r} run")
    if task == "forecast":
        from rnnkit.tasks.forecasting import Forecaster

        return forecaster_spec(Forecaster.load(path), state=state)
    if task == "classify":
        from rnnkit.tasks.classification import TextClassifier

        return classifier_spec(TextClassifier.load(path))
    if task == "tsc":
        from rnnkit.tasks.tsc import TimeSeriesClassifier

        return classifier_spec(TimeSeriesClassifier.load(path))
    raise ConfigError(f"run: expected a run of one of {list(TASKS)} to export, got task {task!r} in {str(path)!r}")
