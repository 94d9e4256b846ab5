"""Forms of the law catalogue: loading a text (files or pasted) and a law's particulars."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from examsvc.errors import translate
from question_bank.models import LawKind
from question_bank.services.law_catalogue import KIND_NAMES

#: Characters a pasted text may have (the 民法典 whole is about 110,000).
MAX_PASTED = 400_000
_ALIAS_SEPARATORS = re.compile(r"[,，、;；\s]+")


def kind_choices(blank: str | None = None) -> list[SelectChoice]:
    """The kinds of document as choices, in the person's language (with a first blank one)."""
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(kind.value, translate(KIND_NAMES[kind], {})) for kind in LawKind]


class LoadForm(AppForm):
    """Files (one law, or the part files of one law such as the 民法典's) or a pasted text."""

    files = MultipleFileField(_l("Files"), description=_l(
        "Plain text (.txt) or LawRefBook Markdown (.md), UTF-8 or GB18030. Several files are loaded together: "
        "the parts of one law (such as the Civil Code's books), or several laws."))
    text = TextAreaField(_l("Or paste the text"), validators=[Length(max=MAX_PASTED)], description=_l(
        "In the official layout: the title on the first line, the adoption and amendment history with dates, "
        "then the chapters (第一章 …) and articles (第一条 …)."))
    kind = SelectField(_l("Kind of document"), validators=[Optional()])
    issuing_body = StringField(_l("Issuing body"), validators=[Optional(), Length(max=200)],
                               description=_l("Leave empty to take it from the text's history."))
    version_date = DateField(_l("Date of this version"), validators=[Optional()],
                             description=_l("Only when the text names no date of adoption or amendment."))
    effective_date = DateField(_l("Effective date"), validators=[Optional()],
                               description=_l("When this text took effect, if the text does not say."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(str(_l("Tell from the text")))

    def uploads(self) -> list:
        """The files actually chosen (a browser sends one empty part when none is)."""
        return [f for f in (self.files.data or []) if f and getattr(f, "filename", "")]


class ParticularsForm(AppForm):
    short_title = StringField(_l("Short title"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind of document"), validators=[DataRequired()])
    issuing_body = StringField(_l("Issuing body"), validators=[Optional(), Length(max=200)])
    aliases = StringField(_l("Other names citations use"), validators=[Optional(), Length(max=500)],
                          description=_l("Separated by commas, e.g. 行诉法、民告官法."))
    repealed_on = DateField(_l("Repealed on"), validators=[Optional()],
                            description=_l("Only for a law that is no longer in force."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def alias_list(self) -> list[str]:
        return [a for a in _ALIAS_SEPARATORS.split(self.aliases.data or "") if a]
