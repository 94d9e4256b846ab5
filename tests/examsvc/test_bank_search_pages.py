"""The bank list's search as a browser sends it, and the category pages (SEC-I1, domain.md §3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, Category, Role
from tests.examsvc.test_bank_question_pages import signed_in


@pytest.fixture
def editor(make):
    return make.user(Role.BANK_EDITOR)


def listed(page: str) -> list[str]:
    return [row.split('"')[0] for row in page.split('<tr data-question="')[1:]]


def test_the_list_finds_folded_text_and_keeps_the_filters_across_pages(client, make, editor):
    hits = [make.question(stem=f"第{n}题：２０１５年修正的行政处罚法规定？", category="行政法/处罚") for n in range(3)]
    make.question(stem="无关的题干")
    signed_in(client, editor)
    page = client.get("/bank/questions?q=2015年修正的行政处罚法规定?&category=行政法&page_size=2").get_data(as_text=True)
    assert "3 question(s) found." in page and len(listed(page)) == 2
    assert "page=2" in page and "category=%E8%A1%8C%E6%94%BF%E6%B3%95" in page
    second = client.get("/bank/questions?q=2015年修正的行政处罚法规定?&category=行政法&page_size=2&page=2")
    assert sorted(listed(page) + listed(second.get_data(as_text=True))) == sorted(str(q.id) for q in hits)


@pytest.mark.parametrize("query", [
    "q='", "q=' OR 1=1--", "q=%25", "q=_", "q=\\", "basis=' OR 1=1--", "category=%25'",
    "page_size=-1", "page_size=100000000", "page=-5", "page=99999999999999999999", "difficulty=abc",
])
def test_sec_i1_hostile_list_parameters_never_fail_and_match_literally(client, make, editor, query):
    make.question(stem="普通的题干")
    signed_in(client, editor)
    response = client.get(f"/bank/questions?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("query, place", [("q=%00", "q"), ("tag=%00'", "tag")])
def test_sec_i1_a_nul_in_a_list_parameter_is_refused_naming_it(client, make, editor, query, place):
    """No stored text holds NUL (PostgreSQL cannot): said, rather than searched for without it."""
    make.question(stem="普通的题干")
    signed_in(client, editor)
    response = client.get(f"/bank/questions?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert [p["place"] for p in response.get_json()["problems"]] == [place]


@pytest.mark.parametrize("query", ["sort=name;drop table x", "sort=(select 1)", "sort=password_hash",
                                   "author=1 OR 1=1", "author=99999999999", "sitting=-1", "used=maybe",
                                   "type=essay' --", "status=x"])
def test_sec_i1_unknown_sorts_and_values_are_refused_with_422(client, make, editor, query):
    make.question()
    signed_in(client, editor)
    response = client.get(f"/bank/questions?{query}")
    assert response.status_code == 422


def test_a_percent_sign_is_found_literally_on_the_page(client, make, editor):
    percent = make.question(stem="罚款 50% 以上的")
    make.question(stem="罚款五十以上的")
    signed_in(client, editor)
    assert listed(client.get("/bank/questions?q=50%25").get_data(as_text=True)) == [str(percent.id)]


def test_editors_build_rename_move_and_merge_the_tree_in_the_browser(client, db, make, editor):
    question = make.question(category="旧类/子类")
    paper = make.paper([("single_choice", 1, 100, "旧类")])
    signed_in(client, editor)
    assert client.form_post("/bank/categories", {"name": "新类", "parent": ""}).status_code == 302
    new = db.scalar(select(Category).where(Category.path == "新类"))
    old = db.scalar(select(Category).where(Category.path == "旧类"))
    old_id = old.id
    page = client.get("/bank/categories").get_data(as_text=True)
    assert f'data-path="旧类/子类"' in page and 'data-count="subtree">' in page

    assert client.form_post(f"/bank/categories/{old.id}/rename", {"name": "a/b"}).status_code == 422
    assert client.form_post(f"/bank/categories/{old.id}/rename", {"name": "改名类"}).status_code == 302
    assert client.form_post(f"/bank/categories/{old.id}/move", {"parent": str(new.id)}).status_code == 302
    db.expire_all()
    assert question.category.path == "新类/改名类/子类" and paper.sections[0].category.path == "新类/改名类"
    # moving a category below itself is refused
    child = db.scalar(select(Category).where(Category.path == "新类/改名类/子类"))
    assert client.form_post(f"/bank/categories/{old.id}/move", {"parent": str(child.id)}).status_code == 422

    confirm = client.form_post(f"/bank/categories/{old.id}/merge", {"target": str(new.id)})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and paper.title in text and "merge-preview" in text
    assert db.get(Category, old.id) is not None  # nothing merged before the confirmation
    done = client.form_post(f"/bank/categories/{old.id}/merge", {"target": str(new.id), "confirm": "1"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(Category, old_id) is None and paper.sections[0].category.path == "新类"
    assert question.category.path == "新类/子类"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "category.merge")) is not None


def test_reviewers_see_the_tree_but_cannot_change_it(client, db, make):
    make.question(category="宪法")
    category = db.scalar(select(Category))
    signed_in(client, make.user(Role.BANK_REVIEWER))
    page = client.get("/bank/categories").get_data(as_text=True)
    assert 'data-path="宪法"' in page and "New category" not in page
    assert client.form_post("/bank/categories", {"name": "新", "parent": ""}).status_code == 403
    assert client.form_post(f"/bank/categories/{category.id}/rename", {"name": "新"}).status_code == 403
