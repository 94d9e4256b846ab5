"""The appraisal summary's rules on records made in memory: no database, no clock (issue 6, "the
house": reports are pure functions of loaded records)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from question_bank import id_vault
from question_bank.models import Attempt, AttemptState, ExamKind, OrgUnit, Sitting, User
from question_bank.reports import appraisal as report
from question_bank.services.practice_figures import PracticeFigures
from question_bank.services.score_check import CheckedScore, ScoreState

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)
UNIT = OrgUnit(id=1, name="法制科", path="/1/")


def sitting(sitting_id: int, day: int, kind: ExamKind = ExamKind.ANNUAL) -> Sitting:
    opens = dt.datetime(2026, 5, day, 1, tzinfo=UTC)
    return Sitting(id=sitting_id, title=f"场次{sitting_id}", kind=kind, opens_at=opens,
                   closes_at=opens + dt.timedelta(hours=3), pass_mark=Decimal(60), excellent_mark=Decimal(90))


def cadre(user_id: int, name: str) -> User:
    user = User(id=user_id, display_name=name, org_unit=UNIT, org_unit_id=1)
    id_vault.store(user, "110101199003074512")
    return user


def closed(attempt_id: int, user_id: int, at: Sitting, score: str | None) -> Attempt:
    return Attempt(id=attempt_id, user_id=user_id, sitting_id=at.id, attempt_no=1, started_at=at.opens_at,
                   finished_at=at.opens_at + dt.timedelta(minutes=30), state=AttemptState.SUBMITTED,
                   score=None if score is None else Decimal(score), max_score=Decimal(100))


def recorded(score: str, passed: bool) -> CheckedScore:
    return CheckedScore(ScoreState.RECORDED, Decimal(score), Decimal(100), "pass" if passed else "fail", passed)


def test_a_failed_first_sitting_then_a_passed_makeup_is_a_pass_with_both_scores():
    first, makeup = sitting(1, 10), sitting(2, 20, ExamKind.MAKEUP)
    wang = cadre(1, "王五")
    a1, a2 = closed(11, 1, first, "40"), closed(12, 1, makeup, "75.5")
    [summary] = report.summarise([wang], [makeup, first], {1: [1], 2: [1]}, {1: {1: [a1]}, 2: {1: [a2]}},
                                 {11: recorded("40", False), 12: recorded("75.5", True)},
                                 {1: report.Study(3, 5)}, {1: PracticeFigures(3, 2, 1)}, NOW)
    row = dict(zip(report.CADRE_HEADERS, report.cadre_row(summary)))
    assert (row["首考最高成绩"], row["补考最高成绩"], row["最高成绩"], row["最近成绩"]) == \
        (Decimal(40), Decimal("75.5"), Decimal("75.5"), Decimal("75.5"))
    assert (row["是否合格"], row["补考场次"], row["已学条目"], row["应学条目"], row["练习正确率（%）"]) == \
        ("合格", 1, 3, 5, Decimal("66.7"))
    assert row["身份证号"] == "110101********4512"


def test_awaiting_marking_absent_and_no_sitting_say_so_without_a_score():
    done, missed = sitting(1, 10), sitting(2, 11)
    pending, absent, idle = cadre(1, "待阅"), cadre(2, "缺考"), cadre(3, "无考试")
    summaries = report.summarise([pending, absent, idle], [done, missed], {1: [1], 2: [2]},
                                 {1: {1: [closed(11, 1, done, None)]}},
                                 {11: CheckedScore(ScoreState.UNMARKED)}, {}, {}, NOW)
    rows = [dict(zip(report.CADRE_HEADERS, report.cadre_row(s))) for s in summaries]
    assert [(r["是否合格"], r["最高成绩"], r["待阅卷场次"], r["缺考场次"]) for r in rows] == \
        [("待阅卷", None, 1, 0), ("缺考", None, 0, 1), ("", None, 0, 0)]
    assert [r["已学条目"] for r in rows] == [None, None, None]  # no list reaches them: empty, not 0
    assert [r["各场次情况"] for r in rows] == ["场次1：待阅卷", "场次2：缺考", ""]


def test_a_unit_with_no_one_on_a_roster_has_no_pass_rate_and_the_total_row_comes_last():
    idle = cadre(1, "无考试")
    headers, rows = report.unit_table(report.summarise([idle], [], {}, {}, {}, {}, {}, NOW))
    assert [dict(zip(headers, r))["合格率（%）"] for r in rows] == [None, None]
    assert [r[0] for r in rows] == ["法制科", report.TOTAL_LABEL]
