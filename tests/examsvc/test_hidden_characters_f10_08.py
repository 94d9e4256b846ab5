"""F10-08 (issue 10): no name, post (职务), phone number or unit name holds a control or invisible
character, whichever way it comes in: the account forms, the unit pages, the roster import and the
account import. Each is refused naming the field (and, for a file, its row and column), and
nothing is stored. (No API route writes any of these fields: the API takes answers, submissions,
focus and presence reports.)"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.models import OrgUnit, RosterEntry, Role, UnitLevel, User
from question_bank.services import account_import, roster
from question_bank.text import hidden_character_problems
from tests.examsvc.dom_checks import field_block
from tests.factories import workbook_bytes
from tests.question_bank.test_idnumbers import bodies, complete

#: Every kind of character refused, with members of each.
HIDDEN = {
    "C0 control": ["\x00", "\x01", "\x07", "\t", "\x0b", "\x1b", "\x1f"],
    "line break": ["\n", "\r"],
    "DEL and C1 control": ["\x7f", "\x80", "\x85", "\x9f"],
    "bidi embedding or override": ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"],
    "bidi isolate": ["\u2066", "\u2067", "\u2068", "\u2069"],
    "bidi mark": ["\u200e", "\u200f", "\u061c"],
    "zero width": ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"],
    "soft hyphen": ["\u00ad"],
    "line or paragraph separator": ["\u2028", "\u2029"],
    # Default_Ignorable_Code_Point: blank in every font, letters or marks to Unicode's categories.
    "Hangul filler": ["\u115f", "\u1160", "\uffa0", "\u3164"],
    "variation selector": ["\ufe00", "\ufe0f", "\U000e0100", "\U000e01ef", "\u180b", "\u180f"],
    "other default-ignorable": ["\u17b4", "\u17b5", "\u2064", "\U0001d173", "\U000e0001", "\U000e0041",
                                "\u034f"],
    "blank-looking symbol": ["\u2800"],
}
#: One member of each kind, for the slower checks through pages and files (NUL is refused before
#: any view runs, by ``examsvc.request_text``).
ONE_OF_EACH = {kind: members[-1] for kind, members in HIDDEN.items()}
FIELDS = ("display_name", "name", "current_post", "proposed_post", "phone")
IDS = [complete(body) for body in bodies(4)]


def _said(problem) -> str:
    return problem.message % problem.params


@pytest.mark.parametrize("kind", HIDDEN)
def test_every_member_of_each_kind_is_refused_wherever_it_stands_naming_it_and_its_place(kind):
    for char in HIDDEN[kind]:
        for text, position in ((f"{char}张三", 1), (f"张{char}三", 2), (f"张三{char}", 3)):
            problems = hidden_character_problems(dict.fromkeys(FIELDS, text))
            # A post is one line too (tester item 2): a line break is refused in every one of these fields.
            assert [p.place for p in problems] == list(FIELDS), (kind, repr(char))
            for problem in problems:
                assert f"U+{ord(char):04X}" in _said(problem) and f"at character {position}," in _said(problem)


@pytest.mark.parametrize("char", ["\ue000", "\uf8ff", "\U000f0000", "\U0010fffd"])
def test_a_private_use_character_is_refused_wherever_it_stands_naming_it(char):
    for text, position in ((f"{char}张三", 1), (f"张{char}三", 2), (f"张三{char}", 3)):
        problems = hidden_character_problems(dict.fromkeys(FIELDS, text))
        assert [p.place for p in problems] == list(FIELDS)
        for problem in problems:
            assert f"U+{ord(char):04X} at character {position}, a private-use character" in _said(problem)


@pytest.mark.parametrize("mark", ["\u0301", "\u0308", "\u20dd", "\u0e31", "\u0f71", "\u302a", "\u0903"])
def test_a_combining_mark_with_nothing_before_it_is_refused_and_after_a_letter_taken(mark):
    problems = hidden_character_problems(dict.fromkeys(FIELDS, f"{mark}张三"))
    assert [p.place for p in problems] == list(FIELDS)
    assert all(f"starts with U+{ord(mark):04X}" in _said(p) and "combining mark" in _said(p) for p in problems)
    assert hidden_character_problems(dict.fromkeys(FIELDS, f"Zo{mark}e")) == []


def test_what_people_really_write_in_these_fields_is_taken():
    for text in ("阿沛·阿旺晋美", "Zhang San", "欧阳 娜娜", "王\u3000五", "县委书记（兼）", "+86 138-0000-0000",
                 "0571-8888 8888 转 123", "甲市/司法局", "Zoë O'Brien-Smith", "Zoe\u0308", "𠀀明", "王䶮", "😀",
                 "김민수", "가", "សុខា", "Ngô Bảo Châu", "⠓⠑⠇⠇⠕"):
        assert hidden_character_problems(dict.fromkeys(FIELDS, text)) == [], text
    # A post is one line (a one-line input on the account page, which would drop the break): a line
    # break is refused as a tab is; only the full-ID export's purpose and a study item's remark run over lines.
    assert [p.place for p in hidden_character_problems({"current_post": "科员\r\n（借调）", "proposed_post": "副科长\n（试用）"})] \
        == ["current_post", "proposed_post"]
    assert hidden_character_problems({"purpose": "年度考核\r\n（第二批）", "note": "精读\n第三章"}) == []


# --- the account and unit pages ---------------------------------------------------------------------

@pytest.fixture
def world(make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    return {"province": province, "city": city, "dept": make.unit("司法局", parent=city),
            "admin": make.user(Role.SYSADMIN, username="city-admin", unit=city),
            "cadre": make.cadre(username="zhangsan", display_name="张三", unit=city, phone="13800000000")}


@pytest.fixture
def admin(client, world):
    client.login("city-admin")
    client.form_post("/lang/en")
    return client


def _refused_beside(response, fields: list[str]) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in fields:
        block = field_block(page, field)
        assert "has-error" in block and ("invisible or control character" in block or "a line break" in block), field
    return page


@pytest.mark.parametrize("kind", ONE_OF_EACH)
def test_a_new_account_with_a_hidden_character_in_its_name_post_or_phone_is_refused_beside_each(admin, world, db, kind):
    char = ONE_OF_EACH[kind]
    before = db.scalar(select(func.count(User.id)))
    response = admin.form_post("/users/new", {
        "username": "wangwu", "display_name": f"王{char}五", "password": "Tiger-lily-42", "unit": world["city"].id,
        "roles": "cadre", "current_post": f"科长{char}", "phone": f"139{char}00000000"})
    _refused_beside(response, ["display_name", "phone", "current_post"])
    assert db.scalar(select(func.count(User.id))) == before


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x1b", "\n"])
def test_an_account_edited_to_hold_a_hidden_character_is_refused_and_kept_as_it_was(admin, world, db, char):
    cadre = world["cadre"]
    response = admin.form_post(f"/users/{cadre.id}", {
        "display_name": f"张{char}三", "unit": world["city"].id, "roles": ["cadre"], "id_number": "",
        "current_post": "科长", "phone": f"{char}13800000001"})
    _refused_beside(response, ["display_name", "phone"])
    db.expire_all()
    kept = db.get(User, cadre.id)
    assert (kept.display_name, kept.phone) == ("张三", "13800000000")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200d", "\t", "\x85", "\u3164", "\u034f", "\ufe00",
                                  "\u2800"])
def test_a_unit_added_or_renamed_with_a_hidden_character_is_refused(admin, world, db, char):
    added = admin.form_post("/units", {"name": f"一{char}科", "level": "department", "parent": world["dept"].id})
    _refused_beside(added, ["name"])
    renamed = admin.form_post(f"/units/{world['dept'].id}", {"name": f"司法{char}局", "level": "department",
                                                             "parent": world["city"].id})
    _refused_beside(renamed, ["name"])
    db.expire_all()
    assert db.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.name.contains(char))) == 0
    assert db.get(OrgUnit, world["dept"].id).name == "司法局"


# --- the roster and account imports -----------------------------------------------------------------

def _csv(rows: list[tuple[str, ...]]) -> bytes:
    return "\r\n".join(",".join(f'"{cell}"' for cell in row) for row in rows).encode("utf-8")


def test_a_roster_with_hidden_characters_is_refused_naming_each_row_and_column_and_nothing_is_added(db, clock, make):
    people = [make.cadre(display_name=name, id_number=number) for name, number in zip(("张三", "李四", "王五"), IDS)]
    admin, sitting = make.user(Role.EXAM_ADMIN), make.sitting()
    data = _csv([("姓名", "身份证号", "现任职务", "拟任职务"),
                 ("张\u200b三", IDS[0], "科员", "副科长"),
                 ("李四", IDS[1], "科员\u202e", "副科长"),
                 ("王五", IDS[2], "科员\r\n（借调）", "副\x1b科长")])
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, admin, sitting, io.BytesIO(data), "名单.csv")
    db.rollback()
    assert [(p.place.file, p.place.row, p.place.header, p.params["character"].split()[0])
            for p in refused.value.problems] == [
        ("名单.csv", 2, "姓名", "U+200B"), ("名单.csv", 3, "现任职务", "U+202E"), ("名单.csv", 4, "现任职务", "U+000D"),
        ("名单.csv", 4, "拟任职务", "U+001B")]
    assert db.scalar(select(func.count(RosterEntry.id))) == 0
    assert len(people) == 3


@pytest.mark.parametrize("saved_as", ["csv", "xlsx"])
def test_an_account_import_with_hidden_characters_is_refused_naming_each_row_and_column_and_creates_nothing(
        db, clock, make, saved_as):
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.unit("司法局", parent=city)
    admin = make.user(Role.SYSADMIN, unit=city)
    header = ("姓名", "身份证号", "单位", "现任职务", "拟任职务", "手机")
    rows = [("张\u2067三", IDS[0], "司法局", "科员", "", ""),
            ("李四", IDS[1], "司法局\u200c", "科员", "", ""),
            ("王五", IDS[2], "司法局", "科员\u2028", "副科长\u00ad", "138\u200e00000000"),
            ("赵六", IDS[3], "司法局", "科员\n（借调）", "", "")]
    data = workbook_bytes("名单", header, rows) if saved_as == "xlsx" else _csv([header, *rows])
    before = db.scalar(select(func.count(User.id)))
    with pytest.raises(InvalidInput) as refused:
        account_import.create_cadre_accounts(db, clock, admin, io.BytesIO(data), f"名单.{saved_as}", city)
    db.rollback()
    assert [(p.place.row, p.place.header, p.params["character"].split()[0]) for p in refused.value.problems] == [
        (2, "姓名", "U+2067"), (3, "单位", "U+200C"), (4, "现任职务", "U+2028"), (4, "拟任职务", "U+00AD"),
        (4, "手机", "U+200E"), (5, "现任职务", "U+000A")]
    assert {p.place.file for p in refused.value.problems} == {f"名单.{saved_as}"}
    assert db.scalar(select(func.count(User.id))) == before
