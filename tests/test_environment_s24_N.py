"""The same command in another environment (session 24, helper N): locale, stdout encoding, ...

Each case runs rnnkit in a child process with the environment changed; the oracle is the same command in the
ordinary environment (UTF-8 stdout)."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

IDS = ["café", "中文"]


def _panel(path):
    rows = [(sid, f"2024-01-{i + 1:02d}", 10 + i % 7 + k) for k, sid in enumerate(IDS) for i in range(30)]
    pd.DataFrame(rows, columns=["id", "date", "y"]).to_csv(path, index=False)


def _untimed(out: bytes) -> list:
    """The printed lines but the one of timings ('time: fit_s 0.04')."""
    return [line for line in out.splitlines() if not line.startswith(b"time: ")]


def _run(args, cwd, **env):
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    full.update(OMP_NUM_THREADS="1", **env)
    return subprocess.run([sys.executable, "-m", "rnnkit", *args], cwd=cwd, env=full, capture_output=True,
                          timeout=300)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_forecast_on_a_narrow_stdout_escapes_the_ids_and_keeps_the_run(tmp_path, encoding):
    """PYTHONIOENCODING=ascii or latin-1 (or a C / Latin-1 locale without UTF-8 mode): printing the id '中文'
    raised UnicodeEncodeError -- exit 1, the table lost (the files were written). Now the printed text is the
    UTF-8 run's with the characters the encoding cannot write escaped (Latin-1 writes 'café' itself), one
    warning says so, and the files are the same."""
    _panel(tmp_path / "p.csv")
    cmd = ["forecast", "--csv", "p.csv", "--target", "y", "--time-col", "date", "--id-col", "id", "--horizon", "2",
           "--model", "seasonal_naive", "--threads", "1", "--no-plot"]
    ref = _run([*cmd, "--out", "utf8"], tmp_path, PYTHONIOENCODING="utf-8")
    assert ref.returncode == 0, ref.stderr.decode()
    assert "café" in ref.stdout.decode("utf-8")
    got = _run([*cmd, "--out", "narrow"], tmp_path, PYTHONIOENCODING=encoding)
    err = got.stderr.decode(encoding)
    assert got.returncode == 0, err
    want = ref.stdout.decode("utf-8").replace("utf8/", "narrow/").encode(encoding, "backslashreplace")
    assert _untimed(got.stdout) == _untimed(want)
    warned = [line for line in err.splitlines() if "stdout:" in line]
    assert len(warned) == 1 and repr(encoding) in warned[0] and "PYTHONIOENCODING=utf-8" in warned[0], err
    assert (tmp_path / "narrow" / "forecast.csv").read_bytes() == (tmp_path / "utf8" / "forecast.csv").read_bytes()
    assert "中文" in (tmp_path / "narrow" / "forecast.csv").read_text(encoding="utf-8")


_SNIPPET = ("import sys; from rnnkit.cli.stdout_text import escape_unencodable_stdout as e; "
            "e('x'); print('caf\\xe9 \\udce9 \\u4e2d'); print('\\u4e2d')")


def test_surrogateescape_bytes_survive_and_the_warning_is_said_once():
    """LC_ALL=C without UTF-8 mode: stdout is ASCII with surrogateescape; a non-UTF-8 file name's byte
    (\\udce9) is still written as that byte, the rest escaped, the warning once for two lines."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"}
    env.pop("PYTHONIOENCODING", None)
    got = subprocess.run([sys.executable, "-c", _SNIPPET], env=env, capture_output=True, timeout=60)
    assert got.returncode == 0, got.stderr
    assert got.stdout == b"caf\\xe9 \xe9 \\u4e2d\n\\u4e2d\n"
    assert got.stderr.decode("ascii").count("rnnkit x: warning: stdout:") == 1


def test_a_utf8_or_captured_stdout_is_left_alone(monkeypatch):
    import io

    from rnnkit.cli.stdout_text import escape_unencodable_stdout

    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", utf8)
    escape_unencodable_stdout("x")
    assert utf8.errors == "strict"
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stdout", plain)
    escape_unencodable_stdout("x")     # no encoding, no reconfigure: nothing to do, no error
    assert sys.stdout is plain


def test_a_utf8_column_name_read_as_ascii_bytes_is_told_how_to_give_it(tmp_path):
    """LC_ALL=C with PYTHONUTF8=0: Python reads the command line as ASCII, '--target prix€' arrives as escaped
    bytes and the column is 'not found' though the header holds it, nothing saying why. The error now says what
    the bytes read as UTF-8 and the fix; oracle: the same command in UTF-8 mode forecasts that column."""
    _panel(tmp_path / "p.csv")
    frame = pd.read_csv(tmp_path / "p.csv").rename(columns={"y": "prix€"})
    frame[frame["id"] == "café"].drop(columns="id").to_csv(tmp_path / "u.csv", index=False)
    cmd = ["forecast", "--csv", "u.csv", "--target", "prix€", "--time-col", "date", "--horizon", "1",
           "--model", "seasonal_naive", "--threads", "1", "--no-plot", "--json"]
    ok = _run(cmd, tmp_path, LC_ALL="C", PYTHONUTF8="1")
    assert ok.returncode == 0, ok.stderr.decode("utf-8")
    got = _run(cmd, tmp_path, LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING="ascii")
    err = got.stderr.decode("ascii").strip()
    assert got.returncode == 1 and got.stdout == b"" and len(err.splitlines()) == 1, err
    assert err.startswith("rnnkit forecast: error: DataError: --target: column 'prix\\udce2\\udc82\\udcac' not found")
    assert err.endswith("(the command line was read as 'ascii', not UTF-8: \\udce2\\udc82\\udcac are raw bytes of the "
                        "UTF-8 text '\\u20ac'; to give a column name or a text so written, run with PYTHONUTF8=1 or a "
                        "UTF-8 locale, e.g. LC_ALL=C.UTF-8)"), err


def test_bytes_that_are_no_utf8_get_no_hint(tmp_path):
    """A Latin-1 file name ('caf\\xe9.csv' as bytes) is no UTF-8 text: its error is as before, no hint."""
    name = os.fsdecode(b"caf\xe9.csv")
    got = subprocess.run([sys.executable, "-c", "import sys; from rnnkit.cli.argv_bytes import argv_bytes_hint as h; "
                          "print(ascii(h(\"--csv: got \" + ascii(sys.argv[1]))))", name],
                         env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"}, capture_output=True, timeout=60)
    assert got.returncode == 0, got.stderr
    assert got.stdout.decode("ascii").strip() == "\"--csv: got 'caf\\\\udce9.csv'\""


def test_a_closed_stdout_is_no_error_after_the_work(tmp_path):
    """Started with file descriptor 1 closed ('rnnkit ... >&-', a daemon's launcher), Python's sys.stdout is None:
    print() drops the text, but the final flush failed 'AttributeError: 'NoneType' object has no attribute 'flush''
    (exit 1) after a forecast had saved its run. Oracle: the same command with stdout to /dev/null."""
    _panel(tmp_path / "p.csv")
    cmd = [sys.executable, "-m", "rnnkit", "forecast", "--csv", "p.csv", "--target", "y", "--time-col", "date",
           "--id-col", "id", "--horizon", "1", "--model", "seasonal_naive", "--threads", "1", "--no-plot", "--out"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    ref = subprocess.run([*cmd, "ref"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=300)
    assert ref.returncode == 0, ref.stderr
    got = subprocess.run([*cmd, "closed"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, timeout=300,
                         preexec_fn=lambda: os.close(1))
    assert got.returncode == 0 and b"error" not in got.stderr, got.stderr
    assert (tmp_path / "closed" / "forecast.csv").read_bytes() == (tmp_path / "ref" / "forecast.csv").read_bytes()


def test_a_closed_stderr_keeps_progress_and_errors_out_of_stdout(tmp_path):
    """Started with stderr closed ('2>&-'), sys.stderr is None and print(file=None) writes to stdout: the progress
    line came before --json's object (not JSON any more) and an error line landed on stdout. Oracle: the same
    commands with stderr to /dev/null."""
    _panel(tmp_path / "p.csv")
    cmd = [sys.executable, "-m", "rnnkit", "forecast", "--csv", "p.csv", "--target", "y", "--time-col", "date",
           "--id-col", "id", "--horizon", "1", "--model", "seasonal_naive", "--threads", "1", "--no-plot", "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for args in (cmd, [*cmd[:5], "missing.csv", *cmd[6:]]):
        ref = subprocess.run(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=300)
        got = subprocess.run(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, timeout=300,
                             preexec_fn=lambda: os.close(2))
        assert got.returncode == ref.returncode
        if ref.stdout:      # one JSON object (timings aside, the same)
            assert json.loads(got.stdout)["forecast"] == json.loads(ref.stdout)["forecast"]
        else:
            assert got.stdout == b""
    assert ref.returncode == 1 and ref.stdout == b""
