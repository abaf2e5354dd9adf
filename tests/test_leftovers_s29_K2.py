"""Session 29, helper K: generate sample --prompt '' is a usage error (exit 2), as the other bad flag values are."""

from rnnkit.cli.main import main


def test_empty_prompt_is_a_usage_error_before_the_run_is_read(tmp_path, capsys):
    # before: the library's DataError after loading the run, exit 1 ('DataError: --prompt: expected a non-empty text')
    assert main(["generate", "sample", "--run", str(tmp_path / "run"), "--prompt", "", "--threads", "1"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rnnkit generate: error: --prompt: expected a non-empty text, got ''"]
