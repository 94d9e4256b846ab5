"""Moodle XML and GIFT choice questions whose grades the bank cannot keep as written (trial of issue
5): a "several answers" question with one right answer comes in as indefinite choice, said on the
question; negative grades of wrong answers are said on the question, as partial grades are. A file
this bank wrote (its -100 % wrong answers) gets no such note."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from question_bank.models import Question
from question_bank.services import exporting, import_formats, importing
from question_bank.services.exporting import Selection


def run(db, clock, editor, filename, text, repeats=importing.ASK):
    report = import_formats.import_file(db, clock, editor, filename, text.encode("utf-8"), importing.ALL_OR_NOTHING,
                                        "auto", repeats)
    db.commit()
    return report


def imported(db, report) -> list[tuple[str, list]]:
    return [(q.current_version.qtype, q.current_version.key) for q in db.scalars(
        select(Question).where(Question.import_batch_id == report.batch.id).order_by(Question.id))]


def xml(*questions: tuple[str, bool, list[str]]) -> str:
    """A Moodle XML file of multichoice questions: (stem, single, fractions), options 甲乙丙丁…"""
    body = []
    for stem, single, fractions in questions:
        answers = "".join(f'<answer fraction="{f}"><text>{"甲乙丙丁戊"[i]}</text></answer>'
                          for i, f in enumerate(fractions))
        body.append(f'<question type="multichoice"><name><text>{stem}</text></name>'
                    f'<questiontext format="html"><text>{stem}</text></questiontext>'
                    f'<single>{"true" if single else "false"}</single>{answers}</question>')
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(body) + "\n</quiz>\n"


@pytest.mark.parametrize("filename, text", [
    ("q.xml", xml(("第一题 下列属于行政处罚的是", False, ["100", "0", "0"]))),
    ("q.xml", xml(("第一题 下列属于行政处罚的是", False, ["50", "0", "0"]))),
    ("q.gift", "::Q1:: 第一题 下列属于行政处罚的是 {~%100%甲 ~乙 ~丙}\n"),
    ("q.gift", "::Q1:: 第一题 下列属于行政处罚的是 {~%100%甲 ~%0%乙 ~%0%丙}\n"),
])
def test_a_several_answers_question_with_one_right_answer_is_imported_as_indefinite_choice_and_said(
        db, clock, editor, filename, text):
    report = run(db, clock, editor, filename, text)
    assert not report.refused, [str(p) for p in report.errors]
    assert imported(db, report) == [("indefinite_choice", ["A"])]
    (note,) = [n for n in report.notes if "indefinite" in n.message]
    assert str(note).startswith(f"{filename}, question 1")
    assert str(note).endswith(": Moodle allows several right answers here but gives only one (A); the question was "
                              "imported as indefinite choice, which allows one key")


def test_a_several_answers_question_with_two_right_answers_stays_multiple_choice(db, clock, editor):
    report = run(db, clock, editor, "q.xml", xml(("第一题", False, ["50", "50", "0"])))
    assert imported(db, report) == [("multiple_choice", ["A", "B"])]
    assert not [n for n in report.notes if "indefinite" in n.message or "grade" in n.message]


@pytest.mark.parametrize("filename, text, said", [
    ("q.gift", "::Q1:: 下列属于行政处罚的是 {~%50%警告 ~%50%罚款 ~%-100%记过}\n", "C. 记过 (-100%)"),
    ("q.gift", "::Q1:: 带权 {~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁}\n", "D. 丁 (-100%)"),
    ("q.gift", "::Q1:: 单选带负分 {=甲 ~%-50%乙 ~丙}\n", "B. 乙 (-50%)"),
    ("q.xml", xml(("多选带负分", False, ["50", "50", "-50"])), "C. 丙 (-50%)"),
    ("q.xml", xml(("单选带负分", True, ["100", "-33.33333", "0"])), "B. 乙 (-33.33333%)"),
])
def test_negative_grades_of_wrong_answers_are_said_on_the_question(db, clock, editor, filename, text, said):
    report = run(db, clock, editor, filename, text)
    assert not report.refused
    notes = [str(n) for n in report.notes if "negative grades" in n.message]
    assert len(notes) == 1 and notes[0].startswith(f"{filename}, question 1, fraction")
    assert f"negative grades of wrong answers could not be kept ({said})" in notes[0]


@pytest.mark.parametrize("file_format, filename", [("gift", "again.gift"), ("moodle_xml", "again.xml")])
def test_a_file_this_bank_wrote_gets_no_negative_grade_note(db, clock, editor, make, file_format, filename):
    make.question(qtype="multiple_choice", stem="下列属于行政处罚的是", options=["警告", "罚款", "记过"], key=["A", "B"])
    make.question(qtype="indefinite_choice", stem="下列属于行政许可的是", options=["甲", "乙", "丙"], key=["A"])
    db.commit()
    out = io.BytesIO()
    exporting.export_questions(db, clock, editor, file_format, Selection(), out)
    assert b"-100" in out.getvalue()
    report = run(db, clock, editor, filename, out.getvalue().decode("utf-8"), repeats=importing.KEEP_REPEATS)
    assert not report.refused and report.notes == []
    assert sorted(imported(db, report)) == [("indefinite_choice", ["A"]), ("multiple_choice", ["A", "B"])]
