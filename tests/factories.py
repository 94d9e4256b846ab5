"""Factories for test data. Each call creates, commits and returns one thing; arguments not given
get sensible defaults, so a test names only what it is about."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from question_bank.clock import FixedClock
from question_bank.models import (
    BlueprintSection,
    ExamKind,
    MultiChoiceRule,
    OrgUnit,
    Paper,
    Question,
    QuestionStatus,
    QuestionVersion,
    ResultPolicy,
    Role,
    RosterEntry,
    Sitting,
    UnitLevel,
    User,
)
from question_bank.drafts import QuestionDraft
from question_bank.formats.law_files import LawFile
from question_bank.services import authoring, law_catalogue, people
from question_bank.services.law_catalogue import LoadedVersion
from tests.shared_data import LAW_TEXTS
from tests.webclient import PASSWORD

_counter = itertools.count(1)


class Factory:
    def __init__(self, db: Session, clock: FixedClock) -> None:
        self.db = db
        self.clock = clock
        self._root: OrgUnit | None = None
        self._system: User | None = None

    # --- organisation and people -------------------------------------------------------------
    def unit(self, name: str | None = None, parent: OrgUnit | None = None, level: UnitLevel = UnitLevel.DEPARTMENT) -> OrgUnit:
        unit = people.create_unit(self.db, self.clock, name or f"单位{next(_counter)}", level, parent or self.root())
        self.db.commit()
        return unit

    def root(self) -> OrgUnit:
        if self._root is None:
            self._root = people.create_unit(self.db, self.clock, "某省", UnitLevel.PROVINCE)
            self.db.commit()
        return self._root

    def user(self, *roles: Role, username: str | None = None, unit: OrgUnit | None = None,
             display_name: str | None = None, **profile: Any) -> User:
        n = next(_counter)
        user = people.create_user(
            self.db, self.clock, None, username=username or f"user{n}", display_name=display_name or f"用户{n}",
            password=PASSWORD, unit=unit or self.root(), roles=roles or (Role.CADRE,), **profile,
        )
        self.db.commit()
        return user

    def cadre(self, **kwargs: Any) -> User:
        return self.user(Role.CADRE, **kwargs)

    def system_user(self) -> User:
        """An editor who authors factory-made questions."""
        if self._system is None:
            self._system = self.user(Role.BANK_EDITOR, username=f"author{next(_counter)}")
        return self._system

    # --- bank --------------------------------------------------------------------------------
    def question(self, qtype: str = "single_choice", *, status: QuestionStatus = QuestionStatus.PUBLISHED,
                 author: User | None = None, **content: Any) -> Question:
        """A question of ``qtype`` (content as :meth:`draft` takes it); the default stem has one
        blank, so a fill-in question's default key is one blank's answer."""
        return self.questions(1, qtype, status=status, author=author, **content)[0]

    def questions(self, count: int, qtype: str = "single_choice", *, status: QuestionStatus = QuestionStatus.PUBLISHED,
                  author: User | None = None, **content: Any) -> list[Question]:
        """``count`` questions made as :meth:`question` makes one, in one call of the authoring
        service (as an import adds its rows: one duplicate check, one commit)."""
        drafts = [self.draft(qtype, **content) for _ in range(count)]
        created = authoring.create_questions(self.db, self.clock, author or self.system_user(), drafts, status=status)
        self.db.commit()
        return [made.question for made in created]

    @staticmethod
    def draft(qtype: str = "single_choice", *, category: str = "行政处罚法", key: Any = None,
              options: list[str] | None = None, stem: str | None = None, difficulty: int = 3,
              explanation: str = "依据法条作答。", default_score: Any = None, pinned_options: list[int] = (),
              rubric: str = "", legal_basis: str = "《中华人民共和国行政处罚法》第九条") -> QuestionDraft:
        """A draft of ``qtype`` with a stem and options numbered apart from every other draft's."""
        n = next(_counter)
        if options is None:
            options = [f"选项{c}{n}" for c in "ABCD"] if qtype.endswith("_choice") else []
        if key is None:
            key = {"single_choice": ["B"], "multiple_choice": ["A", "C"], "indefinite_choice": ["A"],
                   "true_false": True, "fill_blank": [["行政复议"]], "short_answer": "行政机关应当依法行使职权。"}[qtype]
        return QuestionDraft(qtype=qtype, stem=stem or f"第{n}题题干（　）", options=options, key=key,
                             category_path=category, explanation=explanation, difficulty=difficulty,
                             legal_basis=legal_basis,
                             default_score=None if default_score is None else Decimal(str(default_score)),
                             pinned_options=list(pinned_options), rubric=rubric)

    # --- law catalogue ------------------------------------------------------------------------
    def laws(self, *names: str) -> list[LoadedVersion]:
        """Load law texts of the shared dataset by their paths below laws-lawrefbook (a folder name
        such as "民法典" loads all its files), as the command line does."""
        files = []
        for name in names:
            path = LAW_TEXTS / name
            paths = sorted(path.glob("*.md")) if path.is_dir() else [path]
            files += [LawFile(p.relative_to(LAW_TEXTS).as_posix(), p.read_bytes()) for p in paths]
        loaded = law_catalogue.load_texts(self.db, self.clock, None, files)
        self.db.commit()
        return loaded

    def revision(self, question: Question, *, editor: User | None = None, **changes: Any) -> QuestionVersion:
        """Edit ``question`` as an editor would (by default a new editor, so that any reviewer may
        approve it): its current content with ``changes`` (QuestionDraft field names). A published
        question goes to review and papers keep drawing its published version."""
        current = question.current_version
        values: dict[str, Any] = {
            "qtype": current.qtype, "stem": current.stem, "options": list(current.options), "key": current.key,
            "category_path": question.category.path, "explanation": current.explanation,
            "difficulty": current.difficulty, "tags": list(current.tags), "legal_basis": current.legal_basis,
            "default_score": current.default_score, "pinned_options": list(current.pinned_options),
            "rubric": current.rubric,
        }
        values.update(changes)
        version = authoring.update_question(self.db, self.clock, editor or self.user(Role.BANK_EDITOR), question,
                                            QuestionDraft(**values))
        self.db.commit()
        return version

    # --- papers and sittings -----------------------------------------------------------------
    def paper(self, sections: list[tuple[str, int, Any, str]] | None = None, *,
              rule: MultiChoiceRule = MultiChoiceRule.ALL_OR_NOTHING, title: str = "测试试卷") -> Paper:
        """``sections``: (qtype, count, mark, category path); default 2 single choice at 50 points."""
        sections = sections or [("single_choice", 2, 50, "行政处罚法")]
        admin = self.user(Role.EXAM_ADMIN)
        now = self.clock.now()
        paper = Paper(title=title, multi_rule=rule, org_unit=self.root(), created_by_id=admin.id,
                      created_at=now, updated_at=now)
        for position, (qtype, count, mark, category) in enumerate(sections, start=1):
            paper.sections.append(BlueprintSection(
                position=position, qtype=qtype, count=count, mark=Decimal(str(mark)),
                category=authoring.ensure_category(self.db, category),
            ))
        self.db.add(paper)
        self.db.commit()
        return paper

    def sitting(self, paper: Paper | None = None, *, roster: list[User] = (), opens_at: dt.datetime | None = None,
                closes_at: dt.datetime | None = None, minutes: int = 30, pass_mark: Any = 60,
                results_policy: ResultPolicy = ResultPolicy.IMMEDIATELY, show_answers: bool = False,
                shuffle: bool = True, attempts_allowed: int = 1, title: str | None = None,
                kind: ExamKind = ExamKind.PRE_APPOINTMENT, **settings: Any) -> Sitting:
        """A sitting of ``paper`` with ``roster``; ``settings`` are further Sitting columns
        (``late_start_cutoff_s``, ``rules_text``, ``pledge_text``…)."""
        paper = paper or self.paper()
        now = self.clock.now()
        sitting = Sitting(
            title=title or f"任前法律知识考试{next(_counter)}", kind=kind, paper=paper, org_unit=self.root(),
            opens_at=opens_at or now - dt.timedelta(hours=1), closes_at=closes_at or now + dt.timedelta(days=1),
            time_limit_s=minutes * 60, pass_mark=Decimal(str(pass_mark)), excellent_mark=Decimal(90),
            attempts_allowed=attempts_allowed, shuffle_questions=shuffle, shuffle_options=shuffle,
            results_policy=results_policy, show_answers=show_answers, created_by_id=paper.created_by_id,
            created_at=now, **settings,
        )
        for user in roster:
            sitting.roster.append(RosterEntry(user_id=user.id, current_post=user.current_post,
                                              proposed_post=user.proposed_post, added_at=now))
        self.db.add(sitting)
        self.db.commit()
        return sitting


#: Header row of the roster workbook (domain.md §5).
ROSTER_HEADER = ("姓名", "身份证号", "单位", "现任职务", "拟任职务", "手机")


def workbook_bytes(sheet: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    """One sheet named ``sheet``: ``header`` in row 1, then ``rows``, as .xlsx bytes. Values go in
    as given (a str stays text, an int becomes a number cell as careless Excel users make it)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster_xlsx(rows: list[tuple[Any, ...]], header: tuple[str, ...] = ROSTER_HEADER) -> bytes:
    """A roster workbook (.xlsx bytes) with ``header`` and ``rows``."""
    return workbook_bytes("名单", header, rows)


#: Header row of a question-import workbook with four options (domain.md §3; the layout of jecqa-kd.xlsx).
QUESTION_HEADER = ("题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点", "法律依据",
                   "分类", "分值")


def book_bytes(book: Workbook) -> bytes:
    """An openpyxl workbook saved as .xlsx bytes."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def questions_book(rows: list[list], title: str = "题库", header: tuple[str, ...] = QUESTION_HEADER) -> Workbook:
    """A question-import workbook to change cell by cell (formats, states, extra sheets): ``header``
    in row 1 of the sheet ``title``, then ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    return book


def questions_xlsx(rows: list[tuple[Any, ...]], header: tuple[str, ...] = QUESTION_HEADER, sheet: str = "题库") -> bytes:
    """A question-import workbook (.xlsx bytes): ``header`` in row 1, then ``rows`` from row 2."""
    return workbook_bytes(sheet, header, rows)
