"""What a draft keeps otherwise than written, or still lacks, is said, never done silently (issue 5):

- two accepted answers of one fill-in blank that marking cannot tell apart (full/half width, case,
  space: ``text.comparable_answer``) are merged into the first, with a note on the row, instead of
  refusing the row;
- a short answer without reference answer (a Moodle essay without grader information, an empty
  参考答案 cell) is kept with a note, and cannot be approved, alone or in its batch, until an editor
  adds the reference answer.

The same on every way in: the template, JSON Lines, Moodle XML and the editor's form."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from question_bank.drafts import QuestionDraft
from question_bank.errors import InvalidInput
from question_bank.formats.template import TEMPLATE_HEADERS
from question_bank.models import Question, QuestionStatus, QuestionVersion, Role
from question_bank.services import authoring, import_formats, importing, review
from question_bank.types.short_answer import NO_REFERENCE
from tests.examsvc.test_bank_question_pages import signed_in
from tests.factories import questions_xlsx

MERGED = ("blank %(n)d lists %(first)s and %(second)s, which marking takes as the same answer; they were merged "
          "into %(first)s")
STEM = "行政处罚决定书应当在宣告后（ ）日内送达；当事人对罚款不服的，可以申请（ ）。"
#: Each kind marking cannot tell apart: full/half width digits, letter case, inner and outer space
#: (an ideographic space too), full-width letters.
KEY = [["七", "７", "7", " 7 "], ["行政复议", "行政　复议", "ＸＺＦＹ", "xzfy", "复议"]]
SETTLED = [["七", "７"], ["行政复议", "ＸＺＦＹ", "复议"]]


def said(notes) -> list[tuple]:
    return [(n.params.get("n"), n.params.get("first"), n.params.get("second")) for n in notes if n.message == MERGED]


def test_alternatives_equal_after_folding_are_merged_into_the_first_each_merge_noted():
    draft = QuestionDraft("fill_blank", STEM, [], KEY, "行政处罚法")
    assert draft.key == SETTLED and draft.problems() == []
    assert said(draft.notes) == [(1, "７", "7"), (1, "７", "7"), (2, "行政复议", "行政　复议"), (2, "ＸＺＦＹ", "xzfy")]
    # Answers that differ after folding are all kept, as written.
    other = QuestionDraft("fill_blank", STEM, [], [["七", "七日"], ["复议", "行政复议"]], "行政处罚法")
    assert other.key == [["七", "七日"], ["复议", "行政复议"]] and other.notes == []


def test_a_template_row_with_such_alternatives_is_imported_merged_and_the_note_names_row_and_column(db, clock, editor):
    key_text = "|".join("/".join(alternatives) for alternatives in KEY)
    cells = {"题型": "填空", "题干": STEM, "答案": key_text, "分类": "行政处罚法"}
    data = questions_xlsx([tuple(cells.get(h, "") for h in TEMPLATE_HEADERS)], TEMPLATE_HEADERS)
    report = importing.import_questions(db, clock, editor, "填空.xlsx", data)
    db.commit()
    assert not report.refused and report.errors == []
    assert db.scalars(select(QuestionVersion.key)).one() == SETTLED
    assert [(n.place.row, n.place.header) for n in report.notes] == [(2, "答案")] * 4
    assert said(report.notes)[2] == (2, "行政复议", "行政　复议")
    # The batch keeps the notes for its page.
    assert len(report.batch.report["notes"]) == 4


def test_a_json_lines_question_with_such_alternatives_is_imported_merged_with_its_note(db, clock, editor):
    line = {"schema": "examsvc.question/1", "type": "fill_blank", "stem": STEM, "options": [], "key": KEY,
            "category": "行政处罚法"}
    report = import_formats.import_file(db, clock, editor, "题库.jsonl", json.dumps(line, ensure_ascii=False).encode())
    db.commit()
    assert not report.refused and db.scalars(select(QuestionVersion.key)).one() == SETTLED
    assert [(n.place.item, n.place.header) for n in report.notes] == [(1, "key")] * 4


def test_the_editor_saves_such_alternatives_merged_and_says_so(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", {
        "qtype": "fill_blank", "stem": STEM, "blank_1": "\n".join(KEY[0]), "blank_2": "\n".join(KEY[1]),
        "category": "行政处罚法", "difficulty": "3"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.scalars(select(QuestionVersion.key)).one() == [["七", "７"], ["行政复议", "ＸＺＦＹ", "复议"]]
    assert "blank 2 lists 行政复议 and 行政　复议, which marking takes as the same answer; they were merged into " \
           "行政复议" in page


def short_answer_batch(db, clock, editor, *references: str):
    cells = [{"题型": "简答", "题干": f"简述第{n}个问题。", "参考答案": reference, "分类": "行政处罚法"}
             for n, reference in enumerate(references, start=1)]
    data = questions_xlsx([tuple(c.get(h, "") for h in TEMPLATE_HEADERS) for c in cells], TEMPLATE_HEADERS)
    report = importing.import_questions(db, clock, editor, "简答.xlsx", data)
    db.commit()
    assert not report.refused, report.errors
    return report


def test_a_short_answer_without_reference_is_kept_noted_and_its_batch_approved_only_without_it(
        db, clock, editor, make):
    report = short_answer_batch(db, clock, editor, "告知、申请、听证。", "")
    assert [(n.place.row, n.message) for n in report.notes] == [(3, NO_REFERENCE)]
    complete, missing = db.scalars(select(Question).where(Question.import_batch_id == report.batch.id)
                                   .order_by(Question.id)).all()
    assert missing.current_version.key == ""

    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    with pytest.raises(InvalidInput) as refused:
        review.decide_batch(db, clock, reviewer, report.batch, approve=True)
    assert refused.value.problems[0].params == {"ids": f"#{missing.id}"}
    db.rollback()
    # Left out, the rest is published; the one left out goes back to its author as a draft.
    assert review.decide_batch(db, clock, reviewer, report.batch, approve=True, leave_out=[missing.id]) == 1
    db.commit()
    db.expire_all()
    assert (complete.status, missing.status) == (QuestionStatus.PUBLISHED, QuestionStatus.DRAFT)


def test_a_short_answer_is_approved_once_the_editor_adds_its_reference_answer(db, clock, editor, make):
    question = authoring.create_question(db, clock, editor, QuestionDraft("short_answer", "简述听证程序。", [], "",
                                                                          "行政处罚法"))
    review.submit_for_review(db, clock, editor, question)
    reviewer = make.user(Role.BANK_REVIEWER, username="reviewer")
    with pytest.raises(InvalidInput) as refused:
        review.approve_question(db, clock, reviewer, question)
    assert refused.value.problems[0].place == "key"
    db.rollback()

    authoring.update_question(db, clock, editor, question, QuestionDraft("short_answer", "简述听证程序。", [],
                                                                         "告知、申请、组织听证。", "行政处罚法"))
    if question.status == QuestionStatus.DRAFT:
        review.submit_for_review(db, clock, editor, question)
    review.approve_question(db, clock, reviewer, question)
    assert question.status == QuestionStatus.PUBLISHED


def test_the_editor_saves_a_short_answer_without_reference_and_says_what_it_still_needs(client, db, editor):
    signed_in(client, editor)
    response = client.form_post("/bank/questions/new", {
        "qtype": "short_answer", "stem": "简述听证程序。", "reference_answer": "  ", "category": "行政处罚法",
        "difficulty": "3"}, follow_redirects=True)
    assert response.status_code == 200 and db.scalars(select(QuestionVersion.key)).one() == ""
    assert "no reference answer is given: the question is kept, and an editor must add the reference answer before " \
           "it can be approved" in response.get_data(as_text=True)
