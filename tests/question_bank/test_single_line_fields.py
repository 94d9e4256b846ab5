"""One-line fields hold no line break, from whichever importer (issue 10, tester item 2): a post
imported as "科长\r\n二行" was stored, and the account page, which shows a post in a one-line input,
dropped the break on the next save. A CR or LF in a name, post, phone number or unit name (roster
and account imports) or in a study item's law, scope, requirement or hours is refused naming the
file, row and column, as a tab is; a study item's remark, a text area on its page, may run over
lines. On both databases."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.formats import study_list_file
from question_bank.models import RosterEntry, Role, UnitLevel, User
from question_bank.services import account_import, roster
from tests.factories import workbook_bytes
from tests.question_bank.test_idnumbers import bodies, complete

IDS = [complete(body) for body in bodies(4)]
HEADER = ("姓名", "身份证号", "现任职务", "拟任职务")
#: What the tester imported, and a tab, which was refused already.
BREAKS = [("科长\r\n二行", "U+000D", 3), ("甲\r乙", "U+000D", 2), ("科员\n（借调）", "U+000A", 3),
          ("科\t员", "U+0009", 2)]


def _csv(rows) -> bytes:
    return "\r\n".join(",".join(f'"{cell}"' for cell in row) for row in rows).encode("utf-8")


def _file(saved_as: str, header, rows) -> bytes:
    return workbook_bytes("名单", header, rows) if saved_as == "xlsx" else _csv([header, *rows])


def _rows(post: str) -> list[tuple[str, ...]]:
    return [("张三", IDS[0], "科员", "副科长"), ("李四", IDS[1], post, "副科长"), ("王五", IDS[2], "科员", post)]


def _as_read(saved_as: str, code: str) -> str:
    """A workbook's XML reads a CR as LF (XML normalises line ends), so there the break is an LF."""
    return "U+000A" if saved_as == "xlsx" and code == "U+000D" else code


def _said(refused: pytest.ExceptionInfo) -> list[tuple]:
    return [(p.place.file, p.place.row, p.place.header, p.params["character"].split()[0], p.params["position"])
            for p in refused.value.problems]


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
@pytest.mark.parametrize("post, code, position", BREAKS, ids=["CRLF", "lone CR", "LF", "tab"])
def test_a_line_break_in_an_imported_account_post_is_refused_naming_row_and_column_as_a_tab_is(
        db, clock, make, saved_as, post, code, position):
    city = make.unit("甲市", level=UnitLevel.CITY)
    admin = make.user(Role.SYSADMIN, unit=city)
    before = db.scalar(select(func.count(User.id)))
    with pytest.raises(InvalidInput) as refused:
        account_import.create_cadre_accounts(db, clock, admin, io.BytesIO(_file(saved_as, HEADER, _rows(post))),
                                             f"用户.{saved_as}", city)
    db.rollback()
    code = _as_read(saved_as, code)
    assert _said(refused) == [(f"用户.{saved_as}", 3, "现任职务", code, position),
                              (f"用户.{saved_as}", 4, "拟任职务", code, position)]
    assert db.scalar(select(func.count(User.id))) == before


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
@pytest.mark.parametrize("post, code, position", BREAKS, ids=["CRLF", "lone CR", "LF", "tab"])
def test_a_line_break_in_a_roster_post_is_refused_naming_row_and_column_as_a_tab_is(
        db, clock, make, saved_as, post, code, position):
    for name, number in zip(("张三", "李四", "王五"), IDS):
        make.cadre(display_name=name, id_number=number)
    admin, sitting = make.user(Role.EXAM_ADMIN), make.sitting()
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, admin, sitting, io.BytesIO(_file(saved_as, HEADER, _rows(post))),
                             f"名单.{saved_as}")
    db.rollback()
    code = _as_read(saved_as, code)
    assert _said(refused) == [(f"名单.{saved_as}", 3, "现任职务", code, position),
                              (f"名单.{saved_as}", 4, "拟任职务", code, position)]
    assert db.scalar(select(func.count(RosterEntry.id))) == 0


def test_the_refusal_of_a_line_break_says_the_field_is_one_line(db, clock, make):
    city = make.unit("甲市", level=UnitLevel.CITY)
    admin = make.user(Role.SYSADMIN, unit=city)
    with pytest.raises(InvalidInput) as refused:
        account_import.create_cadre_accounts(db, clock, admin, io.BytesIO(_csv([HEADER, ("张三", IDS[0], "科长\r\n二行", "")])),
                                             "用户.csv", city)
    db.rollback()
    said = str(refused.value.problems[0])
    assert "U+000D" in said and "at character 3, a line break" in said and "one line" in said


LIST_HEADER = ("序号", "法律法规名称", "学习范围", "学习要求", "学时", "备注")


def _list(saved_as: str, rows) -> bytes:
    return _file(saved_as, LIST_HEADER, rows)


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
@pytest.mark.parametrize("column, at", [("法律法规名称", 1), ("学习范围", 2), ("学习要求", 3)])
@pytest.mark.parametrize("char", ["\r\n", "\n", "\t"], ids=["CRLF", "LF", "tab"])
def test_a_line_break_or_tab_in_a_one_line_study_list_cell_is_refused_naming_row_and_column(saved_as, column, at,
                                                                                           char):
    row = ["1", "宪法", "全文", "精学", "2", ""]
    row[at] = row[at][:1] + char + row[at][1:]
    with pytest.raises(InvalidInput) as refused:
        study_list_file.read_list_file(f"清单.{saved_as}", _list(saved_as, [tuple(row), ("2", "民法典", "全文", "通读", "", "")]))
    assert [(p.place.file, p.place.row, p.place.header, p.params["character"].split()[0])
            for p in refused.value.problems] == [(f"清单.{saved_as}", 2, column, _as_read(saved_as, f"U+{ord(char[0]):04X}"))]


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
def test_a_study_items_remark_may_run_over_lines(saved_as):
    read = study_list_file.read_list_file(f"清单.{saved_as}", _list(saved_as, [("1", "宪法", "全文", "精学", "2", "第一章\n第二章")]))
    assert [(row.law, row.note) for row in read.rows] == [("宪法", "第一章\n第二章")]
