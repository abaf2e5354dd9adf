"""Session 22's hostile review (helper V) of the core library: layers, engines, Hopfield, export, serve. Each test
fails on the code before its fix."""

from __future__ import annotations

import importlib
import json

import pytest
import torch


def _embedding_model():
    """A token-id model (embedding + rnnkit GRU) as a text classifier's graph is: ids (batch, time) [+ lengths] ->
    outputs; ids and lengths of any integer dtype."""
    import rnnkit

    class Ids(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed, self.rnn = torch.nn.Embedding(5, 3), rnnkit.GRU(3, 4, batch_first=True)

        def forward(self, ids, lengths=None):
            return self.rnn(self.embed(ids.long()), lengths=None if lengths is None else lengths.long())[0]

    torch.manual_seed(0)
    return Ids().eval()


# ------------------------------------------------------------------ export.load_runner: token ids outside the table
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torch-export", ".pt2")])
def test_load_runner_refuses_token_ids_outside_the_embedding(fmt, suffix, tmp_path):
    """onnxruntime's Gather reads a negative index from the end of the table: id -1 ran as the last token's row
    (the outputs of id 4, silently), where the torch runtimes refuse it (IndexError), and an id past the table was
    onnxruntime's 'INVALID_ARGUMENT : ... running Gather node. Name:'node_embedding'' naming its graph. FILE.json
    now records an ids input's 'high' (the table's rows) and the runner refuses ids outside [0, high) before the
    runtime reads them, in both formats. Oracle: the model itself on the ids within the table."""
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
        pytest.importorskip("onnx")
    from rnnkit.errors import DataError
    from rnnkit.export import export, load_runner
    from rnnkit.export.signature import InputSpec

    model, path = _embedding_model(), tmp_path / f"m{suffix}"
    export(model, path, format=fmt, inputs=[InputSpec("ids", ("batch", "time"), torch.long, "ids", high=5)])
    assert json.loads((tmp_path / f"m{suffix}.json").read_text())["inputs"][0]["high"] == 5
    run = load_runner(path, fmt)
    ok = torch.tensor([[1, 2, 4], [0, 3, 1]])
    with torch.no_grad():
        assert abs(run(ok)[0] - model(ok).numpy()).max() <= 1e-5          # ids in [0, 5) run as before
    for bad, got in (([[1, 2, -1]], "min -1, max 2"), ([[1, 2, 5]], "min 1, max 5")):
        with pytest.raises(DataError, match=rf"^ids: expected token ids in \[0, 5\) \(the rows of the exported "
                                            rf"embedding\), got {got}$"):
            run(torch.tensor(bad))


def test_load_runner_refuses_negative_ids_with_a_description_without_high(tmp_path):
    """A description written before 'high' was recorded still bounds ids below: no token id is negative."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from rnnkit.errors import DataError
    from rnnkit.export import export, load_runner
    from rnnkit.export.signature import InputSpec
    from rnnkit._io import atomic_write_json

    model, path = _embedding_model(), tmp_path / "m.onnx"
    export(model, path, inputs=[InputSpec("ids", ("batch", "time"), torch.long, "ids", high=5)])
    side = tmp_path / "m.onnx.json"
    info = json.loads(side.read_text())
    del info["inputs"][0]["high"]
    atomic_write_json(side, info)
    run = load_runner(path, "onnx")
    with pytest.raises(DataError, match=r"^ids: expected token ids >= 0 \(the rows of the exported embedding\), "
                                        r"got min -1, max 2$"):
        run(torch.tensor([[1, 2, -1]]))
    with torch.no_grad():
        assert abs(run(torch.tensor([[1, 2, 4]]))[0] - model(torch.tensor([[1, 2, 4]])).numpy()).max() <= 1e-5


# ------------------------------------------------------------ export.load_runner: the bytes checked are the bytes run
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torch-export", ".pt2")])
def test_load_runner_runs_the_bytes_it_checked_not_a_file_replaced_after(fmt, suffix, tmp_path, monkeypatch):
    """load_runner checked the file's sha256 against FILE.json, then the runtime read the file again by its path:
    a file replaced in between (another export written there, as a deploy script does) ran unchecked -- the other
    model's outputs, silently, under the first one's description. The runtime now loads the bytes that were
    checked. The replacement is made right after the digest is computed (whichever helper computes it). Oracle: the
    exported model's own outputs, and the replacement's, which differ."""
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
        pytest.importorskip("onnx")
    import rnnkit
    api = importlib.import_module("rnnkit.export.api")   # rnnkit.export is also the function
    from rnnkit.export import export, load_runner

    torch.manual_seed(0)
    first, other = rnnkit.GRU(3, 4, batch_first=True).eval(), rnnkit.GRU(3, 4, batch_first=True).eval()
    path = tmp_path / f"m{suffix}"
    export(first, path, format=fmt, state=False)
    export(other, tmp_path / f"other{suffix}", format=fmt, state=False)
    replacement = (tmp_path / f"other{suffix}").read_bytes()

    def then_replace(digest):
        def wrapped(arg):
            out = digest(arg)
            path.write_bytes(replacement)     # the file changes on disk once its digest is known
            return out
        return wrapped

    monkeypatch.setattr(api, "sha256_file", then_replace(api.sha256_file))
    monkeypatch.setattr(api, "sha256_bytes", then_replace(api.sha256_bytes))
    run = load_runner(path, fmt)
    assert path.read_bytes() == replacement
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        want, theirs = first(x)[0].numpy(), other(x)[0].numpy()
    assert abs(want - theirs).max() > 1e-2
    assert abs(run(x)[0] - want).max() <= 1e-5


# ------------------------------------------------------------------ serve: the Allow header of a 405
def test_serve_405_allows_every_method_the_path_serves(tmp_path):
    """A 405's Allow header must list the methods the resource supports (RFC 9110 15.5.6): OPTIONS /health said
    'Allow: GET', though HEAD /health is served since session 16 (a route of its own, which starlette's 405 did not
    look at), so a client honouring the header never sent the HEAD probe. Oracle: the server's own answers to each
    method of each path -- a method is in Allow exactly when it is not a 405."""
    from toy_data import seasonal_service

    client, _service = seasonal_service(tmp_path)
    with client:
        for path in ("/health", "/forecast", "/observations"):
            r = client.options(path)
            assert r.status_code == 405
            allowed = r.headers["allow"].split(", ")
            served = [m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
                      if client.request(m, path, json={}).status_code != 405]
            assert allowed == sorted(served) and r.json()["error"] == \
                f"OPTIONS {path}: Method Not Allowed (allowed: {', '.join(allowed)})"
        assert client.get("/observations").headers["allow"] == "POST"


# ------------------------------------------------------------------ export.load_runner: a link to an export
def test_load_runner_through_a_symlink_reads_the_description_beside_the_file(tmp_path):
    """A deploy's 'latest.onnx -> v3/model.onnx' link has no FILE.json beside it (the description is beside the file
    it points to), so load_runner took it for a file without a description: the sha256 went unchecked (an edited
    model ran) and so did the feed (lengths 9 at T = 5 ran as 5). The description beside the link's target is read.
    Oracle: the same calls through the file's own path."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import rnnkit
    from rnnkit.errors import CheckpointError, ShapeError
    from rnnkit.export import export, load_runner

    (tmp_path / "v3").mkdir()
    real, link = tmp_path / "v3" / "model.onnx", tmp_path / "latest.onnx"
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, batch_first=True).eval()
    export(layer, real, state=False, lengths=True)
    link.symlink_to(real)
    x, lengths = torch.randn(2, 5, 3), torch.tensor([9, 2])
    for path in (real, link):
        run = load_runner(path, "onnx")
        with torch.no_grad():
            want = layer(x, lengths=torch.tensor([5, 2]))[0].numpy()
        assert abs(run(x, torch.tensor([5, 2]))[0] - want).max() <= 1e-5
        with pytest.raises(ShapeError, match=r"^lengths: expected values in \[0, 5\]"):
            run(x, lengths)
    data = bytearray(real.read_bytes())
    data[-1] ^= 1                                  # an edit after the export
    real.write_bytes(bytes(data))
    for path in (real, link):
        with pytest.raises(CheckpointError, match=r"^path: expected the file model\.onnx\.json describes"):
            load_runner(path, "onnx")


# ------------------------------------------------------------------ serve: a run whose last save was interrupted
def _monthly(level: float, seed: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    t = np.arange(100)
    return pd.Series(level + 0.2 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=100),
                     index=pd.date_range("2000-01-01", periods=100, freq="MS"), name="sales")


def test_serve_takes_updates_of_a_run_whose_interrupted_save_its_load_completed(tmp_path, monkeypatch):
    """A forecaster's save is one certified replacement; killed past its commit point it leaves the staged files and
    .replacing.json, and the next load completes it (74ea65c). The service took the run's stamp (inodes, mtimes)
    BEFORE loading, so the load's own completion read as a replacement while serving: every POST /observations was a
    503 'replaced or removed while serving ... restart the server', from the first one. The stamp (and the settings)
    are now those of the files loaded. Oracle: B's own forecast, and B loaded and updated with the same point."""
    import numpy as np
    import pandas as pd

    import rnnkit.training.certified as certified
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    tiny = dict(hidden_size=8, epochs=2, selection_epochs=1, windows_per_epoch=64, batch_size=32)
    torch.manual_seed(0)
    a = Forecaster("gru", horizon=3, lookback=12, **tiny).fit(_monthly(50, 0))
    b = Forecaster("gru", horizon=3, lookback=12, seed=1, **tiny).fit(_monthly(5000, 1))
    run = tmp_path / "run"
    a.save(run)
    with monkeypatch.context() as m:   # B's save stops past its commit point, as a kill -9 there leaves it
        m.setattr(certified, "finish_replace", lambda folder: None)
        # as a save of rnnkit before session 24 left it (since, a save over a run moves the earlier run aside and
        # a kill rolls it back: tasks.forecasting.save_backup; a load still completes what an older one left)
        m.setattr("rnnkit.tasks.forecasting.save_backup.begin", lambda *args: None)
        b.save(run)
    assert (run / certified.JOURNAL).is_file()
    service = open_service(run, tmp_path / "state")
    try:
        served = json.loads(service.forecast())["forecast"]
        assert np.allclose([r["value"] for r in served], b.predict()["value"].to_numpy(), rtol=0, atol=1e-9)
        time = service.health()["next_time"]["sales"]
        reply = json.loads(service.observe([{"id": "sales", "time": time, "value": 5100.0}]))
    finally:
        service.close()
    new = Forecaster.load(run).update(pd.Series([5100.0], index=pd.DatetimeIndex([pd.Timestamp(time)])))
    assert reply["accepted"] == 1
    assert np.allclose([r["value"] for r in reply["forecast"]], new["value"].to_numpy(), rtol=0, atol=1e-9)


# ------------------------------------------------------------------ layers: to_torch of a reparametrised layer
def test_to_torch_of_a_parametrized_layer_is_refused_as_from_torch_refuses_one():
    """A layer under weight norm (torch.nn.utils.parametrizations.weight_norm, which design.md says works as with
    torch.nn) was converted with load_state_dict of its state_dict, whose keys are the parametrisation's parts: torch's
    multi-line RuntimeError 'Missing key(s) in state_dict: "weight_hh_l0". Unexpected key(s) ...'. It is refused
    with the one-line InputTypeError from_torch gives for the same module in torch.nn, naming the fix; once the
    parametrisation is removed (its current weights kept), the conversion computes what the layer computes."""
    import rnnkit
    from rnnkit.errors import InputTypeError
    from torch.nn.utils import parametrize
    from torch.nn.utils.parametrizations import weight_norm

    torch.manual_seed(0)
    layer = weight_norm(rnnkit.LSTM(3, 4), "weight_hh_l0")
    twin = weight_norm(torch.nn.LSTM(3, 4), "weight_hh_l0")
    with pytest.raises(InputTypeError) as theirs:
        rnnkit.from_torch(twin)
    for convert in (layer.to_torch, lambda: rnnkit.to_torch(layer)):
        with pytest.raises(InputTypeError) as ours:
            convert()
        assert str(ours.value) == str(theirs.value).replace("module:", "layer:") == (
            "layer: expected plain weights, got parametrized ['weight_hh_l0'] "
            "(torch.nn.utils.parametrize.remove_parametrizations first)")
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        want = layer(x)[0]
    parametrize.remove_parametrizations(layer, "weight_hh_l0")
    with torch.no_grad():
        assert torch.allclose(layer.to_torch()(x)[0], want, atol=1e-6)


# ------------------------------------------------------------------ export.load_runner: what a path that is no file is
def test_load_runner_names_what_a_path_that_is_no_file_is(tmp_path):
    """load_runner said '(no such file)' of every path that is not a regular file: a folder (a run folder given for
    its export) and a broken link (latest.onnx after v3/ was removed) exist, and the user looked for a typo. Oracle:
    rnnkit._io.not_a_file_reason, the project's words for each kind, and the plain missing path."""
    from rnnkit.errors import CheckpointError
    from rnnkit.export import load_runner

    (tmp_path / "run").mkdir()
    (tmp_path / "latest.pt2").symlink_to(tmp_path / "gone.pt2")
    for name, reason in (("run", "a folder"), ("latest.pt2", "a broken symbolic link"), ("none.pt2", "not found")):
        with pytest.raises(CheckpointError, match=rf"^path: expected an exported model file, got '.*{name}' "
                                                  rf"\({reason}\)$"):
            load_runner(tmp_path / name, "torch-export")


# ------------------------------------------------------------------ serve: a reply names a key, it does not echo it
def test_serve_names_an_unknown_key_or_path_cut_not_echoed_whole(tmp_path):
    """An unknown field is a 422 naming it, and the name was the whole key: a 1 MB key came back as a reply of
    1,000,045 bytes (16 MB within the body limit), where every value a reply names is cut to 60 characters
    (services._short); a long unknown path was echoed whole by the 404. Oracle: a short unknown key's reply (named
    whole, as before) and the cut value of the same request's other errors."""
    from toy_data import seasonal_service

    client, _service = seasonal_service(tmp_path)
    key = "k" * 1_000_000
    ok = {"id": "series", "time": 60, "value": 1.0}
    with client:
        short = client.post("/observations", json={"observations": [{**ok, "extra": 2}]})
        assert (short.status_code, short.json()["error"]) == (422, "observations[0].extra: expected no such field, "
                                                                   "got one")
        for body, where in (({"observations": [ok], key: 1}, ""), ({"observations": [{**ok, key: 2}]},
                                                                   "observations[0].")):
            r = client.post("/observations", json=body)
            assert r.status_code == 422 and len(r.content) < 200
            assert r.json()["error"] == f"{where}{'k' * 57}...: expected no such field, got one"
        r = client.get("/" + "p" * 60_000)
        assert r.status_code == 404 and len(r.content) < 1_000
        assert r.json()["error"].startswith(f"GET /{'p' * 196}...: expected one of ")


# ------------------------------------------------------------------ serve journal: a journal without its meta.json
def test_a_journal_without_its_meta_json_is_refused_not_adopted(tmp_path):
    """STATE/meta.json names the run a journal was made on (written before the first entry), and a journal made on
    another run is refused (docs/deploy.md). A journal.jsonl copied into another run's state folder without it (or
    whose meta.json was deleted) was adopted: meta.json was written for the run at hand and the foreign observations
    replayed over it, served as its own. Oracle: the same state folder with its meta.json reopens and replays."""
    import shutil

    from rnnkit.errors import CheckpointError
    from rnnkit.serve.services import open_service
    from toy_data import seasonal_service

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _client, service = seasonal_service(tmp_path / "a")
    time = service.health()["next_time"]["series"]
    service.observe([{"id": "series", "time": time, "value": 99.0}])
    service.close()
    again = open_service(tmp_path / "a" / "run", tmp_path / "a" / "state")   # with its meta.json: replayed
    assert again.health()["updates"] == 1
    again.close()
    _, other = seasonal_service(tmp_path / "b")
    other.close()
    state = tmp_path / "b" / "copied"
    state.mkdir()
    shutil.copy(tmp_path / "a" / "state" / "journal.jsonl", state / "journal.jsonl")
    (tmp_path / "a" / "state" / "meta.json").unlink()
    for run, folder in ((tmp_path / "b" / "run", state), (tmp_path / "a" / "run", tmp_path / "a" / "state")):
        with pytest.raises(CheckpointError, match=r"^state: expected '.*meta\.json' beside the journal .* got none"):
            open_service(run, folder)
        assert not (folder / "meta.json").exists()
    fresh = open_service(tmp_path / "b" / "run", tmp_path / "b" / "empty")      # an empty state folder starts afresh
    assert fresh.health()["updates"] == 0
    fresh.close()


# ------------------------------------------------------------------ export: ids / lengths in the dtype the spec names
@pytest.mark.parametrize("ids_dtype, lengths_dtype", [(torch.long, torch.int32), (torch.int32, torch.long)])
def test_an_export_traces_ids_and_lengths_in_the_dtype_its_input_spec_names(ids_dtype, lengths_dtype, tmp_path):
    """GraphSpec.sample drew ids and lengths as int64 whatever their InputSpec said: the graph was traced with int64
    while FILE.json recorded the spec's dtype (int32), so load_runner refused every feed -- int64 by its own feed
    check ('expected dtype int32 (the exported graph's)'), int32 by onnxruntime ('INVALID_ARGUMENT : Unexpected input
    data type ... expected: (tensor(int64))'). They are drawn in the spec's dtype. Oracle: the model itself, fed the
    same tensors; an ids dtype that cannot hold every id is refused."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from rnnkit.errors import ConfigError
    from rnnkit.export import export, load_runner
    from rnnkit.export.signature import InputSpec

    model, path = _embedding_model(), tmp_path / "m.onnx"
    export(model, path, inputs=[InputSpec("ids", ("batch", "time"), ids_dtype, "ids", high=5),
                                InputSpec("lengths", ("batch",), lengths_dtype, "lengths")])
    recorded = [i["dtype"] for i in json.loads((tmp_path / "m.onnx.json").read_text())["inputs"]]
    assert recorded == [str(ids_dtype)[6:], str(lengths_dtype)[6:]]
    ids, lengths = torch.tensor([[1, 2, 4], [3, 0, 0]], dtype=ids_dtype), torch.tensor([3, 1], dtype=lengths_dtype)
    with torch.no_grad():
        assert abs(load_runner(path, "onnx")(ids, lengths)[0] - model(ids, lengths).numpy()).max() <= 1e-5
    with pytest.raises(ConfigError, match=r"^InputSpec.high: expected ids that torch.int8 holds exactly "
                                          r"\(high <= 128\)"):
        InputSpec("ids", ("batch", "time"), torch.int8, "ids", high=300)
    with pytest.raises(ConfigError, match=r"^InputSpec.dtype: expected an integer \(or real\) dtype for kind "
                                          r"'lengths'"):
        InputSpec("lengths", ("batch",), torch.bool, "lengths")


# ------------------------------------------------------------------ export.load_runner: inputs on another device
@pytest.mark.parametrize("fmt, suffix", [("onnx", ".onnx"), ("torch-export", ".pt2")])
def test_load_runner_names_an_input_on_another_device(fmt, suffix, tmp_path):
    """Both runners run on the CPU; an input on another device (a CUDA tensor, a meta one) was torch's error naming no
    input ("can't convert meta device type tensor to numpy", "Tensor.item() cannot be called on meta tensors" from the
    lengths check, "Tensor on device meta is not on the expected device cpu!"). It is an InputTypeError naming the
    input. Oracle: the same tensors on the CPU run."""
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
        pytest.importorskip("onnx")
    import rnnkit
    from rnnkit.errors import InputTypeError
    from rnnkit.export import export, load_runner

    path = tmp_path / f"g{suffix}"
    export(rnnkit.GRU(3, 4, batch_first=True).eval(), path, format=fmt, lengths=True)
    run = load_runner(path, fmt)
    x, h0, lengths = torch.zeros(2, 5, 3), torch.zeros(1, 2, 4), torch.tensor([5, 3])
    assert run(x, h0, lengths)[0].shape == (2, 5, 4)
    for i, name in enumerate(("x", "h0", "lengths")):
        feed = [x, h0, lengths]
        feed[i] = feed[i].to("meta")
        with pytest.raises(InputTypeError, match=rf"^{name}: expected a tensor on cpu \(the runner's\), got one on "
                                                 rf"meta; move it with {name}\.cpu\(\)$"):
            run(*feed)


# ------------------------------------------------------------------ hopfield modules: inputs on another device
def test_hopfield_modules_name_an_input_on_another_device_as_the_layers_do():
    """The recurrent layers refuse an x on another device than their weights, naming it; the Hopfield modules checked
    dtype and shape only: torch's error naming no argument ('Tensor on device cpu is not on the expected device
    meta!', 'Tensor.item() cannot be called on meta tensors' from the mask check), and HopfieldPooling of inputs on
    the meta device returned a result there, silently. Each names the input now. Oracle: an rnnkit.LSTM given x on
    the meta device (its message), and the same calls on the CPU."""
    import rnnkit
    from rnnkit.errors import InputTypeError
    from rnnkit.hopfield import HopfieldLayer, HopfieldPooling, hopfield_update
    from rnnkit.hopfield.modern import scaled_softmax

    meta = torch.device("meta")
    with pytest.raises(InputTypeError, match=r"^x: expected a tensor on cpu \(the layer's weights'\), got meta"):
        rnnkit.LSTM(4, 4)(torch.zeros(3, 2, 4, device=meta))
    q, stored, mask = torch.randn(2, 1, 4), torch.randn(3, 4), torch.ones(2, 3, dtype=torch.bool)
    learned, given, pool = HopfieldLayer(4, n_patterns=3), HopfieldLayer(4), HopfieldPooling(4)
    assert learned(q).shape == given(q, stored=stored, mask=mask).shape == (2, 1, 4)
    assert pool(torch.randn(2, 3, 4)).shape == (2, 4)
    cases = [(lambda: learned(q.to(meta)), "queries", "the module's parameters'"),
             (lambda: given(q, stored=stored.to(meta)), "stored", "as queries"),
             (lambda: given(q, stored=stored, mask=mask.to(meta)), "mask", "as queries"),
             (lambda: pool(torch.randn(2, 3, 4, device=meta)), "inputs", "the module's parameters'"),
             (lambda: hopfield_update(q, stored, 1.0, mask=mask[:1, None].to(meta)), "mask", "as states"),
             (lambda: scaled_softmax(torch.randn(2, 3), 1.0, mask=mask.to(meta)), "mask", "as dots")]
    for call, name, of in cases:
        with pytest.raises(InputTypeError, match=rf"^{name}: expected a tensor on cpu \({of}\), got one on meta; "
                                                 r"move it explicitly$"):
            call()


# ------------------------------------------------------------------ layers: from_torch of a torch.nn subclass
def test_from_torch_refuses_a_subclass_that_overrides_forward(tmp_path):
    """from_torch converts 'to the rnnkit layer computing exactly what module computes'; a torch.nn.LSTM subclass
    whose forward computes otherwise (weight drop, a residual: here +1) was converted to plain LSTM math, silently,
    and rnnkit.export of one (its reference being the converted layer) wrote a graph of the base computation with
    parity 0. Such a subclass is refused, naming it; one that keeps torch.nn's forward converts as before. Oracle: the
    modules themselves."""
    import rnnkit
    from rnnkit.errors import InputTypeError

    class Shifted(torch.nn.LSTM):
        def forward(self, x, hx=None):
            out, state = super().forward(x, hx)
            return out + 1.0, state

    class Named(torch.nn.LSTM):
        kind = "plain"

    torch.manual_seed(0)
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        plain = Named(3, 4)
        assert torch.allclose(rnnkit.from_torch(plain)(x)[0], plain(x)[0], atol=1e-6)
        shifted = Shifted(3, 4)
        message = (r"^module: expected the computation of torch.nn.LSTM, got Shifted, a subclass overriding "
                   r"forward\(\) \(rnnkit would compute torch.nn.LSTM's, not its own\)$")
        with pytest.raises(InputTypeError, match=message):
            rnnkit.from_torch(shifted)
        with pytest.raises(InputTypeError, match=message):
            rnnkit.export(shifted, tmp_path / "s.pt2", format="torch-export")
    assert not (tmp_path / "s.pt2").exists()


# ------------------------------------------------------------------ Bidirectional of a frozen layer
def test_bidirectional_of_a_frozen_layer_warns_that_its_fresh_backward_weights_are_frozen():
    """Bidirectional(layer) runs a copy of the layer backwards with newly initialised weights; the copy kept the
    layer's requires_grad flags, so wrapping a frozen (pretrained, from_torch) layer gave a backward direction of
    random weights that never train, without a word. The flags are kept (nothing is changed behind the user's back)
    and a warning names them and the fix. Oracle: the parameters' own flags; a trainable layer is not warned about."""
    import warnings

    import rnnkit

    trainable = rnnkit.GRU(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnkit.Bidirectional(trainable)
    frozen = rnnkit.from_torch(torch.nn.GRU(3, 4).requires_grad_(False))
    with pytest.warns(UserWarning, match=r"^Bidirectional: the backward copy's newly initialised weights are frozen as "
                                         r"the layer's are \(weight_ih_l0, weight_hh_l0, bias_ih_l0, \.\.\.: "
                                         r"requires_grad=False\), so they stay random; call "
                                         r"\.backward_layer\.requires_grad_\(True\) to train them$"):
        bi = rnnkit.Bidirectional(frozen)
    assert not any(p.requires_grad for p in bi.backward_layer.parameters())
    assert not torch.equal(bi.backward_layer.weight_hh_l0, frozen.weight_hh_l0)   # newly drawn, as documented
