"""Session 33 review (helper W): c18c17c made the trans-de-en word lexicon the default of `rnnkit translate train
--dataset trans-de-en`, for every model: `--dataset trans-de-en --model char` (a fit that ran until then) was refused
with "--lexicon: expected no --lexicon for --model char ..., got 'trans-de-en'" -- a flag the user never gave. The
default is the dict-pointer's only; the char model gets none, and an explicit --lexicon with it is still refused."""

from __future__ import annotations

import pytest

from rnnkit.errors import ConfigError


@pytest.mark.parametrize("model, want", [(None, "trans-de-en"), ("dict-pointer", "trans-de-en"), ("char", None)])
def test_the_dataset_default_lexicon_is_the_dict_pointers_only(tmp_path, model, want):
    from rnnkit.cli.main import build_parser
    from rnnkit.cli.translate import COMMAND

    flags = [] if model is None else ["--model", model]
    args = build_parser().parse_args(["translate", "train", "--dataset", "trans-de-en", *flags, "--out",
                                      str(tmp_path / "o")])
    cfg = COMMAND.make_config(args)
    assert cfg.lexicon == want and cfg.model == (model or "dict-pointer")


def test_an_explicit_lexicon_with_the_char_model_is_still_refused(tmp_path):
    from rnnkit.cli.main import build_parser
    from rnnkit.cli.translate import COMMAND

    args = build_parser().parse_args(["translate", "train", "--dataset", "trans-de-en", "--model", "char",
                                      "--lexicon", "trans-de-en", "--out", str(tmp_path / "o")])
    with pytest.raises(ConfigError, match="lexicon"):
        COMMAND.make_config(args)
