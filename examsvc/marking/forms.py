"""The marker's form: a mark in points and a comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from examsvc.form_fields import PointsField


class MarkForm(AppForm):
    score = PointsField(_l("Mark (points)"), places=2, validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)],
                            description=_l("Why this mark, against the rubric. A third marker reads it."))
