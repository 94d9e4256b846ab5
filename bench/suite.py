"""Issue 7's benchmark suite: every part on SQLite and PostgreSQL, then ONE markdown table of the
figures beside the issue's goals, whether each is met and by how much it misses. ``make bench``
runs it (``make bench BENCH_ARGS="--quick"`` passes options).

    .venv/bin/python -m bench.suite [--parts load,bursts,search,assembly,import,sheet,analysis]
        [--db sqlite,postgresql] [--heavy-db postgresql] [--quick] [--pg URL]
        [--candidates 200] [--questions 100] [--seconds 10] [--connections 50] [--workers 2] [--rounds 2]
        [--burst-candidates 2000] [--burst-workers 4] [--bank 100000] [--query-runs 10] [--draws 20]
        [--import-rows 1000 20000] [--sheet-rows 50000] [--sheet-runs 2] [--attempts 10000]
        [--analysis-runs 3]

The parts (``--parts`` picks some, in this order):

- ``load``: ``bench.sitting_load`` (gunicorn + wrk at ``--connections``, ``--candidates`` signed-in
  candidates, ``--rounds`` interleaved runs A B B A of ``--seconds`` against the bare app): the
  autosave's ratio to the bare app per round, its p99, server CPU and SQL statements per save; the
  ``--questions``-question exam page's req/s;
- ``bursts``: ``bench.bursts``, ``--burst-candidates`` starts then submits released together to
  ``--burst-workers`` processes, 100-question papers; one run each (a burst uses its candidates up);
- ``search``, ``assembly``, ``import`` share one bank per database, built once as
  ``bench.bank_search`` builds it (``--bank`` questions, COPY on PostgreSQL): the slowest of
  ``bank_search``'s 12 queries over ``--query-runs`` runs; ``--draws`` draws of a 100-question
  paper (``bench.assembly``); then one import job per ``--import-rows`` size (``bench.import_bank``,
  files of variants of the bank's questions, the hard case for the duplicate check), its seconds
  and how far it raised its process's memory;
- ``sheet``: ``bench.score_sheet``, the ``--sheet-rows``-row score sheet as .xlsx, ``--sheet-runs``
  runs each in a fresh process: seconds and memory raised;
- ``analysis``: ``bench.item_analysis``, ``--attempts`` attempts × 100 items, ``--analysis-runs``
  runs; pure Python, so once, not per database.

The bursts and the import sizes over 2,000 rows (the background job's) run on ``--heavy-db`` only
(PostgreSQL, where the issue measured them; ``--heavy-db sqlite,postgresql`` adds SQLite), to keep
a default run near 25–40 minutes on 2 cores (an estimate scaled from ``--quick`` runs: the full
sizes have not been timed yet). ``--quick`` makes every size small (50 candidates, 3 s wrk runs,
300-candidate bursts, a 5,000-question bank, imports of 1,000 and 2,000 rows, a 2,000-row sheet,
1,000 attempts) for a check that the suite works: 18 minutes with ``--heavy-db sqlite,postgresql``
on a 2-core machine at load 9–12. Options given as well override it. A figure measured below the
size its goal is for gets no verdict.

A figure with several runs is their median with the lowest–highest beside it; the verdict is
the median's. Memory is the peak resident memory a job or sheet added to its process (``VmHWM``
minus ``VmRSS`` before it), not the interpreter's own. Progress and each module's own output go
to stderr; stdout holds the machine's line and the table. A part that fails shows its error in
the table and the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

PARTS = ("load", "bursts", "search", "assembly", "import", "sheet", "analysis")
BANK_PARTS = {"search", "assembly", "import"}
#: Imports larger than this run as background jobs (``question_bank.formats.row_estimate``'s
#: threshold in the upload route) and only on ``--heavy-db``.
REQUEST_IMPORT_ROWS = 2000
#: The sizes the issue's goals are for.
ISSUE_BURST, ISSUE_BANK, ISSUE_IMPORT, ISSUE_SHEET, ISSUE_ATTEMPTS = 2000, 100_000, 20_000, 50_000, 10_000


def _unless(size: int, goal_size: int, said: str) -> str:
    """``Reading.goal_for``: "" when the run had the goal's size, else ``said``."""
    return "" if size == goal_size else said

#: The full run's sizes and the ``--quick`` run's.
DEFAULTS = {"candidates": 200, "seconds": 10, "rounds": 2, "burst_candidates": 2000, "bank": 100_000,
            "query_runs": 10, "draws": 20, "import_rows": [1_000, 20_000], "sheet_rows": 50_000, "sheet_runs": 2,
            "attempts": 10_000, "analysis_runs": 3}
QUICK = {"candidates": 50, "seconds": 3, "rounds": 2, "burst_candidates": 300, "bank": 5_000,
         "query_runs": 5, "draws": 10, "import_rows": [1_000, 2_000], "sheet_rows": 2_000, "sheet_runs": 2,
         "attempts": 1_000, "analysis_runs": 3}


@dataclass(frozen=True)
class Goal:
    """The issue's goal for a figure: at most ``limit`` (or at least, with ``at_least``)."""
    limit: float
    at_least: bool = False

    def text(self, unit: str) -> str:
        """The goal as the table shows it: "≤ 6 s", "≥ 250 req/s"."""
        return f"{'≥' if self.at_least else '≤'} {self.limit:,g} {unit}".rstrip()

    def verdict(self, value: float, unit: str) -> str:
        """"yes" when ``value`` meets the goal; otherwise "no:" with how far it is off, as a
        factor of the goal and in ``unit`` ("no: 2.4× the goal, +8.4 s"; "no: 0.42× the goal, −145 req/s")."""
        if (value >= self.limit) if self.at_least else (value <= self.limit):
            return "yes"
        factor = f"{_number(value / self.limit)}×" if self.limit else "∞×"
        return f"no: {factor} the goal, {'−' if self.at_least else '+'}{_number(abs(value - self.limit))} {unit}".rstrip()


@dataclass
class Reading:
    """One table row: ``part`` on ``db`` ("–" when the database does not matter), the ``values``
    of its runs in ``unit``, the issue's goal if it has one, and a note. ``error`` instead of
    values when the part failed."""
    part: str
    db: str
    values: list[float] = field(default_factory=list)
    unit: str = ""
    goal: Goal | None = None
    note: str = ""
    error: str = ""
    #: Set when the run was smaller than the size the goal is for ("N = 2,000"): no verdict then.
    goal_for: str = ""

    def figure(self) -> str:
        """"median (lowest–highest) unit", the value alone for one run, or "failed: …"."""
        if self.error:
            return f"failed: {self.error}"
        middle = _number(statistics.median(self.values))
        spread = f" ({_number(min(self.values))}–{_number(max(self.values))})" if len(self.values) > 1 else ""
        return f"{middle}{spread} {self.unit}".rstrip()

    def verdict(self) -> str:
        """:meth:`Goal.verdict` of the median; "–" without a goal or figures, and with the goal's
        size when the run was smaller."""
        if self.error or self.goal is None:
            return "–"
        if self.goal_for:
            return f"– (goal is for {self.goal_for})"
        return self.goal.verdict(statistics.median(self.values), self.unit)


def _number(value: float) -> str:
    """Three significant figures at most, thousands separated, no trailing zeros: 0.0123, 4.5, 45.6,
    456, 4,560, 7."""
    if value == 0:
        return "0"
    digits = max(0, 2 - int(f"{abs(value):e}".split("e")[1]))
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def table(readings: Iterable[Reading]) -> str:
    """The readings as one markdown table (part, database, figure, goal, met, notes)."""
    lines = ["| part | database | figure: median (lowest–highest) | goal | met (by how much it misses) | notes |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in readings:
        goal = r.goal.text(r.unit) if r.goal else "–"
        lines.append(f"| {r.part} | {r.db} | {r.figure()} | {goal} | {r.verdict()} | {r.note} |")
    return "\n".join(lines)


def machine_line(started: float, load_before: tuple[float, float, float]) -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores; load average (1, 5, 15 min) {' '.join(f'{x:.1f}' for x in load_before)} "
            f"at the start, {' '.join(f'{x:.1f}' for x in load)} at the end; "
            f"{(time.monotonic() - started) / 60:.0f} min in all")


# --- the parts -----------------------------------------------------------------------------------
# Each returns its readings; the modules are imported inside, so that ``--parts`` needing no wrk
# or no bank loads none of their dependencies.

def load_readings(kind: str, args: argparse.Namespace) -> list[Reading]:
    """The sitting load's rows on ``kind`` (``bench.sitting_load.measure``). Raises
    ``RuntimeError`` when wrk is missing or gunicorn does not start."""
    from bench import sitting_load

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing (make bench installs it)")
    save, page = sitting_load.measure(kind, args)
    postgres = kind == "postgresql"
    failed = sum(f.failed for f in save.app + page.app)
    failures = f"; {failed} failed requests" if failed else ""
    saves = statistics.median(f.rps for f in save.app)
    capacity = (f"; ≈ {sitting_load.capacity_per_core(saves, os.cpu_count() or 1):,.0f} candidates per core at "
                f"one save per {sitting_load.SAVE_INTERVAL_S} s")
    return [
        Reading("autosave: × bare app", kind, [a.rps / b.rps for a, b in zip(save.app, save.bare)], "×",
                Goal(0.6 if postgres else 0.5, at_least=True),
                f"{_number(statistics.median(f.rps for f in save.app))} req/s vs bare "
                f"{_number(statistics.median(f.rps for f in save.bare))}; {args.workers} workers, "
                f"{args.connections} connections{capacity}{failures}"),
        Reading("autosave: p99", kind, [f.p99_ms for f in save.app], "ms", Goal(250) if postgres else None),
        Reading("autosave: server CPU per save", kind, [f.cpu_ms for f in save.app], "ms",
                Goal(2) if postgres else None),
        Reading("autosave: SQL statements per save", kind, [save.statements], "",
                note="goal ≤ 4 round trips on PostgreSQL; BEGIN, COMMIT and pre-ping are not counted here"),
        Reading(f"exam page ({args.questions} q): req/s", kind, [f.rps for f in page.app], "req/s",
                Goal(250, at_least=True),
                f"p99 {_number(statistics.median(f.p99_ms for f in page.app))} ms, "
                f"{_number(statistics.median(f.cpu_ms for f in page.app))} ms CPU, "
                f"{page.statements:.1f} SQL per page"),
    ]


def burst_readings(kind: str, args: argparse.Namespace) -> list[Reading]:
    """The start and submit bursts' wall seconds on ``kind`` (``bench.bursts.run``, whose own
    table goes to stderr). Raises ``AssertionError`` when a worker fails or a chain does not verify."""
    from bench import bursts

    options = argparse.Namespace(candidates=args.burst_candidates, questions=100, workers=args.burst_workers,
                                 warmup=3, profile="", pg=args.pg)
    found = bursts.run(kind, options)
    goals = {"start": 15, "submit": 7}
    return [Reading(f"{b.kind} burst, N = {b.requests:,}", kind, [b.wall_s], "s", Goal(goals[b.kind]),
                    f"{b.cpu_ms:.1f} ms CPU and {b.statements:.1f} SQL per {b.kind}; {args.burst_workers} "
                    f"workers; load {b.load_before:.1f} → {b.load_after:.1f}"
                    + ("; ledger and audit chains verified" if b.kind == "submit" else ""),
                    goal_for=_unless(b.requests, ISSUE_BURST, f"N = {ISSUE_BURST:,}"))
            for b in found]


def bank_readings(kind: str, args: argparse.Namespace, parts: set[str], sources: list[dict]) -> list[Reading]:
    """search, assembly and import on one bank of ``--bank`` questions built on ``kind``."""
    from bench import assembly, bank_search, import_bank

    found: list[Reading] = []
    size = f"{args.bank:,} questions"
    bank_goal = _unless(args.bank, ISSUE_BANK, f"{ISSUE_BANK:,} questions")
    with bank_search.fresh_database(kind, args.pg) as url:
        engine, facts, seconds = bank_search.built_bank(url, args.bank, sources)
        print(f"{kind}: bank of {size} built in {seconds:.0f} s")
        if "search" in parts:
            found += _guarded(f"search, {size}", kind, lambda: [_search_reading(
                bank_search.search_figures(engine, facts, args.query_runs), size, kind, bank_goal)])
        if "assembly" in parts:
            found += _guarded(f"paper assembly, {size}", kind, lambda: [Reading(
                f"paper assembly (100 q), {size}", kind,
                assembly.draw_times(engine, assembly.make_paper(engine), args.draws), "ms", Goal(5),
                f"{args.draws} draws as a start makes them", goal_for=bank_goal)])
        engine.dispose()
        if "import" in parts:
            heavy = kind in args.heavy_db.split(",")
            sizes = [n for n in args.import_rows if heavy or n <= REQUEST_IMPORT_ROWS]
            found += _guarded(f"import into {size}", kind, lambda: [
                r for figures in import_bank.import_figures(url, sizes, sources, "variants")
                for r in _import_readings(figures, kind, size, bank_goal)])
    return found


def _search_reading(figures: list, size: str, kind: str, goal_for: str) -> Reading:
    slowest = max(figures, key=lambda f: statistics.median(f.times_ms))
    over = sum(statistics.median(f.times_ms) > 300 for f in figures)
    return Reading(f"search, {size}: slowest of {len(figures)} queries", kind, slowest.times_ms, "ms", Goal(300),
                   f"{slowest.name} ({slowest.found:,} found); {over} of {len(figures)} queries over 300 ms at p50",
                   goal_for=goal_for)


def _import_readings(figures, kind: str, size: str, bank_goal: str) -> list[Reading]:
    """The job's seconds and memory; the goal (≤ 10 s, ≤ 200 MB) is the issue's for 20,000 rows
    into the 100,000-question bank, so a smaller import gets no verdict."""
    note = (f"{figures.outcome()}{'; background job' if figures.background else ''}; "
            f"{figures.job['statements'] / figures.rows:.2f} SQL per row; peak {figures.job['peak_mb']:.0f} MB")
    part = f"import {figures.rows:,} rows into {size}"
    goal_for = _unless(figures.rows, ISSUE_IMPORT, f"{ISSUE_IMPORT:,} rows") or bank_goal
    return [Reading(f"{part}: job", kind, [figures.job["seconds"]], "s", Goal(10), note, goal_for=goal_for),
            Reading(f"{part}: memory raised", kind, [figures.raised_mb], "MB", Goal(200), goal_for=goal_for)]


def sheet_readings(kind: str, args: argparse.Namespace) -> list[Reading]:
    """The score sheet's seconds and memory raised on ``kind`` (``bench.score_sheet``)."""
    from bench import bank_search, score_sheet

    with bank_search.fresh_database(kind, args.pg) as url:
        sitting_id, hr_id = score_sheet.seed(url, args.sheet_rows)
        runs = score_sheet.measure(url, sitting_id, hr_id, args.sheet_runs)
    part = f"score sheet xlsx, {args.sheet_rows:,} rows"
    note = (f"peak {statistics.median(r.peak_mb for r in runs):.0f} MB, {runs[0].size // 1024:,} KB; "
            "every score checked against the ledger; the route builds the file whole (to_xlsx_bytes)")
    goal_for = _unless(args.sheet_rows, ISSUE_SHEET, f"{ISSUE_SHEET:,} rows")
    return [Reading(f"{part}: time", kind, [r.seconds for r in runs], "s", Goal(6), note, goal_for=goal_for),
            Reading(f"{part}: memory raised", kind, [r.raised_mb for r in runs], "MB", Goal(200), goal_for=goal_for)]


def analysis_readings(args: argparse.Namespace) -> list[Reading]:
    """Item analysis's seconds (``bench.item_analysis.sitting_times``); no database."""
    from bench import item_analysis

    return [Reading(f"item analysis, {args.attempts:,} attempts × 100 items", "–",
                    item_analysis.sitting_times(args.attempts, 100, args.analysis_runs), "s", Goal(3),
                    "pure statistics (KR-20 included), no database",
                    goal_for=_unless(args.attempts, ISSUE_ATTEMPTS, f"{ISSUE_ATTEMPTS:,} attempts"))]


def _guarded(part: str, db: str, work: Callable[[], list[Reading]]) -> list[Reading]:
    """``work``'s readings, or one reading with its error (the traceback to stderr) when it fails."""
    started = time.monotonic()
    print(f"\n== {part} on {db} ==", flush=True)
    try:
        found = work()
    except Exception as exc:  # noqa: BLE001  (one part failing must not lose the others' figures)
        traceback.print_exc()
        found = [Reading(part, db, error=f"{type(exc).__name__}: {exc}".splitlines()[0][:200])]
    print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    return found


def run(args: argparse.Namespace) -> list[Reading]:
    """Every chosen part on every chosen database, in the order of :data:`PARTS`."""
    parts = set(args.parts.split(","))
    unknown = parts - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))} (choose from {', '.join(PARTS)})")
    sources = None
    readings: list[Reading] = []
    for kind in args.db.split(","):
        if "load" in parts:
            readings += _guarded("sitting load", kind, lambda: load_readings(kind, args))
        if "bursts" in parts and kind in args.heavy_db.split(","):
            readings += _guarded("start and submit bursts", kind, lambda: burst_readings(kind, args))
        if parts & BANK_PARTS:
            if sources is None:
                from bench.bank_search import load_sources
                sources = load_sources()
            readings += _guarded("search, assembly, import", kind,
                                 lambda: bank_readings(kind, args, parts, sources))
        if "sheet" in parts:
            readings += _guarded("score sheet", kind, lambda: sheet_readings(kind, args))
    if "analysis" in parts:
        readings += _guarded("item analysis", "–", lambda: analysis_readings(args))
    return readings


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, with each size left unset taken from :data:`QUICK` under ``--quick`` and
    from :data:`DEFAULTS` otherwise."""
    from bench.both_databases import DEFAULT_PG

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--heavy-db", default="postgresql", help="where the bursts and large imports run")
    parser.add_argument("--quick", action="store_true", help="small sizes: a check that the suite works")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server (databases are created and dropped there)")
    parser.add_argument("--questions", type=int, default=100, help="questions on the sitting load's paper")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the sitting load")
    parser.add_argument("--burst-workers", type=int, default=4)
    for name, default in DEFAULTS.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, list):
            parser.add_argument(flag, type=int, nargs="+")
        else:
            parser.add_argument(flag, type=int)
    args = parser.parse_args(argv)
    for name in DEFAULTS:
        if getattr(args, name) is None:
            setattr(args, name, (QUICK if args.quick else DEFAULTS)[name])
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    started, load_before = time.monotonic(), os.getloadavg()
    with contextlib.redirect_stdout(sys.stderr):
        readings = run(args)
    print(f"\n{machine_line(started, load_before)}\n")
    print(table(readings))


if __name__ == "__main__":
    main()
