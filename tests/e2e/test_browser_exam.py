"""A cadre takes an exam in headless Chromium on a 375 px wide phone screen (issue step 4):
autosave says "saved" only after the server acknowledged, says "not saved, retrying" while the
network fails, a reload keeps questions, option order and answers, and submit names the
unanswered questions before it asks to confirm."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import Attempt
from question_bank.services.marking import current_responses
from tests.e2e.admin_writes import lengthen_deadline
from tests.e2e.conftest import PHONE
from tests.e2e.devices import SAVES, continue_here
from tests.e2e.starting import start_from_list

pytestmark = pytest.mark.browser


def _option_texts(page: Page, slot: int) -> list[str]:
    return page.locator(f"#q{slot} .option span").all_inner_texts()


def _start(page: Page, sitting_id: int) -> None:
    start_from_list(page, sitting_id)


def test_cadre_takes_the_exam_on_a_phone(phone: Page, sign_in, make, db):
    make.questions(3, "single_choice", key=["B"])
    make.questions(2, "multiple_choice", key=["A", "C"])
    cadre = make.cadre()
    paper = make.paper([("single_choice", 3, 20, "行政处罚法"), ("multiple_choice", 2, 20, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], title="手机端测试场次")
    db.commit()

    page = phone
    sign_in(page, cadre.username)
    _start(page, sitting.id)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # An answer is "saved" only once the server has it.
    page.locator("#q1 .option").nth(1).click()
    expect(page.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")
    expect(page.locator("[data-card='1']")).to_have_class("answered")
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    db.rollback()
    assert 1 in current_responses(db, attempt.id)

    # The network drops: the page says so and keeps trying; when it returns, the save goes through.
    page.route(SAVES, lambda route: route.abort())
    page.locator("#q2 .option").nth(0).click()
    expect(page.locator("#save-state")).to_have_attribute("data-state", "retrying")
    expect(page.locator("#q2 .slot-state")).to_have_attribute("data-state", "retrying")
    db.rollback()
    assert 2 not in current_responses(db, attempt.id)
    page.unroute(SAVES)
    expect(page.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved", timeout=20_000)
    db.rollback()
    assert 2 in current_responses(db, attempt.id)

    # A reload shows the same questions, the options in the same order, and the answers.
    stems = page.locator(".question .stem").all_inner_texts()
    options = _option_texts(page, 4)
    page.reload()
    assert page.locator(".question .stem").all_inner_texts() == stems
    assert _option_texts(page, 4) == options
    expect(page.locator("#q1 input").nth(1)).to_be_checked()
    expect(page.locator("#q2 input").nth(0)).to_be_checked()

    # Submit names the unanswered questions and asks first.
    if os.environ.get("EXAMSVC_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["EXAMSVC_SCREENSHOTS"], "exam-phone.png"), full_page=True)
    page.click("#submit-open")
    expect(page.locator("#submit-summary")).to_contain_text("3")
    expect(page.locator("#submit-missing a")).to_have_text(["3", "4", "5"])  # links to each
    page.click("#submit-confirm")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#score")).to_be_visible()
    db.rollback()
    assert db.get(Attempt, attempt.id).state == "submitted"


@pytest.fixture
def two_question_exam(make, db):
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper(), roster=[cadre], shuffle=False)
    db.commit()
    return cadre, sitting


def test_a_stale_tab_never_replaces_an_answer_it_has_not_seen(phone_context, sign_in, two_question_exam, db):
    cadre, sitting = two_question_exam
    tab_a = phone_context.new_page()
    sign_in(tab_a, cadre.username)
    _start(tab_a, sitting.id)
    tab_b = phone_context.new_page()
    tab_b.goto(tab_a.url)
    continue_here(tab_b)
    tab_b.locator("#q2 .option").nth(0).click()
    tab_b.locator("#q2 .option").nth(2).click()
    expect(tab_b.locator("#save-state")).to_have_attribute("data-state", "saved")
    # Tab A, in the same browser, is told at once that the exam continued in tab B (without
    # polling or saving): it is read-only, so it makes no change on a version it has not seen.
    expect(tab_a.locator("#held-elsewhere")).to_be_visible()
    expect(tab_a.locator("#held-elsewhere-text")).to_contain_text("另一台设备")
    expect(tab_a.locator("#q2 input").nth(3)).to_be_disabled()
    # Tab A continues here again: it shows what tab B stored, marked as changed elsewhere, and tab
    # B turns read-only at once.
    tab_a.click("#take-back")
    expect(tab_a.locator("#q2 .slot-state")).to_have_attribute("data-state", "elsewhere")
    expect(tab_a.locator("#q2 input").nth(2)).to_be_checked()
    expect(tab_b.locator("#held-elsewhere")).to_be_visible()
    # Having been shown what is stored, the tab's next change is taken, and tab B learns at its
    # next poll (here: coming back to the foreground) what is stored now.
    tab_a.locator("#q2 .option").nth(3).click()
    expect(tab_a.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved")
    tab_b.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(tab_b.locator("#q2 .slot-state")).to_have_attribute("data-state", "elsewhere")
    expect(tab_b.locator("#q2 input").nth(3)).to_be_checked()
    tab_a.reload()  # the same tab: not asked again
    expect(tab_a.locator("#q2 input").nth(3)).to_be_checked()
    expect(tab_a.locator("#q2 input").nth(3)).to_be_enabled()
    expect(tab_a.locator("#held-elsewhere")).to_be_hidden()
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    db.rollback()
    assert current_responses(db, attempt.id)[2].answer == ["D"]


def test_signed_out_elsewhere_the_page_keeps_the_answer_until_signed_in_again(
        phone_context, sign_in, live_server, two_question_exam, db):
    cadre, sitting = two_question_exam
    exam = phone_context.new_page()
    sign_in(exam, cadre.username)
    _start(exam, sitting.id)
    exam.locator("#q1 .option").nth(0).click()
    expect(exam.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved")
    other = phone_context.new_page()
    other.goto(f"{live_server}/me/")
    other.click("header form[action='/logout'] button")

    exam.locator("#q1 .option").nth(2).click()
    exam.locator("#q2 .option").nth(0).click()
    expect(exam.locator("#exam-alert")).to_be_visible()
    expect(exam.locator("#save-state")).not_to_have_attribute("data-state", "saved")
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    db.rollback()
    assert current_responses(db, attempt.id)[1].answer == ["A"] and 2 not in current_responses(db, attempt.id)

    sign_in(other, cadre.username)
    exam.reload()  # the reload sends what the page kept
    expect(exam.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved")
    expect(exam.locator("#q2 .slot-state")).to_have_attribute("data-state", "saved")
    expect(exam.locator("#q1 input").nth(2)).to_be_checked()
    db.rollback()
    stored = current_responses(db, attempt.id)
    assert (stored[1].answer, stored[2].answer) == (["C"], ["A"])


def test_at_zero_the_page_asks_the_server_before_handing_in(phone, sign_in, two_question_exam, clock, db):
    """Extra time granted after the last poll must not be lost to the page's own countdown."""
    cadre, sitting = two_question_exam
    sign_in(phone, cadre.username)
    _start(phone, sitting.id)
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    clock.set(attempt.deadline - dt.timedelta(seconds=8))  # room for the write below: 5:08 left after it
    db.rollback()
    # The reloaded page claims its attempt (a write): let it finish before this test writes.
    with phone.expect_response(re.compile(r".*/presence$")):
        phone.reload()
    # An administrator grants five more minutes (as set_extra_time does) while the page counts down.
    attempt = lengthen_deadline(db, attempt.id, dt.timedelta(minutes=5))
    expect(phone.locator("#timer")).to_have_text(re.compile(r"^5:0\d$"), timeout=40_000)
    db.rollback()
    assert db.get(Attempt, attempt.id).state == "in_progress"
    expect(phone.locator("#deadline")).to_have_text(
        (attempt.deadline.astimezone(dt.timezone(dt.timedelta(hours=8)))).strftime("%H:%M:%S"))


def test_at_zero_without_extra_time_the_page_hands_in(phone, sign_in, two_question_exam, clock, db):
    cadre, sitting = two_question_exam
    sign_in(phone, cadre.username)
    _start(phone, sitting.id)
    phone.locator("#q1 .option").nth(1).click()
    expect(phone.locator("#q1 .slot-state")).to_have_attribute("data-state", "saved")
    attempt = db.query(Attempt).filter_by(user_id=cadre.id).one()
    clock.set(attempt.deadline - dt.timedelta(seconds=2))
    db.rollback()
    # The reloaded page holds the attempt before the deadline comes: a page whose claim arrives
    # after it holds nothing (the grace belongs to the page that held the attempt at the deadline).
    with phone.expect_response(re.compile(r".*/presence$")):
        phone.reload()
    clock.set(attempt.deadline + dt.timedelta(seconds=1))  # the server's time runs on meanwhile
    expect(phone.locator("#result")).to_be_visible(timeout=30_000)
    # Handed in because the time ran out: the result says so (issue-9 trial), ending at the deadline.
    expect(phone.locator("#attempt-state")).to_have_text("到时自动交卷")
    db.rollback()
    ended = db.get(Attempt, attempt.id)
    assert (ended.state, ended.finished_at) == ("auto_submitted", attempt.deadline)
