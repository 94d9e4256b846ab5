"""The import pages say a changed answer apart from a repeat, and name the sheet of every place in a
file of several sheets (issue 5): the held upload lists "same stem and options, different answer:
question 7 in the bank has 对, sheet 题库, row 2 has 错"; the batch page lists changed answers in their
own table, names an in-file twin as the row it is (never as "the bank"), and groups problems with
their sheets; "leave out every flagged repeat" keeps a changed answer."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from question_bank.models import ImportBatch, Question, QuestionStatus, Role
from tests.examsvc.test_bank_import_pages import in_english
from tests.factories import book_bytes, questions_xlsx
from tests.forms import decide_batch, upload

STEM = "宪法是国家的根本法，具有最高的法律效力（ ）"


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, username="editor")
    client.login(user.username)
    in_english(client)
    return user


def tf_row(key: str) -> tuple:
    return ("判断", STEM, "", "", "", "", key, "", "", "", "", "宪法", "")


def test_a_held_upload_shows_a_corrected_key_apart_from_the_repeats(client, editor, make, db):
    existing = make.question("true_false", stem=STEM, key=True)
    response = upload(client, "q.xlsx", questions_xlsx([tf_row("错")]), "valid_only", "ask")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    # Which is which, in one sentence, and what to do with either outcome.
    assert (f"sheet 题库, row 2 has the same stem and options as question {existing.id} in the bank but another "
            f"answer: question {existing.id} in the bank has 对, sheet 题库, row 2 has 错. Check which is right: if "
            f"sheet 题库, row 2 corrects the answer, keep sheet 题库, row 2 and, once it is approved, retire question "
            f"{existing.id} in the bank; if not, correct sheet 题库, row 2.") in " ".join(page.split())
    assert "some questions change the answer of questions in the bank" in page
    assert 'class="import-repeats"' not in page and f"question {existing.id}" in page


def test_the_batch_page_lists_changed_answers_apart_and_the_reviewer_keeps_them(
        client, client_factory, editor, make, db):
    header = ["题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, key in (("单选题", "A"), ("多选题", "AB")):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        sheet.append(["下列说法正确的是（ ）", "甲", "乙", "丙", "丁", key, "法"])
        sheet.append(["这一行没有答案（ ）", "甲", "乙", "丙", "丁", None, "法"])
    assert upload(client, "ms.xlsx", book_bytes(workbook), "valid_only", "keep").status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER, username="reviewer").username)
    in_english(reviewer)
    page = reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    assert 'id="import-changed-answers"' in page and 'data-count="changed-answers">1<' in page
    # Both rows are of this file: the first is named as its row, not as "the bank".
    assert ("sheet 多选题, row 2 has the same stem and options as sheet 单选题, row 2 of this file but another type: "
            "sheet 单选题, row 2 of this file is Single choice with the answer A, sheet 多选题, row 2 is Multiple choice "
            "with the answer AB. The file holds this question twice") in " ".join(page.split())
    assert 'data-twin="file"' in page and 'data-twin="bank"' not in page
    assert "单选题 row 3, 多选题 row 3" in page  # the grouped problems keep their sheets
    assert 'data-count="flagged-repeats"' not in page
    assert decide_batch(reviewer, batch.id, {"approve": "1", "leave_out_repeats": "y"}).status_code == 302
    db.expire_all()
    assert {q.status for q in db.scalars(select(Question).where(Question.import_batch_id == batch.id))} == {
        QuestionStatus.PUBLISHED}
