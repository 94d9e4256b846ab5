"""The score sheet's rules on records made in memory: no database, no clock (issue 6, "the house").
Case C-26 (times an appraisal needs, whatever the server's time zone) and the score check column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from question_bank import id_vault
from question_bank.formats import tabular
from question_bank.models import (
    Attempt, AttemptReopening, AttemptState, AttemptVoid, BlueprintSection, ExamKind, OrgUnit, Paper, RosterEntry,
    ScoreRecord, Sitting, User,
)
from question_bank.reports import score_sheet as sheet
from question_bank.reports.score_sheet import COL_DURATION, COL_ENDED, COL_FINISHED, COL_STARTED, HEADERS
from question_bank.services.score_check import CheckedScore, ScoreState
from tests.timezones import SERVER_ZONES, server_time_zone

BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing(hms: str) -> dt.datetime:
    h, m, s = map(int, hms.split(":"))
    return dt.datetime(2026, 5, 11, h, m, s, tzinfo=BEIJING).astimezone(dt.timezone.utc)


def make_sitting(**changes) -> Sitting:
    values = dict(id=1, title="任前法律知识考试", kind=ExamKind.PRE_APPOINTMENT, opens_at=beijing("09:00:00"),
                  closes_at=beijing("12:00:00"), pass_mark=Decimal(60), excellent_mark=Decimal(90),
                  paper=Paper(sections=[BlueprintSection(qtype="single_choice", count=100, mark=Decimal(1), fixed=False)]))
    values.update(changes)
    return Sitting(**values)


def candidate(user_id: int, name: str) -> RosterEntry:
    unit = OrgUnit(id=1, name="法制科", path="/1/")
    user = User(id=user_id, display_name=name, org_unit=unit)
    id_vault.store(user, "110101199003074512")
    return RosterEntry(user=user, user_id=user_id, current_post="科长", proposed_post="副局长")


def attempt(attempt_id: int, user_id: int, started: str, finished: str | None, state: AttemptState,
            score: str | None = "59.99", attempt_no: int = 1) -> Attempt:
    return Attempt(id=attempt_id, user_id=user_id, attempt_no=attempt_no, started_at=beijing(started),
                   finished_at=beijing(finished) if finished else None, state=state,
                   score=None if score is None else Decimal(score), max_score=Decimal(100),
                   band="fail" if score else None, passed=False if score else None)


def recorded(score: str = "59.99", band: str = "fail", passed: bool = False) -> CheckedScore:
    return CheckedScore(ScoreState.RECORDED, Decimal(score), Decimal(100), band, passed)


def cell(row, column: str):
    return row[HEADERS.index(column)]


@pytest.mark.parametrize("zone", SERVER_ZONES)
def test_c26_a_30_minute_attempt_closed_at_its_deadline_carries_its_beijing_times_in_every_zone(zone):
    entry = candidate(7, "张三")
    closed = attempt(70, 7, "09:00:00", "09:30:00", AttemptState.AUTO_SUBMITTED)
    with server_time_zone(zone):
        _, rows = sheet.build(make_sitting(), [entry], {7: [closed]}, {70: recorded()}, beijing("17:00:00"))
        csv_rows = list(csv.reader(io.StringIO(tabular.to_csv_bytes(HEADERS, rows).decode("utf-8-sig"))))
        workbook = load_workbook(io.BytesIO(tabular.to_xlsx_bytes(HEADERS, rows)))
    row = rows[0]
    assert (cell(row, COL_STARTED), cell(row, COL_FINISHED)) == (dt.datetime(2026, 5, 11, 9, 0), dt.datetime(2026, 5, 11, 9, 30))
    assert (cell(row, COL_DURATION), cell(row, COL_ENDED)) == (Decimal(30), "到时自动交卷")

    text = dict(zip(csv_rows[0], csv_rows[1]))
    assert (text[COL_STARTED], text[COL_FINISHED], text[COL_DURATION], text[COL_ENDED]) == \
        ("2026-05-11 09:00:00", "2026-05-11 09:30:00", "30", "到时自动交卷")

    sheet_cells = {h.value: c for h, c in zip(workbook.active[1], workbook.active[2])}
    assert sheet_cells[COL_STARTED].is_date and sheet_cells[COL_STARTED].value == dt.datetime(2026, 5, 11, 9, 0)
    assert sheet_cells[COL_FINISHED].is_date and sheet_cells[COL_FINISHED].value == dt.datetime(2026, 5, 11, 9, 30)
    assert sheet_cells[COL_DURATION].data_type == "n" and sheet_cells[COL_DURATION].value == 30


def test_c26_how_each_row_ended_handed_in_closed_at_the_deadline_or_absent():
    handed_in, closed, absent = candidate(1, "甲"), candidate(2, "乙"), candidate(3, "丙")
    attempts = {1: [attempt(10, 1, "09:05:10", "09:31:40", AttemptState.SUBMITTED)],
                2: [attempt(20, 2, "09:00:00", "09:30:00", AttemptState.AUTO_SUBMITTED)]}
    _, rows = sheet.build(make_sitting(), [handed_in, closed, absent], attempts,
                          {10: recorded(), 20: recorded()}, beijing("12:00:00"))
    assert [cell(r, COL_ENDED) for r in rows] == ["交卷", "到时自动交卷", "缺考"]
    assert cell(rows[0], COL_DURATION) == Decimal("26.5")  # 26 min 30 s
    assert [cell(rows[2], c) for c in (COL_STARTED, COL_FINISHED, COL_DURATION)] == [None, None, None]
    assert cell(rows[2], "考试日期") == dt.date(2026, 5, 11) and cell(rows[2], "成绩") is None


def test_while_the_sitting_runs_someone_sitting_has_a_start_and_no_finish():
    running, waiting = candidate(1, "甲"), candidate(2, "乙")
    attempts = {1: [attempt(10, 1, "09:05:00", None, AttemptState.IN_PROGRESS, score=None)]}
    _, rows = sheet.build(make_sitting(), [running, waiting], attempts,
                          {10: CheckedScore(ScoreState.UNMARKED)}, beijing("10:00:00"))
    assert [(cell(r, COL_ENDED), cell(r, COL_STARTED), cell(r, COL_FINISHED)) for r in rows] == [
        ("答题中", dt.datetime(2026, 5, 11, 9, 5), None), ("未开始", None, None)]
    assert [r.check for r in rows] == ["", ""]


def test_c20_a_score_that_agrees_with_the_ledger_is_exported_exactly_and_judged_by_the_ledger():
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")],
                          {1: [attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED)]},
                          {10: recorded("59.99")}, beijing("12:00:00"))
    assert (rows[0].score, rows[0].band, rows[0].passed, rows[0].check) == (Decimal("59.99"), "不合格", "不合格", "一致")


def test_a_score_that_does_not_agree_with_the_ledger_is_left_out_and_the_check_says_what_the_record_holds():
    tampered = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="100")
    result = CheckedScore(ScoreState.MISMATCH, recorded=ScoreRecord(score=Decimal("59.99"), band="fail", passed=False))
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [tampered]}, {10: result}, beijing("12:00:00"))
    row = rows[0]
    assert (row.score, row.band, row.passed) == (None, "", "")
    assert row.check == "第1次作答与成绩档案不符（档案记录：59.99分，不合格），请核查"
    assert sheet.is_withheld(row) and sheet.withheld(rows) == 1
    assert "100" not in tabular.to_csv_bytes(HEADERS, rows).decode("utf-8-sig").splitlines()[1]


def test_a_void_ledger_entry_the_row_disagrees_with_is_said_in_chinese():
    # A voided attempt whose row was then changed: HR's cell said "档案记录：0分，void" (found under mutation).
    tampered = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="100")
    result = CheckedScore(ScoreState.MISMATCH, recorded=ScoreRecord(score=Decimal("0"), band="void", passed=False))
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [tampered]}, {10: result}, beijing("12:00:00"))
    assert rows[0].check == "第1次作答与成绩档案不符（档案记录：0分，作废），请核查"


def test_a_ledger_band_rewritten_to_a_word_the_sheet_does_not_know_is_shown_as_the_record_holds_it():
    # UPDATE score_record SET band = …: the entry's hash no longer holds, and HR reads what it says now.
    tampered = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="100")
    result = CheckedScore(ScoreState.MISMATCH, recorded=ScoreRecord(score=Decimal("100"), band="满分", passed=True))
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [tampered]}, {10: result}, beijing("12:00:00"))
    assert rows[0].check == "第1次作答与成绩档案不符（档案记录：100分，满分），请核查"


def test_any_attempt_of_the_candidate_that_disagrees_withholds_the_row():
    first = attempt(10, 1, "09:00:00", "09:20:00", AttemptState.SUBMITTED, score="80")
    second = attempt(11, 1, "09:30:00", "09:50:00", AttemptState.SUBMITTED, score="40", attempt_no=2)
    results = {10: recorded("80", "pass", True), 11: CheckedScore(ScoreState.UNRECORDED)}
    sitting = make_sitting(attempts_allowed=2)
    _, rows = sheet.build(sitting, [candidate(1, "甲")], {1: [first, second]}, results, beijing("12:00:00"))
    assert (rows[0].score, rows[0].check) == (None, "成绩档案中无此成绩")
    summary = sheet.summarise(sitting, [candidate(1, "甲")], {1: [first, second]}, results, beijing("12:00:00"))
    assert (summary.submitted, summary.passed, summary.unverified) == (1, 0, 1)


def test_an_attempt_awaiting_marking_has_no_score_and_says_so():
    waiting = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score=None)
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [waiting]},
                          {10: CheckedScore(ScoreState.UNMARKED)}, beijing("12:00:00"))
    assert (rows[0].score, rows[0].check, rows[0].ended) == (None, "待阅卷", "交卷")
    assert (rows[0].max_score, rows[0].pass_mark, rows[0].band, rows[0].passed) == (None, None, "", "")
    assert not sheet.is_withheld(rows[0])


def test_a_second_attempt_or_a_makeup_sitting_is_a_makeup():
    assert sheet.attempt_kind(make_sitting(), attempt(10, 1, "09:00:00", None, AttemptState.SUBMITTED)) == "首考"
    assert sheet.attempt_kind(make_sitting(), attempt(11, 1, "09:00:00", None, AttemptState.SUBMITTED, attempt_no=2)) == "补考"
    assert sheet.attempt_kind(make_sitting(kind=ExamKind.MAKEUP), None) == "补考"


def at_day(day: int, hms: str) -> dt.datetime:
    h, m, s = map(int, hms.split(":"))
    return dt.datetime(2026, 5, day, h, m, s, tzinfo=BEIJING).astimezone(dt.timezone.utc)


def reopening(reopened: str, old_finished: str, new_deadline: str, day: int = 11, end_day: int | None = None):
    return AttemptReopening(reopened_at=at_day(day, reopened), old_finished_at=at_day(day, old_finished),
                            old_deadline=at_day(day, old_finished), new_deadline=at_day(end_day or day, new_deadline))


def test_a_voided_row_keeps_its_times_and_says_who_voided_it_when_and_why():
    voided = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.CLOSED_BY_VOID, score="0")
    voided.band = "void"
    voided.void_record = AttemptVoid(voided_at=beijing("10:50:59"), voided_by=User(display_name="王监考"),
                                     reason="替考", closed_state="submitted")
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [voided]},
                          {10: recorded("0", "void", False)}, beijing("12:00:00"))
    row = rows[0]
    assert (row.ended, row.started, row.finished, row.duration_min) == (
        "作废", dt.datetime(2026, 5, 11, 9, 0), dt.datetime(2026, 5, 11, 9, 40), Decimal(40))
    assert row.check == "作废：王监考，2026-05-11 10:50（北京时间），理由：替考"
    assert (row.score, row.band, row.passed) == (None, "", "")
    # Void, not a score disagreeing with the record: no alarm on the page or in the export's audit event.
    assert not sheet.is_withheld(row) and sheet.withheld(rows) == 0


def test_the_posts_come_from_the_profile_when_the_roster_entry_has_none():
    from_profile, neither = candidate(1, "甲"), candidate(2, "乙")
    from_profile.proposed_post, from_profile.user.proposed_post = None, "司法局副局长"
    from_profile.current_post, from_profile.user.current_post = None, "司法局科长"
    neither.proposed_post = neither.user.proposed_post = None
    neither.current_post = neither.user.current_post = None
    _, rows = sheet.build(make_sitting(), [from_profile, neither], {}, {}, beijing("12:00:00"))
    assert [(row.current_post, row.proposed_post) for row in rows] == [("司法局科长", "司法局副局长"), ("", "")]


@pytest.mark.parametrize("zone", SERVER_ZONES)
def test_c26_an_attempt_started_before_8_in_the_beijing_morning_is_dated_by_the_beijing_day_in_every_zone(zone):
    # 07:30 in Beijing is 23:30 of the day before in UTC: the date is the exam's day, not the server's.
    early = attempt(10, 1, "07:30:00", "08:10:00", AttemptState.SUBMITTED)
    with server_time_zone(zone):
        _, rows = sheet.build(make_sitting(opens_at=beijing("07:00:00")), [candidate(1, "甲")], {1: [early]},
                              {10: recorded()}, beijing("12:00:00"))
    assert (rows[0].date, rows[0].started) == (dt.date(2026, 5, 11), dt.datetime(2026, 5, 11, 7, 30))


@pytest.mark.parametrize("time_limit_s, extra_time_s, minutes", [
    (1800, 300, Decimal(35)),  # 30 minutes and 5 extra: the 40 minutes it stayed open count as 35
    (1802, None, Decimal(30)),  # a limit stored with seconds (30 min 2 s) and no extra time: 30.0, not 30.1
    (1802, 0, Decimal(30)),
])
def test_the_duration_is_at_most_the_time_limit_plus_the_candidates_extra_time(time_limit_s, extra_time_s, minutes):
    entry = candidate(1, "甲")
    entry.extra_time_s = extra_time_s
    late = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.AUTO_SUBMITTED)
    _, rows = sheet.build(make_sitting(time_limit_s=time_limit_s), [entry], {1: [late]}, {10: recorded()},
                          beijing("12:00:00"))
    assert cell(rows[0], COL_DURATION) == minutes


@pytest.mark.parametrize("finished, minutes", [
    ("09:30:15", Decimal("30.3")),  # 30.25 minutes: half up, not to the even 30.2
    ("09:00:15", Decimal("0.3")),
    ("09:00:01", Decimal("0.1")),  # one second is a tenth of a minute, never 0
])
def test_the_sheet_rounds_the_minutes_answering_half_up_and_never_to_zero(finished, minutes):
    handed_in = attempt(10, 1, "09:00:00", finished, AttemptState.SUBMITTED)
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [handed_in]}, {10: recorded()},
                          beijing("12:00:00"))
    assert cell(rows[0], COL_DURATION) == minutes


def test_a_reopened_period_ending_the_next_day_gives_the_end_with_its_date():
    late = Attempt(id=10, user_id=1, attempt_no=1, started_at=at_day(11, "23:30:00"), finished_at=at_day(12, "00:03:00"),
                   state=AttemptState.SUBMITTED, score=Decimal(80), max_score=Decimal(100), band="pass", passed=True)
    late.reopenings = [reopening("23:58:00", "23:50:00", "00:10:00", end_day=12)]
    sitting = make_sitting(closes_at=at_day(12, "01:00:00"))
    _, rows = sheet.build(sitting, [candidate(1, "甲")], {1: [late]}, {10: recorded("80", "pass", True)},
                          at_day(12, "02:00:00"))
    assert cell(rows[0], COL_ENDED) == "交卷；曾重新开放 2026-05-11 23:58:00 至 2026-05-12 00:03:00"
    assert cell(rows[0], COL_DURATION) == Decimal(25)  # 20 minutes, then 5 in the re-opening


def test_each_of_three_reopenings_is_said_with_the_end_of_its_own_period():
    thrice = attempt(10, 1, "09:00:00", "09:45:00", AttemptState.SUBMITTED)
    thrice.reopenings = [reopening("09:20:00", "09:10:00", "09:29:00"), reopening("09:30:00", "09:25:00", "09:39:00"),
                         reopening("09:40:00", "09:33:00", "09:50:00")]
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [thrice]}, {10: recorded()}, beijing("12:00:00"))
    assert cell(rows[0], COL_ENDED) == ("交卷；曾重新开放 2026-05-11 09:20:00 至 09:25:00，2026-05-11 09:30:00 至 09:33:00，"
                                        "2026-05-11 09:40:00 至 09:45:00")
    assert cell(rows[0], COL_DURATION) == Decimal(23)  # 10 + 5 + 3 + 5 minutes


def test_a_hand_in_at_the_very_instant_of_the_reopening_used_it():
    at_once = attempt(10, 1, "09:00:00", "09:20:00", AttemptState.SUBMITTED)
    at_once.reopenings = [reopening("09:20:00", "09:10:00", "09:30:00")]
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲")], {1: [at_once]}, {10: recorded()}, beijing("12:00:00"))
    assert cell(rows[0], COL_ENDED) == "交卷；曾重新开放 2026-05-11 09:20:00 至 09:20:00"


def test_the_summary_counts_every_absent_candidate():
    entries = [candidate(1, "甲"), candidate(2, "乙"), candidate(3, "丙")]
    attempts = {1: [attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED)]}
    summary = sheet.summarise(make_sitting(), entries, attempts, {10: recorded()}, beijing("12:00:00"))
    assert (summary.roster, summary.submitted, summary.passed, summary.absent) == (3, 1, 0, 2)


def makeup_sitting(sitting_id: int, title: str, opens: str = "14:00:00", closes: str = "17:00:00") -> Sitting:
    return make_sitting(id=sitting_id, title=title, kind=ExamKind.MAKEUP, opens_at=beijing(opens), closes_at=beijing(closes))


def other_cells(row) -> list:
    return list(row)[len(HEADERS):]


def test_a_makeup_sheet_pairs_each_row_with_the_first_attempt_at_the_original_sitting():
    original, makeup = make_sitting(), makeup_sitting(2, "补考场次一")
    retook, absent = candidate(1, "甲"), candidate(2, "乙")  # 乙 was not on the original roster
    first = attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="50")
    again = attempt(20, 1, "14:00:00", "14:30:00", AttemptState.AUTO_SUBMITTED, score="80")
    results = {10: recorded("50"), 20: recorded("80", "pass", True)}
    headers, rows = sheet.build_makeup(makeup, original, [retook, absent], {1: [again]}, {1: [first]}, results,
                                       beijing("18:00:00"))
    assert headers == sheet.MAKEUP_HEADERS
    assert [(r.sitting, r.attempt_kind, r.ended, r.score, r.passed) for r in rows] == [
        ("补考场次一", "补考", "到时自动交卷", Decimal(80), "合格"), ("补考场次一", "补考", "缺考", None, "")]
    assert other_cells(rows[0]) == ["任前法律知识考试", "交卷", Decimal(50), "不合格"]
    assert other_cells(rows[1]) == ["任前法律知识考试", "缺考", None, ""]


def test_the_original_sheet_shows_the_latest_makeup_that_holds_the_candidate_and_empty_cells_for_the_rest():
    original = make_sitting()
    first_makeup, second_makeup = makeup_sitting(2, "补考一"), makeup_sitting(3, "补考二", "15:00:00", "16:00:00")
    passed, twice, never = candidate(1, "甲"), candidate(2, "乙"), candidate(3, "丙")
    attempts = {1: [attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="90")],
                2: [attempt(20, 2, "09:00:00", "09:30:00", AttemptState.SUBMITTED, score="40")]}
    at_first = {2: [attempt(21, 2, "14:00:00", "14:20:00", AttemptState.SUBMITTED, score="55")]}
    at_second = {2: [attempt(22, 2, "15:00:00", "15:50:00", AttemptState.AUTO_SUBMITTED, score="75", attempt_no=1)]}
    later = [(first_makeup, at_first, {2: twice, 3: never}), (second_makeup, at_second, {2: twice})]
    results = {10: recorded("90", "excellent", True), 20: recorded("40"), 21: recorded("55"),
               22: recorded("75", "pass", True)}
    headers, rows = sheet.build_with_makeups(original, [passed, twice, never], attempts, later, results,
                                             beijing("18:00:00"))
    assert headers == sheet.WITH_MAKEUP_HEADERS
    assert [(r.name, r.sitting, r.ended, r.score, r.passed) for r in rows] == [
        ("甲", "任前法律知识考试", "交卷", Decimal(90), "合格"), ("乙", "任前法律知识考试", "交卷", Decimal(40), "不合格"),
        ("丙", "任前法律知识考试", "缺考", None, "")]
    assert [other_cells(r) for r in rows] == [
        ["", "", None, ""],  # on no make-up's roster
        ["补考二", "到时自动交卷", Decimal(75), "合格"],  # the latest make-up, not the first (55, 不合格)
        ["补考一", "缺考", None, ""],
    ]


def test_a_grade_the_sheet_has_no_word_for_is_shown_as_recorded_never_left_blank():
    # Found under mutation: the 等级 cell fell back to "" for any band but the three it knows.
    finished = [attempt(10 + n, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="75") for n in range(2)]
    _, rows = sheet.build(make_sitting(), [candidate(1, "甲"), candidate(2, "乙")], {1: [finished[0]], 2: [finished[1]]},
                          {10: recorded("75", "distinction", True), 11: recorded("75", "void", False)},
                          beijing("12:00:00"))
    assert [(row.score, row.band, row.passed) for row in rows] == [(Decimal("75"), "distinction", "合格"),
                                                                   (Decimal("75"), "作废", "不合格")]


def test_the_summary_counts_every_pass_and_every_unverified_score():
    people = [candidate(n, name) for n, name in enumerate("甲乙丙丁", start=1)]
    handed_in = {n: [attempt(10 + n, n, "09:00:00", "09:40:00", AttemptState.SUBMITTED, score="80")] for n in range(1, 5)}
    results = {11: recorded("80", "pass", True), 12: recorded("80", "pass", True),
               13: CheckedScore(ScoreState.UNRECORDED), 14: CheckedScore(ScoreState.UNRECORDED)}
    summary = sheet.summarise(make_sitting(), people, handed_in, results, beijing("12:00:00"))
    assert (summary.submitted, summary.passed, summary.unverified, summary.absent) == (4, 2, 2, 0)


def test_times_are_shown_to_the_second_and_a_row_not_voided_has_no_void_note():
    moment = beijing("09:40:05") + dt.timedelta(microseconds=999_999)
    assert sheet.beijing(moment) == dt.datetime(2026, 5, 11, 9, 40, 5)
    assert sheet.void_note(attempt(10, 1, "09:00:00", "09:40:00", AttemptState.SUBMITTED)) == ""
