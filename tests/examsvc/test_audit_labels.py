"""The auditor's log speaks Chinese: every action the code records and every object type has a label,
unknown codes are shown as they are, and times in snapshots are shown in Beijing time (issue 6,
tester finding 6)."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import re

from question_bank.models import AttemptState, Role
from question_bank.services import audit
from tests.conftest import at

from examsvc.audit import labels

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")
#: Calls whose arguments carry an action code: (name, position of the action, position of the object type).
CARRIERS = {"record": (3, 4), "record_access": (0, None), "_audit": (0, 1), "_transition": (None, None),
            "begin": (1, None)}
#: Actions written with an f-string, expanded by hand: the states an attempt closes in
#: (services.deadlines), a decision on a score change, and the password guard's suffixes.
EXPANDED = {*(f"attempt.{s}" for s in AttemptState if s != AttemptState.IN_PROGRESS),
            "score_change.approve", "score_change.reject",
            "auth.password_change_throttled", "auth.password_change_locked"}


def _sources():
    for folder in ("question_bank", "examsvc"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _strings(node) -> list[str]:
    """The string constants ``node`` may be: a constant, or both branches of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def recorded_codes() -> tuple[set[str], set[str]]:
    """Every action code and object type the code records, read from its source."""
    actions, objects = set(EXPANDED), set()
    for _, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("ACTION")
                                                    for t in node.targets):
                actions.update(s for s in _strings(node.value) if ACTION.match(s))
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                # CREATED, REVOKED, USED, REFUSED = "api_token.create", ...
                actions.update(s for e in node.value.elts for s in _strings(e) if ACTION.match(s))
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "audited_read":
                actions.update("read." + s for s in _strings(node.args[0]))
                objects.update(s for a in node.args[1:2] for s in _strings(a) if s)
            elif name in CARRIERS:
                actions.update(s for a in node.args for s in _strings(a) if ACTION.match(s))
                at_ = CARRIERS[name][1]
                if at_ is not None and len(node.args) > at_:
                    objects.update(s for s in _strings(node.args[at_]) if s)
    return actions, objects


def test_every_action_and_object_type_the_code_records_has_a_label():
    actions, objects = recorded_codes()
    assert {"auth.sign_in", "read.score_sheet_export", "attempt.reopen", "attempt.auto_submitted",
            "sitting.regrade", "mark.given"} <= actions
    assert sorted(actions - set(labels.ACTIONS)) == []
    assert sorted(objects - set(labels.OBJECT_TYPES)) == []


def test_an_unknown_code_is_shown_as_it_is():
    assert labels.action_label("something.new") == "something.new"
    assert labels.object_label("new_table") == "new_table"


def test_times_in_snapshots_are_written_in_beijing_time():
    shown = labels.beijing({"finished_at": "2026-12-02T01:30:00+00:00", "deadline": "2026-12-02T09:45:00+08:00",
                            "nested": [{"at": "2026-12-01T16:00:00+00:00"}], "note": "2026-12-02", "n": 3})
    assert shown == {"finished_at": "2026-12-02 09:30:00", "deadline": "2026-12-02 09:45:00",
                     "nested": [{"at": "2026-12-02 00:00:00"}], "note": "2026-12-02", "n": 3}


def test_the_log_page_names_actions_object_types_and_keys_in_chinese(client, db, clock, make):
    make.user(Role.AUDITOR, username="auditor1")
    clock.set(at("09:00:00", dt.date(2026, 5, 9)))
    audit.record(db, clock, None, "attempt.auto_submitted", "attempt", 5,
                 after={"finished_at": "2026-05-09T01:00:00+00:00", "score": "58.00"})
    db.commit()
    client.login("auditor1")
    page = client.get("/audit/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    row = page[page.index('data-action="attempt.auto_submitted"'):]
    row = row[:row.index("</tr>")]
    assert "到时自动交卷" in row or "Attempt handed in at its deadline" in row
    assert "2026-05-09 09:00:00" in row  # 01:00 UTC in Beijing time
    assert "attempt.auto_submitted" not in row.split(">", 1)[1].split("</td>")[0]
    options = page[page.index('name="object_type"'):page.index("</select>", page.index('name="object_type"'))]
    assert 'value="attempt"' in options and ">attempt<" not in options
