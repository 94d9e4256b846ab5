"""The foundation issue's steps 2–6 end to end through the Flask test client, on real slices of the
bank files in ../shared/datasets/bank-files: import and review, paper and sitting, taking the exam,
the overdue sweep, and HR's score sheet.

The slices keep what these steps turn on (JEC-QA's rows 213 and 404 at their numbers, the CSV's
GB18030 text, a CSV question that repeats a JEC-QA one, more questions than a reviewer publishes
without confirming the count, a bank too small for a 500-question section); the whole files'
counts (998 and 964) are checked by tests/examsvc/test_bank_import_pages.py and
tests/question_bank/test_importing.py."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.idnumbers import check_character
from question_bank.models import (
    Attempt, AttemptState, Category, ImportBatch, Question, QuestionStatus, QuestionVersion, Role, UnitLevel,
)
from question_bank.reports.score_sheet import COL_ENDED, HEADERS
from question_bank.services.delivery import to_display
from tests.conftest import at
from tests.forms import decide_batch, paper_form, sitting_form, upload
from tests.scenarios import save, state
from tests.shared_data import BANK_FILES, bank_file_rows

CATEGORY = "司法考试/知识型"
#: JEC-QA's sheet rows 2–410 (213: no key; 404: options A and D the same), then row 830, the question
#: row 292 of the CSV repeats: 408 valid rows.
JECQA_ROWS = (*range(2, 411), 830)
#: The CSV's first 299 questions (its row 292 repeats JEC-QA's row 830).
CMMLU_ROWS = 299


def _published(db) -> int:
    return db.scalar(select(func.count(Question.id)).where(Question.status == QuestionStatus.PUBLISHED))


def _people(make):
    province = make.root()
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    units = [make.unit("甲市司法局", parent=city_a), make.unit("乙市自然资源局", parent=city_b)]
    staff = {name: make.user(role, username=name, unit=province) for name, role in (
        ("editor", Role.BANK_EDITOR), ("reviewer", Role.BANK_REVIEWER), ("examadmin", Role.EXAM_ADMIN), ("hr", Role.HR))}
    cadres = [make.cadre(username=f"cadre{i}", unit=units[i % 2], display_name=f"干部{i}",
                         id_number=f"32010219800101{i:03d}" + check_character(f"32010219800101{i:03d}"), current_post="科长", proposed_post="副局长")
              for i in range(1, 6)]
    return staff, cadres


def test_steps_2_to_6(client_factory, make, db, clock, app):
    staff, cadres = _people(make)
    editor, reviewer, admin, hr = (client_factory() for _ in range(4))
    editor.login("editor")
    reviewer.login("reviewer")
    admin.login("examadmin")
    hr.login("hr")

    # Step 2: the upload form says what it takes; jecqa is refused whole in the default mode.
    form_page = editor.get("/bank/import").get_data(as_text=True)
    assert "题型" in form_page and "答案" in form_page and "GB18030" in form_page
    assert editor.get("/bank/import/template.xlsx").headers["Content-Disposition"].startswith("attachment")
    jecqa = bank_file_rows(BANK_FILES / "jecqa-kd.xlsx", JECQA_ROWS)
    refused = upload(editor, "jecqa-kd.xlsx", jecqa)
    assert refused.status_code == 422 and "213" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count(Question.id))) == 0
    # … and imports the rest in valid-rows mode, reporting rows 213 (no key) and 404 (options A and D
    # the same); the GB18030 CSV imports intact.
    assert upload(editor, "jecqa-kd.xlsx", jecqa, mode="valid_only").status_code == 302
    # The CSV repeats some JEC-QA questions: the import stops before writing and says so; kept, they
    # go in flagged for the reviewer.
    cmmlu = bank_file_rows(BANK_FILES / "cmmlu-law-gbk.csv", CMMLU_ROWS)
    held = upload(editor, "cmmlu-law-gbk.csv", cmmlu)
    assert held.status_code == 409 and "import-repeats" in held.get_data(as_text=True)
    assert upload(editor, "cmmlu-law-gbk.csv", cmmlu, repeats="keep").status_code == 302
    batches = db.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
    assert [b.question_count for b in batches] == [len(JECQA_ROWS) - 2, CMMLU_ROWS]
    assert "213" in str(batches[0].report["errors"]) and "404" in str(batches[0].report["errors"])
    last_row = list(csv.reader(io.StringIO(cmmlu.decode("gb18030"))))[-1]
    assert db.scalar(select(func.count(QuestionVersion.id)).where(QuestionVersion.stem == last_row[1])) >= 1
    # The reviewer, not the uploader, looks through each batch and approves it.
    for batch in batches:
        first = db.scalar(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id))
        assert first.current_version.stem[:20] in reviewer.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
        assert editor.form_post(f"/bank/batches/{batch.id}/decide", {"approve": "1"}).status_code == 403
        # A large batch is published only once the reviewer confirms how many questions that is.
        assert decide_batch(reviewer, batch.id, {"approve": "1"}).status_code == 422
        assert decide_batch(reviewer, batch.id, {"approve": "1", "confirm": str(batch.question_count)}).status_code == 302
    assert _published(db) == len(JECQA_ROWS) - 2 + CMMLU_ROWS

    # Step 3: a blueprint the bank cannot fill is refused section by section …
    admin.form_post("/lang/en")
    short = admin.form_post("/exams/papers/new", paper_form("太大的试卷", ("single_choice", 500, "1", CATEGORY),
                                                           ("true_false", 5, "1", CATEGORY)))
    assert short.status_code == 422
    singles = db.scalar(select(func.count(Question.id))
                        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
                        .join(Category, Question.category_id == Category.id)
                        .where(QuestionVersion.qtype == "single_choice", Category.path == CATEGORY))
    assert singles < 500
    assert f"requested 500, available {singles}" in short.get_data(as_text=True)
    assert "requested 5, available 0" in short.get_data(as_text=True)
    # … the real one is 30 × 2 + 10 × 4 = 100 points, all-or-nothing.
    made = admin.form_post("/exams/papers/new", paper_form("任前考试卷", ("single_choice", 30, "2", CATEGORY),
                                                          ("multiple_choice", 10, "4", CATEGORY)))
    paper_id = int(made.headers["Location"].rsplit("/", 1)[1])
    made = admin.form_post("/exams/sittings/new", sitting_form(paper_id, opens_at="2026-05-11T09:00",
                                                              closes_at="2026-05-11T17:00"))
    sitting_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert admin.form_post(f"/exams/sittings/{sitting_id}/roster",
                           {"user_ids": [str(c.id) for c in cadres]}).status_code == 302

    # Step 4: a cadre sees the sitting, starts it, answers; a reload shows the same paper and answers.
    taker = client_factory()
    taker.login("cadre1")
    assert f'data-sitting="{sitting_id}"' in taker.get("/me/").get_data(as_text=True)
    started = taker.form_post(f"/me/sittings/{sitting_id}/start", {"pledge": "accepted"})
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    page = taker.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count('class="question"') == 40
    attempt = db.get(Attempt, attempt_id)
    # Every single choice right (30 × 2 = 60, the pass mark), every multiple choice left blank.
    for item in attempt.items[:30]:
        right = to_display(item, item.question_version.key)
        assert save(taker, attempt_id, item.slot, right, item.slot).status_code == 200
    reloaded = taker.get(f"/me/attempts/{attempt_id}").get_data(as_text=True)
    assert _stems(reloaded) == _stems(page) and _options(reloaded) == _options(page)
    assert reloaded.count("checked") == 30
    clock.set(at("10:20:00"))
    assert state(taker, attempt_id)["remaining_s"] == 40 * 60
    done = taker.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    assert done.status_code == 200 and done.get_json()["state"] == "submitted"
    result = taker.get(f"/me/attempts/{attempt_id}/result").get_data(as_text=True)
    db.refresh(attempt)
    assert 'id="score"' in result and 'id="verdict"' in result
    assert (attempt.score, attempt.passed, attempt.band) == (Decimal(60), True, "pass")

    # Step 5: another cadre starts and walks away; the sweep submits at the deadline.
    leaver = client_factory()
    leaver.login("cadre2")
    left_id = int(leaver.form_post(f"/me/sittings/{sitting_id}/start", {"pledge": "accepted"}).headers["Location"].rsplit("/", 1)[1])
    save(leaver, left_id, 1, ["B"], 1)
    clock.set(at("11:30:00"))
    db.commit()
    assert "closed 1" in app.test_cli_runner().invoke(args=["sweep-overdue"]).output
    left = db.get(Attempt, left_id)
    assert left.state == AttemptState.AUTO_SUBMITTED and left.finished_at == at("11:20:00")

    # Step 6: after the window, HR downloads the sheet: one row per roster entry, absent ones marked.
    clock.set(at("17:00:00"))
    hr.login("hr")  # back after hours away: the idle limit ended the morning's session
    sheet = hr.get(f"/reports/sittings/{sitting_id}/scores.csv")
    assert sheet.status_code == 200 and sheet.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5
    statuses = [r[HEADERS.index(COL_ENDED)] for r in rows[1:]]
    assert statuses.count("缺考") == 3 and "交卷" in statuses and "到时自动交卷" in statuses
    assert all("********" in r[2] for r in rows[1:])
    workbook = load_workbook(io.BytesIO(hr.get(f"/reports/sittings/{sitting_id}/scores.xlsx").data), read_only=True)
    xlsx_rows = [tuple("" if v is None else str(v) for v in row) for row in workbook.active.iter_rows(values_only=True)]
    assert len(xlsx_rows) == 6 and {r[1] for r in xlsx_rows[1:]} == {f"干部{i}" for i in range(1, 6)}


def _stems(page: str) -> list[str]:
    return re.findall(r'<div class="stem">(.*?)</div>', page, re.S)


def _options(page: str) -> list[str]:
    return re.findall(r'<label class="option">.*?<span>(.*?)</span>', page, re.S)
