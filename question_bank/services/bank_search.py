"""Finding questions in the bank: text search over stems and options, filters, an allowlisted sort,
and pages.

Text is compared folded (``text.search_fold``: full and half width, Chinese and ASCII punctuation,
case and space), as a literal substring ("%" and "_" are ordinary characters), against a folded
copy kept on each version (``QuestionVersion.search_text``), through a trigram index on both
databases (``services.text_search``); ``bench/bank_search.py`` measures it on 100,000 questions.

Read-only: nothing here changes state. The editors' and reviewers' question list is built on
:func:`search_questions`; the question page uses :func:`pending_revision` and :func:`changed_fields`
to show what papers draw and what a revision would change, and both use :func:`return_notes` to
tell the author why a reviewer sent a question back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from typing import Protocol

from sqlalchemy import Column, ColumnElement, exists, func, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload
from sqlalchemy.sql.visitors import iterate

from question_bank.drafts import category_parts
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import (
    Attempt,
    AttemptItem,
    AuditEvent,
    Category,
    Question,
    QuestionStatus,
    QuestionVersion,
    Sitting,
    User,
)
from question_bank.services import text_search
from question_bank.text import search_fold
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


class LegalBasisFilter(Protocol):
    """A filter on what a question's current version cites. Today :class:`BasisText` (the legal
    basis as written); a filter by law or article id can take its place without the search
    changing."""

    def condition(self, session: Session) -> ColumnElement[bool]:
        """SQL condition on the current version (``QuestionVersion``); ``session`` says which
        database it is for (and may be read, as the text index is)."""
        ...


@dataclass(frozen=True)
class BasisText:
    """Questions whose legal basis contains ``text``, compared folded (``《行政处罚法》第３６条``
    finds ``<行政处罚法>第36条``)."""

    text: str

    def condition(self, session: Session) -> ColumnElement[bool]:
        folded = search_fold(self.text)
        return text_search.contains(session, QuestionVersion.search_basis, folded) if folded else true()


#: Values of :attr:`QuestionQuery.used`: used in an attempt of any sitting, or never.
USED, NEVER_USED = "yes", "no"


@dataclass(frozen=True)
class QuestionQuery:
    """What the list asks for. Empty strings and None mean "any".

    ``text`` is matched as a literal substring of the current version's stem or of one of its
    options (``%`` and ``_`` are ordinary characters), folded (``text.search_fold``); ``category``
    is a path such as ``宪法`` and matches that category and everything below it; ``difficulty`` is
    1–5; ``tag`` one knowledge point, whole; ``legal_basis`` a :class:`LegalBasisFilter`;
    ``status`` a :class:`QuestionStatus` value, where ``published`` means every question with a
    live published version (also one whose revision is in review or returned to draft: papers
    still draw its published version); ``author_id`` the question's author; ``used`` :data:`USED` (a version of it was put into an
    attempt) or :data:`NEVER_USED`; ``sitting_id`` a sitting whose attempts used it.
    """

    text: str = ""
    qtype: str = ""
    status: str = ""
    category: str = ""
    difficulty: int | None = None
    duplicates_only: bool = False
    sort: str = DEFAULT_SORT
    tag: str = ""
    legal_basis: LegalBasisFilter | None = None
    author_id: int | None = None
    used: str = ""
    sitting_id: int | None = None

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
        if self.used and self.used not in (USED, NEVER_USED):
            found.append(Problem(N_("unknown value %(value)s"), {"value": self.used}, "used"))
        return found

    def conditions(self, session: Session) -> list[ColumnElement[bool]]:
        """The SQL conditions of the filters, on ``Question`` joined with its current version
        (``QuestionVersion``) and its ``Category``."""
        found: list[ColumnElement[bool]] = []
        dialect = session.get_bind().dialect.name
        text = search_fold(self.text)
        if text:
            found.append(text_search.contains(session, QuestionVersion.search_text, text))
        if self.qtype:
            found.append(QuestionVersion.qtype == self.qtype)
        if self.status == QuestionStatus.PUBLISHED:
            # Every question papers can draw: a published question whose revision waits for review
            # (or was returned to draft) is still published in the version papers use.
            found.append(Question.published_version_id.is_not(None) & (Question.status != QuestionStatus.RETIRED))
        elif self.status:
            found.append(Question.status == self.status)
        if self.difficulty is not None:
            found.append(QuestionVersion.difficulty == self.difficulty)
        path = "/".join(category_parts(self.category))
        if path:
            found.append(Question.category_id.in_(_subtree_ids(session, path)))
        if self.duplicates_only:
            found.append(Question.duplicate_of_id.is_not(None))
        if self.tag.strip():
            found.append(_has_tag(self.tag.strip(), dialect))
        if self.legal_basis is not None:
            found.append(self.legal_basis.condition(session))
        if self.author_id is not None:
            found.append(Question.author_id == self.author_id)
        if self.used:
            any_used = _used_in(None)
            found.append(any_used if self.used == USED else ~any_used)
        if self.sitting_id is not None:
            found.append(_used_in(self.sitting_id))
        return found


def _has_tag(tag: str, dialect: str) -> ColumnElement[bool]:
    """The current version's tags hold ``tag``: JSONB containment on PostgreSQL, json_each on SQLite."""
    if dialect == "postgresql":
        # The column's type is JSON with a JSONB variant: coerced, so that contains is JSONB's @>.
        return type_coerce(QuestionVersion.tags, JSONB).contains([tag])
    each = func.json_each(QuestionVersion.tags).table_valued("value")
    # A tag held is somewhere in the stored JSON text as a JSON string, written with non-ASCII
    # escaped or not: that cheap test first, so that json_each runs only on the few that pass.
    written = or_(*(func.instr(QuestionVersion.tags, json.dumps(tag, ensure_ascii=ascii)) > 0
                    for ascii in (True, False)))
    return written & exists(select(1).select_from(each).where(each.c.value == tag))


def _subtree_ids(session: Session, path: str) -> list[int]:
    """Ids of the category at ``path`` and of every category below it (none: an empty list).
    Looked up first, so that the bank's own index on ``question.category_id`` finds the questions
    instead of a join reading the whole bank to compare paths."""
    return list(session.scalars(select(Category.id).where(
        Category.at_or_below(path))))


def _used_in(sitting_id: int | None) -> ColumnElement[bool]:
    """Some version of the question was put into an attempt (of the sitting ``sitting_id``)."""
    if sitting_id is None:
        # Probed in the partial index of used versions (ix_question_version_used), a fifth of the
        # bank's size. An EXISTS rather than IN (…): the page walks the sort's index and stops
        # after a page, where IN made both databases fetch and sort every used question.
        used = aliased(QuestionVersion)
        return exists(select(1).where(used.question_id == Question.id, used.used_at.is_not(None)))
    version = aliased(QuestionVersion)
    return exists(
        select(1).select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(version, version.id == AttemptItem.question_version_id)
        .where(Attempt.sitting_id == sitting_id, version.question_id == Question.id)
    )


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

    ``page_size`` is capped at :data:`MAX_PAGE_SIZE` (a larger request gets the cap, not an error;
    none, zero or a negative one gets :data:`DEFAULT_PAGE_SIZE`); a page past the end gives the
    last page. Raises :class:`InvalidInput` for an unknown sort,
    type or status, or a difficulty outside 1–5.
    """
    problems = query.problems()
    if problems:
        raise InvalidInput(problems)
    size = min(page_size, MAX_PAGE_SIZE) if page_size and page_size > 0 else DEFAULT_PAGE_SIZE
    conditions = query.conditions(session)
    base = (
        select(Question)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .join(Category, Question.category_id == Category.id)
        .where(*conditions)
    )
    if query.sort == "category":
        return _page_by_category(session, base, conditions, page, size)
    total = session.scalar(_count(conditions)) or 0
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    rows = session.scalars(
        base.options(contains_eager(Question.current_version), contains_eager(Question.category))
        .order_by(*SORTS[query.sort])
        .offset((number - 1) * size)
        .limit(size)
    )
    return QuestionPage(list(rows.unique()), total, number, pages, size)


def _page_by_category(session: Session, base, conditions: list[ColumnElement[bool]], page: int,
                      size: int) -> QuestionPage:
    """A page in category order (path, then id), as ``search_questions`` gives it, without sorting
    the whole bank: the matches are counted per category (one indexed aggregate, which also gives
    the total), the page's offset is walked through the categories in path order, and only the
    categories the page falls in are read and sorted."""
    counted = _count(conditions).with_only_columns(Question.category_id, func.count(Question.id)) \
        .group_by(Question.category_id)
    per_category = dict(session.execute(counted).all())
    paths = dict(session.execute(select(Category.id, Category.path).where(Category.id.in_(list(per_category)))).all()) \
        if per_category else {}
    total = sum(per_category.values())
    pages = max(1, math.ceil(total / size))
    number = min(max(page, 1), pages)
    start, before, reached, spanned = (number - 1) * size, 0, 0, []
    for category_id in sorted(per_category, key=lambda c: paths[c]):
        if reached + per_category[category_id] > start:
            if not spanned:
                before = reached  # matches in the categories wholly before the page
            spanned.append(category_id)
        reached += per_category[category_id]
        if reached >= start + size:
            break
    if not spanned:
        return QuestionPage([], total, number, pages, size)
    rows = session.scalars(
        base.where(Question.category_id.in_(spanned))
        .options(contains_eager(Question.current_version), contains_eager(Question.category))
        .order_by(*SORTS["category"])
        .offset(start - before)
        .limit(size)
    )
    return QuestionPage(list(rows.unique()), total, number, pages, size)


#: Sittings the list offers to filter by, newest first.
SITTINGS_OFFERED = 200


@dataclass(frozen=True)
class FilterChoices:
    """What the list's filters offer: ``authors`` (everyone who wrote a question, by name),
    ``sittings`` (the :data:`SITTINGS_OFFERED` latest, newest first) and ``categories`` (every path)."""

    authors: list[User]
    sittings: list[Sitting]
    categories: list[str]


def filter_choices(session: Session) -> FilterChoices:
    """The choices of the list's filters, in three queries."""
    authors = session.scalars(select(User).where(User.id.in_(select(Question.author_id).distinct()))
                              .order_by(User.display_name, User.id))
    sittings = session.scalars(select(Sitting).order_by(Sitting.opens_at.desc(), Sitting.id.desc())
                               .limit(SITTINGS_OFFERED))
    return FilterChoices(list(authors), list(sittings), list(session.scalars(select(Category.path).order_by(Category.path))))


def _count(conditions: list[ColumnElement[bool]]):
    """The count of the questions matching ``conditions``, joining the current version and the
    category only when a condition needs them (every question has both, so the count is the same;
    without the joins SQLite counts the whole bank from an index instead of reading every row)."""
    tables = {element.table for condition in conditions for element in iterate(condition)
              if isinstance(element, Column)}
    query = select(func.count(Question.id)).select_from(Question)
    if QuestionVersion.__table__ in tables:
        query = query.join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
    if Category.__table__ in tables:
        query = query.join(Category, Question.category_id == Category.id)
    return query.where(*conditions)


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
