"""Long-term dependency experiments, reproducible: the adding problem, copy memory, sequential (and
permuted) digits, and the benefit of bidirectional context -- each beside its baseline, with the training
curve and the gradient flow through time ‖∂L/∂h_t‖.

Python::

    from rnnkit.experiments import run_experiment, compare
    r = run_experiment("adding", cell="lstm", length=200, steps=3000, seed=0, out="runs/adding-lstm")
    r["metrics"], r["baseline"], r["steps_to_solve"]
    table = compare("adding", cells=["elman", "lstm", "gru"], length=100, steps=1500)["table"]

Command line: ``rnnkit experiment adding --cell lstm --length 200 --steps 3000 --json --out runs/a`` and
``rnnkit experiment compare adding --cell elman lstm gru``. See docs/experiments.md.

>>> from rnnkit.experiments import EXPERIMENTS, CELLS
>>> list(EXPERIMENTS)
['adding', 'copy', 'digits', 'permuted-digits', 'bidirectional']
>>> list(CELLS)
['elman', 'irnn', 'lstm', 'gru']
"""

from rnnkit.experiments.data import (
    adding_baseline_mse,
    adding_problem,
    copy_memory,
    copy_memory_baseline,
    digits_permutation,
    lookahead_tagging,
    sequential_digits,
)
from rnnkit.experiments.models import (
    CELLS,
    INITS,
    CellSpec,
    SequenceModel,
    build_layer,
    build_model,
    compare_cells,
    init_recurrent,
)
from rnnkit.experiments.runner import (
    EXPERIMENTS,
    ExperimentConfig,
    ExperimentSpec,
    compare,
    format_table,
    plot_comparison,
    resolve_config,
    run_config,
    run_experiment,
    summarize,
)

__all__ = [
    "run_experiment", "run_config", "compare", "summarize", "plot_comparison", "format_table", "resolve_config",
    "ExperimentConfig", "ExperimentSpec",
    "EXPERIMENTS", "CELLS", "CellSpec", "INITS", "compare_cells", "build_layer", "build_model",
    "init_recurrent", "SequenceModel",
    "adding_problem", "adding_baseline_mse", "copy_memory", "copy_memory_baseline", "sequential_digits",
    "digits_permutation", "lookahead_tagging",
]
