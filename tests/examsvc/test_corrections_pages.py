"""The exam admin's regrade page (preview, then apply; C-10 through the web) and four-eyes score
changes through the web: the proposer is offered no approve button and is refused if they post one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.models import Role, ScoreChange, ScoreRecord, User
from question_bank.services import attempts, review


@pytest.fixture
def exam(make, db, clock):
    q = make.question("multiple_choice", key=["A", "B"], category="行政许可法")
    make.question("single_choice", key=["B"])
    paper = make.paper([("multiple_choice", 1, 2, "行政许可法"), ("single_choice", 1, 98, "行政处罚法")])
    p, r = make.cadre(display_name="官员P"), make.cadre(display_name="官员R")
    sitting = make.sitting(paper, roster=[p, r], shuffle=False)
    taken = []
    for cadre, choice in ((p, ["A", "C"]), (r, ["A", "B"])):
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        attempts.save_response(db, clock, cadre, attempt.id, 1, choice, 1)
        attempts.save_response(db, clock, cadre, attempt.id, 2, ["B"], 2)
        attempts.submit_attempt(db, clock, cadre, attempt.id)
        taken.append(attempt)
    db.commit()
    make.user(Role.EXAM_ADMIN, username="admin1")
    make.user(Role.EXAM_ADMIN, username="admin2")
    return q, sitting, taken


def test_c10_through_the_web_preview_writes_nothing_apply_records_the_new_totals(client, make, db, clock, exam):
    q, sitting, (p, r) = exam
    make.revision(q, key=["A", "C"])
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), q)
    db.commit()
    client.login("admin1")
    assert client.get(f"/exams/sittings/{sitting.id}/regrade").status_code == 200
    form = {"question": q.id, "kind": "key_corrected", "reason": "答案更正为AC"}
    shown = client.form_post(f"/exams/sittings/{sitting.id}/regrade", form)
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="regrade-preview"' in text and "官员P" in text and "官员R" in text
    assert len(db.scalars(select(ScoreRecord)).all()) == 2
    applied = client.form_post(f"/exams/sittings/{sitting.id}/regrade", {**form, "confirm": "apply"})
    assert applied.status_code == 302
    db.expire_all()
    assert (db.get(type(p), p.id).score, db.get(type(r), r.id).score) == (Decimal(100), Decimal(98))
    assert "答案更正为AC" in client.get(f"/exams/sittings/{sitting.id}/regrade").get_data(as_text=True)


def test_a_regrade_without_a_reason_is_refused_naming_the_field(client, exam):
    q, sitting, _ = exam
    client.login("admin1")
    refused = client.form_post(f"/exams/sittings/{sitting.id}/regrade",
                               {"question": q.id, "kind": "void_full_marks", "reason": ""})
    assert refused.status_code == 422


def test_four_eyes_through_the_web(client, client_factory, db, exam):
    q, sitting, (p, r) = exam
    item = next(i for i in p.items if i.slot == 1)
    client.login("admin1")
    proposed = client.form_post(f"/exams/attempts/{p.id}/marks", {"item": item.id, "score": "2", "reason": "漏判"})
    assert proposed.status_code == 302
    change = db.scalar(select(ScoreChange))
    page = client.get(f"/exams/attempts/{p.id}/marks").get_data(as_text=True)
    assert 'value="approve"' not in page
    assert client.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": "approve"}).status_code == 403
    other = client_factory()
    other.login("admin2")
    assert other.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": "approve"}).status_code == 302
    db.expire_all()
    assert db.get(type(p), p.id).score == Decimal(100)
    bad = client.form_post(f"/exams/attempts/{p.id}/marks", {"item": item.id, "score": "1.555", "reason": "x"})
    assert bad.status_code == 422


def test_the_sitting_form_sets_second_marking_and_refuses_a_tolerance_finer_than_a_hundredth(client, make, db):
    from question_bank.models import Sitting
    from tests.forms import sitting_form

    make.question("short_answer")
    make.user(Role.EXAM_ADMIN, username="admin9")
    paper = make.paper([("short_answer", 1, 100, "行政处罚法")])
    client.login("admin9")
    refused = client.form_post("/exams/sittings/new", sitting_form(paper.id, second_marking="y",
                                                                   marking_tolerance="2.555"))
    assert refused.status_code == 422 and "2.555" in refused.get_data(as_text=True)
    assert db.scalars(select(Sitting)).all() == []
    saved = client.form_post("/exams/sittings/new", sitting_form(paper.id, second_marking="y", marking_tolerance="2.5"))
    assert saved.status_code == 302
    sitting = db.scalar(select(Sitting))
    assert sitting.second_marking and sitting.marking_tolerance == Decimal("2.5")
    page = client.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    assert 'id="marking-setting"' in page and "2.5" in page


def test_the_pages_say_who_proposed_decided_and_regraded_and_keep_a_refused_proposal(client, client_factory, make,
                                                                                        db, clock, exam):
    """Second trial, F-3/F-4/F-5: the regrade history names who applied it (C-10); a score change
    names its proposer and decider; a refused proposal comes back as typed; a key correction's
    preview names the mark an approved change set, which it keeps."""
    q, sitting, (p, r) = exam
    admin1, admin2 = (db.scalar(select(User).where(User.username == name)) for name in ("admin1", "admin2"))
    item = next(i for i in r.items if i.slot == 1)
    client.login("admin1")
    refused = client.form_post(f"/exams/attempts/{r.id}/marks", {"item": item.id, "score": "1.555", "reason": "申诉酌情"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="1.555"' in page and 'value="申诉酌情"' in page
    assert client.form_post(f"/exams/attempts/{r.id}/marks",
                            {"item": item.id, "score": "1", "reason": "申诉酌情"}).status_code == 302
    change = db.scalar(select(ScoreChange))
    other = client_factory()
    other.login("admin2")
    assert other.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": "approve"}).status_code == 302
    marks_page = client.get(f"/exams/attempts/{r.id}/marks").get_data(as_text=True)
    assert admin1.display_name in marks_page and admin2.display_name in marks_page
    make.revision(q, key=["A", "C"])
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), q)
    db.commit()
    form = {"question": q.id, "kind": "key_corrected", "reason": "答案更正为AC"}
    preview = client.form_post(f"/exams/sittings/{sitting.id}/regrade", form).get_data(as_text=True)
    kept = preview[preview.index('id="regrade-kept"'):]
    assert "官员R" in kept[:kept.index("</div>")] and f"#{change.id}" in kept[:kept.index("</div>")]
    assert client.form_post(f"/exams/sittings/{sitting.id}/regrade", {**form, "confirm": "apply"}).status_code == 302
    history = client.get(f"/exams/sittings/{sitting.id}/regrade").get_data(as_text=True)
    past = history[history.index("past-regrade"):]
    assert admin1.display_name in past
    db.expire_all()
    assert db.get(type(r), r.id).score == Decimal(99)


def test_a_key_correction_whose_every_change_is_kept_can_still_be_applied_for_later_attempts(
        client, client_factory, make, db, clock, exam):
    """When every candidate's item was set by an approved score change, the preview keeps them all
    and still offers to apply, so that attempts marked later use the corrected key."""
    q, sitting, (p, r) = exam
    client.login("admin1")
    other = client_factory()
    other.login("admin2")
    for attempt, points in ((p, "1"), (r, "1")):
        item = next(i for i in attempt.items if i.slot == 1)
        client.form_post(f"/exams/attempts/{attempt.id}/marks", {"item": item.id, "score": points, "reason": "申诉"})
    for change in db.scalars(select(ScoreChange)).all():
        assert other.form_post(f"/exams/score-changes/{change.id}/decide", {"decision": "approve"}).status_code == 302
    make.revision(q, key=["A", "C"])
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), q)
    db.commit()
    form = {"question": q.id, "kind": "key_corrected", "reason": "答案更正为AC"}
    page = client.form_post(f"/exams/sittings/{sitting.id}/regrade", form).get_data(as_text=True)
    assert 'id="regrade-kept"' in page and 'id="regrade-apply"' in page and "regrade-change" not in page
    assert client.form_post(f"/exams/sittings/{sitting.id}/regrade", {**form, "confirm": "apply"}).status_code == 302
    db.expire_all()
    assert (db.get(type(p), p.id).score, db.get(type(r), r.id).score) == (Decimal(99), Decimal(99))
