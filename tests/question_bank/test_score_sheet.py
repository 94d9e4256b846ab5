"""The HR score sheet as HR asks for it: one row per roster entry, in the viewer's scope only, the
counted attempt, masked ID numbers, overdue attempts closed first, downloads audited (domain.md §8,
issue step 6). The sheet's own rules on records made in memory: test_score_sheet_rows.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.clock import BEIJING
from question_bank.errors import NotFound, PermissionDenied
from question_bank.models import AuditEvent, ExamKind, Role, Sitting, UnitLevel, User
from question_bank.reports import score_sheet as sheets
from question_bank.reports.score_sheet import HEADERS
from question_bank.services import attempts, deadlines
from question_bank.services import score_sheets as sheet_service
from question_bank.services.score_sheets import score_sheet, sitting_summaries
from tests.conftest import at

#: The paper used here: slot 1 is worth 86.5 points, slot 2 13.5; the key of every question is B.
PAPER = [("single_choice", 1, "86.5", "行政处罚法"), ("single_choice", 1, "13.5", "行政许可法")]


@dataclass
class World:
    city_a: object
    city_b: object
    legal_office: object
    hr_a: User
    hr_province: User


@pytest.fixture
def world(make) -> World:
    make.questions(2, category="行政处罚法")
    make.questions(2, category="行政许可法")
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    legal_office = make.unit("法制科", parent=city_a)
    return World(city_a, city_b, legal_office, make.user(Role.HR, unit=city_a), make.user(Role.HR))


def take(db, clock, cadre: User, sitting: Sitting, answers: dict[int, str], submit: bool = True):
    """Start (or resume) the cadre's attempt, save ``answers`` (slot → letter), and submit it."""
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    for seq, (slot, letter) in enumerate(sorted(answers.items()), start=1):
        attempts.save_response(db, clock, cadre, attempt.id, slot, [letter], seq)
    if submit:
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


def column(rows, name):
    index = HEADERS.index(name)
    return [row[index] for row in rows]


def test_headers_are_the_designed_columns_in_order():
    assert list(HEADERS) == ["单位", "姓名", "身份证号", "现任职务", "拟任职务", "考试场次", "考试日期",
                             "考试类别", "开始时间", "交卷时间", "用时（分钟）", "结束方式", "成绩", "满分", "合格分", "等次",
                             "是否合格", "成绩核验"]


def test_a_submitted_candidate_row_has_every_column(db, clock, make, world):
    zhang = make.cadre(display_name="张三", unit=world.legal_office, id_number="110101199003114512",
                       current_post="法制科科长", proposed_post="司法局副局长")
    sitting = make.sitting(make.paper(PAPER), roster=[zhang], shuffle=False, title="2026年第一期任前考试")
    take(db, clock, zhang, sitting, {1: "B", 2: "A"})

    headers, rows = score_sheet(db, clock, sitting, world.hr_a)
    assert headers == HEADERS
    started = dt.datetime(2026, 5, 11, 10, 0, 0)  # Beijing time, as the clock stood
    assert list(rows[0]) == ["法制科", "张三", "110101********4512", "法制科科长", "司法局副局长", "2026年第一期任前考试",
                             dt.date(2026, 5, 11), "首考", started, started, Decimal(0), "交卷", Decimal("86.5"), Decimal(100), Decimal(60),
                             "合格", "合格", "一致"]
    score = rows[0][HEADERS.index("成绩")]
    assert isinstance(score, Decimal) and str(score) == "86.5"


def test_two_units_of_one_name_are_told_apart_by_their_path_below_the_viewers_unit(db, clock, make, world):
    # Outside trial: two cadres named 王芳 in two offices named 办公室 differed only in their ID digits.
    office_a, office_b = make.unit("办公室", parent=world.city_a), make.unit("办公室", parent=world.city_b)
    wang_a, wang_b = make.cadre(display_name="王芳", unit=office_a), make.cadre(display_name="王芳", unit=office_b)
    in_city = make.cadre(display_name="李四", unit=world.city_a)
    sitting = make.sitting(make.paper(PAPER), roster=[wang_a, wang_b, in_city], shuffle=False)

    _, rows = score_sheet(db, clock, sitting, world.hr_province)
    assert sorted(column(rows, "单位")) == ["乙市 / 办公室", "甲市", "甲市 / 办公室"]
    _, rows = score_sheet(db, clock, sitting, world.hr_a)  # within 甲市 its own name says enough
    assert sorted(column(rows, "单位")) == ["办公室", "甲市"]


def test_one_row_per_roster_entry_with_not_started_and_in_progress_marked(db, clock, make, world):
    done, absent, busy = (make.cadre(unit=world.legal_office) for _ in range(3))
    sitting = make.sitting(make.paper(PAPER), roster=[done, absent, busy], shuffle=False)
    first = take(db, clock, done, sitting, {1: "B", 2: "B"})
    assert not attempts.submit_attempt(db, clock, done, first.id).closed_now  # a second click changes nothing
    take(db, clock, busy, sitting, {1: "B"}, submit=False)

    _, rows = score_sheet(db, clock, sitting, world.hr_a)
    assert len(rows) == 3
    by_name = {row.name: row for row in rows}
    assert by_name[done.display_name].ended == "交卷"
    assert by_name[done.display_name].score == Decimal(100) and by_name[done.display_name].band == "优秀"
    assert (by_name[absent.display_name].ended, by_name[absent.display_name].score) == ("未开始", None)
    assert by_name[absent.display_name].passed == "" and by_name[absent.display_name].band == ""
    assert by_name[absent.display_name].date == sitting.opens_at.astimezone(BEIJING).date()
    assert (by_name[busy.display_name].ended, by_name[busy.display_name].score) == ("答题中", None)
    assert by_name[busy.display_name].started is not None and by_name[busy.display_name].finished is None


def test_once_the_window_closes_who_never_started_is_absent(db, clock, make, world):
    absent, busy = make.cadre(unit=world.legal_office), make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[absent, busy], shuffle=False)
    take(db, clock, busy, sitting, {1: "B"}, submit=False)
    clock.set(sitting.closes_at)
    deadlines.sweep(db, clock, sitting_ids=[sitting.id])
    by_name = {row.name: row for row in score_sheet(db, clock, sitting, world.hr_a)[1]}
    assert (by_name[absent.display_name].ended, by_name[absent.display_name].score) == ("缺考", None)
    assert by_name[busy.display_name].ended == "到时自动交卷"


def test_a_failed_candidate_is_marked_fail(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[cadre], shuffle=False)
    take(db, clock, cadre, sitting, {1: "A", 2: "B"})
    row = score_sheet(db, clock, sitting, world.hr_a)[1][0]
    assert (row.score, row.band, row.passed) == (Decimal("13.5"), "不合格", "不合格")


def test_reading_a_sheet_changes_nothing_even_with_an_overdue_attempt(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[cadre], shuffle=False, minutes=30)
    attempt = take(db, clock, cadre, sitting, {1: "B"}, submit=False)
    clock.set(at("11:07:00"))
    events = db.scalar(select(func.count(AuditEvent.id)))
    _, rows = score_sheet(db, clock, sitting, world.hr_a)
    sitting_summaries(db, clock, world.hr_a)
    assert not db.new and not db.dirty
    assert db.scalar(select(func.count(AuditEvent.id))) == events
    db.refresh(attempt)
    assert attempt.state == "in_progress" and rows[0].ended == "答题中"


def test_an_abandoned_attempt_is_closed_at_its_deadline_and_listed_once(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[cadre], shuffle=False, minutes=30)
    take(db, clock, cadre, sitting, {1: "B"}, submit=False)
    clock.set(at("11:07:00"))
    # The caller (the view) closes overdue attempts before asking for the sheet.
    deadlines.sweep(db, clock, sitting_ids=sheet_service.related_sitting_ids(db, sitting))
    _, rows = score_sheet(db, clock, sitting, world.hr_a)
    assert len(rows) == 1
    assert (rows[0].ended, rows[0].score) == ("到时自动交卷", Decimal("86.5"))
    assert (rows[0].started, rows[0].finished, rows[0].duration_min) == (
        dt.datetime(2026, 5, 11, 10, 0), dt.datetime(2026, 5, 11, 10, 30), Decimal(30))


def test_the_id_number_is_masked_and_an_empty_one_stays_empty(db, clock, make, world):
    with_id = make.cadre(unit=world.legal_office, id_number="44030519860119002X")
    without = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[with_id, without])
    assert column(score_sheet(db, clock, sitting, world.hr_a)[1], "身份证号") == ["440305********002X", ""]


@pytest.mark.parametrize("raw, masked", [
    ("110101199003074512", "110101********4512"), ("110101900307451", "110101*****7451"),
    ("1234567890", "**********"), ("", ""), (None, ""),
])
def test_mask_keeps_the_first_six_and_last_four_characters(raw, masked):
    assert sheets.mask_id_number(raw) == masked


def test_posts_come_from_the_roster_entry_else_the_profile(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office, current_post="科员", proposed_post="副科长")
    sitting = make.sitting(make.paper(PAPER), roster=[cadre])
    sitting.roster[0].proposed_post = "科长"
    sitting.roster[0].current_post = None
    db.commit()
    row = score_sheet(db, clock, sitting, world.hr_a)[1][0]
    assert (row.current_post, row.proposed_post) == ("科员", "科长")


def test_the_best_submitted_attempt_counts_and_a_second_attempt_is_a_makeup(db, clock, make, world):
    first_better, second_better, tied = (make.cadre(unit=world.legal_office) for _ in range(3))
    sitting = make.sitting(make.paper(PAPER), roster=[first_better, second_better, tied], shuffle=False,
                           attempts_allowed=2)
    take(db, clock, first_better, sitting, {1: "B", 2: "B"})
    take(db, clock, first_better, sitting, {2: "B"})
    take(db, clock, second_better, sitting, {2: "B"})
    take(db, clock, second_better, sitting, {1: "B"})
    take(db, clock, tied, sitting, {1: "B"})
    clock.advance(minutes=1)
    take(db, clock, tied, sitting, {1: "B"})

    by_name = {row.name: row for row in score_sheet(db, clock, sitting, world.hr_a)[1]}
    assert len(by_name) == 3
    assert (by_name[first_better.display_name].score, by_name[first_better.display_name].attempt_kind) == (Decimal(100), "首考")
    assert (by_name[second_better.display_name].score, by_name[second_better.display_name].attempt_kind) == (Decimal("86.5"), "补考")
    assert by_name[tied.display_name].attempt_kind == "首考"  # the earlier of two equal scores


def test_every_row_of_a_makeup_sitting_is_a_makeup(db, clock, make, world):
    took, absent = make.cadre(unit=world.legal_office), make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[took, absent], kind=ExamKind.MAKEUP, shuffle=False)
    take(db, clock, took, sitting, {1: "B"})
    assert column(score_sheet(db, clock, sitting, world.hr_a)[1], "考试类别") == ["补考", "补考"]


def test_the_date_is_the_local_day_the_attempt_started(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    # 23:50 Shanghai on 11 May is 15:50 UTC: the sheet must say the 11th, not the UTC day.
    sitting = make.sitting(make.paper(PAPER), roster=[cadre], shuffle=False,
                           opens_at=at("08:00:00", dt.date(2026, 5, 10)), closes_at=at("23:59:00", dt.date(2026, 5, 12)))
    clock.set(at("23:50:00", dt.date(2026, 5, 11)))
    take(db, clock, cadre, sitting, {1: "B"})
    assert column(score_sheet(db, clock, sitting, world.hr_a)[1], "考试日期") == [dt.date(2026, 5, 11)]


def test_hr_of_city_a_sees_only_city_a_cadres(db, clock, make, world):
    ours = make.cadre(unit=world.legal_office, display_name="甲市干部")
    theirs = make.cadre(unit=make.unit(parent=world.city_b), display_name="乙市干部")
    sitting = make.sitting(make.paper(PAPER), roster=[ours, theirs])

    assert column(score_sheet(db, clock, sitting, world.hr_a)[1], "姓名") == ["甲市干部"]
    assert sorted(column(score_sheet(db, clock, sitting, world.hr_province)[1], "姓名")) == ["乙市干部", "甲市干部"]


def test_a_sitting_with_none_of_the_viewers_cadres_is_not_found(db, clock, make, world):
    theirs = make.cadre(unit=make.unit(parent=world.city_b))
    sitting = make.sitting(make.paper(PAPER), roster=[theirs])
    with pytest.raises(NotFound):
        score_sheet(db, clock, sitting, world.hr_a)
    with pytest.raises(NotFound):
        sheet_service.visible_sitting(db, sitting.id, world.hr_a)


def test_only_hr_may_read_a_score_sheet(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[cadre])
    for viewer in (cadre, make.user(Role.EXAM_ADMIN, unit=world.city_a)):
        with pytest.raises(PermissionDenied):
            score_sheet(db, clock, sitting, viewer)
        with pytest.raises(PermissionDenied):
            sitting_summaries(db, clock, viewer)


def test_summaries_count_the_viewers_candidates_only(db, clock, make, world):
    passed, failed, absent = (make.cadre(unit=world.legal_office) for _ in range(3))
    theirs = make.cadre(unit=make.unit(parent=world.city_b))
    ours = make.sitting(make.paper(PAPER), roster=[passed, failed, absent, theirs], shuffle=False)
    other = make.sitting(make.paper(PAPER), roster=[theirs])
    take(db, clock, passed, ours, {1: "B"})
    take(db, clock, failed, ours, {2: "B"})
    take(db, clock, theirs, ours, {1: "B"})

    summaries = sitting_summaries(db, clock, world.hr_a)
    assert [s.sitting.id for s in summaries] == [ours.id]
    assert (summaries[0].roster, summaries[0].submitted, summaries[0].passed, summaries[0].absent) == (3, 2, 1, 1)
    assert summaries[0].unverified == 0
    assert {s.sitting.id for s in sitting_summaries(db, clock, world.hr_province)} == {ours.id, other.id}


def test_an_export_is_an_audit_event(db, clock, make, world):
    cadre = make.cadre(unit=world.legal_office)
    sitting = make.sitting(make.paper(PAPER), roster=[cadre])
    sheet_service.record_export(db, clock, world.hr_a, sitting, "csv", score_sheet(db, clock, sitting, world.hr_a)[1])
    db.commit()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.score_sheet")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (world.hr_a.id, "sitting", str(sitting.id))
    assert event.after == {"format": "csv", "rows": 1, "scope_unit": world.hr_a.org_unit_id, "scores_not_matching_ledger": 0}
