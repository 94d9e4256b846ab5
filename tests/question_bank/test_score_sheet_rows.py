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
    Attempt, AttemptState, BlueprintSection, ExamKind, OrgUnit, Paper, RosterEntry, ScoreRecord, Sitting, User,
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
    assert not sheet.is_withheld(rows[0])


def test_a_second_attempt_or_a_makeup_sitting_is_a_makeup():
    assert sheet.attempt_kind(make_sitting(), attempt(10, 1, "09:00:00", None, AttemptState.SUBMITTED)) == "首考"
    assert sheet.attempt_kind(make_sitting(), attempt(11, 1, "09:00:00", None, AttemptState.SUBMITTED, attempt_no=2)) == "补考"
    assert sheet.attempt_kind(make_sitting(kind=ExamKind.MAKEUP), None) == "补考"


@pytest.mark.parametrize("started, finished, minutes", [
    ("09:00:00", "09:30:00", Decimal(30)), ("09:00:00", "09:00:29", Decimal("0.5")),
    ("09:00:00", "09:00:02", Decimal(0)), ("09:00:00", "10:59:57", Decimal("120")),
])
def test_durations_are_minutes_to_one_decimal(started, finished, minutes):
    assert sheet.minutes_between(beijing(started), beijing(finished)) == minutes
