"""Sign-in and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from question_bank.models import Role


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
    Role.HR: _l("HR / organisation department"),
    Role.AUDITOR: _l("Auditor"),
    Role.SYSADMIN: _l("System administrator"),
    Role.LAW_ADMIN: _l("Law administrator"),
    Role.STUDY_ADMIN: _l("Study administrator"),
}


class UserForm(AppForm):
    # The rule itself is the service's (people.username_problem); the hint says it before typing.
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           description=_l("Letters A-Z and a-z, digits 0-9 and . _ - @: pinyin, a job number, "
                                          "a phone number or an e-mail address."))
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])
    unit = SelectField(_l("Unit"), coerce=int)
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
                               validators=[DataRequired()])
    # Longer than 18: people type the number with spaces, which the service drops before checking it.
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=30)])
    current_post = StringField(_l("Current post"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
