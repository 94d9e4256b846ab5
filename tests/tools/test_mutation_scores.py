"""``make mutate``'s table (tools/mutation_scores.py) read from mutmut's own result files, laid out
here as a finished run leaves them: a mutant listed in mutation-equivalents.txt counts as
equivalent only when its tests ran and it survived; one that no test runs is a survivor ("no
tests") whatever the list says."""

from __future__ import annotations

import json
from pathlib import Path

from mutmut.stats import status_by_exit_code

from tools import mutation_scores

#: mutmut's exit codes, by the status the table reads from them.
CODE = {status: code for code, status in reversed(list(status_by_exit_code.items()))}
MODULE = "question_bank.points"


def run_results(tmp_path: Path, results: dict[str, str], listed: list[str]) -> tuple[Path, Path]:
    """A ``mutants/`` tree holding one module's results (mutant suffix → status) and an
    equivalents file naming ``listed`` (mutant suffixes), each with a reason."""
    meta = tmp_path / "mutants" / "question_bank" / "points.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": {f"{MODULE}.{name}": CODE[status]
                                                     for name, status in results.items()}}))
    equivalents = tmp_path / "mutation-equivalents.txt"
    equivalents.write_text("# header\n" + "".join(f"{MODULE}.{name}  a reason\n" for name in listed),
                           encoding="utf-8")
    return tmp_path / "mutants", equivalents


def table(capsys, root: Path, listed: Path) -> tuple[dict[str, str], str]:
    """The module's row of the printed table as {column: cell}, and everything printed."""
    assert mutation_scores.main(root, listed) == 0
    printed = capsys.readouterr().out
    header, row = printed.splitlines()[:2]
    columns = ["module", "mutants", "killed", "surv.", "no test", "equiv.", "not run", "score"]
    assert header.split() == ["module", "mutants", "killed", "surv.", "no", "test", "equiv.", "not", "run", "score"]
    return dict(zip(columns, row.split())), printed


def test_a_listed_mutant_that_no_test_runs_is_a_survivor_not_an_equivalent(tmp_path, capsys):
    root, listed = run_results(tmp_path, {"x_to_cents__mutmut_1": "killed", "x_to_cents__mutmut_2": "no tests",
                                          "x_to_cents__mutmut_3": "survived"},
                               listed=["x_to_cents__mutmut_2", "x_to_cents__mutmut_3"])
    row, printed = table(capsys, root, listed)
    assert row == {"module": MODULE, "mutants": "3", "killed": "1", "surv.": "0", "no test": "1", "equiv.": "1",
                   "not run": "0", "score": "50.0%"}
    assert f"{MODULE}.x_to_cents__mutmut_2  (no tests, listed as equivalent)" in printed.splitlines()
    assert f"{MODULE}.x_to_cents__mutmut_3" not in printed.split("Survivors")[-1]


def test_listed_mutants_not_run_or_killed_are_counted_as_such_and_a_killed_one_is_named(tmp_path, capsys):
    root, listed = run_results(tmp_path, {"x_to_cents__mutmut_1": "killed", "x_to_cents__mutmut_2": "not checked",
                                          "x_to_cents__mutmut_3": "survived", "x_to_cents__mutmut_4": "no tests"},
                               listed=["x_to_cents__mutmut_1", "x_to_cents__mutmut_2"])
    row, printed = table(capsys, root, listed)
    assert row == {"module": MODULE, "mutants": "4", "killed": "1", "surv.": "1", "no test": "1", "equiv.": "0",
                   "not run": "1", "score": "33.3%"}
    lines = printed.splitlines()
    assert lines[lines.index(f"Listed in {listed} but killed by a test (strike them out):") + 1] == \
        f"{MODULE}.x_to_cents__mutmut_1"
    assert f"{MODULE}.x_to_cents__mutmut_3  (survived)" in lines
    assert f"{MODULE}.x_to_cents__mutmut_4  (no tests)" in lines


def test_a_listed_name_its_module_no_longer_has_is_named_for_redoing_and_other_modules_are_left_alone(tmp_path, capsys):
    root, listed = run_results(tmp_path, {"x_to_cents__mutmut_1": "killed", "x_to_cents__mutmut_2": "survived"},
                               listed=["x_to_cents__mutmut_2", "x_to_cents__mutmut_9"])
    with listed.open("a", encoding="utf-8") as more:
        more.write("question_bank.services.marking.x_full_score__mutmut_4  a module this run did not mutate\n")
    row, printed = table(capsys, root, listed)
    assert row["equiv."] == "1"
    vanished = printed.split("but no such mutant now")[1].splitlines()[1:]
    assert vanished == [f"{MODULE}.x_to_cents__mutmut_9"]
