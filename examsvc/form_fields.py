"""Form fields shared by several blueprints."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from wtforms import DecimalField, SelectField
from wtforms.validators import StopValidation

from question_bank.points import is_exact_points, parse_plain_points


class PointsField(DecimalField):
    """A mark in points (a section's mark, a pass mark, a question's default mark): a finite
    decimal with at most two places (case C-20).

    A value with more places ("59.995") is refused with a message that names the field; it is never
    rounded, and the form shows it again as typed. "NaN", "Infinity" and exponents ("1e1"), which
    ``Decimal`` would take, are refused: only a plain decimal is a mark. "-0" is kept as 0.
    """

    def process_formdata(self, valuelist) -> None:
        # Full-width "３０．５" (what a Chinese input method types) is 30.5 by design: NFKC first.
        # Digits of other scripts stay as they are and are refused below, naming the field.
        valuelist = [unicodedata.normalize("NFKC", v) if isinstance(v, str) else v for v in valuelist or []]
        super().process_formdata(valuelist)
        if self.data is None or not valuelist:
            # Nothing posted for a field with a default: the default stands.
            return
        typed = valuelist[0]
        plain = parse_plain_points(str(typed))
        if plain is None:
            self.data = None
            raise ValueError(_("%(field)s: %(value)s is not a plain decimal number; type digits with at most two "
                               "decimals, such as 59.5.", field=self.label.text, value=typed))
        self.data = plain
        if not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        if not is_exact_points(self.data):
            self.data = None
            raise ValueError(_("%(field)s: %(value)s has more than two decimals. Marks are kept to the hundredth of a "
                               "point and never rounded; type at most two decimals, such as 59.99.",
                               field=self.label.text, value=typed))

    def pre_validate(self, form) -> None:
        # A value that is not an exact mark says so once; a range check after it would only add a
        # second message. An empty input is left to Optional / InputRequired.
        typed = self.raw_data[0] if self.raw_data else ""
        if self.process_errors and str(typed).strip():
            raise StopValidation()


class ChosenIdField(SelectField):
    """A choice of one row by its id (a unit among the administrator's): ``int`` ids as the choices'
    values. Nothing chosen, or something that is no id, gives ``missing`` (a sentence saying what to
    choose) beside the field, instead of WTForms' "Invalid Choice: could not coerce." ("选择无效：无法
    转化类型。", which tells a person nothing); an id not among the choices gives WTForms' "Not a
    valid choice"."""

    def __init__(self, label=None, validators=None, *, missing, **kwargs) -> None:
        super().__init__(label, validators, coerce=int, **kwargs)
        self.missing = missing

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except (TypeError, ValueError):
                self.data = None

    def pre_validate(self, form) -> None:
        if self.data is None:
            raise StopValidation(str(self.missing))
        super().pre_validate(form)
