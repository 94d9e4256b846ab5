"""Case C-18 through the JSON the exam page reads: a late change from another page is refused as
stale with what is stored, in autosaves and in the submit payload, and the exam admin sees the
slot's history on the attempt's page."""

from __future__ import annotations

import pytest

from question_bank.models import Attempt, RefusedChange, Role
from question_bank.services.marking import current_responses
from tests.scenarios import save, single_choice_exam, start_through_web, state, submit


@pytest.fixture
def exam(make):
    return single_choice_exam(make, count=5, key="C")


@pytest.fixture
def attempt_id(client, exam):
    client.login(exam.cadre.username)
    return start_through_web(client, exam.sitting)


def test_a_late_change_from_another_page_gets_409_with_what_is_stored(client, db, attempt_id):
    # Page A saves "C"; page B, which saw version 0 and holds an unsent "A", sends it now.
    taken = save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    acknowledged = taken.get_json()
    assert taken.status_code == 200 and acknowledged["saved"] is True and acknowledged["current"] is True
    assert acknowledged["stored"] == {"answer": ["C"], "version": 1}
    stale = save(client, attempt_id, 1, ["A"], 1, writer="pageB", base=0)
    body = stale.get_json()
    assert stale.status_code == 409 and body["error"] == "stale" and body["saved"] is False
    assert body["stored"] == {"answer": ["C"], "version": 1} and body["answer"] == ["A"]
    assert "另一台设备" in body["message"]
    assert current_responses(db, attempt_id)[1].answer == ["C"]
    # The refusal is committed with the 409: it is in the history.
    assert db.query(RefusedChange).filter_by(attempt_id=attempt_id, slot=1, writer="pageB").count() == 1


def test_a_retry_of_a_change_followed_by_a_newer_one_is_not_said_to_be_current(client, db, attempt_id):
    """A page's change 1 resent after its change 2 was taken (a reply lost on the way): answered as
    taken before, with what is stored now, and not as the slot's response (outside trial)."""
    save(client, attempt_id, 1, ["A"], 1, writer="pageA", base=0)
    assert save(client, attempt_id, 1, ["B"], 2, writer="pageA", base=1).get_json()["current"] is True
    for resent in (["A"], ["D"]):  # a true retry, and a client that reused the number
        body = save(client, attempt_id, 1, resent, 1, writer="pageA", base=0).get_json()
        assert body["outcome"] == "taken" and body["current"] is False
        assert body["stored"] == {"answer": ["B"], "version": 2}
    assert current_responses(db, attempt_id)[1].answer == ["B"]
    # The newest change resent is still the slot's response.
    assert save(client, attempt_id, 1, ["B"], 2, writer="pageA", base=1).get_json()["current"] is True


def test_after_seeing_the_stored_version_the_other_page_can_change_the_answer(client, db, attempt_id):
    save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    seen = state(client, attempt_id)
    assert seen["responses"]["1"] == ["C"] and seen["versions"] == {"1": 1}
    reply = save(client, attempt_id, 1, ["D"], 2, writer="pageB", base=seen["versions"]["1"])
    assert reply.status_code == 200 and reply.get_json()["stored"] == {"answer": ["D"], "version": 2}


def test_the_exam_page_carries_each_slots_version(client, attempt_id):
    save(client, attempt_id, 2, ["A"], 1, writer="pageA", base=0)
    save(client, attempt_id, 2, ["B"], 2, writer="pageA", base=1)
    page = client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="q2" data-slot="2"' in page and 'data-version="2"' in page.split('id="q2"')[1].split(">")[0]
    assert 'data-version="0"' in page.split('id="q1"')[1].split(">")[0]


def test_a_queued_change_from_a_closed_tab_resent_after_signing_in_again_is_refused(client, exam, db, attempt_id):
    # Tab 1 made "A" (its change 3, on version 0) and was closed unsent; tab 2 saved "C".
    save(client, attempt_id, 1, ["C"], 1, writer="tab2", base=0)
    client.form_post("/logout")
    client.login(exam.cadre.username)
    resent = save(client, attempt_id, 1, ["A"], 3, writer="tab1", base=0)
    assert resent.status_code == 409 and resent.get_json()["stored"]["answer"] == ["C"]
    assert current_responses(db, attempt_id)[1].answer == ["C"]


def test_a_stale_change_in_the_submit_payload_is_named_and_the_score_uses_the_stored_answer(client, db, attempt_id):
    save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    reply = submit(client, attempt_id, {1: ["A"], 2: ["C"]}, writer="pageB", bases={1: 0, 2: 0}).get_json()
    assert reply["state"] == "submitted" and reply["payload_ignored"] is None
    assert [(n["slot"], n["answer"], n["stored"]["answer"], n["outcome"]) for n in reply["not_taken"]] == [
        (1, ["A"], ["C"], "stale")]
    assert db.get(Attempt, attempt_id).score == 40  # Q1 "C" and Q2 "C", 20 points each


def test_a_stale_tabs_submit_after_hand_in_is_told_which_answers_were_not_taken(client, attempt_id):
    save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    submit(client, attempt_id)
    late = submit(client, attempt_id, {1: ["A"], 3: ["C"]}, writer="pageB", bases={1: 0, 3: 0}).get_json()
    assert late["already_submitted"] is True and late["payload_ignored"] == "already_submitted"
    assert [n["slot"] for n in late["not_taken"]] == [1, 3]


def test_a_stale_tabs_late_hand_in_names_only_the_answers_lost_and_why(client, attempt_id):
    """Issue-9 trial: a slot nobody changed came back as "stale" with stored version 0."""
    save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    submit(client, attempt_id)
    late = submit(client, attempt_id, {1: ["C"], 2: [], 3: ["B"]}, writer="pageB", bases={1: 1, 2: 0, 3: 0}).get_json()
    assert late["payload_ignored"] == "already_submitted"
    assert [(n["slot"], n["outcome"], n["stored"]) for n in late["not_taken"]] == [
        (3, "closed", {"answer": None, "version": 0})]


@pytest.mark.parametrize("answers", [{"1": ["A"]}, {"1": {"answer": ["A"], "seq": 1, "writer": "p"}}, {"x": {}}])
def test_a_submit_payload_without_page_and_base_is_refused_and_nothing_closes(client, db, attempt_id, answers):
    reply = client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": answers})
    assert reply.status_code == 422 and reply.get_json()["problems"]
    assert db.get(Attempt, attempt_id).is_open


def test_the_exam_admin_sees_every_attempt_to_change_a_slot(client, client_factory, make, exam, attempt_id):
    save(client, attempt_id, 1, ["C"], 1, writer="pageA", base=0)
    save(client, attempt_id, 1, ["A"], 1, writer="pageB", base=0)
    make.user(Role.EXAM_ADMIN, username="admin_c18")
    admin = client_factory()
    admin.login("admin_c18")
    page = admin.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    history = page.split('id="slot-history-1"')[1].split("</table>")[0]
    assert "pageA" in history and "pageB" in history
    assert history.index("pageA") < history.index("pageB")
    assert "已保存" in history and "已拒绝" in history
    # Linked from the sitting's monitoring table.
    assert f"/exams/attempts/{attempt_id}" in admin.get(f"/exams/sittings/{exam.sitting.id}").get_data(as_text=True)


def test_only_an_exam_admin_over_the_sitting_sees_an_attempts_page(client, client_factory, make, attempt_id):
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 403  # the candidate
    make.user(Role.EXAM_ADMIN, username="admin_elsewhere", unit=make.unit("乙市"))
    elsewhere = client_factory()
    elsewhere.login("admin_elsewhere")
    assert elsewhere.get(f"/exams/attempts/{attempt_id}").status_code == 404
    assert elsewhere.get(f"/exams/attempts/{attempt_id + 1000}").status_code == 404
