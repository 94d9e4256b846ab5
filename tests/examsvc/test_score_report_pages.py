"""The printable score report (HR) and the public verification page: the sheet links each
submitted row to its report, a code is issued by a POST, anyone can check it without signing in,
a wrong code and too many lookups are refused, and nothing but the masked facts is shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from question_bank.models import ReportCode, Role
from question_bank.services import report_codes
from tests.scenarios import TWO_LAWS_PAPER, handed_in, two_laws_and_two_cities

@pytest.fixture
def scene(db, clock, make):
    city_a, city_b = two_laws_and_two_cities(make)
    cadre = make.cadre(display_name="张三丰", unit=make.unit("法制科", parent=city_a), id_number="110101199003114512")
    absent = make.cadre(display_name="缺考者", unit=city_a)
    sitting = make.sitting(make.paper(TWO_LAWS_PAPER), roster=[cadre, absent], shuffle=False, title="任前考试")
    attempt = handed_in(db, clock, cadre, sitting, {1: ["B"]}, seed=1)
    db.commit()
    make.user(Role.HR, username="hr_a", unit=city_a)
    make.user(Role.HR, username="hr_b", unit=city_b)
    return dict(attempt=attempt, sitting=sitting)


def test_the_sheet_links_a_submitted_row_to_its_printable_report(client, scene):
    client.login("hr_a")
    page = client.get(f"/reports/sittings/{scene['sitting'].id}").get_data(as_text=True)
    assert page.count('class="report-link"') == 1
    assert f"/reports/attempts/{scene['attempt'].id}" in page
    report = client.get(f"/reports/attempts/{scene['attempt'].id}")
    text = report.get_data(as_text=True)
    assert report.status_code == 200 and "张三丰" in text and "110101********4512" in text
    assert "print_report.css" in text and 'id="issue-code"' in text and 'id="report-code"' not in text
    assert 'id="report-attempt-kind">首考<' in text  # issue 6: first attempt or make-up is printed


def test_issuing_a_code_prints_it_and_anyone_can_check_it(client, client_factory, db, scene):
    client.login("hr_a")
    client.form_post(f"/reports/attempts/{scene['attempt'].id}/code")
    stored = db.scalar(select(ReportCode).where(ReportCode.attempt_id == scene["attempt"].id))
    printed = report_codes.printed(stored.code)
    assert printed in client.get(f"/reports/attempts/{scene['attempt'].id}").get_data(as_text=True)

    anyone = client_factory()
    assert anyone.get("/verify/").status_code == 200
    anyone.refresh_csrf("/verify/")
    result = anyone.form_post("/verify/", {"code": printed})
    text = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "张**" in text and "任前考试" in text and "60" in text
    # Issue 6: the band is shown, and the times say they are Beijing time.
    assert 'id="verify-band">合格<' in text and "（北京时间）" in text
    assert "张三丰" not in text and "110101" not in text and "法制科" not in text


def test_a_wrong_code_finds_nothing_and_too_many_lookups_are_refused(client, scene):
    client.refresh_csrf("/verify/")
    for n in range(report_codes.LOOKUP_LIMIT.failures):
        response = client.form_post("/verify/", {"code": f"ABCD-EFGH-JKMN-PQ{n:02d}"})
        assert response.status_code == 404 and 'id="verify-unknown"' in response.get_data(as_text=True)
    refused = client.form_post("/verify/", {"code": "ABCD-EFGH-JKMN-PQRS"})
    assert refused.status_code == 429 and 'id="verify-refused"' in refused.get_data(as_text=True)


def test_hr_of_another_city_cannot_open_or_issue_the_report(client, db, scene):
    client.login("hr_b")
    assert client.get(f"/reports/attempts/{scene['attempt'].id}").status_code == 404
    assert client.form_post(f"/reports/attempts/{scene['attempt'].id}/code").status_code == 404
    assert db.scalar(select(ReportCode)) is None


def test_the_report_pages_are_for_hr_only(client, make, scene):
    make.user(Role.EXAM_ADMIN, username="admin")
    client.login("admin")
    assert client.get(f"/reports/attempts/{scene['attempt'].id}").status_code == 403
    assert client.form_post(f"/reports/attempts/{scene['attempt'].id}/code").status_code == 403


def test_the_print_stylesheet_prints_a4_without_navigation(client):
    css = client.get("/static/css/print_report.css").get_data(as_text=True)
    assert re.search(r"@page\s*{\s*size:\s*A4", css)
    assert re.search(r"@media print\s*{[^}]*\.topbar[^}]*display:\s*none", css)
