"""Forms of the question-bank pages: a question (new or edited) and a reviewer's return note.

The question form reads what a person types in the import template's notation (key ``ACD`` or
``对``, tags separated by ``;``, category ``宪法/国家机构``) and turns it into a
:class:`~question_bank.drafts.QuestionDraft`; the domain's rules then judge the draft, and every
problem is shown next to the field it concerns. A fill-in question's answers: one field per blank,
one accepted answer per line; a / or | in an answer is written \\/ or \\| as in the template (a
bare one is refused, as the template would read two answers there). A short answer has its
reference answer and rubric fields; a choice option can be pinned with a tick. A field filled in for another type than
the one chosen is refused by name, never silently dropped.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from examsvc.errors import translate
from examsvc.form_fields import PointsField
from examsvc.formatting import points
from question_bank.drafts import QuestionDraft
from question_bank.errors import N_, Problem
from question_bank.formats.option_cells import row_labels, written_options
from question_bank.formats.question_control_chars import typed_control_problems
from question_bank.formats.template import labels_note
from question_bank.models import Question
from question_bank.services.review import REASON_LIMIT
from question_bank.types import REGISTRY
from question_bank.types.base import problem_of
from question_bank.types.choice import LETTERS
from question_bank.types.fill_blank import read_answer, written_answer
from question_bank.field_limits import MAX_BLANKS

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
    "difficulty": "difficulty", "category": "category", "score": "score", "rubric": "rubric",
    "tags": "tags", "legal_basis": "legal_basis",
    # The key field itself, whatever the type (a "key" problem goes where the type takes its key).
    "key_field": "key",
    "reference_answer": "reference_answer", **{f"option_{letter}": f"option_{letter}" for letter in LETTERS},
    **{f"blank_{n}": f"blank_{n}" for n in range(1, MAX_BLANKS + 1)},
}
#: Which field holds the key, by the type's answer form; the others must then be empty.
_KEY_FIELD = {"options": "key", "true_false": "key", "blanks": "blanks", "text": "reference_answer"}
#: What is said when a key field of another type holds something.
_OTHER_TYPE_MESSAGE = {
    "key": N_("the key field is for choice and true/false questions; clear it or choose such a type"),
    "blanks": N_("the blanks are for fill-in questions; clear them or choose the type fill in the blank"),
    "reference_answer": N_("the reference answer is for short-answer questions; clear it or choose that type"),
}


def _form_field(place: object, home: str) -> str:
    """The form field a problem placed on ``place`` is shown at (``home``: where the chosen type
    takes its key)."""
    if place == "key":
        return home
    return _FIELD_FOR_PLACE.get(str(place), str(place))


def split_tags(text: str) -> list[str]:
    """``"行政处罚; 听证；听证 "`` → ``["行政处罚", "听证"]`` (order kept, repeats dropped)."""
    seen: list[str] = []
    for tag in _TAG_SEPARATORS.split(text or ""):
        tag = tag.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class QuestionForm(AppForm):
    """A question's content. ``option_A`` … ``option_H`` are added below the class."""

    qtype = SelectField(_l("Type"), choices=[SelectChoice(code, _l(t.label)) for code, t in REGISTRY.items()],
                        validators=[DataRequired()])
    # Every limit (lengths, the mark's highest value) is the domain's, from field_limits, applied
    # by QuestionDraft.problems as for every importer: what an import accepts, the editor saves.
    stem = TextAreaField(_l("Stem"))
    key = StringField(_l("Key"),
                      description=_l("Choice: the letters of the correct options, e.g. B or ACD. "
                                     "True/false: 对 or 错."))
    reference_answer = TextAreaField(_l("Reference answer"),
                                     description=_l("What a full answer contains; markers compare against it."))
    rubric = TextAreaField(_l("Rubric"), description=_l("How markers award the points, e.g. 3 points for naming the "
                                                        "facts, reasons and basis. Never shown to candidates."))
    explanation = TextAreaField(_l("Explanation"))
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=3,
                             choices=[SelectChoice(n, label) for n, label in DIFFICULTY_LABELS.items()])
    tags = StringField(_l("Knowledge points"), description=_l("Separated by ;"))
    legal_basis = StringField(_l("Legal basis"),
                              description=_l("For example 《中华人民共和国行政处罚法》第三十六条"))
    category = StringField(_l("Category"), description=_l("A path such as 宪法/国家机构"))
    # places=None: the field shows the value it holds, which fill_from writes as the `points`
    # filter does (2, 2.5); with places=2 a stored 100.00 showed as "100.00" beside "分".
    score = PointsField(_l("Default mark (points)"), places=None, validators=[Optional()])
    #: The version and change time the editor started from (edit only), so that a second editor's
    #: change is never silently overwritten.
    based_on = HiddenField()

    #: Problems about the options as a whole (and their pins), shown above option A, and about the
    #: blanks as a whole, shown above blank 1 (filled by ``show_problems``).
    option_errors: list[str]
    blank_errors: list[str]
    #: Problems that belong to no field, shown at the top of the form.
    form_errors_shown: list[str]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.option_errors = []
        self.blank_errors = []
        self.form_errors_shown = []

    def option_fields(self) -> list:
        return [self[f"option_{letter}"] for letter in LETTERS]

    def pin_fields(self) -> list:
        return [self[f"pin_{letter}"] for letter in LETTERS]

    def blank_fields(self) -> list:
        return [self[f"blank_{n}"] for n in range(1, MAX_BLANKS + 1)]

    def pinned(self) -> list[int]:
        """Indexes of the options ticked as pinned."""
        return [index for index, field in enumerate(self.pin_fields()) if field.data]

    def blank_answers(self) -> tuple[list[list[str]], list[Problem]]:
        """The blanks' accepted answers, one per non-empty line of each blank's field (as typed:
        marking ignores the space around them), trailing empty blanks dropped; a blank left empty
        before a filled one is a problem."""
        lines = [[line.rstrip("\r") for line in (f.data or "").split("\n") if line.strip()]
                 for f in self.blank_fields()]
        while lines and not lines[-1]:
            lines.pop()
        gaps = [n for n, answers in enumerate(lines, start=1) if not answers]
        if gaps:
            return lines, [Problem(N_("blank %(n)d is empty but a later blank is filled in"), {"n": gaps[0]},
                                   "blanks")]
        # A line is one answer, read as the template reads one (\/ keeps a /); a separator left
        # bare there (二/2) is refused: two answers or one holding "/" is the author's to say.
        blanks: list[list[str]] = []
        found: list[Problem] = []
        for number, answers in enumerate(lines, start=1):
            blanks.append([])
            for line in answers:
                answer, separators = read_answer(line)
                blanks[-1].append(answer)
                if separators:
                    found.append(Problem(N_("blank %(n)d: the answer %(answer)s holds %(sep)s, which the import "
                                            "template reads as a separator (/ between answers, | between blanks); "
                                            "write each accepted answer on its own line, or write \\%(sep)s to "
                                            "keep %(sep)s in the answer"),
                                         {"n": number, "answer": line.strip()[:40], "sep": separators[0]}, "blanks"))
        return blanks, found

    def _filled(self, field_name: str) -> bool:
        if field_name == "blanks":
            return any((f.data or "").strip() for f in self.blank_fields())
        return bool((self[field_name].data or "").strip())

    def options(self) -> list[str]:
        """Option texts from A on, trailing empty ones dropped; a gap stays as "" for the rules to see."""
        texts = [(f.data or "").strip() for f in self.option_fields()]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    def to_draft(self) -> tuple[QuestionDraft, list[Problem]]:
        """The draft the form describes and every problem with it (empty when it may be saved).

        Problems come from the characters no question text may hold, judged on the texts as typed
        (``question_control_chars.typed_control_problems``, the imports' own rule), from reading
        the key (the type's ``parse_key``) and from the domain's :meth:`QuestionDraft.problems`;
        a field refused for a character gets no other problem, which its text would only echo.

        A choice question's options lose their own labels ("A. 警告") as an import's do
        (``option_cells.row_labels``): taken off with a note in ``draft.notes`` when every option
        carries its label in order, refused on the option when only some do or they are out of order.
        """
        options = self.options()
        qtype = REGISTRY.get(self.qtype.data or "")
        refused = typed_control_problems(self._typed_texts())
        problems: list[Problem] = []
        labelled, found = False, []
        if qtype is not None and qtype.has_options and options:
            options, found, labelled = row_labels(options)
        key = None
        if qtype is not None:
            key, problems = self._key(qtype, options)
        problems = [Problem(p.message, p.params, name) for name, p in found] + problems
        draft = QuestionDraft(
            qtype=self.qtype.data or "", stem=(self.stem.data or "").strip(), options=options, key=key,
            category_path=self.category.data or "", explanation=(self.explanation.data or "").strip(),
            difficulty=self.difficulty.data or 3, tags=split_tags(self.tags.data or ""),
            legal_basis=(self.legal_basis.data or "").strip(), default_score=self.score.data,
            pinned_options=self.pinned(), rubric=(self.rubric.data or "").strip(),
        )
        if labelled:
            draft.notes.append(labels_note("options", [str(f.label.text) for f, text in zip(self.option_fields(), options)
                                                       if text]))
        for problem in draft.problems():
            # A key that could not be read is also "missing" to the draft; its reason is already shown.
            if key is None and qtype is not None and problem.place == "key":
                continue
            problems.append(problem)
        home = _KEY_FIELD[qtype.answer_form] if qtype is not None else "key"
        fields = {str(p.place) for p in refused}
        if any(name.startswith("blank_") for name in fields):
            fields.add("blanks")
        if fields & {"option_" + letter for letter in LETTERS}:
            fields.add("options")
        return draft, refused + [p for p in problems if _form_field(p.place, home) not in fields]

    def _typed_texts(self) -> dict[str, object]:
        """Every text field as typed (a blank's accepted answers as its lines), for
        ``typed_control_problems``."""
        names = ("stem", *(f"option_{letter}" for letter in LETTERS), "key", "reference_answer", "rubric",
                 "explanation", "tags", "legal_basis", "category")
        texts: dict[str, object] = {name: self[name].data or "" for name in names}
        texts |= {f.name: (f.data or "").split("\n") for f in self.blank_fields()}
        return texts

    def _key(self, qtype, options: list[str]) -> tuple[object, list[Problem]]:
        """The key from the field the type reads it from, and the problems of reading it, with a
        problem for each key field of another type that holds something."""
        home = _KEY_FIELD[qtype.answer_form]
        problems = [Problem(message, place="key_field" if name == "key" else name)
                    for name, message in _OTHER_TYPE_MESSAGE.items() if name != home and self._filled(name)]
        if home == "blanks":
            key, found = self.blank_answers()
            return (None if found else key), problems + found
        try:
            return qtype.parse_key(self[home].data or "", options), problems
        except ValueError as exc:
            return None, problems + [problem_of(exc, home)]

    def show_problems(self, problems: list[Problem]) -> None:
        """Put each problem next to its field, translated. The key's problems go where the chosen
        type takes its key: the key field, the blanks, or the reference answer."""
        home = _KEY_FIELD.get(REGISTRY[self.qtype.data].answer_form, "key") if self.qtype.data in REGISTRY else "key"
        for problem in problems:
            text = translate(problem.message, problem.params)
            place = home if problem.place == "key" else problem.place
            if place in ("options", "pinned"):
                self.option_errors.append(text)
            elif place == "blanks":
                self.blank_errors.append(text)
            elif place in _FIELD_FOR_PLACE:
                self[_FIELD_FOR_PLACE[place]].errors.append(text)
            else:
                self.form_errors_shown.append(text)

    def fill_from(self, question: Question) -> None:
        """Fill the fields with the question's current version, as the editor will change it.
        Options that saving would read otherwise (one begins with a label, such as "A.甲" stored
        from an import) are shown each after its own label, "（A）A.甲", which saving takes off
        again (``option_cells.written_options``), so that saving unchanged changes nothing."""
        version = question.current_version
        assert version is not None
        self.qtype.data = version.qtype
        self.stem.data = version.stem
        for field, text in zip(self.option_fields(), written_options(version.options) + [""] * len(LETTERS)):
            field.data = text
        for index, field in enumerate(self.pin_fields()):
            field.data = index in (version.pinned_options or [])
        form = REGISTRY[version.qtype].answer_form if version.qtype in REGISTRY else "options"
        if form == "blanks":
            for field, answers in zip(self.blank_fields(), version.key):
                field.data = "\n".join(written_answer(answer) for answer in answers)
        elif form == "text":
            self.reference_answer.data = version.key
        else:
            self.key.data = REGISTRY[version.qtype].format_key(version.key) if version.qtype in REGISTRY else ""
        self.rubric.data = version.rubric
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
    setattr(QuestionForm, f"pin_{_letter}",
            BooleanField(_l("Keep option %(letter)s in place when options are shuffled", letter=_letter)))
for _number in range(1, MAX_BLANKS + 1):
    setattr(QuestionForm, f"blank_{_number}",
            TextAreaField(_l("Blank %(n)d", n=_number), description=_l("Accepted answers, one per line")))


def edit_stamp(question: Question) -> str:
    """What an edit form was based on: current version number and last change time."""
    version_no = question.current_version.version_no if question.current_version else 0
    return f"{version_no}:{question.updated_at.isoformat()}"


class ReturnForm(AppForm):
    """A reviewer sends a question back to its author, saying why."""

    note = TextAreaField(_l("Why it goes back"), validators=[DataRequired(), Length(max=2000)])


class ReasonForm(AppForm):
    """A reviewer retires a question or restores a retired one, saying why (``review.retire_question``,
    ``review.restore_question``); ``confirm`` is set when the reviewer accepted the sittings a
    retirement leaves unfillable."""

    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=REASON_LIMIT)])
