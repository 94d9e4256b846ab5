"""A changed answer is no repeat (issue 5, C-21): a question whose stem and options are those of
another but whose key or type the author changed (对 → 错, ABCD → ABC, 单选 A → 多选 AB) is said as
"same stem and options, different answer", listed apart from the repeats, and never thrown away by
"skip the repeats" nor by the reviewer's "leave out every flagged repeat"."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from question_bank.models import Question
from question_bank.services import exporting, import_formats, importing, review
from question_bank.services.exporting import Selection
from tests.factories import questions_xlsx

STEM = "行政机关实施行政处罚，应当遵循公正、公开的原则（ ）"
OPTIONS = ["警告", "罚款", "没收违法所得", "行政拘留"]


def row(qtype: str, key: str, stem: str = "下列属于行政处罚种类的是（ ）", options=OPTIONS) -> tuple:
    return (qtype, stem, *options, key, "", "", "", "", "行政处罚法", "")


def run(db, clock, editor, data, repeats=importing.ASK, name="q.xlsx"):
    report = import_formats.import_file(db, clock, editor, name, data, importing.VALID_ONLY, repeats=repeats)
    db.commit()
    return report


def flagged(db, batch) -> list[tuple[int, bool]]:
    return [(q.duplicate_similarity, q.duplicate_answer_changed) for q in
            db.scalars(select(Question).where(Question.import_batch_id == batch.id).order_by(Question.id))]


def test_a_corrected_true_false_key_in_a_reimported_json_lines_export_is_no_repeat(db, clock, editor, make):
    original = make.question("true_false", stem=STEM, key=True)
    out = io.BytesIO()
    exporting.export_questions(db, clock, editor, "jsonl", Selection(), out)
    line = json.loads(out.getvalue().decode("utf-8"))
    # The author corrects 对 to 错, in the key and its text alike (a line contradicting itself is refused).
    line["key"], line["key_text"] = False, "错"
    line["versions"] = [v | {"key": False, "key_text": "错"} for v in line.get("versions", [])]
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")

    held = run(db, clock, editor, data, name="题库.jsonl")
    assert held.held and held.repeats == []
    assert [(c["resembles"], c["changed"]) for c in held.changed_answers] == [(original.id, {
        "bank_type": "true_false", "bank_answer": "对", "file_type": "true_false", "file_answer": "错"})]

    skipped = run(db, clock, editor, data, importing.SKIP_REPEATS, name="题库.jsonl")
    assert skipped.imported == 1 and skipped.batch.report["skipped_repeats"] == []
    assert flagged(db, skipped.batch) == [(100, True)]


def test_a_file_mixing_a_repeat_and_a_changed_answer_skips_only_the_repeat(db, clock, editor, make):
    make.question("multiple_choice", stem="下列属于行政处罚种类的是（ ）", options=OPTIONS, key=["A", "B", "C", "D"])
    make.question("single_choice", stem="下列不属于行政处罚种类的是（ ）", options=OPTIONS, key=["C"])
    data = questions_xlsx([row("多选", "ABC"), row("单选", "C", stem="下列不属于行政处罚种类的是（ ）")])

    held = run(db, clock, editor, data)
    assert [r["row"] for r in held.repeats] == [3]
    assert [(c["row"], c["changed"]["bank_answer"], c["changed"]["file_answer"]) for c in held.changed_answers] == [
        (2, "ABCD", "ABC")]
    skipped = run(db, clock, editor, data, importing.SKIP_REPEATS)
    assert skipped.imported == 1 and [r["row"] for r in skipped.batch.report["skipped_repeats"]] == [3]


@pytest.mark.parametrize("first, second, change", [
    (("多选", "ABCD"), ("多选", "ABC"), ("multiple_choice", "ABCD", "multiple_choice", "ABC")),
    (("单选", "A"), ("多选", "AB"), ("single_choice", "A", "multiple_choice", "AB")),
    (("单选", "A"), ("不定项", "A"), ("single_choice", "A", "indefinite_choice", "A")),
    (("判断", "对"), ("判断", "错"), ("true_false", "对", "true_false", "错")),
])
def test_twins_in_one_file_with_another_key_or_type_are_kept_from_the_reviewers_leave_out_all_repeats(
        db, clock, editor, reviewer, first, second, change):
    options = OPTIONS if first[0] != "判断" else ["", "", "", ""]
    data = questions_xlsx([row(*first, options=options), row(*second, options=options)])
    report = run(db, clock, editor, data, importing.KEEP_REPEATS)
    assert report.imported == 2
    [twin] = report.duplicates
    assert (twin["row"], twin["resembles_row"]) == (3, 2)
    assert tuple(twin["changed"].values()) == change
    assert flagged(db, report.batch)[1] == (100, True)
    assert review.flagged_repeats(db, report.batch) == []


def test_the_same_key_under_another_option_order_is_still_a_repeat(db, clock, editor, make):
    make.question("multiple_choice", stem="下列属于行政处罚种类的是（ ）", options=OPTIONS, key=["A", "B"])
    # The same two right options (警告, 罚款), written as C and D of another order.
    data = questions_xlsx([row("多选", "CD", options=["没收违法所得", "行政拘留", "警告", "罚款"])])
    held = run(db, clock, editor, data)
    assert [r["row"] for r in held.repeats] == [2] and held.changed_answers == []
    report = run(db, clock, editor, data, importing.KEEP_REPEATS)
    assert flagged(db, report.batch) == [(100, False)]
    assert len(review.flagged_repeats(db, report.batch)) == 1


def test_an_edit_that_changes_only_the_key_of_a_copy_is_flagged_as_a_changed_answer(db, clock, make):
    original = make.question("single_choice", stem=STEM, options=OPTIONS, key=["A"])
    copy = make.question("single_choice", stem=STEM, options=OPTIONS, key=["A"], status=original.status)
    assert (copy.duplicate_of_id, copy.duplicate_answer_changed) == (original.id, False)
    make.revision(copy, key=["B"])
    db.refresh(copy)
    assert (copy.duplicate_of_id, copy.duplicate_similarity, copy.duplicate_answer_changed) == (original.id, 100, True)
