"""Plots of the Hopfield experiments (:mod:`rnnkit.hopfield.experiments`): each ``plot_*`` draws the dict
its ``*_experiment`` returns to a PNG at ``path`` (written atomically) and returns the path."""

from __future__ import annotations

from pathlib import Path

from rnnkit._plot import figure, save_png
from rnnkit.hopfield.experiments import AGS_CRITICAL_LOAD

__all__ = ["plot_capacity", "plot_robustness", "plot_digits", "plot_modern_capacity"]


def plot_capacity(result: dict, path: str | Path) -> Path:
    """Two panels: perfect-recall fraction and mean overlap vs load, one line per (rule, N)."""
    import matplotlib

    fig, axes = figure(1, 2, figsize=(11, 4.2))
    styles = {"hebbian": "-", "storkey": "--"}
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, N in enumerate(result["sizes"]):
        for r in result["rules"]:
            c = result["curves"][r][str(N)]
            kw = {"color": colors[k % len(colors)], "linestyle": styles.get(r, ":"), "marker": "o", "ms": 3}
            loads = c.get("loads", result["loads"])   # the loads stored (P / N); results saved before: as asked
            axes[0].plot(loads, c["perfect"], label=f"{r}, N={N}", **kw)
            axes[1].plot(loads, c["overlap"], label=f"{r}, N={N}", **kw)
    for ax in axes:
        ax.axvline(AGS_CRITICAL_LOAD, color="k", linestyle=":", label="0.138 N (AGS, Hebbian)")
        ax.set_xlabel("load P / N")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of patterns recalled exactly")
    axes[1].set_ylabel("mean overlap with the stored pattern")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Hopfield capacity ({result['mode']} recall, {result['trials']} trial(s))")
    return save_png(fig, path, dpi=110)


def _applied(curve: dict) -> list:
    """The fractions a robustness curve applied (results saved before they were recorded: those asked for)."""
    return curve.get("applied", curve["fraction"])


def plot_robustness(result: dict, path: str | Path) -> Path:
    """Two panels: overlap vs fraction of connections altered; overlap vs cue noise."""
    fig, axes = figure(1, 2, figsize=(11, 4.2))
    for key, label in (("zeroed", "connections cut (w=0)"), ("perturbed", "connections perturbed")):
        axes[0].plot(_applied(result[key]), result[key]["overlap"], marker="o", label=label)
    axes[0].set_xlabel("fraction of connections altered")
    flipped = result.get("cue_noise_applied", result["cue_noise_for_damage"])
    axes[0].set_title(f"damage (cues with {flipped:.1%} bits flipped)")
    axes[1].plot(_applied(result["cue_noise"]), result["cue_noise"]["overlap"], marker="o", label="overlap")
    axes[1].plot(_applied(result["cue_noise"]), result["cue_noise"]["perfect"], marker="s", linestyle="--",
                 label="fraction recalled exactly")
    axes[1].set_xlabel("fraction of cue bits flipped")
    axes[1].set_title("cue noise (intact network)")
    for ax in axes:
        ax.set_ylabel("mean overlap with the stored pattern")
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Robustness: {result['rule']}, N={result['n_units']}, P={result['n_patterns']} "
                 f"(load {result['load']:.3f})")
    return save_png(fig, path, dpi=110)


def plot_digits(result: dict, path: str | Path) -> Path:
    """A grid: one row per (stored digit, cue type), columns cue -> recall -> original."""
    rows = [(name, k) for k in range(len(result["classes"])) for name in result["picture"]]
    fig, axes = figure(len(rows), 3, figsize=(4.2, 1.35 * len(rows)), squeeze=False)
    for row, (name, k) in enumerate(rows):
        for col, title in enumerate(("cue", "recall", "original")):
            ax = axes[row][col]
            ax.imshow(result["picture"][name][k][col], cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=9)
            if col == 0:
                ax.set_ylabel(f"{result['classes'][k]}: {name}", fontsize=8)
    fig.suptitle(f"digits, {result['picture_rule']} rule", fontsize=9)
    return save_png(fig, path, dpi=110)


def plot_modern_capacity(result: dict, path: str | Path) -> Path:
    """Fraction recalled exactly vs load (log x) for Hebbian, Storkey and modern."""
    fig, ax = figure(figsize=(6.5, 4.2))
    for k, style in (("hebbian", "-o"), ("storkey", "--s"), ("modern", "-^")):
        ax.plot(result.get("stored_loads", result["loads"]), result["perfect"][k], style, label=k if k != "modern" else
                f"modern (beta={result['beta']:g})")
    ax.axvline(AGS_CRITICAL_LOAD, color="k", linestyle=":", label="0.138 N (AGS)")
    ax.set_xscale("log")
    ax.set_xlabel("load P / N")
    ax.set_ylabel("fraction recalled exactly")
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    flipped = result.get("cue_noise_applied", result["cue_noise"])   # results saved before: the fraction asked for
    ax.set_title(f"classical vs modern, N={result['n_units']}, cues with {flipped:.1%} bits flipped", fontsize=9)
    return save_png(fig, path, dpi=110)
