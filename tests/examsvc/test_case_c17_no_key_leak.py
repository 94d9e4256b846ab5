"""Case C-17: nothing the candidate can fetch while the attempt is open carries a key, an
explanation or a hint of which option is right; after submission keys show only when the sitting
says so. The paper holds the case's four questions (single choice keyed C, multiple choice keyed
A and D, true/false, fill-in keyed 行政复议) and a short answer, whose reference answer and rubric
must not reach the candidate either."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select, update

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


def _exam_with_versions(make):
    """The case's exam without shuffling; returns (cadre, sitting, question name → version id)."""
    cadre, sitting, single, fill = _exam(make)
    by_type = {v.qtype: v.id for v in make.db.scalars(select(QuestionVersion))}
    versions = {"single": single.current_version_id, "multiple": by_type["multiple_choice"],
                "true_false": by_type["true_false"], "fill": fill.current_version_id}
    return cadre, sitting, versions


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


#: Each question's key as the case sets it, and a second key to swap in: every saved answer below is
#: right under one of the two and wrong under the other (a changed key turns each right answer wrong
#: and each wrong one right), so a right/wrong signal anywhere would make the two rounds differ.
KEYS = {"single": (["C"], ["B"]), "multiple": (["A", "D"], ["B", "C"]), "true_false": (True, False),
        "fill": ([["行政复议"]], [["复议机关", "行政诉讼"]])}
#: slot → (question, saved answer): right under the first key for single and true/false, under the
#: second for multiple choice and fill-in.
SAVED = {1: ("single", ["C"]), 2: ("multiple", ["B", "C"]), 3: ("true_false", True), 4: ("fill", FILL_ANSWER)}


def _swap_keys(db, versions: dict[str, int], which: int) -> None:
    for name, version_id in versions.items():
        db.execute(update(QuestionVersion).where(QuestionVersion.id == version_id).values(key=KEYS[name][which]))
    db.commit()


def _the_attempt_as_fetched(client, attempt_id) -> list[str]:
    """Everything the candidate's pages fetch while the answers of SAVED are stored: the pages, the
    state poll, and a save of each slot again (the same answer, a new number), right ones and wrong
    ones alike."""
    bodies = [client.get("/me/").get_data(as_text=True), client.get(f"/me/attempts/{attempt_id}").get_data(as_text=True),
              str(state(client, attempt_id))]
    for slot, (_, answer) in SAVED.items():
        client.seq = getattr(client, "seq", 100) + 1
        bodies.append(save(client, attempt_id, slot, answer, client.seq).get_data(as_text=True))
    return bodies + [str(state(client, attempt_id))]


def _without_counters(body: str) -> str:
    """Drop what each round's saves move on whatever the key: the slots' versions and the saves'
    sequence numbers."""
    body = re.sub(r'data-version="\d+"|"version": ?\d+|"seq": ?\d+', "", body)
    return re.sub(r"'versions': \{[^}]*\}", "", body)


def test_c17_responses_are_the_same_whichever_option_is_the_key(client, make, db):
    cadre, sitting, versions = _exam_with_versions(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    for seq, (slot, (_, answer)) in enumerate(SAVED.items(), start=1):
        assert save(client, attempt_id, slot, answer, seq).status_code == 200
    rounds = []
    for which in (0, 1, 0):
        _swap_keys(db, versions, which)
        rounds.append([_without_counters(_without_volatile_parts(b)) for b in _the_attempt_as_fetched(client, attempt_id)])
    assert rounds[0] == rounds[1] == rounds[2]


def test_c17_the_review_while_answers_are_hidden_is_the_same_whichever_option_is_the_key(client, make, db):
    cadre, sitting, versions = _exam_with_versions(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    submit(client, attempt_id, {slot: answer for slot, (_, answer) in SAVED.items()})
    pages = []
    for which in (0, 1):
        _swap_keys(db, versions, which)
        pages.append(_without_volatile_parts(client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)))
    assert pages[0] == pages[1]
    assert not _names_that_speak_of_keys([pages[0]])


#: Names that contain correct / key / answer / right and say nothing of the key, each with why.
INNOCENT_NAMES = {
    "answer": "JSON: the candidate's own answer echoed back by a save",
    "answered": "JSON: how many slots the candidate has answered",
    "data-answer-form": "attribute: the kind of input a question type takes (options, blanks, text)",
    "data-msg-all-answered": "attribute: the message shown when every slot is answered",
    "data-msg-unanswered": "attribute: the message shown for unanswered slots",
    "answer-card": "class/id: the card listing the slots",
    "written-answer": "class: the short answer the candidate wrote",
    "blank-answer": "class: a blank's input",
    "text-answer": "class: the short answer's input",
    "answers-hidden": "id: the notice that answers are not shown",
    "answered": "class: a slot the candidate answered",
    "answered-count": "id: how many slots are answered",
}
_SPEAKS_OF_KEYS = re.compile(r"correct|key|answer|right", re.IGNORECASE)


class _Names(HTMLParser):
    """Every attribute name of a page, and every word of its class, id, name and for values."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.names.add(name)
            if name in ("class", "id", "name", "for") and value:
                self.names.update(re.sub(r"\d+", "N", word) for word in value.split())


def _json_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _json_keys(v)}
    return set()


def _names_that_speak_of_keys(bodies: list[str]) -> set[str]:
    """Names in the bodies (JSON keys at any depth, HTML attribute names and class/id/name/for
    words) that contain correct, key, answer or right, in any case, and are not innocent."""
    names: set[str] = set()
    for body in bodies:
        try:
            names |= _json_keys(json.loads(body))
        except ValueError:
            parser = _Names()
            parser.feed(body)
            names |= parser.names
    return {n for n in names if _SPEAKS_OF_KEYS.search(n) and n not in INNOCENT_NAMES}


def test_c17_no_name_in_any_response_speaks_of_keys_or_right_answers(client, make, db):
    cadre, sitting, versions = _exam_with_versions(make)
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    bodies = [client.get("/static/js/exam.js").get_data(as_text=True)]
    for slot, (_, answer) in SAVED.items():
        bodies.append(save(client, attempt_id, slot, answer, slot).get_data(as_text=True))
    bodies += _the_attempt_as_fetched(client, attempt_id)
    bodies.append(json.dumps(client.get(f"/api/attempts/{attempt_id}/state",
                                        headers={"Accept": "application/json"}).get_json()))
    assert not _names_that_speak_of_keys(bodies)
    # The walk sees what it looks for: a planted name is found in JSON and in HTML alike.
    assert _names_that_speak_of_keys(['{"stored": {"isRight": true}}', '<li data-correct-option="A">']) == {
        "isRight", "data-correct-option"}


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
