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

Modules: ``data`` (the generators), ``tasks`` (each experiment's data stream, loss, evaluation, baseline
and solve criterion), ``models`` (the cells compared, initialisations, the sequence model), ``config``
(one run's settings), ``runner`` (training a run, comparing cells), ``report`` (files, plots, tables).

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
    has_keep_gate,
    init_recurrent,
)
from rnnkit.experiments.config import ExperimentConfig, resolve_config, resolve_configs
from rnnkit.experiments.report import format_table, plot_comparison, summarize
from rnnkit.experiments.runner import compare, run_config, run_experiment
from rnnkit.experiments.tasks import EXPERIMENTS, ExperimentSpec

__all__ = [
    "run_experiment", "run_config", "compare", "summarize", "plot_comparison", "format_table", "resolve_config",
    "resolve_configs",
    "ExperimentConfig", "ExperimentSpec",
    "EXPERIMENTS", "CELLS", "CellSpec", "INITS", "compare_cells", "has_keep_gate", "build_layer", "build_model",
    "init_recurrent", "SequenceModel",
    "adding_problem", "adding_baseline_mse", "copy_memory", "copy_memory_baseline", "sequential_digits",
    "digits_permutation", "lookahead_tagging",
]
