"""The category pages and the import form say a refusal on the form itself, with what was typed or
chosen kept, and name the category's fields as a category's (not a person's name or an org unit's
parent); a category whose name differs from a sibling's only in width or case is refused, naming the
sibling (trial of issue 5)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from question_bank.models import Category, Role
from tests.forms import upload


def in_english(client) -> None:
    client.form_post("/lang/en", {"next": "/"})


@pytest.fixture
def editor(make, client):
    user = make.user(Role.BANK_EDITOR, username="editor")
    client.login(user.username)
    return user


@pytest.fixture
def tree(make, db):
    make.question(category="测试/CSV/子类")
    make.question(category="测试/其他")
    db.commit()
    return {c.path: c for c in db.scalars(select(Category))}


def on_the_form(response, *texts: str) -> str:
    """The page of a refusal shown on its form: 422, the form there, not the bare error page."""
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'class="error"' in page and "Back to the start page" not in page and "返回首页" not in page
    for text in texts:
        assert text in page, text
    return page


def test_the_new_category_form_names_a_category_name_not_a_persons(client, editor, tree):
    assert "姓名" not in client.get("/bank/categories").get_data(as_text=True)
    in_english(client)
    assert "Category name" in client.get("/bank/categories").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["CSV", "ｃｓｖ", "csv", "ＣＳＶ"])
def test_a_new_category_the_parent_already_has_in_any_width_or_case_is_refused_on_the_form(client, editor, tree, db,
                                                                                          typed):
    in_english(client)
    before = db.scalar(select(func.count()).select_from(Category))
    response = client.form_post("/bank/categories", {"name": typed, "parent": str(tree["测试"].id)})
    page = on_the_form(response, "There is already a category 测试/CSV", f'value="{typed}"')
    assert "New category" in page
    assert db.scalar(select(func.count()).select_from(Category)) == before


@pytest.mark.parametrize("typed", ["其他", "ＣＳＶ"])
def test_a_rename_onto_a_siblings_name_is_refused_on_the_form_with_the_name_kept(client, editor, tree, typed):
    in_english(client)
    source = tree["测试/其他"] if typed == "ＣＳＶ" else tree["测试/CSV"]
    response = client.form_post(f"/bank/categories/{source.id}/rename", {"name": typed})
    on_the_form(response, "There is already a category 测试/", f'value="{typed}"')


def test_a_move_under_its_own_child_names_the_parent_category(client, editor, tree):
    moved, child = tree["测试/CSV"], tree["测试/CSV/子类"]
    response = client.form_post(f"/bank/categories/{moved.id}/move", {"parent": str(child.id)})
    page = on_the_form(response)
    assert "上级单位" not in page
    in_english(client)
    response = client.form_post(f"/bank/categories/{moved.id}/move", {"parent": str(child.id)})
    page = on_the_form(response, "a category cannot move into itself or below itself")
    assert "Parent unit" not in page


def test_an_import_with_a_file_name_over_the_limit_is_refused_on_the_form(client, editor, db):
    in_english(client)
    name = "题" * 300 + ".csv"
    response = upload(client, name, "题型,题干\n".encode(), mode="valid_only")
    page = on_the_form(response, "The file name is 304 characters long; at most 200 are allowed.")
    assert re.search(r'<input checked[^>]*name="mode"[^>]*value="valid_only"', page)  # the choice is kept


@pytest.mark.parametrize("confirmed", ["", "1"])
def test_a_crafted_merge_into_its_own_child_is_refused_on_the_form(client, editor, tree, db, confirmed):
    """The merge form offers no category below the merged one; a post naming one anyway (before or
    after the confirmation page) shows the category page again with the refusal beside "Merge into",
    and nothing is merged."""
    merged, child = tree["测试/CSV"], tree["测试/CSV/子类"]
    before = db.scalar(select(func.count()).select_from(Category))
    response = client.form_post(f"/bank/categories/{merged.id}/merge", {"target": str(child.id), "confirm": confirmed})
    on_the_form(response, "测试/CSV")
    in_english(client)
    response = client.form_post(f"/bank/categories/{merged.id}/merge", {"target": str(child.id), "confirm": confirmed})
    page = on_the_form(response, "a category cannot be merged into itself or a category below it", "Merge into")
    assert f'<option value="{child.id}"' not in page  # its own child is not offered
    assert db.scalar(select(func.count()).select_from(Category)) == before
