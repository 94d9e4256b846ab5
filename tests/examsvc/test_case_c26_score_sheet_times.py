"""Case C-26 end to end: the xlsx and CSV downloads carry start time, finish time (Beijing, with
the date), duration in minutes and how each attempt ended, identical whatever the server's time
zone, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from question_bank.models import Role, UnitLevel
from question_bank.reports.score_sheet import COL_DURATION, COL_ENDED, COL_FINISHED, COL_NAME, COL_STARTED, HEADERS
from tests.conftest import at
from tests.scenarios import save, start_through_web, submit
from tests.timezones import SERVER_ZONES, server_time_zone

COLUMNS = (COL_STARTED, COL_FINISHED, COL_DURATION, COL_ENDED)


@pytest.fixture
def sitting(make):
    """A 30-minute sitting 09:00–12:00 Beijing time; three cadres of city A and its HR officer."""
    make.questions(2, "single_choice", key=["B"])
    city = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("法制科", parent=city)
    cadres = [make.cadre(username=name, display_name=name, unit=dept) for name in ("auto", "early", "absent")]
    make.user(Role.HR, username="hr_a", unit=city)
    return make.sitting(roster=cadres, shuffle=False, minutes=30, opens_at=at("09:00:00"), closes_at=at("12:00:00"))


@pytest.mark.parametrize("zone", SERVER_ZONES)
def test_c26_start_finish_duration_and_ending_are_the_same_in_every_server_time_zone(client, client_factory, clock, app, db, sitting, zone):
    with server_time_zone(zone):
        clock.set(at("09:00:00"))
        client.login("auto")
        auto_id = start_through_web(client, sitting)
        save(client, auto_id, 1, ["B"], 1)
        early = client_factory()
        early.login("early")
        clock.set(at("09:10:05"))
        early_id = start_through_web(early, sitting)
        clock.set(at("09:35:35"))
        submit(early, early_id)
        clock.set(at("12:00:00"))
        db.commit()
        assert "closed 1" in app.test_cli_runner().invoke(args=["sweep-overdue"]).output

        hr = client_factory()
        hr.login("hr_a")
        text = hr.get(f"/reports/sittings/{sitting.id}/scores.csv").data.decode("utf-8-sig")
        workbook = load_workbook(io.BytesIO(hr.get(f"/reports/sittings/{sitting.id}/scores.xlsx").data))

    rows = {r[HEADERS.index(COL_NAME)]: [r[HEADERS.index(c)] for c in COLUMNS] for r in list(csv.reader(io.StringIO(text)))[1:]}
    assert rows == {
        "auto": ["2026-05-11 09:00:00", "2026-05-11 09:30:00", "30", "到时自动交卷"],
        "early": ["2026-05-11 09:10:05", "2026-05-11 09:35:35", "25.5", "交卷"],
        "absent": ["", "", "", "缺考"],
    }
    sheet = workbook.active
    cells = {row[HEADERS.index(COL_NAME)].value: row for row in sheet.iter_rows(min_row=2)}
    started, finished = (cells["auto"][HEADERS.index(c)] for c in (COL_STARTED, COL_FINISHED))
    assert started.is_date and started.value == dt.datetime(2026, 5, 11, 9, 0, 0)
    assert finished.is_date and finished.value == dt.datetime(2026, 5, 11, 9, 30, 0)
    duration = cells["early"][HEADERS.index(COL_DURATION)]
    assert duration.data_type == "n" and duration.value == 25.5
    assert cells["absent"][HEADERS.index(COL_STARTED)].value is None
