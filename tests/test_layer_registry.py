"""The layer registry (one name -> layer map for tasks, experiments and benchmarks), the shared layer base,
the "how to add a cell" recipe of docs/design.md, and the core's import layering.

Oracles: torch.nn (through each layer's own to_torch), layers run by hand, and the source's own imports.
"""

import ast
import doctest
import re
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.layers import StackedLayer
from rnnkit.layers.bidirectional import _flip_layout

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]
BUILT_IN = ["elman", "elman_relu", "elman_tanh", "gru", "lstm", "mingru", "minlstm"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_name_builds_a_layer_with_the_common_call(name):
    layer = rnnkit.make_layer(name, 3, 5, num_layers=2, batch_first=True, dtype=torch.float64)
    assert isinstance(layer, StackedLayer) and (layer.input_size, layer.hidden_size, layer.num_layers) == (3, 5, 2)
    x, lengths = torch.randn(4, 6, 3, dtype=torch.float64), torch.tensor([6, 2, 5, 1])
    y, state = layer(x, lengths=lengths)
    assert y.shape == (4, 6, 5) and (y[1, 2:] == 0).all()                   # padded steps emit zeros
    h = state[0] if isinstance(state, tuple) else state
    assert h.shape == (2, 4, 5)
    # the returned state is each sequence's last valid step: running that prefix alone gives the same
    y1, state1 = layer(x[1:2, :2])
    h1 = state1[0] if isinstance(state1, tuple) else state1
    assert torch.allclose(h[:, 1], h1[:, 0]) and torch.allclose(y[1, :2], y1[0])


@pytest.mark.parametrize("name,module,extra", [
    ("lstm", torch.nn.LSTM, {}), ("gru", torch.nn.GRU, {}), ("elman", torch.nn.RNN, {"nonlinearity": "tanh"}),
    ("elman_tanh", torch.nn.RNN, {"nonlinearity": "tanh"}), ("elman_relu", torch.nn.RNN, {"nonlinearity": "relu"}),
])
def test_registry_names_mean_the_torch_nn_computation(name, module, extra):
    layer = rnnkit.make_layer(name, 3, 4, bidirectional=True, dtype=torch.float64, engine="bptt")
    ref = layer.to_torch()
    assert type(ref) is module and all(getattr(ref, k) == v for k, v in extra.items())
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    assert torch.allclose(layer(x)[0], ref(x)[0])
    assert rnnkit.to_torch(layer).state_dict().keys() == ref.state_dict().keys()   # the function is the method


def test_unknown_names_and_types_are_typed_errors():
    with pytest.raises(ConfigError, match=r"cell: expected one of \[.*'lstm'.*\], got 'lstmm'"):
        rnnkit.make_layer("lstmm", 3, 4)
    with pytest.raises(InputTypeError, match="cell: expected a layer name .* got 3 \\(int\\)"):
        rnnkit.make_layer(3, 3, 4)
    with pytest.raises(InputTypeError, match="build: expected a callable"):
        rnnkit.register_layer("x", "not callable")
    with pytest.raises(InputTypeError, match="layer: expected an rnnkit RecurrentLayer .* got MinGRU"):
        rnnkit.to_torch(rnnkit.MinGRU(3, 4))
    with pytest.raises(InputTypeError, match="^kwargs: .*'mingru'.*got engine$"):  # a MinGRU has no engine option
        rnnkit.make_layer("mingru", 3, 4, engine="bptt")


def test_registered_cells_and_layers_reach_the_experiments(scratch_registry):
    from rnnkit.cells.elman import ElmanTanh
    from rnnkit.experiments import build_layer, compare_cells

    class Tanh2(ElmanTanh):
        name, native = "tanh2", None

    rnnkit.register_cell(Tanh2())
    rnnkit.register_layer("lstm_ln", lambda i, h, **kw: rnnkit.LSTM(i, h, layer_norm=True, **kw), "LN-LSTM")
    rnnkit.register_layer("wide_gru", lambda i, h, **kw: rnnkit.GRU(i, 2 * h, **kw), "GRU of twice the size")
    assert {"tanh2", "lstm_ln", "wide_gru"} <= set(rnnkit.available_layers())
    layer = rnnkit.make_layer("tanh2", 3, 4)
    assert type(layer) is rnnkit.RecurrentLayer and layer.cell.name == "tanh2"
    assert rnnkit.make_layer("wide_gru", 3, 4).hidden_size == 8
    cells = compare_cells()
    # a new cell and a layer over a new cell are compared; names whose cell the table already runs (aliases,
    # a resized GRU) and scan layers are not
    assert cells[:4] == ["elman", "irnn", "lstm", "gru"] and {"tanh2", "lstm_ln"} <= set(cells)
    assert not {"elman_tanh", "elman_relu", "wide_gru", "mingru", "minlstm"} & set(cells)
    ln = build_layer("lstm_ln", 2, 3, forget_bias=2.0)                    # the keep gate comes from the cell
    # with layer_norm the gate's bias is the shift after the normalisation (test_reliability_s12_layers.py)
    assert ln.layer_norm and ln.ln_ih_bias_l0[3:6].tolist() == [2.0] * 3 and ln.ln_hh_bias_l0[3:6].tolist() == [0.0] * 3
    with pytest.raises(ConfigError, match="cell: expected one of .* got 'mingru'"):
        build_layer("mingru", 2, 3)


@pytest.mark.parametrize("batch_first", [False, True])
def test_bidirectional_over_a_scan_layer_equals_the_two_layers_by_hand(batch_first):
    bi = rnnkit.Bidirectional(rnnkit.MinGRU(3, 4, num_layers=2, batch_first=batch_first, dtype=torch.float64),
                              merge="sum")
    x = torch.randn(2, 6, 3, dtype=torch.float64) if batch_first else torch.randn(6, 2, 3, dtype=torch.float64)
    lengths = torch.tensor([6, 3])
    y, h = bi(x, lengths=lengths)
    y_f, h_f = bi.forward_layer(x, lengths=lengths)
    y_b, h_b = bi.backward_layer(_flip_layout(x, lengths, batch_first), lengths=lengths)
    assert torch.allclose(y, y_f + _flip_layout(y_b, lengths, batch_first))
    assert torch.allclose(h, torch.cat((h_f, h_b), 0)) and bi.output_size == 4


def test_base_checks_and_initial_state_are_shared():
    for layer in (rnnkit.LSTM(3, 4, num_layers=2), rnnkit.MinLSTM(3, 4, num_layers=2)):
        with pytest.raises(InputTypeError, match="state: expected a tensor|state: expected a tuple"):
            layer(torch.randn(5, 2, 3), state=[1, 2])
        with pytest.raises(ConfigError, match="step: expected a unidirectional layer"):
            type(layer)(3, 4, bidirectional=True).step(torch.randn(2, 3))
        zeros = layer.initial_state(2)
        y0 = layer(torch.randn(5, 2, 3), state=zeros)[0]
        assert y0.shape == (5, 2, 4)
    assert repr(rnnkit.MinGRU(3, 4, scan="log")) == "MinGRU(3, 4, scan='log')"
    assert repr(rnnkit.GRU(3, 4, engine="bptt", zoneout=0.1)) == "GRU(cell=gru, 3, 4, zoneout=0.1, engine='bptt')"


def test_how_to_add_a_cell_recipe_runs(scratch_registry):
    """The doctest block of docs/design.md, section "How to add a cell", runs and holds."""
    text = (ROOT / "docs" / "design.md").read_text()
    section = re.search(r"### How to add a cell\n(.*?)\n## ", text, re.S)
    assert section, "docs/design.md has no 'How to add a cell' section"
    body = re.sub(r"^```\w*$", "", section.group(1), flags=re.M)       # markdown fences end the examples
    test = doctest.DocTestParser().get_doctest(body, {}, "how_to_add_a_cell", "docs/design.md", 0)
    assert len(test.examples) >= 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries == len(test.examples)


def _imports(path: Path, module: str) -> set[str]:
    """Every rnnkit module ``path`` imports, at module level or inside functions."""
    out = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("rnnkit")}


def test_core_imports_only_go_down():
    """cells import nothing above them, engine no layer, layers no training/task/CLI; and no circle
    among the core modules (function-level imports count)."""
    src = ROOT / "src"
    forbidden = {"cells": ("rnnkit.engine", "rnnkit.layers", "rnnkit.training", "rnnkit.tasks", "rnnkit.cli"),
                 "engine": ("rnnkit.layers", "rnnkit.training", "rnnkit.tasks", "rnnkit.cli"),
                 "layers": ("rnnkit.training", "rnnkit.tasks", "rnnkit.cli")}
    graph = {}
    for folder, banned in forbidden.items():
        for path in sorted((src / "rnnkit" / folder).glob("*.py")):
            module = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
            imports = _imports(path, module)
            bad = sorted(m for m in imports if m.startswith(banned) or m == "rnnkit")
            assert not bad, f"{module} imports {bad}"
            graph[module] = {m for m in imports if not (path.name == "__init__.py" and m.startswith(module + "."))}
    names = set(graph)

    def reach(start):  # modules reachable from start through core modules
        seen, todo = set(), [start]
        while todo:
            for m in graph.get(todo.pop(), ()):
                m = m if m in names else m.rpartition(".")[0]
                if m in names and m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    circles = sorted(m for m in names if m in reach(m))
    assert not circles, f"import circles through {circles}"
