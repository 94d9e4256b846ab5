"""Sign-in and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from examsvc.form_fields import ChosenIdField
from examsvc.form_i18n import AppForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from question_bank.models import Role, UnitLevel


class LoginForm(AppForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_LABELS = {
    Role.CADRE: _l("Cadre (candidate)"),
    Role.BANK_EDITOR: _l("Question-bank editor"),
    Role.BANK_REVIEWER: _l("Question-bank reviewer"),
    Role.EXAM_ADMIN: _l("Exam administrator"),
    Role.MARKER: _l("Marker"),
    Role.SENIOR_MARKER: _l("Senior marker"),
    Role.HR: _l("HR / organisation department"),
    Role.AUDITOR: _l("Auditor"),
    Role.SYSADMIN: _l("System administrator"),
    Role.LAW_ADMIN: _l("Law administrator"),
    Role.STUDY_ADMIN: _l("Study administrator"),
    Role.FULL_ID_EXPORT: _l("Full ID numbers in score-sheet exports (with HR; purpose and password asked each time)"),
}


class ChangePasswordForm(AppForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                        description=_l("At least 8 characters, 4 or more of them different, no space at the start or end; not "
                                       "a common password, your username or your name (capitals and full-width forms "
                                       "count as the same letter)."))
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))])


class AccountStateForm(AppForm):
    """Disable or enable; the reason goes to the audit log."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class UserForm(AppForm):
    # The rule itself is the service's (people.username_problem); the hint says it before typing.
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           description=_l("Letters A-Z and a-z, digits 0-9 and . _ - @: pinyin, a job number, "
                                          "a phone number or an e-mail address; not an ID number (cadres sign "
                                          "in with theirs)."))
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])
    unit = SelectField(_l("Unit"), coerce=int)
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
                               validators=[DataRequired()])
    # Longer than 18: people type the number with spaces, which the service drops before checking it.
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=30)])
    current_post = StringField(_l("Current post"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])


class UserEditForm(AppForm):
    """An existing account: everything but the username (people and rosters know them by it) and the
    password (reset separately)."""

    display_name = UserForm.display_name
    unit = SelectField(_l("Unit"), coerce=int)
    roles = MultiCheckboxField(_l("Roles"), choices=UserForm.roles.kwargs["choices"], validators=[DataRequired()])
    # The number at rest is sealed and never shown in clear here (SEC-P1, P5): blank keeps it.
    id_number = StringField(_l("New ID number"), validators=[Optional(), Length(max=30)],
                            description=_l("Leave blank to keep the current one."))
    remove_id_number = BooleanField(_l("Remove the ID number"))
    current_post = UserForm.current_post
    phone = UserForm.phone


class AccountImportForm(AppForm):
    # What a file is, is decided from its content (SEC-U5), not its name.
    file = FileField(_l("Roster file"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("An .xlsx workbook, or a CSV file in UTF-8, GB18030/GBK or UTF-16 (Excel's \"Unicode text\"), "
                                    "with the columns 姓名 and 身份证号 and, if wanted, 单位, 用户名, 现任职务, 拟任职务, 手机."))
    unit = SelectField(_l("Unit for rows without 单位"), coerce=int)


LEVEL_LABELS = {
    UnitLevel.PROVINCE: _l("Province"),
    UnitLevel.CITY: _l("City"),
    UnitLevel.COUNTY: _l("County"),
    UnitLevel.DEPARTMENT: _l("Department"),
}


class UnitForm(AppForm):
    # "Unit name", not "Name": a person's name (姓名) is "Name" in the catalogue.
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=[SelectChoice(level.value, label) for level, label in LEVEL_LABELS.items()])
    parent = ChosenIdField(_l("Parent unit"), missing=_l("Choose the parent unit."))


class ResetWithLinkForm(AppForm):
    """A new password chosen through a one-time reset link."""

    new = ChangePasswordForm.new
    confirm = ChangePasswordForm.confirm
