"""Second pass of ``make mutate``: the mutants only PostgreSQL's row locks can kill.

``make mutate`` runs every mutant on SQLite, which lets one writer in at a time and has no row
locks, so a mutant that weakens a lock (or a guard that only matters when two transactions
overlap) survives there. ``mutation-postgresql.txt`` names each such mutant with the test that
kills it on PostgreSQL (a pytest node id) and why SQLite cannot. For every listed mutant that
survived the SQLite run (or that no test of the SQLite selection ran: the lock tests skip there),
this runs its test on PostgreSQL with the mutant switched on
(``MUTANT_UNDER_TEST``, mutmut's own switch) from inside ``mutants/``, and writes the outcome to
``mutants/postgresql-results.json`` as ``{name: "killed" | "survived" | "error: ..."}``, which
tools/mutation_scores.py reads. Needs PostgreSQL at ``EXAMSVC_TEST_DATABASE_URL`` (the suite's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

LISTED = Path("mutation-postgresql.txt")
RESULTS = "postgresql-results.json"
#: The SQLite statuses a run on PostgreSQL can still turn into a kill.
SHOWN_ALIVE = ("survived", "no tests")

#: pytest's exit codes (pytest.ExitCode): 0 all passed, 1 a test failed; anything else means the
#: test did not run as a test (interrupted, usage error, nothing collected), which proves nothing.
_PASSED, _FAILED = 0, 1


def listed(path: Path = LISTED) -> dict[str, str]:
    """``{mutant name: pytest node id}`` from ``path``: per line not starting with #, the name, the
    node id, then the reason. Raises ValueError naming the line when a line has no node id, and
    when the file is missing (a pass that checks nothing must not look like one that passed)."""
    tests: dict[str, str] = {}
    if not path.exists():
        raise ValueError(f"{path} is missing: it lists the mutants only PostgreSQL can kill, with their tests")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        if len(words) < 2 or "::" not in words[1]:
            raise ValueError(f"{path}, line {number}: expected a mutant's name, then the pytest node id "
                             f"(tests/...py::test_name) of the test that kills it on PostgreSQL")
        tests[words[0]] = words[1]
    return tests


def sqlite_statuses(root: Path) -> dict[str, str]:
    """Every mutant's status after the SQLite run, from mutmut's result files below ``root``."""
    statuses: dict[str, str] = {}
    for meta in root.rglob("*.py.meta"):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            statuses[name] = status_by_exit_code[code]
    return statuses


def run_on_postgresql(root: Path, name: str, node_id: str) -> str:
    """Run ``node_id`` with mutant ``name`` switched on, on PostgreSQL, from ``root``; its outcome."""
    env = dict(os.environ, MUTANT_UNDER_TEST=name, EXAMSVC_TEST_DB="postgresql")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", node_id],
                          cwd=root, env=env, capture_output=True, text=True)
    if done.returncode == _FAILED:
        return "killed"
    if done.returncode == _PASSED:
        return "survived"
    last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"error: pytest exit {done.returncode}: {last}"


def main(root: Path = Path("mutants"), path: Path = LISTED) -> int:
    """Run the listed mutants still alive after SQLite (see the module's doc), print one line each,
    write the results file; returns 0, or 1 when a listed test did not run."""
    statuses = sqlite_statuses(root)
    results: dict[str, str] = {}
    for name, node_id in listed(path).items():
        if statuses.get(name) not in SHOWN_ALIVE:
            continue  # killed on SQLite already, not run yet, or gone: nothing to show on PostgreSQL
        results[name] = run_on_postgresql(root, name, node_id)
        print(f"{name}: {results[name]} on PostgreSQL ({node_id})")
    (root / RESULTS).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 1 if any(outcome.startswith("error") for outcome in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
