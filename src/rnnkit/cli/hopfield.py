"""``rnnkit hopfield capacity|robustness|digits|modern-capacity``: Hopfield memory experiments.

Each experiment writes ``<experiment>.png`` and ``<experiment>.json`` to ``--out DIR`` (default
``runs/hopfield-<experiment>``) and returns its results (``--json`` prints them as one JSON object).
Size flags (``--sizes``, ``--loads``, ``--n-units``, ...) make small, fast runs possible, e.g.::

    rnnkit hopfield capacity --sizes 100 --loads 0.05 0.1 0.2 0.3 --json
    rnnkit hopfield robustness --n-units 200 --n-patterns 10 --trials 3
    rnnkit hopfield digits --classes 0 1 4 --corruption 0.15
    rnnkit hopfield modern-capacity --n-units 100 --beta 1.0
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnkit._io import atomic_write_text, dumps_json
from rnnkit.cli.common import HelpFormatter, UsageError, add_common, check_memory, check_out_dir, set_threads
from rnnkit.errors import ConfigError
from rnnkit.hopfield._checks import (NETWORK_SIZE_WHY, ROBUSTNESS_UNITS_WHY, check_fraction, check_int_at_least,
                                     check_positive_float, check_positive_int)

__all__ = ["add_parser", "run"]


def _arg(convert, check, what: str):
    """An argparse ``type``: ``convert`` the text, then the Hopfield module's own ``check``; either
    failing is ``expected <what>, got '<text>'`` (argparse prefixes the flag)."""
    def parse(text: str):
        try:
            return check("value", convert(text))
        except (ValueError, ConfigError):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None

    return parse


_positive_int = _arg(int, check_positive_int, "a positive int")


def _int_at_least(low: int, why: str):
    """A positive int (that message first, as every size flag) that is also >= ``low`` (``why``)."""
    at_least = _arg(int, lambda n, v: check_int_at_least(n, v, low, why), f"an int >= {low} ({why})")

    def parse(text: str) -> int:
        _positive_int(text)
        return at_least(text)

    return parse


_network_size = _int_at_least(2, NETWORK_SIZE_WHY)
_robustness_units = _int_at_least(3, ROBUSTNESS_UNITS_WHY)
_positive_float = _arg(float, check_positive_float, "a finite number > 0")
_fraction = _arg(float, check_fraction, "a number in [0, 1]")


def _digit(text: str) -> int:
    if text not in {str(d) for d in range(10)}:
        raise argparse.ArgumentTypeError(f"expected a digit 0..9, got {text!r}")
    return int(text)


def _common(p: argparse.ArgumentParser, name: str) -> None:
    p.formatter_class = HelpFormatter  # every flag's default shown, line breaks kept
    add_common(p, seed=True, out=True, threads=True)
    for action in p._actions:   # the folder a run without --out writes, shown as every other default is
        if action.dest == "out":
            action.help = f"output folder (default: runs/hopfield-{name})"
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
    p.set_defaults(_experiment=name, _parser=p)


def add_parser(subparsers) -> argparse.ArgumentParser:
    from rnnkit.hopfield.defaults import DEFAULT_LOADS, DEFAULT_MODERN_LOADS

    parser = subparsers.add_parser(
        "hopfield", help="Hopfield memory experiments (capacity, robustness, digits, modern-capacity)",
        description="Classical (Hebbian, Storkey) and modern Hopfield memory experiments; each writes a PNG "
                    "and a JSON to --out DIR.", formatter_class=HelpFormatter)
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT")
    sub.required = True
    rules = ["hebbian", "storkey"]

    p = sub.add_parser("capacity", help="fraction of random patterns recalled exactly vs load P/N")
    _common(p, "capacity")
    p.add_argument("--sizes", type=_network_size, nargs="+", default=[100, 200, 500], metavar="N",
                   help="network sizes N (default 100 200 500)")
    p.add_argument("--loads", type=_positive_float, nargs="+", default=list(DEFAULT_LOADS), metavar="P/N",
                   help="loads P/N (default 0.025 ... 0.5 in steps of 0.025)")
    p.add_argument("--rules", choices=rules, nargs="+", default=rules, help="learning rules (default both)")
    p.add_argument("--trials", type=_positive_int, default=1, help="repeats per point (default 1)")
    p.add_argument("--mode", choices=["async", "sync"], default="async", help="recall dynamics (default async)")
    p.add_argument("--max-steps", type=_positive_int, default=50, help="most sweeps per recall (default 50)")

    p = sub.add_parser("robustness", help="recall overlap vs connections cut/perturbed and vs cue noise")
    _common(p, "robustness")
    p.add_argument("--n-units", type=_robustness_units, default=200, help="N (default 200)")
    p.add_argument("--n-patterns", type=_positive_int, default=10, help="P stored (default 10)")
    p.add_argument("--rule", choices=rules, default="hebbian", help="learning rule (default hebbian)")
    p.add_argument("--fractions", type=_fraction, nargs="+", default=[k / 10 for k in range(10)],
                   help="fractions of connections altered (default 0 0.1 ... 0.9)")
    p.add_argument("--noise-levels", type=_fraction, nargs="+", default=[k / 20 for k in range(11)],
                   help="fractions of cue bits flipped (default 0 0.05 ... 0.5)")
    p.add_argument("--cue-noise", type=_fraction, default=0.1,
                   help="cue bits flipped in the damage curves (default 0.1)")
    p.add_argument("--perturb-scale", type=_positive_float, default=1.0,
                   help="perturbation std in units of the weights' std (default 1)")
    p.add_argument("--trials", type=_positive_int, default=3, help="repeats (default 3)")
    p.add_argument("--mode", choices=["async", "sync"], default="async", help="recall dynamics (default async)")

    p = sub.add_parser("digits", help="store binarised sklearn digits, recall from corrupted/half cues")
    _common(p, "digits")
    p.add_argument("--classes", type=_digit, nargs="+", default=[0, 1, 4], help="digits stored (default 0 1 4)")
    p.add_argument("--rules", choices=rules, nargs="+", default=rules, help="learning rules (default both)")
    p.add_argument("--corruption", type=_fraction, default=0.15, help="cue bits flipped (default 0.15)")
    p.add_argument("--threshold", type=float, default=8.0, help="pixel > threshold is +1, a value in 0..16")
    p.add_argument("--n-cues", type=_positive_int, default=20, help="cues per digit and cue type (default 20)")
    p.add_argument("--picture-rule", choices=rules, default=None,
                   help="rule drawn in the PNG (default storkey when run, else the first of --rules)")

    p = sub.add_parser("modern-capacity", aliases=["modern"],
                       help="Hebbian vs Storkey vs modern Hopfield on the same patterns")
    _common(p, "modern-capacity")
    p.add_argument("--n-units", type=_positive_int, default=100, help="N (default 100)")
    p.add_argument("--loads", type=_positive_float, nargs="+", default=list(DEFAULT_MODERN_LOADS),
                   metavar="P/N", help="loads P/N (default 0.05 ... 4)")
    p.add_argument("--cue-noise", type=_fraction, default=0.1, help="cue bits flipped (default 0.1)")
    p.add_argument("--beta", type=_positive_float, default=1.0, help="modern inverse temperature (default 1)")
    p.add_argument("--trials", type=_positive_int, default=1, help="repeats per load (default 1)")
    p.add_argument("--max-steps", type=_positive_int, default=50, help="most updates per recall (default 50)")
    return parser


def _memory_need(args: argparse.Namespace) -> int:
    """float32 bytes of the largest network: N x N weights (and Storkey's N x N fields), P x N patterns
    and recall states, and for the modern network the P x P similarities of P cues."""
    if args._experiment == "digits":   # the noisy cues of each class and their recall states (64 pixels)
        return 4 * 8 * 64 * len(args.classes) * args.n_cues
    N = max(args.sizes) if args._experiment == "capacity" else args.n_units
    # a load past float range (1e308 x N = inf) was int()'s bare OverflowError: counted as 2**62 patterns, refused
    P = args.n_patterns if args._experiment == "robustness" else int(min(max(args.loads) * N, 2 ** 62)) + 1
    modern = P * P if args._experiment == "modern-capacity" else 0
    return 4 * (4 * N * N + 4 * P * N + modern)


SIZE_FLAGS = {"capacity": ["--sizes", "--loads"], "robustness": ["--n-units", "--n-patterns"], "digits": ["--n-cues"],
              "modern-capacity": ["--n-units", "--loads"]}


def _kwargs(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names}


def run(args: argparse.Namespace) -> dict:
    from rnnkit.hopfield import experiments as ex, plots

    name = args._experiment
    table = {
        "capacity": (ex.capacity_experiment, plots.plot_capacity,
                     ["sizes", "loads", "rules", "trials", "mode", "max_steps"]),
        "robustness": (ex.robustness_experiment, plots.plot_robustness,
                       ["n_units", "n_patterns", "rule", "fractions", "noise_levels", "cue_noise", "perturb_scale",
                        "trials", "mode"]),
        "digits": (ex.digits_experiment, plots.plot_digits,
                   ["classes", "rules", "corruption", "threshold", "n_cues", "picture_rule"]),
        "modern-capacity": (ex.modern_capacity_experiment, plots.plot_modern_capacity,
                            ["n_units", "loads", "cue_noise", "beta", "trials", "max_steps"]),
    }
    experiment, plot, names = table[name]
    if name == "digits" and args.picture_rule is not None and args.picture_rule not in args.rules:
        raise UsageError(f"--picture-rule: expected one of --rules {args.rules}, got {args.picture_rule!r}")
    if name == "digits" and len(set(args.classes)) != len(args.classes):
        raise UsageError(f"--classes: expected distinct digits, got {args.classes}")
    out = Path(args.out) if args.out is not None else Path("runs") / f"hopfield-{name}"
    check_out_dir(out)
    if SIZE_FLAGS[name]:
        check_memory(args, _memory_need, SIZE_FLAGS[name], device=args.device,
                     what="weights, patterns and recall states")
    set_threads(args)  # a CLI run is its own process
    try:
        result = experiment(**_kwargs(args, names), seed=args.seed, device=args.device)
    except ConfigError as e:  # a flag value the experiment rejects (e.g. an unknown --device)
        raise UsageError(str(e)) from e
    out.mkdir(parents=True, exist_ok=True)
    png = plot(result, out / f"{name}.png")
    json_path = out / f"{name}.json"
    result["files"] = {"png": str(png), "json": str(json_path)}
    atomic_write_text(json_path, dumps_json(result, indent=1))   # a reader never sees half of it
    result.pop("picture", None)  # the digit images stay in the JSON file only
    return result
