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

The database writes each row as one JSON array text (``json_build_array`` on PostgreSQL, ``json_array``
on SQLite: every column in its stored form, so a stamp is comparable only with a stamp from the same
database) and PostgreSQL hashes the rows itself: a 20,000-question batch is one short query there,
not 20,000 rows decoded and encoded again in Python (``bench.review_stamp``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Text, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.models import ImportBatch, Question, QuestionStatus, QuestionVersion

#: The refusal when the content changed between the review page and the approval (HTTP 409).
QUESTION_CHANGED = N_("This question was changed after you reviewed it; please review it again.")
BATCH_CHANGED = N_("Questions of this batch were changed after you reviewed it; please review the batch again.")
#: The refusal of an approval that carries no stamp at all (HTTP 400): a form from a page older than
#: stamps, or a hand-made request. Nothing says the content changed, so the message does not claim it.
QUESTION_STAMP_MISSING = N_("This approval does not say which content you reviewed; please open the question "
                            "again, review it and then approve.")
BATCH_STAMP_MISSING = N_("This approval does not say which content you reviewed; please open the batch again, "
                         "review it and then approve.")

#: The version's columns a stamp covers, in this order (what the review pages show of a version).
_STAMPED = (QuestionVersion.id, QuestionVersion.fingerprint, QuestionVersion.qtype, QuestionVersion.category_id,
            QuestionVersion.stem, QuestionVersion.options, QuestionVersion.pinned_options, QuestionVersion.key,
            QuestionVersion.rubric, QuestionVersion.explanation, QuestionVersion.difficulty,
            QuestionVersion.legal_basis, QuestionVersion.tags, QuestionVersion.default_score)


def _row_text(session: Session) -> Any:
    """The SQL expression of one stamped row as a JSON array text: question id, then the
    :data:`_STAMPED` columns as stored (a mark in hundredths on SQLite, ``NUMERIC`` on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.json_build_array(Question.id, *_STAMPED), Text)
    return func.json_array(Question.id, *_STAMPED)


def _stamp(session: Session, where: Any) -> str:
    """SHA-256 (hex, 64 characters) of the stamped rows of the questions ``where`` selects, each
    with its current version, in question order, one row text and a newline each."""
    row = _row_text(session)
    joined = select(Question.id).join(QuestionVersion, QuestionVersion.id == Question.current_version_id).where(where)
    if session.get_bind().dialect.name == "postgresql":
        rows = func.string_agg(row, aggregate_order_by(literal_column("E'\\n'"), Question.id))
        return session.scalar(joined.with_only_columns(
            func.encode(func.sha256(func.convert_to(func.coalesce(rows, ""), "UTF8")), "hex")))
    digest = hashlib.sha256()
    for (text,) in session.execute(joined.with_only_columns(row).order_by(Question.id)):
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def question_stamp(session: Session, question: Question) -> str:
    """The stamp of the version approving ``question`` would publish (its current version): a
    64-character hex string; that of no version when it has none."""
    return _stamp(session, Question.id == question.id)


def batch_stamp(session: Session, batch: ImportBatch) -> str:
    """The stamp of everything approving ``batch`` could publish: the current version of each of
    its questions in review, in question order (a 64-character hex string). A question edited,
    returned or sent back to review since changes it."""
    return _stamp(session, (Question.import_batch_id == batch.id) & (Question.status == QuestionStatus.IN_REVIEW))


def check_question(session: Session, question: Question, reviewed: str | None) -> None:
    """Raise :class:`Conflict` (:data:`QUESTION_CHANGED`) unless ``reviewed`` is the question's
    stamp now; ``None`` checks nothing (a caller that did not show the question to anyone); an
    empty stamp raises :class:`InvalidInput` (:data:`QUESTION_STAMP_MISSING`, place ``reviewed``)."""
    if reviewed is not None and not reviewed.strip():
        raise InvalidInput([Problem(QUESTION_STAMP_MISSING, place="reviewed")])
    if reviewed is not None and reviewed != question_stamp(session, question):
        raise Conflict(QUESTION_CHANGED)


def check_batch(session: Session, batch: ImportBatch, reviewed: str | None) -> None:
    """Raise :class:`Conflict` (:data:`BATCH_CHANGED`) unless ``reviewed`` is the batch's stamp
    now; ``None`` checks nothing; an empty stamp raises :class:`InvalidInput`
    (:data:`BATCH_STAMP_MISSING`, place ``reviewed``)."""
    if reviewed is not None and not reviewed.strip():
        raise InvalidInput([Problem(BATCH_STAMP_MISSING, place="reviewed")])
    if reviewed is not None and reviewed != batch_stamp(session, batch):
        raise Conflict(BATCH_CHANGED)
