"""Issue 6, what an outside tester saw on the pages: a city auditor reads only events by or about
its own people; unreadable audit dates are refused naming the field; Chinese in snapshots reads as
Chinese; a corrected score is not flagged on the HR sheet; the regrade preview warns of a scaled
pass mark; the marker's and the score-change fields take plain decimals only; English pages show
the sheets in English and the Chinese ledger in Chinese; the public check shows the band."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.models import ManualMark, RegradeKind, Role, ScoreChange, UnitLevel
from question_bank.services import attempts, audit, regrade, score_changes
from tests import tamper
from tests.scenarios import short_answer_awaiting_marking


@pytest.fixture
def cities(db, clock, make):
    """Two cities, each with an auditor and a cadre; a provincial admin acts on both cadres."""
    city_a, city_b = make.unit("甲市", level=UnitLevel.CITY), make.unit("乙市", level=UnitLevel.CITY)
    auditor_a = make.user(Role.AUDITOR, username="auditor_a", unit=city_a)
    make.user(Role.AUDITOR, username="auditor_root")
    admin_b = make.user(Role.EXAM_ADMIN, username="admin_b", unit=city_b)
    province = make.user(Role.EXAM_ADMIN, username="province_admin")
    cadre_a, cadre_b = make.cadre(unit=city_a), make.cadre(unit=city_b)
    audit.record(db, clock, admin_b, "sitting.create", "sitting", 9, after={"title": "乙市考试"})
    audit.record(db, clock, province, "user.update", "user", cadre_a.id, after={"current_post": "法制科科长"})
    audit.record(db, clock, province, "user.update", "user", cadre_b.id, after={"current_post": "乙市职务"})
    db.commit()
    return auditor_a, cadre_a, cadre_b


def test_a_city_auditor_reads_events_by_or_about_its_people_only(client, cities):
    auditor_a, cadre_a, cadre_b = cities
    client.login("auditor_a")
    page = client.get("/audit/").get_data(as_text=True)
    assert "乙市考试" not in page and "乙市职务" not in page
    assert "法制科科长" in page  # the province's change of the city's own cadre
    assert "乙市考试" not in client.get("/audit/?actor=admin_b").get_data(as_text=True)
    export = client.get("/audit/events.csv").data.decode("utf-8-sig")
    assert "法制科科长" in export and "乙市" not in export
    client.login("auditor_root")
    assert "乙市考试" in client.get("/audit/?actor=admin_b").get_data(as_text=True)


def test_snapshots_show_chinese_as_written(client, cities):
    client.login("auditor_a")
    page = client.get("/audit/").get_data(as_text=True)
    assert "法制科科长" in page and "\\u6cd5" not in page


@pytest.mark.parametrize("query, field", [("until=garbage", "until"), ("since=2026-13-01", "since")])
def test_an_unreadable_audit_date_is_refused_naming_the_field(client, cities, query, field):
    client.login("auditor_root")
    client.form_post("/lang/en", {"next": "/"})
    response = client.get("/audit/?" + query)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "is not a date" in text
    assert ("Until" if field == "until" else "From") in text
    assert 'class="audit-event"' not in text
    assert client.get("/audit/events.csv?" + query).status_code == 422


@pytest.fixture
def corrected(db, clock, make):
    """A closed two-question sitting whose second item got an approved four-eyes correction."""
    make.questions(2, "single_choice", key=["B"])
    cadre = make.cadre(display_name="更正者", username="gengzheng")
    sitting = make.sitting(roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ["C"], 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    proposer = make.user(Role.EXAM_ADMIN, username="admin1")
    make.user(Role.EXAM_ADMIN, username="admin2")
    item = next(i for i in attempt.items if i.slot == 2)
    change = score_changes.propose(db, clock, proposer, item.id, Decimal(25), "复核改分")
    score_changes.decide(db, clock, make.user(Role.EXAM_ADMIN), change.id, approve=True)
    make.user(Role.HR, username="hr1")
    db.commit()
    return sitting, attempt


def test_a_corrected_score_shows_without_the_mismatch_warning_and_a_real_mismatch_still_warns(
        client, engine, db, corrected):
    sitting, attempt = corrected
    client.login("hr1")
    page = client.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert "一致（成绩已更正）" in page and 'id="scores-withheld"' not in page and 'class="withheld"' not in page
    assert '<td class="num">75</td>' in page
    tamper.execute(engine, db, "UPDATE attempt SET score = 100 WHERE id = :id", id=attempt.id)
    page = client.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert 'id="scores-withheld"' in page and 'class="withheld"' in page


def test_in_english_the_sheet_headers_and_bands_are_english_and_in_chinese_the_ledger_reads_chinese(
        client, db, corrected):
    sitting, attempt = corrected
    client.login("hr1")
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert "<th>Score</th>" in page and "<th>Out of</th>" in page and "Agrees (score corrected)" in page
    assert "<th>成绩</th>" not in page and "一致（成绩已更正）" not in page
    client.login("admin1")
    client.form_post("/lang/zh_CN", {"next": "/"})
    admin_page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "成绩更正：复核改分" in admin_page and "score change:" not in admin_page


def test_the_score_change_field_refuses_an_exponent(client, db, corrected):
    sitting, attempt = corrected
    item = next(i for i in attempt.items if i.slot == 1)
    client.login("admin1")
    refused = client.form_post(f"/exams/attempts/{attempt.id}/marks", {"item": item.id, "score": "1e1", "reason": "x"})
    assert refused.status_code == 422
    assert db.scalar(select(func.count(ScoreChange.id)).where(ScoreChange.attempt_item_id == item.id)) == 0


def test_the_regrade_page_warns_that_the_pass_mark_scales(client, db, make, corrected):
    sitting, attempt = corrected
    question_id = next(i for i in attempt.items if i.slot == 1).question_version.question_id
    client.login("admin1")
    client.form_post("/lang/en", {"next": "/"})
    shown = client.form_post(f"/exams/sittings/{sitting.id}/regrade",
                             {"question": question_id, "kind": "void_removed", "reason": "超纲"})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="regrade-pass-mark"' in text and "60 → 30" in text
    applied = client.form_post(f"/exams/sittings/{sitting.id}/regrade",
                               {"question": question_id, "kind": "void_removed", "reason": "超纲", "confirm": "apply"})
    assert applied.status_code == 302
    again = client.form_post(f"/exams/sittings/{sitting.id}/regrade",
                             {"question": question_id, "kind": "void_removed", "reason": "再次"})
    assert again.status_code == 422 and "nothing would change" in again.get_data(as_text=True)


def test_a_question_removed_from_the_total_is_marked_voided_for_the_candidate_and_in_item_analysis(
        client, db, clock, make, corrected):
    sitting, attempt = corrected
    question_id = next(i for i in attempt.items if i.slot == 1).question_version.question_id
    regrade.apply(db, clock, make.user(Role.EXAM_ADMIN), sitting.id, question_id, RegradeKind.VOID_REMOVED, "超纲")
    db.commit()
    client.login("gengzheng")
    review = client.get(f"/me/attempts/{attempt.id}/review").get_data(as_text=True)
    assert review.count('class="badge voided-question"') == 1 and "作废：不计入总分" in review
    result = client.get(f"/me/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'id="pass-mark">30</span>' in result  # the pass mark of 60/100 scaled to 50 points
    client.login("admin1")
    analysis = client.get(f"/item-analysis/sittings/{sitting.id}").get_data(as_text=True)
    assert 'id="voided-left-out"' in analysis and f"#{question_id} " in analysis


def test_the_marker_s_field_refuses_an_exponent(client, db, clock, make):
    attempt = short_answer_awaiting_marking(db, clock, make, points=40)
    make.user(Role.MARKER, username="marker1")
    db.commit()
    client.login("marker1")
    refused = client.form_post(f"/marking/items/{attempt.items[0].id}", {"score": "1e1", "comment": ""})
    assert refused.status_code == 422 and "1e1" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count(ManualMark.id))) == 0
