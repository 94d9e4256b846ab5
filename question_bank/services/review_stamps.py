"""Review stamps: what a reviewer was shown, so that an approval publishes exactly that (four eyes,
domain.md §3; issue-5 trial F3).

A reviewer opens a question or an import batch, reads it and approves. Meanwhile its author may
edit it: a question in review keeps its status when edited, and a version no attempt has used is
changed in place (``authoring.update_question``). Without a check the approval would publish
the edited content that nobody reviewed. The page therefore carries a *stamp* of the content it
shows, and approving refuses when the content to publish no longer has that stamp.

A stamp is derived from stored columns alone (no table of its own): the SHA-256 of each question's
id, its current version's id and every field of that version a reviewer sees
(``bank_search.COMPARED_FIELDS``: type, category, stem, options, pinned options, key, rubric,
explanation, difficulty, legal basis, knowledge points, default mark) with the version's content
fingerprint. The content fingerprint alone is not enough: it folds punctuation, width, space and
option order away and leaves out the key, so a changed answer would keep it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.errors import N_, Conflict
from question_bank.models import ImportBatch, Question, QuestionStatus, QuestionVersion

#: The refusal when the content changed between the review page and the approval (HTTP 409).
QUESTION_CHANGED = N_("This question was changed after you reviewed it; please review it again.")
BATCH_CHANGED = N_("Questions of this batch were changed after you reviewed it; please review the batch again.")

#: The version's columns a stamp covers, in this order (what the review pages show of a version).
_STAMPED = (QuestionVersion.id, QuestionVersion.fingerprint, QuestionVersion.qtype, QuestionVersion.category_id,
            QuestionVersion.stem, QuestionVersion.options, QuestionVersion.pinned_options, QuestionVersion.key,
            QuestionVersion.rubric, QuestionVersion.explanation, QuestionVersion.difficulty,
            QuestionVersion.legal_basis, QuestionVersion.tags, QuestionVersion.default_score)


def _plain(value: Any) -> Any:
    """A column value as JSON writes it the same way on every database: a mark by its value
    (``2.00`` and ``2`` alike)."""
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def _stamp(rows: Iterable[tuple]) -> str:
    """SHA-256 (hex, 64 characters) of the rows (question id, then the :data:`_STAMPED` columns)."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([_plain(v) for v in row], ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def question_stamp(session: Session, question: Question) -> str:
    """The stamp of the version approving ``question`` would publish (its current version): a
    64-character hex string; that of no version when it has none."""
    rows = session.execute(select(Question.id, *_STAMPED)
                           .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                           .where(Question.id == question.id))
    return _stamp(rows)


def batch_stamp(session: Session, batch: ImportBatch) -> str:
    """The stamp of everything approving ``batch`` could publish: the current version of each of
    its questions in review, in question order (a 64-character hex string). A question edited,
    returned or sent back to review since changes it."""
    rows = session.execute(select(Question.id, *_STAMPED)
                           .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                           .where(Question.import_batch_id == batch.id, Question.status == QuestionStatus.IN_REVIEW)
                           .order_by(Question.id))
    return _stamp(rows)


def check_question(session: Session, question: Question, reviewed: str | None) -> None:
    """Raise :class:`Conflict` (:data:`QUESTION_CHANGED`) unless ``reviewed`` is the question's
    stamp now; ``None`` checks nothing (a caller that did not show the question to anyone)."""
    if reviewed is not None and reviewed != question_stamp(session, question):
        raise Conflict(QUESTION_CHANGED)


def check_batch(session: Session, batch: ImportBatch, reviewed: str | None) -> None:
    """Raise :class:`Conflict` (:data:`BATCH_CHANGED`) unless ``reviewed`` is the batch's stamp
    now; ``None`` checks nothing."""
    if reviewed is not None and reviewed != batch_stamp(session, batch):
        raise Conflict(BATCH_CHANGED)
