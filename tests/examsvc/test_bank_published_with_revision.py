"""A published question whose revision waits for review, or was returned to draft, is still
published: papers draw its published version, so the bank list's 已发布 filter and exports filtered
by it hold it, and an export writes the published version, saying that a revision exists (trial of
issue 5)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from question_bank.models import ImportBatch, QuestionStatus, Role
from question_bank.services import review
from tests.forms import upload


@pytest.fixture
def revised(make, db):
    """One published question under review with a new stem, one returned to draft, one plain."""
    in_review = make.question("single_choice", category="宪法", stem="已发布题干甲")
    make.revision(in_review, stem="未审修订甲")
    returned = make.question("single_choice", category="宪法", stem="已发布题干乙")
    make.revision(returned, stem="退回修订乙")
    review.return_to_draft(db, make.clock, make.user(Role.BANK_REVIEWER), returned, "再改改")
    db.commit()
    plain = make.question("single_choice", category="宪法", stem="已发布题干丙")
    make.question("single_choice", category="宪法", stem="从未发布的草稿", status=QuestionStatus.DRAFT)
    db.commit()
    return in_review, returned, plain


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, username="editor")
    client.login(user.username)
    return user


def test_the_published_filter_lists_questions_whose_revision_is_pending(client, editor, revised):
    page = client.get("/bank/questions?status=published").get_data(as_text=True)
    for question in revised:
        assert f"/bank/questions/{question.id}\"" in page or f"/bank/questions/{question.id}" in page
    assert "从未发布的草稿" not in page and "未审修订甲" in page


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "gift", "moodle_xml"])
def test_an_export_by_the_published_filter_writes_the_published_text(client, editor, revised, file_format):
    # (JSON Lines, which holds every version, is read field by field below.)
    text = client.get(f"/bank/export.{file_format}?status=published").get_data()
    shown = text.decode("utf-8-sig") if file_format != "xlsx" else " ".join(
        str(c) for row in load_workbook(io.BytesIO(text))["题库"].iter_rows(values_only=True) for c in row)
    assert all(stem in shown for stem in ("已发布题干甲", "已发布题干乙", "已发布题干丙"))
    assert "未审修订甲" not in shown and "退回修订乙" not in shown and "从未发布的草稿" not in shown


def test_an_export_says_which_questions_have_a_pending_revision(client, editor, revised):
    in_review, returned, plain = revised
    book = load_workbook(io.BytesIO(client.get("/bank/export.xlsx?status=published").data))
    sheet = book["题库"]
    notes = {row[1].value: row[1].comment.text if row[1].comment else None for row in sheet.iter_rows(min_row=2)}
    assert "第2版" in notes["已发布题干甲"] and "已发布版本（第1版）" in notes["已发布题干甲"]
    assert "第2版" in notes["已发布题干乙"]
    assert notes["已发布题干丙"] is None

    lines = {line["id"]: line for line in map(json.loads, client.get("/bank/export.jsonl?status=published")
                                             .get_data(as_text=True).splitlines())}
    assert lines[in_review.id]["stem"] == "已发布题干甲" and lines[in_review.id]["version_no"] == 1
    assert lines[in_review.id]["pending_revision"] == 2
    assert [v["stem"] for v in lines[in_review.id]["versions"]] == ["已发布题干甲", "未审修订甲"]
    assert lines[plain.id]["pending_revision"] is None


def test_an_exported_workbook_with_a_pending_revision_note_imports_back_whole(client, editor, revised, db):
    data = client.get("/bank/export.xlsx?status=published").data
    assert upload(client, "export.xlsx", data, repeats="keep").status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    assert batch.question_count == 3 and not batch.report.get("notices")
