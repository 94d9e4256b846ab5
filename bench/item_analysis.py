"""Item analysis speed: the pure statistics over synthetic score matrices, as a sitting page and
the pooled page compute them on every request.

    .venv/bin/python -m bench.item_analysis [--runs 5] [--candidates 2000] [--items 100] [--pool 20000]

Prints the median of ``--runs`` (wall seconds, and this process's CPU seconds, which another job on
the machine inflates less) for:

- ``sitting``: one fixed form of ``--items`` single-choice items (four options) taken by
  ``--candidates`` candidates, KR-20 included;
- ``pool``: ``--pool`` candidates who each drew ``--items`` of a bank of 3 × ``--items`` questions
  (so each version is answered by about a third of them), KR-20 skipped as the forms differ.

Answers follow a simple ability model so that the figures are not degenerate.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from question_bank.analysis.item_analysis import Cell, Item, ScoreMatrix, analyse

LETTERS = ("A", "B", "C", "D")


def matrix(candidates: int, bank: int, drawn: int, rng: random.Random) -> ScoreMatrix:
    items = tuple(Item(k, f"Q{k}", LETTERS, frozenset({"B"})) for k in range(bank))
    difficulty = [rng.uniform(-1.5, 1.5) for _ in range(bank)]
    rows = []
    for _ in range(candidates):
        ability = rng.gauss(0, 1)
        row = {}
        for k in (range(bank) if drawn == bank else rng.sample(range(bank), drawn)):
            right = rng.random() < 1 / (1 + 2.718281828 ** (difficulty[k] - ability))
            choice = "B" if right else rng.choice(("A", "C", "D"))
            row[k] = Cell(1.0 if right else 0.0, 1.0, frozenset(choice))
        rows.append(row)
    return ScoreMatrix(items, tuple(rows))


def run_times(build, runs: int, cpu: list[float] | None = None) -> list[float]:
    """Seconds of each of ``runs`` analyses of a freshly built matrix (its row sums are cached per
    matrix); ``cpu``, when given, receives each run's process CPU seconds (``time.process_time``)."""
    found = []
    for _ in range(runs):
        subject = build()
        started, started_cpu = time.perf_counter(), time.process_time()
        analyse(subject)
        found.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - started_cpu)
    return found


def timed(build, runs: int) -> str:
    """Median wall and CPU seconds of :func:`run_times`, as printed."""
    cpu: list[float] = []
    wall = statistics.median(run_times(build, runs, cpu))
    return f"{wall:.2f} s wall, {statistics.median(cpu):.2f} s CPU"


def sitting_times(candidates: int, items: int, runs: int, seed: int = 1) -> list[float]:
    """Seconds of each of ``runs`` analyses of one fixed form of ``items`` items taken by
    ``candidates`` candidates (the ``sitting`` case, KR-20 included)."""
    fixed = matrix(candidates, items, items, random.Random(seed))
    return run_times(lambda: ScoreMatrix(fixed.items, fixed.rows), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--pool", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(1)
    fixed = matrix(args.candidates, args.items, args.items, rng)
    pooled = matrix(args.pool, 3 * args.items, args.items, rng)
    sitting = timed(lambda: ScoreMatrix(fixed.items, fixed.rows), args.runs)
    pool = timed(lambda: ScoreMatrix(pooled.items, pooled.rows), args.runs)
    print(f"sitting  {args.candidates} candidates x {args.items} items: {sitting} (median of {args.runs})")
    print(f"pool     {args.pool} candidates, {args.items} of {3 * args.items} items each: {pool} "
          f"(median of {args.runs})")


if __name__ == "__main__":
    main()
