"""The issue-9 trial's unused re-opening as HR and the candidate see it: handed in at 10:00:07,
re-opened at 10:20:00 until 10:20:02, the candidate never came back. The sheet (page, CSV, xlsx),
the printed report and the result page keep the hand-in at 10:00:07 as 交卷, and say the attempt
was re-opened, when, and that it was not answered then; the report's duration is 7 s, not 0 min."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from question_bank.models import Role, UnitLevel
from question_bank.reports.score_sheet import COL_DURATION, COL_ENDED, COL_FINISHED, COL_NAME, HEADERS
from tests.conftest import at
from tests.scenarios import save, start_through_web, submit

NOTE = "交卷；曾重新开放 2026-05-11 10:20:00 至 10:20:02（重新开放后未作答）"


@pytest.fixture
def reopened(app, client, client_factory, make, clock, db):
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.questions(2, "single_choice", key=["C"])
    cadre = make.cadre(username="quick", display_name="快手", unit=make.unit("法制科", parent=city))
    sitting = make.sitting(roster=[cadre], shuffle=False, minutes=30)
    make.user(Role.HR, username="hr_a", unit=city)
    admin = make.user(Role.EXAM_ADMIN)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    save(client, attempt_id, 1, ["C"], 1)
    clock.set(at("10:00:07"))
    assert submit(client, attempt_id).get_json()["state"] == "submitted"
    proctor = client_factory()
    proctor.login(admin.username)
    clock.set(at("10:20:00"))
    given = proctor.form_post(f"/exams/attempts/{attempt_id}/reopen", {"reason": "设备故障", "deadline": "2026-05-11T10:20:02"})
    assert given.status_code == 302
    clock.set(at("10:30:00"))
    db.commit()
    assert "closed 1" in app.test_cli_runner().invoke(args=["sweep-overdue"]).output
    hr = client_factory()
    hr.login("hr_a")
    return dict(client=client, hr=hr, attempt_id=attempt_id, sitting=sitting)


def test_the_sheet_keeps_the_hand_in_and_says_the_attempt_was_reopened_and_not_used(reopened):
    hr, sitting = reopened["hr"], reopened["sitting"]
    text = hr.get(f"/reports/sittings/{sitting.id}/scores.csv").data.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[HEADERS.index(COL_NAME)] == "快手"
    assert row[HEADERS.index(COL_FINISHED)] == "2026-05-11 10:00:07"
    assert row[HEADERS.index(COL_ENDED)] == NOTE
    assert row[HEADERS.index(COL_DURATION)] == "0.1"

    sheet = load_workbook(io.BytesIO(hr.get(f"/reports/sittings/{sitting.id}/scores.xlsx").data)).active
    cells = next(sheet.iter_rows(min_row=2, values_only=True))
    assert cells[HEADERS.index(COL_ENDED)] == NOTE

    page = hr.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert 'class="badge ok">' + NOTE in page


def test_the_printed_report_lists_the_reopened_period_and_a_duration_in_seconds(reopened):
    report = reopened["hr"].get(f"/reports/attempts/{reopened['attempt_id']}").get_data(as_text=True)
    assert "2026-05-11 10:00:07" in report
    reopened_cell = report.split('id="report-reopened">')[1].split("</dd>")[0]
    assert "2026-05-11 10:20:00" in reopened_cell and "2026-05-11 10:20:02" in reopened_cell
    duration = report.split('id="report-duration">')[1].split("</dd>")[0]
    assert "7" in duration and "0 " not in duration and duration != "0"


def test_the_result_page_says_handed_in_at_the_candidates_own_time(reopened):
    result = reopened["client"].get(f"/me/attempts/{reopened['attempt_id']}/result").get_data(as_text=True)
    assert 'id="finished-at">2026-05-11 10:00:07<' in result
    assert "到时自动交卷" not in result
