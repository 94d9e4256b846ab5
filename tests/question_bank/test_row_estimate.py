"""The cheap row count that decides whether an upload's import runs in the background (issue 5)."""

from __future__ import annotations

import io
import zipfile

from question_bank.formats.row_estimate import estimate_rows
from tests.factories import questions_xlsx

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
