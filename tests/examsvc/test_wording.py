"""Words the Chinese pages use (tester's defect 6): the law page names a document's 效力级别, the
study item form 条文 and 备注, the law review's clear button says what it does and its two forms
repeat no id, problems name fields in Chinese, a refused list import speaks of 学习事项, and
WTForms' own messages are in Chinese too."""

from __future__ import annotations

import io
import re
from collections import Counter

from sqlalchemy import select

from question_bank.errors import Place
from question_bank.models import LawVersion, Requirement, Role
from question_bank.services import study_lists
from examsvc.errors import format_place
from tests.examsvc.test_bank_question_pages import signed_in
from tests.examsvc.test_law_review_pages import held  # noqa: F401  (fixture)
from tests.factories import workbook_bytes


def test_the_law_page_names_the_kind_of_document_as_the_load_form_does(client, make, db):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    version = db.scalar(select(LawVersion))
    page = signed_in(client, make.user(Role.LAW_ADMIN), english=False).get(f"/laws/versions/{version.id}").get_data(as_text=True)
    assert "<dt>效力级别</dt>" in page and "考试类型" not in page


def test_the_law_review_page_says_what_clearing_does_and_repeats_no_id(client, make, held):  # noqa: F811
    _, _, flag = held
    page = signed_in(client, make.user(Role.BANK_REVIEWER), english=False).get(f"/law-review/{flag.id}").get_data(as_text=True)
    assert "确认无需修改" in page and ">重置<" not in page
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []


def test_study_item_form_labels_and_chinese_wtforms_messages(client, make, db, clock):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    admin = make.user(Role.STUDY_ADMIN, username="studyadmin")
    made = study_lists.create_list(db, clock, admin, study_lists.ListValues(title="测试清单", year=2026))
    item = study_lists.add_item(db, clock, admin, made, study_lists.ItemValues(
        db.scalar(select(LawVersion.law_id)), "第九条", Requirement.CLOSE_STUDY))
    db.commit()
    signed_in(client, admin, english=False)
    page = client.get(f"/study/lists/{made.id}/items/{item.id}/edit").get_data(as_text=True)
    assert re.search(r'<label for="articles">条文</label>', page) and re.search(r'<label for="note">备注</label>', page)
    page = client.form_post("/study/lists/new", {"title": "测试清单", "year": "2026", "threshold": "3",
                                                 "target_units": "999999"}).get_data(as_text=True)
    assert "is not a valid choice" not in page and "不是此字段的有效选项" in page


def test_problems_name_study_fields_in_chinese_and_a_refused_import_speaks_of_items(client, app, make, db):
    with app.test_request_context("/"):
        assert (format_place("scope"), format_place("year")) == ("学习范围", "年度")
    make.laws("行政法/行政处罚法(2021-01-22).md")
    signed_in(client, make.user(Role.STUDY_ADMIN, username="studyadmin"), english=False)
    data = workbook_bytes("学法清单", ("测试清单",), [("序号", "法律法规名称", "学习范围", "学习要求"), (1, "行政处罚法", "全文", "精学")])
    page = client.form_post("/study/lists/import", {"file": (io.BytesIO(data), "list.xlsx")},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "未导入任何学习事项" in page and "未导入任何试题" not in page
    assert "<li><strong>年度</strong>：" in page and "<strong>year</strong>" not in page
