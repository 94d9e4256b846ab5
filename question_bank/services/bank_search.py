"""Finding questions in the bank: text search over stems, filters, an allowlisted sort, and pages.

Read-only: nothing here changes state. The editors' and reviewers' question list is built on
:func:`search_questions`; the question page uses :func:`pending_revision` and :func:`changed_fields`
to show what papers draw and what a revision would change, and both use :func:`return_notes` to
tell the author why a reviewer sent a question back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import AuditEvent, Category, Question, QuestionStatus, QuestionVersion, User
from question_bank.types import REGISTRY

#: Rows a page holds when the caller does not say, and the most it may ask for.
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 25, 100

#: The only sort orders accepted, by name: a name from the request never reaches SQL as a column.
#: Each ends with the question id so that pages never overlap or skip a row on ties.
SORTS: dict[str, tuple[Any, ...]] = {
    "-updated": (Question.updated_at.desc(), Question.id.desc()),
    "updated": (Question.updated_at.asc(), Question.id.asc()),
    "-id": (Question.id.desc(),),
    "id": (Question.id.asc(),),
    "difficulty": (QuestionVersion.difficulty.asc(), Question.id.asc()),
    "-difficulty": (QuestionVersion.difficulty.desc(), Question.id.desc()),
    "type": (QuestionVersion.qtype.asc(), Question.id.asc()),
    "status": (Question.status.asc(), Question.id.asc()),
    "category": (Category.path.asc(), Question.id.asc()),
}
DEFAULT_SORT = "-updated"


@dataclass(frozen=True)
class QuestionQuery:
    """What the list asks for. Empty strings and None mean "any".

    ``text`` is matched as a literal substring of the current version's stem (``%`` and ``_`` are
    ordinary characters), ignoring ASCII case; ``category`` is a path such as ``宪法`` and matches
    that category and everything below it; ``difficulty`` is 1–5.
    """

    text: str = ""
    qtype: str = ""
    status: str = ""
    category: str = ""
    difficulty: int | None = None
    duplicates_only: bool = False
    sort: str = DEFAULT_SORT

    def problems(self) -> list[Problem]:
        found = []
        if self.sort not in SORTS:
            found.append(Problem(N_("unknown sort order %(sort)s"), {"sort": self.sort}, "sort"))
        if self.qtype and self.qtype not in REGISTRY:
            found.append(Problem(N_("unknown question type %(code)s"), {"code": self.qtype}, "type"))
        if self.status and self.status not in {s.value for s in QuestionStatus}:
            found.append(Problem(N_("unknown status %(status)s"), {"status": self.status}, "status"))
        if self.difficulty is not None and not 1 <= self.difficulty <= 5:
            found.append(Problem(N_("difficulty must be 1 to 5"), place="difficulty"))
        return found


@dataclass(frozen=True)
class QuestionPage:
    """One page of results: ``questions`` (with current version and category loaded), the
    ``total`` matching, the 1-based ``page`` actually returned, ``pages`` (at least 1) and the
    ``page_size`` used after capping."""

    questions: list[Question]
    total: int
    page: int
    pages: int
    page_size: int


def search_questions(session: Session, query: QuestionQuery, page: int = 1, page_size: int | None = None) -> QuestionPage:
    """The questions matching ``query``, one page of them.

    ``page_size`` is capped at :data:`MAX_PAGE_SIZE` (a larger request gets the cap, not an error);
    a page past the end gives the last page. Raises :class:`InvalidInput` for an unknown sort,
    type or status, or a difficulty outside 1–5.
    """
    problems = query.problems()
    if problems:
        raise InvalidInput(problems)
    size = min(max(page_size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    base = (
        select(Question)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .join(Category, Question.category_id == Category.id)
    )
    text = query.text.strip()
    if text:
        base = base.where(QuestionVersion.stem.icontains(text, autoescape=True))
    if query.qtype:
        base = base.where(QuestionVersion.qtype == query.qtype)
    if query.status:
        base = base.where(Question.status == query.status)
    if query.difficulty is not None:
        base = base.where(QuestionVersion.difficulty == query.difficulty)
    path = "/".join(p.strip() for p in query.category.replace("／", "/").split("/") if p.strip())
    if path:
        base = base.where(or_(Category.path == path, Category.path.startswith(path + "/", autoescape=True)))
    if query.duplicates_only:
        base = base.where(Question.duplicate_of_id.is_not(None))
    total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    rows = session.scalars(
        base.options(contains_eager(Question.current_version), contains_eager(Question.category))
        .order_by(*SORTS[query.sort])
        .offset((number - 1) * size)
        .limit(size)
    )
    return QuestionPage(list(rows.unique()), total, number, pages, size)


def people_of(session: Session, question: Question) -> dict[int, User]:
    """Everyone a question's page names (author, reviewer, the author of each version), by id."""
    ids = {question.author_id, question.reviewer_id, *(v.created_by_id for v in question.versions)}
    ids.discard(None)
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


#: The content of a version a reviewer compares, in the order the comparison shows it. The
#: category is part of a version: papers draw by the published version's category.
COMPARED_FIELDS = ("qtype", "category", "stem", "options", "pinned_options", "key", "rubric", "explanation",
                   "difficulty", "legal_basis", "tags", "default_score")


def pending_revision(question: Question) -> QuestionVersion | None:
    """The revision of a live question that papers do not draw yet: its current version when that
    is newer than the published one (in review, or returned to draft), else ``None``."""
    if question.is_live and question.current_version_id != question.published_version_id:
        return question.current_version
    return None


def changed_fields(before: QuestionVersion, after: QuestionVersion) -> set[str]:
    """Names (from :data:`COMPARED_FIELDS`) of the content that differs between two versions."""
    # The category by id: comparing the related objects would load them for nothing.
    columns = {"category": "category_id"}
    return {name for name in COMPARED_FIELDS
            if getattr(before, columns.get(name, name)) != getattr(after, columns.get(name, name))}


@dataclass(frozen=True)
class ReturnNote:
    """Why a reviewer sent a question back: ``text`` as the reviewer wrote it, ``by`` the reviewer
    (None if the account is gone), ``at`` when (aware UTC)."""

    text: str
    by: User | None
    at: dt.datetime


def return_notes(session: Session, questions: list[Question]) -> dict[int, ReturnNote]:
    """Question id → the note of the return that made it a draft, for each of ``questions`` that is
    a draft because a reviewer returned it (its latest return is later than its latest submission
    for review). The note lives in the ``question.return`` audit event (``review.return_to_draft``).
    Two queries, however many questions."""
    drafts = {str(q.id): q.id for q in questions if q.status == QuestionStatus.DRAFT}
    if not drafts:
        return {}
    latest = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.object_type == "question", AuditEvent.object_id.in_(sorted(drafts)),
               AuditEvent.action.in_(("question.return", "question.submit")))
        .group_by(AuditEvent.object_id)
    )
    events = session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor))
        .where(AuditEvent.id.in_(latest), AuditEvent.action == "question.return")
    )
    return {drafts[e.object_id]: ReturnNote(e.detail, e.actor, e.occurred_at) for e in events}
