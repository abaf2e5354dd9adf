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


# ------------------------------------------------------------------------------------ the task commands
TASK_COMMANDS = ("classify", "tag", "tsc", "generate", "translate")


def _actions(command):
    """The action parsers of a task command: name -> parser."""
    parser = cli_main.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    acts = next(a for a in sub.choices[command]._actions if isinstance(a, argparse._SubParsersAction))
    return acts.choices


@pytest.mark.parametrize("command", TASK_COMMANDS)
def test_every_task_action_takes_threads_and_documents_every_flag(command):
    for action, p in _actions(command).items():
        opts = {o: a for a in p._actions for o in a.option_strings}
        assert opts["--threads"].default == 1, (command, action)       # one documented default
        undocumented = [o for o, a in opts.items() if not a.help]
        assert not undocumented, (command, action, undocumented)
        text = p.format_help()
        options = text[text.index("\noptions:"):]
        for a in p._actions:   # every default worth showing is shown in the flag's own help
            if a.option_strings and a.default is not None and a.default is not False and "-h" not in a.option_strings:
                block = options[options.index("\n  " + a.option_strings[-1]) + 3:]
                block = block[: block.find("\n  -") if "\n  -" in block else None]
                shown = " ".join(block.split())
                assert f"(default: {a.default})" in shown or "(default: a " in shown, (command, action, a.option_strings)
        assert "\n    rnnkit " in text   # the examples keep their line breaks


@pytest.mark.parametrize("command", ["serve", "export"])
def test_deploy_commands_take_threads_and_show_every_default(command, monkeypatch, capsys):
    parser = cli_main.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    p = sub.choices[command]
    opts = {o: a for a in p._actions for o in a.option_strings}
    assert opts["--threads"].default == 1
    text = " ".join(p.format_help().split())
    for a in p._actions:
        if a.option_strings and a.default not in (None, False) and "-h" not in a.option_strings:
            assert f"(default: {a.default})" in text, a.option_strings
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    code, _, err = run_cli([command, "--run", "nowhere", "--threads", "0"], capsys)
    assert code == 2 and err.count("\n") == 1 and calls == []    # one usage line: --threads or --run
    if command == "serve":                                       # serve applies --threads before anything
        assert "--threads: expected an int >= 1, got 0" in err


def test_threads_are_applied_and_checked(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    code, _, err = run_cli(["classify", "predict", "--run", "nowhere", "--threads", "3"], capsys)
    assert code == 1 and calls == [3] and "no such folder" in err   # applied before the run is read
    code, _, err = run_cli(["tsc", "evaluate", "--run", "nowhere", "--threads", "0"], capsys)
    assert code == 2 and "--threads: expected an int >= 1, got 0" in err and calls == [3]


def _order_texts(n):
    words = ["ka", "lo", "mi", "nu", "po"]
    rng = torch.Generator().manual_seed(0)
    texts, labels = [], []
    for i in range(n):
        a, b = (words[int(j)] for j in torch.randint(0, 5, (2,), generator=rng))
        first = "xa" if i % 2 == 0 else "yo"
        texts.append(f"{a} {first} {b} {'yo' if first == 'xa' else 'xa'}")
        labels.append("xy" if first == "xa" else "yx")
    return texts, labels


def _write_task_data(tmp_path):
    """Tiny files for every task command and the flags that train on them quickly."""
    import csv

    texts, labels = _order_texts(40)
    with open(tmp_path / "rev.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["review", "stars"])
        w.writerows(zip(texts, labels))
    rows = ["sid,t,cls,v"] + [f"s{i},{t},{'up' if i % 2 else 'down'},{(t if i % 2 else -t) + 0.1 * i}"
                              for i in range(12) for t in range(5)]
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "d.conll").write_text("\n\n".join(["ka\tB-x\nlo\tO", "mi\tO\nnu\tO\npo\tB-x"] * 8) + "\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("the cat sat on the mat.\nthe dog sat on the log.\n" * 8, encoding="utf-8")
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in [("one", "un"), ("two", "deux"),
                                                                      ("three", "trois")] * 8), encoding="utf-8")
    return {
        "classify": ["--csv", tmp_path / "rev.csv", "--text-col", "review", "--label-col", "stars", "--epochs", "2",
                     "--min-freq", "1", "--hidden-size", "4", "--embed-dim", "4",
                     "--embeddings", "minilm"],   # file formats and flags, not the default's encoder (its tests: s31_A)
        "tsc": ["--csv", tmp_path / "long.csv", "--id-col", "sid", "--time-col", "t", "--label-col", "cls",
                "--epochs", "2", "--hidden-size", "4"],
        "tag": ["--conll", tmp_path / "d.conll", "--epochs", "2", "--word-dim", "4", "--char-dim", "4",
                "--char-hidden", "4", "--hidden-size", "4"],
        "generate": ["--text", tmp_path / "t.txt", "--rounds", "2", "--hidden-size", "8", "--embed-dim", "4",
                     "--batch-size", "2", "--bptt", "5", "--chunks-per-round", "2"],
        "translate": ["--tsv", tmp_path / "p.tsv", "--epochs", "2", "--embed-dim", "4", "--enc-hidden", "4",
                      "--dec-hidden", "8", "--beam", "1"],
    }


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("command", TASK_COMMANDS)
def test_train_keeps_one_line_per_epoch_and_writes_metrics_jsonl(command, tmp_path, capsys):
    flags = _write_task_data(tmp_path)[command]
    run = tmp_path / "run"
    code, out, err = run_cli([command, "train", *map(str, flags), "--out", str(run), "--json"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    lines = [ln for ln in err.splitlines() if ln.startswith("epoch ")]
    assert rows and len(lines) == len(rows) and lines[0].startswith(f"epoch 1/")
    assert "metrics.jsonl" in json.loads((run / "digests.json").read_text())["sha256"]
    result = json.loads(out)
    assert result["metrics"] and result["baseline"] and result["test_size"] > 0
    split = json.loads((run / "split.json").read_text())
    assert "test" in split   # the held-out part is recorded
    code, _, err = run_cli([command, "train", *map(str, flags), "--out", str(tmp_path / "q"), "--quiet"], capsys)
    assert code == 0 and not [ln for ln in err.splitlines() if ln.startswith("epoch ")]


@pytest.mark.usefixtures("one_thread")
def test_a_run_remembers_its_columns_and_its_held_out_part(tmp_path, capsys):
    flags = _write_task_data(tmp_path)
    run = tmp_path / "run"
    code, out, _ = run_cli(["classify", "train", *map(str, flags["classify"]), "--out", str(run), "--quiet", "--json"],
                           capsys)
    trained = json.loads(out)
    # no data flag: the run's own held-out part, read from its file with its columns
    code, out, err = run_cli(["classify", "evaluate", "--run", str(run), "--json"], capsys)
    assert code == 0, err
    ev = json.loads(out)
    assert ev["n"] == trained["test_size"] and ev["metrics"] == trained["metrics"]
    # another CSV with the run's column names: read without --text-col/--label-col
    (tmp_path / "more.csv").write_text("review,stars\nka xa lo yo,xy\nmi yo nu xa,yx\n", encoding="utf-8")
    code, out, err = run_cli(["classify", "evaluate", "--run", str(run), "--csv", str(tmp_path / "more.csv"), "--json"],
                             capsys)
    assert code == 0 and json.loads(out)["n"] == 2, err
    code, out, err = run_cli(["classify", "predict", "--run", str(run), "--csv", str(tmp_path / "more.csv"), "--json"],
                             capsys)
    pred = json.loads(out)
    assert code == 0 and pred["rows"] == [2, 3] and len(pred["probabilities"]) == 2
    assert all(abs(sum(p.values()) - 1) < 1e-5 and set(p) == {"xy", "yx"} for p in pred["probabilities"])
    # typed flags still win: a column that is not there
    code, _, err = run_cli(["classify", "evaluate", "--run", str(run), "--csv", str(tmp_path / "more.csv"),
                            "--text-col", "text"], capsys)
    assert code == 1 and "expected column(s) ['text']" in err
    # tsc too: id/time/label columns of the long CSV
    code, _, err = run_cli(["tsc", "train", *map(str, flags["tsc"]), "--out", str(tmp_path / "ts"), "--quiet"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["tsc", "evaluate", "--run", str(tmp_path / "ts"), "--csv", str(tmp_path / "long.csv"),
                              "--json"], capsys)
    assert code == 0 and json.loads(out)["n"] == 12, err


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("command", ["generate", "translate"])
def test_text_predict_refuses_blank_lines_and_numbers_every_prediction(command, tmp_path, capsys):
    flags = _write_task_data(tmp_path)[command]
    run = tmp_path / "run"
    assert run_cli([command, "train", *map(str, flags), "--out", str(run), "--quiet"], capsys)[0] == 0
    extra = ["--length", "3"] if command == "generate" else []
    (tmp_path / "in.txt").write_text("the\n\nthe cat\n", encoding="utf-8")
    code, out, err = run_cli([command, "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), *extra],
                             capsys)
    assert code == 1 and out == "" and "blank line 2" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "in.txt").write_text("the\nthe cat\n", encoding="utf-8")
    code, out, err = run_cli([command, "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), *extra,
                              "--json"], capsys)
    assert code == 0 and json.loads(out)["lines"] == [1, 2] and len(json.loads(out)["predictions"]) == 2
