"""The marker's pages: the queue and a response, blind (nothing names the candidate, in the HTML or
the JSON), a mark refused with its field named, the HR sheet saying "awaiting marking" until the
last mark lands, and the total then recorded."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.models import ManualMark, Role, ScoreRecord
from question_bank import id_vault
from question_bank.services import attempts

ESSAY = "行政机关应当依法行使职权。"


@pytest.fixture
def marked_exam(make, db, clock):
    """One cadre (with a distinctive name and ID number) submitted a single choice and a short answer."""
    make.question("single_choice", key=["B"])
    make.question("short_answer", rubric="答出依法行使职权得满分。")
    paper = make.paper([("single_choice", 1, 60, "行政处罚法"), ("short_answer", 1, 40, "行政处罚法")])
    cadre = make.cadre(username="zhangsanfeng", display_name="张三丰", id_number="11010519491231002X")
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ESSAY, 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    item_id = next(i.id for i in attempt.items if i.slot == 2)
    return cadre, sitting, attempt, item_id


def test_marker_pages_and_json_never_name_the_candidate(client, make, marked_exam):
    cadre, sitting, attempt, item_id = marked_exam
    make.user(Role.MARKER, username="marker1")
    client.login("marker1")
    pages = [client.get("/marking/"), client.get("/marking/queue.json"), client.get(f"/marking/items/{item_id}")]
    assert all(p.status_code == 200 for p in pages)
    assert ESSAY in pages[2].get_data(as_text=True)
    for page in pages:
        text = page.get_data(as_text=True)
        for secret in (cadre.display_name, cadre.username, id_vault.reveal(cadre), id_vault.reveal(cadre)[-4:],
                       f"/attempts/{attempt.id}", f'"attempt_id"', f"user_id"):
            assert secret not in text
    assert page_json_keys(pages[1]) == {"item_id", "sitting", "slot", "round", "max_points", "url"}


def page_json_keys(response) -> set[str]:
    (entry,) = response.get_json()["responses"]
    return set(entry)


def test_the_sheet_says_awaiting_marking_until_the_mark_lands_then_shows_the_total(client, client_factory, make, db,
                                                                                    marked_exam):
    cadre, sitting, attempt, item_id = marked_exam
    make.user(Role.MARKER, username="marker1")
    make.user(Role.HR, username="hr1")
    hr = client_factory()
    hr.login("hr1")
    sheet = hr.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert "待阅卷" in sheet or "Awaiting marking" in sheet

    client.login("marker1")
    refused = client.form_post(f"/marking/items/{item_id}", {"score": "12.345", "comment": ""})
    assert refused.status_code == 422 and "12.345" in refused.get_data(as_text=True)
    too_many = client.form_post(f"/marking/items/{item_id}", {"score": "40.5", "comment": ""})
    assert too_many.status_code == 422
    assert db.scalars(select(ScoreRecord)).all() == []

    done = client.form_post(f"/marking/items/{item_id}", {"score": "35.5", "comment": "要点基本齐全"})
    assert done.status_code == 302
    db.expire_all()
    (record,) = db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id)).all()
    assert record.score == Decimal("95.5") and record.reason == "marked"
    assert "95.5" in hr.get(f"/reports/sittings/{sitting.id}").get_data(as_text=True)
    assert client.get("/marking/queue.json").get_json() == {"responses": []}


def test_the_marking_pages_are_for_markers_only(client, make, marked_exam):
    *_, item_id = marked_exam
    make.user(Role.EXAM_ADMIN, username="admin1")
    client.login("admin1")
    assert client.get("/marking/").status_code == 403
    assert client.get(f"/marking/items/{item_id}").status_code == 403


def _race(clients, posts):
    """Fire each client's POST at once (one thread each); returns the responses in order."""
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def fire(i: int) -> None:
        barrier.wait()
        answers[i] = clients[i].form_post(*posts[i])

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _markers(client_factory, make, names):
    clients = []
    for name in names:
        make.user(Role.MARKER, username=name)
        c = client_factory()
        c.login(name)
        c.db_session = None  # the test's own session stays out of the way while they race
        clients.append(c)
    return clients


def test_two_markers_racing_for_the_same_response_one_mark_counts(client_factory, make, db, marked_exam):
    cadre, sitting, attempt, item_id = marked_exam
    db.commit()
    clients = _markers(client_factory, make, ["racer1", "racer2"])
    answers = _race(clients, [(f"/marking/items/{item_id}", {"score": "30", "comment": ""}),
                              (f"/marking/items/{item_id}", {"score": "20", "comment": ""})])
    assert sorted(a.status_code for a in answers) == [302, 409]
    db.expire_all()
    assert len(db.scalars(select(ManualMark)).all()) == 1
    assert len(db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id)).all()) == 1


def test_the_last_two_responses_marked_at_once_by_two_markers_give_one_total(client_factory, make, db, clock):
    make.questions(2, "short_answer")
    paper = make.paper([("short_answer", 2, 50, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ESSAY, 1)
    attempts.save_response(db, clock, cadre, attempt.id, 2, ESSAY, 2)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    items = {i.slot: i.id for i in attempt.items}
    clients = _markers(client_factory, make, ["pair1", "pair2"])
    answers = _race(clients, [(f"/marking/items/{items[1]}", {"score": "40", "comment": ""}),
                              (f"/marking/items/{items[2]}", {"score": "45.5", "comment": ""})])
    assert [a.status_code for a in answers] == [302, 302]
    db.expire_all()
    (record,) = db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id)).all()
    assert record.score == Decimal("85.5") == db.get(type(attempt), attempt.id).score
