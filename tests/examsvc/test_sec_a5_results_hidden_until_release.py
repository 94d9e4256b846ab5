"""SEC-A5: results and keys stay hidden until release on every surface the candidate has (dashboard,
attempt page, result, review, the JSON state and submit replies), however the attempt ended: a submit,
an administrator's action, the deadline passing while the candidate is away (the sweep), or a session
that ended in between; after release exactly what the settings allow. Builds on case C-19's sitting:
results and answers after the close at 12:00."""

from __future__ import annotations

import re

import pytest

from question_bank.services import deadlines
from tests.conftest import at
from tests.examsvc.test_case_c19_results_release import (  # noqa: F401 (the fixture is used by name)
    EXPLANATION,
    answered_at_10,
    assert_nothing_released,
    english,
    everything_the_candidate_sees,
    sat_at_10_20,
    sitting,
)


def _ended_by(how: str, client, client_factory, clock, db, found) -> int:
    if how == "submit":
        return sat_at_10_20(client, clock, found)
    attempt_id = answered_at_10(client, clock, found)  # then leaves the page
    if how == "administrator":
        admin = client_factory()
        clock.set(at("10:20:00"))
        admin.login("admin_a")
        response = admin.form_post(f"/exams/attempts/{attempt_id}/void", {"reason": "监考发现异常，作废"})
        assert response.status_code == 302, response.get_data(as_text=True)
    elif how == "deadline":
        clock.set(at("11:05:00"))  # the hour's limit is over; the cron sweep closes the attempt
        assert attempt_id in deadlines.sweep(db, clock)
        db.commit()
    elif how == "session ended":
        clock.set(at("10:20:00"))
        client.form_post("/logout")
        assert client.get("/me/").status_code == 302
        client.login("zhangsan")
        english(client)
        client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    return attempt_id


ENDINGS = ["submit", "administrator", "deadline", "session ended"]


@pytest.mark.parametrize("how", ENDINGS)
def test_sec_a5_nothing_of_the_result_before_release_however_the_attempt_ended(how, client, client_factory, clock,
                                                                               db, sitting):
    attempt_id = _ended_by(how, client, client_factory, clock, db, sitting)
    clock.set(at("11:59:59"))
    pages = everything_the_candidate_sees(client, attempt_id)
    pages["attempt page"] = client.get(f"/me/attempts/{attempt_id}", follow_redirects=True).get_data(as_text=True)
    assert_nothing_released(pages)
    for name, body in pages.items():
        assert EXPLANATION not in body and "correct" not in body.lower().replace("incorrect", ""), name
    # Signing out and in again at this moment shows no more.
    client.form_post("/logout")
    client.login("zhangsan")
    english(client)
    assert_nothing_released(everything_the_candidate_sees(client, attempt_id))


@pytest.mark.parametrize("how", ["submit", "deadline", "session ended"])
def test_sec_a5_after_release_exactly_what_the_settings_allow(how, client, client_factory, clock, db, sitting):
    sitting.show_answers = False
    db.commit()
    attempt_id = _ended_by(how, client, client_factory, clock, db, sitting)
    clock.set(at("12:00:00"))
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert re.search(r'id="score">100 ', result)
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Answer key:" not in review and EXPLANATION not in review and 'class="badge ok"' not in review
    sitting.show_answers = True
    db.commit()
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Answer key:" in review and EXPLANATION in review


def test_sec_a5_after_release_a_voided_attempt_reads_as_voided_with_no_key_or_explanation(
        client, client_factory, clock, db, sitting):
    sitting.show_answers = False
    db.commit()
    attempt_id = _ended_by("administrator", client, client_factory, clock, db, sitting)
    clock.set(at("12:00:01"))
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="verdict">Voided' in result
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Answer key:" not in review and EXPLANATION not in review
