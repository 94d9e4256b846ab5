"""Ready-made exam situations shared by the case tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from question_bank.models import OrgUnit, Sitting, UnitLevel, User
from question_bank.points import is_exact_points
from question_bank.services import practice
from question_bank.services.delivery import to_display
from tests.factories import Factory
from tests.webclient import ExamClient


@dataclass
class Exam:
    cadre: User
    sitting: Sitting


def single_choice_exam(make: Factory, count: int = 5, minutes: int = 30, key: str = "B", **sitting_args: Any) -> Exam:
    """``count`` single-choice questions keyed ``key``, slots in bank order (no shuffling, so slot N
    is the Nth question); 100 points in all when ``count`` divides 100 into hundredths, else 10
    points each (marks are never rounded, C-20)."""
    make.questions(count, "single_choice", key=[key])
    cadre = make.cadre()
    mark = Decimal(100) / count
    paper = make.paper([("single_choice", count, mark if is_exact_points(mark) else 10, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], minutes=minutes, shuffle=False, **sitting_args)
    return Exam(cadre, sitting)


def start_through_web(client: ExamClient, sitting: Sitting, **extra_form: Any) -> int:
    """Start (or resume) the sitting as the signed-in candidate; returns the attempt id."""
    response = client.form_post(f"/me/sittings/{sitting.id}/start", {"pledge": "accepted", **extra_form})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


#: The page token tests save under unless they play several pages.
WRITER = "test-page"


def save(client: ExamClient, attempt_id: int, slot: int, answer: Any, seq: int, writer: str = WRITER,
         base: int | None = None):
    """Autosave as the exam page does: one slot, its answer, the page's sequence number and token,
    and ``base`` the slot version the page last saw. By default the base is the version this client
    last heard of for the slot (from a save's reply or a state poll), as one page keeps it."""
    if base is None:
        base = _seen(client).get((attempt_id, slot), 0)
    response = client.api_post(f"/api/attempts/{attempt_id}/responses",
                               {"slot": slot, "answer": answer, "seq": seq, "writer": writer, "base": base})
    stored = (response.get_json(silent=True) or {}).get("stored")
    if stored:
        _seen(client)[(attempt_id, slot)] = stored["version"]
    return response


def _seen(client: ExamClient) -> dict[tuple[int, int], int]:
    """(attempt, slot) → the slot version this client last heard of."""
    if not hasattr(client, "seen_versions"):
        client.seen_versions = {}
    return client.seen_versions


def submit(client: ExamClient, attempt_id: int, answers: dict[int, Any] | None = None, writer: str = "submit-page",
           bases: dict[int, int] | None = None):
    """Submit as the exam page does, with ``answers`` as its unacknowledged changes (numbered 1000,
    1001… under ``writer``), each based on ``bases[slot]`` or else the version this client last
    heard of."""
    seen = _seen(client)
    payload = {str(slot): {"answer": answer, "writer": writer, "seq": 1000 + n,
                           "base": (bases or {}).get(slot, seen.get((attempt_id, slot), 0))}
               for n, (slot, answer) in enumerate(sorted((answers or {}).items()))}
    return client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": payload})


def state(client: ExamClient, attempt_id: int) -> dict[str, Any]:
    response = client.get(f"/api/attempts/{attempt_id}/state", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    for slot, version in body.get("versions", {}).items():
        _seen(client)[(attempt_id, int(slot))] = version
    return body


# --- practice -------------------------------------------------------------------------------------

def some_answer(item):
    """Any answer a practice question takes (letter A, true, a text per blank): right or wrong."""
    view = practice.question_view(item)
    return {"options": ["A"], "true_false": "T", "blanks": ["某答案"] * view.blanks}[view.answer_form]


def right_answer(item):
    """The key of a practice item in the form the page sends it: the letters the cadre sees,
    "T"/"F", the first accepted answer of each blank."""
    key = to_display(item, item.question_version.key)
    return [alternatives[0] for alternatives in key] if item.question_version.qtype == "fill_blank" else key


def wrong_answer(item):
    """An answer to a practice item that is surely wrong."""
    view = practice.question_view(item)
    if view.answer_form == "true_false":
        return "F" if right_answer(item) == "T" else "T"
    if view.answer_form == "blanks":
        return ["不对"] * view.blanks
    right = right_answer(item)
    others = [letter for letter, _ in view.options if letter not in right]
    # A key of every option: one of them alone is partly right, which practice counts as wrong.
    return others[:1] or right[:1]


def handed_in(db, clock, cadre: User, sitting: Sitting, answers: dict[int, Any], seed: int | None = None):
    """``cadre`` starts ``sitting`` (``seed``: the draw and order, as ``start_attempt`` takes it),
    saves ``answers`` (slot → answer, each the slot's first change) and hands the paper in, through
    the services at the clock's time; not committed. Returns the attempt."""
    from question_bank.services import attempts

    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed)
    for slot, answer in answers.items():
        attempts.save_response(db, clock, cadre, attempt.id, slot, answer, 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    return attempt


#: A 100-point paper of two single-choice questions: 60 points on 行政处罚法, 40 on 行政许可法.
TWO_LAWS_PAPER = [("single_choice", 1, "60", "行政处罚法"), ("single_choice", 1, "40", "行政许可法")]


def two_laws_and_two_cities(make: Factory) -> tuple[OrgUnit, OrgUnit]:
    """A bank for :data:`TWO_LAWS_PAPER` (two published questions of each law) and two cities under
    the province, as the HR reports group candidates: (甲市, 乙市)."""
    make.questions(2, category="行政处罚法")
    make.questions(2, category="行政许可法")
    return make.unit("甲市", level=UnitLevel.CITY), make.unit("乙市", level=UnitLevel.CITY)


def short_answer_awaiting_marking(db, clock, make: Factory, points: int = 100):
    """A cadre's submitted attempt at a one-question short-answer paper worth ``points``, its
    answer "依法行政" waiting in the marking queue; committed. Returns the attempt."""
    make.question("short_answer")
    paper = make.paper([("short_answer", 1, points, "行政处罚法")])
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False)
    attempt = handed_in(db, clock, cadre, sitting, {1: "依法行政"})
    db.commit()
    return attempt
