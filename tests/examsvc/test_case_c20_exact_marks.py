"""Case C-20: marks and pass marks are exact decimals, the same on every database.

A paper of 59.99 + 40.01 points with pass mark 60; the candidate gets only the 59.99 question
right: 59.99 is stored and shown everywhere (result page, HR page, CSV, xlsx number), and it does
not pass. A mark typed with more than two decimals is refused naming the field wherever marks are
typed, and nothing is rounded."""

from __future__ import annotations

import csv
import re
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from question_bank.models import Attempt, Paper, Question, QuestionVersion, Role, ScoreRecord, Sitting, UnitLevel
from question_bank.reports.score_sheet import COL_BAND, COL_PASSED, COL_SCORE, HEADERS
from tests.factories import questions_xlsx
from tests.forms import paper_form, sitting_form, upload
from tests.scenarios import save, start_through_web, submit

CATEGORY = "行政处罚法"


@pytest.fixture
def exam(make):
    """Two single-choice questions keyed B in two sections of 59.99 and 40.01 points, pass mark 60,
    no shuffling; a cadre and an HR officer of the same city."""
    make.question(category="行政处罚法", key=["B"])
    make.question(category="行政许可法", key=["B"])
    city = make.unit("甲市", level=UnitLevel.CITY)
    cadre = make.cadre(username="zhangsan", display_name="张三", unit=make.unit("法制科", parent=city))
    paper = make.paper([("single_choice", 1, "59.99", "行政处罚法"), ("single_choice", 1, "40.01", "行政许可法")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, pass_mark="60", title="任前考试")
    make.user(Role.HR, username="hr_a", unit=city)
    return sitting


def test_c20_59_99_is_stored_and_shown_everywhere_and_does_not_pass(client, client_factory, db, engine, exam):
    client.login("zhangsan")
    attempt_id = start_through_web(client, exam)
    save(client, attempt_id, 1, ["B"], 1)
    save(client, attempt_id, 2, ["A"], 2)
    reply = submit(client, attempt_id).get_json()
    assert (reply["score"], reply["max_score"], reply["passed"], reply["band"]) == ("59.99", "100.00", False, "fail")

    attempt = db.get(Attempt, attempt_id)
    assert (attempt.score, attempt.max_score, attempt.passed, attempt.band) == (Decimal("59.99"), Decimal("100.00"), False, "fail")
    entry = db.scalars(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt_id)).one()
    assert (entry.score, entry.passed) == (Decimal("59.99"), False)
    with engine.connect() as conn:  # what the database itself holds: exact on both
        raw = conn.execute(text("SELECT score FROM attempt WHERE id = :id"), {"id": attempt_id}).scalar()
    assert raw == (5999 if engine.dialect.name == "sqlite" else Decimal("59.99"))

    result = client.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<p class="result-score" id="score">59.99 ' in result and "不合格" in result

    hr = client_factory()
    hr.login("hr_a")
    page = hr.get(f"/reports/sittings/{exam.id}").get_data(as_text=True)
    assert '<td class="num">59.99</td>' in page and "不合格" in page

    rows = list(csv.reader(io.StringIO(hr.get(f"/reports/sittings/{exam.id}/scores.csv").data.decode("utf-8-sig"))))
    assert [rows[1][HEADERS.index(c)] for c in (COL_SCORE, COL_BAND, COL_PASSED)] == ["59.99", "不合格", "不合格"]

    sheet = load_workbook(io.BytesIO(hr.get(f"/reports/sittings/{exam.id}/scores.xlsx").data)).active
    score = sheet.cell(row=2, column=HEADERS.index(COL_SCORE) + 1)
    assert (score.data_type, score.value) == ("n", 59.99)
    assert sheet.cell(row=2, column=HEADERS.index(COL_PASSED) + 1).value == "不合格"


def test_c20_the_database_type_refuses_a_third_decimal_instead_of_rounding(db, exam):
    exam.pass_mark = Decimal("59.995")
    with pytest.raises(StatementError, match="more than two decimal places"):
        db.commit()
    db.rollback()
    assert db.get(Sitting, exam.id).pass_mark == Decimal("60.00")


def test_c20_sums_in_the_database_are_exact(db, make):
    paper = make.paper([("single_choice", 1, "0.1", CATEGORY), ("single_choice", 1, "0.2", CATEGORY)])
    from question_bank.models import BlueprintSection

    total = db.scalar(select(func.sum(BlueprintSection.mark)).where(BlueprintSection.paper_id == paper.id))
    assert total == Decimal("0.30") and str(total) == "0.30"


# --- typed marks with a third decimal are refused, naming the field ------------------------------------

@pytest.fixture
def admin(client, make, exam):
    user = make.user(Role.EXAM_ADMIN, username="admin_a")
    client.login(user.username)
    client.form_post("/lang/en", {"next": "/"})
    return user


@pytest.mark.parametrize("field, label", [("pass_mark", "Pass mark (points)"), ("excellent_mark", "Excellent mark (points)")])
def test_c20_a_sitting_mark_with_three_decimals_is_refused_naming_the_field(client, db, admin, exam, field, label):
    before = db.scalar(select(func.count(Sitting.id)))
    response = client.form_post("/exams/sittings/new", sitting_form(exam.paper_id, **{field: "59.995"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"{label}: 59.995 has more than two decimals" in page
    assert 'value="59.995"' in page  # shown again as typed, not rounded
    assert db.scalar(select(func.count(Sitting.id))) == before


def test_c20_a_section_mark_with_three_decimals_is_refused_naming_the_field(client, db, admin):
    before = db.scalar(select(func.count(Paper.id)))
    response = client.form_post("/exams/papers/new", paper_form("试卷", ("single_choice", 1, "59.995", CATEGORY)))
    assert response.status_code == 422
    assert "Points each: 59.995 has more than two decimals" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Paper.id))) == before


def test_c20_a_question_default_mark_with_three_decimals_is_refused_naming_the_field(client, db, make):
    editor = make.user(Role.BANK_EDITOR, username="editor")
    client.login(editor.username)
    client.form_post("/lang/en", {"next": "/"})
    before = db.scalar(select(func.count(Question.id)))
    form = {"qtype": "single_choice", "stem": "行政处罚由谁设定？（　）", "option_A": "法律", "option_B": "规章",
            "option_C": "", "option_D": "", "key": "A", "explanation": "", "difficulty": "3", "tags": "",
            "legal_basis": "", "category": CATEGORY, "score": "2.005"}
    response = client.form_post("/bank/questions/new", form)
    assert response.status_code == 422
    assert "Default mark (points): 2.005 has more than two decimals" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Question.id))) == before


def test_c20_an_imported_mark_with_three_decimals_is_refused_naming_the_column(client, db, make):
    client.login(make.user(Role.BANK_EDITOR, username="editor").username)
    client.form_post("/lang/en", {"next": "/"})
    row = ("单选", "行政处罚由谁设定？（　）", "法律", "规章", "通知", "纪要", "A", "解析", "中", "罚款", "行政处罚法第九条",
           CATEGORY, "59.995")
    response = upload(client, "marks.xlsx", questions_xlsx([row]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "column M (分值)" in page and "the mark may have at most two decimals" in page
    assert db.scalar(select(func.count(QuestionVersion.id))) == 0


def _points_inputs_refusing(page: str, typed: str) -> list[str]:
    """Names of the number inputs in ``page`` whose ``step`` would make a browser refuse ``typed``
    before it is sent (HTML constraint validation: a value must be min + a whole number of steps)."""
    refusing = []
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="number"' not in tag or not (name := re.search(r'name="([^"]+)"', tag)):
            continue
        step = re.search(r'step="([^"]+)"', tag)
        if step and step.group(1) != "any" and Decimal(typed) % Decimal(step.group(1)) != 0:
            refusing.append(name.group(1))
    return refusing


def test_c20_a_browser_lets_marks_with_two_decimals_be_typed_on_the_sitting_and_paper_forms(client, admin, exam):
    """Second trial F-1: the pass mark, excellent mark and section mark inputs had step 0.5, so a
    browser refused 59.99 before the server could take it."""
    for path, field in (("/exams/sittings/new", 'name="pass_mark"'), (f"/exams/sittings/{exam.id}/edit", 'name="excellent_mark"'),
                        ("/exams/papers/new", '-mark"'), (f"/exams/papers/{exam.paper_id}/edit", '-mark"')):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and field in page, path
        assert _points_inputs_refusing(page, "59.99") == [], path


@pytest.mark.parametrize("field", ["pass_mark", "excellent_mark", "marking_tolerance"])
def test_a_negative_mark_is_refused_saying_0_is_the_least(client, db, admin, exam, field):
    """Second trial F-12: the Chinese page said 数值必须大于 0 (must be greater than 0), though 0 is taken."""
    client.form_post("/lang/zh_CN", {"next": "/"})
    response = client.form_post("/exams/sittings/new", sitting_form(exam.paper_id, **{field: "-1"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "不能小于 0" in page and "必须大于 0" not in page
