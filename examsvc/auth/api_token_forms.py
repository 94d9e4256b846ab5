"""The form a sysadmin makes an API token with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from examsvc.auth.forms import MultiCheckboxField
from examsvc.form_i18n import AppForm
from question_bank.services.api_tokens import MAX_LIFETIME_DAYS, NAME_LIMIT, Scope

#: What each scope lets the holder read, as the form and the list say it.
SCOPE_LABELS = {
    Scope.SITTINGS: _l("Sittings (sittings:read)"),
    Scope.SCORES: _l("Score records with their history (scores:read)"),
    Scope.AUDIT: _l("Audit events (audit:read)"),
    Scope.ROSTERS: _l("Rosters of sittings (rosters:read)"),
    Scope.APPRAISAL: _l("Appraisal summary per cadre and per unit (appraisal:read)"),
}


class ApiTokenForm(AppForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=NAME_LIMIT)],
                       description=_l("The system that will use it, e.g. 组织部干部信息系统."))
    scopes = MultiCheckboxField(_l("May read"), choices=[SelectChoice(s.value, label) for s, label in SCOPE_LABELS.items()],
                                validators=[DataRequired()])
    org_unit_id = SelectField(_l("Records of unit (and every unit below it)"), coerce=int)
    days = IntegerField(_l("Valid for (days)"), default=90,
                        validators=[InputRequired(), NumberRange(min=1, max=MAX_LIFETIME_DAYS)])
