"""Session 28, helper F: what a fuzz of `--config` files (experiment, hopfield, export), the HTTP service's request
bodies and export's files found. Each test fails at 9e7b5a7."""

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, toml, key, flag, prog", [   # prog: as argparse's errors name the command (s29, C)
    (["hopfield", "capacity"], "sizes = []\nloads = [0.1]\n", "sizes", "--sizes", "hopfield capacity"),
    (["hopfield", "modern"], "n-units = 10\nloads = []\n", "loads", "--loads", "hopfield modern-capacity"),
    (["experiment", "adding"], "cell = []\nsteps = 1\n", "cell", "--cell", "experiment"),
])
def test_an_empty_list_in_config_for_a_flag_of_one_or_more_values_is_a_usage_error(argv, toml, key, flag, prog,
                                                                                   tmp_path, capsys):
    # `sizes = []` passed the --config check (a list) where the flag takes one value at least (nargs="+"), and
    # hopfield's memory estimate ended in max()'s bare 'ValueError: max() arg is an empty sequence' (exit 1)
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    assert main([*argv, "--config", str(cfg), "--out", str(tmp_path / "out"), "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit {prog}: error: --config: key {key!r}: expected a list of at least one value (as {flag} "
                   f"takes), got []"]


@pytest.mark.parametrize("value", [1e308, -1e39])
def test_a_forget_bias_past_float32_is_refused_before_training(value, tmp_path, capsys):
    # the config took any finite number; building the model wrote it into a float32 bias: torch's bare
    # 'RuntimeError: value cannot be converted to type float without overflow' (exit 1), from --config or the flag
    assert main(["experiment", "adding", f"--forget-bias={value!r}", "--steps", "1", "--hidden-size", "4",
                 "--length", "5", "--quiet", "--out", str(tmp_path / "out"), "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit experiment: error: --forget-bias: expected a value torch.float32 holds (|x| <= 3.403e+38), "
                   f"got {value!r}"]


def test_init_recurrent_checks_forget_bias_against_the_layers_own_dtype():
    import torch

    import rnnkit
    from rnnkit.errors import ConfigError
    from rnnkit.experiments.models import init_recurrent

    layer = rnnkit.LSTM(2, 4).to(torch.float16)
    with pytest.raises(ConfigError, match=r"^forget_bias: expected a value torch.float16 holds \(\|x\| <= 6.55e\+04\)"):
        init_recurrent(layer, forget_bias=1e5)
    init_recurrent(layer, forget_bias=100.0)
    assert float(layer.bias_ih_l0[4:8].min()) == 100.0


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="a folder that takes no new file: Linux /proc")
def test_a_staged_write_that_fails_names_the_callers_file_not_its_temp():
    # `rnnkit export --out /proc/x.onnx` (a folder os.access calls writable for root, where no file can be made) said
    # "FileNotFoundError: ... '/proc/.tmp-x.onnx.json-d157ec24'": the temp's name, which the user never gave
    from pathlib import Path

    from rnnkit._io import atomic_write_bytes
    from rnnkit._staged import stage_bytes

    for write in (lambda p: atomic_write_bytes(p, b"{}"), lambda p: stage_bytes(p, b"{}")):
        with pytest.raises(FileNotFoundError) as info:
            write(Path("/proc/rnnkit-s28-F.json"))
        assert info.value.filename == "/proc/rnnkit-s28-F.json"


def test_a_body_in_utf16_or_utf32_without_charset_is_a_400_naming_the_encoding(tmp_path):
    # UTF-16/32 text without a BOM or a charset decodes as UTF-8 (ASCII letters between NUL bytes): the service
    # answered 422 'body: expected JSON text, got a decode error at character 1 (Expecting property name enclosed in
    # double quotes)', naming neither the bytes nor the encoding; a NUL byte is never in JSON text (RFC 8259)
    pytest.importorskip("fastapi")
    from toy_data import seasonal_service

    client, service = seasonal_service(tmp_path)
    body = '{"observations":[{"id":"series","time":60,"value":1.0}]}'
    cases = [(body.encode("utf-16-le"), 1), (body.encode("utf-32-le"), 1), (body.encode("utf-16-be"), 0),
             (body.encode() + b"\0", len(body))]
    with client:
        for data, at in cases:
            r = client.post("/observations", content=data, headers={"content-type": "application/json"})
            assert (r.status_code, r.json()) == (400, {"error": f"body: expected UTF-8 JSON text, got a NUL byte at "
                                                                f"position {at} (UTF-16 or UTF-32 text? JSON is sent as "
                                                                f"UTF-8, RFC 8259 8.1)"})
        assert client.post("/observations", content=body.encode(),
                           headers={"content-type": "application/json"}).status_code == 200
    assert len(service.journal.entries) == 1


@pytest.mark.parametrize("method, path", [("POST", "/observations/"), ("GET", "/health/"), ("GET", "/forecast/")])
def test_a_path_with_a_trailing_slash_is_a_404_not_a_redirect_to_the_host_header(method, path, tmp_path):
    # FastAPI's redirect_slashes answered 307 with Location http://<the request's Host header>/observations: a client
    # following it re-sent its observations to whatever site the Host header named ('Host: evil.example')
    pytest.importorskip("fastapi")
    from toy_data import seasonal_service

    client, service = seasonal_service(tmp_path)
    with client:
        r = client.request(method, path, content=b'{"observations":[{"id":"series","time":60,"value":1.0}]}'
                           if method == "POST" else None, headers={"content-type": "application/json",
                                                                   "host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json()["error"].startswith(f"{method} {path}: expected one of ['GET /health', 'GET /forecast', "
                                        f"'POST /observations']")
    assert service.journal.entries == []
