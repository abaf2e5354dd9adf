"""Small CLI / API message defects found by helper D in session 15 (docs checked against the code)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError


def _entry(help_text: str, start: str) -> str:
    """The option's entry in --help (from its line to the next option's), white space collapsed."""
    entries = help_text.split("\n  -")
    return " ".join(next("-" + e for e in entries if ("-" + e).startswith(start)).split())


def test_help_shows_a_bool_value_flags_false_default(capsys):
    # design.md: --help shows every default; a BOOL flag defaulting to False (--subword-member) hid it, as if it
    # were a switch (store_true), which legitimately shows none
    assert main(["classify", "train", "--help"]) == 0
    entry = _entry(capsys.readouterr().out, "--subword-member BOOL")     # its help entry, not the usage line
    assert entry.endswith("(default: False)"), entry


def test_a_switch_still_shows_no_default(capsys):
    assert main(["forecast", "--help"]) == 0
    entry = _entry(capsys.readouterr().out, "--json")
    assert entry == "--json print one JSON object on stdout", entry


@pytest.mark.parametrize("seed", [True, 1.5, "3", 2 ** 70])
def test_a_hopfield_experiments_bad_seed_is_told_only_what_it_accepts(seed):
    from rnnkit.hopfield.experiments import capacity_experiment

    with pytest.raises(ConfigError, match=r"^seed: expected an int in \[-2\*\*63, 2\*\*64\), got ") as e:
        capacity_experiment(sizes=(10,), loads=(0.1,), seed=seed)
    assert "Generator" not in str(e.value)


def test_the_threads_warning_names_the_command():
    # training.md: a warning while a command runs is one line 'rnnkit CMD: warning: ...'; --threads' said 'rnnkit:'
    from rnnkit.cli.common import usable_cpus

    n = usable_cpus() + 7
    r = subprocess.run([sys.executable, "-m", "rnnkit", "experiment", "adding", "--length", "0", "--threads", str(n)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert f"rnnkit experiment: warning: --threads {n} is more than the {usable_cpus()} CPU(s) this process may use; " \
           f"the threads will share them (usually slower than --threads {usable_cpus()})" in lines, r.stderr


def test_translate_takes_the_ensemble_flag(tmp_path, capsys):
    # Seq2SeqConfig(ensemble=n) (session 15) reached the CLI only through the bench's --set before the flag existed
    assert main(["translate", "train", "--dataset", "num2words-en-fr", "--limit", "50", "--ensemble", "0",
                 "--out", str(tmp_path / "run")]) == 2
    assert "--ensemble: expected an int >= 1, got 0" in capsys.readouterr().err


def test_a_macrodata_dataset_takes_no_column_argument():
    # its loader was 'lambda c=_col: ...': load_dataset('macrodata_cpi', c='realgdp') returned realgdp under the cpi
    # name (found by helper S); the argument check now refuses c= as for every loader without arguments
    from rnnkit.data.registry import load_dataset

    with pytest.raises(ConfigError, match=r"^c: expected an argument of dataset 'macrodata_cpi' \(it takes none\)"):
        load_dataset("macrodata_cpi", c="realgdp")
    assert load_dataset("macrodata_cpi").name == "macrodata_cpi"
