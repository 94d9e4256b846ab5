"""The one authorisation rule (question_bank.services.protection): a role and the object's unit in the
actor's subtree; "outside" and "missing" answer alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from question_bank.errors import NotFound, PermissionDenied
from question_bank.db import make_session_factory
from question_bank.models import OrgUnit, Role, Sitting, User
from question_bank.services import protection


@pytest.fixture
def tree(make):
    """root → city A (with a department) and city B; an exam admin in city A."""
    city_a, city_b = make.unit("甲市", make.root()), make.unit("乙市", make.root())
    department = make.unit("甲市司法局", city_a)
    return city_a, city_b, department, make.user(Role.EXAM_ADMIN, unit=city_a)


def test_may_needs_the_role_and_the_unit_in_the_subtree(tree, make):
    city_a, city_b, department, admin = tree
    assert protection.may(admin, (Role.EXAM_ADMIN,), department)
    assert protection.may(admin, (Role.EXAM_ADMIN,), city_a)
    assert not protection.may(admin, (Role.EXAM_ADMIN,), city_b)
    assert not protection.may(admin, (Role.EXAM_ADMIN,), make.root())
    assert not protection.may(admin, (Role.HR,), department)
    assert not protection.may(admin, (Role.EXAM_ADMIN,), None)


def test_in_subtree_matches_the_subtree_only_and_reads_like_characters_literally(tree, db, make):
    city_a, city_b, department, _ = tree
    names = set(db.scalars(select(OrgUnit.name).where(protection.in_subtree(city_a))))
    assert names == {"甲市", "甲市司法局"}
    assert set(db.scalars(select(OrgUnit.name).where(protection.in_any_subtree([])))) == set()
    both = set(db.scalars(select(OrgUnit.name).where(protection.in_any_subtree([city_a, city_b]))))
    assert both == {"甲市", "甲市司法局", "乙市"}


def test_get_in_scope_answers_outside_and_missing_alike(tree, db, make):
    city_a, city_b, department, admin = tree
    inside = make.sitting()
    inside.org_unit = department
    outside = make.sitting()
    outside.org_unit = city_b
    db.commit()
    assert protection.get_in_scope(db, admin, Sitting, inside.id, Role.EXAM_ADMIN) is inside
    with pytest.raises(NotFound):
        protection.get_in_scope(db, admin, Sitting, outside.id, Role.EXAM_ADMIN)
    with pytest.raises(NotFound):
        protection.get_in_scope(db, admin, Sitting, outside.id + 1000, Role.EXAM_ADMIN)
    with pytest.raises(PermissionDenied):
        protection.get_in_scope(db, make.user(Role.HR, unit=city_a), Sitting, inside.id, Role.EXAM_ADMIN)
    listed = db.scalars(protection.scoped(Sitting, admin)).all()
    assert listed == [inside]


def test_reaches_is_the_subtree_rule_for_people_and_api_tokens_alike(tree, make):
    city_a, city_b, department, admin = tree
    assert protection.reaches(admin, department) and protection.reaches(admin, city_a)
    assert not protection.reaches(admin, city_b) and not protection.reaches(admin, make.root())
    assert not protection.reaches(admin, None)

    class Token:  # an API token acts within its unit's subtree; it holds no role
        org_unit = city_b

    assert protection.reaches(Token(), city_b) and not protection.reaches(Token(), department)


def test_a_unit_chosen_by_id_outside_the_subtree_answers_like_a_missing_one(tree, db):
    city_a, city_b, department, admin = tree
    db.commit()
    assert protection.unit_in_reach(db, admin, department.id) is department
    missing = max(city_a.id, city_b.id, department.id) + 1000
    for unit_id in (city_b.id, missing):
        with pytest.raises(NotFound):
            protection.unit_in_reach(db, admin, unit_id)


def test_lies_within_is_the_subtree_rule_from_a_set_of_units(tree, make):
    city_a, city_b, department, _ = tree
    assert protection.lies_within(department, [city_b, city_a]) and protection.lies_within(city_b, [city_b])
    assert not protection.lies_within(city_a, [department]) and not protection.lies_within(make.root(), [city_a, city_b])
    assert not protection.lies_within(department, []) and not protection.lies_within(None, [city_a])


def test_shares_reach_takes_units_above_and_below_the_holders_but_not_beside_them(tree, make):
    city_a, city_b, department, _ = tree

    class Holder:  # an HR officer of city A
        org_unit = city_a

    assert protection.shares_reach(Holder(), [make.root()])  # the whole province holds city A
    assert protection.shares_reach(Holder(), [city_a]) and protection.shares_reach(Holder(), [department])
    assert protection.shares_reach(Holder(), [city_b, department])
    assert not protection.shares_reach(Holder(), [city_b]) and not protection.shares_reach(Holder(), [])
    # reaches is the narrower rule: a unit above the holder's is out of its reach
    assert not protection.reaches(Holder(), make.root())


def test_only_the_unit_without_a_parent_is_the_top_unit(tree, make):
    city_a, city_b, department, _ = tree
    assert protection.is_top_unit(make.root())
    assert not any(protection.is_top_unit(u) for u in (city_a, city_b, department))
    assert protection.grantable_roles(make.user(Role.SYSADMIN)) == frozenset(Role)
    assert Role.BANK_EDITOR not in protection.grantable_roles(make.user(Role.SYSADMIN, unit=city_a))


def test_require_role_refuses_an_actor_holding_none_of_the_roles(tree, make):
    city_a, city_b, department, admin = tree
    protection.require_role(admin, Role.HR, Role.EXAM_ADMIN)
    with pytest.raises(PermissionDenied):
        protection.require_role(admin, Role.HR, Role.STUDY_ADMIN)


def test_a_row_outside_the_subtree_is_never_locked_for_the_actor(tree, db, make, engine):
    """get_in_scope(lock=True) judges the scope before it locks: an admin of another unit is answered
    NotFound and holds no lock, so the admin whose sitting it is can still lock it at once. (SQLite has
    no row locks: there the second lock comes at once whatever the first session did.)"""
    city_a, city_b, department, admin = tree
    theirs = make.sitting()
    theirs.org_unit = city_b
    owner_id, sitting_id = make.user(Role.EXAM_ADMIN, unit=city_b).id, theirs.id
    db.commit()
    with pytest.raises(NotFound):
        protection.get_in_scope(db, admin, Sitting, sitting_id, Role.EXAM_ADMIN, lock=True)
    # db's transaction is still open, as a request's would be until it ends
    with make_session_factory(engine)() as other:
        if engine.dialect.name == "postgresql":
            other.execute(text("SET LOCAL lock_timeout = '2s'"))  # a lock held by db fails this, not hangs it
        owner = other.get(User, owner_id)
        assert protection.get_in_scope(other, owner, Sitting, sitting_id, Role.EXAM_ADMIN, lock=True).id == sitting_id
        other.rollback()
    db.rollback()
    assert protection.get_in_scope(db, db.get(User, owner_id), Sitting, sitting_id, Role.EXAM_ADMIN, lock=True).id == sitting_id
