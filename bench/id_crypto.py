"""What sealing ID numbers and encrypting backups cost (SEC-P5).

    .venv/bin/python -m bench.id_crypto [--numbers 20000] [--megabytes 64]

Prints the time per ID number to seal, to open and mask (what every row of a score sheet, an
appraisal summary or a records-API page costs now), and to compute the lookup hash (sign-in by ID
number, a roster import's matching); then the throughput of writing and opening an encrypted backup
file (``examsvc.backup.sealed_file``) against a plain copy of the same bytes, and peak memory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from examsvc.backup import sealed_file
from question_bank.id_vault import IdVault
from question_bank.idnumbers import check_character, mask


def _numbers(count: int) -> list[str]:
    bodies = [f"3201021980{n // 2800 % 12 + 1:02d}{n // 100 % 28 + 1:02d}{n % 100:02d}1"[:17] for n in range(count)]
    return [body + check_character(body) for body in bodies]


def _per_item(label: str, count: int, action) -> None:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<40} {elapsed / count * 1e6:8.1f} µs each ({count:,} in {elapsed:.2f} s)")


def _throughput(label: str, megabytes: int, action) -> None:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<40} {megabytes / elapsed:8.0f} MB/s ({megabytes} MB in {elapsed:.2f} s)")


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for piece in iter(lambda: file.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=20000)
    parser.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args()
    vault = IdVault(os.urandom(32))
    numbers = _numbers(args.numbers)
    sealed: list[tuple[str, str]] = []
    _per_item("seal (AES-256-GCM + HMAC lookup)", len(numbers), lambda: sealed.extend(vault.seal(n) for n in numbers))
    _per_item("open and mask (a sheet row)", len(numbers), lambda: [mask(vault.open(s, h)) for s, h in sealed])
    _per_item("lookup hash (sign-in, import)", len(numbers), lambda: [vault.lookup(n) for n in numbers])
    key = sealed_file.backup_key(os.urandom(32))
    with tempfile.TemporaryDirectory() as folder:
        plain, copy, encrypted, opened = (Path(folder) / name for name in ("plain", "copy", "sealed", "opened"))
        with plain.open("wb") as file:
            for _ in range(args.megabytes):
                file.write(os.urandom(1 << 20))
        _throughput("plain copy (for comparison)", args.megabytes, lambda: shutil.copyfile(plain, copy))
        _throughput("backup: seal", args.megabytes, lambda: sealed_file.seal(plain, encrypted, key))
        _throughput("restore: open (authenticates all)", args.megabytes, lambda: sealed_file.open_sealed(encrypted, opened, key))
        overhead = encrypted.stat().st_size - plain.stat().st_size
        print(f"encrypted file is {overhead:,} bytes larger ({overhead / plain.stat().st_size:.4%})")
        assert _digest(opened) == _digest(plain)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(the test data of {args.megabytes} MB is written and read in 1 MiB pieces)")


if __name__ == "__main__":
    main()
