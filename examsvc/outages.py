"""What a person is told when storage fails under a request: the database cannot be reached (a
restart, a cut connection, SEC-F2) or refuses to write (SQLite's disk full, SEC-F3), or the disk
of an export is full. Each is a clear, fail-closed refusal, never a false success: the request's
transaction is rolled back (``examsvc.database`` does so at teardown), the reply says nothing was
stored, and the exam page keeps the change and sends it again (``static/js/exam.js`` retries any
5xx reply). A connection the database dropped fails the request's first statement, and the pool
then discards every connection made before it (``examsvc.database.init_app`` says why the web app
does not ping first), so the service recovers by itself once the database is back.
"""

from __future__ import annotations

import errno

from flask import Flask, Response, jsonify, render_template
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, OperationalError

from examsvc.extensions import wants_json

#: errno values meaning "no room to write": a full disk, a full quota, a file size limit.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: Seconds a client is asked to wait before sending again.
RETRY_AFTER_S = 5


def _reply(status: int, code: str, message: str) -> Response:
    if wants_json():
        response = jsonify({"error": code, "saved": False, "message": message})
    else:
        try:
            response = Response(render_template("error.html", status=status, message=message, problems=[], back=None))
        except Exception:  # noqa: BLE001 - the page itself may need the database that just failed
            response = Response(message, mimetype="text/plain")
    response.status_code = status
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def _database_failed(exc: OperationalError):
        # Logged with the driver's words (for the operator); the person gets no internals.
        app.logger.error("storage failure, request not stored: %s", exc.orig)
        disk_full = "disk is full" in str(exc.orig) or "disk I/O error" in str(exc.orig)
        if disk_full:
            message = gettext("Not saved: the server has no room left to store data. Nothing of this request was "
                              "stored; it will work again once the administrator frees space.")
        else:
            message = gettext("Not saved: the service cannot reach its database just now. Nothing of this request "
                              "was stored; try again in a moment (the exam page retries by itself).")
        return _reply(503, "storage_unavailable", message)

    @app.errorhandler(DBAPIError)
    def _connection_lost(exc: DBAPIError):
        if not exc.connection_invalidated:
            raise exc
        return _database_failed(exc)  # type: ignore[arg-type]

    @app.errorhandler(OSError)
    def _disk_failed(exc: OSError):
        if exc.errno not in DISK_FULL:
            raise exc
        app.logger.error("disk full, request not completed: %s", exc)
        return _reply(507, "disk_full", gettext(
            "The server's disk is full: the file could not be written, and nothing was sent or kept. Try again "
            "once the administrator has freed space."))
