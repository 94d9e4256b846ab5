"""No text a person wrote is cut to a column's length (issue 5): a value longer than its String(n)
column is refused naming the field and the limit, the same on SQLite (which would store it whole)
and PostgreSQL (which would fail with a bare error), and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank.errors import InvalidInput
from question_bank.models import Law, LawKind, Paper, Role, User
from question_bank.services import law_catalogue, people
from question_bank.services.law_catalogue import Particulars


def test_an_account_with_a_name_or_post_too_long_is_refused_naming_field_and_limit(db, clock, make):
    admin = make.user(Role.SYSADMIN)
    before = db.scalar(select(func.count()).select_from(User))
    with pytest.raises(InvalidInput) as refused:
        people.create_user(db, clock, admin, username="zhang", display_name="张" * 101, password="长长的密码-2026",
                           unit=admin.org_unit, roles=[Role.CADRE], current_post="科" * 201, phone="1" * 31)
    db.rollback()
    found = {(p.place, p.params["n"]) for p in refused.value.problems}
    assert found == {("display_name", 100), ("current_post", 200), ("phone", 30)}
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_a_name_that_just_fits_is_stored_whole(db, clock, make):
    admin = make.user(Role.SYSADMIN)
    user = people.create_user(db, clock, admin, username="li", display_name="李" * 100, password="长长的密码-2026",
                              unit=admin.org_unit, roles=[Role.CADRE])
    db.commit()
    assert db.get(User, user.id).display_name == "李" * 100


def test_any_text_a_service_did_not_check_is_refused_at_the_flush_never_cut(db, make):
    paper = make.paper()
    paper.title = "试卷" * 101  # 202 characters, the column holds 200
    with pytest.raises(InvalidInput) as refused:
        db.flush()
    db.rollback()
    [problem] = refused.value.problems
    assert problem.params == {"field": "paper.title", "length": 202, "n": 200} and problem.place == "title"
    assert db.get(Paper, paper.id).title == "测试试卷"


def test_a_law_issuing_body_too_long_is_refused_not_cut(db, clock, make):
    make.laws("行政法/行政强制法(2011-06-30).md")
    admin = make.user(Role.LAW_ADMIN)
    law = db.scalar(select(Law).where(Law.short_title == "行政强制法"))
    with pytest.raises(InvalidInput) as refused:
        law_catalogue.update_particulars(db, clock, admin, law, Particulars(
            "行政强制法", LawKind.LAW, "全国人民代表大会常务委员会" * 20, [], None))
    db.rollback()
    [problem] = refused.value.problems
    assert (problem.place, problem.params["n"], problem.params["length"]) == ("issuing_body", 200, 260)
    assert db.get(Law, law.id).issuing_body != "全国人民代表大会常务委员会" * 20
