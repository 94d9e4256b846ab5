"""The crash and fault tests' counts, on both databases, in one table the lead can quote.

    .venv/bin/python -m bench.faults [--backend sqlite|postgresql|both]

Runs ``tests/faults`` (kill -9 of gunicorn workers and of the whole server, PostgreSQL connections
cut, disk full, a flaky network) with pytest and prints each fault's line: saves acknowledged,
found after recovery, lost (must be 0), duplicate steps, sends without a reply, error replies (and
false "saved" replies, must be 0), submits acknowledged and found, unsubmitted attempts shown as
submitted (must be 0). The figures vary run to run with the machine's load (how many saves fit in
the few seconds of each phase); the zeros must not.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Lines the fault tests print (``tests.faults.load.Tally.line`` and the SEC-F3 summary).
COUNT_LINE = re.compile(r"^(kill -9|SEC-F\d).*")


def run(backend: str) -> tuple[int, list[str]]:
    env = {**os.environ, "EXAMSVC_TEST_DB": backend}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/faults"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [m.group(0) for line in result.stdout.splitlines() if (m := COUNT_LINE.match(line.strip()))]
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    return result.returncode, [*lines, f"pytest: {summary}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    failed = False
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        code, lines = run(backend)
        failed |= code != 0
        print(f"== {backend}")
        for line in lines:
            print("  " + line)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
