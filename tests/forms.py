"""Form posts as a browser sends them, for the pages that take many fields."""

from __future__ import annotations

import io
import re

from tests.webclient import ExamClient

#: The review stamp a question or batch page carries in its approval form (review_stamps).
_REVIEWED = re.compile(r'name="reviewed" value="([0-9a-f]*)"')

#: Rows the paper form shows; blank rows are ignored.
PAPER_FORM_ROWS = 8


def upload(client: ExamClient, filename: str, data: bytes, mode: str | None = None, repeats: str | None = None):
    """Upload a bank file on the import page (mode: all_or_nothing or valid_only; repeats: ask,
    skip or keep)."""
    form = {"file": (io.BytesIO(data), filename)}
    if mode:
        form["mode"] = mode
    if repeats:
        form["repeats"] = repeats
    return client.form_post("/bank/import", form, content_type="multipart/form-data")


def reviewed_stamp(client: ExamClient, path: str) -> str:
    """The review stamp of the approval form on the page at ``path``, as a reviewer reading it gets."""
    found = _REVIEWED.search(client.get(path).get_data(as_text=True))
    assert found, f"no approval form on {path}"
    return found.group(1)


def approve_question(client: ExamClient, question_id: int, **fields: str):
    """Approve a question as its page does: read the page, then post its stamp (and ``fields``)."""
    stamp = reviewed_stamp(client, f"/bank/questions/{question_id}")
    return client.form_post(f"/bank/questions/{question_id}/approve", {"reviewed": stamp, **fields})


def decide_batch(client: ExamClient, batch_id: int, fields: dict[str, str]):
    """Decide a batch as its page does: read the page, then post ``fields`` with its stamp."""
    stamp = reviewed_stamp(client, f"/bank/batches/{batch_id}")
    return client.form_post(f"/bank/batches/{batch_id}/decide", {"reviewed": stamp, **fields})


def section_fields(*rows: tuple[str, int, str, str]) -> dict[str, str]:
    """The sections table: (qtype, count, points each, category) rows, then blank ones."""
    data: dict[str, str] = {}
    rows = rows + (("", "", "", ""),) * (PAPER_FORM_ROWS - len(rows))
    for i, (qtype, count, mark, category) in enumerate(rows):
        data.update({f"sections-{i}-qtype": qtype, f"sections-{i}-count": str(count), f"sections-{i}-mark": mark,
                     f"sections-{i}-category": category, f"sections-{i}-include_subcategories": "y",
                     f"sections-{i}-difficulty_min": "1", f"sections-{i}-difficulty_max": "5"})
    return data


def paper_form(title: str, *rows, action: str = "save") -> dict[str, str]:
    return {"title": title, "multi_rule": "all_or_nothing", "description": "", "action": action, **section_fields(*rows)}


def sitting_form(paper_id: int, **changes: str) -> dict[str, str]:
    """A pre-appointment sitting on 2026-05-11 09:00–17:00 Beijing time, 60 minutes, pass mark 60."""
    data = {"title": "任前法律知识考试（五月）", "kind": "pre_appointment", "paper": str(paper_id),
            "opens_at": "2026-05-11T09:00", "closes_at": "2026-05-11T17:00", "time_limit_min": "60",
            "pass_mark": "60", "excellent_mark": "", "attempts_allowed": "1", "grace_s": "30",
            "shuffle_questions": "y", "shuffle_options": "y", "results_policy": "immediately"}
    data.update(changes)
    return data
