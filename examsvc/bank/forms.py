"""Forms of the question-bank pages: a question (new or edited) and a reviewer's return note.

The question form reads what a person types in the import template's notation (key ``ACD`` or
``对``, tags separated by ``;``, category ``宪法/国家机构``) and turns it into a
:class:`~question_bank.services.authoring.QuestionDraft`; the domain's rules then judge the draft,
and every problem is shown next to the field it concerns.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from examsvc.errors import translate
from examsvc.form_fields import PointsField
from examsvc.formatting import points
from question_bank.errors import Problem
from question_bank.models import Question
from question_bank.services.authoring import QuestionDraft, category_parts
from question_bank.types import REGISTRY
from question_bank.types.choice import LETTERS

DIFFICULTY_LABELS = {
    1: _l("1 (easy)"),
    2: _l("2 (fairly easy)"),
    3: _l("3 (medium)"),
    4: _l("4 (fairly hard)"),
    5: _l("5 (hard)"),
}

_TAG_SEPARATORS = re.compile(r"[;；]")

#: Where a domain problem's ``place`` is shown on the form.
_FIELD_FOR_PLACE = {
    "type": "qtype", "stem": "stem", "key": "key", "explanation": "explanation",
    "difficulty": "difficulty", "category": "category", "score": "score",
}


def split_tags(text: str) -> list[str]:
    """``"行政处罚; 听证；听证 "`` → ``["行政处罚", "听证"]`` (order kept, repeats dropped)."""
    seen: list[str] = []
    for tag in _TAG_SEPARATORS.split(text or ""):
        tag = tag.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _category_names_fit(form: FlaskForm, field: StringField) -> None:
    # Category.name holds 100 characters; a longer part would fail in the database instead.
    if any(len(part) > 100 for part in category_parts(field.data or "")):
        raise ValidationError(_l("Each part of the category path may have at most 100 characters."))


class QuestionForm(FlaskForm):
    """A question's content. ``option_A`` … ``option_H`` are added below the class."""

    qtype = SelectField(_l("Type"), choices=[SelectChoice(code, _l(t.label)) for code, t in REGISTRY.items()],
                        validators=[DataRequired()])
    # Stem, option and explanation lengths are the domain's rules (QuestionDraft.problems).
    stem = TextAreaField(_l("Stem"))
    key = StringField(_l("Key"), validators=[Length(max=100)],
                      description=_l("Choice: the letters of the correct options, e.g. B or ACD. "
                                     "True/false: 对 or 错."))
    explanation = TextAreaField(_l("Explanation"))
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=3,
                             choices=[SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()])
    tags = StringField(_l("Knowledge points"), validators=[Length(max=1000)],
                       description=_l("Separated by ;"))
    legal_basis = StringField(_l("Legal basis"), validators=[Length(max=1000)],
                              description=_l("For example 《中华人民共和国行政处罚法》第三十六条"))
    category = StringField(_l("Category"), validators=[Length(max=500), _category_names_fit],
                           description=_l("A path such as 宪法/国家机构"))
    # places=None: the field shows the value it holds, which fill_from writes as the `points`
    # filter does (2, 2.5); with places=2 a stored 100.00 showed as "100.00" beside "分".
    score = PointsField(_l("Default mark (points)"), places=None,
                         validators=[Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("9999"))])
    #: The version and change time the editor started from (edit only), so that a second editor's
    #: change is never silently overwritten.
    based_on = HiddenField()

    #: Problems about the options as a whole, shown above option A (filled by ``show_problems``).
    option_errors: list[str]
    #: Problems that belong to no field, shown at the top of the form.
    form_errors_shown: list[str]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.option_errors = []
        self.form_errors_shown = []

    def option_fields(self) -> list:
        return [self[f"option_{letter}"] for letter in LETTERS]

    def options(self) -> list[str]:
        """Option texts from A on, trailing empty ones dropped; a gap stays as "" for the rules to see."""
        texts = [(f.data or "").strip() for f in self.option_fields()]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    def to_draft(self) -> tuple[QuestionDraft, list[Problem]]:
        """The draft the form describes and every problem with it (empty when it may be saved).

        Problems come from reading the key (the type's ``parse_key``) and from the domain's
        :meth:`QuestionDraft.problems`.
        """
        options = self.options()
        qtype = REGISTRY.get(self.qtype.data or "")
        problems: list[Problem] = []
        key = None
        if qtype is not None:
            try:
                key = qtype.parse_key(self.key.data or "", options)
            except ValueError as exc:
                problems.append(Problem(str(exc.args[0]), place="key"))
        draft = QuestionDraft(
            qtype=self.qtype.data or "", stem=(self.stem.data or "").strip(), options=options, key=key,
            category_path=self.category.data or "", explanation=(self.explanation.data or "").strip(),
            difficulty=self.difficulty.data or 3, tags=split_tags(self.tags.data or ""),
            legal_basis=(self.legal_basis.data or "").strip(), default_score=self.score.data,
        )
        # A key that could not be read is also "missing" to the draft; its reason is already shown.
        unreadable = {problem.place for problem in problems}
        for problem in draft.problems():
            if problem.place in unreadable:
                continue
            problems.append(problem)
        return draft, problems

    def show_problems(self, problems: list[Problem]) -> None:
        """Put each problem next to its field, translated."""
        for problem in problems:
            text = translate(problem.message, problem.params)
            if problem.place == "options":
                self.option_errors.append(text)
            elif problem.place in _FIELD_FOR_PLACE:
                self[_FIELD_FOR_PLACE[problem.place]].errors.append(text)
            else:
                self.form_errors_shown.append(text)

    def fill_from(self, question: Question) -> None:
        """Fill the fields with the question's current version, as the editor will change it."""
        version = question.current_version
        assert version is not None
        self.qtype.data = version.qtype
        self.stem.data = version.stem
        for field, text in zip(self.option_fields(), version.options + [""] * len(LETTERS)):
            field.data = text
        self.key.data = REGISTRY[version.qtype].format_key(version.key) if version.qtype in REGISTRY else ""
        self.explanation.data = version.explanation
        self.difficulty.data = version.difficulty
        self.tags.data = "; ".join(version.tags or [])
        self.legal_basis.data = version.legal_basis
        self.category.data = version.category.path
        self.score.data = None if version.default_score is None else Decimal(points(version.default_score))
        self.based_on.data = edit_stamp(question)


for _letter in LETTERS:
    setattr(QuestionForm, f"option_{_letter}",
            TextAreaField(_l("Option %(letter)s", letter=_letter)))


def edit_stamp(question: Question) -> str:
    """What an edit form was based on: current version number and last change time."""
    version_no = question.current_version.version_no if question.current_version else 0
    return f"{version_no}:{question.updated_at.isoformat()}"


class ReturnForm(FlaskForm):
    """A reviewer sends a question back to its author, saying why."""

    note = TextAreaField(_l("Why it goes back"), validators=[DataRequired(), Length(max=2000)])
