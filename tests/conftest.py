import os

import pytest
import torch

# Deterministic, quiet tests; matplotlib never opens a window.
os.environ.setdefault("MPLBACKEND", "Agg")

# One thread in every thread pool of every test process (each pytest-xdist worker), not only torch's in the modules
# that opt in below: torch's OpenMP, numpy's and scipy's OpenBLAS and scikit-learn's OpenMP each start a thread per
# core, so `make test`'s two workers on a 2-core machine ran twice the threads there are cores, whose barriers and
# spin-waits stall while the other worker holds the core. 246 of 433 test modules did not opt in, and the opt-in set
# torch's threads only. Measured on the shared 2-core VM (session 32, one process each, same tests): 11 such modules
# 180 -> 116 s wall (114 -> 60 s CPU); test_classify_adversarial + test_classify_refit + test_forecast_s30_lead
# 218 -> 50 s; test_classify_counts_s20's NB-LR on tweets (scipy's L-BFGS on OpenBLAS, in a one_thread module)
# 50.3 -> 3.0 s. The pools a library starts are limited when it is loaded, hence the imports. A test that needs more
# threads sets them itself and puts them back (test_host_s25_S, test_leftovers_s21_X); child processes are not
# affected (their own defaults, or OMP_NUM_THREADS=1 where a test gives it).
import numpy  # noqa: E402,F401
import scipy.linalg  # noqa: E402,F401
import sklearn.linear_model  # noqa: E402,F401
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(1)
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


def _single_thread():
    # Tiny tensors: one intra-op thread is faster, and steadier on a shared or oversubscribed machine
    # (OpenMP barriers stall when two threads fight for one core).
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# Test modules opt in with `pytestmark = pytest.mark.usefixtures("one_thread")` (or the module-scoped one).
one_thread = pytest.fixture(_single_thread)
one_thread_module = pytest.fixture(_single_thread, scope="module")


def _flip_a_middle_byte(path):
    """Corrupt a saved file in place (one byte in the middle inverted): loading it must fail verification."""
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.fixture()
def flip_byte():
    return _flip_a_middle_byte


def _onnx_text_probs(clf, onnx_path, texts):
    """The class probabilities an exported text classifier's ONNX graph gives ``texts`` (ids padded with 0,
    their lengths), run by onnxruntime: compared with ``clf.predict_proba(texts)`` by the export tests."""
    import numpy as np
    import onnxruntime as ort

    ids = clf._encode(texts)
    T = max(map(len, ids))
    batch = np.array([s + [0] * (T - len(s)) for s in ids], np.int64)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    _, probs = sess.run(None, {"ids": batch, "lengths": np.array([len(s) for s in ids], np.int64)})
    return probs, batch


@pytest.fixture()
def onnx_text_probs():
    return _onnx_text_probs


@pytest.fixture
def scratch_registry():
    """Cells and layers a test registers are removed afterwards (the registries are process-wide)."""
    from rnnkit.cells import base as cell_base
    from rnnkit.layers import registry

    cells, layers = dict(cell_base._REGISTRY), dict(registry._LAYERS)
    yield
    cell_base._REGISTRY.clear()
    cell_base._REGISTRY.update(cells)
    registry._LAYERS.clear()
    registry._LAYERS.update(layers)


def _start_service(*args):
    """``python -m rnnkit serve ARGS --port P`` in a child process on 127.0.0.1 (a free port the kernel picked),
    waited for until ``/health`` answers 200: ``(process, base_url)``."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "rnnkit", "serve", *map(str, args), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ, OMP_NUM_THREADS="1"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stdout.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=30)
            raise RuntimeError("server did not answer /health within 120 s")
        time.sleep(0.2)


@pytest.fixture
def start_service():
    """``start_service(*args) -> (process, base_url)``: a served run (see :func:`_start_service`); every process
    it started and the test left running is killed at teardown."""
    procs = []

    def start(*args):
        proc, url = _start_service(*args)
        procs.append(proc)
        return proc, url

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture()
def deadline():
    """A call that hangs (a FIFO opened, a device read on, a loop the old code never left) fails after 20 s instead
    of stopping the suite (SIGALRM; the tests run in each worker's main thread)."""
    import signal

    def expired(*_):
        raise TimeoutError("still running after 20 s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def trans_lines():
    """The installed trans-de-en dictionary file's lines (read and md5-checked once a process); skipped where the
    Debian file is not installed."""
    from rnnkit.data.translation import read_trans_text
    from rnnkit.errors import DataError

    try:
        _, text = read_trans_text()
    except DataError as e:
        pytest.skip(str(e))
    return text.split("\n")


def _as_before_newlines(run):
    """A generate run folder as one saved before session 34 recorded how --text read its line ends: the record
    dropped from config.json's data, every digest map made to match again (as a save writes them)."""
    import hashlib
    import json
    from pathlib import Path

    run = Path(run)
    meta = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert meta["data"].pop("newlines") == "lf", meta["data"]
    (run / "config.json").write_text(json.dumps(meta), encoding="utf-8")
    for dg in sorted(run.rglob("digests.json"), key=lambda p: -len(p.parts)):
        d = json.loads(dg.read_text(encoding="utf-8"))
        d["sha256"] = {n: hashlib.sha256((dg.parent / n).read_bytes()).hexdigest() for n in d["sha256"]}
        dg.write_text(json.dumps(d), encoding="utf-8")


@pytest.fixture()
def as_before_newlines():
    """``as_before_newlines(run)``: a generate run made to look saved before session 34's ``"newlines"`` record."""
    return _as_before_newlines
