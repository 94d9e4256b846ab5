"""Writing questions: categories, drafts, new versions, and duplicate flags (domain.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.points import is_exact_points
from question_bank.models import (
    Category,
    ImportBatch,
    Question,
    QuestionStatus,
    QuestionVersion,
    User,
)
from question_bank.services import audit, review
from question_bank.text import stem_fingerprint
from question_bank.types import REGISTRY

#: Longest stem, option and explanation accepted, in characters.
MAX_STEM, MAX_OPTION, MAX_EXPLANATION = 5000, 1000, 5000
#: Fingerprints per IN (…) query: well below SQLite's and PostgreSQL's bind-parameter limits.
_LOOKUP_CHUNK = 500


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

    def __post_init__(self) -> None:
        # One line ending, whatever wrote the text (a browser's textarea sends CRLF, a CSV may hold
        # CR or LF, an Excel cell LF), so that an unchanged text compares equal to what is stored.
        self.stem = _one_line_ending(self.stem)
        self.options = [_one_line_ending(o) for o in self.options]
        self.explanation = _one_line_ending(self.explanation)
        self.legal_basis = _one_line_ending(self.legal_basis)

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
            # The type says whether a problem is about the options or the key.
            found.append(Problem(problem.message, problem.params, problem.place or "key"))
        if not 1 <= self.difficulty <= 5:
            found.append(Problem(N_("difficulty must be 1 to 5"), place="difficulty"))
        if not category_parts(self.category_path):
            found.append(Problem(N_("the category is empty"), place="category"))
        if self.default_score is not None and not is_exact_points(self.default_score):
            found.append(Problem(N_("the mark %(value)s has more than two decimals; marks are never rounded"),
                                 {"value": self.default_score}, "score"))
        elif self.default_score is not None and self.default_score <= 0:
            found.append(Problem(N_("the mark must be above 0"), place="score"))
        return found


def _one_line_ending(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


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


def _apply(version: QuestionVersion, draft: QuestionDraft, category: Category) -> None:
    """Write the draft's content into ``version`` (a new one, or one no attempt has used yet);
    ``category`` is the draft's category path resolved."""
    version.category = category
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


def _new_version(question: Question, draft: QuestionDraft, category: Category, number: int, actor: User,
                 clock: Clock) -> QuestionVersion:
    version = QuestionVersion(question=question, version_no=number, created_at=clock.now(), created_by_id=actor.id)
    _apply(version, draft, category)
    return version


def snapshot(version: QuestionVersion) -> dict[str, Any]:
    """A JSON-able picture of a version, for audit before/after; ``category`` is its path."""
    return {
        "version_no": version.version_no,
        "qtype": version.qtype,
        "category": version.category.path,
        "stem": version.stem,
        "options": version.options,
        "key": version.key,
        "explanation": version.explanation,
        "difficulty": version.difficulty,
        "tags": version.tags,
        "legal_basis": version.legal_basis,
        "default_score": str(version.default_score) if version.default_score is not None else None,
    }


def unchanged(version: QuestionVersion, draft: QuestionDraft) -> bool:
    """Whether ``draft`` holds exactly the content of ``version``, category included (the draft's
    path compared as :func:`ensure_category` would resolve it): saving it would change nothing."""
    return (
        version.qtype == draft.qtype
        and version.stem == draft.stem
        and list(version.options) == list(draft.options)
        and version.key == draft.key
        and version.explanation == draft.explanation
        and version.difficulty == draft.difficulty
        and list(version.tags) == list(draft.tags)
        and version.legal_basis == draft.legal_basis
        # Decimal compares by value: 2.00 from the database equals 2 from a form.
        and version.default_score == draft.default_score
        and version.category.path == "/".join(category_parts(draft.category_path))
    )


@dataclass(frozen=True)
class Created:
    """One question :func:`create_questions` added: the question, its first version, and the
    question its stem resembles (``resembles``, an id; ``None`` when none), which is either in the
    bank already (``resembles_draft`` is ``None``) or an earlier draft of the same call
    (``resembles_draft`` is that draft's index in ``drafts``)."""

    question: Question
    version: QuestionVersion
    resembles: int | None = None
    resembles_draft: int | None = None


def create_questions(
    session: Session,
    clock: Clock,
    actor: User,
    drafts: list[QuestionDraft],
    *,
    status: QuestionStatus = QuestionStatus.DRAFT,
    batch: ImportBatch | None = None,
    check_duplicates: bool = True,
) -> list[Created]:
    """Add questions, each with its first version, in a few statements however many there are;
    returns them in the order of ``drafts``.

    Categories are found or created once per distinct path; near-duplicate stems (same
    :func:`~question_bank.text.stem_fingerprint`) are looked up with one IN query per 500 stems,
    and a question whose stem repeats one in the bank, or an earlier draft of the same call, is
    still added, flagged with ``duplicate_of`` (the oldest such question) so an editor can decide.
    Raises :class:`InvalidInput` listing every problem of every draft, and then adds nothing;
    callers that must say which draft a problem belongs to check ``draft.problems()`` first, as
    the importer does. With ``status`` published (test data, a trusted load) the first version is
    also the published one, which papers draw. Audit event ``question.create`` for each question
    unless it belongs to a ``batch`` (the batch's own event covers it). Flushes, never commits.
    """
    problems = [problem for draft in drafts for problem in draft.problems()]
    if problems:
        raise InvalidInput(problems)
    if not drafts:
        return []
    categories = {path: ensure_category(session, path) for path in sorted({d.category_path for d in drafts})}
    # Looked up before the new questions exist, so that none of them can find itself.
    in_bank = _oldest_by_fingerprint(session, {stem_fingerprint(d.stem) for d in drafts}) if check_duplicates else {}
    now = clock.now()
    made: list[tuple[Question, QuestionVersion]] = []
    for draft in drafts:
        question = Question(category=categories[draft.category_path], status=status, author_id=actor.id,
                            import_batch=batch, created_at=now, updated_at=now)
        made.append((question, _new_version(question, draft, categories[draft.category_path], 1, actor, clock)))
    session.add_all([item for pair in made for item in pair])
    session.flush()
    created: list[Created] = []
    earlier: dict[str, int] = {}
    for index, (question, version) in enumerate(made):
        question.current_version_id = version.id
        if status == QuestionStatus.PUBLISHED:
            # Made published (test data, a trusted load): the first version is the approved one.
            question.published_version_id = version.id
        fingerprint = version.stem_fingerprint
        resembles, resembles_draft = in_bank.get(fingerprint), None
        if resembles is None and fingerprint in earlier:
            resembles_draft = earlier[fingerprint]
            resembles = made[resembles_draft][0].id
        elif resembles is None and check_duplicates:
            earlier[fingerprint] = index
        question.duplicate_of_id = resembles
        created.append(Created(question, version, resembles, resembles_draft))
    session.flush()
    if batch is None:
        for question, version in made:
            audit.record(session, clock, actor, "question.create", "question", question.id, after=snapshot(version))
    return created


def _oldest_by_fingerprint(session: Session, fingerprints: set[str]) -> dict[str, int]:
    """Fingerprint → id of the oldest question whose current version has it, in a few IN queries."""
    found: dict[str, int] = {}
    wanted = sorted(fingerprints)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start:start + _LOOKUP_CHUNK]
        found.update((fingerprint, question_id) for fingerprint, question_id in session.execute(
            select(QuestionVersion.stem_fingerprint, func.min(Question.id))
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(QuestionVersion.stem_fingerprint.in_(chunk))
            .group_by(QuestionVersion.stem_fingerprint)
        ))
    return found


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
    """Add one question with its first version: :func:`create_questions` for a single draft (same
    rules, duplicate flag and audit event). Raises :class:`InvalidInput` listing every problem."""
    return create_questions(session, clock, actor, [draft], status=status, batch=batch,
                            check_duplicates=check_duplicates)[0].question


def update_question(session: Session, clock: Clock, actor: User, question: Question, draft: QuestionDraft) -> QuestionVersion:
    """Change a question's content; returns the version that now holds it (the current version).

    The current version is changed in place only while no attempt has used it and it is not the
    published version; otherwise the edit becomes a new version. Attempts keep showing and scoring
    the version they were given, and papers keep drawing the published version until a reviewer
    approves the new one (``review.approve_question``), so an edit never takes a question out of
    the sittings that draw on it. A published question that is edited goes to review (status
    ``in_review``, its ``published_version_id`` unchanged), so that a changed key is seen by a second
    person before it is drawn; a draft or a question in review keeps its status. The category is
    part of the version: papers keep drawing by the published version's category until approval.
    A draft that changes nothing (:func:`unchanged`, category included) is no edit: the current
    version is returned and nothing is written, not even an audit event. A draft that puts a live
    question's pending revision back to exactly its published content discards the revision
    (``review.discard_revision``): the published version is returned, current and published again.
    Audit event ``question.update`` with the content before and after.
    Raises :class:`InvalidInput`, or :class:`~question_bank.errors.Conflict` for a retired question.
    """
    problems = draft.problems()
    if problems:
        raise InvalidInput(problems)
    if question.status == QuestionStatus.RETIRED:
        raise Conflict(N_("A retired question cannot be edited."))
    current = question.current_version
    assert current is not None
    if unchanged(current, draft):
        return current
    published = question.published_version
    if question.is_live and published is not None and published.id != current.id and unchanged(published, draft):
        # Edited back to what papers draw: the revision is dropped, nothing is left to review.
        review.discard_revision(session, clock, actor, question)
        question.duplicate_of = find_duplicate(session, published.stem_fingerprint, exclude_id=question.id)
        session.flush()
        return published
    before = snapshot(current)
    category = ensure_category(session, draft.category_path)
    if current.used_at is None and current.id != question.published_version_id:
        version = current
        _apply(version, draft, category)
    else:
        # After the highest number, not the current one's: a discarded revision keeps its number.
        last = session.scalar(select(func.max(QuestionVersion.version_no)).where(QuestionVersion.question_id == question.id))
        version = _new_version(question, draft, category, (last or current.version_no) + 1, actor, clock)
        session.add(version)
        session.flush()
        question.current_version = version
    question.category = category
    if question.status == QuestionStatus.PUBLISHED:
        # reviewer_id and reviewed_at stay: they record who approved the published version.
        question.status = QuestionStatus.IN_REVIEW
    question.updated_at = clock.now()
    question.duplicate_of = find_duplicate(session, version.stem_fingerprint, exclude_id=question.id)
    session.flush()
    audit.record(session, clock, actor, "question.update", "question", question.id,
                 before=before, after=snapshot(version))
    return version
