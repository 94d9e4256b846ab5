"""SEC-P1 (export minimisation and masking), SEC-P2 (no ID numbers in side channels: URLs, logs, error
pages, audit rows) and SEC-P5 (the score-change trail and a reproducible re-grade)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from question_bank.errors import InvalidInput

from examsvc import create_app
from question_bank.idnumbers import check_character
from question_bank.models import (
    Attempt,
    AttemptItem,
    AuditEvent,
    ChangeState,
    Regrade,
    RegradeKind,
    ResponseStep,
    Role,
    ScoreChange,
    UnitLevel,
)
from question_bank.reports import score_sheet
from question_bank.reports.score_sheet import COL_CHECK, COL_ID_NUMBER, COL_NAME, COL_SCORE, HEADERS
from question_bank.services import attempts, regrade, review, score_changes
from tests.factories import roster_xlsx
from tests.webclient import ExamClient


def id_number(n: int) -> str:
    body = f"11010119900307{n:03d}"
    return body + check_character(body)


def masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


@pytest.fixture
def office(make, db, clock):
    """City A: a cadre with an ID number who sat and passed; another cadre with an ID number not on the
    roster; an exam admin, HR and a sysadmin of city A."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.questions(2, "single_choice", key=["B"])
    sat = make.cadre(display_name="张三", unit=city, id_number=id_number(1), phone="13800000001")
    waiting = make.cadre(display_name="李四", unit=city, id_number=id_number(2))
    sitting = make.sitting(roster=[sat], shuffle=False, title="任前考试")
    sitting.org_unit = city
    db.commit()
    attempt = attempts.start_attempt(db, clock, sat, sitting)
    attempts.save_response(db, clock, sat, attempt.id, 1, ["B"], 1)
    attempts.submit_attempt(db, clock, sat, attempt.id)
    db.commit()
    staff = {r: make.user(r, unit=city) for r in (Role.EXAM_ADMIN, Role.HR, Role.SYSADMIN)}
    return sitting, attempt, sat, waiting, staff


def _as(client_factory, user) -> ExamClient:
    client = client_factory()
    client.login(user.username)
    return client


# --- SEC-P1 -----------------------------------------------------------------------------------------------


def test_sec_p1_the_default_score_sheet_holds_the_appraisal_columns_and_a_masked_id(office, client_factory):
    sitting, _, sat, _, staff = office
    hr = _as(client_factory, staff[Role.HR])
    # Nothing an appraisal does not need: no phone, no user name, no address, no full ID.
    assert not {"手机", "电话", "用户名", "账号", "出生日期", "住址"} & set(HEADERS)
    assert {"姓名", "单位", "考试场次", "成绩", "是否合格", "考试日期"} <= set(HEADERS)
    rows = list(csv.reader(io.StringIO(hr.get(f"/reports/sittings/{sitting.id}/scores.csv").data.decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert row[COL_NAME] == "张三" and row[COL_ID_NUMBER] == masked(sat.id_number)  # digits 7-14 (birth date) hidden
    sheet = load_workbook(io.BytesIO(hr.get(f"/reports/sittings/{sitting.id}/scores.xlsx").data)).active
    assert sheet.cell(row=2, column=HEADERS.index(COL_ID_NUMBER) + 1).value == masked(sat.id_number)
    preview = hr.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert masked(sat.id_number) in preview and sat.id_number not in preview and sat.phone not in preview
    for path in ("/reports/sittings", f"/reports/sittings/{sitting.id}/scores.csv"):
        assert sat.id_number.encode() not in hr.get(path).data


def test_sec_p1_a_full_id_finds_the_cadre_and_the_results_do_not_show_it(office, client_factory):
    sitting, _, _, waiting, staff = office
    admin = _as(client_factory, staff[Role.EXAM_ADMIN])
    page = admin.form_post(f"/exams/sittings/{sitting.id}", {"cq": waiting.id_number}).get_data(as_text=True)
    assert re.search(r'id="cadres-found">[^<]*\b1\b', page) and "李四" in page
    # Only the search box gives back what was typed; the results show no ID number.
    assert waiting.id_number not in page.replace(f'name="cq" value="{waiting.id_number}"', "")
    accounts = _as(client_factory, staff[Role.SYSADMIN]).get("/users").get_data(as_text=True)
    assert waiting.id_number not in accounts and "李四" in accounts


# --- SEC-P2 -----------------------------------------------------------------------------------------------


def _urls(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src|formaction)="([^"]*)"', page)


def test_sec_p2_id_numbers_stay_out_of_urls_logs_audit_rows_and_referers(office, client_factory, db, caplog, make):
    sitting, _, sat, waiting, staff = office
    caplog.set_level(logging.DEBUG)
    numbers = [sat.id_number, waiting.id_number, id_number(9)]
    admin = _as(client_factory, staff[Role.EXAM_ADMIN])
    pages = []
    # The picker's search by ID number is a POST: the number is in no URL, link or form address.
    search = admin.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    assert re.search(r'<form method="post"[^>]*id="cadre-search"', search)
    pages.append(admin.form_post(f"/exams/sittings/{sitting.id}", {"cq": waiting.id_number}).get_data(as_text=True))
    # A roster import naming one cadre and one unknown number: the problem names the number masked.
    book = roster_xlsx([("李四", waiting.id_number, "甲市", "科员", "科长", ""), ("王五", id_number(9), "甲市", "", "", "")])
    refused = admin.form_post(f"/exams/sittings/{sitting.id}/roster/import", {"file": (io.BytesIO(book), "名单.xlsx")},
                              content_type="multipart/form-data")
    assert refused.status_code == 422
    pages.append(refused.get_data(as_text=True))
    assert masked(id_number(9)) in pages[-1] or id_number(9)[-4:] in pages[-1]
    sysadmin = _as(client_factory, staff[Role.SYSADMIN])
    created = sysadmin.form_post("/users/new", {"username": "wangwu", "display_name": "王五", "password": "Long-pass-2026",
                                                "unit": str(staff[Role.SYSADMIN].org_unit_id), "roles": "cadre",
                                                "id_number": id_number(9)})
    assert created.status_code == 302 and all(n not in created.headers["Location"] for n in numbers)
    pages.append(sysadmin.get("/users").get_data(as_text=True))
    hr = _as(client_factory, staff[Role.HR])
    pages.append(hr.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True))
    for page in pages:
        for url in _urls(page):
            assert not any(n in url or n[6:14] in url for n in numbers), url
        assert hr.get("/login").headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(n in logged for n in numbers)
    db.expire_all()
    for event in db.scalars(select(AuditEvent)):
        text = f"{event.object_id} {event.before} {event.after}"
        assert not any(n in text for n in numbers), (event.action, text)


def test_sec_p2_an_error_page_shows_nothing_of_the_failure(db_url, session_clock, db, make):
    app = create_app({"PRODUCTION": True, "DATABASE_URL": db_url, "SECRET_KEY": "production-secret-key",
                      "CLOCK": session_clock})
    number = id_number(5)

    def fail():
        raise RuntimeError(f"lookup failed for {number}")

    app.add_url_rule("/forced-500", "forced_500", fail)
    assert not app.debug
    response = app.test_client().get("/forced-500")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert number not in body and "lookup failed" not in body and "RuntimeError" not in body and "Traceback" not in body


# --- SEC-P5 -----------------------------------------------------------------------------------------------


def test_sec_p5_a_manual_change_keeps_the_submission_and_records_who_what_and_why(office, make, db, clock,
                                                                                     client_factory):
    sitting, attempt, _, _, staff = office
    steps_before = [(s.id, s.answer, s.received_at) for s in
                    db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id))]
    item = next(i for i in attempt.items if i.slot == 2)
    version_before = item.question_version_id
    proposer, approver = staff[Role.EXAM_ADMIN], make.user(Role.EXAM_ADMIN)
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(20), "复核：表述有歧义，酌情给分")
    score_changes.decide(db, clock, approver, change.id, approve=True, note="同意")
    db.commit()
    change = db.get(ScoreChange, change.id)
    assert (change.old_score, change.new_score, change.reason, change.proposed_by_id, change.decided_by_id,
            change.state) == (Decimal(0), Decimal(20), "复核：表述有歧义，酌情给分", proposer.id, approver.id,
                              ChangeState.APPROVED)
    assert db.get(AttemptItem, item.id).question_version_id == version_before  # the key version marked against
    assert [(s.id, s.answer, s.received_at) for s in
            db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id))] == steps_before
    hr = _as(client_factory, staff[Role.HR])
    rows = list(csv.reader(io.StringIO(hr.get(f"/reports/sittings/{sitting.id}/scores.csv").data.decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert row[COL_SCORE] == "70" and row[COL_CHECK] == score_sheet.CHECK_CHANGED


def test_sec_p5_a_regrade_run_twice_gives_the_same_scores_and_the_export_says_they_changed(make, db, clock,
                                                                                           client_factory):
    question = make.question("single_choice", key=["A"])
    make.question("single_choice", key=["B"])
    cadres = [make.cadre(display_name=f"官员{n}") for n in range(3)]
    sitting = make.sitting(roster=cadres, shuffle=False)
    for cadre, letter in zip(cadres, "BBA"):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, [letter], 1)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    make.revision(question, key=["B"])
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), question)
    admin, hr = make.user(Role.EXAM_ADMIN), make.user(Role.HR)
    db.commit()
    clock.set(clock.now() + dt.timedelta(minutes=5))
    first = regrade.apply(db, clock, admin, sitting.id, question.id, RegradeKind.KEY_CORRECTED, "答案更正为B")
    db.commit()
    scores = {c.attempt_id: c.new_score for c in first.changes}
    assert sorted(scores.values()) == [Decimal(0), Decimal(50), Decimal(50)]
    assert first.key_version_id == question.current_version_id
    clock.set(clock.now() + dt.timedelta(minutes=5))
    # The same key gives the same marks: a second run would change nothing, so it is refused (issue 6).
    with pytest.raises(InvalidInput):
        regrade.apply(db, clock, admin, sitting.id, question.id, RegradeKind.KEY_CORRECTED, "再次核对")
    db.rollback()
    assert db.scalar(select(func.count(Regrade.id))) == 1
    db.expire_all()
    assert {a: db.get(Attempt, a).score for a in scores} == scores
    assert db.scalar(select(Regrade.id).where(Regrade.id == first.id)) is not None
    client = _as(client_factory, hr)
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/sittings/{sitting.id}/scores.csv").data.decode("utf-8-sig"))))
    checks = {r[HEADERS.index(COL_NAME)]: r[HEADERS.index(COL_CHECK)] for r in rows[1:]}
    # Every candidate's score moved (two up, one down): each row shows the current score, marked as changed.
    assert len(first.changes) == 3 and checks == {f"官员{n}": score_sheet.CHECK_CHANGED for n in range(3)}
