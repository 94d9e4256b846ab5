"""What an outside trial of the question import found read wrongly or without a word (issue 5),
each as a kind: a CSV in an encoding that is neither UTF-8 nor GB18030 (or in two), a filled sheet
left unread, formatting inside a cell, options labelled with a letter and a space, a thousands
comma in a knowledge point, true/false keys 1/0 and 正确/错误 written as options, a mark in
exponent notation, and two options that differ only in punctuation.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from question_bank.formats.template_file import GUIDE_HEADER, GUIDE_SHEET
from question_bank.models import Role
from question_bank.services.importing import VALID_ONLY
from tests.factories import QUESTION_HEADER, book_bytes, questions_book
from tests.hostile_files import rewrite_part
from tests.question_bank.test_import_faithful import bank_size, run, stored

ROW = ["单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2"]
COLUMN = {name: QUESTION_HEADER.index(name) for name in QUESTION_HEADER}


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def with_cells(**cells) -> list:
    row = ROW[:]
    for name, value in cells.items():
        row[COLUMN[name]] = value
    return row


def csv_bytes(rows: list[list], encoding: str = "utf-8", header=QUESTION_HEADER) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([list(header), *rows])
    return out.getvalue().encode(encoding)


def both_files(rows: list[list]) -> list[tuple[str, bytes]]:
    return [("q.xlsx", book_bytes(questions_book(rows))), ("q.csv", csv_bytes(rows))]


# --- 1, 3: a CSV never stored garbled --------------------------------------------------------------

TRADITIONAL = ("type,stem,option_A,option_B,option_C,option_D,key,category\r\n"
               + "".join(f"single,第{n}題 行政處罰的種類,警告,罰款,拘留,記過,A,行政處罰\r\n" for n in (1, 2, 3)))
JAPANESE = ("type,stem,option_A,option_B,key,category\r\n"
            + "".join(f"single,第{n}問 行政処分の種類はどれですか,警告,罰金,A,法律\r\n" for n in (1, 2)))
GERMAN = "type,stem,option_A,option_B,key,category\r\nsingle,Müller und Straße: schön,Ja,Nein,A,Recht\r\n"


@pytest.mark.parametrize("text, encoding, named", [
    (TRADITIONAL, "big5", "Big5"),
    ("type,stem,option_A,option_B,key,category\r\nsingle,警告,甲,乙,A,法\r\n", "big5", "Big5"),
    (JAPANESE, "shift_jis", "Shift-JIS"),
    (GERMAN, "cp1252", "Windows-1252"),
])
def test_a_csv_in_another_encoding_that_gb18030_would_garble_is_refused_naming_it(db, clock, editor, text, encoding,
                                                                                   named):
    data = text.encode(encoding)
    data.decode("gb18030")  # the kind: GB18030 reads these bytes without an error, into nonsense
    report = run(db, clock, editor, data, name="q.csv", mode=VALID_ONLY)
    assert report.refused and bank_size(db) == (0, 0)
    [problem] = report.errors
    message = str(problem)
    assert "does not seem to be UTF-8 or GB18030/GBK" in message and f"may be {named}" in message
    assert problem.place.line == 2 and "CSV UTF-8" in message


def test_big5_rows_far_below_plain_ones_are_found_too(db, clock, editor):
    plain = "".join(f"single,Question {n} about the law,yes,no,A,law\r\n" for n in range(6000))  # over 256 KB
    data = (TRADITIONAL.split("\r\n", 1)[0] + "\r\n" + plain).encode() + TRADITIONAL.split("\r\n", 1)[1].encode("big5")
    report = run(db, clock, editor, data, name="q.csv", mode=VALID_ONLY)
    assert report.refused and bank_size(db) == (0, 0)
    [problem] = report.errors
    assert "does not seem to be UTF-8 or GB18030/GBK" in str(problem) and problem.place.line == 6002


@pytest.mark.parametrize("stem", ["行政處罰的種類（繁體，GBK 也有）", "朱镕基、王喆与张堃的姓名", "䶮𠀀两个罕见字"])
def test_gbk_and_gb18030_text_with_characters_outside_gb2312_is_still_read(db, clock, editor, stem):
    text = f"题型,题干,选项A,选项B,答案,分类\r\n单选,{stem},警告,罚款,A,法律/行政\r\n"
    report = run(db, clock, editor, text.encode("gb18030"), name="q.csv")
    assert report.errors == [] and stored(db)[0].stem == stem


@pytest.mark.parametrize("header_first", [True, False])
def test_a_csv_in_two_encodings_is_refused_naming_the_first_line_in_the_other(db, clock, editor, header_first):
    header = "题型,题干,选项A,选项B,选项C,选项D,答案,分类\r\n"
    rows = "".join(f"单选,混合编码第{n}题,警告,罚款,拘留,记过,A,行政处罚\r\n" for n in (1, 2))
    data = (header.encode("utf-8") + rows.encode("gbk") if header_first
            else header.encode("gbk") + rows.encode("utf-8"))
    report = run(db, clock, editor, data, name="q.csv", mode=VALID_ONLY)
    assert report.refused and bank_size(db) == (0, 0)
    [problem] = report.errors
    message = str(problem)
    assert "mixes two encodings" in message and "No header row" not in message
    # The line named (and placed on) is the first not in UTF-8: the rows, or the header above them.
    assert problem.place.line == (2 if header_first else 1)
    assert ("line 1 is UTF-8 text but line 2 is not" if header_first
            else "line 2 is UTF-8 text but line 1 is not") in message


# --- 2: every filled sheet read or named -----------------------------------------------------------

@pytest.mark.parametrize("header, rows", [
    (["No", "Q", "Opt1", "Opt2", "Ans"], [[1, "看似题目的一行", "甲", "乙", "A"], [2, "又一行", "甲", "乙", "B"]]),
    (["序号", "内容"], [[1, "一段说明"], [2, "另一段"]]),
    ([None, None, "只在第三列"], [["x"]]),
])
def test_a_visible_filled_sheet_without_a_known_header_is_named_with_its_rows(db, clock, editor, header, rows):
    book = questions_book([ROW])
    other = book.create_sheet("Sheet7")
    other.append(header)
    for row in rows:
        other.append(row)
    book.create_sheet("空表")  # nothing in it: nothing to say
    report = run(db, clock, editor, book_bytes(book))
    assert report.imported == 1
    [notice] = [str(n) for n in report.notices if "Sheet7" in str(n)]
    assert f"was not read" in notice and f"its {len(rows) + 1} filled rows were not imported" in notice
    assert not any("空表" in str(n) for n in report.notices)


def test_the_templates_own_explanation_sheet_is_not_named(db, clock, editor):
    book = questions_book([ROW])
    book.create_sheet(GUIDE_SHEET).append(list(GUIDE_HEADER))
    report = run(db, clock, editor, book_bytes(book))
    assert report.imported == 1 and not any(GUIDE_SHEET in str(n) for n in report.notices)


# --- 4: formatting inside a cell -------------------------------------------------------------------

def _shared_rich_string(data: bytes, placeholder: str, runs: str) -> bytes:
    """``data`` (openpyxl writes every text inline) with the cell holding ``placeholder`` made to show
    shared string 0, the rich string ``runs``: how Excel saves a cell with a bold word."""
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1">'
              f"<si>{runs}</si></sst>").encode()
    data = rewrite_part(data, "[Content_Types].xml", lambda part: part.replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    data = rewrite_part(data, "xl/_rels/workbook.xml.rels", lambda part: part.replace(
        b"</Relationships>", b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    data = rewrite_part(data, "xl/worksheets/sheet1.xml", lambda part: part.replace(
        f't="inlineStr"><is><t>{placeholder}</t></is>'.encode(), b't="s"><v>0</v>'))
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_bold_or_underlined_words_inside_a_cell_are_kept_as_text_and_the_cell_is_named(db, clock, editor):
    # Inline rich text (openpyxl, other programs) in the stem; a shared one (Excel) in option B.
    stem = CellRichText(["下列哪一项", TextBlock(InlineFont(b=True), "不"), "属于行政处罚的种类"])
    book = questions_book([with_cells(题干=stem, 选项B="PLACEHOLDER")])
    data = _shared_rich_string(book_bytes(book), "PLACEHOLDER",
                               '<r><t>罚</t></r><r><rPr><u/><color rgb="FFFF0000"/></rPr><t>款</t></r>')
    report = run(db, clock, editor, data)
    assert report.errors == []
    [version] = stored(db)
    assert version.stem == "下列哪一项不属于行政处罚的种类" and version.options[1] == "罚款"
    [note] = [str(n) for n in report.notes if "formatting inside" in str(n)]
    assert "row 2" in note and "题干、选项B" in note and "was not kept" in note


def test_a_cell_formatted_as_a_whole_or_only_in_its_font_gets_no_formatting_note(db, clock, editor):
    book = questions_book([with_cells(选项A="PLACEHOLDER", 选项B=CellRichText([TextBlock(InlineFont(b=True), "罚款")]))])
    data = _shared_rich_string(book_bytes(book), "PLACEHOLDER",
                               '<r><rPr><sz val="11"/><color theme="1"/><rFont val="宋体"/></rPr><t>警</t></r>'
                               '<r><rPr><sz val="12"/><rFont val="Arial"/></rPr><t>告</t></r>')
    report = run(db, clock, editor, data)
    assert report.errors == [] and stored(db)[0].options[:2] == ["警告", "罚款"]
    assert not any("formatting inside" in str(n) for n in report.notes)


# --- 5: labels written with a space ----------------------------------------------------------------

@pytest.mark.parametrize("labels", [("A ", "B ", "C ", "D "), ("a\u3000", "b\u3000", "c\u3000", "d\u3000"),
                                    ("Ａ ", "Ｂ ", "Ｃ ", "Ｄ ")])
def test_options_each_labelled_with_its_letter_and_a_space_in_order_lose_the_label_with_a_note(
        db, clock, editor, labels):
    options = ["警告", "罚款", "记过", "行政拘留"]
    for name, data in both_files([with_cells(**{f"选项{letter}": label + text for letter, label, text
                                                  in zip("ABCD", labels, options)})]):
        report = run(db, clock, editor, data, name=name)
        assert report.errors == [] and stored(db)[-1].options == options, name
        [note] = [str(n) for n in report.notes if "option labels" in str(n)]
        assert "选项A、选项B、选项C、选项D" in note


@pytest.mark.parametrize("options", [
    ["A 类企业", "B 类企业", "事业单位", "个人"],  # not every option
    ["B 类企业", "A 类企业", "C 类", "D 类"],  # not in order
    ["A Plan", "B Plan", "C Plan", "D Plan"],  # a Latin word after the letter
])
def test_a_letter_and_a_space_not_on_every_option_in_order_is_the_authors_text(db, clock, editor, options):
    report = run(db, clock, editor, book_bytes(questions_book([with_cells(选项A=options[0], 选项B=options[1],
                                                                          选项C=options[2], 选项D=options[3])])))
    assert report.errors == [] and stored(db)[0].options == options
    assert not any("option labels" in str(n) for n in report.notes)


# --- 6: a thousands comma in a knowledge point -----------------------------------------------------

@pytest.mark.parametrize("cell, tags, split", [
    ("1,000元以下罚款", ["1,000元以下罚款"], False),
    ("罚款1，000元;警告", ["罚款1，000元", "警告"], False),
    ("一，二,三", ["一", "二", "三"], True),
    ("第3,第4条", ["第3", "第4条"], True),
])
def test_a_comma_between_digits_does_not_split_a_knowledge_point(db, clock, editor, cell, tags, split):
    for name, data in both_files([with_cells(知识点=cell)]):
        report = run(db, clock, editor, data, name=name)
        assert report.errors == [] and stored(db)[-1].tags == tags, name
        assert any("knowledge points were also split" in str(n) for n in report.notes) == split, name


# --- 7: true/false keys ----------------------------------------------------------------------------

@pytest.mark.parametrize("key, expected", [("1", True), ("0", False), (1, True), (0, False), ("１", True)])
def test_a_true_false_key_of_1_or_0_is_read(db, clock, editor, key, expected):
    row = ["判断", "行政处罚法自公布之日起施行", "", "", "", "", key] + ROW[7:]
    name, data = ("q.xlsx", book_bytes(questions_book([row]))) if isinstance(key, int) else ("q.csv", csv_bytes([row]))
    report = run(db, clock, editor, data, name=name)
    assert report.errors == [] and stored(db)[0].key is expected


@pytest.mark.parametrize("options, key, expected", [
    (("正确", "错误"), "A", True), (("正确", "错误"), "B", False), (("错误", "正确"), "A", False),
    (("对", "错"), "b", False), (("√", "×"), "A", True), (("正确", "错误"), "正确", True),
])
def test_a_true_false_row_with_options_right_and_wrong_is_read_with_its_key_mapped_and_a_note(
        db, clock, editor, options, key, expected):
    for name, data in both_files([["判断", "行政处罚法自公布之日起施行", *options, "", "", key] + ROW[7:]]):
        report = run(db, clock, editor, data, name=name)
        assert report.errors == [], name
        version = stored(db)[-1]
        assert (version.key, version.options) == (expected, []), name
        [note] = [str(n) for n in report.notes if "read as its answers" in str(n)]
        assert "/".join(options) in note and "row 2" in note


@pytest.mark.parametrize("options, key", [(("正确", "不正确"), "A"), (("正确", "错误", "不确定"), "A"),
                                          (("是", "否"), "A")])
def test_a_true_false_row_with_other_options_is_still_refused(db, clock, editor, options, key):
    cells = list(options) + [""] * (4 - len(options))
    report = run(db, clock, editor, book_bytes(questions_book([["判断", "题干", *cells, key] + ROW[7:]])),
                 mode=VALID_ONLY)
    assert report.imported == 0 and any("no options" in str(p) for p in report.errors)


# --- 8: a mark in exponent notation ----------------------------------------------------------------

@pytest.mark.parametrize("score", ["1e1", "1E1", "2.5e0", "１ｅ１"])
def test_a_mark_in_exponent_notation_is_refused_as_the_mark_entry_refuses_it(db, clock, editor, score):
    for name, data in both_files([with_cells(分值=score)]):
        report = run(db, clock, editor, data, name=name, mode=VALID_ONLY)
        assert report.imported == 0, name
        [problem] = report.errors
        assert problem.place.header == "分值" and "not a plain decimal number" in str(problem)
        assert "1e1" in str(problem)
    assert bank_size(db) == (0, 0)


def test_a_plain_mark_is_still_read(db, clock, editor):
    report = run(db, clock, editor, csv_bytes([with_cells(分值="10"), with_cells(题干="另一题", 分值="2.5")]),
                 name="q.csv")
    assert report.errors == [] and [v.default_score for v in stored(db)] == [10, 2.5]


# --- 9: options that differ only in punctuation ----------------------------------------------------

@pytest.mark.parametrize("first, second", [("警示", "警示。"), ("警示", "“警示”"), ("拘役!", "拘役")])
def test_options_differing_only_in_punctuation_are_refused_saying_so_and_naming_both(db, clock, editor, first,
                                                                                     second):
    report = run(db, clock, editor, book_bytes(questions_book([with_cells(选项A=first, 选项B=second)])),
                 mode=VALID_ONLY)
    assert report.imported == 0
    [problem] = report.errors
    message = str(problem)
    assert "differ only in the punctuation" in message and f"A ({first})" in message and f"B ({second})" in message
    assert "so candidates would read them as one option" in message


def test_options_differing_only_in_width_or_space_keep_their_message(db, clock, editor):
    report = run(db, clock, editor, book_bytes(questions_book([with_cells(选项A="ABC公司", 选项B="ＡＢＣ 公司")])),
                 mode=VALID_ONLY)
    [problem] = report.errors
    assert "same apart from full-width/half-width characters, upper/lower case or spaces" in str(problem)
