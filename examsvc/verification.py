"""The public page where anyone checks a score report's verification code (issue 6, "Reports"):
no sign-in; each lookup is counted per client address in the database and refused beyond the
allowance (``report_codes.LOOKUP_LIMIT``) with 429; a code that is no one's gets the same answer
whatever it looks like, and a found one shows only the masked name, sitting, score, band, pass
and times (``report_codes.verify``).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from examsvc import database
from examsvc.auth.access_log import client_address
from examsvc.extensions import clock
from question_bank.services import report_codes

bp = Blueprint("verification", __name__, url_prefix="/verify")

#: Longest code text read from the form; anything longer cannot be a code.
MAX_TYPED = 64


@bp.get("/")
def page():
    return render_template("verification/verify.html", typed="", looked_up=False, found=None, refused_until=None)


@bp.post("/")
def lookup():
    typed = (request.form.get("code") or "")[:MAX_TYPED]
    db = database.session()
    try:
        found = report_codes.verify(db, clock(), client_address(), typed)
    except report_codes.TooManyLookups as refused:
        database.commit()
        return render_template("verification/verify.html", typed=typed, looked_up=False, found=None,
                               refused_until=refused.until), 429
    # Committed whether or not a report was found: the lookup counts either way.
    database.commit()
    return render_template("verification/verify.html", typed=typed, looked_up=True, found=found,
                           refused_until=None), 200 if found else 404
