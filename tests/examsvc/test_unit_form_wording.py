"""The unit form says what it asks for (issue 10, tester item 3): the unit's name is labelled as a
unit's name, not as a person's (the catalogue's "Name" is 姓名), also beside a name clash; a parent
left unchosen is asked for in words, not with WTForms' "Invalid Choice: could not coerce."
(选择无效：无法转化类型。), on the page that adds a unit and on the page that edits one."""

from __future__ import annotations

import pytest

from question_bank.models import Role, UnitLevel
from tests.examsvc.dom_checks import field_block


@pytest.fixture
def world(make):
    make.root()
    city = make.unit("甲市", level=UnitLevel.CITY)
    dept = make.unit("司法局", parent=city)
    make.user(Role.SYSADMIN, username="city-admin", unit=city)
    return {"city": city, "dept": dept}


@pytest.fixture(params=["en", "zh_CN"])
def admin(request, client, world):
    client.login("city-admin")
    client.form_post(f"/lang/{request.param}")
    client.language = request.param
    return client


def _pages(world) -> list[str]:
    return ["/units", f"/units/{world['dept'].id}"]


def test_the_unit_name_field_is_labelled_as_a_units_name_on_both_pages(admin, world):
    for path in _pages(world):
        label = field_block(admin.get(path).get_data(as_text=True), "name")
        assert "姓名" not in label
        if admin.language == "en":
            assert "Unit name" in label


def test_a_name_clash_is_said_beside_the_unit_name_not_beside_a_persons_name(admin, world):
    clash = admin.form_post("/units", {"name": "司法局", "level": "department", "parent": world["city"].id})
    assert clash.status_code == 422
    block = field_block(clash.get_data(as_text=True), "name")
    assert "甲市" in block and "司法局" in block and "姓名" not in block


@pytest.mark.parametrize("parent", ["", "abc"], ids=["nothing chosen", "no id"])
def test_a_unit_without_a_parent_is_asked_for_its_parent_in_words(admin, world, db, parent):
    for path in _pages(world):
        response = admin.form_post(path, {"name": "一科", "level": "department", "parent": parent})
        assert response.status_code == 422
        block = field_block(response.get_data(as_text=True), "parent")
        assert "coerce" not in block and "无法转化" not in block
        if admin.language == "en":
            assert "Choose the parent unit." in block
    assert db.get(type(world["dept"]), world["dept"].id).name == "司法局"


def test_a_unit_is_still_added_with_a_parent_chosen(admin, world):
    assert admin.form_post("/units", {"name": "一科", "level": "department", "parent": world["dept"].id}).status_code == 302
