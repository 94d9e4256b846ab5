"""The fixed-section picker and the paper page's fixed sections through the web (issue 9, "Papers")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from question_bank.models import Paper, Role
from question_bank.services import review
from question_bank.services import papers as paper_service
from question_bank.services.papers import PaperSpec, SectionSpec


@pytest.fixture
def setup(db, clock, make, client):
    admin = make.user(Role.EXAM_ADMIN, username="fixed_admin")
    make.questions(2, category="行政处罚法")
    picked = [make.question(category="宪法", stem=f"宪法第{n}题（　）") for n in range(1, 4)]
    paper = paper_service.create_paper(db, clock, admin, PaperSpec("混合试卷", [
        SectionSpec("single_choice", 1, Decimal(10), "行政处罚法")]))
    db.commit()
    client.login("fixed_admin")
    client.form_post("/lang/en")
    return paper, picked


def post(client, paper, picks, action, **fields):
    data = MultiDict([("csrf_token", client.csrf), ("action", action), *fields.items()])
    for question, mark in picks:
        data.add("pick", str(question.id))
        data.add(f"mark-{question.id}", mark)
    return client.post(f"/exams/papers/{paper.id}/fixed-sections/new", data=data)


def test_the_admin_searches_picks_orders_marks_previews_and_saves_a_fixed_section(client, db, setup):
    paper, (first, second, third) = setup
    page = post(client, paper, [], "search", q="宪法第").get_data(as_text=True)
    assert "3 published questions found" in page and f'value="add:{first.id}"' in page

    page = post(client, paper, [], f"add:{second.id}", q="宪法第").get_data(as_text=True)
    assert f'name="pick" value="{second.id}"' in page
    page = post(client, paper, [(second, "5"), (first, "2.5")], "up:1").get_data(as_text=True)
    assert page.index(f'name="pick" value="{first.id}"') < page.index(f'name="pick" value="{second.id}"')
    preview = post(client, paper, [(first, "2.5"), (second, "5")], "preview", title="必答题").get_data(as_text=True)
    assert 'id="preview"' in preview and "2.5 points" in preview and "宪法第1题" in preview

    response = post(client, paper, [(first, "2.5"), (second, "5")], "save", title="必答题")
    assert response.status_code == 302
    db.expire_all()
    paper = db.get(Paper, paper.id)
    assert [(i.question_id, i.mark) for i in paper.sections[1].items] == [(first.id, Decimal("2.5")), (second.id, Decimal(5))]
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert "必答题" in page and 'id="fixed-2"' in page and "data-warning" not in page


def test_a_three_decimal_mark_is_refused_and_every_pick_and_mark_stays_as_typed(client, db, setup):
    paper, (first, second, _third) = setup
    response = post(client, paper, [(first, "2.125"), (second, "5")], "save", title="必答题")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "items-1-mark" in page and "2.125" in page and "more than two decimal places" in page
    assert 'value="2.125"' in page and f'name="pick" value="{second.id}"' in page
    db.expire_all()
    assert len(db.get(Paper, paper.id).sections) == 1


def test_the_paper_page_warns_of_a_newer_version_and_republish_takes_it(client, db, clock, make, setup):
    paper, (first, _second, _third) = setup
    post(client, paper, [(first, "10")], "save")
    old = first.published_version_id
    make.revision(first, stem="修订后的题干（　）")
    review.approve_question(db, clock, make.user(Role.BANK_REVIEWER), first)
    db.commit()
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert 'data-warning="newer_version"' in page and "宪法第1题" in page and 'id="republish"' in page

    response = client.form_post(f"/exams/papers/{paper.id}/republish")
    assert response.status_code == 302
    db.expire_all()
    item = db.get(Paper, paper.id).sections[1].items[0]
    assert item.question_version_id != old and item.question_version.stem == "修订后的题干（　）"
    assert "data-warning" not in client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)


def test_the_paper_page_sets_the_exposure_rules_and_shows_each_drawn_pools_exposure(client, db, clock, make, setup):
    paper, _picked = setup
    response = client.form_post(f"/exams/papers/{paper.id}/exposure", {"avoid_seen": "1", "yearly_cap": "3"})
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Paper, paper.id)
    assert stored.avoid_seen and stored.yearly_cap == 3
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert '<tr data-section="1"><td>1</td><td>2</td><td>0</td>' in page

    client.form_post(f"/exams/papers/{paper.id}/exposure", {"yearly_cap": "2.5"})
    page = client.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert "whole number from 1 to" in page
    db.expire_all()
    assert db.get(Paper, paper.id).yearly_cap == 3
