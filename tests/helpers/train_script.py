"""A small training run used by the resume/kill tests (run as a subprocess).

Usage: python train_script.py RUN_DIR [fresh|auto]. Environment: RNNKIT_TEST_SLEEP (seconds per step,
to make the run slow enough to kill), RNNKIT_TEST_DIE_IN_SAVE=N (SIGKILL this process halfway through
writing the N-th checkpoint -- a kill during save).
"""

import json
import os
import signal
import sys
import time

import torch
from torch import nn

import rnnkit
from rnnkit.training import EarlyStoppingConfig, OptimConfig, ScheduleConfig, TrainConfig, Trainer, seed_everything
from rnnkit.training import checkpoint as ckpt_mod

torch.set_num_threads(1)
run_dir, mode = sys.argv[1], sys.argv[2]
sleep = float(os.environ.get("RNNKIT_TEST_SLEEP", "0"))
die_in_save = int(os.environ.get("RNNKIT_TEST_DIE_IN_SAVE", "0"))

if die_in_save:
    saves = {"n": 0}
    real_write = ckpt_mod._write_file

    def dying_write(path, data):
        if path.name == "model.safetensors":
            saves["n"] += 1
        if saves["n"] == die_in_save and path.name == "state.safetensors":
            with open(path, "wb") as f:  # half a file, then a hard kill
                f.write(data[: len(data) // 2])
                f.flush()
                os.fsync(f.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        real_write(path, data)

    ckpt_mod._write_file = dying_write


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = rnnkit.LSTM(3, 8, num_layers=2, dropout=0.25, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


seed_everything(0)
g = torch.Generator().manual_seed(123)
X = torch.randn(48, 10, 3, generator=g)
Y = X[:, :, 0].sum(1, keepdim=True) * 0.3
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=8, shuffle=True,
                                     generator=torch.Generator())
val = [(X[:16], Y[:16])]
model = Net()


def loss_fn(m, batch):
    if sleep:
        time.sleep(sleep)
    out = m(batch[0])
    return nn.functional.mse_loss(out, batch[1]), {"mae": (out - batch[1]).abs().mean()}


cfg = TrainConfig(epochs=5, optim=OptimConfig("adamw", lr=2e-2, weight_decay=0.01),
                  schedule=ScheduleConfig("cosine"), clip_norm=1.0, checkpoint_every=4,
                  early_stopping=EarlyStoppingConfig(patience=10), seed=3, quiet=True)
result = Trainer(model, loss_fn, config=cfg, run_dir=run_dir, task_config={"script": "train_script"}).fit(
    loader, val, resume=(False if mode == "fresh" else "auto"))
print(json.dumps({"steps": result.global_step, "epochs": result.epochs_run}))
