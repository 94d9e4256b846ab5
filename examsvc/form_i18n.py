"""WTForms' own messages ("Not a valid choice.", "This field is required.") in the person's
language, for every form of the app.

Flask-WTF hands WTForms the catalogue WTForms ships for the locale, but WTForms' Chinese catalogue
lacks some of its newer messages ("'999999' is not a valid choice for this field." came through in
English on a Chinese page). :data:`translations` asks WTForms' catalogue first and, for a message
it leaves untranslated, the app's own catalogue, which carries those messages (:data:`FILLED`).
:class:`AppForm` (every page form) and :class:`AppSubForm` (rows nested in one) use it.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Form

#: WTForms messages its zh catalogue lacks, marked here so they reach the app's catalogue.
FILLED = (
    _l("'%(value)s' is not a valid choice for this field."),
    _l("'%(value)s' are not valid choices for this field."),
)


class _Translations:
    """WTForms' catalogue, then the app's, for one message."""

    def gettext(self, string: str) -> str:
        found = wtforms_translations.gettext(string)
        return gettext(string) if found == string else found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = wtforms_translations.ngettext(singular, plural, n)
        # The app's catalogue holds each form as a message of its own.
        return gettext(singular if n == 1 else plural) if found in (singular, plural) else found


translations = _Translations()


def _get_translations(meta, form):
    # The switch FlaskForm.Meta honours; off, WTForms speaks English.
    if not current_app.config.get("WTF_I18N_ENABLED", True):
        return None
    return translations


class AppForm(FlaskForm):
    """A page form (CSRF-protected) whose WTForms messages are in the person's language."""

    class Meta(FlaskForm.Meta):
        get_translations = _get_translations


class AppSubForm(Form):
    """A form nested in an :class:`AppForm` (FieldList/FormField): no CSRF token of its own, the
    same language for WTForms' messages, so a row's errors match the rest of the page."""

    class Meta:
        get_translations = _get_translations
