"""``hopfield digits --rules hebbian`` ran one documented choice and was refused for a flag never typed
('--picture-rule: expected one of --rules ['hebbian'], got 'storkey'': the picture's default rule), in the CLI and
in ``digits_experiment(rules=["hebbian"])`` alike (helper C's all-pairs run, session 29). The picture shows
Storkey's recalls when that rule runs, else the first rule's; a picture rule typed outside --rules is still refused."""

from __future__ import annotations

import pytest

from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread")


def test_one_rule_runs_without_naming_the_picture_rule():
    from rnnkit.hopfield.experiments import digits_experiment

    r = digits_experiment(classes=[0, 1], rules=["hebbian"], n_cues=2)
    assert r["picture_rule"] == "hebbian" and list(r["results"]) == ["hebbian"]
    assert digits_experiment(classes=[0, 1], rules=["hebbian", "storkey"], n_cues=2)["picture_rule"] == "storkey"
    with pytest.raises(ConfigError, match=r"^picture_rule: expected one of the rules run \['hebbian'\], got 'storkey'$"):
        digits_experiment(classes=[0, 1], rules=["hebbian"], n_cues=2, picture_rule="storkey")


def test_cli_digits_with_one_rule(tmp_path, capsys):
    from rnnkit.cli.main import main

    argv = ["hopfield", "digits", "--rules", "hebbian", "--classes", "0", "1", "--n-cues", "2", "--threads", "1"]
    assert main(argv + ["--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a").is_dir()
    capsys.readouterr()
    assert main(argv + ["--picture-rule", "storkey", "--out", str(tmp_path / "b")]) == 2
    assert "--picture-rule: expected one of --rules ['hebbian'], got 'storkey'" in capsys.readouterr().err
