"""``make bench``'s table (bench/suite.py): every part chosen is in it, one that fails says why
without losing the others, and each goal's verdict says whether it is met and by how much it
misses. The parts themselves are replaced here: they take minutes and measure, not decide."""

from __future__ import annotations

import pytest

from bench import suite
from bench.suite import Goal, Reading


def test_a_goal_at_most_is_met_up_to_its_limit_and_a_miss_says_by_how_much():
    assert Goal(6).verdict(6, "s") == "yes"
    assert Goal(6).verdict(8.4, "s") == "no: 1.4× the goal, +2.4 s"


def test_a_goal_at_least_says_how_far_short_a_figure_falls():
    assert Goal(250, at_least=True).verdict(250, "req/s") == "yes"
    assert Goal(250, at_least=True).verdict(100, "req/s") == "no: 0.4× the goal, −150 req/s"


def test_a_figure_of_several_runs_is_their_median_beside_the_spread_and_judged_by_the_median():
    reading = Reading("start burst", "postgresql", [20, 9, 14], "s", Goal(15))
    assert reading.figure() == "14 (9–20) s"
    assert reading.verdict() == "yes"


def test_a_run_smaller_than_the_goal_is_for_gets_no_verdict():
    reading = Reading("start burst, N = 300", "sqlite", [1.2], "s", Goal(15), goal_for="N = 2,000")
    assert reading.verdict() == "– (goal is for N = 2,000)"


def test_quick_makes_the_sizes_small_and_an_option_given_overrides_it():
    assert suite.parse([]).import_rows == [1_000, 20_000]
    assert suite.parse([]).bank == 100_000
    quick = suite.parse(["--quick", "--bank", "7000"])
    assert (quick.bank, quick.sheet_rows, quick.burst_candidates) == (7000, 2000, 300)


def _stand_ins(monkeypatch) -> None:
    def failing(kind, args):
        raise RuntimeError("wrk is missing (make bench installs it)")

    monkeypatch.setattr(suite, "load_readings", failing)
    monkeypatch.setattr(suite, "burst_readings", lambda kind, args: [Reading("start burst", kind, [9], "s", Goal(15))])
    monkeypatch.setattr(suite, "bank_readings", lambda kind, args, parts, sources: [
        Reading(f"{part} on the bank", kind, [1], "ms", Goal(5)) for part in sorted(parts & suite.BANK_PARTS)])
    monkeypatch.setattr(suite, "sheet_readings", lambda kind, args: [Reading("score sheet", kind, [7], "s", Goal(6))])
    monkeypatch.setattr(suite, "analysis_readings", lambda args: [Reading("item analysis", "–", [2], "s", Goal(3))])
    monkeypatch.setattr("bench.bank_search.load_sources", lambda: [])


def test_the_table_holds_every_part_chosen_and_a_failed_part_says_why(monkeypatch, capsys):
    _stand_ins(monkeypatch)
    suite.main(["--parts", ",".join(suite.PARTS)])
    table = capsys.readouterr().out
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| part | database |")
    for db in ("sqlite", "postgresql"):
        assert f"| sitting load | {db} | failed: RuntimeError: wrk is missing (make bench installs it) |" in table
        for part in ("assembly on the bank", "import on the bank", "search on the bank"):
            assert f"| {part} | {db} | 1 ms | ≤ 5 ms | yes |" in table
        assert f"| score sheet | {db} | 7 s | ≤ 6 s | no: 1.17× the goal, +1 s |" in table
    # The bursts run on --heavy-db only (PostgreSQL unless told), item analysis once.
    assert [line.split(" | ")[1] for line in lines if line.startswith("| start burst")] == ["postgresql"]
    assert sum(line.startswith("| item analysis | – |") for line in lines) == 1
    assert "cores; load average" in table


def test_parts_chooses_what_runs(monkeypatch, capsys):
    _stand_ins(monkeypatch)
    suite.main(["--parts", "sheet", "--db", "sqlite"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[:2] for row in rows[1:]] == [["| score sheet", "sqlite"]]


def test_an_unknown_part_is_refused_before_anything_runs(monkeypatch):
    _stand_ins(monkeypatch)
    with pytest.raises(SystemExit, match="unknown parts: sheets"):
        suite.main(["--parts", "sheets"])
