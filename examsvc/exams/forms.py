"""The exam admin's forms: paper blueprints with a table of section rows, sittings, rosters.

Times are entered as the app's local time (Asia/Shanghai) in ``datetime-local`` inputs and leave
the form as aware datetimes; time limits are minutes here and seconds in the domain.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm, AppSubForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from examsvc.form_fields import PointsField
from examsvc.formatting import local_time
from question_bank.clock import BEIJING
from question_bank.models import ExamKind, MultiChoiceRule, ResultPolicy
from question_bank.services.admission import MAX_CODE_CHARS
from question_bank.services.standing import CandidateStatus
from question_bank.services.papers import MAX_SECTION_COUNT, MAX_SECTIONS, PaperSpec, SectionSpec
from question_bank.services.roster import MAX_EXTRA_TIME_S
from question_bank.services.sittings import (
    LOCKED_ONCE_STARTED,
    MAX_ATTEMPTS,
    MAX_GRACE_S,
    MAX_TERMS_CHARS,
    MAX_TIME_LIMIT_S,
    SittingSpec,
)
from question_bank.types import REGISTRY

#: Section rows the blank paper form offers; an edited paper gets two spare rows.
SECTION_ROWS = 8

RULE_LABELS = {
    MultiChoiceRule.ALL_OR_NOTHING: _l("All or nothing: any wrong or missing option scores 0"),
    MultiChoiceRule.PARTIAL: _l("Partial: a share of the mark for each correct option, 0 with any wrong one"),
    MultiChoiceRule.HALF: _l("Half: half the mark when some but not all correct options are chosen"),
}
KIND_LABELS = {
    ExamKind.PRE_APPOINTMENT: _l("Pre-appointment exam"),
    ExamKind.ANNUAL: _l("Annual law-study exam"),
    ExamKind.MAKEUP: _l("Make-up exam"),
    ExamKind.PRACTICE: _l("Practice"),
}
#: Where a roster entry stands, on the admin's pages. The HR score sheet names the same statuses in
#: its Chinese document (score_sheet.ENDED_LABELS, how the attempt ended: 交卷 there, 已交卷 here);
#: the Chinese catalogue gives the others the same words.
STATUS_LABELS = {
    CandidateStatus.SUBMITTED: _l("Submitted"),
    CandidateStatus.AUTO_SUBMITTED: _l("Submitted automatically at the deadline"),
    CandidateStatus.IN_PROGRESS: _l("In progress"),
    CandidateStatus.NOT_STARTED: _l("Not started yet"),
    CandidateStatus.ABSENT: _l("Absent"),
    CandidateStatus.VOIDED: _l("Voided"),
}
POLICY_LABELS = {
    ResultPolicy.IMMEDIATELY: _l("Immediately after submitting"),
    ResultPolicy.AFTER_CLOSE: _l("After the window closes"),
    ResultPolicy.NEVER: _l("Never (scores go to HR only)"),
}


def local_zone() -> ZoneInfo:
    """The zone people enter and read times in: :data:`question_bank.clock.BEIJING`, which the app's
    Babel default is set from."""
    return BEIJING


#: Rows nested in a page form (FieldList/FormField) speak the page's language.
SubForm = AppSubForm


def parsed(form, field) -> None:
    """Stop at a value that is not a number at all ("3.5" questions, "abc" points): its own message
    ("Not a valid integer value.") says it, and a range check after it would only add a second."""
    if field.process_errors:
        raise StopValidation()


#: A number of zero or more. WTForms' own message for ``NumberRange(min=0)`` reads "must be greater
#: than 0" in Chinese (数值必须大于 0), which refuses the 0 the field takes.
not_negative = NumberRange(min=0, message=_l("Must be 0 or more."))


class SectionRowForm(SubForm):
    """One row of the sections table. A row left blank (no type, number, mark or category) is
    ignored; a row filled in part says what is missing."""

    title = StringField(_l("Section title"), validators=[Optional(), Length(max=100)])
    qtype = SelectField(_l("Question type"), choices=[], default="")
    count = IntegerField(_l("Questions"), validators=[Optional(), parsed, NumberRange(1, MAX_SECTION_COUNT)])
    mark = PointsField(_l("Points each"), places=2, validators=[Optional(), parsed, NumberRange(min=Decimal("0.01"), max=1000)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=500)])
    include_subcategories = BooleanField(_l("With sub-categories"), default=True)
    difficulty_min = IntegerField(_l("Difficulty from"), default=1, validators=[Optional(), parsed, NumberRange(1, 5)])
    difficulty_max = IntegerField(_l("Difficulty to"), default=5, validators=[Optional(), parsed, NumberRange(1, 5)])
    study_list = SelectField(_l("From the laws of study list"), coerce=int, choices=[], default=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.qtype.choices = [SelectChoice("", "—")] + [SelectChoice(code, _l(t.label)) for code, t in REGISTRY.items()]
        self.study_list.choices = [SelectChoice(0, _l("Any question"))]

    def is_blank(self) -> bool:
        return not (self.qtype.data or self.count.raw_data and self.count.raw_data[0]
                    or self.mark.raw_data and self.mark.raw_data[0] or (self.category.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        ok = super().validate(extra_validators)
        for name in ("qtype", "count", "mark", "category"):
            field = getattr(self, name)
            if field.data in (None, "") and not field.errors:
                field.errors.append(_l("Fill this in, or clear the whole row."))
                ok = False
        return ok

    def spec(self) -> SectionSpec:
        """The row as a section (call on a validated, non-blank row; lenient for the bank count)."""
        return SectionSpec(
            qtype=self.qtype.data or "", count=self.count.data or 0, mark=self.mark.data or Decimal(0),
            category_path=(self.category.data or "").strip(), include_subcategories=bool(self.include_subcategories.data),
            difficulty_min=self.difficulty_min.data or 1, difficulty_max=self.difficulty_max.data or 5,
            title=(self.title.data or "").strip(), study_list_id=self.study_list.data or None,
        )


class PaperForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    multi_rule = SelectField(_l("Marking of multiple and indefinite choice"),
                             choices=[SelectChoice(r.value, label) for r, label in RULE_LABELS.items()],
                             default=MultiChoiceRule.ALL_OR_NOTHING.value)
    sections = FieldList(FormField(SectionRowForm), min_entries=SECTION_ROWS, max_entries=MAX_SECTIONS)

    def filled_rows(self) -> list[SectionRowForm]:
        return [entry.form for entry in self.sections if not entry.form.is_blank()]

    def offer_study_lists(self, lists) -> None:
        """Let every row draw "from the laws of" one of ``lists`` (published study list versions)."""
        self._offered = [SelectChoice(0, _l("Any question"))] + [
            SelectChoice(found.id, f"{found.year} {found.title} (v{found.version_no})") for found in lists]
        self._offer()

    def _offer(self) -> None:
        for entry in self.sections:
            entry.form.study_list.choices = getattr(self, "_offered", entry.form.study_list.choices)

    def spec(self) -> PaperSpec:
        return PaperSpec(title=self.title.data.strip(), sections=[row.spec() for row in self.filled_rows()],
                         multi_rule=MultiChoiceRule(self.multi_rule.data), description=self.description.data or "")

    def fill_from(self, paper) -> None:
        """Show a saved paper: its sections, then blank rows up to the table's size."""
        self.title.data, self.description.data, self.multi_rule.data = paper.title, paper.description, str(paper.multi_rule)
        while len(self.sections):
            self.sections.pop_entry()
        # Fixed sections are edited on the paper page, not in this table.
        drawn = [section for section in paper.sections if not section.fixed]
        for section in drawn:
            self.sections.append_entry({
                "title": section.title, "qtype": section.qtype, "count": section.count, "mark": section.mark,
                "category": section.category.path, "include_subcategories": section.include_subcategories,
                "difficulty_min": section.difficulty_min, "difficulty_max": section.difficulty_max,
                "study_list": section.study_list_id or 0,
            })
        while len(self.sections) < min(MAX_SECTIONS, max(SECTION_ROWS, len(drawn) + 2)):
            self.sections.append_entry()
        self._offer()


#: Form field of each setting in LOCKED_ONCE_STARTED whose name differs from the spec's.
LOCKED_FIELDS = {"paper_id": "paper", "time_limit_s": "time_limit_min", "late_start_cutoff_s": "late_start_cutoff_min",
                 "access_code_hash": "access_code"}

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class SittingForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    paper = SelectField(_l("Paper"), coerce=int, choices=[])
    opens_at = DateTimeLocalField(_l("Opens at"), format=LOCAL_FORMATS, tz=local_zone, validators=[InputRequired()],
                                  description=_l("Beijing time."))
    closes_at = DateTimeLocalField(_l("Closes at"), format=LOCAL_FORMATS, tz=local_zone, validators=[InputRequired()],
                                   description=_l("Beijing time. Every attempt ends by then, whatever its time limit."))
    time_limit_min = IntegerField(_l("Time limit (minutes)"), default=60,
                                  validators=[InputRequired(), parsed, NumberRange(1, MAX_TIME_LIMIT_S // 60)])
    pass_mark = PointsField(_l("Pass mark (points)"), places=2, validators=[Optional(), parsed, not_negative],
                             description=_l("Leave blank for 60 per cent of the paper's total, rounded up to the hundredth "
                                             "(60 of 100; 59.00 of 98.32)."))
    excellent_mark = PointsField(_l("Excellent mark (points)"), places=2, validators=[Optional(), parsed, not_negative],
                                  description=_l("Leave blank for 90 per cent of the paper's total, rounded up to the "
                                                  "hundredth (90 of 100)."))
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=1, validators=[InputRequired(), parsed, NumberRange(1, MAX_ATTEMPTS)])
    grace_s = IntegerField(_l("Grace for late saves (seconds)"), default=30,
                           validators=[InputRequired(), parsed, NumberRange(0, MAX_GRACE_S)],
                           description=_l("Saves already on their way at the deadline still count within this time."))
    shuffle_questions = BooleanField(_l("Shuffle questions within each section"), default=True)
    shuffle_options = BooleanField(_l("Shuffle options"), default=True)
    results_policy = SelectField(_l("Show candidates their score"),
                                 choices=[SelectChoice(p.value, label) for p, label in POLICY_LABELS.items()])
    show_answers = BooleanField(_l("With the answers and explanations, when the score is shown"))
    second_marking = BooleanField(_l("Second marker for short answers"),
                                  description=_l("Each short answer is marked by two markers independently."))
    marking_tolerance = PointsField(_l("Marking tolerance (points)"), places=2, default=Decimal(0),
                                    validators=[Optional(), parsed, not_negative],
                                    description=_l("Two marks further apart than this go to a senior marker, "
                                                   "whose mark counts; otherwise their mean counts. A mean is "
                                                   "never rounded up: 30.005 is kept as 30.00 plus half a "
                                                   "hundredth, and the total adds the halves back and drops "
                                                   "what is below 0.01, so it passes exactly when the exact sum "
                                                   "of the means does."))

    late_start_cutoff_min = IntegerField(
        _l("No new starts in the last (minutes)"), default=0, validators=[Optional(), parsed, not_negative],
        description=_l("0 lets candidates start until the window closes; they are always shown the real end time."))
    rules_text = TextAreaField(_l("Exam rules (考试须知)"), validators=[Optional(), Length(max=MAX_TERMS_CHARS)],
                               description=_l("Shown before starting, one rule a line. Leave blank for the standard rules."))
    pledge_text = TextAreaField(_l("Integrity pledge (诚信承诺)"), validators=[Optional(), Length(max=MAX_TERMS_CHARS)],
                                description=_l("Candidates must accept it to start. Leave blank for the standard pledge."))

    makeup_of = SelectField(_l("Makes up for"), coerce=int, choices=[], validators=[Optional()],
                            description=_l("For a make-up sitting: the closed sitting it makes up for. Its roster "
                                           "starts with those who failed or were absent there."))
    access_code = StringField(_l("Access code"), validators=[Optional(), Length(max=MAX_CODE_CHARS)],
                              render_kw={"autocomplete": "off"},
                              description=_l("Candidates must type it to start; full-width or half-width letters "
                                             "and digits, letter case and spaces do not count. It is stored only in "
                                             "scrambled form: leave blank to keep the current code, or to ask none."))
    remove_access_code = BooleanField(_l("Remove the access code"))
    allowed_networks = TextAreaField(
        _l("Allowed networks"), validators=[Optional()],
        description=_l("One IPv4 or IPv6 range a line, such as 10.20.0.0/16. Blank: from anywhere."))

    def spec(self) -> SittingSpec:
        return SittingSpec(
            title=self.title.data.strip(), kind=ExamKind(self.kind.data), paper_id=self.paper.data,
            opens_at=self.opens_at.data.astimezone(dt.timezone.utc), closes_at=self.closes_at.data.astimezone(dt.timezone.utc),
            time_limit_s=self.time_limit_min.data * 60, pass_mark=self.pass_mark.data,
            excellent_mark=self.excellent_mark.data, grace_s=self.grace_s.data,
            attempts_allowed=self.attempts_allowed.data, shuffle_questions=bool(self.shuffle_questions.data),
            shuffle_options=bool(self.shuffle_options.data), results_policy=ResultPolicy(self.results_policy.data),
            show_answers=bool(self.show_answers.data), second_marking=bool(self.second_marking.data),
            marking_tolerance=self.marking_tolerance.data or Decimal(0),
            late_start_cutoff_s=(self.late_start_cutoff_min.data or 0) * 60,
            rules_text=self.rules_text.data, pledge_text=self.pledge_text.data,
            access_code=self.access_code.data or None, remove_access_code=bool(self.remove_access_code.data),
            allowed_networks=self.allowed_networks.data,
            makeup_of_id=(self.makeup_of.data or None) if "makeup_of" in self else None,
        )

    #: Set by :meth:`lock`: the closing time a started sitting may not move before (aware UTC).
    earliest_close: dt.datetime | None = None

    @staticmethod
    def _shown(sitting, name: str):
        """The value field ``name`` shows for ``sitting``."""
        if name in ("kind", "results_policy"):
            return str(getattr(sitting, name))
        if name == "paper":
            return sitting.paper_id
        if name == "time_limit_min":
            return sitting.time_limit_s // 60
        if name == "late_start_cutoff_min":
            return sitting.late_start_cutoff_s // 60
        if name == "access_code":
            return ""  # only its hash is kept, and that is never shown
        return getattr(sitting, name)

    def fill_from(self, sitting) -> None:
        for name in ("title", "kind", "paper", "opens_at", "closes_at", "time_limit_min", "pass_mark", "excellent_mark",
                     "attempts_allowed", "grace_s", "shuffle_questions", "shuffle_options", "results_policy",
                     "show_answers", "second_marking", "marking_tolerance",
                     "late_start_cutoff_min", "rules_text", "pledge_text", "allowed_networks"):
            getattr(self, name).data = self._shown(sitting, name)

    def locked_fields(self) -> list:
        """The fields of :data:`LOCKED_ONCE_STARTED` (the settings that decided deadlines and scores)."""
        return [getattr(self, LOCKED_FIELDS.get(name, name)) for name in LOCKED_ONCE_STARTED]

    def lock(self, sitting) -> None:
        """Show a started sitting: the locked settings disabled with a note, the closing time only
        later. Disabled inputs are not posted, so a locked field the post lacks keeps the sitting's
        value; one the post carries (a form opened before anyone started) is kept as posted, and
        the service refuses a change to it (409)."""
        for field in self.locked_fields():
            field.render_kw = {**(field.render_kw or {}), "disabled": True}
            field.description = _l("Fixed: candidates have started this sitting.")
            if not field.raw_data:
                field.data = self._shown(sitting, field.short_name)
                field.validators = []
        # Whole minutes, as the input shows it: an untouched form posts 07:27 for a close stored
        # as 07:27:46, and the service reads that as no change.
        self.earliest_close = sitting.closes_at.replace(second=0, microsecond=0)
        earliest = sitting.closes_at.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")
        self.closes_at.render_kw = {**(self.closes_at.render_kw or {}), "min": earliest}
        self.closes_at.description = _l("Beijing time. Candidates have started, so the window can only close later.")

    def restore_locked(self, sitting) -> None:
        """Show the sitting's own values in the locked fields again (after a refused change)."""
        for field in self.locked_fields():
            field.data = self._shown(sitting, field.short_name)
            field.raw_data = []  # an input shows what was posted while there is any

    def validate_closes_at(self, field) -> None:
        if self.earliest_close is not None and field.data is not None and field.data < self.earliest_close:
            # Deadlines already given end by the old closing time; an earlier one would cut them short.
            raise ValidationError(_("Candidates have started, so the window cannot close before %(time)s.",
                                    time=local_time(self.earliest_close)))


class RosterAddForm(AppForm):
    user_ids = SelectMultipleField(_l("Cadres"), coerce=int, choices=[], validators=[DataRequired()])


class RosterImportForm(AppForm):
    # No check of the file's name: what a file is, is decided from its content (SEC-U5).
    file = FileField(_l("Roster file"), validators=[FileRequired(_l("Choose a file to upload."))],
                     description=_l("An .xlsx workbook, or a CSV file in UTF-8, GB18030/GBK or UTF-16 (Excel's \"Unicode text\")."))


class ExtraTimeForm(AppForm):
    minutes = IntegerField(_l("Extra time (minutes)"), validators=[InputRequired(), parsed, NumberRange(0, MAX_EXTRA_TIME_S // 60)])
