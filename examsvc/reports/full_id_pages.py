"""The score sheet with full ID numbers (SEC-P1): a form asking the purpose and the officer's
password, then the file. The rules are ``question_bank.services.full_id_exports``; here, the form,
the sign-in throttle over the password (``examsvc.auth.password_guard``: a wrong one counts as a
failed sign-in of the account, so this form cannot be used to guess it, and the guess that reaches
the lock signs the account out everywhere; ``export.score_sheet_full_id_locked`` and
``_throttled``), and the download.

Reached by HR (the blueprint's guard); without the grant :attr:`Role.FULL_ID_EXPORT` the answer is
403, audited like every refusal.
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from examsvc import database
from examsvc.access import actor
from examsvc.auth import password_guard
from examsvc.auth.routes import place_problems
from examsvc.extensions import clock
from examsvc.form_i18n import AppForm
from examsvc.request_text import password_fields
from examsvc.reports.routes import CSV_TYPE, XLSX_TYPE, _download, bp
from question_bank.errors import InvalidInput
from question_bank.formats import tabular
from question_bank.models import Sitting
from question_bank.services import deadlines, full_id_exports
from question_bank.services import score_sheets as sheet_service

#: What the downloaded file is called after the sitting's title.
FILE_LABEL = "成绩汇总表-完整身份证号"


class FullIdExportForm(AppForm):
    # Emptiness and the password are the service's checks, so that every refusal is audited alike.
    purpose = TextAreaField(_l("Purpose of the export"), validators=[Optional(), Length(max=2000)],
                            description=_l("Why full ID numbers are needed, in at least %(n)d letters, e.g. "
                                            "干部任前公示材料. Kept in the audit log.",
                                            n=full_id_exports.MIN_PURPOSE_LETTERS))
    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=200)],
                             description=_l("Type your own password again to confirm it is you."))
    file_format = SelectField(_l("Format"), choices=[SelectChoice("xlsx", _l("Excel (.xlsx)")), SelectChoice("csv", _l("CSV"))])


@bp.route("/sittings/<int:sitting_id>/full-id-export", methods=["GET", "POST"])
@password_fields("password")
def full_id_export(sitting_id: int):
    db = database.session()
    found = sheet_service.visible_sitting(db, sitting_id, actor())
    if not full_id_exports.may_export_full_ids(actor()):
        abort(403)
    form = FullIdExportForm()
    if not form.validate_on_submit():
        return _page(found, form, 422 if form.errors else 200)
    check = password_guard.begin(actor(), full_id_exports.ACTION)
    if check.refused():
        return _page(found, form, 429)
    deadlines.sweep(db, clock(), sitting_ids=sheet_service.related_sitting_ids(db, found))
    database.commit()
    try:
        headers, rows = full_id_exports.full_id_score_sheet(
            db, clock(), found, actor(), purpose=form.purpose.data or "", password=form.password.data or "",
            file_format=form.file_format.data)
    except InvalidInput as exc:
        if any(str(p.place) == "password" for p in exc.problems):
            signed_out = check.wrong()  # at the lock, commits the refusal's audit event with it
            if signed_out is not None:
                return signed_out
        else:
            check.withdrawn()
        database.commit()  # the refusal's audit event stays
        problems = place_problems(form, exc)
        return _page(found, form, 422, problems)
    # The right password confirms who asks; it does not clear the account's sign-in failures.
    check.withdrawn()
    # The file is made before the audit event is committed (a file that could not be made was
    # never exported), and the event is committed before the file leaves.
    if form.file_format.data == "csv":
        response = Response(tabular.iter_csv_bytes(headers, rows), content_type=CSV_TYPE)
    else:
        response = Response(tabular.to_xlsx_bytes(headers, rows, sheet_title=found.title), content_type=XLSX_TYPE)
    database.commit()
    return _download(response, found.title, found.id, form.file_format.data, FILE_LABEL)


def _page(sitting: Sitting, form: FullIdExportForm, status: int, problems: list | None = None):
    form.password.data = ""  # a password is never sent back
    return render_template("reports/full_id_export.html", sitting=sitting, form=form, problems=problems or []), status
