"""The loads :math:`P/N` the capacity experiments sweep by default (:mod:`rnnkit.hopfield.experiments`), without torch:
``rnnkit hopfield --help`` shows them."""

DEFAULT_LOADS = tuple(round(0.025 * k, 3) for k in range(1, 21))       # 0.025 ... 0.5
DEFAULT_MODERN_LOADS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 4.0)
