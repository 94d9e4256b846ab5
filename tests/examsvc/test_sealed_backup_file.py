"""SEC-P5: the encrypted backup file (``examsvc.backup.sealed_file``) opens only whole, in order, unchanged
and with its own key; checked on files of many small chunks, so that moving, dropping or repeating a
chunk, and cutting the file at a chunk's end, are all tried."""

from __future__ import annotations

import os

import pytest

from examsvc.backup import sealed_file
from examsvc.backup.errors import BackupError

CHUNK = 64
TAG = 16
KEY = sealed_file.backup_key(b"k" * 32)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(sealed_file, "CHUNK_BYTES", CHUNK)


def sealed(tmp_path, content: bytes) -> bytes:
    plain, target = tmp_path / "plain", tmp_path / "sealed"
    plain.write_bytes(content)
    target.unlink(missing_ok=True)
    sealed_file.seal(plain, target, KEY)
    return target.read_bytes()


def opened(tmp_path, data: bytes, key: bytes = KEY) -> bytes:
    source, target = tmp_path / "in", tmp_path / "out"
    source.write_bytes(data)
    sealed_file.open_sealed(source, target, key)
    return target.read_bytes()


def chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    header, body = data[:sealed_file.HEADER_BYTES], data[sealed_file.HEADER_BYTES:]
    return header, [body[i:i + CHUNK + TAG] for i in range(0, len(body), CHUNK + TAG)]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 7])
def test_sec_p5_every_size_comes_back_as_it_was(small_chunks, tmp_path, size):
    content = os.urandom(size)
    data = sealed(tmp_path, content)
    assert content[:16] not in data or size < 16
    assert opened(tmp_path, data) == content


def test_sec_p5_the_same_dump_sealed_twice_gives_two_different_files(small_chunks, tmp_path):
    content = b"x" * 300
    assert sealed(tmp_path, content) != sealed(tmp_path, content)


def test_sec_p5_chunks_moved_dropped_repeated_or_cut_at_their_end_are_refused(small_chunks, tmp_path):
    content = bytes(range(256)) * 2  # 8 chunks of 64
    header, parts = chunks(sealed(tmp_path, content))
    assert len(parts) == 8
    wrong = {
        "swapped": header + b"".join([parts[1], parts[0], *parts[2:]]),
        "dropped": header + b"".join(parts[:3] + parts[4:]),
        "repeated": header + b"".join(parts[:4] + parts[3:]),
        "cut at a chunk's end": header + b"".join(parts[:5]),
        "last chunk twice": header + b"".join(parts + parts[-1:]),
        "one bit": header + b"".join(parts[:2]) + bytes([parts[2][0] ^ 1]) + parts[2][1:] + b"".join(parts[3:]),
    }
    for name, data in wrong.items():
        with pytest.raises(BackupError, match="has been changed, cut short or added to"):
            opened(tmp_path, data)


def test_sec_p5_another_key_a_changed_header_or_a_plain_dump_are_refused_saying_which(small_chunks, tmp_path):
    data = sealed(tmp_path, b"dump" * 100)
    with pytest.raises(BackupError, match="written with another key"):
        opened(tmp_path, data, sealed_file.backup_key(b"o" * 32))
    salt_at = len(sealed_file.MAGIC) + 1
    with pytest.raises(BackupError, match="its header was changed"):
        opened(tmp_path, data[:salt_at] + bytes([data[salt_at] ^ 1]) + data[salt_at + 1:])
    for plain in (b"SQLite format 3\x00" + bytes(200), b"PGDMP" + bytes(200), b""):
        with pytest.raises(BackupError, match="is not an encrypted backup"):
            opened(tmp_path, plain)
