"""The appraisal summary (考核汇总) per cadre and per unit: sittings of the period and kind, best and
latest score, pass over first sitting and make-up, absences, study progress, scope by unit subtree
(SEC-A3), masked ID numbers (SEC-P1), and scores that disagree with the ledger left out. Scores
compare as shares of the maximum the score record holds (a regrade that takes a question out of the
total lowers it; a voided attempt never counts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import update

from question_bank.errors import InvalidInput, NotFound, PermissionDenied
from question_bank.models import Attempt, ExamKind, RegradeKind, Role
from question_bank.reports import appraisal as report
from question_bank.reports import score_share
from question_bank.services import appraisal, proctoring, regrade
from tests.conftest import at
from tests.question_bank.appraisal_scene import add_small_paper, build_scene

YEAR = 2026


@pytest.fixture
def scene(db, clock, make):
    return build_scene(db, clock, make)


def cadre_rows(db, clock, viewer, **chosen):
    flt = appraisal.make_filter(db, viewer, **({"year": YEAR} | chosen))
    headers, rows = report.cadre_table(appraisal.summary(db, viewer, flt, clock.now()))
    return {row[1]: dict(zip(headers, row)) for row in rows}


def test_each_cadre_shows_sittings_best_latest_pass_absences_and_makeups(db, clock, scene):
    rows = cadre_rows(db, clock, scene["hr_a"])
    assert set(rows) == {"张三", "王五", "赵六"}
    zhang, wang, zhao = rows["张三"], rows["王五"], rows["赵六"]
    assert zhang["身份证号"] == "110101********4512"
    assert (zhang["应考场次"], zhang["参考场次"], zhang["最高成绩"], zhang["是否合格"], zhang["成绩核验"]) == \
        (1, 1, "100/100（100%）", "合格", "一致")
    # A make-up passed after a failed first sitting: passed; the latest score is the make-up's.
    assert (wang["应考场次"], wang["参考场次"], wang["补考场次"]) == (2, 2, 1)
    assert (wang["首考最高成绩"], wang["补考最高成绩"], wang["最高成绩"]) == \
        ("40/100（40%）", "60/100（60%）", "60/100（60%）")
    assert (wang["最近成绩"], wang["最近考试"], wang["是否合格"]) == ("60/100（60%）", "补考", "合格")
    assert (wang["最高得分率（%）"], wang["平均得分率（%）"]) == (Decimal(60), Decimal(50))
    assert (zhao["缺考场次"], zhao["参考场次"], zhao["最高成绩"], zhao["是否合格"]) == (1, 0, None, "缺考")
    assert wang["各场次情况"] == "任前考试：40/100（40%，不合格）；补考：60/100（60%，合格）"
    assert zhao["各场次情况"] == "任前考试：缺考"


def test_hr_of_city_a_never_sees_city_b_and_cannot_choose_it(db, clock, scene):
    assert "李四" not in cadre_rows(db, clock, scene["hr_a"])
    with pytest.raises(NotFound):
        appraisal.make_filter(db, scene["hr_a"], year=YEAR, unit_id=scene["city_b"].id)
    other = appraisal.make_filter(db, scene["hr_province"], year=YEAR, unit_id=scene["city_b"].id)
    with pytest.raises(NotFound):
        appraisal.summary(db, scene["hr_a"], other, clock.now())
    assert set(cadre_rows(db, clock, scene["hr_province"])) == {"张三", "王五", "赵六", "李四"}
    assert set(cadre_rows(db, clock, scene["hr_province"], unit_id=scene["city_b"].id)) == {"李四"}


def test_only_hr_reads_the_summary(db, clock, make, scene):
    for viewer in (scene["zhang"], make.user(Role.EXAM_ADMIN, unit=scene["city_a"]), make.user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            appraisal.make_filter(db, viewer, year=YEAR)


def test_units_count_cadres_pass_rate_mean_absences_and_makeups(db, clock, scene):
    flt = appraisal.make_filter(db, scene["hr_a"], year=YEAR)
    headers, rows = report.unit_table(appraisal.summary(db, scene["hr_a"], flt, clock.now()))
    by_unit = {row[0]: dict(zip(headers, row)) for row in rows}
    office = by_unit["法制科"]
    assert (office["人数"], office["应考人数"], office["参考人数"], office["合格人数"]) == (3, 3, 2, 2)
    assert (office["合格率（%）"], office["平均得分率（%）"], office["缺考人次"], office["补考人数"]) == \
        (Decimal("66.7"), Decimal(80), 1, 1)
    assert by_unit[report.TOTAL_LABEL]["人数"] == 3 and rows[-1][0] == report.TOTAL_LABEL


def test_the_period_and_kind_choose_the_sittings(db, clock, scene):
    assert cadre_rows(db, clock, scene["hr_a"], year=YEAR + 1)["张三"]["应考场次"] == 0
    day = at("09:00:00").date()
    assert cadre_rows(db, clock, scene["hr_a"], year=None, first_day=day, last_day=day)["王五"]["应考场次"] == 2
    # The make-up goes with the kind of the sitting it makes up for.
    assert cadre_rows(db, clock, scene["hr_a"], kinds=(ExamKind.ANNUAL,))["王五"]["应考场次"] == 0


@pytest.mark.parametrize("chosen, place", [
    ({"year": None}, "year"), ({"year": 1899}, "year"),
    ({"first_day": dt.date(2026, 5, 2), "last_day": dt.date(2026, 5, 1)}, "last_day"),
    ({"first_day": dt.date(2026, 5, 2)}, "last_day"),
    ({"first_day": dt.date(2010, 1, 1), "last_day": dt.date(2026, 1, 1)}, "last_day"),
    ({"year": 2026, "kinds": ()}, "kinds"),
])
def test_a_filter_that_makes_no_sense_is_refused_naming_the_field(db, scene, chosen, place):
    with pytest.raises(InvalidInput) as refused:
        appraisal.make_filter(db, scene["hr_a"], **chosen)
    assert [p.place for p in refused.value.problems] == [place]


def test_a_score_changed_behind_the_ledgers_back_is_not_shown_or_counted(db, clock, scene):
    db.execute(update(Attempt).where(Attempt.user_id == scene["wang"].id, Attempt.sitting_id == scene["first"].id)
               .values(score=Decimal(100), passed=True, band="excellent"))
    db.commit()
    wang = cadre_rows(db, clock, scene["hr_a"])["王五"]
    assert wang["首考最高成绩"] is None and wang["最高成绩"] == "60/100（60%）"
    assert wang["平均得分率（%）"] == Decimal(60)
    assert wang["成绩核验"] == "1场成绩与成绩档案不符，请核查"
    assert wang["各场次情况"] == "任前考试：成绩待核查；补考：60/100（60%，合格）"


def test_the_header_block_says_what_when_and_who(scene):
    flt = report.Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    block = report.header_block("考核汇总（按人员）", flt, "甲市", (ExamKind.PRE_APPOINTMENT,),
                                dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.timezone.utc), scene["hr_a"])
    assert block[0] == ("考核汇总（按人员）",)
    assert ("考核期间", "2026-01-01 至 2026-12-31") in block and ("单位范围", "甲市（含下级单位）") in block
    assert ("计分口径", score_share.RULE) in block and "得分率" in score_share.RULE
    # The rule names each percentage's places as the tables show them (an outside trial read
    # "two places" for every percentage while pass rates have one).
    assert "得分率的百分比四舍五入保留两位小数" in score_share.RULE and "合格率" in score_share.RULE
    assert ("生成时间", "2026-05-11 10:00:00（北京时间）") in block
    assert ("生成人", f"{scene['hr_a'].display_name}（{scene['hr_a'].username}）") in block


def test_a_smaller_paper_with_a_higher_share_is_the_best_and_the_unit_mean_is_of_shares(db, clock, make, scene):
    """王五: 40/100 and 60/100 before, then 45 of a 50-point paper (90 %): 45 points are the best."""
    add_small_paper(db, clock, make, scene)
    rows = cadre_rows(db, clock, scene["hr_a"])
    wang = rows["王五"]
    assert (wang["最高成绩"], wang["最高得分率（%）"], wang["首考最高成绩"], wang["补考最高成绩"]) == \
        ("45/50（90%）", Decimal(90), "45/50（90%）", "60/100（60%）")
    assert (wang["最近成绩"], wang["平均得分率（%）"]) == ("45/50（90%）", Decimal("63.33"))  # (40 + 60 + 90) / 3
    flt = appraisal.make_filter(db, scene["hr_a"], year=YEAR)
    headers, unit_rows = report.unit_table(appraisal.summary(db, scene["hr_a"], flt, clock.now()))
    # 张三 100 % and 王五 90 %: 95, where raw best points (100 and 60) made 80.
    assert dict(zip(headers, unit_rows[0]))["平均得分率（%）"] == Decimal(95)


def test_a_voided_attempt_is_neither_best_latest_nor_in_the_mean(db, clock, make, scene):
    proctor = make.user(Role.EXAM_ADMIN)
    makeup_attempt = db.query(Attempt).filter_by(user_id=scene["wang"].id, sitting_id=scene["makeup"].id).one()
    proctoring.void_attempt(db, clock, proctor, makeup_attempt.id, "替考")
    db.commit()
    wang = cadre_rows(db, clock, scene["hr_a"])["王五"]
    assert (wang["最高成绩"], wang["补考最高成绩"], wang["最近成绩"], wang["最近考试"]) == \
        ("40/100（40%）", None, "40/100（40%）", "任前考试")
    assert (wang["最高得分率（%）"], wang["平均得分率（%）"], wang["是否合格"]) == (Decimal(40), Decimal(40), "不合格")
    assert wang["各场次情况"] == "任前考试：40/100（40%，不合格）；补考：作废"


def test_a_regrade_that_takes_a_question_out_of_the_total_compares_by_the_new_maximum(db, clock, make, scene):
    """The 60-point question voided and removed at the first sitting: 王五's 40 there is 40 of 40
    (100 %), better than 60 of 100 at the make-up, whose paper was not regraded."""
    admin = make.user(Role.EXAM_ADMIN)
    first_attempt = db.query(Attempt).filter_by(user_id=scene["wang"].id, sitting_id=scene["first"].id).one()
    question_id = next(i.question_version.question_id for i in first_attempt.items if i.slot == 1)
    regrade.apply(db, clock, admin, scene["first"].id, question_id, RegradeKind.VOID_REMOVED, "题目有误")
    db.commit()
    rows = cadre_rows(db, clock, scene["hr_a"])
    wang, zhang = rows["王五"], rows["张三"]
    assert (wang["首考最高成绩"], wang["最高成绩"], wang["最近成绩"]) == ("40/40（100%）", "40/40（100%）", "60/100（60%）")
    assert (wang["最高得分率（%）"], wang["平均得分率（%）"]) == (Decimal(100), Decimal(80))
    assert (zhang["最高成绩"], zhang["平均得分率（%）"]) == ("40/40（100%）", Decimal(100))
