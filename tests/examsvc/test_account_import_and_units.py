"""Cadre accounts created in bulk from a roster file (all or nothing, problems by row and column,
temporary passwords shown once, sign-in by ID number), and the org tree managed in the browser
(add, rename, move without cycles, audited, scoped)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from question_bank import id_vault
from question_bank.models import OrgUnit, Role, UnitLevel, User
from tests.examsvc.sign_in_helpers import events
from tests.factories import workbook_bytes
from tests.question_bank.test_idnumbers import bodies, complete

IDS = [complete(body) for body in bodies(4)]
HEADER = ("姓名", "身份证号", "单位", "用户名", "现任职务", "手机")


@pytest.fixture
def world(make):
    province = make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("司法局", parent=city)
    other = make.unit("乙市", level=UnitLevel.CITY)
    return {"province": province, "city": city, "dept": dept, "other": other,
            "admin": make.user(Role.SYSADMIN, username="city-admin", unit=city),
            "outsider": make.cadre(username="far", unit=other, id_number=IDS[3])}


@pytest.fixture
def admin(client, world):
    client.login("city-admin")
    client.form_post("/lang/en")
    return client


def upload(client, data: bytes, unit, name: str = "名单.xlsx"):
    import io
    return client.post("/users/import", data={"csrf_token": client.csrf, "unit": unit.id, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count(db) -> int:
    return db.scalar(select(func.count(User.id)))


def passwords(page: str) -> dict[str, str]:
    """Username → temporary password, read off the result page."""
    rows = re.findall(r'<span class="muted">([^ <]+) ·.*?</span></td>\s*<td><code>([^<]+)</code>', page, re.S)
    return dict(rows)


def test_a_roster_creates_cadre_accounts_each_with_a_temporary_password_and_id_number_sign_in(
        admin, world, db, client_factory):
    data = workbook_bytes("名单", HEADER, [
        ("张三", IDS[0], "司法局", "zhangsan", "科长", "13800000000"),
        ("李四", IDS[1].lower(), "", "", "", ""),
    ])
    response = upload(admin, data, world["city"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    made = passwords(page)
    lisi = db.scalar(select(User).where(User.display_name == "李四"))
    assert set(made) == {"zhangsan", lisi.username} and lisi.username == f"cadre-{lisi.id}"
    zhangsan = db.scalar(select(User).where(User.username == "zhangsan"))
    assert (zhangsan.org_unit_id, lisi.org_unit_id) == (world["dept"].id, world["city"].id)
    assert zhangsan.roles == {Role.CADRE} and zhangsan.current_post == "科长" and zhangsan.must_change_password
    assert IDS[0] not in page  # shown masked
    person = client_factory()
    person.login(IDS[1], made[lisi.username])  # the ID number signs in
    assert person.get("/me/").headers["Location"].endswith("/password")
    (load,) = events(db, "user.import")
    assert load.after == {"rows": 2, "created": 2, "existing": 0}
    assert len([e for e in events(db, "user.create") if e.actor_id == world["admin"].id]) == 2
    # Loading the same file again creates nothing and says who already has an account.
    again = upload(admin, data, world["city"])
    assert again.status_code == 200 and count(db) == 4 and "Already had an account" in again.get_data(as_text=True)


def test_one_bad_row_creates_nothing_and_every_problem_names_its_row_and_column(admin, world, db):
    data = workbook_bytes("名单", HEADER, [
        ("张三", IDS[0], "", "", "", ""),
        ("", IDS[1], "", "", "", ""),
        ("王五", IDS[0], "", "", "", ""),
        ("赵六", "110105194912310021", "", "", "", ""),
        ("钱七", IDS[2], "不存在局", "", "", ""),
        ("孙八", IDS[3], "", "", "", ""),
        ("周九", complete(bodies(6)[5]), "", "city-ADMIN", "", ""),
    ])
    before = count(db)
    response = upload(admin, data, world["city"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for row, column, text in [
        (3, "姓名", "the name is empty"),
        (4, "身份证号", "this ID number is also in row 2"),
        (5, "身份证号", "check it for a typing error"),
        (6, "单位", "the unit 不存在局 is not one of your units"),
        (7, "身份证号", "an account outside your units already has the ID number"),
        (8, "用户名", "the username city-ADMIN is taken"),
    ]:
        assert re.search(rf"row {row}\b.*?{column}.*?{re.escape(text)}", page, re.S), (row, text)
    assert count(db) == before
    assert [e for e in events(db, "user.create") if e.actor_id] == [] and events(db, "user.import") == []


def test_the_roster_file_goes_through_the_guarded_reader(admin, world, db):
    response = upload(admin, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, world["city"], "名单.xlsx")
    assert response.status_code == 422
    csv = "姓名,身份证号\r\n张三,{}\r\n".format(IDS[0]).encode("gb18030")
    assert upload(admin, csv, world["city"], "名单.csv").status_code == 200
    assert db.scalar(select(User.display_name).where(id_vault.is_holder(IDS[0]))) == "张三"


def test_units_are_added_renamed_and_moved_with_their_subtree_and_audited(admin, world, db):
    assert admin.form_post("/units", {"name": "一科", "level": "department", "parent": world["dept"].id}).status_code == 302
    section = db.scalar(select(OrgUnit).where(OrgUnit.name == "一科"))
    assert section.path == f"{world['dept'].path}{section.id}/"
    county = admin.form_post("/units", {"name": "甲县", "level": "county", "parent": world["city"].id})
    assert county.status_code == 302
    county = db.scalar(select(OrgUnit).where(OrgUnit.name == "甲县"))
    # Move 司法局 (with 一科 below it) under 甲县 and rename it.
    response = admin.form_post(f"/units/{world['dept'].id}", {"name": "司法局（县）", "level": "department",
                                                              "parent": county.id})
    assert response.status_code == 302
    db.expire_all()
    dept, section = db.get(OrgUnit, world["dept"].id), db.get(OrgUnit, section.id)
    assert dept.path == f"{county.path}{dept.id}/" and section.path == f"{dept.path}{section.id}/"
    assert dept.name == "司法局（县）" and dept.parent_id == county.id
    (change,) = events(db, "unit.update")
    assert change.before["parent"] == world["city"].id and change.after["parent"] == county.id
    assert len(events(db, "unit.create")) == 2
    assert "司法局（县）" in admin.get("/units").get_data(as_text=True)


def test_a_move_under_its_own_subtree_or_a_sibling_name_clash_is_refused(admin, world, db):
    admin.form_post("/units", {"name": "一科", "level": "department", "parent": world["dept"].id})
    section = db.scalar(select(OrgUnit).where(OrgUnit.name == "一科"))
    for parent in (world["dept"], section):
        response = admin.form_post(f"/units/{world['dept'].id}", {"name": "司法局", "level": "department",
                                                                  "parent": parent.id})
        assert response.status_code == 422
        assert "a unit cannot be moved under itself or a unit below it" in response.get_data(as_text=True)
    clash = admin.form_post("/units", {"name": "司法局", "level": "department", "parent": world["city"].id})
    assert clash.status_code == 422 and "甲市 already has a unit named 司法局" in clash.get_data(as_text=True)
    db.expire_all()
    assert db.get(OrgUnit, world["dept"].id).parent_id == world["city"].id and events(db, "unit.update") == []


def test_a_unit_administrator_manages_only_the_units_below_their_own(admin, world, db):
    assert admin.get(f"/units/{world['other'].id}").status_code == 404
    assert admin.get(f"/units/{world['city'].id}").status_code == 404  # their own unit is for those above
    response = admin.form_post("/units", {"name": "新局", "level": "department", "parent": world["other"].id})
    assert response.status_code == 422  # not a choice offered
    assert "乙市" not in admin.get("/units").get_data(as_text=True)
