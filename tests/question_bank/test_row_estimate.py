"""The cheap count that decides whether an upload's import runs in the background (issue 5): a
template's rows, an interchange file's questions (issue-5 trial: Moodle XML was counted by its lines)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from question_bank.formats import gift, moodle_xml, question_jsonl
from question_bank.formats.row_estimate import estimate_rows
from tests.factories import questions_xlsx
from tests.shared_data import SHARED

ROW = ("单选", "题干", "甲", "乙", "丙", "丁", "A", "", "中", "", "", "", "2")


def test_a_workbook_counts_its_rows_on_every_sheet_with_the_header():
    assert estimate_rows(questions_xlsx([ROW] * 30), 1000) == 31


def test_the_count_stops_a_little_past_the_limit():
    assert estimate_rows(questions_xlsx([ROW] * 300), 100) > 100


def test_a_csv_in_any_encoding_counts_its_lines():
    text = "题型,题干\n" + "单选,甲\n" * 9
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        assert estimate_rows(text.encode(encoding), 1000) in (10, 11), encoding  # a last newline may end it


def test_a_damaged_zip_counts_nothing_and_leaves_the_refusal_to_the_importer():
    assert estimate_rows(b"PK\x03\x04 not really a workbook", 1000) == 0


def test_a_workbook_inflating_with_padding_counts_only_the_rows_seen_before_the_scan_limit(monkeypatch):
    from question_bank.formats import row_estimate

    monkeypatch.setattr(row_estimate, "SCAN_BYTES", 1_000_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r=\"1\"/>" + " " * 4_000_000
                         + "<row r=\"2\"/>" * 5000 + "</sheetData></worksheet>")
    assert estimate_rows(buffer.getvalue(), 1000) == 1


def test_a_row_listed_again_counts_once():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + '<row r="7" spans="1:2"><c/></row>' * 5000
                         + '<row r="8"/></sheetData></worksheet>')
    assert estimate_rows(buffer.getvalue(), 1000) == 2


# --- interchange files: their questions, as their readers count them, never their lines ----------

MOODLE = SHARED / "datasets" / "moodle-question-formats"
READ = {"moodle_xml": moodle_xml.read, "gift": gift.read, "jsonl": question_jsonl.read}


def moodle_file(questions: int, pretty: bool) -> bytes:
    """A Moodle XML file of a category and ``questions`` true/false questions, pretty-printed (a
    dozen lines a question, as Moodle writes it) or on one line."""
    question = ('<question type="truefalse"><name><text>第{n}题</text></name><questiontext format="plain_text">'
                '<text>行政机关可以当场作出行政处罚决定。第{n}题</text></questiontext>'
                '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
                '</question>')
    body = ('<?xml version="1.0" encoding="UTF-8"?><quiz><question type="category"><category><text>$course$/行政处罚法'
            '</text></category></question>' + "".join(question.format(n=n) for n in range(questions)) + "</quiz>")
    return body.replace("><", ">\n  <").encode() if pretty else body.encode()


@pytest.mark.parametrize("sample,file_format", [
    ("xml/nested_categories_with_questions.xml", "moodle_xml"), ("xml/export_category.xml", "moodle_xml"),
    ("xml/html_chars_in_idnumbers.xml", "moodle_xml"), ("gift/questions.gift.txt", "gift"),
    ("gift/questions_in_category.gift.txt", "gift")])
def test_a_moodle_sample_counts_the_questions_its_reader_reads(sample, file_format):
    data = (MOODLE / sample).read_bytes()
    assert estimate_rows(data, 1000, file_format) == len(READ[file_format](sample, data).rows)


def test_moodle_xml_counts_questions_however_many_lines_they_take():
    pretty, one_line = moodle_file(40, pretty=True), moodle_file(40, pretty=False)
    assert pretty.count(b"\n") > 400 and one_line.count(b"\n") == 0
    assert estimate_rows(pretty, 1000, "moodle_xml") == estimate_rows(one_line, 1000, "moodle_xml") == 40
    assert len(moodle_xml.read("q.xml", one_line).rows) == 40


def test_moodle_xml_in_utf16_counts_the_same():
    data = moodle_file(7, pretty=True).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert estimate_rows(data.encode("utf-16"), 1000, "moodle_xml") == 7


def test_gift_counts_question_blocks_not_lines_comments_or_categories():
    text = ("\ufeff// 行政处罚法题目\n$CATEGORY: 行政处罚法/总则\n\n"
            + "".join(f"// 第{n}题\n::第{n}题::行政机关\n可以当场作出\n行政处罚决定。{{TRUE}}\n\n  \n" for n in range(9))
            + "// 结束\n")
    data = text.encode("utf-8")
    assert estimate_rows(data, 1000, "gift") == len(gift.read("q.gift", data).rows) == 9


def test_json_lines_counts_its_questions_not_its_blank_lines():
    line = json.dumps({"schema": "examsvc.question/1", "type": "true_false", "stem": "上", "key": True,
                       "category": "法"}, ensure_ascii=False)
    data = ("\n".join([line] * 5) + "\n\n\n").encode()
    assert estimate_rows(data, 1000, "jsonl") == len(question_jsonl.read("q.jsonl", data).rows) == 5
