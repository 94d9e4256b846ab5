"""Case C-17: nothing the candidate can fetch while the attempt is open carries a key, an
explanation or a hint of which option is right; after submission keys show only when the sitting
says so.

The case's fill-in question waits for the fill-in type; the explanation and legal-basis texts
below play its part as strings that must never reach the candidate during the attempt."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from question_bank.models import QuestionVersion
from tests.webclient import without_csrf_tokens
from tests.scenarios import save, start_through_web, state, submit

EXPLANATION = "解析：行政复议机关应当依法审查"
LEGAL_BASIS = "《中华人民共和国行政复议法》第一条"
FORBIDDEN_FIELDS = ("is_correct", "correct", "answer_key", "analysis", "explanation", "legal_basis", "option_score")


def _exam(make, show_answers: bool = False):
    single = make.question("single_choice", key=["C"], explanation=EXPLANATION)
    multiple = make.question("multiple_choice", key=["A", "D"], explanation=EXPLANATION)
    true_false = make.question("true_false", key=True, explanation=EXPLANATION)
    for q in (single, multiple, true_false):
        q.current_version.legal_basis = LEGAL_BASIS
    make.db.commit()
    cadre = make.cadre()
    paper = make.paper([("single_choice", 1, 40, "行政处罚法"), ("multiple_choice", 1, 40, "行政处罚法"),
                        ("true_false", 1, 20, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, show_answers=show_answers)
    return cadre, sitting, single


def _everything_the_candidate_can_fetch(client, sitting, attempt_id) -> list[str]:
    return [
        client.get("/me/").get_data(as_text=True),
        client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True),
        client.get("/static/js/exam.js").get_data(as_text=True),
        str(state(client, attempt_id)),
        save(client, attempt_id, 1, ["A"], 1).get_data(as_text=True),
        save(client, attempt_id, 1, ["A"], 1).get_data(as_text=True),  # a retry
    ]


def _without_volatile_parts(body: str) -> str:
    """Drop what differs between any two fetches: the signed CSRF token, the page's writer token
    and the server time."""
    body = without_csrf_tokens(body)
    body = re.sub(r'data-writer="[^"]+"', "", body)
    return re.sub(r"'server_time': '[^']+'|\"server_time\": ?\"[^\"]+\"", "", body)


def test_c17_no_key_or_explanation_in_anything_fetched_during_the_attempt(client, make):
    cadre, sitting, _ = _exam(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    for body in _everything_the_candidate_can_fetch(client, sitting, attempt_id):
        assert EXPLANATION not in body and "行政复议" not in body and LEGAL_BASIS not in body
        for field in FORBIDDEN_FIELDS:
            assert not re.search(rf"\b{field}\b", body), f"{field!r} in a candidate response"


def test_c17_responses_are_the_same_whichever_option_is_the_key(client, make, db):
    cadre, sitting, single = _exam(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    save(client, attempt_id, 1, ["A"], 1)  # so that both rounds below find the same saved state
    before = [_without_volatile_parts(b) for b in _everything_the_candidate_can_fetch(client, sitting, attempt_id)]
    db.execute(update(QuestionVersion).where(QuestionVersion.id == single.current_version_id).values(key=["B"]))
    db.commit()
    after = [_without_volatile_parts(b) for b in _everything_the_candidate_can_fetch(client, sitting, attempt_id)]
    assert before == after


@pytest.mark.parametrize("show_answers", [False, True])
def test_c17_keys_show_after_submit_only_when_the_sitting_allows(client, make, show_answers):
    cadre, sitting, _ = _exam(make, show_answers=show_answers)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    submit(client, attempt_id, {1: ["A"]})
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert (EXPLANATION in review) is show_answers
    assert (LEGAL_BASIS in review) is show_answers
