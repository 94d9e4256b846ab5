"""Exports and interchange imports through the pages (issue 5): an editor exports the list's selection
or a batch in each format and gets a file holding just those questions; a candidate, an exam
administrator and a stranger get no file (the answer key is in it); a Moodle file uploads through
the ordinary import page and its batch page says what could not be kept."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from examsvc.bank import exports
from question_bank.models import AuditEvent, ImportBatch, Role
from tests.forms import upload
from tests.shared_data import SHARED

FORMATS = ("xlsx", "csv", "moodle_xml", "gift", "jsonl")


def in_english(client) -> None:
    client.form_post("/lang/en", {"next": "/"})


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, username="editor", display_name="编辑甲")
    client.login(user.username)
    in_english(client)
    return user


@pytest.fixture
def bank(make, db):
    questions = [make.question("single_choice", category="宪法/国家机构", stem=f"宪法第{i}题：下列说法正确的是？")
                 for i in range(3)]
    questions.append(make.question("true_false", category="行政处罚法", stem="罚款是行政处罚。", key=True))
    db.commit()
    return questions


def test_the_list_offers_an_export_of_its_selection_in_every_format(client, editor, bank):
    page = client.get("/bank/questions?category=宪法").get_data(as_text=True)
    assert "Export these 3 questions" in page
    for file_format in FORMATS:
        assert f"/bank/export.{file_format}?category=" in page


def test_an_export_holds_the_selected_questions_with_their_keys_and_is_audited(client, editor, bank, db):
    response = client.get("/bank/export.jsonl?category=宪法")
    assert response.status_code == 200
    # One header (examsvc.downloads): the Chinese name intact, an ASCII name with the same stamp for old clients.
    disposition, = response.headers.getlist("Content-Disposition")
    fallback = re.fullmatch(r"attachment; filename=questions-(\d{8}-\d{4})\.jsonl; filename\*=UTF-8''(.+)", disposition)
    assert unquote(fallback[2]) == f"题库导出-{fallback[1]}.jsonl"
    assert response.headers["Cache-Control"] == "no-store"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [line["id"] for line in lines] == [q.id for q in bank[:3]]
    assert all(line["key"] == ["B"] and line["key_text"] == "B" and line["category"] == "宪法/国家机构" for line in lines)

    book = load_workbook(io.BytesIO(client.get("/bank/export.xlsx?type=true_false").data))
    rows = list(book["题库"].iter_rows(values_only=True))
    assert rows[0][:2] == ("题型", "题干") and [r[1] for r in rows[1:]] == ["罚款是行政处罚。"]

    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.questions")
                        .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.after["format"], e.after["questions"]) for e in events] == [
        (editor.id, "jsonl", 3), (editor.id, "xlsx", 1)]


@pytest.mark.parametrize("roles", [(Role.CADRE,), (Role.EXAM_ADMIN,), (Role.HR,), (Role.AUDITOR,), (Role.MARKER,)])
def test_no_one_outside_the_bank_team_gets_an_export(make, client_factory, bank, db, roles):
    outsider = make.user(*roles, username="outsider")
    client = client_factory()
    client.login(outsider.username)
    for file_format in FORMATS:
        response = client.get(f"/bank/export.{file_format}")
        assert response.status_code == 403, file_format
        assert "宪法第0题" not in response.get_data(as_text=True)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "export.questions")) is None


def test_anonymous_requests_for_an_export_are_sent_to_log_in(client_factory, bank):
    response = client_factory().get("/bank/export.gift")
    assert response.status_code in (302, 401)
    assert "宪法" not in response.get_data(as_text=True)


def test_an_unknown_filter_value_is_refused_naming_it(client, editor, bank):
    response = client.get("/bank/export.csv?type=essay")
    assert response.status_code == 422
    assert "unknown question type essay" in response.get_data(as_text=True)


def test_a_moodle_file_uploads_on_the_import_page_and_its_batch_says_what_was_not_kept(client, editor, db):
    data = (SHARED / "datasets" / "moodle-question-formats" / "gift" / "questions_in_category.gift.txt").read_bytes()
    response = upload(client, "questions_in_category.gift.txt", data, "valid_only")
    assert response.status_code == 302
    batch = db.scalars(select(ImportBatch)).one()
    assert batch.file_format == "gift" and batch.question_count == 3

    page = client.get(f"/bank/batches/{batch.id}").get_data(as_text=True)
    assert "What the file held that could not be kept" in page
    assert "question 2 in the file" in page and "the address of a link could not be kept" in page
    assert "the Moodle question type matching is not supported" in page
    # The batch can go out again, to any format, from its own page.
    assert f"/bank/export.moodle_xml?batch={batch.id}" in page
    exported = client.get(f"/bank/export.moodle_xml?batch={batch.id}").get_data(as_text=True)
    assert exported.count('<question type="truefalse">') == 1 and exported.count('<question type="multichoice">') == 1


def test_the_export_command_writes_a_whole_bank_as_a_bank_role_and_refuses_anyone_else(app, make, db, bank,
                                                                                          tmp_path):
    make.user(Role.BANK_REVIEWER, username="reviewer")
    make.cadre(username="cadre1")
    out = tmp_path / "bank.jsonl"
    result = app.test_cli_runner().invoke(args=["export-questions", "--as", "reviewer", "--format", "jsonl",
                                                "--category", "宪法", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 questions exported" in result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3

    refused = tmp_path / "cadre.gift"
    result = app.test_cli_runner().invoke(args=["export-questions", "--as", "cadre1", "--format", "gift",
                                                str(refused)])
    assert result.exit_code == 1 and "Nothing was exported" in result.output
    assert not refused.exists()
    db.expire_all()
    assert [e.after["questions"] for e in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.questions"))] == [3]


def test_a_selection_too_large_for_one_request_is_refused_pointing_to_the_command(client, editor, bank,
                                                                                    monkeypatch, db):
    monkeypatch.setattr(exports, "PAGE_EXPORT_MOST", 3)
    assert client.get("/bank/export.csv?category=宪法").status_code == 200
    response = client.get("/bank/export.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The selection holds 4 questions; an export from this page takes at most 3." in page
    assert "export-questions" in page
    assert [e.after["questions"] for e in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.questions"))] == [3]


def test_a_reason_grouping_several_problems_names_the_field_and_reads_as_one_example(client, editor, db):
    """The GIFT sample's two unsupported types (matching, numerical) are one reason in the field
    "type": the group names the field in words and gives the first as an example of several, with
    no "for example" after the field's colon."""
    data = (SHARED / "datasets" / "moodle-question-formats" / "gift" / "questions.gift.txt").read_bytes()
    page = upload(client, "questions.gift.txt", data).get_data(as_text=True)
    groups = page.split("Problems by reason", 1)[1].split("</ul>", 1)[0]
    assert "<strong>Question type</strong>: the Moodle question type matching is not supported" in groups
    assert "(and others like it)" in groups
    assert "for example" not in groups and "<strong>type</strong>" not in groups
