"""rnnkit on SIGTERM (kill, docker stop, a scheduler's preemption): raised where the command runs, as Ctrl-C is, so
a save stopped by it removes what it created -- Python's default action ended the process on the spot, leaving a
half-written run folder that the same 'train --out' then refused. Fails on the code before (exit -15, folder left)."""

import os
import signal
import subprocess
import sys

CHILD = r'''
import sys, time
from rnnkit.tasks import runs
real = runs.atomic_write_bytes
def slow(path, data):                 # the save stops after its first file, until the signal comes
    out = real(path, data)
    print("wrote", path.name, flush=True)
    time.sleep(60)
    return out
runs.atomic_write_bytes = slow
from rnnkit.cli.main import main
sys.exit(main(sys.argv[1:]))
'''


def test_sigterm_during_a_save_leaves_a_folder_the_same_train_can_use(tmp_path):
    from rnnkit.cli.main import main

    rows = ["text,label"] + [f"{'good fine nice' if i % 2 else 'bad poor awful'} {i},{'pos' if i % 2 else 'neg'}"
                             for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    argv = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "1", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--no-baseline", "--out", str(run)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    try:
        assert child.stdout.readline().startswith("wrote ")
        child.send_signal(signal.SIGTERM)
        rc = child.wait(60)
    finally:
        child.kill()
    assert rc == 143 and "rnnkit classify: terminated" in child.stderr.read()
    assert not {"config.json", "model.safetensors", "digests.json"} & {p.name for p in run.iterdir()}
    assert not [p.name for p in run.iterdir() if p.name.startswith(".tmp-")]
    # since session 21 the training's checkpoints are kept (run/training/): the same command, run again, is told to
    # add --resume (never overwrites them), and with it saves the run without training again
    assert main(argv) == 2
    assert main(argv + ["--resume"]) == 0
