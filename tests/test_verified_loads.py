"""Every file a user loads is verified: digests recorded at save, checked at load (issue 14, item 1).

The digest map (checkpoint.write_digests / verify_digests) is tested here against hashlib as the oracle;
the Trainer's final weights and every task run folder are tested below it by flipping one exponent bit
of one stored float, corrupting JSON, deleting the digest map and editing config values."""

import hashlib
import json
import struct
from pathlib import Path

import pytest

from rnnkit.errors import CheckpointError
from rnnkit.training.checkpoint import DIGESTS_FILE, read_json, verify_digests, write_digests

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)


# ---------------------------------------------------------------------------------------- digest map
@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"weights")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text('{"x": 1}')
    write_digests(tmp_path, ["a.bin", Path("sub") / "b.json"])
    return tmp_path


def test_digests_match_hashlib(folder):
    data = json.loads((folder / DIGESTS_FILE).read_text())
    assert data == {"format": 1, "sha256": {"a.bin": hashlib.sha256(b"weights").hexdigest(),
                                            "sub/b.json": hashlib.sha256(b'{"x": 1}').hexdigest()}}
    assert verify_digests(folder, ["a.bin", "sub/b.json"]) == data["sha256"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]  # atomic write left no temp


def test_changed_or_missing_file_is_named(folder):
    (folder / "sub" / "b.json").write_text('{"x": 2}')
    with pytest.raises(CheckpointError, match=r"b\.json: expected sha256 .*corrupt or was modified"):
        verify_digests(folder)
    (folder / "sub" / "b.json").unlink()
    with pytest.raises(CheckpointError, match=r"b\.json: expected a file .*missing"):
        verify_digests(folder)


@pytest.mark.parametrize("content, match", [
    (None, "digests.json: expected a digest map.*missing"),
    ("{not json", "digests.json: expected a digest map.*invalid JSON"),
    (b"\xff\xfe", "digests.json: expected a digest map.*UTF-8"),
    ('{"format": 2, "sha256": {}}', "digests.json: expected .*format"),
    ('{"format": 1, "sha256": []}', "digests.json: expected .*format"),
    ('{"format": 1, "sha256": {}}', "digests.json: .*empty map"),
    ('{"format": 1, "sha256": {"a.bin": "xyz"}}', "digests.json: 'a.bin': expected a 64-digit hex"),
    ('[1, 2]', "digests.json: expected .*got list"),
])
def test_bad_digest_map_is_an_error_not_a_skipped_check(folder, content, match):
    path = folder / DIGESTS_FILE
    if content is None:
        path.unlink()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(CheckpointError, match=match):
        verify_digests(folder, ["a.bin"])


def test_file_about_to_be_loaded_must_be_listed(folder):
    (folder / "c.bin").write_bytes(b"unlisted")
    with pytest.raises(CheckpointError, match=r"c\.bin: expected its sha256 in digests.json, got no entry"):
        verify_digests(folder, ["a.bin", "c.bin"])


@pytest.mark.parametrize("names", [["/etc/passwd"], ["../x"], "a.bin", []])
def test_write_digests_refuses_bad_names(folder, names):
    with pytest.raises(CheckpointError, match="names"):
        write_digests(folder, names)


def test_write_digests_of_missing_file(folder):
    with pytest.raises(CheckpointError, match=r"nope\.bin: expected a file"):
        write_digests(folder, ["nope.bin"])


@pytest.mark.parametrize("content, match", [
    (None, "missing"), ('{"a": ', "invalid JSON"), (b'{"a": "\xff"}', "UTF-8"),
])
def test_read_json_errors_name_the_file(tmp_path, content, match):
    path = tmp_path / "config.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(CheckpointError, match=rf"config\.json: expected a run config.*{match}") as e:
        read_json(path, "a run config")
    assert "\n" not in str(e.value)
    path.write_text('{"a": [1, 2.5]}')
    assert read_json(path) == {"a": [1, 2.5]}


@pytest.mark.parametrize("content, match", [
    ('{"tokens": ["<pad>"', "invalid JSON"), ('{"tokens": [1], "specials": []}', "expected strings"),
    ('{"tokens": ["a"]}', "'tokens' and 'specials' lists"), ('{"tokens": ["a"], "specials": ["<pad>"]}', "specials"),
])
def test_vocab_file_errors_name_the_file(tmp_path, content, match):
    from rnnkit.data.vocab import Vocab

    v = Vocab.build([["a", "b"]])
    v.save(tmp_path / "v.json")
    assert Vocab.load(tmp_path / "v.json") == v
    (tmp_path / "v.json").write_text(content)
    with pytest.raises(CheckpointError, match=rf"v\.json: expected a vocabulary, got .*{match}"):
        Vocab.load(tmp_path / "v.json")


def flip_exponent_bit(path: Path) -> None:
    """Flip the top exponent bit of the first float32/float64 stored in a safetensors file (a weight of
    0.5 becomes ~1.7e38 in float32)."""
    raw = bytearray(path.read_bytes())
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_len])
    sizes = {"F32": 4, "F64": 8}
    name = next(k for k, v in header.items() if k != "__metadata__" and v["dtype"] in sizes)
    start = 8 + header_len + header[name]["data_offsets"][0]
    raw[start + sizes[header[name]["dtype"]] - 1] ^= 0x40  # little-endian: the last byte holds sign + top exponent bits
    path.write_bytes(bytes(raw))


# ---------------------------------------------------------------------------------------- run folders
TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 6


def _classify(out):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 4
    labels = ["pos", "neg", "pos", "neg"] * 4
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0,
                               progress=False)
    TextClassifier(cfg).fit(texts, labels).save(out)  # the network and its TF-IDF + LR baseline
    return TextClassifier.load, lambda m: m.predict_proba(texts[:4])


def _tag(out):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents, tags = [["ka", "lo"], ["mi", "nu", "po"]] * 4, [["B-x", "O"], ["O", "O", "B-x"]] * 4
    cfg = TaggerConfig(word_dim=4, char_dim=4, char_hidden=4, hidden_size=4, epochs=1, batch_size=8,
                       val_fraction=0.0, progress=False)
    SequenceTagger(cfg).fit(sents, tags).save(out)
    return SequenceTagger.load, lambda m: m.predict(sents[:2])


def _tsc(out):
    import numpy as np

    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32) for _ in range(12)]
    y = ["a", "b"] * 6
    cfg = TSCConfig(hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False)
    TimeSeriesClassifier(cfg).fit(X, y).save(out)
    return TimeSeriesClassifier.load, lambda m: m.predict_proba(X[:4])


def _generate(out):
    from rnnkit.tasks.generation import CharLM, CharLMConfig, NGramCharModel

    cfg = CharLMConfig(embed_dim=4, hidden_size=4, batch_size=2, bptt=5, chunks_per_round=2, rounds=1, progress=False)
    CharLM(cfg).fit(TEXT, baselines={"ngram": NGramCharModel(2)}).save(out)
    return CharLM.load, lambda m: m.bits_per_char(TEXT[:50])


def _translate(out):
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    src, tgt = ["one", "two", "three", "four"] * 3, ["un", "deux", "trois", "quatre"] * 3
    cfg = Seq2SeqConfig(embed_dim=4, enc_hidden=4, dec_hidden=8, epochs=1, batch_size=8, val_fraction=0.0, beam=1,
                        progress=False)
    Translator(cfg).fit(src, tgt).save(out)
    return Translator.load, lambda m: m.translate(src[:2])


def _trainer(out):
    import rnnkit
    from rnnkit.training import TrainConfig, Trainer, load_weights

    def net():
        torch.manual_seed(0)
        return rnnkit.GRU(2, 3, batch_first=True)

    data = [(torch.randn(2, 4, 2), torch.randn(2, 4, 3))]
    Trainer(net(), lambda m, b: torch.nn.functional.mse_loss(m(b[0])[0], b[1]),
            config=TrainConfig(epochs=1, quiet=True), run_dir=out).fit(data)
    return (lambda run: load_weights(net(), Path(run) / "model.safetensors")), lambda m: m(data[0][0])[0]


import torch  # noqa: E402 - after the digest-map tests, which need no torch

BUILDERS = {"classify": _classify, "tag": _tag, "tsc": _tsc, "generate": _generate, "translate": _translate,
            "trainer": _trainer}
TASKS = [k for k in BUILDERS if k != "trainer"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One tiny trained run folder per task (and one Trainer run), built once: name -> (folder, load, use)."""
    made = {}

    def get(name):
        if name not in made:
            folder = tmp_path_factory.mktemp(name) / "run"
            torch.manual_seed(0)
            load, use = BUILDERS[name](folder)
            made[name] = (folder, load, use)
        return made[name]

    return get


@pytest.fixture
def run(pristine, tmp_path, request):
    """A fresh copy of the task's pristine run folder: (folder, load, use)."""
    import shutil

    src, load, use = pristine(request.param)
    dst = tmp_path / "run"
    shutil.copytree(src, dst)
    return dst, load, use


def _rehash(folder):
    """Re-record the digests of the files already listed: what a user editing files by hand would do."""
    write_digests(folder, sorted(json.loads((folder / DIGESTS_FILE).read_text())["sha256"]))


def _edit_json(path, fn):
    """Change the JSON in ``path`` in place with ``fn(data)`` (its return value is ignored)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _replace(text):
    """An edit that replaces the whole file by ``text``."""
    return lambda d: text


@pytest.mark.parametrize("run", list(BUILDERS), indirect=True)
def test_saved_run_lists_its_files_and_loads(run, request):
    folder, load, use = run
    listed = set(json.loads((folder / DIGESTS_FILE).read_text())["sha256"])
    if request.node.callspec.params["run"] == "trainer":  # the final weights and the config they belong to
        assert listed == {"config.json", "model.safetensors"}
    else:  # every file of a task run folder
        assert listed == {p.name for p in folder.iterdir()} - {DIGESTS_FILE} and "vocab.json" in listed
    use(load(folder))  # loads and runs


@pytest.mark.parametrize("run", list(BUILDERS), indirect=True)
def test_flipped_exponent_bit_in_weights_is_refused(run):
    folder, load, _ = run
    flip_exponent_bit(folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"model\.safetensors: expected sha256 .*corrupt or was modified"):
        load(folder)


@pytest.mark.parametrize("run", ["classify", "tsc"], indirect=True)
def test_flipped_bit_in_baseline_is_refused(run):
    folder, load, _ = run
    flip_exponent_bit(folder / "baseline.safetensors")
    with pytest.raises(CheckpointError, match=r"baseline\.safetensors: expected sha256"):
        load(folder)


@pytest.mark.parametrize("run", list(BUILDERS), indirect=True)
@pytest.mark.parametrize("damage, match", [
    (lambda p: p.unlink(), "digests.json: expected a digest map.*missing"),
    (lambda p: p.write_text('{"format": 1, "sha256": {}}'), "digests.json: .*empty map"),
    (lambda p: p.write_text("{"), "digests.json: .*invalid JSON"),
])
def test_missing_or_empty_digest_map_is_an_error(run, damage, match):
    folder, load, _ = run
    damage(folder / DIGESTS_FILE)
    with pytest.raises(CheckpointError, match=match):
        load(folder)


@pytest.mark.parametrize("run", list(BUILDERS), indirect=True)
def test_edited_config_is_refused_by_its_digest(run):
    folder, load, _ = run
    _edit_json(folder / "config.json", lambda d: d.update(edited=True))
    with pytest.raises(CheckpointError, match=r"config\.json: expected sha256"):
        load(folder)


@pytest.mark.parametrize("run", TASKS, indirect=True)
@pytest.mark.parametrize("key, value", [("lr", -1.0), ("lr", "0.1"), ("seed", 1.5), ("progress", "yes")])
def test_config_values_are_validated_as_if_typed(run, key, value):
    folder, load, _ = run
    _edit_json(folder / "config.json", lambda d: d["config"].update({key: value}))
    _rehash(folder)  # the digest is right: the value itself must be refused
    with pytest.raises(CheckpointError, match=rf"config\.json: expected a valid \w+Config, got {key}: expected"):
        load(folder)


def _drop_first_vocab(d):
    d.pop(sorted(d)[0])


def _first_vocab_tokens(value):
    def fn(d):
        d[sorted(d)[0]]["tokens"] = value
    return fn


@pytest.mark.parametrize("run", TASKS, indirect=True)
@pytest.mark.parametrize("file, edit, match", [
    ("config.json", _replace("{not json"), "expected a '\\w+' run config, got invalid JSON"),
    ("config.json", lambda d: d["config"].pop("lr"), "expected the keys of \\w+Config, got unknown \\[\\], missing \\['lr'\\]"),
    ("config.json", lambda d: d["config"].update(surprise=1), "unknown \\['surprise'\\]"),
    ("config.json", lambda d: d.pop("config"), "expected 'config' as a JSON object, got no such key"),
    ("config.json", lambda d: d.update(state=[1]), "expected 'state' as a JSON object, got list"),
    ("config.json", _replace("[{}]"), "expected a '\\w+' run folder, got a 'list' run"),
    ("config.json", lambda d: d.update(schema_version="2"), "expected schema_version 2, got '2'"),
    ("config.json", lambda d: d.update(schema_version=1), "expected schema_version 2, got 1 .*train it again"),
    ("vocab.json", _replace("[1, 2"), "expected the run's vocabularies, got invalid JSON"),
    ("vocab.json", _replace("[]"), "expected a JSON object of vocabularies, got list"),
    ("vocab.json", _drop_first_vocab, "expected a '\\w+' vocabulary, got \\["),
    ("vocab.json", _first_vocab_tokens(7), "expected a '\\w+' vocabulary, got vocab: expected a dict"),
    ("vocab.json", _first_vocab_tokens([1, 2]), "expected a '\\w+' vocabulary, got vocab\\['(specials|tokens)'\\]: expected strings"),
    ("vocab.json", _first_vocab_tokens(["<pad>", "<pad>"]), "expected a '\\w+' vocabulary, got"),
])
def test_corrupt_json_is_a_checkpoint_error_naming_the_file(run, file, edit, match):
    folder, load, _ = run
    path = folder / file
    data = json.loads(path.read_text(encoding="utf-8"))
    text = edit(data)
    path.write_text(text if isinstance(text, str) else json.dumps(data), encoding="utf-8")
    _rehash(folder)  # past the digest: the content checks must catch it
    with pytest.raises(CheckpointError, match=rf"{file.replace('.', '[.]')}: .*{match}") as e:
        load(folder)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("run", TASKS, indirect=True)
def test_weights_that_do_not_fit_the_config_are_refused(run):
    from safetensors.torch import load_file, save_file

    folder, load, _ = run
    state = load_file(folder / "model.safetensors")
    name = sorted(state)[0]
    state[name] = state[name].double()  # same values, another dtype: never converted silently
    save_file(state, folder / "model.safetensors")
    _rehash(folder)
    with pytest.raises(CheckpointError, match=rf"model\.safetensors .*{name}.*dtype"):
        load(folder)


@pytest.mark.parametrize("run", ["classify"], indirect=True)
def test_cli_reports_a_corrupt_run_in_one_line_with_exit_1(run, tmp_path, capsys):
    from rnnkit.cli.main import main

    folder, _, _ = run
    (tmp_path / "in.txt").write_text("good nice\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(folder), "--input", str(tmp_path / "in.txt")]) == 0
    capsys.readouterr()
    flip_exponent_bit(folder / "model.safetensors")
    assert main(["classify", "predict", "--run", str(folder), "--input", str(tmp_path / "in.txt")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "model.safetensors: expected sha256" in err and "Traceback" not in err
    _edit_json(folder / "vocab.json", lambda d: d.pop("labels"))
    _rehash(folder)
    assert main(["classify", "predict", "--run", str(folder), "--input", str(tmp_path / "in.txt")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "vocab.json: expected a 'labels' vocabulary" in err
