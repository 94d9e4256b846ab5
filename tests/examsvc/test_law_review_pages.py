"""The law review pages (issue 11 "Amendments"): the bank nav shows how many questions are held; the
list and a flag's page show the old and new article side by side with the changed characters
marked; a bank reviewer clears (to the same or another article) or retires from the page, an
editor or law administrator reads without the forms and is refused the posts, a cadre sees
nothing; the paper page says how many questions are held out; the upload page says what an
amendment held; the candidate's review page and the administrator's attempt page list the law
versions the attempt tested."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from question_bank.models import LawReviewFlag, QuestionStatus, ReviewOutcome, Role, User
from tests.examsvc.test_bank_question_pages import signed_in
from tests.forms import paper_form
from tests.question_bank.test_amendments import SUPERVISION_2018, SUPERVISION_2024
from tests.scenarios import start_through_web, submit
from tests.shared_data import LAW_TEXTS


@pytest.fixture
def held(make, db):
    make.laws(SUPERVISION_2018)
    changed = make.question(category="监察法", legal_basis="《监察法》第十二条", stem="监察机关派驻的题（　）")
    unchanged = make.question(category="监察法", legal_basis="《监察法》第三条")
    make.laws(SUPERVISION_2024)
    flag = db.scalar(select(LawReviewFlag))
    return changed, unchanged, flag


def test_the_nav_counts_held_questions_for_bank_staff_and_law_administrators(client, make, held):
    for role in (Role.BANK_REVIEWER, Role.BANK_EDITOR, Role.LAW_ADMIN):
        page = signed_in(client, make.user(role)).get("/laws/").get_data(as_text=True)
        assert re.search(r'id="nav-law-review-count">1</span>', page), role
        client.post("/logout", data={"csrf_token": client.csrf})
    page = signed_in(client, make.cadre()).get("/laws/").get_data(as_text=True)
    assert "nav-law-review" not in page
    assert client.get("/law-review/").status_code == 403


def test_the_flag_page_shows_both_articles_with_the_changes_marked_and_the_reviewer_clears_it(client, db, make, held):
    changed, unchanged, flag = held
    reviewer = signed_in(client, make.user(Role.BANK_REVIEWER))
    listing = reviewer.get("/law-review/").get_data(as_text=True)
    assert f'data-question="{changed.id}"' in listing and f'data-question="{unchanged.id}"' not in listing
    assert "1 question held out pending law review" in listing
    page = reviewer.get(f"/law-review/{flag.id}").get_data(as_text=True)
    old = re.search(r'id="old-article">(.*?)</section>', page, re.S).group(1)
    new = re.search(r'id="new-article">(.*?)</section>', page, re.S).group(1)
    assert "Version of 2018-03-20" in old and "Version of 2024-12-25" in new
    assert "<del>" in old or "<ins>" in new
    assert "<ins>" not in old and "<del>" not in new
    # The marked text read without its marks is the article as loaded.
    text = re.search(r'<div class="article-text">(.*?)</div>', old, re.S).group(1)
    assert re.sub(r"</?(del|ins)>", "", text) == flag.old_article.text
    # Comparing with another article of the new version, then clearing to it.
    other = reviewer.get(f"/law-review/{flag.id}?article=第十三条").get_data(as_text=True)
    assert re.search(r'id="new-article">\s*<h2>第十三条', other)
    missing = reviewer.get(f"/law-review/{flag.id}?article=999").get_data(as_text=True)
    assert 'id="no-such-article"' in missing
    refused = reviewer.form_post(f"/law-review/{flag.id}/clear", {"article": "第九百九十九条", "note": ""})
    assert refused.status_code == 422 and "监察法 of 2024-12-25 has no 第九百九十九条" in refused.get_data(as_text=True)
    done = reviewer.form_post(f"/law-review/{flag.id}/clear", {"article": "13", "note": "派驻条款移至第十三条"})
    assert done.status_code == 302
    db.expire_all()
    assert flag.outcome == ReviewOutcome.CLEARED and flag.cleared_to_article.label == "第十三条"
    after = reviewer.get(done.headers["Location"]).get_data(as_text=True)
    assert "Cleared: the question cites 第十三条 of the version of 2024-12-25" in after
    assert 'id="nothing-held"' in after and "nav-law-review-count" not in after
    again = reviewer.form_post(f"/law-review/{flag.id}/clear", {"article": "", "note": ""})
    assert again.status_code == 409


def test_the_reviewer_retires_a_question_from_the_page(client, db, make, held):
    changed, _, flag = held
    reviewer = signed_in(client, make.user(Role.BANK_REVIEWER))
    response = reviewer.form_post(f"/law-review/{flag.id}/retire", {"note": "不再适用"})
    assert response.status_code == 302
    db.expire_all()
    assert changed.status == QuestionStatus.RETIRED and flag.outcome == ReviewOutcome.RETIRED


def test_editors_and_law_administrators_read_but_cannot_decide(client, make, held):
    _, _, flag = held
    for role in (Role.BANK_EDITOR, Role.LAW_ADMIN):
        reader = signed_in(client, make.user(role))
        page = reader.get(f"/law-review/{flag.id}").get_data(as_text=True)
        assert 'id="old-article"' in page and 'id="clear-form"' not in page and 'id="reviewers-decide"' in page
        assert reader.form_post(f"/law-review/{flag.id}/clear", {"article": ""}).status_code == 403
        assert reader.form_post(f"/law-review/{flag.id}/retire", {"note": ""}).status_code == 403
        client.post("/logout", data={"csrf_token": client.csrf})


def test_the_question_and_paper_pages_say_the_question_is_held(client, db, make, held):
    changed, _, flag = held
    page = signed_in(client, make.user(Role.BANK_EDITOR)).get(f"/bank/questions/{changed.id}").get_data(as_text=True)
    assert 'id="law-held"' in page and f'href="/law-review/{flag.id}"' in page
    client.post("/logout", data={"csrf_token": client.csrf})
    paper = make.paper([("single_choice", 1, 100, "监察法")])
    admin = signed_in(client, db.get(User, paper.created_by_id))
    page = admin.get(f"/exams/papers/{paper.id}").get_data(as_text=True)
    assert re.search(r'id="held-out">1 question held out pending law review', page)


def test_checking_a_blueprint_says_how_many_are_held_out_and_why_it_falls_short(client, db, make, held):
    admin = signed_in(client, make.user(Role.EXAM_ADMIN))
    fits = admin.form_post("/exams/papers/new", paper_form("试算", ("single_choice", 1, "100", "监察法"), action="check"))
    page = fits.get_data(as_text=True)
    assert fits.status_code == 200 and 'id="check-ok"' in page
    assert re.search(r'id="held-out">1 question held out pending law review', page)
    short = admin.form_post("/exams/papers/new", paper_form("试算", ("single_choice", 2, "50", "监察法"), action="check"))
    assert short.status_code == 422
    assert "requested 2, available 1 (1 held out pending law review)" in short.get_data(as_text=True)


def test_uploading_an_amendment_says_what_it_held(client, make):
    make.laws(SUPERVISION_2018)
    make.question(legal_basis="《监察法》第十二条")
    keeper = signed_in(client, make.user(Role.LAW_ADMIN))
    data = (LAW_TEXTS / SUPERVISION_2024).read_bytes()
    response = keeper.form_post("/laws/load", {"files": (io.BytesIO(data), "监察法.md"), "text": "", "kind": "",
                                               "issuing_body": ""}, content_type="multipart/form-data",
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert ("Against the version of 2018-03-20: 55 articles changed, 9 added, 0 removed, 14 unchanged. "
            "1 of 1 questions citing the law are held out pending law review.") in page


def test_the_review_page_and_the_attempt_page_list_the_law_versions_tested(client, db, make):
    make.laws(SUPERVISION_2018)
    make.question(category="监察法", legal_basis="《监察法》第十二条", key=["B"])
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 1, 100, "监察法")]), roster=[cadre], show_answers=True)
    client.login(cadre.username)
    client.form_post("/lang/en")
    attempt_id = start_through_web(client, sitting)
    submit(client, attempt_id, {1: ["B"]})
    make.laws(SUPERVISION_2024)
    page = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
    tested = re.search(r'id="law-versions">(.*?)</section>', page, re.S).group(1)
    assert "监察法" in tested and "version of 2018-03-20" in tested and "since amended" in tested
    client.post("/logout", data={"csrf_token": client.csrf})
    admin = signed_in(client, db.get(User, sitting.paper.created_by_id))
    roster = admin.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    assert f'href="/exams/attempts/{attempt_id}"' in roster
    page = admin.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "version of 2018-03-20" in page
    assert "中华人民共和国监察法（2018-03-20）" in re.search(r'id="score-record">(.*?)</section>', page, re.S).group(1)
    # Another unit's administrator is told there is no such attempt.
    client.post("/logout", data={"csrf_token": client.csrf})
    stranger = signed_in(client, make.user(Role.EXAM_ADMIN, unit=make.unit("别的单位")))
    assert stranger.get(f"/exams/attempts/{attempt_id}").status_code == 404
