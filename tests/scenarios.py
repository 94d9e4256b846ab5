"""Ready-made exam situations shared by the case tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from question_bank.models import Sitting, User
from question_bank.points import is_exact_points
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


def save(client: ExamClient, attempt_id: int, slot: int, answer: Any, seq: int, writer: str = WRITER):
    """Autosave as the exam page does: one slot, its answer, the page's sequence number and token."""
    return client.api_post(f"/api/attempts/{attempt_id}/responses",
                           {"slot": slot, "answer": answer, "seq": seq, "writer": writer})


def submit(client: ExamClient, attempt_id: int, answers: dict[int, Any] | None = None):
    return client.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {str(k): v for k, v in (answers or {}).items()}})


def state(client: ExamClient, attempt_id: int) -> dict[str, Any]:
    response = client.get(f"/api/attempts/{attempt_id}/state", headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.get_json()
