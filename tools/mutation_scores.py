"""Mutation score per module from a finished ``mutmut run`` (``make mutate`` prints it).

Reads mutmut's own result files (``mutants/**/*.py.meta``, one per mutated module) and prints, per
module: mutants, killed (a test failed, or timed out), survived, no tests (no test of the selection
runs the mutated function), the score killed ÷ (killed + survived + no tests) in per cent, and then
every survivor's name (``mutmut show NAME`` prints its diff). Mutants named in
``mutation-equivalents.txt`` are counted apart once a run has found them alive with tests run:
they cannot be killed (see that file for why); a listed one a test kills counts as killed and is
named for striking out, a listed one not run yet counts as not run, and a listed one that no test
runs counts as "no tests", a survivor: a mutant no test runs was never shown to behave the same.
Mutants not run yet are left out of the score and counted as "not run". A survivor of the SQLite
run (or a mutant it ran no test on) that tools/mutation_postgresql.py then saw killed on PostgreSQL (``mutants/postgresql-results.json``)
counts as killed and is named apart.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

from tools.mutation_postgresql import RESULTS as POSTGRESQL_RESULTS
from tools.mutation_postgresql import SHOWN_ALIVE

EQUIVALENTS = Path("mutation-equivalents.txt")


def equivalents(listed: Path = EQUIVALENTS) -> set[str]:
    """Mutant names listed in the equivalents file: the first word of each line not starting with #."""
    if not listed.exists():
        return set()
    return {line.split()[0] for line in listed.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def main(root: Path = Path("mutants"), listed: Path = EQUIVALENTS) -> int:
    """Print the table and the names (see the module's doc) for the results below ``root`` and the
    equivalents listed in ``listed``; returns the exit status, 0."""
    known = equivalents(listed)
    on_postgresql = root / POSTGRESQL_RESULTS
    postgresql = json.loads(on_postgresql.read_text()) if on_postgresql.exists() else {}
    killed_on_postgresql: list[str] = []
    survivors: list[str] = []
    # A listed name only counts as equivalent once a run has found it alive with tests run: one a
    # test now kills, one not run yet, or one no test runs is counted as what it is, and a killed
    # one is reported for striking out.
    killed_yet_listed: list[str] = []
    seen: set[str] = set()
    modules_run: set[str] = set()
    print(f"{'module':45} {'mutants':>7} {'killed':>6} {'surv.':>5} {'no test':>7} {'equiv.':>6} {'not run':>7} {'score':>6}")
    for meta in sorted(root.rglob("*.py.meta")):
        results = json.loads(meta.read_text())["exit_code_by_key"]
        if not results:
            continue
        counts: Counter[str] = Counter()
        modules_run.add(meta.relative_to(root).as_posix().removesuffix(".py.meta").replace("/", "."))
        for name, code in results.items():
            status = status_by_exit_code[code]
            seen.add(name)
            if status in SHOWN_ALIVE and postgresql.get(name) == "killed":
                counts["killed"] += 1
                killed_on_postgresql.append(name)
            elif status in ("killed", "timeout", "caught by type check", "segfault"):
                counts["killed"] += 1
                if name in known:
                    killed_yet_listed.append(name)
            elif status == "not checked":
                counts["not run"] += 1
            elif status == "no tests":
                # Whatever the list says: no test has compared this mutant with the original.
                counts["no tests"] += 1
                survivors.append(f"{name}  (no tests{', listed as equivalent' if name in known else ''})")
            elif status == "survived" and name in known:
                counts["equivalent"] += 1
            else:
                counts["survived"] += 1
                survivors.append(f"{name}  ({status}{', and on PostgreSQL: ' + postgresql[name] if name in postgresql else ''})")
        judged = counts["killed"] + counts["survived"] + counts["no tests"]
        score = f"{100 * counts['killed'] / judged:.1f}%" if judged else "-"
        module = meta.relative_to(root).as_posix().removesuffix(".py.meta").replace("/", ".")
        print(f"{module:45} {len(results):7} {counts['killed']:6} {counts['survived']:5} {counts['no tests']:7} "
              f"{counts['equivalent']:6} {counts['not run']:7} {score:>6}")
    if killed_on_postgresql:
        print("\nKilled on PostgreSQL only (their tests: mutation-postgresql.txt):")
        print("\n".join(killed_on_postgresql))
    if killed_yet_listed:
        print(f"\nListed in {listed} but killed by a test (strike them out):")
        print("\n".join(killed_yet_listed))
    # A listed name of a module this run mutated that names no mutant any more: its function changed,
    # so the name is gone or (worse) now names another change; either way the entry must be redone.
    vanished = sorted(name for name in known - seen if name.rsplit(".", 1)[0] in modules_run)
    if vanished:
        print(f"\nListed in {listed} but no such mutant now (its function changed; check and redo the entry):")
        print("\n".join(vanished))
    if survivors:
        print(f"\nSurvivors ({len(survivors)}); `mutmut show NAME` prints the change:")
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
