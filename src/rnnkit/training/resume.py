"""The Trainer's run folder and exact resume: ``config.json`` written and compared, the trainer state
saved in checkpoints and restored.

A checkpoint's ``state`` holds the progress counters, the optimizer, every RNG, the epoch's running
means, the history, and ``callbacks``: ``{name: state}`` of every callback with a state (early
stopping's best value and weights, the epoch LR scheduler, the gradient-flow row keys pending for the
epoch ...). With the epoch-data protocol (:mod:`rnnkit.training.data`) this is what makes a resumed run
end with the same weights, bit for bit, as an uninterrupted one (CPU, single process).

A fit that resumes a finished run keeps its final ``model.safetensors`` loadable throughout: ``config.json`` (when it
changes) and, at the end, the weights are replaced with their digests as one (:mod:`rnnkit.training.certified`).
A task's fit of several Trainer fits resumes through :mod:`rnnkit.training.stages`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from contextlib import contextmanager
from pathlib import Path

from rnnkit._validate import is_finite_real
from rnnkit._version import __version__
from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.training.batch import Accumulator
from rnnkit.training.config import OPTIM_READERS, SCHEDULE_READERS, OptimConfig, ScheduleConfig
from rnnkit.training.certified import finish_replace, fit_holds, replace_certified
from rnnkit.training.checkpoint import (
    DIGESTS_FILE,
    check_state_dict,
    config_bytes,
    latest_checkpoint,
    load_checkpoint,
    read_config,
    write_config,
)
from rnnkit.training.seed import get_rng_state
from rnnkit.training.stages import note_unstaged_fit

__all__ = ["RESUMABLE_CHANGES", "resolved_config", "run_dir_lock", "prepare_run_dir", "trainer_state", "load_trainer_state"]

#: The final weights a fit writes into run_dir (with config.json and digests.json)
FINAL_WEIGHTS = "model.safetensors"

#: Config fields a resumed run may change (anything else must match the checkpointed config).
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "max_seconds", "quiet", "checkpoint_every", "keep_checkpoints"})

#: Stop reasons that are limits of one ``fit`` call: a resumed run checks them again (others persist).
LIMITS = frozenset({"epochs", "max_steps", "max_seconds"})


def resolved_config(trainer) -> dict:
    """What ``config.json`` records: the rnnkit version, the TrainConfig and the task's config."""
    out = {"rnnkit_version": __version__, "train": trainer.config.to_dict()}
    if trainer.task_config is not None:
        out["task"] = trainer.task_config
    return out


_HELD: set[int] = set()    # the descriptors of this process's run_dir locks (fits running now)


def _close_held_in_child() -> None:
    """A forked child (a DataLoader worker: persistent ones outlive the fit) closes its copies of the run_dir locks'
    descriptors: a flock belongs to the open file description, so a child's copy held the folder locked after the
    fit ended, and a resumed fit in the same process (a notebook) was refused as 'another fit is running'. The
    fit's own descriptor keeps the lock until it ends."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


@contextmanager
def run_dir_lock(trainer):
    """Hold an exclusive ``flock`` on ``run_dir`` while a fit runs (the main process; released by the kernel even
    on ``kill -9``): a second fit into the same folder, in another process or another Trainer of this one, is a
    CheckpointError naming ``run_dir``. Two fits wrote checkpoints into one folder: each save removed the other's
    temporary checkpoint folder as stale, latest.json named one run's or the other's step, and
    ``resume="auto"`` continued the other run while it trained on. No lock where ``flock`` does not exist."""
    if trainer.run_dir is None or not trainer.is_main:
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    trainer.run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(trainer.run_dir, os.O_RDONLY)
    _HELD.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CheckpointError(f"run_dir: expected a folder no other fit is using, got {str(trainer.run_dir)!r}, "
                                  "where another fit is running (this process or another): wait for it to end, "
                                  "or choose another folder") from None
        except OSError:   # a file system without locks (some NFS: ENOLCK): unlocked, as before
            pass
        with fit_holds(trainer.run_dir):    # its saves into run_dir take no second lock (training.certified)
            yield
    finally:
        _HELD.discard(fd)
        os.close(fd)


def prepare_run_dir(trainer, resume: bool | str) -> None:
    """Check ``resume`` against the folder, load the latest checkpoint when resuming, write config.json."""
    run_dir = trainer.run_dir
    if run_dir is not None and trainer.is_main and run_dir.is_dir():
        finish_replace(run_dir)    # a replacement of the final files interrupted after its commit point
    if run_dir is None:
        if resume is True:
            raise ConfigError("resume: expected a run_dir to resume from, got run_dir=None")
        note_unstaged_fit(trainer)   # inside a task's checkpointed fit: a fit no checkpoint holds
        return
    found = latest_checkpoint(run_dir)
    if found is not None and resume is False:
        raise CheckpointError(f"run_dir: {str(run_dir)!r} already holds checkpoints; expected an empty "
                              "or new folder, or fit(..., resume=True / 'auto') to continue it")
    if found is None and resume is True:
        raise CheckpointError(f"resume: expected a checkpoint in {str(run_dir)!r}, found none")
    if found is None:
        _check_fresh(run_dir)
    if found is not None:
        _check_config_matches(trainer)
        load_trainer_state(trainer, found)
    if trainer.is_main:
        config = resolved_config(trainer)
        if (run_dir / DIGESTS_FILE).exists():
            # a finished fit's final weights stay loadable while this one runs, and after an interruption: its
            # config.json (changed when e.g. epochs did) and digests are replaced as one (training.certified); the
            # weights are replaced when this fit ends. Deleting digests.json first left them unloadable.
            blob = config_bytes(config)
            if not (run_dir / "config.json").is_file() or (run_dir / "config.json").read_bytes() != blob:
                replace_certified(run_dir, {"config.json": blob})
        else:
            write_config(run_dir, config)


def _check_fresh(run_dir: Path) -> None:
    """Refuse (CheckpointError naming ``run_dir``) a folder a fresh fit would overwrite files in: a
    ``model.safetensors`` or ``digests.json`` (a finished run whose checkpoints were removed, a task's saved
    run), or a ``config.json`` that is not a Trainer's (a project's own, a task run's). A fit overwrote them
    without a word (the checkpoints were the only thing checked). A Trainer's ``config.json`` alone is the
    start of a fit stopped before its first checkpoint (Ctrl-C, an error): nothing to lose, it starts anew."""
    held = [name for name in (FINAL_WEIGHTS, DIGESTS_FILE) if os.path.lexists(run_dir / name)]
    if os.path.lexists(run_dir / "config.json"):
        try:
            ours = isinstance(read_config(run_dir).get("train"), dict)
        except (CheckpointError, OSError):   # not JSON, another schema (a task run's), a folder, unreadable
            ours = False
        if not ours or held:
            held.insert(0, "config.json")
    if held:
        raise CheckpointError(f"run_dir: expected an empty or new folder (or one whose fit stopped before its first "
                              f"checkpoint), got {str(run_dir)!r} holding {held} that a new fit would overwrite: "
                              "choose another folder or remove them")


def _check_config_matches(trainer) -> None:
    # as config.json holds it: a tuple in task_config read back as a list and refused every resume
    saved, mine = read_config(trainer.run_dir), json.loads(json.dumps(resolved_config(trainer)))
    where = str(trainer.run_dir)
    old_train, new_train = saved.get("train", {}), mine["train"]
    for key, cls, readers in (("optim", OptimConfig, OPTIM_READERS), ("schedule", ScheduleConfig, SCHEDULE_READERS)):
        old = old_train.get(key)   # written before unread fields were refused: ScheduleConfig("cosine", step_size=5)
        if isinstance(old, dict) and old.get("name") is not None:
            defaults = json.loads(json.dumps(dataclasses.asdict(cls(name=old["name"]))))
            old_train[key] = {k: (defaults[k] if k in readers and old["name"] not in readers[k] and k in defaults
                                  else v) for k, v in old.items()}
    if isinstance(old_train.get("early_stopping"), dict):  # written before early_stopping.target existed
        old_train["early_stopping"].setdefault("target", None)
    diff = sorted(k for k in set(old_train) | set(new_train)
                  if k not in RESUMABLE_CHANGES and old_train.get(k) != new_train.get(k))
    if diff:
        detail = "; ".join(f"{k}: checkpoint has {old_train.get(k)!r}, got {new_train.get(k)!r}" for k in diff[:4])
        raise CheckpointError(f"resume: expected the same training config as the checkpoint in {where!r} "
                              f"(except {sorted(RESUMABLE_CHANGES)}), got differences: {detail}")
    old_epochs, new_epochs = old_train.get("epochs"), new_train.get("epochs")
    if (new_train.get("schedule") or {}).get("name") == "cosine" and isinstance(old_epochs, int) \
            and new_epochs > old_epochs:   # its state keeps the checkpoint's span: the LR climbed back up
        raise CheckpointError(f"epochs: expected at most {old_epochs} when resuming the run in {where!r} (its "
                              f"cosine schedule spans {old_epochs} epochs and its LR rises again after them), "
                              f"got {new_epochs}; start a new run (or a warm start) to train longer")
    if saved.get("task") != mine.get("task"):
        raise CheckpointError(f"resume: expected the same task config as the checkpoint in {where!r}, "
                              f"got {mine.get('task')!r} (checkpoint: {saved.get('task')!r})")


def trainer_state(trainer) -> dict:
    """Everything but the weights that an exact resume needs (see the module docstring)."""
    return {
        "epoch": trainer.epoch, "batch_in_epoch": trainer.batch_in_epoch, "global_step": trainer.global_step,
        "stopped_early": trainer.stopped_early, "stop_reason": trainer.stop_reason,
        "step_lr": trainer.step_lr, "optimizer": trainer.optimizer.state_dict(),
        "rng": get_rng_state(), "generator": trainer.generator.get_state(),
        "history": trainer.history, "acc": trainer._acc.state(), "callbacks": trainer.callbacks.state_dict(),
        "seconds": trainer.run_seconds(),   # max_seconds' budget goes on from them (absent before session 30: 0)
    }


def _legacy_callback_states(s: dict) -> dict:
    """``callbacks`` of a checkpoint written before the Trainer had callbacks."""
    early = s.get("early") or {}
    out = {"GradientFlowMonitor": {"pending": dict(s["epoch_extra"])}} if s.get("epoch_extra") else {}
    if early.get("best") is not None or early.get("wait"):
        out["EarlyStopping"] = {**early, "best_weights": s.get("best_weights")}
    if s.get("scheduler") is not None:
        out["LRSchedule"] = s["scheduler"]
    return out


def _spent_seconds(value, path: Path) -> float:
    """A checkpoint's training seconds: a finite number >= 0 (a checkpoint written before they were kept: 0, the
    budget counted afresh as it was)."""
    if isinstance(value, bool) or not is_finite_real(value) or value < 0:
        raise CheckpointError(f"{path}: expected the training seconds the checkpoint had spent (a number >= 0), "
                              f"got {value!r}")
    return float(value)


def load_trainer_state(trainer, path: Path) -> None:
    """Restore the weights and :func:`trainer_state` of the checkpoint at ``path`` into ``trainer``."""
    ck = load_checkpoint(path)
    check_state_dict(trainer.module, ck.model_state, str(path / "model.safetensors"))
    s = ck.state
    try:
        trainer.module.load_state_dict(ck.model_state)
        trainer.optimizer.load_state_dict(s["optimizer"])
        trainer.callbacks.load_state_dict(s["callbacks"] if "callbacks" in s else _legacy_callback_states(s))
        trainer.epoch, trainer.batch_in_epoch = int(s["epoch"]), int(s["batch_in_epoch"])
        trainer.global_step, trainer.stopped_early = int(s["global_step"]), bool(s["stopped_early"])
        reason = s.get("stop_reason")  # absent in checkpoints written before it existed
        trainer.stop_reason = reason if trainer.stopped_early or reason not in LIMITS else None
        trainer.step_lr = float(s.get("step_lr", trainer.lr))  # absent before callbacks existed
        trainer._seconds_before = _spent_seconds(s.get("seconds", 0.0), path)
        trainer.generator.set_state(s["generator"])
        trainer.history = list(s["history"])
        trainer._acc = Accumulator(s["acc"])
        # mid-epoch: the RNG states at the checkpoint continue the epoch; at an epoch boundary the
        # next epoch reseeds anyway (restoring here would differ from the uninterrupted run)
        trainer._resume_rng = s["rng"] if trainer.batch_in_epoch > 0 else None
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{path}: expected a trainer checkpoint matching this model/optimizer, got "
                              f"an incompatible one ({type(e).__name__}: {e})") from None
    trainer._last_ckpt_path = path
    # where this fit starts: a stage of a task's checkpointed fit that finished before an interruption takes no
    # step now and sets the RNGs as its last checkpoint recorded them (training.stages.Stage.end)
    trainer.resumed_from = {"epoch": trainer.epoch, "global_step": trainer.global_step, "rng": s.get("rng")}
