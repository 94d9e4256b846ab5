"""Why a score-ledger entry exists, in the reader's language.

The ledger keeps its reason as the code the domain wrote ("submitted", "auto_submitted", "marked",
or "void: <the proctor's words>", "regrade: …", "score change: …"); the entries are hash-chained, so
the stored text never changes. Pages show it through the Jinja filter ``ledger_reason`` instead of
the raw code (issue-9 trial: a raw "submitted" showed in the record's reason column). How an attempt
ended reads the same as on the candidate's result page and the score sheet.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from question_bank.errors import N_

#: Reasons that are a code alone (:func:`question_bank.services.deadlines.finish` writes the
#: attempt's state; manual marking "marked", "agreed" (two markers within the tolerance) or
#: "third_marked" (a senior marker settled it).
WHOLE = {
    "submitted": N_("Submitted"),
    "auto_submitted": N_("Submitted automatically at the deadline"),
    "marked": N_("Marked by a person"),
    "agreed": N_("Marked twice, the marks agreed"),
    "third_marked": N_("Marked by a senior marker"),
}

#: Reasons that are a code, ": ", then a person's own words, which are shown as written.
PREFIXED = {
    "void": N_("Voided: %(text)s"),
    "regrade": N_("Regraded: %(text)s"),
    "score change": N_("Score changed: %(text)s"),
}


def ledger_reason(reason: str | None) -> str:
    """A stored ledger reason as words: ``"auto_submitted"`` → "到时自动交卷", ``"void: 替考"`` →
    "作废：替考" (in Chinese). A reason of no known kind (an entry written by an older version) is
    shown as stored, so nothing recorded is hidden; None is "—"."""
    if reason is None:
        return "—"
    if reason in WHOLE:
        return gettext(WHOLE[reason])
    code, sep, text = reason.partition(": ")
    if sep and code in PREFIXED:
        return gettext(PREFIXED[code], text=text)
    return reason


def register(app: Flask) -> None:
    app.add_template_filter(ledger_reason, "ledger_reason")
