"""Four-eyes review: questions and import batches are published by someone other than their author
(domain.md §3).

Papers draw a question's *published version* (``Question.published_version_id``), the last one a
reviewer approved; the *current version* is the latest, which editors edit and reviewers review.
Approving moves the published version forward to the current one; returning a revision to its
author or leaving it in review keeps the published version drawn (with its own category, since the
category is part of a version); retiring takes the question out
of papers. A question is live (drawn) while it has a published version and is not retired.

Approving and retiring can take a question out of the pool of an open or upcoming sitting's paper
and so leave that paper unfillable (nobody could start the sitting, case C-12): both return the
sittings they would make unfillable, and the caller commits only once someone has accepted that.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Msg, PermissionDenied, Problem
from question_bank.models import (
    AuditEvent,
    BatchStatus,
    BlueprintSection,
    ImportBatch,
    Paper,
    Question,
    QuestionStatus,
    QuestionVersion,
    Sitting,
    User,
)
from question_bank.services import assembly, audit, review_stamps
from question_bank.types import get_type


#: How a status reads inside a message.
STATUS_NAMES = {
    QuestionStatus.DRAFT: Msg(N_("a draft")),
    QuestionStatus.IN_REVIEW: Msg(N_("in review")),
    QuestionStatus.PUBLISHED: Msg(N_("published")),
    QuestionStatus.RETIRED: Msg(N_("retired")),
}


def submit_for_review(session: Session, clock: Clock, actor: User, question: Question) -> None:
    """Draft → in review. Raises :class:`Conflict` from any other status."""
    _move(session, clock, actor, question, {QuestionStatus.DRAFT}, QuestionStatus.IN_REVIEW, "question.submit")


@dataclass(frozen=True)
class ShortSitting:
    """An open or upcoming sitting that a change to the bank leaves unfillable: the sitting and
    the sections (or groups of sections) of its paper the bank could then no longer fill."""

    sitting: Sitting
    shortfalls: list[assembly.Shortfall]


def _watch(session: Session, clock: Clock, question: Question) -> tuple[list[Sitting], dict[int, bool]]:
    """The open and upcoming sittings whose paper has a section that could draw the question's
    published version (same type; only a question leaving a pool can make a paper unfillable), and
    for each of their papers whether the bank can fill it now."""
    if not question.is_live or question.published_version is None:
        return [], {}
    drawing = select(BlueprintSection.paper_id).where(BlueprintSection.qtype == question.published_version.qtype)
    watched = list(session.scalars(
        select(Sitting).where(Sitting.closes_at > clock.now(), Sitting.paper_id.in_(drawing))
        .order_by(Sitting.opens_at, Sitting.id)
    ))
    papers = {sitting.paper_id: sitting.paper for sitting in watched}
    return watched, {paper_id: not assembly.shortfalls(session, paper) for paper_id, paper in papers.items()}


def _newly_short(session: Session, watched: list[Sitting], fillable_before: dict[int, bool]) -> list[ShortSitting]:
    """Those of ``watched`` whose paper was fillable before the change (flushed) and is not now."""
    short: dict[int, list[assembly.Shortfall]] = {}
    for paper_id, fillable in fillable_before.items():
        if fillable:
            short[paper_id] = assembly.shortfalls(session, session.get(Paper, paper_id))
    return [ShortSitting(sitting, short[sitting.paper_id]) for sitting in watched if short.get(sitting.paper_id)]


def approve_question(session: Session, clock: Clock, reviewer: User, question: Question,
                     reviewed: str | None = None) -> list[ShortSitting]:
    """In review → published: the current version becomes the published version, which new
    attempts draw from now on (attempts already started keep theirs). Records the reviewer and the
    time. Raises :class:`PermissionDenied` when the reviewer wrote the question or its current
    version, or changed its content since it was last approved; :class:`Conflict` when it is not
    in review, or when ``reviewed`` (the :func:`review_stamps.question_stamp` of the page the
    reviewer read) is not the stamp of what would be published now: someone edited it meanwhile
    (``review_stamps.QUESTION_CHANGED``; ``None``, for callers that showed nobody anything,
    checks nothing); :class:`InvalidInput` when the version may be saved but not yet published (a
    short answer without its reference answer: the type's ``publish_problems``).

    Returns the open or upcoming sittings (any unit's) whose paper the bank could fill before and
    cannot now, because the approved version left a section's pool (another category, type or
    difficulty): the change is flushed either way, and the caller commits it only once the
    reviewer has accepted that list (rolls back otherwise)."""
    authors = {question.author_id, *_content_editors(session, question)}
    if question.current_version is not None:
        authors.add(question.current_version.created_by_id)
    if reviewer.id in authors:
        raise PermissionDenied(N_("You wrote this question; another reviewer must approve it."))
    if question.status == QuestionStatus.IN_REVIEW:
        review_stamps.check_question(session, question, reviewed)
    if question.current_version is not None and question.status == QuestionStatus.IN_REVIEW:
        unready = get_type(question.current_version.qtype).publish_problems(question.current_version.key)
        if unready:
            raise InvalidInput(unready)
    published = question.published_version
    watched, fillable = _watch(session, clock, question)
    _move(session, clock, reviewer, question, {QuestionStatus.IN_REVIEW}, QuestionStatus.PUBLISHED, "question.approve",
          before_more={"published_version": published.version_no if published else None},
          after_more={"published_version": question.current_version.version_no if question.current_version else None})
    # Both the relationship and its column, so that neither reads the old version before a flush.
    question.published_version = question.current_version
    question.published_version_id = question.current_version_id
    question.reviewer_id = reviewer.id
    question.reviewed_at = clock.now()
    session.flush()
    return _newly_short(session, watched, fillable)


def _content_editors(session: Session, question: Question) -> set[int]:
    """Everyone who changed the question's content since it was last approved.

    An edit of a version no attempt has used changes that version in place and keeps its
    ``created_by_id``, so only the audit log knows who else wrote what is now up for approval.
    """
    about_it = (AuditEvent.object_type == "question", AuditEvent.object_id == str(question.id))
    last_approval = select(func.max(AuditEvent.id)).where(
        *about_it, AuditEvent.action == "question.approve").scalar_subquery()
    return {actor_id for actor_id in session.scalars(
        select(AuditEvent.actor_id).where(
            *about_it, AuditEvent.action.in_(("question.create", "question.update")),
            AuditEvent.id > func.coalesce(last_approval, 0),
        )
    ) if actor_id is not None}


def return_to_draft(session: Session, clock: Clock, reviewer: User, question: Question, note: str) -> None:
    """In review → draft, with the reviewer's reason (``note``) in the audit event
    ``question.return``, from which the author's pages show it (``bank_search.return_notes``). A
    published version stays published: papers keep drawing it, in its own category, while the
    author reworks the revision."""
    _move(session, clock, reviewer, question, {QuestionStatus.IN_REVIEW}, QuestionStatus.DRAFT,
          "question.return", detail=note)


#: Longest reason for retiring or restoring a question kept, in characters (refused beyond, never cut).
REASON_LIMIT = 2000


def _reason(reason: str) -> str:
    """The reason as kept (spaces around it dropped); raises :class:`InvalidInput` at ``reason``
    when it is empty or only spaces, or longer than :data:`REASON_LIMIT`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput([Problem(N_("Say why."), place="reason")])
    if len(reason) > REASON_LIMIT:
        raise InvalidInput([Problem(N_("At most %(n)d characters."), {"n": REASON_LIMIT}, "reason")])
    return reason


def retire_question(session: Session, clock: Clock, actor: User, question: Question, reason: str) -> list[ShortSitting]:
    """Any status but retired → retired: drawn into no new paper, whatever version was published;
    attempts (and their papers) that used it keep it. ``reason`` (required: why it goes) is kept in
    the audit event ``question.retire``; :func:`restore_question` undoes it. Only a bank reviewer
    may retire (the route's rule, ``examsvc.policy``). Raises :class:`InvalidInput` for a missing
    or too long reason, :class:`Conflict` when it is retired already.

    Returns the open or upcoming sittings whose paper the bank could fill before and cannot now;
    flushed either way, committed by the caller only once someone accepted that list (as
    :func:`approve_question`)."""
    reason = _reason(reason)
    watched, fillable = _watch(session, clock, question)
    _move(session, clock, actor, question,
          {QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW, QuestionStatus.PUBLISHED},
          QuestionStatus.RETIRED, "question.retire", detail=reason)
    return _newly_short(session, watched, fillable)


def restore_question(session: Session, clock: Clock, actor: User, question: Question, reason: str) -> QuestionStatus:
    """Retired → the status it had when it was last retired (read from that ``question.retire``
    event; published when none says, or draft for a question never approved): a published question
    is drawn into new papers again, a revision in review waits for its reviewer again. ``reason``
    is required and kept in the audit event ``question.restore``. Returns the status restored.
    Raises :class:`InvalidInput` for a missing or too long reason, :class:`Conflict` when the
    question is not retired."""
    reason = _reason(reason)
    last_retire = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "question", AuditEvent.object_id == str(question.id),
        AuditEvent.action == "question.retire").order_by(AuditEvent.id.desc()).limit(1)).first()
    was = (last_retire.before or {}).get("status") if last_retire is not None else None
    if was not in {str(s) for s in (QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW, QuestionStatus.PUBLISHED)}:
        was = QuestionStatus.PUBLISHED if question.published_version_id is not None else QuestionStatus.DRAFT
    _move(session, clock, actor, question, {QuestionStatus.RETIRED}, QuestionStatus(was), "question.restore",
          detail=reason)
    return QuestionStatus(was)


def discard_revision(session: Session, clock: Clock, actor: User, question: Question) -> QuestionVersion:
    """Drop the pending revision of a live question (in review, or returned to draft) whose
    content an editor has put back to exactly the published version's: the published version is
    the current one again and the question published, with nothing left for a reviewer to look at
    (``authoring.update_question`` calls this). The abandoned version stays in the question's
    history: versions are never deleted. The approval on record (reviewer, time) is the published
    version's and stays. Audit event ``question.discard_revision``. Returns the published version.
    Raises :class:`Conflict` when the question has no pending revision."""
    published, current = question.published_version, question.current_version
    if not question.is_live or published is None or current is None or current.id == published.id:
        raise Conflict(N_("This question has no revision to discard."))
    before = {"status": str(question.status), "current_version": current.version_no}
    # Both the relationship and its column, as on approval.
    question.current_version = published
    question.current_version_id = published.id
    question.category = published.category  # the listing's category follows the current version
    question.status = QuestionStatus.PUBLISHED
    question.updated_at = clock.now()
    session.flush()
    audit.record(session, clock, actor, "question.discard_revision", "question", question.id, before=before,
                 after={"status": str(QuestionStatus.PUBLISHED), "current_version": published.version_no,
                        "discarded_version": current.version_no})
    return published


def _move(session: Session, clock: Clock, actor: User, question: Question, allowed: set[QuestionStatus],
          target: QuestionStatus, action: str, detail: str = "", before_more: dict | None = None,
          after_more: dict | None = None) -> None:
    """Status ``allowed`` → ``target`` with an audit event of the statuses (and ``before_more`` /
    ``after_more``); raises :class:`Conflict` from any other status."""
    if question.status not in allowed:
        raise Conflict(N_("This question is %(status)s; that step is not possible now."),
                       status=STATUS_NAMES[QuestionStatus(question.status)])
    before = question.status
    question.status = target
    question.updated_at = clock.now()
    session.flush()
    audit.record(session, clock, actor, action, "question", question.id,
                 before={"status": str(before), **(before_more or {})},
                 after={"status": str(target), **(after_more or {})}, detail=detail)


#: A batch publishing more questions than this asks the reviewer to confirm how many.
LARGE_BATCH = 50


def decide_batch(session: Session, clock: Clock, reviewer: User, batch: ImportBatch, approve: bool, note: str = "",
                 *, leave_out: Collection[int] = (), confirmed: int | None = None, reviewed: str | None = None,
                 leave_out_repeats: bool = False, leave_out_near_duplicates: bool = False) -> int:
    """Approve (publish every question of the batch that is in review: its current version becomes
    the published one, drawn into papers) or reject (send them back to draft) an import batch in
    review. Returns how many questions were published (approve) or returned (reject).

    ``leave_out`` are ids of questions of the batch the reviewer does not publish (the flagged
    repeats, a wrong key): approving returns them to their author as drafts and publishes the rest;
    they are named in the audit event. ``leave_out_repeats`` and ``leave_out_near_duplicates``
    add every question of the batch in review flagged as a repeat (:func:`flagged_repeats`) or
    as a near-duplicate (:func:`flagged_near_duplicates`), on whatever page of the batch it is; the
    audit event ``batch.approve`` keeps, besides ``left_out`` (all of them), which were ticked one
    by one and which each box added. Publishing more than :data:`LARGE_BATCH` questions needs
    ``confirmed`` equal to how many will be published once all of those are left out (the page
    asks for it).

    ``reviewed`` is the :func:`review_stamps.batch_stamp` of the page the reviewer read: approving
    is refused when the questions it would publish are no longer those (``None`` checks nothing).

    Raises :class:`PermissionDenied` when the reviewer uploaded the batch or edited any of its
    questions since the import (four eyes), :class:`Conflict` when the batch was already decided
    or, approving, its questions changed after the review (``review_stamps.BATCH_CHANGED``),
    :class:`InvalidInput` when ``leave_out`` names a question outside the batch, a large batch
    is not confirmed, or a question to publish may not be published yet (a short answer without
    its reference answer, named by id: leave it out or have it completed).
    """
    if reviewer.id == batch.uploaded_by_id:
        raise PermissionDenied(N_("You uploaded this batch; another reviewer must decide it."))
    if batch.status != BatchStatus.IN_REVIEW:
        raise Conflict(N_("This batch has already been decided."))
    if _edited_in_batch(session, reviewer, batch):
        raise PermissionDenied(N_("You edited questions of this batch; another reviewer must decide it."))
    if approve:
        review_stamps.check_batch(session, batch, reviewed)
    in_review = set(session.scalars(select(Question.id).where(Question.import_batch_id == batch.id,
                                                               Question.status == QuestionStatus.IN_REVIEW)))
    ticked = set(leave_out)
    if ticked - in_review:
        raise InvalidInput([Problem(N_("Only questions of this batch that wait in review can be left out."),
                                    place="leave_out")])
    repeats = set(flagged_repeats(session, batch)) if approve and leave_out_repeats else set()
    near = set(flagged_near_duplicates(session, batch)) if approve and leave_out_near_duplicates else set()
    left_out = ticked | repeats | near if approve else set()
    publishing = len(in_review - left_out) if approve else 0
    if approve:
        _refuse_unready(session, in_review - left_out)
    if publishing > LARGE_BATCH and confirmed != publishing:
        raise InvalidInput([Problem(N_("Publishing %(n)d questions at once needs confirming: type %(n)d to confirm."),
                                    {"n": publishing}, "confirm")])
    now = clock.now()
    target = QuestionStatus.PUBLISHED if approve else QuestionStatus.DRAFT
    values: dict[str, object] = {"status": target, "updated_at": now}
    if approve:
        values.update(reviewer_id=reviewer.id, reviewed_at=now, published_version_id=Question.current_version_id)
    changed = session.execute(
        update(Question)
        .where(Question.id.in_(sorted(in_review - left_out)))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount if in_review - left_out else 0
    if left_out:
        session.execute(update(Question).where(Question.id.in_(sorted(left_out)))
                        .values(status=QuestionStatus.DRAFT, updated_at=now)
                        .execution_options(synchronize_session=False))
    batch.status = BatchStatus.APPROVED if approve else BatchStatus.REJECTED
    batch.reviewed_by_id = reviewer.id
    batch.reviewed_at = now
    batch.review_note = note
    session.flush()
    audit.record(session, clock, reviewer, "batch.approve" if approve else "batch.reject", "import_batch",
                 batch.id, after={"status": str(batch.status), "questions": changed,
                                  "left_out": sorted(left_out), "left_out_ticked": sorted(ticked & left_out),
                                  "left_out_repeats": sorted(repeats), "left_out_near_duplicates": sorted(near)},
                 detail=note)
    return changed


def _refuse_unready(session: Session, question_ids: set[int]) -> None:
    """Raise :class:`InvalidInput` naming the questions whose current version may not be published
    yet (their type's ``publish_problems``)."""
    if not question_ids:
        return
    rows = session.execute(select(Question.id, QuestionVersion.qtype, QuestionVersion.key)
                           .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                           .where(Question.id.in_(sorted(question_ids)))).all()
    unready = sorted(qid for qid, qtype, key in rows if get_type(qtype).publish_problems(key))
    if unready:
        raise InvalidInput([Problem(N_("Questions %(ids)s have no reference answer yet: leave them out, or have "
                                       "their reference answers added first."),
                                    {"ids": ", ".join(f"#{qid}" for qid in unready)}, "leave_out")])


def _flagged(session: Session, batch: ImportBatch, *similar) -> list[int]:
    return list(session.scalars(select(Question.id).where(
        Question.import_batch_id == batch.id, Question.status == QuestionStatus.IN_REVIEW,
        Question.duplicate_of_id.is_not(None), Question.duplicate_answer_changed.is_(False), *similar)
        .order_by(Question.id)))


def flagged_repeats(session: Session, batch: ImportBatch) -> list[int]:
    """Ids of the batch's questions in review flagged as repeating another question (similarity
    100: the same stem and options, and the same answer and type), for a reviewer who leaves them
    all out at once. A changed answer (``Question.duplicate_answer_changed``) is a correction, not
    a repeat, and is never among them; nor is a question whose twin was discarded since."""
    return _flagged(session, batch, Question.duplicate_similarity == 100)


def flagged_near_duplicates(session: Session, batch: ImportBatch) -> list[int]:
    """Ids of the batch's questions in review flagged as resembling another question without
    repeating it (similarity below 100: a few characters apart), for a reviewer who leaves them
    all out at once; as :func:`flagged_repeats`, never a changed answer."""
    return _flagged(session, batch, Question.duplicate_similarity < 100)


def in_review_count(session: Session, batch: ImportBatch) -> int:
    """How many questions of the batch wait in review (what approving would publish)."""
    return session.scalar(select(func.count()).select_from(Question).where(
        Question.import_batch_id == batch.id, Question.status == QuestionStatus.IN_REVIEW)) or 0


def _edited_in_batch(session: Session, reviewer: User, batch: ImportBatch) -> bool:
    """Whether the reviewer changed the content of any question of the batch (audit log)."""
    ids = select(func.cast(Question.id, AuditEvent.object_id.type)).where(Question.import_batch_id == batch.id)
    return session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "question", AuditEvent.action == "question.update",
        AuditEvent.actor_id == reviewer.id, AuditEvent.object_id.in_(ids),
    )) > 0


def batch_questions(session: Session, batch: ImportBatch, offset: int = 0, limit: int = 50) -> list[Question]:
    """A page of a batch's questions in import order, for the reviewer to look through."""
    return list(session.scalars(
        select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id).offset(offset).limit(limit)
    ))
