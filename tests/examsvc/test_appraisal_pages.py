"""The appraisal summary pages and downloads: header block, masked ID numbers, formula injection
neutralised, audited downloads, scope by unit subtree (SEC-A3), refused to everyone but HR."""

from __future__ import annotations

import codecs
import csv
import html
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from question_bank.models import AuditEvent, Role
from question_bank.reports.appraisal import CADRE_HEADERS
from question_bank.reports.score_share import RULE
from tests.conftest import at
from tests.scenarios import TWO_LAWS_PAPER, handed_in, two_laws_and_two_cities

@pytest.fixture
def scene(db, clock, make):
    city_a, city_b = two_laws_and_two_cities(make)
    zhang = make.cadre(display_name='=HYPERLINK("http://evil.example","张三")', unit=make.unit("法制科", parent=city_a),
                       id_number="110101199003114512")
    li = make.cadre(display_name="李四", unit=make.unit("乙市司法局", parent=city_b))
    sitting = make.sitting(make.paper(TWO_LAWS_PAPER), roster=[zhang, li], shuffle=False, title="任前考试")
    handed_in(db, clock, zhang, sitting, {1: ["B"]}, seed=1)
    db.commit()
    hr = make.user(Role.HR, username="hr_a", display_name="人事甲", unit=city_a)
    return dict(city_a=city_a, city_b=city_b, hr=hr)


def test_the_page_shows_the_viewers_cadres_only(client, scene):
    client.login("hr_a")
    page = client.get("/reports/appraisal/?year=2026").get_data(as_text=True)
    assert "HYPERLINK" in page and "110101********4512" in page
    assert "李四" not in page and "110101199003114512" not in page
    assert client.get(f"/reports/appraisal/?year=2026&unit={scene['city_b'].id}").status_code == 404
    assert client.get(f"/reports/appraisal/cadre.csv?year=2026&unit={scene['city_b'].id}").status_code == 404


def test_the_csv_has_a_header_block_then_the_table_neutralised_and_masked(client, db, scene):
    client.login("hr_a")
    response = client.get("/reports/appraisal/cadre.csv?year=2026")
    assert response.status_code == 200 and response.data.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert lines[0] == ["考核汇总（按人员）"]
    assert lines[1] == ["考核期间", "2026-01-01 至 2026-12-31"] and lines[2] == ["单位范围", "甲市（含下级单位）"]
    assert lines[4] == ["计分口径", RULE]
    assert lines[5] == ["生成时间", "2026-05-11 10:00:00（北京时间）"] and lines[6] == ["生成人", "人事甲（hr_a）"]
    header_at = lines.index(list(CADRE_HEADERS))
    rows = lines[header_at + 1:]
    assert len(rows) == 1
    row = dict(zip(CADRE_HEADERS, rows[0]))
    assert row["姓名"] == '\'=HYPERLINK("http://evil.example","张三")'
    assert (row["身份证号"], row["最高成绩"], row["是否合格"]) == ("110101********4512", "60/100（60%）", "合格")
    assert (row["最高得分率（%）"], row["平均得分率（%）"]) == ("60", "60")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.appraisal")).one()
    assert (event.actor_id, event.object_id) == (scene["hr"].id, str(scene["city_a"].id))
    assert event.after | {} == {"per": "cadre", "format": "csv", "rows": 1, "scope_unit": scene["city_a"].id,
                                "first_day": "2026-01-01", "last_day": "2026-12-31",
                                "kinds": ["pre_appointment", "annual"]}


def test_the_xlsx_has_the_header_block_and_typed_cells(client, scene):
    client.login("hr_a")
    response = client.get("/reports/appraisal/unit.xlsx?year=2026")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"] and response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "考核汇总（按单位）" and sheet.cell(1, 1).font.bold
    header_at = next(i for i, row in enumerate(values) if row[0] == "单位")
    assert sheet.freeze_panes == f"A{header_at + 2}"
    office = values[header_at + 1]
    assert office[:5] == ["法制科", 1, 1, 1, 1] and office[5] == 100 and sheet.cell(header_at + 2, 6).data_type == "n"
    assert values[-1][0] == "合计"


def test_a_filter_that_cannot_be_read_is_refused_naming_the_field(client, scene):
    client.login("hr_a")
    response = client.get("/reports/appraisal/?year=20x6&first_day=2026-13-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "20x6" in page and "2026-13-01" in page
    # Issue 6: fields are named by their labels, and a unit that is not a number is refused,
    # never replaced by the officer's own unit.
    assert "<strong>first_day</strong>" not in page and "<strong>起始日</strong>" in page
    assert client.get("/reports/appraisal/?year=²⁰²⁶").status_code == 422  # digits int() cannot read
    refused = client.get("/reports/appraisal/?year=2026&unit=abc")
    assert refused.status_code == 422 and "abc" in refused.get_data(as_text=True)
    assert client.get("/reports/appraisal/?year=2026&unit=²").status_code == 422  # a digit int() cannot read
    assert 'id="appraisal-cadre"' not in refused.get_data(as_text=True)


@pytest.mark.parametrize("username_role", [Role.CADRE, Role.EXAM_ADMIN, Role.AUDITOR, Role.BANK_EDITOR])
def test_no_one_but_hr_reaches_the_summary(client, make, scene, username_role):
    make.user(username_role, username="someone", unit=scene["city_a"])
    client.login("someone")
    for url in ("/reports/appraisal/?year=2026", "/reports/appraisal/cadre.csv?year=2026",
                "/reports/appraisal/unit.xlsx?year=2026"):
        assert client.get(url).status_code == 403


def test_the_summary_is_behind_sign_in(client, scene):
    response = client.get("/reports/appraisal/cadre.csv?year=2026")
    assert response.status_code in (302, 401) and b"HYPERLINK" not in response.data


def test_a_sitting_that_opened_before_the_period_is_not_counted(client, scene, clock):
    clock.set(at("10:00:00"))
    client.login("hr_a")
    page = client.get("/reports/appraisal/cadre.csv?first_day=2026-05-12&last_day=2026-06-30")
    rows = list(csv.reader(io.StringIO(page.data.decode("utf-8-sig"), newline="")))
    row = dict(zip(CADRE_HEADERS, rows[rows.index(list(CADRE_HEADERS)) + 1]))
    assert (row["应考场次"], row["最高成绩"], row["平均得分率（%）"]) == ("0", "", "")


def test_the_period_reads_in_the_pages_language(client, scene):
    """Second trial F-10: the English page said "2026-01-01 至 2026-12-31"."""
    client.login("hr_a")
    chinese = client.get("/reports/appraisal/?year=2026").get_data(as_text=True)
    assert "2026-01-01 至 2026-12-31" in chinese
    client.form_post("/lang/en", {"next": "/"})
    english = client.get("/reports/appraisal/?year=2026").get_data(as_text=True)
    caption = english[english.index('id="appraisal-caption"'):]
    caption = caption[:caption.index("</p>")]
    assert "2026-01-01 to 2026-12-31" in caption and "至" not in caption


def test_the_page_and_the_xlsx_state_how_scores_are_compared(client, scene):
    """Issue-6 outside tester: raw points were compared across papers of different maxima; the rule
    that replaced it is stated above the tables and in each download's header block."""
    client.login("hr_a")
    chinese = client.get("/reports/appraisal/?year=2026").get_data(as_text=True)
    rule = chinese[chinese.index('id="appraisal-rule"'):]
    assert "计分口径" in rule[:rule.index("</p>")] and RULE in rule[:rule.index("</p>")]
    assert "60/100（60%）" in chinese
    client.form_post("/lang/en", {"next": "/"})
    english = html.unescape(client.get("/reports/appraisal/?year=2026").get_data(as_text=True))
    rule = english[english.index('id="appraisal-rule"'):]
    assert "shares of their paper's maximum" in rule[:rule.index("</p>")] and "得分率" not in rule[:rule.index("</p>")]
    assert "Best share of the maximum (per cent)" in english
    sheet = load_workbook(io.BytesIO(client.get("/reports/appraisal/cadre.xlsx?year=2026").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["计分口径", RULE] in [row[:2] for row in values]
    header_at = next(i for i, row in enumerate(values) if row[0] == "单位")
    row = dict(zip(values[header_at], values[header_at + 1]))
    assert (row["最高成绩"], row["最高得分率（%）"], row["平均得分率（%）"]) == ("60/100（60%）", 60, 60)
