"""`rnnkit translate train` with a lexicon and neither --decode nor --beam decodes by default with the noisy channel over
the 12-best (session 33: pre-registered on trans-de-en's 882 validation pairs with the lexicon run, chrF 33.95 ->
34.54, BLEU 9.88 -> 9.58, 2.7x the decode CPU; test split once 33.87 -> 34.39). A --decode or --beam given is kept;
without a lexicon nothing changes (beam 5)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _config(tmp_path, *flags):
    from rnnkit.cli.main import build_parser
    from rnnkit.cli.translate import COMMAND

    args = build_parser().parse_args(["translate", "train", *flags, "--out", str(tmp_path / "o")])
    return COMMAND.make_config(args)


@pytest.mark.parametrize("flags, decode, beam", [
    (["--dataset", "trans-de-en"], "channel", 12),                       # the dataset's default lexicon
    (["--dataset", "trans-de-en", "--lexicon", "none"], "beam", 5),
    (["--dataset", "trans-de-en", "--beam", "5"], "beam", 5),             # a beam given: the plain beam's best
    (["--dataset", "trans-de-en", "--decode", "mbr"], "mbr", 5),
    (["--dataset", "trans-de-en", "--decode", "channel", "--beam", "7"], "channel", 7),
    (["--dataset", "trans-de-en", "--model", "char"], "beam", 5),         # no lexicon for the char model
    (["--dataset", "num2words-en-fr"], "beam", 5),
])
def test_the_default_decoding_follows_the_lexicon(tmp_path, flags, decode, beam):
    cfg = _config(tmp_path, *flags)
    assert (cfg.decode, cfg.beam) == (decode, beam)


def test_a_run_trained_with_a_lexicon_file_decodes_with_its_channel(tmp_path):
    rows = ["Das Haus ist alt.\tThe house is old.", "Der Hund bellt laut.\tThe dog barks loudly.",
            "Ich habe keine Ahnung.\tI have no idea.", "Er geht nach Hause.\tHe goes home."] * 6
    (tmp_path / "p.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "lex.tsv").write_text("Haus\thouse\nHund\tdog\n", encoding="utf-8")
    run = tmp_path / "run"
    cli = [sys.executable, "-m", "rnnkit", "translate"]
    subprocess.run([*cli, "train", "--tsv", str(tmp_path / "p.tsv"), "--lexicon", str(tmp_path / "lex.tsv"),
                    "--epochs", "1", "--threads", "1", "--quiet", "--out", str(run)], check=True, capture_output=True)
    cfg = json.loads((run / "config.json").read_text(encoding="utf-8"))
    text = json.dumps(cfg)
    assert '"decode": "channel"' in text and '"beam": 12' in text
    assert '"channel"' in text.replace('"decode": "channel"', "")          # the reverse channel model is saved
    out = subprocess.run([*cli, "predict", "--run", str(run)], input="Der Hund ist alt.\n", text=True,
                         capture_output=True, check=True)
    assert out.stdout.strip()                                               # decodes with its default (the channel)
