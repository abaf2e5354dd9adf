"""benchmarks/bench_translation.py --set KEY=JSON: a candidate recipe of the dict-pointer fit (session 14's larger
network) runs through the bench's own command, and a bad --set / --override is a one-line error naming the flag.
Each test fails on the code before (no --set: argparse's exit 2; --override's bad JSON was a bare JSONDecodeError,
after loading the run)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_translation as bench  # noqa: E402

from rnnkit.errors import InputTypeError  # noqa: E402
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator  # noqa: E402


def test_set_sizes_reach_the_fit_and_the_saved_run(tmp_path):
    out, run = tmp_path / "o.json", tmp_path / "run"
    bench.main(["--limit", "80", "--epochs", "1", "--threads", "1", "--beam", "2", "--out", str(out), "--run", str(run),
                "--set", "enc_hidden=8", "--set", "dec_hidden=12", "--set", "embed_dim=8", "--set", "dropout=0.0"])
    got = json.loads(out.read_text())["configs"]["dict-pointer"]
    control = Seq2SeqConfig(epochs=1, beam=2, lexicon="trans-de-en")   # the same command without --set (the
    # trans-de-en word lexicon is the bench's default since session 33)
    changed = {k for k, v in got.items() if v != getattr(control, k)}
    assert changed == {"enc_hidden", "dec_hidden", "embed_dim", "dropout"}
    assert (got["enc_hidden"], got["dec_hidden"], got["embed_dim"], got["dropout"]) == (8, 12, 8, 0.0)
    net = Translator.load(run).net                           # the weights trained are that size, not only the record
    assert net.bridge.out_features == 12 and net.bridge.in_features == 2 * 8 and net.tgt_embed.embedding_dim == 8


@pytest.mark.parametrize("argv, words", [
    (["--set", "hidden=384"], ["--set: expected KEY=JSON", "'dec_hidden'", "'hidden=384'"]),
    (["--set", "dec_hidden"], ["--set: expected KEY=JSON", "'dec_hidden'"]),
    (["--set", "dec_hidden=big"], ["--set: expected KEY=JSON with a JSON value", "'dec_hidden=big'"]),
    (["--set", "epochs=3"], ["--set: expected KEY=JSON", "'epochs=3'"]),        # --epochs is the bench's own flag
    (["--set", "dec_hidden=384", "--from-run", "RUN"], ["--set: expected no --from-run", "RUN"]),
])
def test_bad_set_is_one_line_naming_the_flag(argv, words, tmp_path):
    assert bench.parse_settings(["dec_hidden=384", "dropout=0.2"], bench.FIT_FIELDS, "--set") == \
        {"dec_hidden": 384, "dropout": 0.2}                  # the control: good settings parse
    with pytest.raises(SystemExit) as e:
        bench.main([*argv, "--out", str(tmp_path / "o.json")])
    msg = str(e.value.code)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_set_value_of_the_wrong_type_is_the_configs_typed_error_before_the_data(monkeypatch, tmp_path):
    monkeypatch.setattr("rnnkit.data.translation.load_trans_de_en",
                        lambda *a, **k: pytest.fail("the data was read before the settings were checked"))
    with pytest.raises(InputTypeError, match="dec_hidden: expected an int"):
        bench.main(["--set", 'dec_hidden="384"', "--out", str(tmp_path / "o.json")])


def test_override_bad_json_is_named_before_the_run_is_read(tmp_path):
    with pytest.raises(SystemExit) as e:
        bench.load_run(tmp_path / "no-such-run", ["beam=five"])
    assert "--override: expected KEY=JSON with a JSON value" in str(e.value.code)
    assert bench.parse_settings(["beam=5"], bench.DECODE_FIELDS, "--override") == {"beam": 5}
