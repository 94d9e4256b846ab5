"""The proctor's forms on an attempt: void it, or re-open it with a new deadline (issue 9)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import DateTimeLocalField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from examsvc.exams.forms import LOCAL_FORMATS, local_zone
from question_bank.services.proctoring import MAX_REASON_CHARS


class VoidForm(AppForm):
    reason = TextAreaField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=MAX_REASON_CHARS)],
                           description=_l("Recorded in the score record and the audit log; the candidate sees it."))


class ReopenForm(AppForm):
    reason = TextAreaField(_l("Reason for re-opening"), validators=[DataRequired(), Length(max=MAX_REASON_CHARS)],
                           description=_l("For example: the candidate's phone failed at 10:12; confirmed by the proctor."))
    # To the second: with a cap of a few minutes, a minute-only field could lose most of a minute.
    deadline = DateTimeLocalField(_l("New deadline"), format=LOCAL_FORMATS, tz=local_zone, validators=[InputRequired()],
                                  render_kw={"step": "1"},
                                  description=_l("Beijing time. The server ends the attempt then, as any other."))
