"""Session 17, helper S: hostile configs of the long-term dependency experiments (each test fails on the code
before its fix)."""

import pytest
import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.experiments import ExperimentConfig, resolve_config, resolve_configs, run_config

TINY = dict(steps=2, hidden_size=2, batch_size=2, length=1, eval_size=2)


def test_run_config_checks_and_resolves_a_config_built_directly():
    torch.manual_seed(0)
    direct = run_config(ExperimentConfig("copy", **TINY))          # lr/eval_every None: a bare TypeError before
    resolved = run_config(resolve_config("copy", **TINY))           # the oracle: the same run, resolved first
    assert direct["config"] == resolved["config"]
    assert direct["metrics"] == resolved["metrics"]
    with pytest.raises(ConfigError, match=r"^steps: expected an int >= 1"):   # was 'optim.lr: ... got None'
        run_config(ExperimentConfig("copy", **{**TINY, "steps": -2}))
    with pytest.raises(InputTypeError, match=r"^cfg: expected an ExperimentConfig"):  # was AttributeError
        run_config({"experiment": "copy", **TINY})


def test_resolve_configs_refuses_an_empty_grid_and_a_bare_string():
    with pytest.raises(ConfigError, match=r"^cells: expected at least one cell name"):   # was [] silently
        resolve_configs("adding", [])
    with pytest.raises(InputTypeError, match=r"^cells: expected a list of cell names, got the str 'lstm'"):
        resolve_configs("adding", "lstm")                       # was "cell: expected one of [...], got 'l'"
    assert [c.cell for c in resolve_configs("adding", ("gru", "lstm"))] == ["gru", "lstm"]


def test_cli_config_with_an_empty_cell_list_is_a_usage_error(tmp_path, capsys):
    from rnnkit.cli.main import main

    cfg = tmp_path / "c.toml"
    cfg.write_text("cell = []\n", encoding="utf-8")
    assert main(["experiment", "adding", "--config", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err   # was 'error: IndexError: list index out of range' (cfgs[0] of no config)
    # since session 28 the --config check refuses [] for every flag of one value or more, naming the key
    assert err.count("\n") == 1 and "--config: key 'cell': expected a list of at least one value" in err
