"""Forms of the law review pages: clearing a flag (optionally naming the new version's article the
question now rests on) and retiring the question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from question_bank.services.law_review import NOTE_LIMIT


class ClearForm(AppForm):
    """The question still holds: the article it now rests on (empty: the same number) and a note."""

    article = StringField(_l("Article in the new version"), validators=[Optional(), Length(max=40)],
                          description=_l("Leave empty to keep the same article number; or type another, such as "
                                         "第三十六条 or 36, where the amendment renumbered it."))
    # Ids of their own: the page shows both forms, and an id may appear once.
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_LIMIT)], id="clear-note")


class RetireForm(AppForm):
    """The question no longer holds under the new law: retire it, with a note."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_LIMIT)], id="retire-note")
