"""Cases C-05 and C-06: a final submit never wipes autosaved answers, and a double-clicked submit
yields one result.

C-05 runs on its own terms: Q7 is a short answer; the text autosaved before the time-out submit
survives a payload without Q7 and waits in the marking queue (the attempt's items no one has marked)."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select

from question_bank.models import Attempt, AttemptState, Role, ScoreRecord
from question_bank.services.marking import awaiting_marking, current_responses
from tests.conftest import at
from tests.scenarios import save, start_through_web, submit

Q7 = 7
ESSAY = "行政机关应当依法行使职权"


def _seven_question_exam(make, client, q7_type: str = "multiple_choice"):
    make.questions(6, "single_choice", key=["B"])
    make.question(q7_type, **({"key": ["A", "C"]} if q7_type == "multiple_choice" else {}))
    cadre = make.cadre(display_name="赵六")
    paper = make.paper([("single_choice", 6, 10, "行政处罚法"), (q7_type, 1, 40, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], minutes=30, shuffle=False)
    client.login(cadre.username)
    return start_through_web(client, sitting)


def test_c05_timeout_submit_without_the_field_keeps_the_autosaved_essay_for_the_marker(client, make, clock, db):
    attempt_id = _seven_question_exam(make, client, "short_answer")
    clock.set(at("10:29:40"))
    assert save(client, attempt_id, Q7, ESSAY, 1).status_code == 200
    clock.set(at("10:30:00"))
    assert submit(client, attempt_id, {1: ["B"]}).status_code == 200  # Q7 missing from the payload
    assert current_responses(db, attempt_id)[Q7].answer == ESSAY
    attempt = db.get(Attempt, attempt_id)
    # Handed in at the deadline: the time ran out, and the attempt says so (issue-9 trial).
    assert attempt.state == AttemptState.AUTO_SUBMITTED and attempt.finished_at == at("10:30:00")
    assert [item.slot for item in awaiting_marking(db, attempt)] == [Q7]
    assert attempt.score is None  # no total while Q7 waits for a marker
    assert "待阅卷" in client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)


def test_c05_an_attempt_closed_at_the_deadline_by_the_server_keeps_the_essay(client, make, clock, db):
    attempt_id = _seven_question_exam(make, client, "short_answer")
    clock.set(at("10:29:40"))
    save(client, attempt_id, Q7, ESSAY, 1)
    clock.set(at("10:31:00"))  # past deadline and grace: the next request closes it
    assert client.get(f"/me/attempts/{attempt_id}/result").status_code == 200
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == AttemptState.AUTO_SUBMITTED
    assert current_responses(db, attempt_id)[Q7].answer == ESSAY
    assert [item.slot for item in awaiting_marking(db, attempt)] == [Q7]


def test_c05_an_explicitly_cleared_essay_stays_cleared(client, make, clock, db):
    attempt_id = _seven_question_exam(make, client, "short_answer")
    clock.set(at("10:29:40"))
    save(client, attempt_id, Q7, ESSAY, 1)
    clock.set(at("10:29:50"))
    assert save(client, attempt_id, Q7, "", 2).status_code == 200
    clock.set(at("10:30:00"))
    submit(client, attempt_id, {})
    assert current_responses(db, attempt_id)[Q7].answer == ""
    attempt = db.get(Attempt, attempt_id)
    assert awaiting_marking(db, attempt) == [] and attempt.score == 0  # nothing to mark: 0


def test_c05_a_value_in_the_final_payload_replaces_the_autosaved_essay(client, make, clock, db):
    attempt_id = _seven_question_exam(make, client, "short_answer")
    clock.set(at("10:29:40"))
    save(client, attempt_id, Q7, "行政机关", 1)
    clock.set(at("10:30:00"))
    submit(client, attempt_id, {Q7: ESSAY})
    assert current_responses(db, attempt_id)[Q7].answer == ESSAY


def test_c05_a_choice_answer_missing_from_the_payload_keeps_its_autosave_too(client, make, clock, db):
    attempt_id = _seven_question_exam(make, client)
    clock.set(at("10:29:40"))
    assert save(client, attempt_id, Q7, ["A", "C"], 1).status_code == 200
    clock.set(at("10:30:00"))
    assert submit(client, attempt_id, {}).status_code == 200
    assert current_responses(db, attempt_id)[Q7].answer == ["A", "C"]
    assert db.get(Attempt, attempt_id).score == Decimal(40)


def test_c06_double_clicked_submit_yields_one_result(client, make, db, clock, client_factory):
    attempt_id = _seven_question_exam(make, client)
    save(client, attempt_id, 1, ["B"], 1)
    save(client, attempt_id, Q7, ["A", "C"], 2)
    db.commit()

    # Two browser tabs of the same session, firing at once; the test session stays out of the way.
    tabs = [client_factory() for _ in range(2)]
    cookie = client.get_cookie("session")
    for tab in tabs:
        tab.db_session = None
        tab.set_cookie("session", cookie.value)
        tab.csrf = client.csrf
    barrier = threading.Barrier(len(tabs))
    answers: list = [None] * len(tabs)

    def click(i: int) -> None:
        barrier.wait()
        answers[i] = submit(tabs[i], attempt_id, {})

    threads = [threading.Thread(target=click, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    clock.advance(seconds=2)
    answers.append(submit(client, attempt_id, {}))

    bodies = [a.get_json() for a in answers]
    assert all(a.status_code == 200 for a in answers)
    assert {b["score"] for b in bodies} == {"50.00"}
    assert sum(1 for b in bodies if not b["already_submitted"]) == 1
    assert db.scalar(select(func.count(ScoreRecord.id)).where(ScoreRecord.attempt_id == attempt_id)) == 1
    assert db.scalar(select(func.count(Attempt.id))) == 1

    hr = client_factory()
    make.user(Role.HR, username="hr_c06")
    hr.login("hr_c06")
    sheet = hr.get(f"/reports/sittings/{db.get(Attempt, attempt_id).sitting_id}/scores.csv").data.decode("utf-8-sig")
    assert [line for line in sheet.splitlines() if "赵六" in line] == [line for line in sheet.splitlines()[1:]]
    assert len(sheet.splitlines()) == 2
