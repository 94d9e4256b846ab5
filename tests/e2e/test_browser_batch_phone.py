"""The import batch pages on a 375 px phone (issue-5 trial F8): the batch list and a batch's review
tables (repeats, changed answers, pinned options, rows left out, citations not found, with the
reviewer's "leave out" boxes) become stacked cards below 720 px, so neither the page nor any table
scrolls sideways, however long the file name, stems or problems are; from 720 px they are tables."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Role
from question_bank.services import importing
from tests.factories import questions_xlsx

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
LONG = "依据https://www.npc.gov.cn/npc/c2/c30834/202301/t20230101_" + "4" * 60 + "第" + ",".join(
    str(n) for n in range(1, 60)) + "条"
#: Every table the batch pages may show, with the caption a reviewer reads it by.
TABLES = ("import-changed-answers", "import-duplicates", "pinned-proposals", "import-errors", "unresolved-citations")

#: What overflows: the page's width past the viewport, and each table box that scrolls sideways.
MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  boxes: [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth)
           .map(w => (w.querySelector('table') || w).className),
  rows: [...document.querySelectorAll('.table-wrap.stack tbody tr')].map(r => getComputedStyle(r).display),
})"""


def long_batch(db, clock, make):
    """A batch uploaded by an editor, whose page shows every kind of table with long unbroken text."""
    bank = make.question(stem="已在题库中的题目（　）", options=["甲", "乙", "丙", "丁"], key=["B"])
    uploader = make.user(Role.BANK_EDITOR, username="uploader", display_name="上传人" + "很长的名字" * 12)
    rows = [
        ("单选", f"{LONG}（　）", LONG, "乙" + LONG, "丙", "以上都是", "B", LONG, "", "", "《不存在的法律》第9999条", "行政处罚法", ""),
        ("单选", bank.current_version.stem, "甲", "乙", "丙", "丁", "B", "", "", "", "", "行政处罚法", ""),  # a repeat
        ("单选", bank.current_version.stem, "甲", "乙", "丙", "丁", "C", "", "", "", "", "行政处罚法", ""),  # another key
        ("单选", f"{LONG}错误答案（　）", "甲", "乙", "丙", "丁", "Z" + LONG, "", "", "", "", "行政处罚法", ""),  # left out
    ]
    report = importing.import_questions(db, clock, uploader, f"题库{'2026' * 30}.xlsx", questions_xlsx(rows),
                                        importing.VALID_ONLY, importing.KEEP_REPEATS)
    db.commit()
    assert report.batch is not None
    return report.batch


def measure(page: Page, path: str, base: str) -> dict:
    page.goto(base + path)
    expect(page.locator("main h1")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_load_state("load", timeout=WAIT_MS)  # measured with the style sheets in
    return page.evaluate(MEASURE)


def test_batch_list_and_review_tables_are_cards_on_a_phone(phone: Page, sign_in, live_server, make, db, clock):
    batch = long_batch(db, clock, make)
    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    db.commit()
    sign_in(phone, reviewer.username)

    listing = measure(phone, "/bank/batches", live_server)
    assert listing["page"] <= 375 and listing["boxes"] == [], listing
    assert listing["rows"] and set(listing["rows"]) == {"block"}

    review_page = measure(phone, f"/bank/batches/{batch.id}", live_server)
    for table in TABLES:
        expect(phone.locator(f"table.{table}")).to_have_count(1)
    assert review_page["page"] <= 375 and review_page["boxes"] == [], review_page
    assert set(review_page["rows"]) == {"block"}
    if os.environ.get("EXAMSVC_SCREENSHOTS"):
        phone.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "batch-review-phone.png"), full_page=True)
    # Each cell says what it is, and the reviewer can still tick "leave out" on a card.
    card = phone.locator("table.import-duplicates tbody tr").first
    labels = card.evaluate("""r => [...r.cells].filter(td => td.offsetParent)
        .map(td => [td.dataset.label || '', getComputedStyle(td, '::before').content])""")
    assert len(labels) >= 5 and all(label and shown == f'"{label}"' for label, shown in labels), labels
    card.locator("input[name=leave_out]").check()
    expect(card.locator("input[name=leave_out]")).to_be_checked()


def test_from_720_px_the_batch_tables_are_tables_again(phone: Page, sign_in, live_server, make, db, clock):
    batch = long_batch(db, clock, make)
    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    db.commit()
    phone.set_viewport_size({"width": 1024, "height": 768})
    sign_in(phone, reviewer.username)
    for path in ("/bank/batches", f"/bank/batches/{batch.id}"):
        measured = measure(phone, path, live_server)
        assert set(measured["rows"]) == {"table-row"}, path
