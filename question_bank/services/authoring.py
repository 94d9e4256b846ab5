"""Writing questions: categories, drafts, new versions, and duplicate flags (domain.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.models import (
    Category,
    ImportBatch,
    Question,
    QuestionStatus,
    QuestionVersion,
    User,
)
from question_bank.services import audit
from question_bank.text import stem_fingerprint
from question_bank.types import REGISTRY

#: Longest stem, option and explanation accepted, in characters.
MAX_STEM, MAX_OPTION, MAX_EXPLANATION = 5000, 1000, 5000


@dataclass
class QuestionDraft:
    """The editable content of a question, as a form or an import row supplies it.

    ``key`` is in the type's normalised form (see ``question_bank.types``); ``category_path`` is
    like ``宪法/国家机构``; ``default_score`` is in points.
    """

    qtype: str
    stem: str
    options: list[str]
    key: Any
    category_path: str
    explanation: str = ""
    difficulty: int = 3
    tags: list[str] = field(default_factory=list)
    legal_basis: str = ""
    default_score: Decimal | None = None

    def problems(self) -> list[Problem]:
        """Everything that keeps this draft out of the bank; each problem names its field."""
        found: list[Problem] = []
        qtype = REGISTRY.get(self.qtype)
        if qtype is None:
            return [Problem(N_("unknown question type %(code)s"), {"code": self.qtype}, "type")]
        if not self.stem.strip():
            found.append(Problem(N_("the stem is empty"), place="stem"))
        elif len(self.stem) > MAX_STEM:
            found.append(Problem(N_("the stem is longer than %(n)d characters"), {"n": MAX_STEM}, "stem"))
        if any(len(o) > MAX_OPTION for o in self.options):
            found.append(Problem(N_("an option is longer than %(n)d characters"), {"n": MAX_OPTION}, "options"))
        if len(self.explanation) > MAX_EXPLANATION:
            found.append(Problem(N_("the explanation is longer than %(n)d characters"),
                                 {"n": MAX_EXPLANATION}, "explanation"))
        for problem in qtype.validate(self.options, self.key):
            found.append(Problem(problem.message, problem.params, "key"))
        if not 1 <= self.difficulty <= 5:
            found.append(Problem(N_("difficulty must be 1 to 5"), place="difficulty"))
        if not category_parts(self.category_path):
            found.append(Problem(N_("the category is empty"), place="category"))
        if self.default_score is not None and self.default_score <= 0:
            found.append(Problem(N_("the mark must be above 0"), place="score"))
        return found


def category_parts(path: str) -> list[str]:
    """``" 宪法 / 国家机构 "`` → ``["宪法", "国家机构"]``."""
    return [p.strip() for p in (path or "").replace("／", "/").split("/") if p.strip()]


def ensure_category(session: Session, path: str) -> Category:
    """The category at ``path``, created with any missing parents."""
    parent: Category | None = None
    so_far: list[str] = []
    for name in category_parts(path):
        so_far.append(name)
        full = "/".join(so_far)
        category = session.scalar(select(Category).where(Category.path == full))
        if category is None:
            category = Category(name=name, path=full, parent=parent)
            session.add(category)
            session.flush()
        parent = category
    if parent is None:
        raise InvalidInput([Problem(N_("the category is empty"), place="category")])
    return parent


def find_duplicate(session: Session, fingerprint: str, exclude_id: int | None = None) -> Question | None:
    """The oldest question whose current version has the same stem fingerprint, if any."""
    query = (
        select(Question)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(QuestionVersion.stem_fingerprint == fingerprint)
        .order_by(Question.id)
        .limit(1)
    )
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    return session.scalar(query)


def _apply(version: QuestionVersion, draft: QuestionDraft) -> None:
    """Write the draft's content into ``version`` (a new one, or one no attempt has used yet)."""
    version.qtype = draft.qtype
    version.stem = draft.stem
    version.options = list(draft.options)
    version.key = draft.key
    version.explanation = draft.explanation
    version.difficulty = draft.difficulty
    version.tags = list(draft.tags)
    version.legal_basis = draft.legal_basis
    version.default_score = draft.default_score
    version.stem_fingerprint = stem_fingerprint(draft.stem)


def _new_version(question: Question, draft: QuestionDraft, number: int, actor: User, clock: Clock) -> QuestionVersion:
    version = QuestionVersion(question=question, version_no=number, created_at=clock.now(), created_by_id=actor.id)
    _apply(version, draft)
    return version


def snapshot(version: QuestionVersion) -> dict[str, Any]:
    """A JSON-able picture of a version, for audit before/after."""
    return {
        "version_no": version.version_no,
        "qtype": version.qtype,
        "stem": version.stem,
        "options": version.options,
        "key": version.key,
        "explanation": version.explanation,
        "difficulty": version.difficulty,
        "tags": version.tags,
        "legal_basis": version.legal_basis,
        "default_score": str(version.default_score) if version.default_score is not None else None,
    }


def create_question(
    session: Session,
    clock: Clock,
    actor: User,
    draft: QuestionDraft,
    *,
    status: QuestionStatus = QuestionStatus.DRAFT,
    batch: ImportBatch | None = None,
    check_duplicates: bool = True,
) -> Question:
    """Add a question with its first version. Raises :class:`InvalidInput` listing every problem.

    A question whose normalised stem repeats an existing one is still added, flagged with
    ``duplicate_of`` so an editor can decide.
    """
    problems = draft.problems()
    if problems:
        raise InvalidInput(problems)
    now = clock.now()
    question = Question(
        category=ensure_category(session, draft.category_path),
        status=status,
        author_id=actor.id,
        import_batch=batch,
        created_at=now,
        updated_at=now,
    )
    version = _new_version(question, draft, 1, actor, clock)
    if check_duplicates:
        question.duplicate_of = find_duplicate(session, version.stem_fingerprint)
    session.add_all([question, version])
    session.flush()
    question.current_version = version
    session.flush()
    if batch is None:
        audit.record(session, clock, actor, "question.create", "question", question.id, after=snapshot(version))
    return question


def update_question(session: Session, clock: Clock, actor: User, question: Question, draft: QuestionDraft) -> QuestionVersion:
    """Change a question's content.

    A version that an attempt has used is never changed: the edit becomes a new version, and
    attempts keep showing and scoring the one they were given. A published question that is edited
    goes back to review, so that a changed key is seen by a second person before it is drawn.
    Raises :class:`InvalidInput`, or :class:`~question_bank.errors.Conflict` for a retired question.
    """
    problems = draft.problems()
    if problems:
        raise InvalidInput(problems)
    if question.status == QuestionStatus.RETIRED:
        raise Conflict(N_("A retired question cannot be edited."))
    current = question.current_version
    assert current is not None
    before = snapshot(current)
    if current.used_at is None:
        version = current
        _apply(version, draft)
    else:
        version = _new_version(question, draft, current.version_no + 1, actor, clock)
        session.add(version)
        session.flush()
        question.current_version = version
    question.category = ensure_category(session, draft.category_path)
    if question.status == QuestionStatus.PUBLISHED:
        question.status = QuestionStatus.IN_REVIEW
        question.reviewer_id = None
        question.reviewed_at = None
    question.updated_at = clock.now()
    question.duplicate_of = find_duplicate(session, version.stem_fingerprint, exclude_id=question.id)
    session.flush()
    audit.record(session, clock, actor, "question.update", "question", question.id,
                 before=before, after=snapshot(version))
    return version
