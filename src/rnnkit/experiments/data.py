"""Data for the long-term dependency experiments, generated on the fly from a ``torch.Generator``.

Every generator is a pure function of its arguments and the generator's state: the same seed gives the
same tensors (CPU), and targets are computed from the inputs by construction.

* :func:`adding_problem` -- Hochreiter & Schmidhuber (1997), in the form of Le et al. (2015) and
  Arjovsky et al. (2016): ``T`` steps of ``(value, marker)``; the target is the sum of the two marked values.
* :func:`copy_memory` -- Arjovsky et al. (2016): remember 10 symbols over a delay of ``T`` steps.
* :func:`sequential_digits` -- scikit-learn's ``load_digits`` 8x8 images read pixel by pixel (64 steps,
  one feature), optionally in a fixed random pixel order.
* :func:`lookahead_tagging` -- a tagging task where the tag of step ``t`` is the token at ``t + d``: only a
  model that reads the future (bidirectional) can do better than chance.

>>> import torch
>>> from rnnkit.experiments.data import adding_problem
>>> x, y = adding_problem(4, 10, generator=torch.Generator().manual_seed(0))
>>> x.shape, y.shape
(torch.Size([4, 10, 2]), torch.Size([4, 1]))
>>> bool(torch.allclose((x[..., 0] * x[..., 1]).sum(1, keepdim=True), y))
True
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from rnnkit._validate import is_int, is_real, is_bool
from rnnkit.errors import ConfigError, InputTypeError

__all__ = [
    "adding_problem", "adding_baseline_mse",
    "copy_memory", "copy_memory_baseline", "COPY_SYMBOLS", "COPY_ALPHABET", "COPY_BLANK", "COPY_DELIMITER",
    "sequential_digits", "DIGITS_PERMUTATION_SEED", "digits_permutation",
    "lookahead_tagging", "IGNORE_INDEX",
]

#: Label value ignored by the losses and metrics (as ``torch.nn.functional.cross_entropy``'s default).
IGNORE_INDEX = -100


def _pos_int(name: str, v, minimum: int = 1) -> int:
    """``v`` as an int >= ``minimum``: a numpy integer is one (np.int64(4) was refused as 'expected an int >= 1,
    got 4'); a bool, a float or a str is not."""
    if not is_int(v) or v < minimum:
        raise ConfigError(f"{name}: expected an int >= {minimum}, got {v!r}")
    return int(v)


def _gen(generator) -> torch.Generator:
    if generator is None:
        raise InputTypeError("generator: expected a torch.Generator (seeded), got None")
    if not isinstance(generator, torch.Generator):
        raise InputTypeError(f"generator: expected a torch.Generator, got {type(generator).__name__}")
    return generator


# ----------------------------------------------------------------------------------------- adding
def adding_problem(batch_size: int, length: int, *, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """One batch of the adding problem: ``x (B, T, 2)``, ``y (B, 1)``.

    Channel 0 holds values drawn from U(0, 1); channel 1 is 0 except for two 1s, the first at a uniformly
    drawn step of the first half (``[0, T//2)``), the second in the second half (``[T//2, T)``). The
    target is the sum of the two marked values, so it lies in ``[0, 2]`` with mean 1 and variance
    ``2 * 1/12 = 1/6``: predicting the mean scores an MSE of ``1/6 ≈ 0.167`` (:func:`adding_baseline_mse`).
    The network must carry the first marked value across at least ``1`` and on average ``T/2`` steps.

    >>> x, y = adding_problem(2, 6, generator=torch.Generator().manual_seed(1))
    >>> x[..., 1].sum(1).tolist()                # exactly two markers per sequence
    [2.0, 2.0]
    """
    batch_size = _pos_int("batch_size", batch_size)
    length = _pos_int("length", length, minimum=2)
    g = _gen(generator)
    half = length // 2
    values = torch.rand(batch_size, length, generator=g)
    first = torch.randint(0, half, (batch_size,), generator=g)
    second = torch.randint(half, length, (batch_size,), generator=g)
    markers = torch.zeros(batch_size, length)
    rows = torch.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack((values, markers), dim=-1)
    y = (values * markers).sum(1, keepdim=True)
    return x, y


def adding_baseline_mse() -> float:
    """MSE of always predicting the target's mean (1): its variance, ``Var(U1 + U2) = 2/12 = 1/6``."""
    return 1.0 / 6.0


# ----------------------------------------------------------------------------------------- copy memory
COPY_SYMBOLS = 10        #: symbols to remember
COPY_ALPHABET = 8        #: data symbols are 1..8
COPY_BLANK = 0
COPY_DELIMITER = 9       #: the "now recall" marker; inputs are one-hot over 10 classes (0..9)


def copy_memory(batch_size: int, delay: int, *, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """One batch of the copy memory task (Arjovsky et al., 2016): ``x (B, T+20, 10)`` one-hot, ``y (B, T+20)``.

    Input tokens: 10 symbols drawn uniformly from ``1..8``, then ``T - 1`` blanks (0), the delimiter (9)
    and 10 more blanks. Target: ``T + 10`` blanks, then the 10 symbols in order. So the first symbol
    must be held for ``T + 10`` steps.

    >>> x, y = copy_memory(1, 5, generator=torch.Generator().manual_seed(0))
    >>> x.shape, y.shape
    (torch.Size([1, 25, 10]), torch.Size([1, 25]))
    >>> tokens = x.argmax(-1)[0]
    >>> torch.equal(tokens[:10], y[0, -10:]), int(tokens[14]), int(y[0, :15].sum())
    (True, 9, 0)
    """
    batch_size = _pos_int("batch_size", batch_size)
    delay = _pos_int("delay", delay)
    g = _gen(generator)
    total = delay + 2 * COPY_SYMBOLS
    symbols = torch.randint(1, COPY_ALPHABET + 1, (batch_size, COPY_SYMBOLS), generator=g)
    tokens = torch.full((batch_size, total), COPY_BLANK, dtype=torch.long)
    tokens[:, :COPY_SYMBOLS] = symbols
    tokens[:, COPY_SYMBOLS + delay - 1] = COPY_DELIMITER
    target = torch.full((batch_size, total), COPY_BLANK, dtype=torch.long)
    target[:, -COPY_SYMBOLS:] = symbols
    x = torch.nn.functional.one_hot(tokens, COPY_DELIMITER + 1).float()
    return x, target


def copy_memory_baseline(delay: int) -> dict[str, float]:
    """What the best *memoryless* strategy scores on :func:`copy_memory` (Arjovsky et al., 2016).

    Without memory of the symbols, the best a model can do is emit a blank with certainty for the first
    ``T + 10`` steps (cost 0: when to stop emitting blanks is fixed by the delimiter) and the uniform
    distribution over the 8 data symbols for the last 10 (cost ``log 8`` each). The cross-entropy, averaged
    over all ``T + 20`` steps as the task is trained, is therefore ``10 log 8 / (T + 20)``; its accuracy
    on the 10 recall steps is ``1/8``.

    >>> round(copy_memory_baseline(100)["cross_entropy"], 4)
    0.1733
    """
    delay = _pos_int("delay", delay)
    return {"cross_entropy": COPY_SYMBOLS * math.log(COPY_ALPHABET) / (delay + 2 * COPY_SYMBOLS),
            "accuracy": 1.0 / COPY_ALPHABET}


# ----------------------------------------------------------------------------------------- digits
#: Seed of the fixed pixel permutation of the permuted task (``numpy.random.RandomState``, whose stream
#: NumPy keeps stable across versions), so "permuted digits" is one task, not one per run.
DIGITS_PERMUTATION_SEED = 12345


def digits_permutation() -> np.ndarray:
    """The fixed order in which the permuted task reads the 64 pixels."""
    return np.random.RandomState(DIGITS_PERMUTATION_SEED).permutation(64)


def sequential_digits(*, permuted: bool = False, seed: int = 0, test_fraction: float = 0.25
                      ) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """scikit-learn's 1,797 8x8 digits as 64-step sequences of one pixel (scaled to ``[0, 1]``).

    Returns ``((x_train, y_train), (x_test, y_test))`` with ``x (N, 64, 1)`` float32 and ``y (N,)`` long;
    the split is stratified by class and seeded by ``seed``. ``permuted=True`` reads the pixels in the
    order :func:`digits_permutation` (the same for every seed), which spreads neighbouring pixels far
    apart in time.

    >>> (xtr, ytr), (xte, yte) = sequential_digits(seed=0)
    >>> xtr.shape, xte.shape, int(ytr.max())
    (torch.Size([1347, 64, 1]), torch.Size([450, 64, 1]), 9)
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not is_bool(permuted):
        raise ConfigError(f"permuted: expected a bool, got {permuted!r}")
    if not is_int(seed) or not 0 <= seed < 2 ** 32:   # 2**32 passed the experiments' seed check (torch's 2**64)
        raise ConfigError(f"seed: expected an int in [0, 2**32) (sklearn's random_state splits the digits), got "
                          f"{seed!r}")                 # and was sklearn's InvalidParameterError when the run began
    if not is_real(test_fraction) or not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction: expected a float in (0, 1), got {test_fraction!r}")
    digits = load_digits()
    pixels = digits.data.astype(np.float32) / 16.0          # (1797, 64), row-major 8x8
    if permuted:
        pixels = pixels[:, digits_permutation()]
    labels = digits.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(pixels, labels, test_size=test_fraction, stratify=labels,
                                          random_state=seed)
    as_seq = lambda a: torch.from_numpy(np.ascontiguousarray(a)).unsqueeze(-1)  # noqa: E731
    return (as_seq(xtr), torch.from_numpy(ytr)), (as_seq(xte), torch.from_numpy(yte))


# ----------------------------------------------------------------------------------------- tagging
def lookahead_tagging(batch_size: int, length: int, *, lookahead: int = 3, vocab: int = 8,
                      generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """A tagging task whose tags depend on later tokens: ``x (B, T, vocab)`` one-hot, ``y (B, T)``.

    Tokens are uniform over ``vocab``; the tag of step ``t`` is the token at step ``t + lookahead``. The
    last ``lookahead`` steps have no tag (:data:`IGNORE_INDEX`). A left-to-right model has seen nothing of
    the future token when it must tag step ``t``, so its accuracy is ``1/vocab`` at best; a bidirectional
    one only has to remember ``lookahead`` steps of its backward pass.

    >>> x, y = lookahead_tagging(2, 6, lookahead=2, generator=torch.Generator().manual_seed(0))
    >>> tokens = x.argmax(-1)
    >>> torch.equal(y[:, :4], tokens[:, 2:]), y[:, 4:].tolist()
    (True, [[-100, -100], [-100, -100]])
    """
    batch_size = _pos_int("batch_size", batch_size)
    lookahead = _pos_int("lookahead", lookahead)
    vocab = _pos_int("vocab", vocab, minimum=2)
    if not is_int(length) or length <= lookahead:
        raise ConfigError(f"length: expected an int > lookahead ({lookahead}), got {length!r}")
    g = _gen(generator)
    tokens = torch.randint(0, vocab, (batch_size, length), generator=g)
    tags = torch.full_like(tokens, IGNORE_INDEX)
    tags[:, :-lookahead] = tokens[:, lookahead:]
    return torch.nn.functional.one_hot(tokens, vocab).float(), tags
