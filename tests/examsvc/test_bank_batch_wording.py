"""The import pages say times, states and places one way (issue 5): the "already in the bank"
warning gives the earlier upload's time in Beijing time as the batch page does (never UTC), every
batch state is named in Chinese wherever a batch is listed, and the table of options pinned at
import names each row's sheet, as the other tables of a many-sheet import do."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook
from sqlalchemy import select

from question_bank.models import BatchStatus, ImportBatch, Role
from tests.examsvc.test_bank_question_pages import signed_in
from tests.factories import questions_xlsx
from tests.forms import upload

ROW = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "以上都不对", "C", "", "", "", "", "行政处罚法", "")


def test_the_repeat_warning_gives_the_earlier_upload_in_beijing_time_as_the_batch_page_does(client, db, clock, make):
    # 01:30 UTC is 09:30 in Beijing; a page showing 01:30 shows UTC.
    clock.set(dt.datetime(2026, 5, 11, 1, 30, tzinfo=dt.timezone.utc))
    signed_in(client, make.user(Role.BANK_EDITOR, username="editor"))
    data = questions_xlsx([ROW])
    assert upload(client, "q.xlsx", data).status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    batch_page = client.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    assert "2026-05-11 09:30" in batch_page

    clock.set(dt.datetime(2026, 5, 12, 2, 0, tzinfo=dt.timezone.utc))
    warning = upload(client, "again.xlsx", data).get_data(as_text=True)
    said = warning.split(f'data-same-file="{batch.id}"')[1].split("</p>")[0]
    assert "2026-05-11 09:30" in said and "01:30" not in said
    # The earlier batch's state is named too, as the batch page names it.
    assert 'data-status="in_review">In review<' in said
    # Which file is which (the earlier batch, this upload), and what to do.
    advice = warning.split("data-same-file-advice>")[1].split("</p>")[0]
    assert advice == ("This upload (again.xlsx) is that file again. Unless you mean to import its questions a second "
                      "time, choose “Do not import this file”.")


def test_every_batch_state_is_named_in_chinese_on_the_list_and_the_batch_page(client, db, clock, make):
    editor = make.user(Role.BANK_EDITOR, username="editor")
    signed_in(client, editor, english=False)
    assert upload(client, "q.xlsx", questions_xlsx([ROW])).status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    for status in BatchStatus:
        batch.status = status
        db.commit()
        for page in (client.get("/bank/batches"), client.get(f"/bank/batches/{batch.id}")):
            badge = re.search(rf'data-status="{status.value}">([^<]*)<', page.get_data(as_text=True)).group(1)
            assert badge and badge != status.value and re.search(r"[\u4e00-\u9fff]", badge), (status, badge)


def test_the_table_of_options_pinned_at_import_names_each_rows_sheet(client, db, make):
    signed_in(client, make.user(Role.BANK_EDITOR, username="editor"))
    book = Workbook()
    header = ("题干", "选项A", "选项B", "选项C", "答案", "分类")
    for index, (title, stem) in enumerate([("单选题", "下列属于行政处罚的是（ ）"), ("多选题", "下列属于行政强制的是（ ）")]):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(header)
        sheet.append((stem, "警告", "罚款", "以上都是", "C" if index == 0 else "AB", "行政法"))
    out = io.BytesIO()
    book.save(out)
    assert upload(client, "两张表.xlsx", out.getvalue()).status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    page = client.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    table = page.split('id="pinned-proposals"')[1].split("</table>")[0]
    assert "<th>Sheet</th>" in table
    rows = re.findall(r"<tr data-row=\"2\">\s*<td[^>]*>([^<]*)</td>", table)
    assert sorted(rows) == ["单选题", "多选题"]
