"""Session 29, helper K: a flag's value starting with '-' (a folder named '-run') was argparse's bare "expected one
argument"; the error now says how to give it."""

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, hint", [
    (["classify", "predict", "--run", "-run"], " (a value starting with '-' reads as a flag: write --run=-run, or "
                                               "./-run for a path)"),
    (["tag", "evaluate", "--run", "-r"], " (a value starting with '-' reads as a flag: write --run=-r, or ./-r for a "
                                         "path)"),
    (["classify", "train", "--csv", "--quiet"], ""),     # a flag of the command: the value was left out, no hint
])
def test_a_value_starting_with_a_dash_is_hinted(capsys, argv, hint):
    assert main(argv) == 2
    flag = argv[2]
    prog = f"rnnkit {argv[0]} {argv[1]}"
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{prog}: error: argument {flag}: expected one argument{hint} (see {prog} --help)"]
