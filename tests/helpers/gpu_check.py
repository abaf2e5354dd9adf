"""Checks that need a CUDA device (run by hand on a GPU machine; not collected by pytest):

    python tests/helpers/gpu_check.py OUT_DIR

1. GradFlowRecorder records on CUDA (backward runs in a device thread) and agrees with the CPU numbers.
2. Trainer on CUDA: checkpoint with CUDA optimizer state, resume in a new Trainer, same weights as an
   uninterrupted run (allclose: cuDNN/cuBLAS may differ in the last bits).
3. torchrun (nccl with one process per GPU when there are 2+, else 2 gloo processes on one GPU)
   against a single process.
Prints one JSON line per check and exits non-zero on the first failure.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from torch import nn

import rnnkit
from rnnkit.diagnostics import GradFlowRecorder
from rnnkit.training import OptimConfig, ScheduleConfig, TrainConfig, Trainer

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
assert torch.cuda.is_available(), "needs CUDA"
dev = torch.device("cuda")
report = {}

# 1. gradient flow on CUDA vs CPU
torch.manual_seed(0)
layer = rnnkit.LSTM(4, 16, num_layers=2, bidirectional=True).double()
x, R = torch.randn(20, 3, 4, dtype=torch.float64), torch.randn(20, 3, 32, dtype=torch.float64)
norms = {}
for d in ("cpu", "cuda"):
    lay = layer.to(d)
    with GradFlowRecorder() as rec:
        y, _ = lay(x.to(d))
        (y * R.to(d)).sum().backward()
    norms[d] = rec.norms
assert sorted(norms["cuda"]) == sorted(norms["cpu"]) and len(norms["cuda"]) == 4, norms["cuda"].keys()
for tag in norms["cpu"]:
    torch.testing.assert_close(norms["cuda"][tag], norms["cpu"][tag], rtol=1e-9, atol=1e-12)
report["gradflow_cuda"] = "ok"
print(json.dumps({"check": "gradflow_cuda", "tags": sorted(norms["cuda"])}), flush=True)


# 2. trainer + resume on CUDA
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = rnnkit.GRU(3, 32, num_layers=2, batch_first=True)
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


g = torch.Generator().manual_seed(1)
X = torch.randn(64, 15, 3, generator=g)
Y = X[:, :, 0].sum(1, keepdim=True) * 0.2
data = [(X[i:i + 16], Y[i:i + 16]) for i in range(0, 64, 16)]


def loss_fn(m, b):
    return nn.functional.mse_loss(m(b[0]), b[1])


def fresh():
    torch.manual_seed(0)
    return Net().to(dev)


cfg = TrainConfig(epochs=4, optim=OptimConfig("adam", lr=1e-2), schedule=ScheduleConfig("cosine"), clip_norm=1.0,
                  gradflow_every=2, quiet=True)
full = fresh()
r_full = Trainer(full, loss_fn, config=cfg, run_dir=out / "full").fit(data, data)
half = fresh()
Trainer(half, loss_fn, config=cfg.replace(max_steps=8), run_dir=out / "half").fit(data, data)  # stops after 2 epochs
resumed = fresh()
r_res = Trainer(resumed, loss_fn, config=cfg, run_dir=out / "half").fit(data, data, resume=True)
maxdiff = max((a - b).abs().max().item() for a, b in zip(full.state_dict().values(), resumed.state_dict().values()))
assert maxdiff < 1e-5, maxdiff
assert all(p.is_cuda for p in resumed.parameters())
print(json.dumps({"check": "trainer_resume_cuda", "max_abs_diff": maxdiff,
                  "val_loss": [r["val_loss"] for r in r_full.history],
                  "gradflow_keys": [k for k in r_full.history[-1] if k.startswith("gradflow/")][:2]}), flush=True)

# 3. torchrun: 2 processes sharing the GPU (gloo over CUDA tensors; nccl refuses two ranks on one device)
script = Path(__file__).parent / "ddp_script.py"
env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
n = max(torch.cuda.device_count(), 2)
env.update(RNNKIT_TEST_DEVICE="cuda", OMP_NUM_THREADS="1",
           RNNKIT_TEST_BACKEND="nccl" if torch.cuda.device_count() >= 2 else "gloo")
one = subprocess.run([sys.executable, str(script), str(out / "one")], env=env, capture_output=True, text=True, timeout=200)
assert one.returncode == 0, one.stderr[-3000:]
ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
                      str(script), str(out / "ddp")], env=env, capture_output=True, text=True, timeout=200)
assert ddp.returncode == 0, ddp.stderr[-3000:]
from safetensors.torch import load_file  # noqa: E402

w1, w2 = load_file(out / "one" / "run" / "model.safetensors"), load_file(out / "ddp" / "run" / "model.safetensors")
diff = max((w1[k] - w2[k]).abs().max().item() for k in w1)
summary = json.loads((out / "ddp" / "summary.json").read_text())
assert summary["world_size"] == n and summary["backend"] == env["RNNKIT_TEST_BACKEND"], summary
assert diff < 1e-5, diff
print(json.dumps({"check": "torchrun_cuda", "nproc": n, "summary": summary, "max_abs_diff": diff}), flush=True)
print(json.dumps({"all": "ok"}))
