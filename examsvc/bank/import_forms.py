"""Forms of the import pages: the upload (file and mode) and a reviewer's decision on a batch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from question_bank.services.import_formats import AUTO
from question_bank.services.importing import ALL_OR_NOTHING, ASK, KEEP_REPEATS, SKIP_REPEATS, VALID_ONLY


class ImportForm(AppForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("An .xlsx workbook, or a CSV file in UTF-8, GB18030/GBK or UTF-16 (Excel's \"Unicode text\"); "
                                   "or a Moodle XML, GIFT or JSON Lines file."))
    file_format = RadioField(_l("Format"), default=AUTO, choices=[
        SelectChoice(AUTO, _l("Recognise it from the file")),
        SelectChoice("template", _l("Import template (.xlsx or CSV)")),
        SelectChoice("moodle_xml", _l("Moodle XML")),
        SelectChoice("gift", _l("GIFT (Moodle's text format)")),
        SelectChoice("jsonl", _l("JSON Lines (this bank's export)")),
    ])
    mode = RadioField(_l("If some rows have errors"), default=ALL_OR_NOTHING, choices=[
        SelectChoice(ALL_OR_NOTHING, _l("Import nothing and list every error (all or nothing)")),
        SelectChoice(VALID_ONLY, _l("Import the valid rows and list the rows left out")),
    ])
    repeats = RadioField(_l("If the file or some of its questions are already in the bank"), default=ASK, choices=[
        SelectChoice(ASK, _l("Stop before importing and tell me")),
        SelectChoice(SKIP_REPEATS, _l("Skip the repeats and import the rest")),
        SelectChoice(KEEP_REPEATS, _l("Import them too, flagged as repeats for the reviewer")),
    ])


class HeldForm(AppForm):
    """The uploader's answer to an upload held because it repeats the bank."""

    skip = SubmitField(_l("Skip the repeats and import the rest"))
    keep = SubmitField(_l("Import them too, flagged as repeats for the reviewer"))
    drop = SubmitField(_l("Do not import this file"))


class DiscardForm(AppForm):
    """The uploader throws a returned batch away (its drafts are removed)."""

    discard = SubmitField(_l("Discard this batch and its drafts"))


class DecideForm(AppForm):
    """Approve or reject a batch; a rejection needs a note that tells the uploader why."""

    note = TextAreaField(_l("Note to the uploader"), validators=[Length(max=2000)])
    leave_out_repeats = BooleanField(_l("Leave out every question flagged as a repeat (the same stem, options and answer)"))
    leave_out_near = BooleanField(_l("Leave out every question flagged as a near-duplicate (a few characters apart)"))
    confirm = IntegerField(_l("Number of questions to publish"), validators=[Optional()],
                           description=_l("A large batch: type how many questions will be published to confirm."))
    approve = SubmitField(_l("Approve and publish all but those left out"))
    reject = SubmitField(_l("Reject and return all as drafts"))

    def validate_note(self, field: TextAreaField) -> None:
        if self.reject.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the batch is rejected."))
