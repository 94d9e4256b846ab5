"""SEC-U1 … U7 at the domain: every hostile or broken kind of file (``tests/hostile_files.py``),
through the guarded reader and through each importer's domain function (question bank, roster),
on both databases. A refusal names the file (and the limit); nothing is written."""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import itertools
import socket
import xml.etree.ElementTree
import zipfile
from collections.abc import Callable

import defusedxml.ElementTree
import openpyxl.xml.functions
import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, Problem
from question_bank.idnumbers import check_character
from question_bank.formats import guarded, roster_file, spreadsheet, study_list_file
from question_bank.formats.guarded import Limits, metered_part, open_upload, xml_is_defused
from question_bank.formats.guarded.limits import Meter
from question_bank.models import AuditEvent, ImportBatch, Question, Role, RosterEntry, StudyList, UnitLevel, User
from question_bank.services import account_import, importing, roster, study_list_files
from tests.hostile_files import (
    BILLION_LAUGHS,
    CATALOGUE,
    HEADER,
    SHEET_HEAD,
    SHEET_TAIL,
    cases,
    external_dtd,
    hostile,
    skeleton,
    text_cell,
    xlsx,
)


@dataclasses.dataclass
class Importer:
    """One importer's domain function: ``run`` returns the problems of a refusal (``[]`` when
    the file was taken), ``written`` counts what it has stored."""

    name: str
    run: Callable[[str, bytes], list[Problem]]
    written: Callable[[], int]


def make_importer(kind: str, db, clock, make) -> Importer:
    """The :class:`Importer` of ``kind``: "questions", "roster", "accounts" or "study list"."""
    if kind == "questions":
        editor = make.user(Role.BANK_EDITOR)

        def run(filename: str, data: bytes) -> list[Problem]:
            report = importing.import_questions(db, clock, editor, filename, data)
            db.commit()
            return report.errors if report.refused else []

        return Importer("questions", run, lambda: db.scalar(select(func.count()).select_from(Question))
                        + db.scalar(select(func.count()).select_from(ImportBatch)))

    def refused(call: Callable[[], object]) -> list[Problem]:
        try:
            call()
        except InvalidInput as exc:
            db.rollback()
            return exc.problems
        db.commit()
        return []

    if kind == "roster":
        admin = make.user(Role.EXAM_ADMIN)
        sitting = make.sitting()
        return Importer("roster", lambda filename, data: refused(
            lambda: roster.import_roster(db, clock, admin, sitting, io.BytesIO(data), filename)),
            lambda: db.scalar(select(func.count()).select_from(RosterEntry)))
    if kind == "accounts":
        city = make.unit("甲市", level=UnitLevel.CITY)
        sysadmin = make.user(Role.SYSADMIN, unit=city)
        accounts = db.scalar(select(func.count()).select_from(User))
        return Importer("accounts", lambda filename, data: refused(
            lambda: account_import.create_cadre_accounts(db, clock, sysadmin, io.BytesIO(data), filename, city)),
            lambda: db.scalar(select(func.count()).select_from(User)) - accounts)
    keeper = make.user(Role.STUDY_ADMIN)
    return Importer("study list", lambda filename, data: refused(
        lambda: study_list_files.import_list(db, clock, keeper, filename, data)),
        lambda: db.scalar(select(func.count()).select_from(StudyList)))


@pytest.fixture(params=["questions", "roster"])
def importer(request, db, clock, make) -> Importer:
    return make_importer(request.param, db, clock, make)


@pytest.fixture(params=["questions", "roster", "accounts", "study list"])
def every_importer(request, db, clock, make) -> Importer:
    """Each of the four importers that read uploads through the guarded reader."""
    return make_importer(request.param, db, clock, make)


@pytest.fixture
def inflated(monkeypatch) -> list[int]:
    """Every running total of bytes inflated that a meter reached, in order."""
    seen: list[int] = []
    real = Meter.count_inflated

    def spy(self, part, part_total, added):
        seen.append(self.inflated + added)
        return real(self, part, part_total, added)

    monkeypatch.setattr(Meter, "count_inflated", spy)
    return seen


def refusal(importer: Importer, name: str, data: bytes) -> str:
    problems = importer.run(name, data)
    assert problems, f"{importer.name} took {name}"
    assert problems[0].place.file == name, "the refusal names the file"
    assert importer.written() == 0
    return str(problems[0])


def read_all(data: bytes, filename: str = "名单.xlsx", limits: Limits = Limits(), **kwargs) -> list:
    upload = open_upload(filename, data, limits, **kwargs)
    return [row for sheet in upload.sheets for row in sheet.rows()]


# --- SEC-U1 zip bombs ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("SEC-U1"))
def test_sec_u1_zip_bombs_are_refused_by_each_importer_without_inflating_past_the_limit(importer, case, inflated):
    message = refusal(importer, "名单.xlsx", hostile(case))
    assert CATALOGUE[case][2] in message
    assert max(inflated, default=0) <= Limits().max_inflated_bytes


def test_sec_u1_a_sheet_declared_as_2_gib_is_refused_before_a_byte_is_inflated(inflated):
    with pytest.raises(InvalidInput) as refused:
        read_all(hostile("sheet inflating to 2 GiB"))
    assert "64 MB" in str(refused.value) and inflated == []


def test_sec_u1_a_directory_that_understates_sizes_gets_no_more_bytes_than_it_declares(inflated):
    with pytest.raises(InvalidInput):
        read_all(hostile("sizes understated in the ZIP directory"))
    # 1,000 bytes declared for the 2 GiB sheet: zipfile stops there and the CRC then fails.
    assert max(inflated) < 20_000


def test_sec_u1_bytes_are_counted_as_they_are_inflated_rereads_included():
    """The directory's sizes fit the limit; reading the sheet for its formulas and again for its
    values inflates it three times, and the count of bytes actually inflated refuses the file."""
    rows = "".join(f'<row r="{r}">' + text_cell(f"A{r}", "行政处罚法第九条" * 40) + "</row>" for r in range(2, 1200))
    data = xlsx(skeleton(SHEET_HEAD + '<row r="1"><c r="A1"><f>1+1</f></c></row>' + rows + SHEET_TAIL))
    declared = sum(len(part) for part in skeleton(SHEET_HEAD + rows + SHEET_TAIL).values())
    limits = Limits(max_inflated_bytes=2 * 1024 * 1024, max_part_bytes=2 * 1024 * 1024)
    assert 1024 * 1024 < declared < limits.max_inflated_bytes
    with pytest.raises(InvalidInput) as refused:
        read_all(data, limits=limits)
    assert "unpacks to more than 2 MB" in str(refused.value)
    assert len(read_all(data)) == 1199  # the same file within the ordinary limits


# --- SEC-U2 XML entities ------------------------------------------------------------------------

def test_sec_u2_defusedxml_is_installed_and_in_effect_for_openpyxl(monkeypatch):
    assert xml_is_defused()
    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse
    # The byte scan switched off, defusedxml under openpyxl still refuses the billion laughs.
    monkeypatch.setattr(metered_part, "_DTD", metered_part.re.compile(rb"(?!)"))
    with pytest.raises(InvalidInput) as refused:
        read_all(hostile("billion laughs"))
    assert "cannot be read" in str(refused.value)
    # And were openpyxl to parse with the standard library's parser, the reader would not run at all.
    monkeypatch.setattr(openpyxl.xml.functions, "iterparse", xml.etree.ElementTree.iterparse)
    with pytest.raises(RuntimeError):
        read_all(hostile("billion laughs"))


@pytest.mark.parametrize("case", cases("SEC-U2"))
def test_sec_u2_entity_attacks_are_refused_by_each_importer_and_nothing_leaks(importer, case, db):
    message = refusal(importer, "名单.xlsx", hostile(case))
    assert CATALOGUE[case][2] in message
    assert "root:" not in message
    stored = " ".join(str(event.after) for event in db.scalars(select(AuditEvent)))
    assert "root:" not in stored


@pytest.mark.parametrize("byte_scan", [True, False], ids=["byte scan", "defusedxml alone"])
def test_sec_u2_an_external_dtd_is_never_fetched(importer, monkeypatch, byte_scan):
    if not byte_scan:
        monkeypatch.setattr(metered_part, "_DTD", metered_part.re.compile(rb"(?!)"))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.dtd"
        refusal(importer, "名单.xlsx", external_dtd(url))
        # A connection made would wait in the backlog; there is none.
        with pytest.raises(BlockingIOError):
            listener.accept()


# --- SEC-U4 size and shape ----------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("SEC-U4"))
def test_sec_u4_shape_limits_are_enforced_by_each_importer(importer, case):
    assert CATALOGUE[case][2] in refusal(importer, "名单.xlsx", hostile(case))


#: Files whose parts other than the sheets and shared strings (which openpyxl parses whole once read)
#: would cost a minute and gigabytes: each is refused while that part is inflated, naming it.
OTHER_PART_CASES = ["two million cell formats in the styles", "300,000 defined names", "a theme of 12 MB"]


@pytest.mark.parametrize("case", OTHER_PART_CASES)
def test_sec_u4_every_part_openpyxl_parses_whole_is_bounded_in_every_importer(every_importer, case, inflated):
    message = refusal(every_importer, "名单.xlsx", hostile(case))
    assert CATALOGUE[case][2] in message
    assert "xl/" in message, "the refusal names the part"
    # Refused part way through the part, before openpyxl was handed any of it.
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(hostile(case))).infolist())
    assert max(inflated) < min(declared, Limits().max_other_part_bytes + metered_part.CHUNK + 64 * 1024)


def test_sec_u4_elements_outside_the_sheets_are_counted_across_parts_and_a_workbook_within_them_is_read():
    styled = _with_styles(60)
    assert [row.values[0] for row in read_all(styled)] == [HEADER[0]]
    with pytest.raises(InvalidInput) as refused:
        read_all(styled, limits=Limits(max_other_elements=60))
    # The styles alone hold 60 formats; with the content types and relationships read before, the
    # cap is passed in the styles part.
    assert "more than 60 XML elements outside its sheets" in str(refused.value)
    assert "xl/styles.xml" in str(refused.value)


def _with_styles(formats: int) -> bytes:
    from tests.hostile_files import OTHER_PARTS, STYLES_HEAD, with_other_part

    assert "xl/styles.xml" in OTHER_PARTS
    return with_other_part("xl/styles.xml", STYLES_HEAD + f'<cellXfs count="{formats}">', '<xf numFmtId="0"/>',
                           formats, "</cellXfs></styleSheet>")


def test_sec_u4_a_file_over_the_size_limit_is_refused_before_it_is_looked_at(importer):
    line = "姓名,身份证号\r\n" + "张" * (7 * 1024 * 1024) + "\r\n"
    message = refusal(importer, "名单.csv", line.encode())
    assert "larger than 20 MB" in message


def test_sec_u4_a_csv_cell_longer_than_any_real_one_is_refused_naming_its_line(importer):
    data = (",".join(HEADER) + "\r\n单选,题干,A,宪法,张三,110101199003070014\r\n单选,"
            + "李" * 200_000 + ",A,宪法,李四,110101199003070014\r\n").encode()
    message = refusal(importer, "名单.csv", data)
    assert "line 3" in message and "longer than" in message


def test_sec_u4_data_below_ten_thousand_empty_rows_is_read_with_its_row_number():
    rows = read_all(xlsx(skeleton(SHEET_HEAD + '<row r="1">' + text_cell("A1", "姓名") + "</row>"
                                  + "".join(f'<row r="{r}"/>' for r in range(2, 10_002))
                                  + '<row r="10002">' + text_cell("A10002", "张三") + "</row>" + SHEET_TAIL)))
    assert [(row.number, row.values) for row in rows] == [(1, ("姓名",)), (10_002, ("张三",))]
    csv_rows = read_all(("姓名\r\n" + ",\r\n" * 10_000 + "张三\r\n").encode(), "名单.csv")
    assert [(row.number, row.values) for row in csv_rows] == [(1, ("姓名",)), (10_002, ("张三",))]


@dataclasses.dataclass(frozen=True)
class XlsxReader:
    """One of the product's xlsx readers at its format: ``read`` gives the numbers of the data rows
    it read; ``header`` and ``row`` are cells it takes for its header and a data row."""

    module: object
    read: Callable[[str, bytes], list[int]]
    header: tuple[str, ...]
    row: tuple[str, ...]

    @property
    def max_rows(self) -> int:
        return self.module.LIMITS.max_rows


#: Every xlsx reader in the product (the account import reads the roster's): each must read only
#: the rows a file lists.
XLSX_READERS = {
    "questions": XlsxReader(spreadsheet, lambda name, data: [
        row.number for sheet in spreadsheet.read_table(name, data).sheets for row in sheet.rows()][1:],
        ("题型", "题干", "答案"), ("判断", "宪法是国家的根本法。", "对")),
    "roster and accounts": XlsxReader(roster_file, lambda name, data: [
        row.number for row in roster_file.read_roster_file(name, data).rows],
        ("姓名", "身份证号"), ("张三", "110101199003071234")),
    "study list": XlsxReader(study_list_file, lambda name, data: [
        row.row for row in study_list_file.read_list_file(name, data).rows],
        ("序号", "法律法规名称", "学习范围", "学习要求"), ("1", "宪法", "全文", "精学")),
}


@pytest.fixture
def slow_clock(monkeypatch) -> None:
    """Every reader's clock moves 10 ms at each look: walking the thousands of rows a file does not
    list would pass each reader's time limit (20 to 30 s), reading the rows it lists costs nothing."""
    ticks = itertools.count()
    for module in (spreadsheet, roster_file, study_list_file):
        monkeypatch.setattr(module, "open_upload", functools.partial(open_upload, timer=lambda: next(ticks) / 100))


def _cells(number: int, values: tuple[str, ...]) -> str:
    return (f'<row r="{number}">' + "".join(text_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
            + "</row>")


def _listing(*rows: str, dimension: str = "A1") -> bytes:
    return xlsx(skeleton(SHEET_HEAD.replace('<dimension ref="A1"/>', f'<dimension ref="{dimension}"/>')
                         + "".join(rows) + SHEET_TAIL))


@pytest.mark.parametrize("reader", XLSX_READERS)
@pytest.mark.parametrize("past", [1, 848_577, 299_999_999])
@pytest.mark.parametrize("listed", ["with a cell", "with a value among styled cells"])
def test_sec_u4_a_listed_row_past_the_limit_is_refused_at_once_naming_file_sheet_and_row(reader, past, listed,
                                                                                         slow_clock):
    """F10-04: a small file listing one row with a value far below the data (up to Excel's last,
    1,048,576, or 300 million) is refused as soon as that row is listed, naming it; the rows the
    file does not list are never walked (:func:`slow_clock`)."""
    found = XLSX_READERS[reader]
    number = found.max_rows + past
    row = {"with a cell": _cells(number, found.row),
           "with a value among styled cells": f'<row r="{number}" s="2" customFormat="1"><c r="A{number}" s="2"/>'
                                              + text_cell(f"B{number}", "x") + "</row>"}[listed]
    with pytest.raises(InvalidInput) as refused:
        found.read("名单.xlsx", _listing(_cells(1, found.header), _cells(2, found.row), row))
    (problem,) = refused.value.problems
    assert (problem.place.file, problem.place.sheet, problem.place.row) == ("名单.xlsx", "名单", number)
    assert f"Row {number} is past row {found.max_rows}" in str(problem)


@pytest.mark.parametrize("reader", XLSX_READERS)
@pytest.mark.parametrize("past", [1, 848_577, 299_999_999])
@pytest.mark.parametrize("listed", ["empty", "formatted", "styled empty cells", "cells of spaces"])
def test_tester_5_a_row_past_the_limit_with_no_value_in_any_cell_does_not_count(reader, past, listed, slow_clock):
    """Issue-10 trial, item 5: the formatted row 1,048,576 a formatted column leaves (or any row far
    down with no value: empty, styled, only spaces) is passed over, not refused; the rows above it
    are read as if it were not there, and the rows the file does not list are never walked."""
    found = XLSX_READERS[reader]
    number = found.max_rows + past
    row = {"empty": f'<row r="{number}"/>',
           "formatted": f'<row r="{number}" spans="1:3" s="2" customFormat="1" ht="30" customHeight="1"/>',
           "styled empty cells": f'<row r="{number}" s="2" customFormat="1">'
                                 + "".join(f'<c r="{c}{number}" s="2"/>' for c in "ABC") + "</row>",
           "cells of spaces": f'<row r="{number}">' + text_cell(f"A{number}", "   ") + "</row>"}[listed]
    data = _listing(_cells(1, found.header), _cells(2, found.row), row)
    assert found.read("名单.xlsx", data) == [2]


@pytest.mark.parametrize("reader", XLSX_READERS)
def test_sec_u4_only_the_rows_a_file_lists_are_read_whatever_it_says_of_its_size(reader, slow_clock):
    """Data far below the header, on the last row allowed, under a <dimension> claiming every row
    and column of a sheet: read with its row number, in no more time than the rows listed cost."""
    found = XLSX_READERS[reader]
    last = found.max_rows
    data = _listing(_cells(1, found.header), _cells(3, found.row), _cells(last, found.row), dimension="A1:XFD1048576")
    assert found.read("名单.xlsx", data) == [3, last]


def test_sec_u4_the_guarded_reader_walks_only_listed_rows_with_and_without_number_formats():
    ticks = itertools.count()
    data = _listing(_cells(1, ("姓名",)), _cells(199_999, ("张三",)), dimension="A1:XFD1048576")
    for number_formats in (False, True):
        upload = open_upload("名单.xlsx", data, Limits(max_seconds=20), timer=lambda: next(ticks) / 100)
        rows = list(upload.sheets[0].rows(number_formats))
        assert [(row.number, row.values) for row in rows] == [(1, ("姓名",)), (199_999, ("张三",))]


@pytest.mark.parametrize("rows, repeated", [
    ('<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>', 2),
    ('<row r="2"><c r="A2"><v>2</v></c></row><row r="2"><c r="A2"><v>9</v></c></row>', 2),
    ('<row r="2"><c r="A2"><v>2</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>', 1),
    ('<row r="0"><c r="A1"><v>0</v></c></row>', 0),
])
def test_sec_u4_a_row_listed_twice_or_out_of_order_is_refused_naming_it_never_dropped(rows, repeated):
    """openpyxl drops such a row without a word; Excel never writes one."""
    with pytest.raises(InvalidInput) as refused:
        read_all(_listing(rows))
    (problem,) = refused.value.problems
    assert (problem.place.file, problem.place.sheet, problem.place.row) == ("名单.xlsx", "名单", repeated)
    assert "out of order or twice" in str(problem)


def test_sec_u4_rows_without_numbers_follow_the_row_before():
    rows = read_all(_listing('<row r="5"><c><v>5</v></c></row><row><c><v>6</v></c></row>'))
    assert [(row.number, row.values) for row in rows] == [(5, (5,)), (6, (6,))]


def test_sec_u4_reading_stops_at_the_time_limit_naming_it():
    ticks = iter(range(10**9))  # every look at the clock is one second later
    data = xlsx(skeleton(SHEET_HEAD + "".join(f'<row r="{r}">' + text_cell(f"A{r}", "张三") + "</row>"
                                              for r in range(1, 50)) + SHEET_TAIL))
    with pytest.raises(InvalidInput) as refused:
        read_all(data, limits=Limits(max_seconds=20), timer=lambda: next(ticks))
    assert "longer than 20 seconds" in str(refused.value)


def test_the_time_limit_counts_the_reading_not_the_time_a_consumer_spends_on_each_row():
    """A background import checks and writes each part of the file before it reads on: minutes
    of writing must not refuse a file that is quick to read (nor may they hide a slow read)."""
    now = [0.0]
    data = xlsx(skeleton(SHEET_HEAD + "".join(f'<row r="{r}">' + text_cell(f"A{r}", "张三") + "</row>"
                                              for r in range(1, 50)) + SHEET_TAIL))
    for name, content in (("名单.xlsx", data), ("名单.csv", "姓名\r\n".encode() + "张三\r\n".encode() * 48)):
        upload = open_upload(name, content, Limits(max_seconds=20), timer=lambda: now[0])
        read = 0
        for _ in upload.sheets[0].rows():
            now[0] += 5  # the consumer's work: 245 s in all, the reading itself none
            read += 1
        assert read == 49


# --- SEC-U5 type confusion ----------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("SEC-U5"))
def test_sec_u5_the_kind_is_decided_by_content_for_each_importer(importer, case):
    assert CATALOGUE[case][2] in refusal(importer, "名单.xlsx", hostile(case))


def test_sec_u5_a_workbook_named_csv_and_a_csv_named_xlsx_are_read_by_what_they_are():
    workbook = xlsx(skeleton(SHEET_HEAD + '<row r="1">' + text_cell("A1", "姓名") + "</row>" + SHEET_TAIL))
    assert open_upload("名单.csv", workbook).kind == "xlsx"
    assert open_upload("名单.xlsx", "姓名,身份证号\r\n".encode()).kind == "csv"


def test_sec_u5_macros_are_never_kept():
    assert "macros" in str(pytest.raises(InvalidInput, read_all, hostile(".xlsm with vbaProject.bin")).value)


# --- SEC-U6 malformed and tricky workbooks ------------------------------------------------------

@pytest.mark.parametrize("case", cases("SEC-U6"))
def test_sec_u6_malformed_files_are_refused_by_each_importer_naming_the_file(importer, case):
    assert CATALOGUE[case][2] in refusal(importer, "名单.xlsx", hostile(case))


def test_sec_u6_every_catalogued_file_gives_a_refusal_never_a_crash():
    for name in CATALOGUE:
        with pytest.raises(InvalidInput):
            read_all(hostile(name))


def test_sec_u6_a_guard_is_not_bypassed_by_reading_a_sheet_again():
    upload = open_upload("名单.xlsx", hostile("row numbered 300 million"))
    for _ in range(2):
        with pytest.raises(InvalidInput):
            list(upload.sheets[0].rows())


def test_sec_u6_the_hidden_state_and_number_formats_of_sheets_are_handed_on():
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "题库"
    book.active.append(["分值", 0.5])
    book.active["B1"].number_format = "0%"
    hidden = book.create_sheet("旧题")
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    upload = open_upload("q.xlsx", out.getvalue())
    assert [(s.title, s.state) for s in upload.sheets] == [("题库", "visible"), ("旧题", "hidden")]
    (row,) = upload.sheets[0].rows(number_formats=True)
    assert row.values == ("分值", 0.5) and row.number_formats == ("General", "0%")
    assert next(upload.sheets[0].rows()).number_formats == ()


def test_guarded_clean_filename_keeps_only_the_files_own_name():
    assert guarded.clean_filename("C:\\fakepath\\名单.xlsx") == "名单.xlsx"
    assert guarded.clean_filename("../../etc/passwd") == "passwd"
    assert guarded.clean_filename("") == "upload"
    assert guarded.clean_filename("C:\\fakepath\\" + "题" * 195 + ".xlsx") == "题" * 195 + ".xlsx"
    with pytest.raises(InvalidInput, match="201 characters long; at most 200"):
        guarded.clean_filename("题" * 196 + ".xlsx")


# --- SEC-U7 CSV text encodings ------------------------------------------------------------------

def id_number(n: int) -> str:
    body = f"11010119900307{n:03d}"
    return body + check_character(body)


#: The roster as a person types it: rare characters that need GB18030 or UTF-8 (䶮 U+4DAE, 𠀀 U+20000).
ROSTER = [("姓名", "身份证号", "单位", "现任职务", "拟任职务", "手机"),
          ("王䶮", id_number(1), "某市司法局", "副科长", "科长", "13800000000"),
          ("𠀀明", id_number(2), "某市司法局", "科员", "副科长", ""),
          ("李四", id_number(3), "某市司法局", "主任科员, 二级", "副主任", "")]


def roster_text(delimiter: str = ",", newline: str = "\r\n") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(ROSTER)
    return out.getvalue()


SAVED_AS = {
    "UTF-8": lambda: roster_text().encode("utf-8"),
    "UTF-8 with BOM": lambda: b"\xef\xbb\xbf" + roster_text().encode("utf-8"),
    "GB18030": lambda: roster_text().encode("gb18030"),
    "UTF-16LE with BOM, tabs (Excel Unicode text)": lambda: b"\xff\xfe" + roster_text("\t").encode("utf-16-le"),
    "UTF-8, semicolons, LF": lambda: roster_text(";", "\n").encode("utf-8"),
}


@pytest.fixture
def roster_people(db, make):
    cadres = [make.cadre(display_name=name, id_number=number) for name, number, *_ in ROSTER[1:]]
    return make.user(Role.EXAM_ADMIN), make.sitting(), cadres


def stored_roster(db, sitting) -> list[tuple]:
    db.expire_all()
    return sorted(db.execute(select(RosterEntry.user_id, RosterEntry.current_post, RosterEntry.proposed_post)
                             .where(RosterEntry.sitting_id == sitting.id)).all())


@pytest.mark.parametrize("saved_as", list(SAVED_AS))
def test_sec_u7_the_same_roster_in_every_encoding_stores_the_same_rows(db, clock, roster_people, saved_as):
    admin, sitting, cadres = roster_people
    result = roster.import_roster(db, clock, admin, sitting, io.BytesIO(SAVED_AS[saved_as]()), "名单.csv")
    db.commit()
    assert [e.user_id for e in result.added] == [c.id for c in cadres]
    assert stored_roster(db, sitting) == [(cadres[0].id, "副科长", "科长"), (cadres[1].id, "科员", "副科长"),
                                          (cadres[2].id, "主任科员, 二级", "副主任")]


def test_sec_u7_the_encoding_and_delimiter_are_found_from_the_bytes():
    found = {name: (open_upload("名单.csv", build()).encoding, open_upload("名单.csv", build()).delimiter)
             for name, build in SAVED_AS.items()}
    assert found == {"UTF-8": ("utf-8", ","), "UTF-8 with BOM": ("utf-8", ","), "GB18030": ("gb18030", ","),
                     "UTF-16LE with BOM, tabs (Excel Unicode text)": ("utf-16", "\t"),
                     "UTF-8, semicolons, LF": ("utf-8", ";")}


def test_sec_u7_mixed_line_ends_and_a_lone_cr_inside_a_quoted_cell_keep_the_records(db, clock, roster_people):
    admin, sitting, cadres = roster_people
    lines = roster_text().split("\r\n")
    data = (lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r\n" + lines[3] + "\n").encode("utf-8")
    roster.import_roster(db, clock, admin, sitting, io.BytesIO(data), "名单.csv")
    db.commit()
    assert [post for _, post, _ in stored_roster(db, sitting)] == ["副科长", "科员", "主任科员, 二级"]


def test_sec_u7_a_lone_cr_inside_a_quoted_cell_stays_in_its_record_and_is_refused_in_a_one_line_post(db, clock,
                                                                                                     roster_people):
    """The record is not cut at the CR (the problem is on row 3, the rows after it read as rows); a
    post is one line, so the CR is refused there, naming row and column, as a tab is."""
    admin, sitting, _ = roster_people
    lines = roster_text().split("\r\n")
    lines[2] = lines[2].replace("科员", '"科员\r（借调）"')
    data = (lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r\n" + lines[3] + "\n").encode("utf-8")
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, admin, sitting, io.BytesIO(data), "名单.csv")
    db.rollback()
    assert [(p.place.row, p.place.header, p.params["character"].split()[0]) for p in refused.value.problems] == [
        (3, "现任职务", "U+000D")]
    assert stored_roster(db, sitting) == []


@pytest.mark.parametrize("damage", ["a stray 0xFF byte", "a character cut in half"])
def test_sec_u7_invalid_bytes_are_refused_with_their_position_and_never_stored_as_mojibake(db, clock, roster_people, damage):
    admin, sitting, _ = roster_people
    data = roster_text().encode("utf-8")
    at = data.index("李四".encode())
    data = data[:at] + (b"\xff" if damage == "a stray 0xFF byte" else b"") + data[at + (0 if "0xFF" in damage else 1):]
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, admin, sitting, io.BytesIO(data), "名单.csv")
    db.rollback()
    assert f"byte {at}" in str(refused.value) and "line 4" in str(refused.value)
    assert stored_roster(db, sitting) == []


def test_sec_u7_a_gbk_roster_is_not_mistaken_for_damaged_utf8():
    data = roster_text().replace("䶮", "岩").replace("𠀀", "丘").encode("gbk")
    assert open_upload("名单.csv", data).encoding == "gb18030"
