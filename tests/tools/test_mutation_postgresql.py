"""``make mutate``'s second pass (tools/mutation_postgresql.py): a mutant that survived on SQLite and
is listed in mutation-postgresql.txt has its test run on PostgreSQL with the mutant switched on; the
table then counts it killed, named apart. Here a tiny stand-in test plays the part of the suite: it
fails only when a given mutant is switched on and the database asked for is PostgreSQL, as a lock
test does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tools.test_mutation_scores import MODULE, run_results, table
from tools import mutation_postgresql

#: Fails with mutant 2 on PostgreSQL, as a test of a row lock does; passes otherwise.
PROBE = f'''
import os

def test_probe():
    assert not (os.environ.get("MUTANT_UNDER_TEST") == "{MODULE}.x_to_cents__mutmut_2"
                and os.environ.get("EXAMSVC_TEST_DB") == "postgresql")

def test_passes():
    pass
'''


def listing(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "mutation-postgresql.txt"
    path.write_text("# header\n" + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def sqlite_run(tmp_path: Path) -> tuple[Path, Path]:
    """A SQLite run in which mutants 2 and 3 survived and 1 was killed, and the stand-in test."""
    root, equivalents = run_results(tmp_path, {"x_to_cents__mutmut_1": "killed", "x_to_cents__mutmut_2": "survived",
                                               "x_to_cents__mutmut_3": "survived"}, listed=[])
    (root / "pytest.ini").write_text("[pytest]\n")  # the stand-in's own root, not the checkout's
    (root / "test_probe.py").write_text(PROBE)
    return root, equivalents


def test_a_listed_survivor_its_test_kills_on_postgresql_counts_as_killed_and_is_named(tmp_path, sqlite_run, capsys):
    root, equivalents = sqlite_run
    listed = listing(tmp_path, [f"{MODULE}.x_to_cents__mutmut_2  test_probe.py::test_probe  a lock",
                                f"{MODULE}.x_to_cents__mutmut_3  test_probe.py::test_probe  a lock too"])
    assert mutation_postgresql.main(root, listed) == 0
    assert json.loads((root / mutation_postgresql.RESULTS).read_text()) == {
        f"{MODULE}.x_to_cents__mutmut_2": "killed", f"{MODULE}.x_to_cents__mutmut_3": "survived"}
    capsys.readouterr()
    row, printed = table(capsys, root, equivalents)
    assert (row["killed"], row["surv."], row["score"]) == ("2", "1", "66.7%")
    lines = printed.splitlines()
    assert lines[lines.index("Killed on PostgreSQL only (their tests: mutation-postgresql.txt):") + 1] == \
        f"{MODULE}.x_to_cents__mutmut_2"
    assert f"{MODULE}.x_to_cents__mutmut_3  (survived, and on PostgreSQL: survived)" in lines


def test_a_listed_mutant_killed_on_sqlite_is_not_run_again_and_a_broken_node_id_is_an_error(tmp_path, sqlite_run):
    root, _ = sqlite_run
    listed = listing(tmp_path, [f"{MODULE}.x_to_cents__mutmut_1  test_probe.py::test_probe  killed already",
                                f"{MODULE}.x_to_cents__mutmut_2  test_probe.py::no_such_test  a typo"])
    assert mutation_postgresql.main(root, listed) == 1
    [(name, outcome)] = json.loads((root / mutation_postgresql.RESULTS).read_text()).items()
    assert name == f"{MODULE}.x_to_cents__mutmut_2"
    assert outcome.startswith("error: pytest exit 4")


def test_a_line_without_a_test_is_refused_naming_the_line(tmp_path):
    listed = listing(tmp_path, [f"{MODULE}.x_to_cents__mutmut_2  test_probe.py::test_probe  fine",
                                f"{MODULE}.x_to_cents__mutmut_3  forgot the test"])
    with pytest.raises(ValueError, match=r"mutation-postgresql.txt, line 3: expected a mutant's name, then the pytest"):
        mutation_postgresql.listed(listed)


def test_a_missing_list_is_an_error_not_an_empty_pass(tmp_path, sqlite_run):
    root, _ = sqlite_run
    with pytest.raises(ValueError, match="mutation-postgresql.txt is missing"):
        mutation_postgresql.main(root, tmp_path / "mutation-postgresql.txt")
