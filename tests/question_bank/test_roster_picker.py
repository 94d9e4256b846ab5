"""The roster picker for a province's thousands of cadres (issue 9, "Papers"): pages, search, and
picking by unit subtree, rank and post."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput, NotFound
from question_bank.models import Role, RosterEntry, UnitLevel
from question_bank.services import roster
from question_bank.services.roster import CadreQuery


@pytest.fixture
def province(make):
    """A province admin over two cities; city A has a department below it. 7 cadres in all."""
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    dept_a = make.unit("甲市司法局", parent=city_a)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    admin = make.user(Role.EXAM_ADMIN)
    people = {
        "a1": make.cadre(unit=city_a, display_name="张三", rank="正处级", current_post="甲市副市长"),
        "a2": make.cadre(unit=dept_a, display_name="李四", rank="副处级", current_post="司法局局长"),
        "a3": make.cadre(unit=dept_a, display_name="王五", rank="正处级", proposed_post="司法局局长"),
        "a4": make.cadre(unit=dept_a, display_name="张%五", rank="科级", current_post="科长"),
        "b1": make.cadre(unit=city_b, display_name="赵六", rank="正处级", current_post="乙市副市长"),
        "b2": make.cadre(unit=city_b, display_name="钱七", rank="副处级", current_post="局长"),
        "b3": make.cadre(unit=city_b, display_name="孙八", rank="科级"),
    }
    sitting = make.sitting(make.paper())
    sitting.org_unit = admin.org_unit
    return {"admin": admin, "city_a": city_a, "dept_a": dept_a, "city_b": city_b, "sitting": sitting, **people}


def names(page) -> list[str]:
    return [u.display_name for u in page.cadres]


def test_the_picker_pages_through_every_cadre_without_repeating_or_skipping_one(db, province):
    seen = []
    first = roster.find_cadres(db, province["admin"], province["sitting"], CadreQuery(), page=1, page_size=3)
    assert (first.total, first.pages) == (7, 3)
    for number in range(1, 4):
        seen += names(roster.find_cadres(db, province["admin"], province["sitting"], CadreQuery(), number, 3))
    assert sorted(seen) == sorted(["张三", "李四", "王五", "张%五", "赵六", "钱七", "孙八"])
    past_end = roster.find_cadres(db, province["admin"], province["sitting"], CadreQuery(), 99, 3)
    assert past_end.page == 3 and len(past_end.cadres) == 1


def test_search_by_name_takes_percent_as_a_plain_character(db, province):
    found = roster.find_cadres(db, province["admin"], province["sitting"], CadreQuery(text="张"))
    assert sorted(names(found)) == ["张%五", "张三"]
    assert names(roster.find_cadres(db, province["admin"], province["sitting"], CadreQuery(text="%"))) == ["张%五"]


def test_unit_subtree_rank_and_post_filters_combine(db, province):
    admin, sitting = province["admin"], province["sitting"]
    in_city_a = roster.find_cadres(db, admin, sitting, CadreQuery(unit_id=province["city_a"].id))
    assert sorted(names(in_city_a)) == sorted(["张三", "李四", "王五", "张%五"])
    heads = roster.find_cadres(db, admin, sitting, CadreQuery(unit_id=province["city_a"].id, post="局长"))
    assert sorted(names(heads)) == ["李四", "王五"]  # current or proposed post
    assert names(roster.find_cadres(db, admin, sitting, CadreQuery(rank="正处级", post="副市长"))) in (
        ["张三", "赵六"], ["赵六", "张三"])
    assert roster.ranks_in_scope(db, admin) == sorted(["正处级", "副处级", "科级"])


def test_a_city_admin_neither_sees_nor_filters_by_another_citys_unit(db, make, province):
    city_admin = make.user(Role.EXAM_ADMIN, unit=province["city_b"])
    sitting = make.sitting(make.paper())
    sitting.org_unit = province["city_b"]
    db.commit()
    assert sorted(names(roster.find_cadres(db, city_admin, sitting, CadreQuery()))) == sorted(["赵六", "钱七", "孙八"])
    with pytest.raises(NotFound):
        roster.find_cadres(db, city_admin, sitting, CadreQuery(unit_id=province["city_a"].id))


def test_adding_by_filter_puts_every_match_on_the_roster_and_the_picker_then_leaves_them_out(db, clock, province):
    admin, sitting = province["admin"], province["sitting"]
    added = roster.add_matching(db, clock, admin, sitting, CadreQuery(unit_id=province["dept_a"].id, rank="正处级"))
    db.commit()
    assert [e.user_id for e in added] == [province["a3"].id]
    assert roster.find_cadres(db, admin, sitting, CadreQuery()).total == 6
    with pytest.raises(InvalidInput):  # everyone of the province takes an explicit filter
        roster.add_matching(db, clock, admin, sitting, CadreQuery())
    with pytest.raises(InvalidInput):
        roster.add_matching(db, clock, admin, sitting, CadreQuery(unit_id=province["dept_a"].id, rank="正处级"))
    assert db.scalar(select(func.count(RosterEntry.id))) == 1
