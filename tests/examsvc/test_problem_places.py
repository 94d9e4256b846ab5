"""Where a problem is, said in the person's language: a Place is built from translatable
fragments ("sheet %(sheet)s", "row %(row)d", …), the ``place`` filter shows it on every page, and an
import batch's stored report keeps its places in parts (older reports hold plain strings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from examsvc import errors as web_errors
from examsvc.errors import format_place
from question_bank.errors import Place, Problem
from question_bank.models import ImportBatch, Role
from question_bank.services import importing
from tests.factories import questions_xlsx

CELL = Place(file="jecqa-kd.xlsx", sheet="题库", row=213, column="G", header="答案")
BAD_KEY_ROWS = [
    ("单选", "行政处罚由谁实施？", "行政机关", "人民法院", "", "", "A", "", "", "", "", "行政处罚法", ""),
    ("单选", "行政许可由谁实施？", "行政机关", "人民法院", "", "", "", "", "", "", "", "行政许可法", ""),
]


def cells(where: str, problem: str) -> str:
    """A row of a page's problem table: the place and the reason, each cell named for a phone's card."""
    return f'<td data-label="Where">{where}</td><td data-label="Problem">{problem}</td>'


def test_a_place_in_english_names_file_sheet_row_and_column(app):
    with app.test_request_context("/"), force_locale("en"):
        assert format_place(CELL) == "jecqa-kd.xlsx, sheet 题库, row 213, column G (答案)"
        assert format_place(CELL.to_json()) == str(CELL)
        assert format_place(Place(sheet="名单", row=3, header="身份证号")) == "sheet 名单, row 3, 身份证号"
        assert format_place(Place(section=2)) == "section 2"
        assert format_place(Place(slot=7)) == "question 7"
        assert format_place("stem") == "Stem" and format_place("no_such_field") == "no_such_field"
        assert format_place(None) == ""


def test_every_part_of_a_place_goes_through_the_catalogue(app, monkeypatch):
    monkeypatch.setattr(web_errors, "gettext", lambda msgid, **params: "«" + msgid % params + "»")
    with app.test_request_context("/"):
        text = format_place(Place(file="q.xlsx", sheet="题库", row=4, column="G", header="答案", section=1, slot=2))
    assert text == "q.xlsx«, »«sheet 题库»«, »«row 4»«, »«column G (答案)»«, »«section 1»«, »«question 2»"


def test_the_place_filter_shows_a_problem_on_a_page(app):
    with app.test_request_context("/"), force_locale("en"):
        html = app.jinja_env.from_string("{{ p|place }}").render(p=CELL)
    assert html == "jecqa-kd.xlsx, sheet 题库, row 213, column G (答案)"


def test_api_problems_carry_the_place_as_text(app):
    with app.test_request_context("/"), force_locale("en"):
        texts = web_errors.problem_text(Problem("the key is empty", place=CELL))
    assert texts == {"place": "jecqa-kd.xlsx, sheet 题库, row 213, column G (答案)", "message": "the key is empty"}


@pytest.fixture
def reviewer(make, client):
    user = make.user(Role.BANK_REVIEWER, username="reviewer")
    client.login(user.username)
    client.form_post("/lang/en", {"next": "/"})
    return user


def test_a_batch_page_shows_stored_places_and_those_of_older_reports(db, clock, make, client, reviewer):
    report = importing.import_questions(db, clock, make.user(Role.BANK_EDITOR), "q.xlsx", questions_xlsx(BAD_KEY_ROWS),
                                        importing.VALID_ONLY)
    stored = report.batch.report["errors"]
    assert stored == [{"place": {"file": "q.xlsx", "sheet": "题库", "row": 3, "column": "G", "header": "答案"},
                       "message": "the key is empty", "params": {}}]
    assert importing.read_stored_problem(stored[0]) == report.errors[0]
    older = ImportBatch(filename="old.xlsx", file_format="xlsx", mode=importing.VALID_ONLY, uploaded_by_id=reviewer.id,
                        uploaded_at=clock.now(), question_count=0, report={"errors": [
                            {"place": "old.xlsx, sheet 题库, row 9, 答案", "message": "the key is empty"}]})
    db.add(older)
    db.commit()

    page = client.get(f"/bank/batches/{report.batch.id}").get_data(as_text=True)
    assert cells("q.xlsx, sheet 题库, row 3, column G (答案)", "the key is empty") in page
    page = client.get(f"/bank/batches/{older.id}").get_data(as_text=True)
    assert cells("old.xlsx, sheet 题库, row 9, 答案", "the key is empty") in page


def test_a_paper_the_bank_can_no_longer_fill_names_the_section_then_category_and_counts(make, client):
    make.questions(1, "single_choice", category="行政处罚法")
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    client.login(make.user(Role.EXAM_ADMIN, username="admin").username)
    client.form_post("/lang/en", {"next": "/"})
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert "<strong>section 1</strong>: category 行政处罚法, Single choice: requested 2, available 1" in page
    assert "single_choice" not in page.split("can no longer fill")[1].split("</div>")[0]


def test_message_parameters_that_are_messages_are_translated_too(app):
    from question_bank.errors import Msg, N_
    from question_bank.services.review import STATUS_NAMES
    from question_bank.models import QuestionStatus

    with app.test_request_context("/"), force_locale("zh_CN"):
        text = web_errors.translate("This question is %(status)s; that step is not possible now.",
                                    {"status": STATUS_NAMES[QuestionStatus.DRAFT]})
        assert "草稿" in text and "draft" not in text
        listed = web_errors.translate("Candidates have started this sitting, so these settings cannot change: %(fields)s.",
                                      {"fields": (Msg(N_("time limit")), Msg(N_("pass mark")))})
        assert "考试时长，及格线" in listed


#: A field named as a problem's place in the domain: ``place="pledge"`` or a Problem's third argument.
_NAMED_PLACE = re.compile(r'place="([a-z_]+)"|Problem\(\s*N_\((?:"[^"]*"\s*)+\)\s*,\s*(?:\{[^{}]*\}|None)\s*,\s*"([a-z_]+)"\s*\)',
                          re.S)


def test_every_field_the_domain_names_as_a_place_is_said_in_chinese(app):
    """An outside tester met 「pledge：须确认诚信承诺…」 and 「deadline ：…」: field names the domain uses as
    places, shown raw. Every such name in question_bank has a label, translated."""
    names = {first or second
             for path in (Path(__file__).resolve().parents[2] / "question_bank").rglob("*.py")
             for first, second in _NAMED_PLACE.findall(path.read_text(encoding="utf-8"))}
    assert {"pledge", "deadline", "access_code"} <= names  # the walk finds the places the tester met
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        untranslated = sorted(n for n in names if not re.search(r"[\u4e00-\u9fff]", format_place(n)))
    assert untranslated == []
