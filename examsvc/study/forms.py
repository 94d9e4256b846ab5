"""Forms of the study-list pages: a list's particulars, an item, an upload, a copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from examsvc.auth.forms import MultiCheckboxField
from question_bank.models import Requirement
from question_bank.ranks import NAMES as LEVEL_NAMES

REQUIREMENT_LABELS = {Requirement.CLOSE_STUDY: _l("Close study (精学)"), Requirement.READ_THROUGH: _l("Read through (通读)")}


class ListForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    field = StringField(_l("Field"), validators=[Optional(), Length(max=100)],
                        description=_l("Empty for a general list; else the field it is for: 市场监管, 生态环境 …"))
    audience_note = TextAreaField(_l("Whom it is for"), validators=[Optional(), Length(max=2000)])
    org_unit = SelectField(_l("Kept by unit"), coerce=int, choices=[])
    target_units = MultiCheckboxField(_l("For cadres of"), coerce=int, choices=[],
                                      description=_l("Each unit with everything below it. None ticked: the keeping unit's."))
    levels = MultiCheckboxField(_l("Ranks"), choices=[SelectChoice(str(k), v) for k, v in LEVEL_NAMES.items()],
                                description=_l("None ticked: every rank. A cadre whose rank cannot be read is not reached; the list's page names them."))
    threshold = IntegerField(_l("Coverage threshold"), default=3, validators=[InputRequired(), NumberRange(0, 1000)],
                             description=_l("Items cited by fewer published questions are flagged for the bank editors."))

    def offer_units(self, units) -> None:
        choices = [SelectChoice(u.id, u.name) for u in units]
        self.org_unit.choices = choices
        self.target_units.choices = choices


class ItemForm(AppForm):
    law = SelectField(_l("Law"), coerce=int, choices=[])
    version = SelectField(_l("Version"), coerce=int, choices=[], default=0)
    headings = MultiCheckboxField(_l("Parts"), coerce=int, choices=[])
    articles = StringField(_l("Articles to study"), validators=[Optional(), Length(max=500)],
                           description=_l("Such as 第三十一条至第五十七条、第六十条, or 31至57、60."))
    scope_text = StringField(_l("Scope as written"), validators=[Optional(), Length(max=1000)],
                             description=_l("Instead of ticking parts: the scope as a list writes it (全文, 第二章 受案范围 …). Nothing chosen: the whole law."))
    requirement = RadioField(_l("Requirement"), choices=[SelectChoice(str(k), v) for k, v in REQUIREMENT_LABELS.items()],
                             default=str(Requirement.CLOSE_STUDY))
    hours = DecimalField(_l("Study hours"), places=2, validators=[Optional(), NumberRange(0, 9999)])
    note = TextAreaField(_l("Remark"), validators=[Optional(), Length(max=2000)])


class ImportListForm(AppForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("An .xlsx workbook laid out as 序号 / 法律法规名称 / 学习范围 / 学习要求 / 学时 / 备注, a title row and a note row above."))
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)],
                        description=_l("Empty: the year the title names."))
    field = StringField(_l("Field"), validators=[Optional(), Length(max=100)])


class CopyForm(AppForm):
    year = IntegerField(_l("To year"), validators=[InputRequired(), NumberRange(2000, 2100)])
