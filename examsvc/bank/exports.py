"""Exporting questions (issue 5, "Getting questions out"): the bank list's filters, a category or an
import batch, as the import template (.xlsx, CSV), Moodle XML, GIFT or JSON Lines.

The files hold the answer keys: the blueprint's guard lets only bank editors and reviewers in, and
the domain checks again (``question_bank.services.exporting``), which audits every export. The file
is written to a spooled temporary file (memory up to :data:`SPOOL_BYTES`, then disk) and committed
before it is sent, so the audit event exists whenever a file left the server.
"""

from __future__ import annotations

import contextlib
import tempfile

from flask import send_file

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.bank.routes import _id_arg, bp, list_query
from examsvc.downloads import disposition
from examsvc.extensions import clock
from question_bank.models import Role
from question_bank.services import exporting
from question_bank.services.exporting import FORMATS, Selection

#: Bytes of an export kept in memory before it is spooled to disk.
SPOOL_BYTES = 8 * 1024 * 1024
#: Most questions one export from the page may hold: 100,000 take 52–55 s as xlsx and 45 s as JSON
#: Lines on the busy 2-core test machine (``bench/export_formats.py``), so 20,000 stay well within the
#: server's 30 s request time limit; a larger selection goes through the ``export-questions`` command.
PAGE_EXPORT_MOST = 20_000


@bp.get("/export.<any(xlsx, csv, moodle_xml, gift, jsonl):file_format>")
@roles_required(Role.BANK_EDITOR, Role.BANK_REVIEWER)
def export_questions(file_format: str):
    selection = Selection(list_query(), batch_id=_id_arg("batch"))
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        exporting.export_questions(database.session(), clock(), actor(), file_format, selection, out,
                                   most=PAGE_EXPORT_MOST)
    except BaseException:
        # A full disk (SEC-F3) fails the close too, with what was buffered: nothing is sent anyway.
        with contextlib.suppress(OSError):
            out.close()
        raise
    database.commit()
    out.seek(0)
    exporter = FORMATS[file_format]
    stamp = clock().now().strftime("%Y%m%d-%H%M")
    name = f"题库导出-{stamp}{exporter.suffix}"
    # send_file streams the spooled file; the one Content-Disposition is ours (examsvc.downloads).
    response = send_file(out, mimetype=exporter.mimetype, max_age=0)
    response.headers["Content-Disposition"] = disposition(name, f"questions-{stamp}{exporter.suffix}")
    # The file holds answer keys: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response

