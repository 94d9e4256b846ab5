"""An upload held back because the file, or some of its questions, are already in the bank (issue 5,
"the same file twice"): kept so that its uploader answers "skip the repeats", "import them too" or
"drop it" without choosing the file again.

Holding writes no question and no batch, only the uploaded bytes, for their uploader alone; each
uploader has at most one held upload (a new one replaces the old). Resuming runs the import again on
the held bytes (:func:`importing.import_questions`, which checks again what is in the bank now)
and removes the held upload whatever the outcome.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import NotFound
from question_bank.models import HeldImport, User
from question_bank.services import import_formats, importing


def import_or_hold(session: Session, clock: Clock, actor: User, filename: str, data: bytes, mode: str,
                   repeats: str = importing.ASK, file_format: str = import_formats.AUTO,
                   progress: importing.Progress | None = None, background: bool = False) -> tuple[importing.ImportReport, HeldImport | None]:
    """Import ``data`` in ``file_format`` (:func:`import_formats.import_file`); when the import is
    held, keep the file for the uploader's choice and return it too (``progress``, ``background``:
    as for ``importing.import_questions``). Raises what the import raises.
    Flushes, never commits."""
    report = import_formats.import_file(session, clock, actor, filename, data, mode, file_format, repeats,
                                        progress, background)
    if not (report.held and repeats == importing.ASK):
        return report, None
    session.execute(delete(HeldImport).where(HeldImport.uploaded_by_id == actor.id))
    held = HeldImport(uploaded_by_id=actor.id, uploaded_at=clock.now(), filename=report.filename, mode=mode,
                      file_format=file_format, data=data)
    session.add(held)
    session.flush()
    return report, held


def get_held(session: Session, actor: User, held_id: int) -> HeldImport:
    """The held upload ``held_id`` of ``actor``; :class:`NotFound` for anyone else's or an unknown id."""
    held = session.get(HeldImport, held_id)
    if held is None or held.uploaded_by_id != actor.id:
        raise NotFound()  # another person's upload is not theirs to see
    return held


def resume(session: Session, clock: Clock, actor: User, held_id: int, repeats: str) -> importing.ImportReport:
    """Import the held upload ``held_id`` with ``repeats`` (:data:`importing.SKIP_REPEATS` or
    :data:`importing.KEEP_REPEATS`) and forget it. Only its uploader may: to anyone else, as for an
    unknown id, :class:`NotFound`. Flushes, never commits."""
    held = get_held(session, actor, held_id)
    filename, data, mode, file_format = held.filename, held.data, held.mode, held.file_format
    session.delete(held)
    session.flush()
    return import_formats.import_file(session, clock, actor, filename, data, mode, file_format, repeats)


def drop(session: Session, actor: User, held_id: int) -> str:
    """Forget the held upload ``held_id`` (its uploader's only); returns its file name. Flushes."""
    held = get_held(session, actor, held_id)
    filename = held.filename
    session.delete(held)
    session.flush()
    return filename
