"""The import pages through the Flask test client (issue step 2): an editor uploads the real bank
files, a reviewer who is not the uploader looks through the batch and approves it, and nobody else
gets in."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote, unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.models import BatchStatus, ImportBatch, Question, QuestionStatus, QuestionVersion, Role
from question_bank.text import content_fingerprint
from tests.factories import questions_xlsx
from tests.forms import decide_batch, upload
from tests.shared_data import BANK_FILES

ROW = ("单选", "第3条：罚款=警告？{注意}", "甲", "乙", "丙", "丁", "B", "解析", "中", "罚款", "行政处罚法第九条",
       "行政处罚法", "2")


def in_english(client) -> None:
    """Pages in English, so that the tests read the msgids whatever the Chinese catalogue says."""
    client.form_post("/lang/en", {"next": "/"})


def question_count(db, status: QuestionStatus | None = None) -> int:
    query = select(func.count()).select_from(Question)
    if status is not None:
        query = query.where(Question.status == status)
    return db.scalar(query)


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER, username="editor", display_name="编辑甲")
    client.login(user.username)
    in_english(client)
    return user


def test_upload_page_says_which_formats_and_columns_it_takes(client, editor):
    page = client.get("/bank/import").get_data(as_text=True)
    for text in ("GB18030", ".xlsx", "UTF-8", "题型", "题干", "选项A … 选项H", "答案", "解析", "难度", "知识点",
                 "法律依据", "分类", "分值", "legal_basis", "ACD or A,C,D", "易 / 较易 / 中 / 较难 / 难"):
        assert text in page, text
    assert "/bank/import/template.xlsx" in page


def test_template_downloads_as_an_attachment_workbook_under_its_chinese_name(client, editor):
    response = client.get("/bank/import/template.xlsx")
    assert response.status_code == 200
    # One header: the real name for today's browsers, an ASCII name (not ".xlsx") for old clients.
    disposition, = response.headers.getlist("Content-Disposition")
    assert disposition == "attachment; filename=bank-import-template.xlsx; filename*=UTF-8''" + quote("题库导入模板.xlsx")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "题库导入模板.xlsx"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["题库", "说明"]
    assert next(book["题库"].iter_rows(values_only=True))[:2] == ("题型", "题干")


def test_jecqa_upload_in_the_default_mode_is_refused_naming_rows_213_and_404_and_the_bank_is_unchanged(
        client, editor, db):
    response = upload(client, "jecqa-kd.xlsx", (BANK_FILES / "jecqa-kd.xlsx").read_bytes())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    assert "jecqa-kd.xlsx, sheet 题库, row 213, column G (答案)" in page and "the key is empty" in page
    # Row 404 offers the same option twice (A and D).
    assert "jecqa-kd.xlsx, sheet 题库, row 404, column F (选项D)" in page and "options A and D are the same" in page
    assert len(re.findall(r"<tr><td[^>]*>jecqa-kd\.xlsx", page)) == 2
    assert question_count(db) == 0 and db.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_valid_rows_upload_then_another_reviewer_approves_and_the_batch_is_published(client, client_factory, editor, make, db):
    response = upload(client, "jecqa-kd.xlsx", (BANK_FILES / "jecqa-kd.xlsx").read_bytes(), "valid_only")
    assert response.status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    assert response.headers["Location"].endswith(f"/bank/batches/{batch.id}")
    assert question_count(db, QuestionStatus.IN_REVIEW) == 998

    page = client.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    assert "998 questions imported" in page and "row 213" in page and "row 404" in page
    assert "You uploaded this batch; another reviewer must decide it." in page
    assert "Repeats and near-duplicates" in page

    # The uploader is a reviewer too, and still may not decide: 403, and nothing changes.
    refused = client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1"})
    assert refused.status_code == 403
    db.refresh(batch)
    assert batch.status == BatchStatus.IN_REVIEW and question_count(db, QuestionStatus.PUBLISHED) == 0

    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER, username="reviewer", display_name="审核乙").username)
    in_english(reviewer)
    review_page = reviewer.get(f"/bank/batches/{batch.id}?page=2").get_data(as_text=True)
    assert review_page.count('class="question card"') == 20 and 'class="key"' in review_page
    assert "Approve and publish all but those left out" in review_page
    decided = decide_batch(reviewer, batch.id, {"approve": "1", "note": "已逐题核对", "confirm": "998"})
    assert decided.status_code == 302
    db.refresh(batch)
    assert (batch.status, batch.review_note) == (BatchStatus.APPROVED, "已逐题核对")
    assert question_count(db, QuestionStatus.PUBLISHED) == 998

    listing = reviewer.get("/bank/batches").get_data(as_text=True)
    assert "jecqa-kd.xlsx" in listing and "编辑甲" in listing and "Approved" in listing


def test_a_rejection_needs_a_note(client, client_factory, editor, make, db):
    upload(client, "one.xlsx", questions_xlsx([ROW]))
    batch = db.scalars(select(ImportBatch)).one()
    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER).username)
    assert reviewer.form_post(f"/bank/batches/{batch.id}/decide", {"reject": "1"}).status_code == 422
    assert reviewer.form_post(f"/bank/batches/{batch.id}/decide", {"reject": "1", "note": "解析不全"}).status_code == 302
    db.refresh(batch)
    assert batch.status == BatchStatus.REJECTED and question_count(db, QuestionStatus.DRAFT) == 1


def test_gb18030_csv_upload_imports_964_with_the_chinese_intact(client, editor, db):
    data = (BANK_FILES / "cmmlu-law-gbk.csv").read_bytes()
    response = upload(client, "cmmlu-law-gbk.csv", data)
    assert response.status_code == 302
    assert question_count(db) == 964
    source = list(csv.reader(io.StringIO(data.decode("gb18030"), newline="")))[123]
    stored = db.scalars(select(QuestionVersion.stem).where(
        QuestionVersion.fingerprint == content_fingerprint(source[1], source[2:6]))).first()
    assert stored == source[1]
    batch_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "gb18030" in batch_page


def test_an_upload_that_is_not_a_spreadsheet_is_refused_with_a_clear_message(client, editor, db):
    response = upload(client, "scan.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page and "PNG image, not a spreadsheet" in page
    assert question_count(db) == 0


def test_the_batch_list_shows_the_newest_first(client, editor, clock):
    upload(client, "first.xlsx", questions_xlsx([ROW]))
    clock.advance(minutes=5)
    upload(client, "second.xlsx", questions_xlsx([ROW[:1] + ("另一题干",) + ROW[2:]]))
    listing = client.get("/bank/batches").get_data(as_text=True)
    table = listing[listing.index("<tbody>"):]  # past the flashed messages of the two uploads
    assert table.index("second.xlsx") < table.index("first.xlsx")


def test_cadres_and_reviewers_cannot_upload_and_cadres_cannot_see_batches(client, client_factory, make):
    client.login(make.cadre().username)
    assert client.get("/bank/import").status_code == 403
    assert client.get("/bank/batches").status_code == 403
    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER).username)
    assert reviewer.get("/bank/import").status_code == 403
    assert reviewer.get("/bank/batches").status_code == 200
    assert reviewer.get("/bank/batches/999999").status_code == 404


def test_an_editor_who_is_not_a_reviewer_cannot_decide(client, make, db):
    author = make.user(Role.BANK_EDITOR)
    client.login(author.username)
    upload(client, "one.xlsx", questions_xlsx([ROW]))
    other = make.user(Role.BANK_EDITOR)
    client.login(other.username)
    batch = db.scalars(select(ImportBatch)).one()
    assert client.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1"}).status_code == 403


def test_the_batch_page_counts_each_mark_in_points(client, editor, db):
    rows = [ROW[:1] + (f"第{n}题题干（　）",) + ROW[2:-1] + (mark,) for n, mark in enumerate(("1", "2.5", "100"))]
    response = upload(client, "marks.xlsx", questions_xlsx(rows))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    heads = [block.split('class="qhead"')[1].split("</p>")[0]
             for block in page.split('<section class="question card"')[1:]]
    assert [h.split("</span>")[-2].rsplit("· ", 1)[1] for h in heads] == ["1 point", "2.5 points", "100 points"]
    assert "100.00" not in page and "1 points" not in page


# --- reports with many problems ------------------------------------------------------------------

def many_problems_file() -> bytes:
    """75 rows: 5 sound, 10 with one problem (the key), 60 with two (difficulty, category): 70 rows
    with 130 problems."""
    from tests.question_bank.test_importing import many_problems

    return questions_xlsx(many_problems(good=5, one=10, two=60))


def counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="([a-z-]+)">([^<]*)<', page))


def problem_rows(page: str) -> int:
    table = page[page.index('class="import-errors"'):]
    return len(re.findall(r"<tr><td[^>]*>", table[:table.index("</table>")]))


def test_a_file_with_many_problems_is_refused_with_a_summary_in_rows_the_form_first_and_100_problems(client, editor, db):
    response = upload(client, "many.xlsx", many_problems_file())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert counts(page) == {"rows-read": "75", "rows-imported": "0", "rows-with-problems": "70", "problems": "130"}
    assert "5 rows have no problem." in page
    # The summary, then the form to upload the corrected file, then the reasons and the list.
    assert page.index('data-count="problems"') < page.index('type="file"') < page.index("Problems by reason") \
        < page.index('class="import-errors"')
    reasons = re.findall(r'<li data-rows="(\d+)">\s*<strong>([^<]*)</strong>', page)
    assert reasons == [("60", "I (难度)"), ("60", "L (分类)"), ("10", "G (答案)")]
    assert "60 rows: 17, 18, 19, 20, 21 …" in page and "10 rows: 7, 8, 9, 10, 11 …" in page
    assert problem_rows(page) == 100 and "The first 100 of 130 problems are shown here" in page
    assert question_count(db) == 0 and db.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_the_problem_count_and_the_problem_list_have_their_own_labels(client, editor):
    page = upload(client, "many.xlsx", many_problems_file()).get_data(as_text=True)
    assert "<dt>Number of problems</dt>" in page
    list_heading = page[:page.index('class="import-errors"')].rsplit("<h2>", 1)[1].split("</h2>")[0]
    assert list_heading == "Problems"


def test_the_full_problem_list_of_a_refused_file_downloads_for_its_uploader_only(client, client_factory, editor, make):
    # A file name a spreadsheet would take for a formula: neutralised by the writers.
    page = upload(client, "=HYPERLINK(1).xlsx", many_problems_file()).get_data(as_text=True)
    csv_url = re.search(r'href="(/bank/import/refused/\d+/problems\.csv)"', page).group(1)
    response = client.get(csv_url)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"\xef\xbb\xbf") and response.data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["File", "Sheet", "Row", "Column", "Reason"] and len(rows) == 131
    assert rows[1] == ["'=HYPERLINK(1).xlsx", "题库", "7", "G (答案)", "the key is empty"]
    assert rows[-1][2:] == ["76", "L (分类)", "the category is empty"]

    book = load_workbook(io.BytesIO(client.get(csv_url.replace(".csv", ".xlsx")).data), read_only=True)
    cells = list(book.worksheets[0].iter_rows(values_only=True))
    # The xlsx keeps the text as it is, in a string cell with the quotePrefix style (see test_tabular).
    assert len(cells) == 131 and cells[1] == ("=HYPERLINK(1).xlsx", "题库", 7, "G (答案)", "the key is empty")

    other = client_factory()
    other.login(make.user(Role.BANK_EDITOR).username)
    assert other.get(csv_url).status_code == 404


def test_a_valid_rows_batch_shows_its_report_once_and_counts_the_rows_left_out(client, editor, db):
    response = upload(client, "many.xlsx", many_problems_file(), "valid_only")
    batch = db.scalars(select(ImportBatch)).one()
    first = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 questions imported" in first and "70 rows with problems were left out (130 problems)." in first
    assert counts(first) == {"rows-read": "75", "questions": "5", "rows-left-out": "70 (130 problems)",
                             "repeated-stems": "0"}
    assert "Problems by reason" in first and problem_rows(first) == 100

    rows = list(csv.reader(io.StringIO(client.get(f"/bank/batches/{batch.id}/problems.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 131 and rows[1][:4] == ["many.xlsx", "题库", "7", "G (答案)"]

    listing = client.get("/bank/batches").get_data(as_text=True)
    assert re.search(rf'<tr data-batch="{batch.id}">.*?<td[^>]*>5</td>\s*<td[^>]*>70</td>\s*<td[^>]*>0</td>', listing, re.S)


def test_the_report_is_on_the_first_page_of_a_batch_only(client, editor, db):
    from tests.question_bank.test_importing import many_problems

    upload(client, "many.xlsx", questions_xlsx(many_problems(good=25, one=0, two=3)), "valid_only")
    batch = db.scalars(select(ImportBatch)).one()
    second = client.get(f"/bank/batches/{batch.id}?page=2").get_data(as_text=True)
    assert "Problems by reason" not in second and "import-errors" not in second
    assert "The import report (rows left out and repeated stems) is on the first page." in second
    assert second.count('class="question card"') == 5 and "2 / 2" in second


@pytest.mark.parametrize("asked, shown", [
    ("51", 2), ("99999999999999999999", 2), ("9" * 5000, 2), ("0", 1), ("-3", 1), ("abc", 1), ("", 1), ("2", 2),
])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, editor, db, asked, shown):
    upload(client, "one.xlsx", questions_xlsx([ROW[:1] + (f"题干{n}",) + ROW[2:] for n in range(25)]))
    batch = db.scalars(select(ImportBatch)).one()
    response = client.get(f"/bank/batches/{batch.id}", query_string={"page": asked})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f"<span>{shown} / 2</span>" in page
    assert page.count('class="question card"') == (20 if shown == 1 else 5)
    listing = client.get("/bank/batches", query_string={"page": asked})
    assert listing.status_code == 200 and "one.xlsx" in listing.get_data(as_text=True)


def test_the_same_file_twice_is_said_on_the_page_then_skip_the_repeats_and_leave_out_and_discard(
        client, client_factory, editor, make, db):
    from tests.factories import questions_xlsx
    row = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "", "", "", "", "行政处罚法", "")
    data = questions_xlsx([row, ("单选", "第二题：" + row[1]) + row[2:]])
    assert upload(client, "q.xlsx", data).status_code == 302
    first = db.scalars(select(ImportBatch)).one()
    held = upload(client, "again.xlsx", data)
    page = held.get_data(as_text=True)
    assert held.status_code == 409 and "already in the bank" in page and f'data-same-file="{first.id}"' in page
    # "Skip the repeats" is chosen for the editor's next upload.
    assert re.search(r'<input checked[^>]*value="skip"', page)
    assert db.scalar(select(func.count()).select_from(ImportBatch)) == 1

    # The held file waits for the editor's answer: no need to choose it again.
    held_action = re.search(r'action="(/bank/import/held/\d+)"', page).group(1)
    again = client.form_post(held_action, {"skip": "1"})
    assert again.status_code == 409 and "nothing was imported" in again.get_data(as_text=True)
    extended = questions_xlsx([row, ("单选", "第三题：" + row[1]) + row[2:]])
    page = upload(client, "more.xlsx", extended).get_data(as_text=True)
    held_action = re.search(r'action="(/bank/import/held/\d+)"', page).group(1)
    assert client.form_post(held_action, {"skip": "1"}).status_code == 302
    second = db.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert second.question_count == 1 and "skipped" in client.get(f"/bank/batches/{second.id}").get_data(as_text=True)
    # A held upload is its uploader's alone, and is gone once answered.
    assert client.form_post(held_action, {"keep": "1"}).status_code == 404

    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER, username="reviewer2").username)
    in_english(reviewer)
    page = reviewer.get(f"/bank/batches/{first.id}").get_data(as_text=True)
    assert page.count('class="leave-out"') == 2
    ids = sorted(db.scalars(select(Question.id).where(Question.import_batch_id == first.id)))
    decided = decide_batch(reviewer, first.id, {"approve": "1", "leave_out": str(ids[1])})
    assert decided.status_code == 302
    db.expire_all()
    assert [db.get(Question, i).status for i in ids] == [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT]

    assert reviewer.form_post(f"/bank/batches/{second.id}/decide", {"reject": "1", "note": "重复"}).status_code == 302
    page = client.get(f"/bank/batches/{second.id}").get_data(as_text=True)
    assert "Discard this batch and its drafts" in page
    assert client.form_post(f"/bank/batches/{second.id}/discard", {"discard": "1"}).status_code == 302
    db.expire_all()
    assert db.get(ImportBatch, second.id).status == BatchStatus.DISCARDED
    assert question_count(db) == 2
    # The list and the batch's page say the same of a discarded batch: none held, how many discarded.
    listed = client.get("/bank/batches").get_data(as_text=True)
    row = re.search(rf'<tr data-batch="{second.id}">.*?</tr>', listed, re.S).group(0)
    assert re.search(r'<td[^>]*>0 \(1 discarded\)</td>', row) and "Repeats and near-duplicates" in listed
    page = client.get(f"/bank/batches/{second.id}").get_data(as_text=True)
    assert '<dd data-count="questions">0 (1 discarded)</dd>' in page


def test_a_reviewer_leaves_out_every_flagged_repeat_at_once(client, client_factory, editor, make, db):
    from tests.factories import questions_xlsx
    existing = make.question(stem="行政处罚由谁实施？", options=["行政机关", "人民法院"], key=["A"])
    rows = [("单选", "行政处罚由谁实施？", "行政机关", "人民法院", "", "", "A", "", "", "", "", "行政处罚法", ""),
            ("单选", "行政许可由谁实施？", "行政机关", "人民法院", "", "", "A", "", "", "", "", "行政许可法", "")]
    form = {"file": (io.BytesIO(questions_xlsx(rows)), "q.xlsx"), "repeats": "keep"}
    assert client.form_post("/bank/import", form, content_type="multipart/form-data").status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    reviewer = client_factory()
    reviewer.login(make.user(Role.BANK_REVIEWER, username="reviewer3").username)
    in_english(reviewer)
    page = reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    assert "Leave out every question flagged as a repeat" in page and 'data-count="flagged-repeats"' in page
    assert decide_batch(reviewer, batch.id, {"approve": "1", "leave_out_repeats": "y"}).status_code == 302
    db.expire_all()
    statuses = {(q.current_version.stem, q.duplicate_of_id, q.duplicate_similarity == 100): q.status
                for q in db.scalars(select(Question).where(Question.import_batch_id == batch.id))}
    # The repeat goes back as a draft; the near-duplicate (other words) is published.
    assert statuses == {("行政处罚由谁实施？", existing.id, True): QuestionStatus.DRAFT,
                        ("行政许可由谁实施？", existing.id, False): QuestionStatus.PUBLISHED}


@pytest.mark.parametrize("filename, text, shown", [
    ("q.gift", "// 宪法题\n\n::1::宪法是根本法。{TRUE}\n\n::2::宪法规定公民的基本权利。{TRUE}\n",
     ["question 1 in the file, line 3", "question 2 in the file, line 5"]),
    ("q.jsonl", '{"type": "true_false", "stem": "宪法是根本法。", "key": true, "category": "宪法"}\n'
                '{"type": "true_false", "stem": "宪法规定公民的基本权利。", "key": true, "category": "宪法"}\n',
     ["question 1 in the file, line 1", "question 2 in the file, line 2"]),
])
def test_repeats_of_an_interchange_file_are_placed_by_question_and_line_not_by_sheet(client, editor, db, filename,
                                                                                    text, shown):
    from tests.forms import upload
    assert upload(client, filename, text.encode("utf-8")).status_code == 302
    held = upload(client, "again-" + filename, text.encode("utf-8"), repeats="ask")
    page = held.get_data(as_text=True)
    table = re.search(r'<table class="import-repeats">.*?</table>', page, re.S).group(0)
    assert held.status_code == 409 and "Place in the file" in table and ">Sheet<" not in table
    assert [re.sub(r"\s+", " ", cell) for cell in re.findall(r"<tr><td>(.*?)</td>", table)] == shown


def test_repeats_of_a_workbook_are_placed_by_sheet_and_row(client, editor, db):
    from tests.forms import upload
    row = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "", "", "", "", "行政处罚法", "")
    assert upload(client, "q.xlsx", questions_xlsx([row])).status_code == 302
    page = upload(client, "again.xlsx", questions_xlsx([row])).get_data(as_text=True)
    assert re.findall(r"<tr><td>(.*?)</td>", page) == ["sheet 题库, row 2"]
