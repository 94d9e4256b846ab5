"""HR report pages and downloads: case C-14 (CSV that Excel opens), the export part of C-16 (a
cadre can start no export), scope by unit subtree, formula injection, download headers."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.models import AuditEvent, Role, Sitting, UnitLevel, User
from question_bank.reports.score_sheet import COL_ENDED, COL_NAME, COL_SCORE, COL_UNIT, HEADERS
from question_bank.services import attempts

BOM = codecs.BOM_UTF8
PAPER = [("single_choice", 1, "86.5", "行政处罚法"), ("single_choice", 1, "13.5", "行政许可法")]


@dataclass
class Scene:
    sitting: Sitting
    zhang: User
    hr: User
    other_sitting: Sitting
    outsider: User


@pytest.fixture
def scene(db, clock, make) -> Scene:
    """City A's 法制科 cadre 张三 scores 86.5; city B's cadre is on the same sitting, and alone on
    another; the HR officer belongs to city A."""
    make.questions(2, category="行政处罚法")
    make.questions(2, category="行政许可法")
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    zhang = make.cadre(username="zhangsan", display_name="张三", unit=make.unit("法制科", parent=city_a),
                       id_number="110101199003114512")
    outsider = make.cadre(username="lisi", display_name="李四", unit=make.unit("乙市司法局", parent=city_b))
    sitting = make.sitting(make.paper(PAPER), roster=[zhang, outsider], shuffle=False, title="任前法律知识考试")
    other = make.sitting(make.paper(PAPER), roster=[outsider], title="乙市专场")
    attempt = attempts.start_attempt(db, clock, zhang, sitting, seed=1)
    attempts.save_response(db, clock, zhang, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, zhang, attempt.id)
    db.commit()
    return Scene(sitting, zhang, make.user(Role.HR, username="hr_a", unit=city_a), other, outsider)


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def export_events(db) -> int:
    return db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.score_sheet"))


def test_c14_csv_score_sheet_opens_correctly_in_excel(client, scene):
    client.login("hr_a")
    url = f"/reports/sittings/{scene.sitting.id}/scores.csv"

    streamed = client.get(url, buffered=False)
    chunks = [bytes(chunk) for chunk in streamed.iter_encoded()]
    streamed.close()
    assert len(chunks) > 1 and chunks[0].startswith(BOM)
    assert sum(chunk.count(BOM) for chunk in chunks) == 1

    response = client.get(url)
    assert response.status_code == 200
    body = response.data
    assert body[:3] == b"\xef\xbb\xbf" and body.count(BOM) == 1
    assert body == b"".join(chunks)
    assert "charset=utf-8" in response.headers["Content-Type"].lower()
    assert response.headers["Content-Type"].startswith("text/csv")

    header, *rows = read_csv(body)
    assert header == list(HEADERS)
    assert len(rows) == 1
    row = rows[0]
    assert (row[HEADERS.index(COL_NAME)], row[HEADERS.index(COL_UNIT)], row[HEADERS.index(COL_SCORE)]) == \
        ("张三", "法制科", "86.5")
    assert row.index("法制科") < row.index("张三") < row.index("86.5")  # the designed order: 单位, 姓名 … 成绩

    xlsx = client.get(f"/reports/sittings/{scene.sitting.id}/scores.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = {cell.value: cell for line in sheet.iter_rows() for cell in line}
    assert "张三" in cells and cells["张三"].data_type == "s" and not cells["张三"].quotePrefix
    assert [c.value for c in sheet[1]] == list(HEADERS)
    score = sheet.cell(row=2, column=HEADERS.index(COL_SCORE) + 1)
    assert score.value == 86.5 and score.data_type == "n"


def test_downloads_are_attachments_named_after_the_sitting_and_never_cached(client, scene):
    client.login("hr_a")
    for ext in ("csv", "xlsx"):
        response = client.get(f"/reports/sittings/{scene.sitting.id}/scores.{ext}")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"; filename=score-sheet-{scene.sitting.id}.{ext};" in disposition  # the ASCII name of old clients
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"任前法律知识考试-成绩汇总表.{ext}"
        assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_sec_i3_a_hostile_sitting_title_cannot_break_the_download_header(client, db, scene):
    scene.sitting.title = '考试"; filename=evil.exe\r\nX-Injected: 1/../..\\' + "长" * 150
    db.commit()
    client.login("hr_a")
    response = client.get(f"/reports/sittings/{scene.sitting.id}/scores.csv")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "X-Injected" not in response.headers
    assert "\r" not in disposition and "\n" not in disposition
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert not set(name) & set("\"'/\\\r\n")
    assert name.startswith("考试_;_filename=evil.exe_X-Injected_1_.._.._长") and len(name) <= 100


def test_each_export_is_an_audit_event(client, db, scene):
    client.login("hr_a")
    client.get(f"/reports/sittings/{scene.sitting.id}/scores.csv")
    client.get(f"/reports/sittings/{scene.sitting.id}/scores.xlsx")
    client.get(f"/reports/sittings/{scene.sitting.id}")  # a preview is not an export
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.score_sheet").order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.object_id, e.after["format"]) for e in events] == \
        [(scene.hr.id, str(scene.sitting.id), "csv"), (scene.hr.id, str(scene.sitting.id), "xlsx")]


def test_sec_i2_formula_injection_is_neutralised_in_both_downloads(client, db, scene):
    scene.zhang.display_name = '=HYPERLINK("http://evil.example","点我")'
    db.commit()
    client.login("hr_a")
    rows = read_csv(client.get(f"/reports/sittings/{scene.sitting.id}/scores.csv").data)
    assert rows[1][HEADERS.index(COL_NAME)] == '\'=HYPERLINK("http://evil.example","点我")'
    assert rows[1][HEADERS.index(COL_SCORE)] == "86.5"

    sheet = load_workbook(io.BytesIO(client.get(f"/reports/sittings/{scene.sitting.id}/scores.xlsx").data)).active
    name = sheet.cell(row=2, column=HEADERS.index(COL_NAME) + 1)
    # The name as the cadre wrote it (no apostrophe shown in Excel or WPS), a string cell marked quotePrefix.
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("http://evil.example","点我")', "s", True)
    assert sheet.cell(row=2, column=HEADERS.index(COL_SCORE) + 1).data_type == "n"


def test_hr_of_city_a_sees_city_a_cadres_only(client, scene):
    client.login("hr_a")
    listing = client.get("/reports/sittings").get_data(as_text=True)
    assert "任前法律知识考试" in listing and "乙市专场" not in listing

    page = client.get(f"/reports/sittings/{scene.sitting.id}").get_data(as_text=True)
    assert "张三" in page and "李四" not in page
    assert "110101********4512" in page and "110101199003114512" not in page
    rows = read_csv(client.get(f"/reports/sittings/{scene.sitting.id}/scores.csv").data)
    assert [r[HEADERS.index(COL_NAME)] for r in rows[1:]] == ["张三"]


def test_a_sitting_with_none_of_the_officers_cadres_is_404(client, db, scene):
    client.login("hr_a")
    before = export_events(db)
    for suffix in ("", "/scores.csv", "/scores.xlsx"):
        response = client.get(f"/reports/sittings/{scene.other_sitting.id}{suffix}")
        assert response.status_code == 404
        assert "李四" not in response.get_data(as_text=True)
        assert "Content-Disposition" not in response.headers
    assert client.get("/reports/sittings/999999").status_code == 404
    assert export_events(db) == before


def test_an_absent_candidate_is_listed_as_absent(client, clock, make, scene):
    late = make.cadre(display_name="王五", unit=scene.zhang.org_unit)
    sitting = make.sitting(make.paper(PAPER), roster=[scene.zhang, late], title="第二期")
    clock.set(sitting.closes_at)
    client.login("hr_a")
    rows = read_csv(client.get(f"/reports/sittings/{sitting.id}/scores.csv").data)
    assert len(rows) == 3
    statuses = {r[HEADERS.index(COL_NAME)]: r[HEADERS.index(COL_ENDED)] for r in rows[1:]}
    assert statuses == {"张三": "缺考", "王五": "缺考"}
    page = client.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert page.count("缺考") >= 2


REPORT_URLS = ["/reports/sittings", "/reports/sittings/{id}", "/reports/sittings/{id}/scores.csv",
               "/reports/sittings/{id}/scores.xlsx"]


@pytest.mark.parametrize("path", REPORT_URLS)
def test_c16_a_cadre_gets_403_and_no_file_on_every_reports_url(client, db, scene, path):
    client.login("zhangsan")
    before = export_events(db)
    response = client.get(path.format(id=scene.sitting.id))
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers
    assert not response.data.startswith(BOM) and not response.data.startswith(b"PK")
    assert "86.5" not in response.get_data(as_text=True)
    assert export_events(db) == before


@pytest.mark.parametrize("path", REPORT_URLS)
def test_anonymous_requests_are_sent_to_sign_in(client, scene, path):
    response = client.get(path.format(id=scene.sitting.id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "Content-Disposition" not in response.headers


def test_the_list_counts_roster_submitted_passed_and_absent(client, make, scene):
    make.sitting(make.paper(PAPER), roster=[scene.zhang], title="第二期")
    client.login("hr_a")
    page = client.get("/reports/sittings").get_data(as_text=True)
    first = page[page.index(f'data-sitting="{scene.sitting.id}"'):]
    first = first[:first.index("</tr>")]
    assert [cell for cell in _cells(first)][3:7] == ["1", "1", "1", "0"]


def _cells(row_html: str) -> list[str]:
    parts = row_html.split("<td>")[1:]
    return [p.split("</td>")[0].strip() for p in parts]
