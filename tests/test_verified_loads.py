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


def flip_exponent_bit(path: Path) -> None:
    """Flip the top exponent bit of the first float32 stored in a safetensors file (1.0 -> ~1.7e38)."""
    raw = bytearray(path.read_bytes())
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_len])
    name = next(k for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32")
    start = 8 + header_len + header[name]["data_offsets"][0]
    raw[start + 3] ^= 0x40  # little-endian float32: byte 3 holds the sign and the top 7 exponent bits
    path.write_bytes(bytes(raw))
