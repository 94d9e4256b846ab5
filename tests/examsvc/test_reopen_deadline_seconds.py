"""A re-opened attempt's new deadline can be given to the second (issue-6/9 trial: at 11:32:18 with a
2-minute cap, the minute-only field's latest choice, 11:33, gave the candidate 41 s)."""

from __future__ import annotations

import pytest

from question_bank.models import Attempt, AttemptState, Role
from tests.conftest import at
from tests.scenarios import single_choice_exam, start_through_web, submit


@pytest.fixture
def closed(make, client, db, clock):
    """A 2-minute attempt handed in, the exam admin's client, and the attempt's id, at 10:40:18."""
    exam = single_choice_exam(make, count=2, minutes=2)
    admin = make.user(Role.EXAM_ADMIN)
    client.login(exam.cadre.username)
    attempt_id = start_through_web(client, exam.sitting)
    submit(client, attempt_id)
    client.login(admin.username)
    clock.set(at("10:40:18"))
    return attempt_id


def test_the_reopen_form_takes_seconds(client, closed):
    page = client.get(f"/exams/attempts/{closed}").get_data(as_text=True)
    field = page.split('name="deadline"')[0].rsplit("<input", 1)[1] + page.split('name="deadline"')[1].split(">")[0]
    assert 'type="datetime-local"' in field and 'step="1"' in field


def test_the_whole_cap_can_be_given_to_the_second_and_not_a_second_more(client, closed, db):
    too_late = client.form_post(f"/exams/attempts/{closed}/reopen", {"reason": "手机故障", "deadline": "2026-05-11T10:42:19"})
    assert too_late.status_code == 422
    given = client.form_post(f"/exams/attempts/{closed}/reopen", {"reason": "手机故障", "deadline": "2026-05-11T10:42:18"})
    assert given.status_code == 302, given.get_data(as_text=True)[:1500]
    db.rollback()
    attempt = db.get(Attempt, closed)
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.deadline == at("10:42:18")
