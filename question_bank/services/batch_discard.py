"""Throwing away a returned import batch (issue 5, "the same file twice"): the uploader of a batch a
reviewer sent back removes its drafts instead of leaving them in the bank forever.

Only the batch's questions that are still drafts and were never published go: a question its
author has since sent for review again, or one ever published, stays (versions that any paper or
attempt may use are never deleted, domain.md §3; drafts of a returned batch are used by none). Each
removed question's versions go with it, with what hangs on them (near-duplicate keys, citations),
and any other question flagged as repeating one of them loses that flag. A report keeps the rows it
was written with; :func:`still_held` and :func:`removed` tell the pages which of them are gone. The batch itself stays,
status ``discarded``, and the audit event ``batch.discard`` names every question removed with its
stem, so the record of what was imported and thrown away is kept.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, PermissionDenied
from question_bank.models import (
    BatchStatus,
    ImportBatch,
    NearDuplicateBand,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionVersion,
    User,
)
from question_bank.services import audit

#: Characters of each removed stem the audit event keeps.
_STEM_KEPT = 200


def discard_batch(session: Session, clock: Clock, actor: User, batch: ImportBatch) -> int:
    """Remove the never-published drafts of the returned ``batch``; returns how many questions went.

    Raises :class:`PermissionDenied` unless ``actor`` uploaded the batch, :class:`Conflict` unless
    the batch was returned (rejected). Audit event ``batch.discard``. Flushes, never commits.
    """
    if actor.id != batch.uploaded_by_id:
        raise PermissionDenied(N_("Only the uploader of a batch may discard it."))
    if batch.status != BatchStatus.REJECTED:
        raise Conflict(N_("Only a batch returned by its reviewer can be discarded."))
    rows = session.execute(
        select(Question.id, QuestionVersion.id, QuestionVersion.stem)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(Question.import_batch_id == batch.id, Question.status == QuestionStatus.DRAFT,
               Question.published_version_id.is_(None))
    ).all()
    question_ids = sorted({question_id for question_id, _, _ in rows})
    version_ids = sorted({version_id for _, version_id, _ in rows})
    stems = {question_id: stem[:_STEM_KEPT] for question_id, _, stem in rows}
    if question_ids:
        session.execute(update(Question).where(Question.duplicate_of_id.in_(question_ids))
                        .values(duplicate_of_id=None, duplicate_similarity=None, duplicate_answer_changed=False)
                        .execution_options(synchronize_session=False))
        session.execute(delete(NearDuplicateBand).where(NearDuplicateBand.question_version_id.in_(version_ids))
                        .execution_options(synchronize_session=False))
        session.execute(delete(QuestionCitation).where(QuestionCitation.question_version_id.in_(version_ids))
                        .execution_options(synchronize_session=False))
        session.execute(update(Question).where(Question.id.in_(question_ids)).values(current_version_id=None)
                        .execution_options(synchronize_session=False))
        session.execute(delete(QuestionVersion).where(QuestionVersion.id.in_(version_ids))
                        .execution_options(synchronize_session=False))
        session.execute(delete(Question).where(Question.id.in_(question_ids))
                        .execution_options(synchronize_session=False))
    batch.status = BatchStatus.DISCARDED
    session.flush()
    audit.record(session, clock, actor, "batch.discard", "import_batch", batch.id, after={
        "status": str(batch.status), "removed": len(question_ids),
        "questions": [{"id": q, "stem": stems[q]} for q in question_ids],
    })
    session.expire_all()
    return len(question_ids)


def still_held(session: Session, batch: ImportBatch, entries: list[dict]) -> list[dict]:
    """Those of ``entries`` (rows of the batch's report: ``duplicates``, ``pinned``, each with its
    ``question_id``) whose question is still in the bank: all of them, unless the batch was
    discarded, which removed its drafts (the report itself is kept as it was written)."""
    if batch.status != BatchStatus.DISCARDED:
        return list(entries)
    held = set(session.scalars(select(Question.id).where(Question.import_batch_id == batch.id)))
    return [entry for entry in entries if entry.get("question_id") in held]


def removed(session: Session, question_ids: set) -> set[int]:
    """Those of ``question_ids`` (ints; anything else is ignored) no longer in the bank: drafts of
    a batch discarded since a report named them."""
    ids = sorted(i for i in question_ids if isinstance(i, int))
    if not ids:
        return set()
    return set(ids) - set(session.scalars(select(Question.id).where(Question.id.in_(ids))))
