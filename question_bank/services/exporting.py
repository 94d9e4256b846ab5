"""Getting questions out of the bank (issue 5, "Getting questions out"; domain.md §9 "every export is
audited").

A chosen set of questions (the bank list's filters, a category subtree, an import batch) is written,
each as its published version (what papers draw; the current version for a question never
published), to one of :data:`FORMATS`: the import template as .xlsx or CSV (which
imports back to the same questions), Moodle XML, GIFT, or JSON Lines (lossless, with versions, review
state and citations). The files hold the answer keys, so only bank editors and reviewers may export
(:class:`PermissionDenied` for anyone else, candidates included), and each export is an audit event
``export.questions`` saying who exported what selection in which format and how many questions.

A published question whose revision waits for review (or was returned to draft) is exported as its
published version, and the file says so where its format has room: the template workbook as a
comment on the stem cell (:func:`pending_note`), JSON Lines in the record (``pending_revision``, the
revision's version number, beside all versions).

Questions are read in chunks of :data:`CHUNK` by id and written as they come, so memory does not grow
with the selection (``bench/export_formats.py`` measures 100,000 questions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from question_bank.clock import Clock
from question_bank.drafts import QuestionDraft
from question_bank.errors import N_, InvalidInput, NotFound, PermissionDenied, Problem
from question_bank.formats import gift, moodle_xml, question_jsonl, template_export
from question_bank.formats.interchange import ExportedQuestion
from question_bank.models import Category, ImportBatch, Question, QuestionVersion, Role, User
from question_bank.services import audit
from question_bank.services.bank_search import QuestionQuery, pending_revision

#: Questions loaded at a time.
CHUNK = 500


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its ``code`` (the URL's), file ``suffix``, ``mimetype``, whether it needs
    the bank record (versions, citations: JSON Lines), and its writer ``(questions, out) → count``."""

    code: str
    suffix: str
    mimetype: str
    with_record: bool
    write: Callable[[Iterable[ExportedQuestion], IO[bytes]], int]


FORMATS: dict[str, ExportFormat] = {f.code: f for f in (
    ExportFormat("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False,
                 template_export.write_xlsx),
    ExportFormat("csv", ".csv", "text/csv; charset=utf-8", False, template_export.write_csv),
    ExportFormat("moodle_xml", ".xml", "application/xml; charset=utf-8", False, moodle_xml.write),
    ExportFormat("gift", ".gift.txt", "text/plain; charset=utf-8", False, gift.write),
    ExportFormat("jsonl", ".jsonl", "application/x-ndjson; charset=utf-8", True, question_jsonl.write),
)}


@dataclass(frozen=True)
class Selection:
    """Which questions: those ``query`` finds (the bank list's filters; its sort is not used: an
    export is ordered by category, then id), narrowed to import batch ``batch_id`` when given."""

    query: QuestionQuery = QuestionQuery()
    batch_id: int | None = None

    def describe(self) -> dict[str, Any]:
        """The selection as the audit event keeps it (only what was set)."""
        query = self.query
        described = {
            "text": query.text, "type": query.qtype, "status": query.status, "category": query.category,
            "difficulty": query.difficulty, "duplicates_only": query.duplicates_only or None, "tag": query.tag,
            "legal_basis": getattr(query.legal_basis, "text", None), "author_id": query.author_id,
            "used": query.used, "sitting_id": query.sitting_id, "batch_id": self.batch_id,
        }
        return {name: value for name, value in described.items() if value not in (None, "")}


def may_export(actor: User) -> bool:
    """Whether ``actor`` may export questions (and so see their keys): bank editors and reviewers."""
    return actor.has_role(Role.BANK_EDITOR, Role.BANK_REVIEWER)


def export_questions(session: Session, clock: Clock, actor: User, file_format: str, selection: Selection,
                     out: IO[bytes], most: int | None = None) -> int:
    """Write the selected questions to ``out`` in ``file_format`` (a key of :data:`FORMATS`);
    returns how many were written.

    Raises :class:`PermissionDenied` unless :func:`may_export`; :class:`InvalidInput` for an
    unknown format, a bad filter, or a selection of more than ``most`` questions (the export page's
    bound: a request must finish within the server's time limit); :class:`NotFound` for an unknown
    batch. Audit event
    ``export.questions`` (format, selection, count). Flushes, never commits: the caller commits
    once the file is written.
    """
    if not may_export(actor):
        raise PermissionDenied()
    exporter = FORMATS.get(file_format)
    if exporter is None:
        raise InvalidInput([Problem(N_("unknown export format %(format)s"), {"format": file_format[:20]}, "format")])
    problems = selection.query.problems()
    if problems:
        raise InvalidInput(problems)
    if selection.batch_id is not None and session.get(ImportBatch, selection.batch_id) is None:
        raise NotFound()
    ids = selected_ids(session, selection)
    if most is not None and len(ids) > most:
        raise InvalidInput([Problem(
            N_("The selection holds %(n)d questions; an export from this page takes at most %(most)d. Narrow it "
               "with the filters, or export it with the export-questions command (README, \"Import and export "
               "formats\")."), {"n": len(ids), "most": most}, "selection")])
    count = exporter.write(_questions(session, ids, exporter.with_record), out)
    audit.record(session, clock, actor, "export.questions", "question_set", file_format,
                 after={"format": file_format, "selection": selection.describe(), "questions": count})
    session.flush()
    return count


def selected_ids(session: Session, selection: Selection) -> list[int]:
    """Ids of the selected questions that have a version, ordered by category path, then id. The
    filters apply to the current version (as the bank list shows it)."""
    statement = (
        select(Question.id)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .join(Category, Question.category_id == Category.id)
        .where(*selection.query.conditions(session))
        .order_by(Category.path, Question.id)
    )
    if selection.batch_id is not None:
        statement = statement.where(Question.import_batch_id == selection.batch_id)
    return list(session.scalars(statement))


def exported_version_id():
    """SQL expression: the id of the version an export writes of a ``Question``, its published
    version, or its current one when it was never published."""
    return func.coalesce(Question.published_version_id, Question.current_version_id)


def pending_note(published_no: int, pending_no: int) -> str:
    """The note an export writes beside a question whose revision ``pending_no`` is not published:
    which version the file holds (Chinese: the export files are in the template's language)."""
    return (f"此题另有未发布的修订（第{pending_no}版，待审核或已退回）；"
            f"此处导出的是已发布版本（第{published_no}版），即试卷所用的版本。")


def draft_of(version: QuestionVersion) -> QuestionDraft:
    """The content of a stored version as a draft (what every writer writes)."""
    return QuestionDraft(
        qtype=version.qtype, stem=version.stem, options=list(version.options), key=version.key,
        category_path=version.category.path, explanation=version.explanation, difficulty=version.difficulty,
        tags=list(version.tags), legal_basis=version.legal_basis, default_score=version.default_score,
        pinned_options=list(version.pinned_options or []), rubric=version.rubric or "",
    )


#: The columns of a current version that a draft needs, read as rows rather than objects (the
#: formats without the bank record need no more, and rows are several times cheaper to load).
_CONTENT = (Question.id, Question.published_version_id, Question.current_version_id, QuestionVersion.version_no,
            QuestionVersion.qtype, QuestionVersion.stem, QuestionVersion.options, QuestionVersion.key,
            Category.path, QuestionVersion.explanation, QuestionVersion.difficulty, QuestionVersion.tags,
            QuestionVersion.legal_basis, QuestionVersion.default_score, QuestionVersion.pinned_options,
            QuestionVersion.rubric)


def _questions(session: Session, ids: list[int], with_record: bool) -> Iterator[ExportedQuestion]:
    """The questions of ``ids`` in that order, loaded :data:`CHUNK` at a time: as plain rows, or,
    ``with_record``, as objects with their versions and citations (the identity map holds loaded
    objects weakly, so a written chunk can be collected)."""
    if not with_record:
        yield from _contents(session, ids)
        return
    options = [joinedload(Question.current_version).joinedload(QuestionVersion.category),
               joinedload(Question.published_version).joinedload(QuestionVersion.category),
               selectinload(Question.versions).joinedload(QuestionVersion.category),
               joinedload(Question.current_version).selectinload(QuestionVersion.law_refs),
               joinedload(Question.published_version).selectinload(QuestionVersion.law_refs),
               joinedload(Question.author), joinedload(Question.reviewer)]
    for start in range(0, len(ids), CHUNK):
        wanted = ids[start:start + CHUNK]
        loaded = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(wanted))
                                                   .options(*options)).unique()}
        usernames = _usernames(session, loaded.values()) if with_record else {}
        for question_id in wanted:
            question = loaded[question_id]
            yield ExportedQuestion(draft_of(question.published_version or question.current_version),
                                   name=f"Q{question.id}", record=record_of(question, usernames),
                                   note=_note_of(question))


def _contents(session: Session, ids: list[int]) -> Iterator[ExportedQuestion]:
    for start in range(0, len(ids), CHUNK):
        wanted = ids[start:start + CHUNK]
        rows = {row[0]: row for row in session.execute(
            select(*_CONTENT).join(QuestionVersion, exported_version_id() == QuestionVersion.id)
            .join(Category, QuestionVersion.category_id == Category.id).where(Question.id.in_(wanted)))}
        pending = _pending_numbers(session, [row for row in rows.values() if row[1] and row[1] != row[2]])
        for question_id in wanted:
            (_, _, _, version_no, qtype, stem, options, key, path, explanation, difficulty, tags, legal_basis, score, pinned,
             rubric) = rows[question_id]
            draft = QuestionDraft(qtype=qtype, stem=stem, options=list(options), key=key, category_path=path,
                                  explanation=explanation, difficulty=difficulty, tags=list(tags),
                                  legal_basis=legal_basis, default_score=score, pinned_options=list(pinned or []),
                                  rubric=rubric or "")
            note = pending_note(version_no, pending[question_id]) if question_id in pending else ""
            yield ExportedQuestion(draft, name=f"Q{question_id}", note=note)


def _pending_numbers(session: Session, rows) -> dict[int, int]:
    """Question id → version number of its unpublished revision, for content ``rows`` of questions
    whose current version is not the published one."""
    if not rows:
        return {}
    current = {row[2]: row[0] for row in rows}
    return {current[version_id]: number for version_id, number in session.execute(
        select(QuestionVersion.id, QuestionVersion.version_no).where(QuestionVersion.id.in_(list(current))))}


def _note_of(question: Question) -> str:
    pending = pending_revision(question)
    return pending_note(question.published_version.version_no, pending.version_no) if pending is not None else ""


def _usernames(session: Session, questions: Iterable[Question]) -> dict[int, str]:
    """User names of the people who wrote the versions of ``questions``, by id."""
    wanted = {v.created_by_id for q in questions for v in q.versions}
    return {user_id: name for user_id, name in session.execute(select(User.id, User.username).where(User.id.in_(wanted)))}


def record_of(question: Question, usernames: dict[int, str]) -> dict[str, Any]:
    """The bank-record part of a question's JSON Lines line (``formats.question_jsonl``);
    ``usernames`` maps the ids of the versions' writers to their user names."""
    current = question.published_version or question.current_version
    published = question.published_version_id
    return {
        "id": question.id, "status": str(question.status), "version_no": current.version_no,
        "published_version_no": next((v.version_no for v in question.versions if v.id == published), None),
        # The revision the question's content above is not (that is the published version's).
        "pending_revision": pending.version_no if (pending := pending_revision(question)) else None,
        "fingerprint": current.fingerprint, "author": question.author.username,
        "created_at": _when(question.created_at), "updated_at": _when(question.updated_at),
        "review": {"reviewer": question.reviewer.username if question.reviewer else None,
                   "reviewed_at": _when(question.reviewed_at), "import_batch": question.import_batch_id},
        "versions": [{**question_jsonl.content_of(draft_of(v)), "version_no": v.version_no,
                      "fingerprint": v.fingerprint, "created_at": _when(v.created_at),
                      "created_by": usernames.get(v.created_by_id), "used_at": _when(v.used_at)}
                     for v in sorted(question.versions, key=lambda v: v.version_no)],
        "citations": [{"source": str(c.source), "text": c.text, "law_title": c.law_title,
                       "article_number": c.article_number, "article_suffix": c.article_suffix,
                       "paragraph": c.paragraph, "item": c.item, "status": str(c.status)}
                      for c in current.law_refs],
    }


def _when(moment) -> str | None:
    return moment.isoformat() if moment is not None else None
