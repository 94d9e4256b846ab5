"""Study-list pages: keepers import, edit, publish and export lists; the cadre's study page and
the server-measured mark; coverage links to the question editor; HR's progress downloads;
who may open what."""

from __future__ import annotations

import csv
import codecs
import io
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.models import AuditEvent, ListStatus, Role, StudyList, StudyProgress, UnitLevel
from tests.shared_data import SHARED

SAMPLE = SHARED / "datasets" / "study-lists" / "enforcement-2026.xlsx"
LAWS = ("宪法", "民法典", "宪法相关法", "行政法", "诉讼与非诉讼程序法")


@pytest.fixture
def keeper(make):
    make.laws(*LAWS)
    return make.user(Role.STUDY_ADMIN, username="studyadmin")


def _import(client, data: bytes, name: str = "list.xlsx"):
    return client.form_post("/study/lists/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _published(client, db) -> StudyList:
    response = _import(client, SAMPLE.read_bytes(), "enforcement-2026.xlsx")
    assert response.status_code == 302
    found = db.scalar(select(StudyList))
    assert client.form_post(f"/study/lists/{found.id}/publish").status_code == 302
    db.refresh(found)
    return found


def test_keeper_imports_publishes_and_exports_a_list(client, db, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    assert found.status == ListStatus.PUBLISHED and len(found.items) == 8
    page = client.get(f"/study/lists/{found.id}").get_data(as_text=True)
    assert "第三十一条至第五十七条" in page
    # Nothing in the bank cites the list yet: every item is flagged with a link to write a question.
    assert page.count('class="write-question" href="/bank/questions/new?legal_basis=') == 8
    # A published list's items cannot be added to; editing starts a new version.
    response = client.get(f"/study/lists/{found.id}/items/new")
    assert response.status_code == 302
    response = client.form_post(f"/study/lists/{found.id}/new-version")
    assert response.status_code == 302 and db.scalar(select(StudyList).where(StudyList.version_no == 2)) is not None
    export = client.get(f"/study/lists/{found.id}/list.xlsx")
    assert export.status_code == 200
    assert "学法清单.xlsx" in unquote(export.headers["Content-Disposition"])
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == found.title and rows[4][1] == "中华人民共和国行政处罚法"
    assert rows[2][:2] == ("清单信息", f"年度：{found.year}")


def test_a_refused_import_lists_the_row_and_keeps_nothing(client, db, keeper):
    from tests.factories import workbook_bytes

    client.login("studyadmin")
    data = workbook_bytes("学法清单", ("2026年度清单",), [("说明",), ("序号", "法律法规名称", "学习范围", "学习要求"),
                                                          (1, "行政处罚法", "第九百条", "精学")])
    response = _import(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "第九百条" in page and "C" in page
    assert db.scalar(select(StudyList)) is None


def test_keeper_builds_an_item_by_ticking_parts(client, db, keeper):
    from question_bank.models import Law, LawHeading

    client.login("studyadmin")
    response = client.form_post("/study/lists/new", {"title": "2026年度清单", "year": "2026", "threshold": "2",
                                                     "org_unit": str(keeper.org_unit_id)})
    assert response.status_code == 302
    found = db.scalar(select(StudyList))
    law = db.scalar(select(Law).where(Law.short_title == "行政诉讼法"))
    chapter = db.scalar(select(LawHeading).where(LawHeading.law_version_id == law.current_version.id,
                                                 LawHeading.title == "受案范围"))
    response = client.form_post(f"/study/lists/{found.id}/items/new", {
        "law": str(law.id), "version": str(law.current_version.id), "headings": str(chapter.id),
        "articles": "46", "requirement": "read_through", "hours": "1.25", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.refresh(found)
    item, = found.items
    assert item.scope_text == "第二章 受案范围、第46条" and item.article_count == 3 and item.hours == Decimal("1.25")
    page = client.get(f"/study/lists/{found.id}/items/{item.id}/edit")
    assert page.status_code == 200


def test_cadre_studies_an_item_and_the_time_is_measured_on_the_server(client, db, clock, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    cadre = make.cadre(username="cadre1", rank="正科")
    client.post("/logout", data={"csrf_token": client.csrf})
    client.login("cadre1")
    home = client.get("/me/").get_data(as_text=True)
    assert found.title in home
    item = found.items[2]
    page = client.get(f"/me/study/items/{item.id}").get_data(as_text=True)
    assert "第三十一条" in page and "第五十七条" in page
    clock.advance(minutes=30)
    # Whatever the client claims, the server counts the time since the open.
    response = client.form_post(f"/me/study/items/{item.id}/studied", {"seconds": "99999"})
    assert response.status_code == 302
    row = db.scalar(select(StudyProgress).where(StudyProgress.user_id == cadre.id))
    assert row.seconds_spent == 30 * 60 and row.studied_at is not None
    assert client.get("/study/lists").status_code == 403


def test_a_cadre_outside_the_ranks_gets_nothing(client, db, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    assert found.target_levels  # the sample's note says 科级以上
    make.cadre(username="clerk", rank="一级科员")
    client.post("/logout", data={"csrf_token": client.csrf})
    client.login("clerk")
    assert found.title not in client.get("/me/study/").get_data(as_text=True)
    assert client.get(f"/me/study/items/{found.items[0].id}").status_code == 404


def test_hr_downloads_progress_of_their_units_only(client, db, clock, make, keeper):
    city = make.unit("甲市", level=UnitLevel.CITY)
    other = make.unit("乙市", level=UnitLevel.CITY)
    make.cadre(unit=city, display_name="=张三", rank="正科")
    make.cadre(unit=other, display_name="李四", rank="正科")
    make.user(Role.HR, unit=city, username="hr1")
    client.login("studyadmin")
    found = _published(client, db)
    client.post("/logout", data={"csrf_token": client.csrf})
    client.login("hr1")
    page = client.get(f"/reports/study/{found.id}").get_data(as_text=True)
    assert "=张三" in page and "李四" not in page
    response = client.get(f"/reports/study/{found.id}/cadre.csv")
    assert response.data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "单位" and rows[1][1] == "'=张三" and len(rows) == 2
    assert "学习进度" in unquote(response.headers["Content-Disposition"])
    assert client.get(f"/reports/study/{found.id}/unit.xlsx").status_code == 200
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "export.study_progress")) is not None
    assert client.get("/study/lists").status_code == 403


def test_coverage_link_prefills_the_question_editor(client, db, make, keeper):
    make.user(Role.BANK_EDITOR, username="editor")
    client.login("editor")
    page = client.get("/bank/questions/new?legal_basis=《中华人民共和国行政许可法》第三十一条").get_data(as_text=True)
    assert "《中华人民共和国行政许可法》第三十一条" in page


def test_every_keeper_page_opens_and_others_are_kept_out(client, client_factory, db, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    draft_response = client.form_post(f"/study/lists/{found.id}/new-version")
    draft = db.scalar(select(StudyList).where(StudyList.version_no == 2))
    item = draft.items[0]
    for path in ("/study/lists", "/study/lists/new", "/study/lists/import", f"/study/lists/{found.id}",
                 f"/study/lists/{draft.id}", f"/study/lists/{draft.id}/edit", f"/study/lists/{draft.id}/items/new",
                 f"/study/lists/{draft.id}/items/new?law={item.law_id}", f"/study/lists/{draft.id}/items/{item.id}/edit"):
        assert client.get(path).status_code == 200, path
    assert draft_response.status_code == 302
    other_unit = make.unit("乙市", level=UnitLevel.CITY)
    make.user(Role.STUDY_ADMIN, unit=other_unit, username="otheradmin")
    make.cadre(username="someone", rank="正科")
    make.user(Role.EXAM_ADMIN, username="examiner")
    other, cadre, examiner = client_factory(), client_factory(), client_factory()
    other.login("otheradmin")
    assert other.get(f"/study/lists/{found.id}").status_code == 404
    assert other.form_post(f"/study/lists/{found.id}/new-version").status_code == 404
    cadre.login("someone")
    assert cadre.get("/study/lists").status_code == 403 and cadre.get(f"/reports/study/{found.id}").status_code == 403
    examiner.login("examiner")
    assert examiner.get(f"/study/lists/{found.id}").status_code == 200


def test_bank_editors_see_which_items_need_questions(client, client_factory, db, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    make.question(legal_basis="《中华人民共和国行政许可法》第三十一条")
    make.user(Role.BANK_EDITOR, username="editor")
    editor = client_factory()
    editor.login("editor")
    listing = editor.get("/study/coverage/").get_data(as_text=True)
    assert found.title in listing
    page = editor.get(f"/study/coverage/{found.id}").get_data(as_text=True)
    # 8 items, threshold 3: all flagged; the one cited once shows its count and the next article to cover.
    assert page.count('class="write-question"') == 8
    assert "legal_basis=%E3%80%8A%E4%B8%AD%E5%8D%8E%E4%BA%BA%E6%B0%91%E5%85%B1%E5%92%8C%E5%9B%BD%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF%E6%B3%95%E3%80%8B%E7%AC%AC%E4%B8%89%E5%8D%81%E4%BA%8C%E6%9D%A1" in page  # 《…行政许可法》第三十二条
    assert editor.get("/study/lists").status_code == 403  # reading coverage is not keeping lists


def test_marking_studied_at_once_is_refused_on_the_page_saying_how_long_remains(client, db, clock, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    cadre = make.cadre(username="cadre1", rank="正科")
    client.post("/logout", data={"csrf_token": client.csrf})
    client.login("cadre1")
    item = found.items[2]
    client.get(f"/me/study/items/{item.id}")
    clock.advance(seconds=3)
    response = client.form_post(f"/me/study/items/{item.id}/studied", {"seconds": "99999"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/me/study/items/{item.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"(Read on for|再阅读) ?\d+ ?(min|分钟)", page)
    row = db.scalar(select(StudyProgress).where(StudyProgress.user_id == cadre.id))
    assert row.studied_at is None and row.seconds_spent == 0


def test_copying_to_1999_on_the_page_says_the_allowed_years(client, db, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    response = client.form_post(f"/study/lists/{found.id}/copy", {"year": "1999"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2000" in page and "2100" in page
    assert db.scalar(select(func.count()).select_from(StudyList)) == 1


def test_copying_a_list_outside_the_keepers_units_answers_404_whatever_the_form_holds(
        client, client_factory, db, make, keeper):
    client.login("studyadmin")
    found = _published(client, db)
    make.user(Role.STUDY_ADMIN, unit=make.unit("乙市", level=UnitLevel.CITY), username="otheradmin")
    other = client_factory()
    other.login("otheradmin")
    for form in ({"year": "1999"}, {"year": ""}, {"year": "2027"}):
        for list_id in (found.id, found.id + 1000):  # outside the keeper's units, and no such list: alike
            response = other.form_post(f"/study/lists/{list_id}/copy", form)
            assert response.status_code == 404, (form, list_id)
    # Nothing was copied, and no refusal of the form waits to be shown on the next page.
    assert db.scalar(select(func.count()).select_from(StudyList)) == 1
    assert "2100" not in other.get("/study/lists").get_data(as_text=True)
