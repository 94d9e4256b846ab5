"""Issue-10 tester, item 3: control characters that came in with a user agent or a detail (a
terminal escape "\x1b[31m", a bell, NUL, DEL, C1 controls) are shown, not passed on raw, alike in
the auditor's page, the audit CSV and the xlsx; tab and line breaks are kept, and a formula stays
neutralised."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from question_bank.models import Role
from question_bank.services import audit
from question_bank.text import visible_controls

#: A user agent carrying C0 controls, a terminal colour escape, DEL and a C1 CSI.
AGENT = "evil\x01\x1b[31mred\x7f\x9b2J"
AGENT_SHOWN = "evil\u2401\u241b[31mred\u2421\\x9b2J"
#: A detail over two lines holding a bell and a backspace (PostgreSQL text cannot hold NUL).
DETAIL = "第一行\n第二行\x07\x08结束\t完"
DETAIL_SHOWN = "第一行\n第二行\u2407\u2408结束\t完"
#: Every control character but tab, LF and CR.
RAW = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(("text", "shown"), [
    (AGENT, AGENT_SHOWN), (DETAIL, DETAIL_SHOWN), ("\x00\x1f", "\u2400\u241f"), ("a\r\nb", "a\r\nb"),
    ("\x85\x80", "\\x85\\x80"), ("普通文本 Mozilla/5.0", "普通文本 Mozilla/5.0"), ("", ""),
    ("\u200b\u202e", "\u200b\u202e"),  # format characters are no control characters: pages show them as they are
])
def test_tester_3_control_characters_are_shown_as_pictures_or_escapes(text, shown):
    assert visible_controls(text) == shown


@pytest.fixture
def controlled_events(db, clock, make):
    admin = make.user(Role.EXAM_ADMIN, username="alice")
    make.user(Role.AUDITOR, username="auditor1")
    db.info[audit.ORIGIN_KEY] = {"channel": "web", "address": "192.0.2.7", "agent": AGENT}
    audit.record(db, clock, admin, "sitting.create", "sitting", 7, detail=DETAIL, after={"note": "x\x7fy\x9b"})
    audit.record(db, clock, admin, "sitting.update", "sitting", 7, detail="=HYPERLINK(\"http://x\")\x1b")
    audit.record(db, clock, admin, "sitting.delete", "sitting", 7, detail="\x1b=1+1")
    del db.info[audit.ORIGIN_KEY]
    db.commit()


def test_tester_3_the_page_csv_and_xlsx_show_control_characters_alike(client, controlled_events):
    client.login("auditor1")
    page = client.get("/audit/?action=sitting").get_data(as_text=True)
    assert not RAW.search(page)
    assert AGENT_SHOWN in page and "第二行\u2407\u2408结束" in page and "x\u2421y\\x9b" in page
    rows = list(csv.reader(io.StringIO(client.get("/audit/events.csv?action=sitting").data.decode("utf-8-sig"))))
    assert not any(RAW.search(cell) for row in rows for cell in row)
    by_action = {row[3]: row for row in rows[1:]}
    book = openpyxl.load_workbook(io.BytesIO(client.get("/audit/events.xlsx?action=sitting").data))
    sheet = {row[3]: row for row in book.active.iter_rows(min_row=2, values_only=True)}
    for cells in (by_action, sheet):
        assert cells["sitting.create"][9] == f"网页；地址 192.0.2.7；用户代理 {AGENT_SHOWN}"
        assert cells["sitting.create"][8] == DETAIL_SHOWN
        assert '"x\u2421y\\x9b"' in cells["sitting.create"][7]
        assert cells["sitting.delete"][8] == "\u241b=1+1"  # starts with a picture: no formula
    # The formula stays neutralised: a quote before it in the CSV, a quote prefix in the xlsx.
    assert by_action["sitting.update"][8] == "'=HYPERLINK(\"http://x\")\u241b"
    assert sheet["sitting.update"][8] == "=HYPERLINK(\"http://x\")\u241b"
    quoted = [row for row in book.active.iter_rows(min_row=2) if row[3].value == "sitting.update"][0][8]
    assert quoted.quotePrefix and quoted.data_type == "s"
