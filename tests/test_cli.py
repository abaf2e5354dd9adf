"""CLI conventions (in-process): exit codes, one-line errors, --json, --config precedence, and the
``env`` and ``datasets`` commands."""

import argparse
import json
import subprocess
import sys
import types

import pytest
import torch

from rnnkit.cli import main as cli_main
from rnnkit.cli.common import UsageError, add_common
from rnnkit.errors import ConfigError


def run_cli(argv, capsys):
    code = cli_main.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------ a test command
def _fake_module():
    mod = types.ModuleType("rnnkit.cli._fake")

    def add_parser(sub):
        p = sub.add_parser("fake", help="test command")
        p.add_argument("--hidden-size", type=int, default=8)
        p.add_argument("--lr", type=float, default=1e-3)
        p.add_argument("--name", default="base")
        p.add_argument("--flag", action="store_true")
        p.add_argument("--mode", choices=["a", "b"], default="a")
        p.add_argument("--layers", type=int, nargs="+", default=[1])
        p.add_argument("--fail", choices=["none", "runtime", "config", "usage", "nan"], default="none")
        add_common(p, seed=True, out=True)
        return p

    def run(args):
        if args.fail == "runtime":
            raise RuntimeError("something broke\nsecond line")
        if args.fail == "config":
            raise ConfigError("hidden_size: expected a positive int, got 0")
        if args.fail == "usage":
            raise UsageError("--name: expected something else, got 'x'")
        out = {k: v for k, v in vars(args).items() if not k.startswith("_")}
        if args.fail == "nan":
            out["metric"] = float("nan")
            out["array"] = torch.tensor([1.0, float("inf")])
        return out

    mod.add_parser, mod.run = add_parser, run
    return mod


def _nested_module():
    mod = types.ModuleType("rnnkit.cli._nested")

    def add_parser(sub):
        p = sub.add_parser("nested")
        acts = p.add_subparsers(dest="action")
        acts.required = True
        tr = acts.add_parser("train")
        tr.add_argument("--epochs", type=int, default=3)
        tr.add_argument("--lr", type=float, default=0.1)
        add_common(tr)
        tr.set_defaults(_parser=tr)
        return p

    def run(args):
        return {"action": args.action, "epochs": args.epochs, "lr": args.lr}

    mod.add_parser, mod.run = add_parser, run
    return mod


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(sys.modules, "rnnkit.cli._fake", _fake_module())
    monkeypatch.setitem(sys.modules, "rnnkit.cli._nested", _nested_module())
    monkeypatch.setitem(cli_main.COMMANDS, "fake", "_fake")
    monkeypatch.setitem(cli_main.COMMANDS, "nested", "_nested")


def test_json_prints_exactly_one_object(fake, capsys):
    code, out, err = run_cli(["fake", "--json", "--hidden-size", "16"], capsys)
    assert code == 0 and err == ""
    assert len(out.strip().splitlines()) == 1
    data = json.loads(out)
    assert data["hidden_size"] == 16 and data["lr"] == 1e-3 and data["seed"] == 0 and data["out"] is None


def test_json_has_no_nan(fake, capsys):
    code, out, _ = run_cli(["fake", "--json", "--fail", "nan"], capsys)
    assert code == 0
    data = json.loads(out)  # strict JSON: NaN/inf became null
    assert data["metric"] is None and data["array"] == [1.0, None]


def test_readable_output_without_json(fake, capsys):
    code, out, _ = run_cli(["fake", "--name", "x"], capsys)
    assert code == 0 and "name: x" in out.splitlines()


def test_config_precedence_defaults_file_flags(fake, capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('hidden-size = 32\nlr = 0.5\nflag = true\nmode = "b"\nlayers = [2, 3]\nout = "runs/x"\n')
    code, out, err = run_cli(["fake", "--json", "--config", str(cfg), "--lr", "0.1"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["hidden_size"] == 32          # file beats default
    assert d["lr"] == 0.1                  # typed flag beats file
    assert d["name"] == "base"             # default where neither says
    assert d["flag"] is True and d["mode"] == "b" and d["layers"] == [2, 3] and d["out"] == "runs/x"
    # a typed flag equal to its default still wins over the file
    code, out, _ = run_cli(["fake", "--json", "--config", str(cfg), "--hidden-size", "8"], capsys)
    assert json.loads(out)["hidden_size"] == 8
    # underscores work as keys too; ints are fine for float flags
    cfg.write_text("hidden_size = 4\nlr = 1\n")
    code, out, _ = run_cli(["fake", "--json", "--config", str(cfg)], capsys)
    assert json.loads(out)["hidden_size"] == 4 and json.loads(out)["lr"] == 1.0


def test_config_precedence_in_nested_commands(fake, capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("epochs = 9\nlr = 0.5\n")
    code, out, err = run_cli(["nested", "train", "--config", str(cfg), "--lr", "0.2", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == {"action": "train", "epochs": 9, "lr": 0.2}


@pytest.mark.parametrize("toml,match", [
    ("nope = 1\n", "unknown key 'nope'"),
    ("hidden-size = 1.5\n", "expected an integer"),
    ("hidden-size = true\n", "expected an integer"),
    ("flag = \"yes\"\n", "expected true or false"),
    ("lr = \"fast\"\n", "expected a number"),
    ("mode = \"c\"\n", "expected one of"),
    ("layers = 2\n", "expected a list"),
    ("name = 3\n", "expected a string"),
    ("= broken", "valid TOML"),
])
def test_bad_config_is_a_usage_error(fake, capsys, tmp_path, toml, match):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    code, out, err = run_cli(["fake", "--config", str(cfg)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err, err


def test_missing_config_file(fake, capsys, tmp_path):
    code, _, err = run_cli(["fake", "--config", str(tmp_path / "none.toml")], capsys)
    assert code == 2 and "not found" in err


def test_usage_errors_exit_2(fake, capsys):
    assert run_cli(["fake", "--hidden-size", "x"], capsys)[0] == 2       # argparse
    assert run_cli(["fake", "--bogus"], capsys)[0] == 2
    assert run_cli([], capsys)[0] == 2                                    # no command
    code, _, err = run_cli(["fake", "--fail", "usage"], capsys)
    assert code == 2 and err.strip() == "rnnkit fake: error: --name: expected something else, got 'x'"
    code, _, err = run_cli(["fake", "--fail", "config"], capsys)
    assert code == 2 and err.strip() == "rnnkit fake: error: --hidden-size: expected a positive int, got 0"


def test_runtime_error_exit_1_one_line_traceback_only_with_debug(fake, capsys):
    code, out, err = run_cli(["fake", "--fail", "runtime"], capsys)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == ["rnnkit fake: error: RuntimeError: something broke second line"]
    code, _, err = run_cli(["fake", "--fail", "runtime", "--debug"], capsys)
    assert code == 1 and "Traceback (most recent call last)" in err


def test_help_and_version_exit_0(capsys):
    assert run_cli(["--version"], capsys)[0] == 0
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0 and "env" in out and "datasets" in out


def test_a_broken_command_module_does_not_break_the_others(monkeypatch, capsys):
    monkeypatch.setitem(cli_main.COMMANDS, "broken", "_does_not_exist")
    code, out, _ = run_cli(["env", "--json"], capsys)
    assert code == 0 and json.loads(out)["torch"] == torch.__version__
    code, _, err = run_cli(["broken", "--x"], capsys)
    assert code == 1 and "rnnkit.cli._does_not_exist failed to import" in err


def test_typed_flags_are_found_through_subparsers():
    from rnnkit.cli.common import _typed_dests

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd")
    a = sub.add_parser("a")
    a.add_argument("--x", type=int, default=1)
    a.add_argument("--y", type=int, default=2)
    assert _typed_dests(p, ["a", "--y", "2"]) - {"cmd"} == {"y"}
    assert a.get_default("x") == 1  # defaults restored


# ------------------------------------------------------------------------------------ env
def test_env_json_and_dict(capsys):
    from rnnkit.cli.env import collect_env

    env = collect_env()
    assert env["torch"] == torch.__version__ and env["python"] == ".".join(map(str, sys.version_info[:3]))
    assert env["cuda_available"] == torch.cuda.is_available()
    assert env["torch_threads"] == torch.get_num_threads() and env["numpy"]
    assert isinstance(env["devices"], list) and env["packages"]["safetensors"]
    code, out, _ = run_cli(["env", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert {"rnnkit", "python", "torch", "numpy", "platform", "cuda_available", "devices", "torch_threads"} <= set(data)


def test_env_end_to_end_subprocess():
    res = subprocess.run([sys.executable, "-m", "rnnkit", "env", "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["torch"] == torch.__version__


# ------------------------------------------------------------------------------------ datasets
def test_datasets_json_lists_the_registry(capsys):
    from rnnkit.data.registry import list_datasets

    code, out, _ = run_cli(["datasets", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    names = [d["name"] for d in data["datasets"]]
    assert names == [d.name for d in list_datasets()] and "nile" in names
    assert data["count"] == len(names)
    row = next(d for d in data["datasets"] if d["name"] == "nile")
    assert row["kind"] == "series" and row["available"] is True and row["install"] is None and row["size"]


def test_datasets_kind_filter_and_unknown_kind(capsys):
    code, out, _ = run_cli(["datasets", "--kind", "series", "--json"], capsys)
    assert code == 0 and {d["kind"] for d in json.loads(out)["datasets"]} == {"series"}
    code, _, err = run_cli(["datasets", "--kind", "movies"], capsys)
    assert code == 2 and "--kind: expected one of" in err


def test_datasets_shows_install_command_for_missing_packages(monkeypatch, capsys):
    from rnnkit.data import registry

    registry._ensure_loaded()
    info = registry.DatasetInfo("fake_missing", "series", "a test entry", loader=lambda: None,
                                package="rnnkit_no_such_package_xyz", install="pip install rnnkit-no-such-package",
                                size="3 rows")
    monkeypatch.setitem(registry._REGISTRY, "fake_missing", info)
    code, out, _ = run_cli(["datasets", "--json"], capsys)
    row = next(d for d in json.loads(out)["datasets"] if d["name"] == "fake_missing")
    assert row["available"] is False and row["install"] == "pip install rnnkit-no-such-package"
    code, out, _ = run_cli(["datasets", "--kind", "series"], capsys)
    assert code == 0 and "fake_missing: pip install rnnkit-no-such-package" in out
    assert out.splitlines()[0].split()[:4] == ["name", "kind", "size", "available"]
