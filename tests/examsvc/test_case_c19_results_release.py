"""Case C-19: results-release notices tell the truth, and nothing of a result is reachable before
its release (pages and the JSON replies); an exam admin or HR can release results early, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, ResultPolicy, Role, RosterEntry, UnitLevel, User
from question_bank.services.release import RELEASE_ACTION
from tests.conftest import at
from tests.scenarios import save, start_through_web, state, submit

EXPLANATION = "解析：依照行政处罚法第九条"
#: What would give a result away: the score, band, pass, per-question marks, key or explanation.
RESULT_MARKERS = ('id="score"', 'id="verdict"', "Answer key:", EXPLANATION, 'class="badge ok"', 'class="badge bad"',
                  "Excellent", "Fail")
RESULT_FIELDS = ("score", "max_score", "passed", "band")


@pytest.fixture
def sitting(make):
    """Window 09:00–12:00, results and answers after the close; five single-choice questions keyed
    B, 20 points each; a cadre of city A, an exam admin and HR of city A, HR of city B."""
    make.questions(5, "single_choice", key=["B"], explanation=EXPLANATION)
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    cadre = make.cadre(username="zhangsan", unit=make.unit("法制科", parent=city_a))
    paper = make.paper([("single_choice", 5, 20, "行政处罚法")])
    found = make.sitting(paper, roster=[cadre], shuffle=False, opens_at=at("09:00:00"), closes_at=at("12:00:00"),
                         minutes=60, results_policy=ResultPolicy.AFTER_CLOSE, show_answers=True)
    found.org_unit = city_a
    make.db.commit()
    make.user(Role.EXAM_ADMIN, username="admin_a", unit=city_a)
    make.user(Role.HR, username="hr_a", unit=city_a)
    make.user(Role.HR, username="hr_b", unit=city_b)
    return found


def english(client) -> None:
    client.form_post("/lang/en", {"next": "/"})


def answered_at_10(client, clock, sitting) -> int:
    """The cadre starts at 10:00 and answers all five right (not yet submitted); returns the attempt id."""
    clock.set(at("10:00:00"))
    client.login("zhangsan")
    english(client)
    attempt_id = start_through_web(client, sitting)
    for slot in range(1, 6):
        save(client, attempt_id, slot, ["B"], slot)
    return attempt_id


def sat_at_10_20(client, clock, sitting) -> int:
    attempt_id = answered_at_10(client, clock, sitting)
    clock.set(at("10:20:00"))
    reply = submit(client, attempt_id).get_json()
    assert reply["state"] == "submitted" and not set(RESULT_FIELDS) & set(reply)
    return attempt_id


def everything_the_candidate_sees(client, attempt_id: int) -> dict[str, str]:
    return {
        "dashboard": client.get("/me/").get_data(as_text=True),
        "result": client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True),
        "review": client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True),
        "state": str(state(client, attempt_id)),
        "submit again": str(submit(client, attempt_id).get_json()),
    }


def assert_nothing_released(pages: dict[str, str]) -> None:
    for name, body in pages.items():
        for marker in RESULT_MARKERS:
            assert marker not in body, f"{marker!r} on {name}"
        for field in RESULT_FIELDS:
            assert f"'{field}'" not in body, f"{field!r} in {name}"


@pytest.mark.parametrize("moment", ["10:21:00", "11:59:59"])
def test_c19_before_the_close_nothing_is_shown_and_the_pages_say_when_it_will_be(client, clock, sitting, moment):
    attempt_id = sat_at_10_20(client, clock, sitting)
    clock.set(at(moment))
    pages = everything_the_candidate_sees(client, attempt_id)
    assert_nothing_released(pages)
    assert "Your score is shown here after the sitting closes, from 2026-05-11 12:00 (Beijing time)." in pages["result"]
    for page in ("result", "review"):
        assert "The answer key and explanations are shown after the sitting closes, from 2026-05-11 12:00 " \
               "(Beijing time)." in pages[page]
        assert "not published" not in pages[page]


def test_c19_at_the_close_the_score_the_key_and_the_explanation_are_shown(client, clock, sitting):
    attempt_id = sat_at_10_20(client, clock, sitting)
    clock.set(at("12:00:00"))
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert re.search(r'id="score">100 ', result) and 'id="verdict"' in result and "after the sitting closes" not in result
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Answer key:" in review and EXPLANATION in review and 'class="badge ok"' in review
    assert "answers-hidden" not in review
    assert state(client, attempt_id)["score"] == "100.00"


def test_c19_with_never_the_pages_say_results_are_not_published(client, clock, sitting, db):
    sitting.results_policy = ResultPolicy.NEVER
    db.commit()
    attempt_id = sat_at_10_20(client, clock, sitting)
    clock.set(at("17:00:00"))
    pages = everything_the_candidate_sees(client, attempt_id)
    assert_nothing_released(pages)
    assert "Scores of this sitting are not published to candidates" in pages["result"]
    assert "The answer key and explanations of this sitting are not published." in pages["review"]


def test_c19_without_answers_the_score_shows_at_the_close_and_the_key_never(client, clock, sitting, db):
    sitting.show_answers = False
    db.commit()
    attempt_id = sat_at_10_20(client, clock, sitting)
    clock.set(at("12:00:00"))
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "The answer key and explanations of this sitting are not published." in review
    assert "Answer key:" not in review and EXPLANATION not in review and 'class="badge ok"' not in review
    assert 'id="score"' in client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)


@pytest.mark.parametrize("releaser, page", [("admin_a", "/exams/sittings/{id}"), ("hr_a", "/reports/sittings/{id}")])
def test_c19_an_exam_admin_or_hr_releases_results_early_and_the_key_still_waits_for_the_close(
        client, client_factory, clock, db, sitting, releaser, page):
    attempt_id = sat_at_10_20(client, clock, sitting)
    clock.set(at("10:30:00"))
    staff = client_factory()
    staff.login(releaser)
    english(staff)
    before = staff.get(page.format(id=sitting.id)).get_data(as_text=True)
    assert 'id="release-results"' in before and "after the window closes at 2026-05-11 12:00" in before
    response = staff.form_post(f"{page.format(id=sitting.id)}/release-results")
    assert response.status_code == 302
    after = staff.get(page.format(id=sitting.id)).get_data(as_text=True)
    assert "Results released early on 2026-05-11 10:30 (Beijing time) by" in after
    assert 'id="release-results"' not in after

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == RELEASE_ACTION)).one()
    assert event.object_id == str(sitting.id) and event.actor.username == releaser
    assert event.before == {"results_released_at": None} and event.after["results_released_at"].startswith("2026-05-11T02:30")

    clock.set(at("10:31:00"))
    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert re.search(r'id="score">100 ', result)
    assert state(client, attempt_id)["score"] == "100.00"
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Answer key:" not in review and EXPLANATION not in review and 'class="badge ok"' not in review
    assert "The answer key and explanations are shown after the sitting closes, from 2026-05-11 12:00" in review
    clock.set(at("12:00:00"))
    assert EXPLANATION in client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)


def test_c19_a_second_release_says_it_was_done_already_and_changes_nothing(client_factory, clock, db, sitting):
    clock.set(at("10:30:00"))
    admin = client_factory()
    admin.login("admin_a")
    english(admin)
    admin.form_post(f"/exams/sittings/{sitting.id}/release-results")
    clock.set(at("10:40:00"))
    response = admin.form_post(f"/exams/sittings/{sitting.id}/release-results", follow_redirects=True)
    assert "The results of this sitting were released already." in response.get_data(as_text=True)
    db.refresh(sitting)
    assert sitting.results_released_at == at("10:30:00")
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == RELEASE_ACTION)).all()) == 1


def test_c19_hr_of_another_unit_or_a_cadre_cannot_release(client_factory, clock, db, make, sitting):
    clock.set(at("10:30:00"))
    city_b = db.scalars(select(User).where(User.username == "hr_b")).one().org_unit
    outsider = make.cadre(username="wangwu", unit=make.unit("乙市司法局", parent=city_b))
    sitting.roster.append(RosterEntry(user_id=outsider.id, added_at=clock.now()))
    db.commit()
    hr_b = client_factory()
    hr_b.login("hr_b")
    page = hr_b.get(f"/reports/sittings/{sitting.id}")  # city B's HR sees city B's cadre on city A's sitting
    assert page.status_code == 200 and 'id="release-results"' not in page.get_data(as_text=True)
    assert hr_b.form_post(f"/reports/sittings/{sitting.id}/release-results").status_code == 403
    cadre = client_factory()
    cadre.login("zhangsan")
    assert cadre.form_post(f"/reports/sittings/{sitting.id}/release-results").status_code == 403
    assert cadre.form_post(f"/exams/sittings/{sitting.id}/release-results").status_code == 403
    db.refresh(sitting)
    assert sitting.results_released_at is None


def test_c19_a_sitting_that_shows_results_at_once_offers_no_release(client_factory, clock, db, sitting):
    sitting.results_policy = ResultPolicy.IMMEDIATELY
    db.commit()
    admin = client_factory()
    admin.login("admin_a")
    assert 'id="release-results"' not in admin.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    response = admin.form_post(f"/exams/sittings/{sitting.id}/release-results")
    assert response.status_code == 302
    db.refresh(sitting)
    assert sitting.results_released_at is None
