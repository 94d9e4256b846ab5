"""The issue-9 trial's late takeover, as the candidate meets it: a page opened a second after the
deadline shows the exam being handed in and holds nothing; "continue here" is refused saying time
is up; the first page's in-grace hand-in is taken with the change it carried."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext

from question_bank.errors import HandingIn
from question_bank.models import Attempt, AttemptState
from question_bank.services.marking import current_responses
from tests.scenarios import single_choice_exam, start_through_web


#: What the page says while the attempt is handed in (its words are the catalogue's, in either language).
ENDING_NOTE = ("Time is up. The exam is being handed in with the answers saved by the deadline; it can no longer "
               "be answered or continued on this page.")


def _said(app, msgid):
    with app.test_request_context():
        return gettext(msgid)


def _presence(client, attempt_id, page, action="presence", previous=None):
    return client.api_post(f"/api/attempts/{attempt_id}/{action}", {"page": page, "previous": previous})


def _save(client, attempt_id, page, slot, answer, seq, base):
    return client.api_post(f"/api/attempts/{attempt_id}/responses",
                           {"slot": slot, "answer": answer, "seq": seq, "writer": page, "base": base, "page": page})


def test_a_page_opened_in_the_grace_cannot_take_over_and_the_holders_hand_in_counts(app, client, client_factory, make,
                                                                                   clock, db):
    exam = single_choice_exam(make, count=3, key="C", minutes=1)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    assert _presence(client, attempt_id, "pcPage").get_json()["held_here"] is True
    assert _save(client, attempt_id, "pcPage", 1, ["B"], 1, 0).status_code == 200
    deadline = db.get(Attempt, attempt_id).deadline

    clock.set(deadline + dt.timedelta(seconds=1))
    phone = client_factory()
    phone.login(exam.cadre.username)
    page = phone.get(f"/me/attempts/{attempt_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="handing-in"' in html and _said(app, ENDING_NOTE) in html
    assert "data-writer" not in html and 'class="question' not in html  # no paper to answer, no page token
    assert f'content="{exam.sitting.grace_s - 1 + 1}"' in html  # looks again a second after the grace is over

    for action in ("presence", "takeover"):
        refused = _presence(phone, attempt_id, "latePage", action)
        assert refused.status_code == 409 and refused.get_json()["error"] == "time_up"
        assert refused.get_json()["message"] == _said(app, HandingIn.template)
    late = _save(phone, attempt_id, "latePage", 2, ["C"], 1, 0)
    assert late.status_code == 409 and late.get_json()["error"] == "taken_over"

    clock.set(deadline + dt.timedelta(milliseconds=2500))
    handed_in = client.api_post(f"/api/attempts/{attempt_id}/submit", {
        "answers": {"3": {"answer": ["C"], "writer": "pcPage", "seq": 2, "base": 0}}, "page": "pcPage",
        "time_up": True})
    assert handed_in.status_code == 200, handed_in.get_json()
    assert handed_in.get_json()["state"] == "auto_submitted" and handed_in.get_json()["not_taken"] == []
    stored = current_responses(db, attempt_id)
    assert (stored[1].answer, stored[3].answer) == (["B"], ["C"]) and 2 not in stored
    assert db.get(Attempt, attempt_id).state == AttemptState.AUTO_SUBMITTED

    # The late page, looking again, is sent to the result.
    again = phone.get(f"/me/attempts/{attempt_id}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/me/attempts/{attempt_id}/result")
