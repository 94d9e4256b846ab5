"""A JSON Lines line that says one thing twice and differently is refused naming the field and both
values, never settled silently; a line carrying versions besides the one it exports says which
were not imported, naming the line (trial of issue 5)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from question_bank.models import Question
from question_bank.services import import_formats
from question_bank.services.importing import ALL_OR_NOTHING, VALID_ONLY

CONTENT = {"type": "single_choice", "stem": "行政处罚的种类不包括（ ）", "options": ["警告", "罚款", "记过"],
           "key": ["C"], "key_text": "C", "pinned_options": [], "explanation": "", "difficulty": 3, "tags": [],
           "legal_basis": "", "category": "宪法", "default_score": None, "rubric": ""}


def line(content: dict | None = None, versions: list[dict] | None = None, version_no: int = 1, **record) -> str:
    content = {**CONTENT, **(content or {})}
    versions = versions if versions is not None else [{**content, "version_no": version_no}]
    return json.dumps({"schema": "examsvc.question/1", "id": 7, "version_no": version_no, "versions": versions,
                       **record, **content}, ensure_ascii=False)


def run(db, clock, editor, *lines: str, mode=ALL_OR_NOTHING):
    report = import_formats.import_file(db, clock, editor, "q.jsonl", "\n".join(lines).encode("utf-8"), mode)
    db.commit()
    return report


@pytest.mark.parametrize("field, top, inner", [
    ("stem", "顶层题干（ ）", "版本题干（ ）"),
    ("options", ["警告", "罚款", "记过"], ["警告", "罚款", "拘留"]),
    ("key", ["C"], ["B"]),
    ("explanation", "顶层解析", "版本解析"),
    ("category", "宪法", "行政法"),
])
def test_a_top_level_field_differing_from_the_exported_version_refuses_the_line_naming_both(
        db, clock, editor, field, top, inner):
    top_content = {field: top, **({"key_text": "".join(top)} if field == "key" else {})}
    version = {**CONTENT, field: inner, "version_no": 1}
    report = run(db, clock, editor, line(top_content, [version]))
    assert report.refused
    (error,) = [str(p) for p in report.errors]
    assert error.startswith(f"q.jsonl, question 1, {field}, line 1: {field} is ")
    assert json.dumps(top, ensure_ascii=False) in error and json.dumps(inner, ensure_ascii=False) in error
    assert "in version 1 of versions" in error


@pytest.mark.parametrize("content, key_text", [
    ({"key": ["A"]}, "B"),
    ({"type": "multiple_choice", "key": ["A", "C"]}, "AB"),
    ({"type": "true_false", "options": [], "key": True}, "错"),
    ({"type": "fill_blank", "stem": "（ ）", "options": [], "key": [["二", "2"]]}, "二|2"),
    ({"key": ["A"]}, "甲"),
])
def test_a_key_text_that_contradicts_the_key_refuses_the_line_naming_both(db, clock, editor, content, key_text):
    report = run(db, clock, editor, line({**content, "key_text": key_text}))
    assert report.refused
    (error,) = [str(p) for p in report.errors]
    assert error.startswith("q.jsonl, question 1, key_text, line 1: key_text ")
    assert json.dumps(key_text, ensure_ascii=False) in error
    assert json.dumps(content["key"], ensure_ascii=False) in error


@pytest.mark.parametrize("content, key_text", [
    ({"key": ["A"]}, "a"), ({"type": "multiple_choice", "key": ["A", "C"]}, "C,A"),
    ({"type": "true_false", "options": [], "key": True}, "对"),
    ({"type": "fill_blank", "stem": "（ ）", "options": [], "key": [["二", "2"]]}, "二/2"),
])
def test_a_key_text_written_otherwise_but_meaning_the_key_is_taken(db, clock, editor, content, key_text):
    report = run(db, clock, editor, line({**content, "key_text": key_text}))
    assert not report.refused and report.imported == 1


def test_a_line_carrying_older_versions_names_them_and_imports_the_exported_one(db, clock, editor):
    old = {**CONTENT, "stem": "旧题干（ ）", "version_no": 1}
    pending = {**CONTENT, "stem": "待审修订（ ）", "version_no": 3}
    exported = {**CONTENT, "version_no": 2}
    plain = line({"stem": "只有一个版本的题（ ）"})
    report = run(db, clock, editor, plain, line(None, [old, exported, pending], version_no=2, pending_revision=3),
                 mode=VALID_ONLY)
    assert not report.refused and report.imported == 2
    stems = {q.current_version.stem
             for q in db.scalars(select(Question).where(Question.import_batch_id == report.batch.id))}
    assert stems == {"只有一个版本的题（ ）", CONTENT["stem"]}
    notes = [str(p) for p in report.notes]
    assert ("q.jsonl, question 2, versions, line 2: besides the version imported (version 2), this line carries "
            "2 more of the question (version 1、3); they were not imported") in notes
    assert not any("question 1," in n and "versions" in n for n in notes)
