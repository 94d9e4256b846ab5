"""Issue-9 trial, defect 1: text typed into a fill-in blank or a short answer is kept on the device
at the keystroke, not after a pause, so text typed just before a reload (or a closed tab, or a
crash) comes back when the exam is opened again, and is then saved. "All answers saved" is said
only once the server acknowledged."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.devices import SAVES
from tests.e2e.starting import page_settled, start_from_list

pytestmark = pytest.mark.browser

WAIT_MS = 45_000
FILL_STEM = "行政处罚的种类包括警告、通报批评、___等。"
ESSAY = "行政机关作出处罚决定前，应当告知当事人拟作出的处罚内容及事实、理由、依据。"



@pytest.fixture
def typed_exam(make, db):
    make.question("fill_blank", stem=FILL_STEM, key=[["罚款"]])
    make.question("short_answer")
    cadre = make.cadre()
    paper = make.paper([("fill_blank", 1, 50, "行政处罚法"), ("short_answer", 1, 50, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, title="填空与简答")
    db.commit()
    return cadre, sitting


def _kept_on_device(page: Page) -> str:
    """Everything the page keeps in the browser's storage for unsent changes."""
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('examsvc-pending-'))"
                         ".map(k => localStorage.getItem(k)).join('')")


def test_text_typed_just_before_a_reload_is_kept_on_the_device_and_saved_after_it(phone: Page, sign_in, typed_exam, db):
    cadre, sitting = typed_exam
    page = phone
    sign_in(page, cadre.username)
    start_from_list(page, sitting.id)
    attempt_id = db.query(Attempt).filter_by(user_id=cadre.id).one().id
    db.rollback()

    # The phone loses its network: nothing typed can reach the server from here on.
    page.route(SAVES, lambda route: route.abort())
    page.locator("#q1 input[data-blank='0']").press_sequentially("罚款")
    page.locator("#q2 textarea").press_sequentially(ESSAY[:20])
    # Kept at the keystroke: no pause had to pass (the last character went in just now).
    kept = _kept_on_device(page)
    assert "罚款" in kept and ESSAY[:20] in kept
    # Not acknowledged, so never "saved".
    expect(page.locator("#save-state")).not_to_have_attribute("data-state", "saved")
    expect(page.locator("#q2 .slot-state")).not_to_have_attribute("data-state", "saved")

    # The candidate reloads at once. (The page also sends what it keeps as it unloads, in a request
    # that outlives it; whether that one got through or not, the kept changes are resent and counted
    # once.)
    page.reload()
    page_settled(page)
    expect(page.locator("#q1 input[data-blank='0']")).to_have_value("罚款", timeout=WAIT_MS)
    expect(page.locator("#q2 textarea")).to_have_value(ESSAY[:20], timeout=WAIT_MS)

    # With the network back, the kept changes are saved, and only then said to be saved.
    page.unroute(SAVES)
    expect(page.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    db.rollback()
    stored = current_responses(db, attempt_id)
    assert stored[1].answer == ["罚款"] and stored[2].answer == ESSAY[:20]
    assert _kept_on_device(page) in ("", "{}")
