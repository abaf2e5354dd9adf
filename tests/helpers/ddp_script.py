"""Train a tiny rnnkit model on a fixed global batch, alone or as one of torchrun's processes.

Usage: python ddp_script.py OUT_DIR  (or: python -m torch.distributed.run --nproc_per_node=2 ddp_script.py OUT_DIR)
Each process takes its contiguous share of the global batch; DDP averages the gradients, so the result
must match one process on the whole batch.
"""

import json
import os
import sys
from pathlib import Path

import torch
from torch import nn

import rnnkit
from rnnkit.training import OptimConfig, TrainConfig, Trainer
from rnnkit.training import distributed as dist

torch.set_num_threads(1)
out = Path(sys.argv[1])
env = dist.setup(backend=os.environ.get("RNNKIT_TEST_BACKEND"), device=os.environ.get("RNNKIT_TEST_DEVICE", "cpu"))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = rnnkit.GRU(3, 6, batch_first=True)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


torch.manual_seed(0)
model = Net().to(env.device)
g = torch.Generator().manual_seed(1)
X, Y = torch.randn(8, 7, 3, generator=g), torch.randn(8, 2, generator=g)
share = 8 // env.world_size
Xs, Ys = X[env.rank * share:(env.rank + 1) * share], Y[env.rank * share:(env.rank + 1) * share]
data = [(Xs, Ys)]  # the trainer moves batches to the model's device


def loss_fn(m, batch):
    return nn.functional.mse_loss(m(batch[0]), batch[1])


cfg = TrainConfig(epochs=6, optim=OptimConfig("adam", lr=5e-2), clip_norm=5.0, quiet=True)
result = Trainer(model, loss_fn, config=cfg, run_dir=out / "run").fit(data)
if env.is_main:
    (out / "summary.json").write_text(json.dumps({"world_size": env.world_size, "steps": result.global_step,
                                                  "backend": env.backend}))
(out / f"rank{env.rank}.done").write_text("ok")
dist.cleanup()
