"""Load the demo: run once on an empty database by ``flask --app wsgi load-demo``.

The bank goes in the way an editor's file would: imported as a batch by the demo editor and
approved by the demo reviewer (four eyes), so the demo exercises the real import and review path.
Before it, the demo law administrator loads the law texts of ``../shared/datasets/laws-lawrefbook``
(or ``$EXAMSVC_SHARED_DIR/datasets/laws-lawrefbook``), so that the bank's legal bases resolve; when
that folder is missing the demo says so and goes on without laws.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsvc.formatting import points
from examsvc.demo.marking_demo import essay_sitting
from question_bank.clock import BEIJING, Clock
from question_bank.models import (
    BlueprintSection,
    ExamKind,
    MultiChoiceRule,
    OrgUnit,
    Paper,
    Question,
    ResultPolicy,
    Role,
    RosterEntry,
    Sitting,
    UnitLevel,
    User,
)
from question_bank.services import authoring, importing, law_catalogue, people, review, study_list_files, study_lists
from question_bank.services.assembly import check_paper

DEMO_BANK = Path(__file__).with_name("demo_bank.csv")
#: The shared datasets beside the checkout, unless EXAMSVC_SHARED_DIR names them.
SHARED_DIR = Path(os.environ.get("EXAMSVC_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
LAW_TEXTS = SHARED_DIR / "datasets" / "laws-lawrefbook"
#: Every demo account signs in with this password (printed by load-demo).
DEMO_PASSWORD = "demo-pass-2026"
#: Category the demo bank's laws sit under.
DEMO_CATEGORY = "领导干部学法"
#: The sub-categories the demo paper draws from. 行政处罚法 is left out: practice holds back every
#: question an open sitting could draw, so the demo's month-long sitting would otherwise leave the
#: demo cadres nothing to practise (its questions, and the study list's, stay free for practice).
DEMO_PAPER_LAWS = ("宪法", "民法典", "行政许可法")
#: (type, count, points each) of the demo paper: 100 points. The bank's short answers are left out
#: of it (every cadre's total would wait for a marker); they make the marking demo's sitting.
DEMO_SECTIONS = [
    ("single_choice", "一、单项选择题", 15, 2),
    ("multiple_choice", "二、多项选择题", 10, 3),
    ("indefinite_choice", "三、不定项选择题", 5, 2),
    ("true_false", "四、判断题", 10, 2),
    ("fill_blank", "五、填空题", 5, 2),
]
STAFF = [
    ("sysadmin", "系统管理员", (Role.SYSADMIN,)),
    ("editor", "题库编辑", (Role.BANK_EDITOR,)),
    ("reviewer", "题库审核员", (Role.BANK_REVIEWER,)),
    ("examadmin", "考务管理员", (Role.EXAM_ADMIN,)),
    ("hr", "组织人事干部", (Role.HR,)),
    ("lawadmin", "法规管理员", (Role.LAW_ADMIN,)),
    ("studyadmin", "学法管理员", (Role.STUDY_ADMIN,)),
    ("marker", "阅卷组长", (Role.MARKER, Role.SENIOR_MARKER)),
    ("auditor", "审计员", (Role.AUDITOR,)),
]
#: (unit key, current post, proposed post, rank) of the five demo cadres.
CADRES = [
    ("justice_a", "科长", "副局长", "正科"),
    ("justice_a", "副科长", "科长", "副科"),
    ("justice_a", "主任科员", "副科长", "一级主任科员"),
    ("land_b", "科长", "副局长", "乡科级正职"),
    ("land_b", "副主任", "主任", "副科级"),
]
#: The sample study list the demo publishes (``datasets/study-lists``).
STUDY_LIST = SHARED_DIR / "datasets" / "study-lists" / "general-2026.xlsx"


@dataclass
class DemoSummary:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (username, name, role label)
    sitting: Sitting | None = None
    questions: int = 0
    already_loaded: bool = False
    #: What loading the law texts printed, or why they were not loaded.
    laws: list[str] = field(default_factory=list)
    #: The demo study list published, or why there is none.
    study_list: str | None = None

    def __str__(self) -> str:
        lines = ["Demo data " + ("was already loaded." if self.already_loaded else "loaded."),
                 f"Every demo account's password: {DEMO_PASSWORD}", "",
                 f"{'username':<12} {'name':<10} role"]
        lines += [f"{u:<12} {n:<10} {r}" for u, n, r in self.accounts]
        if self.sitting is not None:
            s = self.sitting
            opens, closes = (t.astimezone(BEIJING) for t in (s.opens_at, s.closes_at))
            lines += ["", f"Open sitting: {s.title} (id {s.id})",
                      f"  window {opens:%Y-%m-%d %H:%M} – {closes:%Y-%m-%d %H:%M} Beijing time, "
                      f"{s.time_limit_s // 60} minutes, pass mark {points(s.pass_mark)}, roster of {len(s.roster)}"]
        lines += ["", f"Questions in the bank: {self.questions}"]
        if self.laws:
            lines += ["", "Law catalogue:"] + [f"  {line}" for line in self.laws]
        if self.study_list:
            lines += ["", f"Study list: {self.study_list}"]
        return "\n".join(lines)


def load(session: Session, clock: Clock) -> DemoSummary:
    """Load the demo unless it is there already; returns what to print either way."""
    if session.scalar(select(User).where(User.username == "sysadmin")) is not None:
        return _summary(session, already_loaded=True)
    faker = Faker("zh_CN")
    Faker.seed(2026)
    units = _organisation(session, clock)
    staff = {}
    for username, name, roles in STAFF:
        staff[username] = people.create_user(session, clock, None, username=username, display_name=name,
                                             password=DEMO_PASSWORD, unit=units["province"], roles=roles)
    cadres = []
    for number, (unit_key, post, proposed, rank) in enumerate(CADRES, start=1):
        cadres.append(people.create_user(
            session, clock, None, username=f"cadre{number}", display_name=faker.name(), password=DEMO_PASSWORD,
            unit=units[unit_key], roles=(Role.CADRE,), id_number=faker.ssn(), current_post=post,
            proposed_post=proposed, phone=faker.phone_number(), rank=rank,
        ))
    laws = _laws(session, clock, staff["lawadmin"])
    _bank(session, clock, staff["editor"], staff["reviewer"])
    _sitting(session, clock, staff["examadmin"], units["province"], cadres)
    study = _study_list(session, clock, staff["studyadmin"]) if laws and "not found" not in laws[0] else None
    session.flush()
    essay_sitting(session, clock, staff["examadmin"], DEMO_CATEGORY, cadres[-1])
    summary = _summary(session, already_loaded=False)
    summary.laws = laws
    summary.study_list = study
    return summary


def _study_list(session: Session, clock: Clock, admin: User) -> str:
    """Import and publish the sample general list for the demo cadres; what to print about it.

    The sample is for 县处级以上 cadres; the demo's cadres are 科级 candidates for promotion, so the
    demo list is aimed at every rank (its note says so) rather than at nobody."""
    if not STUDY_LIST.is_file():
        return f"The sample study list was not found at {STUDY_LIST}; the demo goes on without one."
    found = study_list_files.import_list(session, clock, admin, STUDY_LIST.name, STUDY_LIST.read_bytes())
    values = study_lists.ListValues(title=found.title, year=found.year, field=found.field,
                                    audience_note=found.audience_note + "（演示：面向全部演示干部）",
                                    org_unit_id=found.org_unit_id, levels=[], threshold=found.coverage_threshold)
    study_lists.update_list(session, clock, admin, found, values)
    study_lists.publish(session, clock, admin, found)
    return f"{found.title}: {len(found.items)} items, published for every demo cadre"


def _laws(session: Session, clock: Clock, admin: User, folder: Path | None = None) -> list[str]:
    """Load the shared law texts; what to print about it (the laws, or why there are none)."""
    folder = folder or LAW_TEXTS
    try:
        outcome = law_catalogue.load_folder(session, clock, admin, folder)
    except FileNotFoundError:
        return [f"The law texts were not found at {folder} (set EXAMSVC_SHARED_DIR to the folder holding "
                "datasets/laws-lawrefbook); the demo goes on without laws: load them later with "
                "flask --app wsgi load-laws DIR."]
    if outcome.problems:
        raise RuntimeError("the demo law texts did not load: " + "; ".join(map(str, outcome.problems)))
    return [item.line() for item in outcome.loaded]


def _organisation(session: Session, clock: Clock) -> dict[str, OrgUnit]:
    province = people.create_unit(session, clock, "某省", UnitLevel.PROVINCE)
    city_a = people.create_unit(session, clock, "甲市", UnitLevel.CITY, province)
    city_b = people.create_unit(session, clock, "乙市", UnitLevel.CITY, province)
    return {
        "province": province,
        "justice_a": people.create_unit(session, clock, "甲市司法局", UnitLevel.DEPARTMENT, city_a),
        "market_a": people.create_unit(session, clock, "甲市市场监督管理局", UnitLevel.DEPARTMENT, city_a),
        "land_b": people.create_unit(session, clock, "乙市自然资源和规划局", UnitLevel.DEPARTMENT, city_b),
    }


def _bank(session: Session, clock: Clock, editor: User, reviewer: User) -> None:
    report = importing.import_questions(session, clock, editor, DEMO_BANK.name, DEMO_BANK.read_bytes(),
                                        importing.ALL_OR_NOTHING)
    if report.batch is None:
        raise RuntimeError("the demo bank did not import: " + "; ".join(map(str, report.errors)))
    # A trusted load: the reviewer confirms the whole count, as the page asks of a large batch.
    review.decide_batch(session, clock, reviewer, report.batch, approve=True, note="演示题库",
                        confirmed=review.in_review_count(session, report.batch))


def _sitting(session: Session, clock: Clock, admin: User, unit: OrgUnit, cadres: list[User]) -> None:
    # Whole minutes, as an admin would enter them on the sitting form.
    now = clock.now().replace(second=0, microsecond=0)
    categories = [authoring.ensure_category(session, f"{DEMO_CATEGORY}/{law}") for law in DEMO_PAPER_LAWS]
    paper = Paper(title="领导干部任前法律知识考试（示例试卷）", multi_rule=MultiChoiceRule.ALL_OR_NOTHING,
                  org_unit=unit, created_by_id=admin.id, created_at=now, updated_at=now)
    position = 0
    for qtype, title, count, mark in DEMO_SECTIONS:
        # Each type's questions shared out over the laws as evenly as may be, the first laws first.
        for index, (law, category) in enumerate(zip(DEMO_PAPER_LAWS, categories)):
            share = count // len(categories) + (1 if index < count % len(categories) else 0)
            if share:
                position += 1
                paper.sections.append(BlueprintSection(position=position, title=f"{title}（{law}）", qtype=qtype,
                                                       count=share, mark=Decimal(mark), category=category))
    session.add(paper)
    session.flush()
    check_paper(session, paper)
    sitting = Sitting(
        title=f"{now.year}年领导干部任前法律知识考试（演示场次）", kind=ExamKind.PRE_APPOINTMENT, paper=paper,
        org_unit=unit, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=30),
        time_limit_s=60 * 60, pass_mark=Decimal(60), excellent_mark=Decimal(90), attempts_allowed=1,
        results_policy=ResultPolicy.IMMEDIATELY, show_answers=True, created_by_id=admin.id, created_at=now,
    )
    for cadre in cadres:
        sitting.roster.append(RosterEntry(user_id=cadre.id, current_post=cadre.current_post,
                                          proposed_post=cadre.proposed_post, added_at=now))
    session.add(sitting)


def _summary(session: Session, already_loaded: bool) -> DemoSummary:
    role_names = {Role.SYSADMIN: "sysadmin", Role.BANK_EDITOR: "bank editor", Role.BANK_REVIEWER: "bank reviewer",
                  Role.EXAM_ADMIN: "exam admin", Role.HR: "HR officer", Role.CADRE: "cadre",
                  Role.LAW_ADMIN: "law administrator", Role.STUDY_ADMIN: "study administrator",
                  Role.SENIOR_MARKER: "senior marker", Role.AUDITOR: "auditor"}
    summary = DemoSummary(already_loaded=already_loaded)
    demo_names = [username for username, _, _ in STAFF] + [f"cadre{n}" for n in range(1, len(CADRES) + 1)]
    users = session.scalars(select(User).where(User.username.in_(demo_names)).order_by(User.id)).all()
    for user in users:
        role = next((role_names[r] for r in role_names if r in user.roles), "")
        unit = f" ({user.org_unit.name})" if user.has_role(Role.CADRE) else ""
        summary.accounts.append((user.username, user.display_name, role + unit))
    summary.sitting = session.scalar(select(Sitting).order_by(Sitting.id))
    summary.questions = session.scalar(select(func.count(Question.id))) or 0
    return summary
