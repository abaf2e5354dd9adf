"""Resuming an interrupted task fit (rnnkit.training.stages; Task.fit(checkpoint_dir=..., resume=True); the task
commands' train --resume). The oracle of every resume is the same fit run without interruption (and without
checkpoints): a resumed fit ends with the same weights, bit for bit (CPU, one process: the Trainer's checkpoints
hold every RNG state and the data order is seeded per epoch). Each interruption is a KeyboardInterrupt (what Ctrl-C
and, in the CLI, SIGTERM raise) after k completed epochs; the resumed fit is checked to train fewer epochs than the
whole, so a resume that trained everything again would fail."""

import filecmp
import json

import numpy as np
import pytest
import torch

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.training.callbacks import Callback, control
from toy_data import CLASSIFY_FAST, write_sentiment_csv

TEXTS = [f"{'good fine nice' if i % 2 else 'bad poor awful'} w{i % 7} x{i % 5}" for i in range(60)]
LABELS = ["pos" if i % 2 else "neg" for i in range(60)]
# The network's own 8-wide table (embeddings='own'), not the default's contextual states: ensembles, averaging and
# refusals resume the same way whatever the network reads, and the 384-wide states (encoded, then read every epoch)
# made these fits several times slower. The default's own resume is checked by the first test and the first CLI test.
CFG = {**CLASSIFY_FAST, "epochs": 4, "hidden_size": 8, "embed_dim": 8, "min_freq": 1, "val_fraction": 0.2,
       "patience": 10, "embeddings": "own"}
DEFAULT = {"embeddings": "auto"}         # the default: contextual states for these texts


class StopAfter(Callback):
    """Raise KeyboardInterrupt at the end of the ``at``-th epoch of the ``stage``-th Trainer fit (before that epoch's
    checkpoint: the Checkpointer runs last), so ``at - 1`` epochs of that fit are checkpointed."""

    resume_safe = True

    def __init__(self, at: int, stage: int = 0) -> None:
        self.at, self.stage, self.fits = at, stage, [0]

    def __deepcopy__(self, memo):   # one for every network of an ensemble (callback_copies): it counts their fits
        return self

    def on_fit_start(self, trainer) -> None:
        self.fits[0] += 1

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        if self.fits[0] - 1 == self.stage and epoch + 1 == self.at:
            raise KeyboardInterrupt


class CountEpochs(Callback):
    resume_safe = True

    def __deepcopy__(self, memo):   # every network's epochs
        return self

    def __init__(self) -> None:
        self.n = 0

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        self.n += 1


def _same_net(a, b) -> bool:
    sa, sb = a.net.state_dict(), b.net.state_dict()
    assert sa.keys() == sb.keys()
    differ = {k: float((sa[k].double() - sb[k].double()).abs().max()) for k in sa if not torch.equal(sa[k], sb[k])}
    assert not differ, (differ, a.epoch_log, b.epoch_log)      # which tensors, how far, the two fits' epochs
    return True


def _classifier(**kw):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    return TextClassifier(TextClassifierConfig(**{**CFG, **kw}))


def test_classifier_resumed_after_two_epochs_ends_with_the_uninterrupted_weights(tmp_path):
    whole = _classifier(**DEFAULT).fit(TEXTS, LABELS)
    assert whole.embeddings == "context"      # the default resolved as it does for a user
    with pytest.raises(KeyboardInterrupt):
        _classifier(**DEFAULT).fit(TEXTS, LABELS, callbacks=[StopAfter(3)], checkpoint_dir=tmp_path / "ck")
    count = CountEpochs()
    resumed = _classifier(**DEFAULT).fit(TEXTS, LABELS, callbacks=[count], checkpoint_dir=tmp_path / "ck", resume=True)
    assert count.n == 2                      # epochs 3 and 4: the two checkpointed ones were not trained again
    assert _same_net(whole, resumed)
    assert np.array_equal(whole.predict_proba(TEXTS), resumed.predict_proba(TEXTS))
    assert [r["train_loss"] for r in resumed.epoch_log] == [r["train_loss"] for r in whole.epoch_log]


def test_a_seed_ensemble_resumes_in_its_second_network_and_keeps_the_first(tmp_path):
    """Several Trainer fits one after the other (seeds=2): the first, finished before the interruption, is loaded
    from its checkpoint (no epoch trained), the second continues."""
    whole = _classifier(seeds=2).fit(TEXTS, LABELS)
    with pytest.raises(KeyboardInterrupt):
        _classifier(seeds=2).fit(TEXTS, LABELS, callbacks=[StopAfter(2, stage=1)], checkpoint_dir=tmp_path / "ck")
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["resume.json", "stage-00", "stage-01"]
    count = CountEpochs()
    resumed = _classifier(seeds=2).fit(TEXTS, LABELS, callbacks=[count], checkpoint_dir=tmp_path / "ck", resume=True)
    assert count.n == 3                      # the second network's epochs 2-4 only
    assert np.array_equal(whole.predict_proba(TEXTS), resumed.predict_proba(TEXTS))


def test_tagger_and_time_series_classifier_resume_to_the_same_weights(tmp_path):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig
    from rnnkit.training.stages import checkpointed_fit, data_sha256

    sents = [["the", "cat", "sat"], ["a", "dog", "ran"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 6
    tags = [["D", "N", "V"]] * 24
    rng = np.random.default_rng(0)
    X = [np.sin(np.linspace(0, f, 24))[:, None] + 0.05 * rng.standard_normal((24, 1)) for f in (2, 9) * 12]
    y = ["slow", "fast"] * 12
    for make, data in ((lambda: SequenceTagger(TaggerConfig(epochs=4, hidden_size=8, word_dim=8, char_dim=4,
                                                                char_hidden=4, progress=False)), (sents, tags)),
                       (lambda: TimeSeriesClassifier(TSCConfig(model="rnn", epochs=4, hidden_size=8, patience=10,
                                                               lr=0.01, progress=False)), (X, y))):
        name = make().name
        whole = make().fit(*data)
        # TimeSeriesClassifier.fit has a signature of its own: checkpointed as the CLI's train does it
        with pytest.raises(KeyboardInterrupt), checkpointed_fit(tmp_path / name, task=name, config=whole.config,
                                                                data=data_sha256(data)):
            make().fit(*data, callbacks=[StopAfter(2)])
        count = CountEpochs()
        with checkpointed_fit(tmp_path / name, task=name, config=whole.config, data=data_sha256(data), resume=True):
            resumed = make().fit(*data, callbacks=[count])
        assert count.n == 3 and _same_net(whole, resumed), name


def _interrupted(tmp_path, **kw):
    folder = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        _classifier(**kw).fit(TEXTS, LABELS, callbacks=[StopAfter(2)], checkpoint_dir=folder)
    return folder


@pytest.mark.parametrize("change, match", [
    (dict(texts=TEXTS[:-1] + ["bad poor awful w0 x0 changed"]), r"expected the data of the interrupted fit"),
    (dict(hidden_size=16), r"expected the settings of the interrupted fit .*hidden_size: 8 there, 16 here"),
    (dict(baselines=False), r"expected the baselines of the interrupted fit .*True, got False"),
])
def test_a_resume_with_other_data_settings_or_baselines_is_refused(tmp_path, change, match):
    folder = _interrupted(tmp_path)
    texts = change.pop("texts", TEXTS)
    baselines = change.pop("baselines", True)
    with pytest.raises(CheckpointError, match=match):
        _classifier(**change).fit(texts, LABELS, baselines=baselines, checkpoint_dir=folder, resume=True)
    # progress is not a training setting: a resume may change it
    _classifier(progress=True).fit(TEXTS, LABELS, checkpoint_dir=folder, resume=True)


def test_refusals_of_folders_and_arguments(tmp_path):
    folder = _interrupted(tmp_path)
    with pytest.raises(CheckpointError, match=r"checkpoint_dir: expected a folder holding no earlier fit's checkpoints"):
        _classifier().fit(TEXTS, LABELS, checkpoint_dir=folder)       # a fresh fit never overwrites them
    with pytest.raises(CheckpointError, match=r"resume: expected the checkpoints of an interrupted fit in .*got no such folder"):
        _classifier().fit(TEXTS, LABELS, checkpoint_dir=tmp_path / "other", resume=True)
    with pytest.raises(ConfigError, match=r"resume: expected a checkpoint_dir to resume from"):
        _classifier().fit(TEXTS, LABELS, resume=True)
    with pytest.raises(InputTypeError, match=r"resume: expected True or False, got 'yes'"):
        _classifier().fit(TEXTS, LABELS, checkpoint_dir=folder, resume="yes")
    from rnnkit.tasks.tagging import SequenceTagger

    with pytest.raises(CheckpointError, match=r"expected the checkpoints of a 'tag' fit, got a 'classify' fit's"):
        SequenceTagger().fit([["a"], ["b"]], [["X"], ["Y"]], checkpoint_dir=folder, resume=True)
    record = json.loads((folder / "resume.json").read_text())
    record["body"]["config"]["epochs"] = 9                   # edited by hand: its own sha256 no longer matches
    (folder / "resume.json").write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=r"resume.json: expected the body recorded by its sha256"):
        _classifier().fit(TEXTS, LABELS, checkpoint_dir=folder, resume=True)


@pytest.mark.parametrize("kw, reason", [
    (dict(max_seconds=600.0), r"its time budget \(max_seconds=600.0\) counts wall time"),
])
def test_a_fit_that_cannot_resume_to_the_same_model_is_refused_with_the_reason(tmp_path, kw, reason):
    folder = _interrupted(tmp_path, **kw)
    with pytest.raises(CheckpointError, match=r"expected a fit that can be resumed, got one .* that cannot: " + reason):
        _classifier(**kw).fit(TEXTS, LABELS, checkpoint_dir=folder, resume=True)


def test_a_trainer_fit_that_takes_no_stage_makes_the_fit_unresumable(tmp_path):
    """A Trainer without run_dir inside a checkpointed fit (a task that builds its own Trainer) is never
    checkpointed: the record says so as soon as it starts."""
    from rnnkit.training import TrainConfig, Trainer
    from rnnkit.training.stages import checkpointed_fit, read_manifest

    net = torch.nn.Linear(2, 1)
    with checkpointed_fit(tmp_path, task="x", config={"a": 1}, data="0" * 64):
        Trainer(net, lambda m, b: m(b).pow(2).mean(), config=TrainConfig(epochs=1, quiet=True)).fit([torch.ones(3, 2)])
    assert "outside the checkpointed stages" in read_manifest(tmp_path)["unresumable"]


# ---------------------------------------------------------------------------------------------- the CLI
def _cli_interrupted(tmp_path, monkeypatch, argv, after: int = 2):
    """Run ``argv`` with a KeyboardInterrupt right after the ``after``-th checkpoint (exit 130)."""
    from rnnkit.cli.main import main

    real, n = control.Checkpointer._save, [0]

    def save_then_stop(self, trainer):
        real(self, trainer)
        n[0] += 1
        if n[0] == after:
            raise KeyboardInterrupt

    monkeypatch.setattr(control.Checkpointer, "_save", save_then_stop)
    assert main(argv) == 130
    monkeypatch.setattr(control.Checkpointer, "_save", real)


def test_cli_train_resume_saves_the_run_an_uninterrupted_train_saves(tmp_path, monkeypatch, capsys):
    from rnnkit.cli.main import main

    write_sentiment_csv(tmp_path / "d.csv")
    argv = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "4", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--json"]           # the default's run
    (tmp_path / "whole" / "training").mkdir(parents=True)    # a folder of the user's own, named alike
    (tmp_path / "whole" / "training" / "notes.txt").write_text("mine")
    assert main(argv + ["--out", str(tmp_path / "whole")]) == 0
    assert [p.name for p in (tmp_path / "whole" / "training").iterdir()] == ["notes.txt"]   # only ours removed
    run = tmp_path / "run"
    _cli_interrupted(tmp_path, monkeypatch, argv + ["--out", str(run)])
    assert (run / "training" / "resume.json").is_file() and not (run / "model.safetensors").exists()
    capsys.readouterr()
    assert main(argv + ["--out", str(run)]) == 2          # a fresh train never overwrites the checkpoints
    assert "holding the checkpoints of one (training/): add --resume" in capsys.readouterr().err
    assert main(argv + ["--out", str(run), "--resume", "--limit", "20"]) == 1
    err = capsys.readouterr().err
    assert "expected the flags of the interrupted fit" in err and "--limit: None there, 20 here" in err, err
    assert main(argv + ["--out", str(run), "--resume"]) == 0
    for name in ("model.safetensors", "vocab.json", "split.json", "baseline.safetensors"):
        assert filecmp.cmp(tmp_path / "whole" / name, run / name, shallow=False), name
    assert not (run / "training").exists()                # the saved run needs no checkpoints
    capsys.readouterr()
    assert main(argv + ["--out", str(run), "--resume"]) == 2
    assert "a finished run (saved; its checkpoints were removed): nothing to resume" in capsys.readouterr().err
    assert main(argv + ["--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "got '" + str(tmp_path / "none") + "': no such folder" in capsys.readouterr().err


def test_cli_resume_of_an_unresumable_training_is_refused_before_the_data_is_read(tmp_path, monkeypatch, capsys):
    from rnnkit.cli.main import main

    write_sentiment_csv(tmp_path / "d.csv")
    argv = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "3", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--max-seconds", "600", "--out", str(tmp_path / "run"),
            "--embeddings", "own"]
    _cli_interrupted(tmp_path, monkeypatch, argv, after=1)
    (tmp_path / "d.csv").unlink()                         # not read: the refusal comes first
    capsys.readouterr()
    assert main(argv + ["--resume"]) == 2
    assert "cannot be resumed: its time budget (--max-seconds 600.0)" in capsys.readouterr().err   # as typed (s29)
    write_sentiment_csv(tmp_path / "d.csv")
    assert main(argv) == 0                                # train anew: checkpoints of no use are replaced
    assert not (tmp_path / "run" / "training").exists()


@pytest.mark.parametrize("kw", [dict(ensemble=2, average_last=2)])
def test_translator_resumes_to_the_uninterrupted_weights(tmp_path, kw):
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
    from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

    src, tgt = PAIRS_DE * 3, PAIRS_EN * 3             # 24 pairs: a validation split (20 or more)
    make = lambda: Translator(Seq2SeqConfig(**{**SEQ2SEQ_FAST, "epochs": 4, "val_fraction": 0.25, "patience": 10, **kw}))
    whole = make().fit(src, tgt)
    stage = kw.get("ensemble", 1) - 1                   # the ensemble: in its second member
    with pytest.raises(KeyboardInterrupt):
        make().fit(src, tgt, callbacks=[StopAfter(2, stage=stage)], checkpoint_dir=tmp_path)
    count = CountEpochs()
    resumed = make().fit(src, tgt, callbacks=[count], checkpoint_dir=tmp_path, resume=True)
    assert count.n == 3 and _same_net(whole, resumed)
    assert whole.translate(src[:8]) == resumed.translate(src[:8])


def test_cli_resume_auto_is_one_command_for_a_first_run_and_its_retries(tmp_path, monkeypatch, capsys):
    """`--resume` refuses a folder with nothing to resume and a plain train refuses an interrupted one, so a scheduler
    retrying a pre-empted job had no single command (V's finding). `--resume auto`: trains anew where nothing can be
    resumed, continues where a training was interrupted -- the run an uninterrupted train saves (the oracle)."""
    from rnnkit.cli.main import main

    write_sentiment_csv(tmp_path / "d.csv")
    argv = ["classify", "train", "--csv", str(tmp_path / "d.csv"), "--epochs", "3", "--min-freq", "1",
            "--hidden-size", "8", "--embed-dim", "8", "--quiet", "--json", "--embeddings", "own"]
    assert main(argv + ["--out", str(tmp_path / "whole")]) == 0
    assert main(argv + ["--out", str(tmp_path / "first"), "--resume", "auto"]) == 0        # nothing to resume
    run = tmp_path / "run"
    _cli_interrupted(tmp_path, monkeypatch, argv + ["--out", str(run), "--resume", "auto"])
    assert main(argv + ["--out", str(run), "--resume", "auto"]) == 0                        # the retry continues
    for name in ("model.safetensors", "vocab.json"):
        assert filecmp.cmp(tmp_path / "whole" / name, tmp_path / "first" / name, shallow=False), name
        assert filecmp.cmp(tmp_path / "whole" / name, run / name, shallow=False), name
    capsys.readouterr()
    assert main(argv + ["--out", str(run), "--resume", "yes"]) == 2
    assert "--resume: expected no value or 'auto', got 'yes'" in capsys.readouterr().err


@pytest.mark.parametrize("kw", [dict(epoch_average="on"), dict(snapshots=2)])
def test_classifier_averaging_resumes_to_the_uninterrupted_weights(tmp_path, kw):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    make = lambda: TextClassifier(TextClassifierConfig(**{**CFG, **kw}))
    whole = make().fit(TEXTS, LABELS)
    with pytest.raises(KeyboardInterrupt):
        make().fit(TEXTS, LABELS, callbacks=[StopAfter(3)], checkpoint_dir=tmp_path)
    count = CountEpochs()
    resumed = make().fit(TEXTS, LABELS, callbacks=[count], checkpoint_dir=tmp_path, resume=True)
    assert count.n < 4 and _same_net(whole, resumed)
    assert (whole.predict_proba(TEXTS[:10]) == resumed.predict_proba(TEXTS[:10])).all()
