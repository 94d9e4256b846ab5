"""Every service that acts on no one object refuses an actor without its role (``protection.require_role``:
PermissionDenied, HTTP 403) before it reads or writes anything: not the file, not the id it was given.
The pages' role guards refuse first; these are the domain's own refusals (the command line and the
records API call the services without them)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.errors import PermissionDenied
from question_bank.models import AuditEvent, Category, ImportJob, Role, StudyList
from question_bank.services import (
    categories,
    import_jobs,
    importing,
    law_catalogue,
    law_review,
    manual_marking,
    proctoring,
    study_list_files,
    study_lists,
)
from tests.conftest import at

#: (what is asked, a role that does not reach it, the call). Ids and files need not exist: the role
#: is judged first.
REFUSALS = [
    ("a new category", Role.BANK_REVIEWER,
     lambda db, clock, actor: categories.create_category(db, clock, actor, "新分类", None)),
    ("an import", Role.BANK_REVIEWER,
     lambda db, clock, actor: importing.import_questions(db, clock, actor, "题库.xlsx", b"x")),
    ("a refused import's problems", Role.EXAM_ADMIN,
     lambda db, clock, actor: importing.refused_problems(db, clock, actor, 1, "csv")),
    ("an import job", Role.HR,
     lambda db, clock, actor: import_jobs.enqueue(db, clock, actor, "题库.xlsx", b"x", importing.ALL_OR_NOTHING,
                                                  importing.ASK, "auto")),
    ("a new study list", Role.HR,
     lambda db, clock, actor: study_lists.create_list(db, clock, actor, study_lists.ListValues("学法清单", 2026))),
    ("a study list from a workbook", Role.HR,
     lambda db, clock, actor: study_list_files.import_list(db, clock, actor, "清单.xlsx", b"x")),
    ("the law-review list", Role.EXAM_ADMIN, lambda db, clock, actor: law_review.open_flags(db, actor)),
    ("a law-review flag", Role.STUDY_ADMIN, lambda db, clock, actor: law_review.get_flag(db, actor, 1)),
    ("a law text loaded", Role.STUDY_ADMIN, lambda db, clock, actor: law_catalogue.load_texts(db, clock, actor, [])),
    ("an attempt voided", Role.HR, lambda db, clock, actor: proctoring.void_attempt(db, clock, actor, 1, "替考")),
    ("an attempt re-opened", Role.MARKER,
     lambda db, clock, actor: proctoring.reopen_attempt(db, clock, actor, 1, "设备故障", at("10:50:00"))),
    ("a response to mark", Role.EXAM_ADMIN, lambda db, clock, actor: manual_marking.script(db, actor, 1)),
]


def _written(db) -> tuple[int, ...]:
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (AuditEvent, Category, ImportJob, StudyList))


@pytest.mark.parametrize(("asked", "role", "call"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_service_refuses_an_actor_without_its_role_and_writes_nothing(db, clock, make, asked, role, call):
    actor = make.user(role)
    before = _written(db)
    with pytest.raises(PermissionDenied):
        call(db, clock, actor)
    db.flush()
    assert _written(db) == before

