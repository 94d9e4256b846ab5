"""Writing questions: categories, drafts, new versions, and duplicate flags (domain.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.db import insert_rows
# QuestionDraft and category_parts are re-exported: callers may keep importing them from here.
from question_bank.drafts import QuestionDraft, category_parts
from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.models import (
    Category,
    ImportBatch,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionVersion,
    User,
)
from question_bank.services import audit, categories, citing, duplicates, review
from question_bank.services.law_index import LawIndex
from question_bank.similarity import band_keys
from question_bank.text import content_text, fingerprint_of, search_basis, search_document


def ensure_category(session: Session, path: str) -> Category:
    """The category at ``path``, created with any missing parents. Raises :class:`InvalidInput`
    (place ``category``) for an empty path, or one whose missing part differs from an existing
    category only in width or case (``categories.folded_name``), naming that category."""
    parent: Category | None = None
    so_far: list[str] = []
    for name in category_parts(path):
        so_far.append(name)
        full = "/".join(so_far)
        # The level's categories in one query: the one of this name, or one only width or case apart.
        siblings = categories.children_of(session, parent)
        category = next((c for c in siblings if c.name == name), None)
        if category is None:
            existing = categories.folded_among(siblings, name)
            if existing is not None:
                raise InvalidInput([Problem(N_("the category %(path)s differs from the existing category %(existing)s "
                                               "only in full- or half-width forms or letter case; write %(existing)s"),
                                            {"path": full, "existing": existing.path}, "category")])
            category = Category(name=name, path=full, parent=parent)
            session.add(category)
            session.flush()
        parent = category
    if parent is None:
        raise InvalidInput([Problem(N_("the category is empty"), place="category")])
    return parent


def flag_resemblance(session: Session, question: Question, version: QuestionVersion) -> None:
    """Set ``question.duplicate_of`` and ``duplicate_similarity`` to the live question (another
    one) that ``version``'s content repeats or resembles most, or clear them when none does
    (``duplicates.find_resemblances``)."""
    content = duplicates.version_content(version)
    found = duplicates.find_resemblances(session, [content],
                                         exclude_question=question.id, within=False,
                                         answers=[duplicates.answer_of(version.options or [], version.key)],
                                         keyed_texts=[duplicates.keyed(version.qtype, version.options or [],
                                                                       version.key, content)])[0]
    question.duplicate_of_id = found.question_id if found else None
    question.duplicate_similarity = found.similarity if found else None
    question.duplicate_answer_changed = bool(found and found.changed)


def _content(draft: QuestionDraft) -> dict[str, Any]:
    """The version columns a draft's content fills (all but the category), by attribute name."""
    folded = content_text(draft.stem, draft.options)
    return {
        "qtype": draft.qtype, "stem": draft.stem, "options": list(draft.options), "key": draft.key,
        "explanation": draft.explanation, "difficulty": draft.difficulty, "tags": list(draft.tags),
        "legal_basis": draft.legal_basis, "default_score": draft.default_score,
        "pinned_options": list(draft.pinned_options), "rubric": draft.rubric,
        "fingerprint": fingerprint_of(folded), "content_text": folded,
        "search_text": search_document(draft.stem, draft.options), "search_basis": search_basis(draft.legal_basis),
    }


def _apply(version: QuestionVersion, draft: QuestionDraft, category: Category) -> None:
    """Write the draft's content into ``version`` (a new one, or one no attempt has used yet);
    ``category`` is the draft's category path resolved."""
    version.category = category
    for name, value in _content(draft).items():
        setattr(version, name, value)


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
        "pinned_options": list(version.pinned_options or []),
        "rubric": version.rubric,
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
        and list(version.pinned_options or []) == list(draft.pinned_options)
        and (version.rubric or "") == draft.rubric
        and version.category.path == "/".join(category_parts(draft.category_path))
    )


@dataclass(frozen=True)
class Created:
    """One question :func:`create_questions` added: the question, its first version, and the
    question it repeats or resembles (``resembles``, an id; ``None`` when none) with how alike they
    are (``similarity``, percent; 100 for the same stem and options). That question is either in the
    bank already (``resembles_draft`` is ``None``) or an earlier draft of the same call
    (``resembles_draft`` is that draft's index in ``drafts``). ``changed``: the same stem and
    options but another answer or type (``duplicates.AnswerChange``), no repeat."""

    question: Question
    version: QuestionVersion
    resembles: int | None = None
    resembles_draft: int | None = None
    similarity: int | None = None
    changed: duplicates.AnswerChange | None = None


def create_questions(
    session: Session,
    clock: Clock,
    actor: User,
    drafts: list[QuestionDraft],
    *,
    status: QuestionStatus = QuestionStatus.DRAFT,
    batch: ImportBatch | None = None,
    check_duplicates: bool = True,
    law_index: LawIndex | None = None,
) -> list[Created]:
    """Add questions, each with its first version, in a few statements however many there are;
    returns them in the order of ``drafts``.

    Categories are found or created once per distinct path. Duplicate detection
    (``duplicates.find_resemblances``, case C-21) compares each draft's stem and options with the
    published and current versions of every question that is not retired, and with the earlier
    drafts of the same call; a draft that repeats or resembles one (at least
    ``similarity.NEAR_DUPLICATE_MIN`` percent alike, and answering alike) is still added, flagged with ``duplicate_of``
    and ``duplicate_similarity``, so an editor can decide; one with the same stem and options but
    another answer or type is flagged ``duplicate_answer_changed`` too (a correction, no repeat). Raises :class:`InvalidInput` listing
    every problem of every draft, and then adds nothing; callers that must say which draft a
    problem belongs to check ``draft.problems()`` first, as the importer does. With ``status``
    published (test data, a trusted load) the first version is also the published one, which
    papers draw. Each version's legal basis is resolved against the
    law catalogue (``citing.record_citations``; ``law_index``: a picture of the catalogue to reuse,
    for a caller adding many questions a part at a time); what does not resolve is kept, never refused.
    Audit event ``question.create`` for each question unless it belongs to a
    ``batch`` (the batch's own event covers it). Flushes, never commits.
    """
    problems = [problem for draft in drafts for problem in draft.problems()]
    if problems:
        raise InvalidInput(problems)
    if not drafts:
        return []
    categories = {path: ensure_category(session, path) for path in sorted({d.category_path for d in drafts})}
    keys, found = _resemblances(session, drafts, check_duplicates)
    now = clock.now()
    made: list[tuple[Question, QuestionVersion]] = []
    for draft in drafts:
        question = Question(category=categories[draft.category_path], status=status, author_id=actor.id,
                            import_batch=batch, created_at=now, updated_at=now)
        made.append((question, _new_version(question, draft, categories[draft.category_path], 1, actor, clock)))
    session.add_all([item for pair in made for item in pair])
    session.flush()
    duplicates.index_versions(session, [version for _, version in made], keys=keys)
    created: list[Created] = []
    for (question, version), resemblance in zip(made, found):
        question.current_version_id = version.id
        if status == QuestionStatus.PUBLISHED:
            # Made published (test data, a trusted load): the first version is the approved one.
            question.published_version_id = version.id
        if resemblance is None:
            created.append(Created(question, version))
            continue
        resembles = (resemblance.question_id if resemblance.earlier is None
                     else made[resemblance.earlier][0].id)
        question.duplicate_of_id = resembles
        question.duplicate_similarity = resemblance.similarity
        question.duplicate_answer_changed = resemblance.changed is not None
        created.append(Created(question, version, resembles, resemblance.earlier, resemblance.similarity,
                               resemblance.changed))
    session.flush()
    citing.record_citations(session, [version for _, version in made], fresh=True, index=law_index)
    if batch is None:
        for question, version in made:
            audit.record(session, clock, actor, "question.create", "question", question.id, after=snapshot(version))
    return created


def _resemblances(session: Session, drafts: list[QuestionDraft], check_duplicates: bool,
                  ) -> tuple[list[list[int]], list[duplicates.Resemblance | None]]:
    """The drafts' LSH keys and what each repeats or resembles (``duplicates.find_resemblances``;
    all ``None`` without ``check_duplicates``). Looked up before the new
    questions exist, so that none of them can find itself."""
    contents = [content_text(d.stem, d.options) for d in drafts]
    # The LSH keys are computed once, for the check and for the index (a tenth of a batch's time).
    keys = band_keys(contents)
    keyed_texts = [duplicates.keyed(d.qtype, d.options, d.key, c) for d, c in zip(drafts, contents)]
    found = (duplicates.find_resemblances(session, contents, keys=keys,
                                          answers=[k.answer for k in keyed_texts], keyed_texts=keyed_texts)
             if check_duplicates else [None] * len(drafts))
    return keys, found


@dataclass(frozen=True)
class Inserted:
    """One question :func:`insert_questions` wrote, by id: ``question_id``, the id of its first
    version ``version_id``, its ``stem``, and what it resembles as in :class:`Created`."""

    question_id: int
    version_id: int
    stem: str
    resembles: int | None = None
    resembles_draft: int | None = None
    similarity: int | None = None
    changed: duplicates.AnswerChange | None = None


@dataclass(frozen=True)
class _Written:
    """What :func:`insert_questions` needs of a version it wrote to find its citations."""

    id: int
    created_at: Any
    legal_basis: str
    stem: str
    options: list[str]
    explanation: str


def _inserted_ids(session: Session, model: type[Question] | type[QuestionVersion], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``model``'s table in multi-row statements; returns their ids in the
    order of ``rows``."""
    session.flush()  # what the rows refer to (the batch, new categories)
    # The table's own insert (attribute and column names are the same): the ORM's would split the
    # rows into runs by which values are None.
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        # The ids taken from the table's sequence first, in the rows' order, then the rows with
        # them as one JSON document (db.insert_rows): a multi-row VALUES … RETURNING of 500 versions
        # was a statement of 10,000 placeholders for psycopg to convert and the server to parse.
        ids = list(session.connection().scalars(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id")).label("id"))
            .select_from(func.generate_series(1, len(rows))).order_by("id")))
        insert_rows(session, model, [{"id": new_id, **row} for new_id, row in zip(ids, rows)])
        return ids
    # SQLite would insert row by row to return ids in order. Its ids rise with every row inserted
    # (AUTOINCREMENT: above any id ever used) and the transaction holds the write lock, so the new
    # rows are the table's highest ids, in the order inserted.
    session.connection().execute(insert(table), rows)
    ids = list(session.scalars(select(model.id).order_by(model.id.desc()).limit(len(rows))))[::-1]
    assert len(ids) == len(rows)
    return ids


def insert_questions(session: Session, clock: Clock, actor: User, drafts: list[QuestionDraft], *,
                     batch: ImportBatch, status: QuestionStatus = QuestionStatus.IN_REVIEW,
                     law_index: LawIndex | None = None,
                     category_ids: dict[str, int] | None = None) -> tuple[list[Inserted], list[QuestionCitation]]:
    """:func:`create_questions` for a part of an import ``batch``, without ORM objects: the same
    rows, rules, duplicate flags and citations, written set-wise (multi-row inserts of the
    questions and versions returning their ids in the drafts' order, one update of the questions'
    current versions, multi-row inserts of the LSH keys and citations), so that nothing of the part
    stays in the session once written. Returns what was written, in the order of ``drafts``, and the
    citation rows written (transient, for ``citing.tally_rows``). No
    audit event per question (the batch's own covers them). ``category_ids``: category path → id,
    found or made by an earlier part of the same import (filled in here). Raises :class:`InvalidInput`
    listing every problem of every draft, and then writes nothing. Flushes, never commits."""
    problems = [problem for draft in drafts for problem in draft.problems()]
    if problems:
        raise InvalidInput(problems)
    if not drafts:
        return [], []
    categories = {} if category_ids is None else category_ids
    for path in sorted({d.category_path for d in drafts} - set(categories)):
        categories[path] = ensure_category(session, path).id
    keys, found = _resemblances(session, drafts, True)
    now = clock.now()
    # A question resembling one in the bank is flagged as it is written; one resembling an earlier
    # draft of this part, once that draft's id is known.
    question_ids = _inserted_ids(session, Question, [{
        "category_id": categories[d.category_path], "status": status, "author_id": actor.id,
        "import_batch_id": batch.id, "created_at": now, "updated_at": now,
        "duplicate_of_id": r.question_id if r is not None and r.earlier is None else None,
        "duplicate_similarity": r.similarity if r is not None else None,
        "duplicate_answer_changed": r is not None and r.changed is not None} for d, r in zip(drafts, found)])
    contents = [_content(d) for d in drafts]
    version_ids = _inserted_ids(session, QuestionVersion, [{
        "question_id": question_id, "version_no": 1, "category_id": categories[d.category_path],
        "created_at": now, "created_by_id": actor.id, **content}
        for question_id, d, content in zip(question_ids, drafts, contents)])
    first = (select(QuestionVersion.id).where(QuestionVersion.question_id == Question.id)
             .correlate(Question).scalar_subquery())
    session.execute(update(Question).where(Question.id.in_(question_ids)).values(
        current_version_id=first, **({"published_version_id": first} if status == QuestionStatus.PUBLISHED else {}))
        .execution_options(synchronize_session=False))
    earlier = [{"id": question_ids[index], "duplicate_of_id": question_ids[r.earlier]}
               for index, r in enumerate(found) if r is not None and r.earlier is not None]
    if earlier:
        session.execute(update(Question), earlier)
    duplicates.index_version_ids(session, version_ids, keys)
    cited = citing.insert_fresh_citations(session, [
        _Written(version_id, now, content["legal_basis"], content["stem"], content["options"], content["explanation"])
        for version_id, content in zip(version_ids, contents)], law_index or LawIndex(session))
    return [Inserted(question_id, version_id, content["stem"]) if r is None else
            Inserted(question_id, version_id, content["stem"],
                     r.question_id if r.earlier is None else question_ids[r.earlier], r.earlier, r.similarity, r.changed)
            for question_id, version_id, content, r in zip(question_ids, version_ids, contents, found)], cited


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
    The version's citations are resolved again as of today (``citing.record_citations``).
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
        flag_resemblance(session, question, published)
        session.flush()
        return published
    before = snapshot(current)
    category = ensure_category(session, draft.category_path)
    if current.used_at is None and current.id != question.published_version_id:
        version = current
        _apply(version, draft, category)
        duplicates.index_versions(session, [version], replace=True)
    else:
        # After the highest number, not the current one's: a discarded revision keeps its number.
        last = session.scalar(select(func.max(QuestionVersion.version_no)).where(QuestionVersion.question_id == question.id))
        version = _new_version(question, draft, category, (last or current.version_no) + 1, actor, clock)
        session.add(version)
        session.flush()
        duplicates.index_versions(session, [version])
        question.current_version = version
    question.category = category
    if question.status == QuestionStatus.PUBLISHED:
        # reviewer_id and reviewed_at stay: they record who approved the published version.
        question.status = QuestionStatus.IN_REVIEW
    question.updated_at = clock.now()
    flag_resemblance(session, question, version)
    session.flush()
    citing.record_citations(session, [version], on=citing.local_day(clock.now()))
    audit.record(session, clock, actor, "question.update", "question", question.id,
                 before=before, after=snapshot(version))
    return version
