"""Case C-17: nothing the candidate can fetch while the attempt is open carries a key, an
explanation or a hint of which option is right; after submission keys show only when the sitting
says so. The paper holds the case's four questions (single choice keyed C, multiple choice keyed
A and D, true/false, fill-in keyed 行政复议) and a short answer, whose reference answer and rubric
must not reach the candidate either."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from question_bank.models import QuestionVersion
from tests.webclient import without_csrf_tokens
from tests.scenarios import save, start_through_web, state, submit

EXPLANATION = "解析：行政复议机关应当依法审查"
LEGAL_BASIS = "《中华人民共和国行政复议法》第一条"
REFERENCE = "参考答案要点：复议前置"
RUBRIC = "评分标准：答出复议前置得满分"
FORBIDDEN_FIELDS = ("is_correct", "correct", "answer_key", "analysis", "explanation", "legal_basis", "option_score",
                    "rubric", "reference")
#: The fill-in question's slot, and what the candidate types there (never the key).
FILL_SLOT, FILL_ANSWER = 4, ["复议机关"]


def _exam(make, show_answers: bool = False):
    single = make.question("single_choice", key=["C"], explanation=EXPLANATION)
    multiple = make.question("multiple_choice", key=["A", "D"], explanation=EXPLANATION)
    true_false = make.question("true_false", key=True, explanation=EXPLANATION)
    fill = make.question("fill_blank", stem="对行政处罚决定不服的，可以依法申请（　）。", key=[["行政复议"]],
                         explanation=EXPLANATION)
    short = make.question("short_answer", key=REFERENCE, rubric=RUBRIC, explanation=EXPLANATION)
    for q in (single, multiple, true_false, fill, short):
        q.current_version.legal_basis = LEGAL_BASIS
    make.db.commit()
    cadre = make.cadre()
    paper = make.paper([("single_choice", 1, 20, "行政处罚法"), ("multiple_choice", 1, 20, "行政处罚法"),
                        ("true_false", 1, 20, "行政处罚法"), ("fill_blank", 1, 20, "行政处罚法"),
                        ("short_answer", 1, 20, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, show_answers=show_answers)
    return cadre, sitting, single, fill


def _everything_the_candidate_can_fetch(client, sitting, attempt_id) -> list[str]:
    return [
        client.get("/me/").get_data(as_text=True),
        client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True),
        client.get("/static/js/exam.js").get_data(as_text=True),
        str(state(client, attempt_id)),
        save(client, attempt_id, 1, ["A"], 1).get_data(as_text=True),
        save(client, attempt_id, 1, ["A"], 1).get_data(as_text=True),  # a retry
        save(client, attempt_id, FILL_SLOT, FILL_ANSWER, 2).get_data(as_text=True),
        save(client, attempt_id, 5, "行政机关应当依法行使职权", 3).get_data(as_text=True),
        str(state(client, attempt_id)),  # with the typed answers stored
    ]


def _without_volatile_parts(body: str) -> str:
    """Drop what differs between any two fetches: the signed CSRF token, the page's writer token
    and the server time."""
    body = without_csrf_tokens(body)
    body = re.sub(r'data-writer="[^"]+"', "", body)
    return re.sub(r"'server_time': '[^']+'|\"server_time\": ?\"[^\"]+\"", "", body)


def test_c17_no_key_or_explanation_in_anything_fetched_during_the_attempt(client, make):
    cadre, sitting, _, _ = _exam(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    bodies = _everything_the_candidate_can_fetch(client, sitting, attempt_id)
    assert 'data-answer-form="blanks"' in bodies[1] and 'name="slot-4-blank-1"' in bodies[1]
    for body in bodies:
        assert EXPLANATION not in body and "行政复议" not in body and LEGAL_BASIS not in body
        assert REFERENCE not in body and RUBRIC not in body
        for field in FORBIDDEN_FIELDS:
            assert not re.search(rf"\b{field}\b", body), f"{field!r} in a candidate response"


def test_c17_responses_are_the_same_whichever_option_is_the_key(client, make, db):
    cadre, sitting, single, fill = _exam(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    # So that both rounds below find the same saved state:
    save(client, attempt_id, 1, ["A"], 1)
    save(client, attempt_id, FILL_SLOT, FILL_ANSWER, 2)
    save(client, attempt_id, 5, "行政机关应当依法行使职权", 3)
    before = [_without_volatile_parts(b) for b in _everything_the_candidate_can_fetch(client, sitting, attempt_id)]
    db.execute(update(QuestionVersion).where(QuestionVersion.id == single.current_version_id).values(key=["B"]))
    db.execute(update(QuestionVersion).where(QuestionVersion.id == fill.current_version_id)
               .values(key=[["复议机关", "行政诉讼"]]))
    db.commit()
    after = [_without_volatile_parts(b) for b in _everything_the_candidate_can_fetch(client, sitting, attempt_id)]
    assert before == after


@pytest.mark.parametrize("show_answers", [False, True])
def test_c17_keys_show_after_submit_only_when_the_sitting_allows(client, make, show_answers):
    cadre, sitting, _, _ = _exam(make, show_answers=show_answers)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    submit(client, attempt_id, {1: ["A"], FILL_SLOT: FILL_ANSWER})  # the short answer left empty: nothing to mark
    review = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    assert (EXPLANATION in review) is show_answers
    assert (LEGAL_BASIS in review) is show_answers
    assert "复议机关" in review  # the candidate's own answer
    assert ('class="blank-key"' in review) is show_answers and ('class="wrong"' in review) is show_answers
    assert (REFERENCE in review) is show_answers
    assert RUBRIC not in review  # the rubric is for markers
