"""The defaults and signatures the docs state are the code's (session 28, helper D).

tests/test_docs_cli.py checks that the docs' command lines parse and that every flag they name exists; it does not
check what the docs say a flag's *default* is, nor the keyword defaults of the Python signatures they write out. A
reader believes both. Here each stated value is read from the doc (by a pattern that must still find it: a rewording
that loses it fails, so the claim is not dropped unchecked) and compared with the code's own value:

* a default stated in prose (``--bpe-size``, 8,000 units by default) is given to ``rnnkit``'s parser as typed, and the
  value the parser makes of it must equal that flag's default (so ``8,000``, ``2%``, ``on`` and ``false`` are read as
  the parser reads ``8000``, ``0.02``, ``true`` and ``false``);
* docs/hopfield.md's usage block (``rnnkit hopfield robustness [--n-units 200] ...``): every bracketed flag written
  with plain values is its command's default;
* README's "every command but serve takes --json, every one but serve and env takes --config FILE.toml", over every
  (sub)command the parser has;
* a signature written out in the docs (``Checkpointer(every_steps=None, keep=2)``): every name is a parameter of the
  callable and every literal default is the parameter's default (placeholders such as ``N`` or ``"onnx"|"torch-export"``
  are names only).

Parse and ``inspect`` only: nothing trains (the file takes a few seconds).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@cache
def _doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@cache
def _parser() -> argparse.ArgumentParser:
    from rnnkit.cli.main import build_parser

    return build_parser()


def _subparser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    p = _parser()
    for name in path:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        assert subs and name in subs[0].choices, f"rnnkit {' '.join(path)}: no such command"
        p = subs[0].choices[name]
    return p


def _action(path: tuple[str, ...], flag: str) -> argparse.Action:
    for a in _subparser(path)._actions:
        if flag in a.option_strings:
            return a
    pytest.fail(f"rnnkit {' '.join(path)} has no flag {flag}")


def _leaves(p: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, p
    for s in subs:
        for name, sp in s.choices.items():
            if sp.prog.split()[-1] == name:          # an alias (hopfield modern) shares its command's parser
                yield from _leaves(sp, path + (name,))


def _find(doc: str, pattern: str) -> re.Match:
    matches = list(re.finditer(pattern, _doc(doc)))
    assert len(matches) == 1, f"{doc}: expected the claim /{pattern}/ once, found it {len(matches)} times " \
                              "(reworded? keep the claim checkable, or update this test)"
    return matches[0]


def _typed(path: tuple[str, ...], flag: str, words: list[str]):
    """The value ``rnnkit PATH FLAG WORDS...`` gives the flag's destination (argparse's own conversion: the flag's
    type, nargs and choices; the command's other required flags are not needed for that)."""
    return _subparser(path)._get_values(_action(path, flag), list(words))


# --------------------------------------------------------------------------------------- defaults stated in prose
def _number(text: str) -> list[str]:
    return [text.replace(",", "")]


def _percent(text: str) -> list[str]:
    return [repr(int(text) / 100)]


def _words(mapping: dict[str, str] | None = None):
    return lambda text: [(mapping or {}).get(text, text)]


#: (doc, pattern whose one group is the stated value, command path, flag, the words to type for that value)
PROSE = [
    ("docs/tasks.md", r"`--bpe-size`, ([\d,]+) units by default", ("classify", "train"), "--bpe-size", _number),
    ("docs/tasks.md", r"\(`--tokenizer (\w+)`, the default\)", ("classify", "train"), "--tokenizer", _words()),
    ("docs/tasks.md", r"`--embeddings \{auto,own,minilm,use,context,e5\}`,\s+`embeddings`; default `(\w+)`", ("classify", "train"),
     "--embeddings", _words()),
    ("docs/tasks.md", r"`--char-bigrams \{off,sum,concat,auto\}`, `char_bigrams`; default `(\w+)`", ("classify", "train"),
     "--char-bigrams", _words()),
    ("docs/tasks.md", r"`--bigram-min-freq` \((\d+)\)", ("classify", "train"), "--bigram-min-freq", _number),
    ("docs/tasks.md", r"`--wide \{off,on\}`, `wide`; default `(\w+)`", ("classify", "train"), "--wide", _words()),
    ("docs/tasks.md", r"pooling \(`(\w+)`, the default", ("classify", "train"), "--pooling", _words()),
    ("docs/tasks.md", r"`--pretrain-epochs N`, `pretrain_epochs`; (\d+), the default", ("classify", "train"),
     "--pretrain-epochs", _number),
    ("docs/tasks.md", r"`--snapshots N`, `snapshots`; (\d+), the default", ("classify", "train"), "--snapshots", _number),
    ("docs/tasks.md", r"`--seeds N`, `seeds`; (\d+), the default", ("classify", "train"), "--seeds", _number),
    ("docs/tasks.md", r"`--refit true`, `refit`; default `(\w+)`", ("classify", "train"), "--refit", _words()),
    ("docs/tasks.md", r"`--adversarial EPS`, `adversarial`; default `([\d.]+)`", ("classify", "train"), "--adversarial",
     _number),
    ("docs/tasks.md", r"\*\*Combination\*\* \(`--combine (\w+)`, the default", ("classify", "train"), "--combine",
     _words()),
    ("docs/tasks.md", r"`--subword-member true` \((off) by default", ("classify", "train"), "--subword-member",
     _words({"off": "false"})),
    ("docs/tasks.md", r"rnnkit classify evaluate --run runs/sent --json +# the run's held-out (\d+)%",
     ("classify", "train"), "--test-fraction", _percent),
    ("docs/tasks.md", r"`--model (auto)` \(the default\)", ("tsc", "train"), "--model",
     _words()),
    ("docs/tasks.md", r"\(`--constrained (\w+)`, the default\)", ("tag", "train"), "--constrained", _words()),
    ("docs/tasks.md", r"a sentence longer than `max_len` \((\d+) tokens\)", ("tag", "train"), "--max-len", _number),
    ("docs/tasks.md", r"Patience is (\d+) since session 12", ("tag", "train"), "--patience", _number),
    ("docs/tasks.md", r"The defaults\s+\(`lr ([\d.e-]+)`, up to \d+ epochs\)", ("tag", "train"), "--lr", _number),
    ("docs/tasks.md", r"The defaults\s+\(`lr [\d.e-]+`, up to (\d+) epochs\)", ("tag", "train"), "--epochs", _number),
    ("docs/tasks.md", r"every training character \(`--min-freq` (\d+)\)", ("generate", "train"), "--min-freq", _number),
    ("docs/tasks.md", r"over the first `--warmup` \((\d+)%\) of the budget", ("generate", "train"), "--warmup", _percent),
    ("docs/tasks.md", r"`--baseline-order`, (\d+) by default", ("generate", "train"), "--baseline-order", _number),
    ("docs/tasks.md", r"\(`--split-compounds`, (on) by default\)", ("translate", "train"), "--split-compounds",
     _words({"on": "true"})),
    ("docs/tasks.md", r"fewer than `--min-count` (\d+) times", ("translate", "train"), "--min-count", _number),
    ("docs/tasks.md", r"\(`--label-smoothing` ([\d.]+)\)", ("translate", "train"), "--label-smoothing", _number),
    ("docs/tasks.md", r"`--average-last N` \((off) by default", ("translate", "train"), "--average-last",
     _words({"off": "0"})),
    ("docs/tasks.md", r"`--no-repeat-ngram (\d+)` \(an output never repeats", ("translate", "train"),
     "--no-repeat-ngram", _number),
    ("docs/tasks.md", r"`--repeat-top (\d+)`: only the", ("translate", "train"), "--repeat-top", _number),
    # translate train's --decode / --beam defaults follow --lexicon since session 33 (the parser's are None; make_config
    # picks them): tests/test_translate_channel_default_s33_lead.py checks the rule docs/tasks.md states
    ("docs/tasks.md", r"`--ensemble N` \(`ensemble`, off: (\d+)", ("translate", "train"), "--ensemble", _number),
    ("docs/tasks.md", r"`--align-weight W` \(`align_weight`, off: (\d+)", ("translate", "train"), "--align-weight",
     _number),
    ("docs/tasks.md", r"Texts longer than `--max-len` \((\d+)\) characters", ("translate", "train"), "--max-len",
     _number),
    ("docs/tasks.md", r"greedy chrF of up to (\d+) validation pairs", ("translate", "train"), "--val-max", _number),
    ("docs/tasks.md", r"validation pairs \((\d+)% of the training pairs\)", ("translate", "train"), "--val-fraction",
     _percent),
    ("docs/tasks.md", r"rnnkit translate evaluate --run runs/deen --json +# the run's held-out (\d+)%",
     ("translate", "train"), "--test-fraction", _percent),
    ("docs/forecasting.md", r"`ForecastConfig.model` \(`--model`\): `\"(\w+)\"` \(default\)", ("forecast",), "--model",
     _words()),
    ("docs/forecasting.md", r"`--quantiles`, default `\(([\d., ]+)\)`", ("forecast",), "--quantiles",
     lambda text: text.replace(",", " ").split()),
    ("docs/forecasting.md", r"`--backtest K` \(default (\d+)", ("forecast",), "--backtest", _number),
    ("docs/forecasting.md", r"`--threads N` sets torch's CPU threads \(default (\d+)", ("forecast",), "--threads",
     _number),
    ("docs/forecasting.md", r"`--esrnn-batch-series N` \(`ForecastConfig.esrnn_batch_series`, default (\d+)",
     ("forecast",), "--esrnn-batch-series", _number),
    ("docs/deploy.md", r"`--format` is `(\w+)` unless given", ("export",), "--format", _words()),
    ("docs/deploy.md", r"`--threads` \(default (\d+),\s+as every command\)", ("export",), "--threads", _number),
    ("docs/deploy.md", r"--port 8000 +# --host ([\d.]+) by default", ("serve",), "--host", _words()),
    ("docs/hopfield.md", r"`--threads K` \(default (\d+), as every rnnkit command\)", ("hopfield", "capacity"),
     "--threads", _number),
    ("docs/tasks.md", r"Every action takes `--threads N` \(\*\*(1) unless asked\*\*", ("tag", "predict"), "--threads",
     _number),
]


@pytest.mark.parametrize("doc, pattern, path, flag, words", PROSE,
                         ids=[f"{d.split('/')[-1]}:{' '.join(p)} {f}" for d, _, p, f, _ in PROSE])
def test_a_default_stated_in_prose_is_the_parsers(doc, pattern, path, flag, words):
    m = _find(doc, pattern)
    stated = next(g for g in m.groups() if g is not None)
    typed = _typed(path, flag, words(stated))
    default = _action(path, flag).default
    assert typed == default, f"{doc} says rnnkit {' '.join(path)} {flag} defaults to {stated!r} ({typed!r}); " \
                             f"the parser's default is {default!r}"


def test_serve_body_timeout_stated_default_is_the_services():
    """deploy.md: '--body-timeout SECONDS of its headers (default 60, rnnkit.serve.app.BODY_TIMEOUT ...)'. The flag's
    parser default is None (the service's constant is taken), so the doc is compared with that constant."""
    pytest.importorskip("fastapi")
    m = _find("docs/deploy.md", r"within `--body-timeout SECONDS` of its\s+headers \(default (\d+), "
                                r"`rnnkit\.serve\.app\.BODY_TIMEOUT`")
    assert _action(("serve",), "--body-timeout").default is None
    assert _typed(("serve",), "--body-timeout", [m.group(1)]) == importlib.import_module("rnnkit.serve.app").BODY_TIMEOUT


# ------------------------------------------------------------------------------------- hopfield.md's usage block
def test_hopfield_usage_block_shows_the_defaults():
    block = _find("docs/hopfield.md", r"(?s)```\n(rnnkit hopfield capacity .*?)```")
    lines = [ln for ln in block.group(1).splitlines() if ln.startswith("rnnkit hopfield ")]
    assert len(lines) == 4, lines
    checked = 0
    for line in lines:
        command = line.split()[2]
        for flag, values in re.findall(r"\[(--[\w-]+)((?: [^\]\s]+)*)\]", line):
            words = values.split()
            if not words or any("..." in w or "|" in w for w in words):
                continue                                  # a placeholder (`--loads ...`, `--mode async|sync`)
            path = ("hopfield", command)
            assert _typed(path, flag, words) == _action(path, flag).default, \
                f"hopfield.md shows `rnnkit hopfield {command} [{flag}{values}]`; its default is " \
                f"{_action(path, flag).default!r}"
            checked += 1
    assert checked >= 14, checked      # 15 at session 28, 14 since --picture-rule's default depends on --rules (s29)


# ------------------------------------------------------------------------------------------ README's --json rule
def test_every_command_but_serve_takes_json_and_config():
    """README: 'every command but serve takes --json ..., every one but serve and env takes --config FILE.toml'."""
    assert re.search(r"every command but `serve` takes `--json`.*?every one but `serve` and `env` takes "
                     r"`--config FILE\.toml`", _doc("README.md"), re.S), "README.md: the --json/--config rule is gone"
    seen = set()
    for path, p in _leaves(_parser()):
        flags = {f for a in p._actions for f in a.option_strings}
        seen.add(path[0])
        assert ("--json" in flags) == (path[0] != "serve"), f"rnnkit {' '.join(path)}: --json"
        assert ("--config" in flags) == (path[0] not in ("serve", "env")), f"rnnkit {' '.join(path)}: --config"
    assert {"serve", "env", "forecast", "classify"} <= seen


# ----------------------------------------------------------------------------------- signatures written out
#: (doc, the span's start as written, the callable)
SIGNATURES = [
    ("docs/training.md", "WarmupCosine(total_steps=N and/or", "rnnkit.training:WarmupCosine"),
    ("docs/training.md", "Checkpointer(every_steps=", "rnnkit.training:Checkpointer"),
    ("docs/training.md", "ProgressBar(stream=", "rnnkit.training:ProgressBar"),
    ("docs/training.md", "MetricLogger(path=None", "rnnkit.training:MetricLogger"),
    ("docs/training.md", "GradientFlowMonitor(every=", "rnnkit.training:GradientFlowMonitor"),
    ("docs/training.md", "EarlyStopping(monitor, mode, patience", "rnnkit.training:EarlyStopping"),
    ("docs/training.md", "EarlyStoppingConfig(monitor, mode=", "rnnkit.training:EarlyStoppingConfig"),
    ("docs/training.md", "OptimConfig(name=", "rnnkit.training:OptimConfig"),
    ("docs/training.md", "ScheduleConfig(name=", "rnnkit.training:ScheduleConfig"),
    ("docs/training.md", "LRSchedule(schedule, epochs=", "rnnkit.training:LRSchedule"),
    ("docs/training.md", "EpochBatches(make, length=", "rnnkit.training:EpochBatches"),
    ("docs/training.md", "save_checkpoint(run_dir, step=", "rnnkit.training:save_checkpoint"),
    ("docs/training.md", "warmup_cosine_lr(lr, frac, warmup)", "rnnkit.training.callbacks:warmup_cosine_lr"),
    ("docs/training.md", "rnnkit.cli.common.add_common(parser, seed=", "rnnkit.cli.common:add_common"),
    ("docs/deploy.md", "rnnkit.export(target, path, format=", "rnnkit.export:export"),
    ("docs/deploy.md", "InputSpec(name, shape, dtype=", "rnnkit.export:InputSpec"),
    ("docs/deploy.md", "rnnkit.export.load_runner(path, format)", "rnnkit.export:load_runner"),
    ("docs/hopfield.md", "HopfieldLayer(size, n_patterns=", "rnnkit.hopfield:HopfieldLayer"),
    ("docs/hopfield.md", "HopfieldPooling(input_size, n_queries=", "rnnkit.hopfield:HopfieldPooling"),
    ("docs/tasks.md", "split_indices(n, fraction, seed, at_least=", "rnnkit.tasks.base:split_indices"),
    ("docs/tasks.md", "tokenize(text, \"words\"|\"chars\", lowercase)", "rnnkit.data.vocab:tokenize"),
    ("docs/forecasting.md", "read_series_csv(path, time_col, date_format=", "rnnkit.data.series:read_series_csv"),
    ("docs/design.md", "RecurrentLayer(cell, input_size, hidden_size, num_layers", "rnnkit.layers.recurrent:RecurrentLayer"),
    ("docs/design.md", "Bidirectional.initial_state(batch_size, device=", "rnnkit.layers.bidirectional:Bidirectional.initial_state"),
]


def _arguments(span: str) -> list[str]:
    """The comma-separated pieces inside the span's outer parentheses."""
    inner = span[span.index("(") + 1:]
    pieces, depth, cur = [], 0, ""
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            pieces.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [p for p in (*pieces, cur.strip()) if p]


def _literal(text: str):
    """The value a default is written as, or ``...`` for a placeholder (``N``, ``None|int``, ``"min"|"max"``)."""
    text = " ".join(text.split())
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    if re.fullmatch(r"torch\.\w+", text):
        import torch

        return getattr(torch, text.split(".")[1])
    return ...


def _resolve(target: str):
    module, _, attrs = target.partition(":")
    obj = importlib.import_module(module)
    for a in attrs.split("."):
        obj = getattr(obj, a)
    return obj


@pytest.mark.parametrize("doc, start, target", SIGNATURES, ids=[s for _, s, _ in SIGNATURES])
def test_a_signature_written_in_the_docs_is_the_codes(doc, start, target):
    text = _doc(doc)
    at = text.find("`" + start)
    assert at >= 0, f"{doc}: the signature `{start}...` is gone (update this test with the doc)"
    span = text[at + 1:text.index("`", at + 1)]
    params = inspect.signature(_resolve(target)).parameters
    names = 0
    for piece in _arguments(span):
        name, eq, value = piece.partition("=")
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            continue                                       # a value written in a parameter's place ("words"|"chars")
        assert name in params, f"{doc}: `{span}` names {name!r}, which {target} does not take " \
                               f"(its parameters: {list(params)})"
        names += 1
        stated = _literal(value) if eq and value.strip() else ...
        if stated is ...:
            continue
        default = params[name].default
        assert default is not inspect.Parameter.empty, f"{doc}: `{span}` gives {name} a default; {target} has none"
        assert default == stated and type(default) is type(stated) or \
            isinstance(default, tuple) and isinstance(stated, tuple) and default == stated, \
            f"{doc}: `{span}` says {name}={value.strip()}; {target}'s default is {default!r}"
    assert names, f"{doc}: no parameter read from `{span}`"
