"""DDP through torchrun on CPU (gloo, 2 processes): the same final weights as one process on the same
global batch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import rnnkit
from rnnkit.training import distributed as dist

SCRIPT = Path(__file__).parent / "helpers" / "ddp_script.py"


def _env():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = str(Path(rnnkit.__file__).parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.slow
def test_ddp_two_processes_match_one_process_on_the_global_batch(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    single = subprocess.Popen([sys.executable, str(SCRIPT), str(one)], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(SCRIPT), str(two)], env=_env(), capture_output=True, text=True, timeout=180)
    assert ddp.returncode == 0, ddp.stderr[-4000:]
    _, err = single.communicate(timeout=180)
    assert single.returncode == 0, err[-3000:]
    s1, s2 = json.loads((one / "summary.json").read_text()), json.loads((two / "summary.json").read_text())
    assert s1 == {"world_size": 1, "steps": 6, "backend": None}
    assert s2 == {"world_size": 2, "steps": 6, "backend": "gloo"}
    assert (two / "rank0.done").exists() and (two / "rank1.done").exists()
    w1, w2 = load_file(one / "run" / "model.safetensors"), load_file(two / "run" / "model.safetensors")
    start = _initial_weights()
    assert w1.keys() == w2.keys()
    for k in w1:
        torch.testing.assert_close(w2[k], w1[k], rtol=1e-5, atol=1e-6, msg=k)
        assert not torch.allclose(w1[k], start[k])  # training moved every tensor
    # only rank 0 wrote: one log, one set of checkpoints
    assert len((two / "run" / "metrics.jsonl").read_text().splitlines()) == 6


def _initial_weights():
    # the script's model, built with the same seed (Net: GRU(3, 6) + Linear(6, 2))
    torch.manual_seed(0)
    rnn, head = rnnkit.GRU(3, 6, batch_first=True), torch.nn.Linear(6, 2)
    return {**{f"rnn.{k}": v for k, v in rnn.state_dict().items()}, **{f"head.{k}": v for k, v in head.state_dict().items()}}


def test_single_process_helpers_without_torchrun(monkeypatch):
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(k, raising=False)
    env = dist.setup(device="cpu")
    assert env == dist.DistEnv() and env.is_main and not dist.is_distributed()
    assert dist.rank() == 0 and dist.world_size() == 1 and dist.is_main_process()
    m = torch.nn.Linear(2, 2)
    assert dist.wrap_model(m) is m and dist.unwrap_model(m) is m
    assert dist.all_reduce_sum([1.0, 2.0]) == [1.0, 2.0]
    loader = dist.make_loader(torch.utils.data.TensorDataset(torch.arange(10.0)), batch_size=4, seed=1)
    assert len(loader) == 3
    monkeypatch.setenv("WORLD_SIZE", "two")
    from rnnkit.errors import ConfigError

    with pytest.raises(ConfigError, match="WORLD_SIZE"):
        dist.setup()
    with pytest.raises(ConfigError, match="batch_size"):
        dist.make_loader([1, 2], batch_size=0)


METRICS_SCRIPT = Path(__file__).parent / "helpers" / "ddp_metrics.py"


@pytest.mark.slow
def test_ddp_epoch_rows_average_every_rank(tmp_path):
    """An epoch row's ``train_*`` metrics are means over every rank's batches, as ``val_*`` are (found in
    session 10's docs walk: a metric ``rank`` came out train 0.0, val 0.5; the train loss was the mean of
    per-step cross-rank means). Oracle: each rank's own losses, recorded by the loss function."""
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(METRICS_SCRIPT), str(tmp_path)], env=_env(), capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-4000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    for e, row in enumerate(r0["history"]):
        assert row["train_rank"] == pytest.approx(0.5) and row["val_rank"] == pytest.approx(0.5)
        every = r0["losses"][e] + r1["losses"][e]          # equal batch sizes: the plain mean of all batches
        assert len(r0["losses"][e]) == len(r1["losses"][e]) == 4
        assert row["train_loss"] == pytest.approx(sum(every) / len(every), rel=1e-6)
    drop = lambda rows: [{k: v for k, v in row.items() if k != "time_s"} for row in rows]  # noqa: E731
    assert drop(r1["history"]) == drop(r0["history"])      # every rank logs the same row (its own clock aside)
