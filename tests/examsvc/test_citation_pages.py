"""Cited articles one tap away: the question page, the bank list, an import batch and the
candidate's review page (when the sitting shows explanations) link each cited article to its
permalink; editors see what did not resolve, with why, after saving and on the question page; the
question form checks a legal basis as it is typed and lists a law's articles to pick."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from question_bank.models import LawVersion, Question, Role
from tests.examsvc.test_bank_question_pages import question_form, signed_in
from tests.factories import questions_xlsx
from tests.scenarios import start_through_web, submit

PENALTY = "行政法/行政处罚法(2021-01-22).md"


def penalty_version(db) -> int:
    return db.scalar(select(LawVersion)).id


@pytest.fixture
def editor(client, make):
    make.laws(PENALTY, "宪法/宪法.md")
    return signed_in(client, make.user(Role.BANK_EDITOR))


def test_the_question_page_links_each_cited_article_and_explains_what_did_not_resolve(editor, db, make):
    question = make.question(legal_basis="《中华人民共和国行政处罚法》第九条、第三百条；本法第三条")
    vid = db.scalar(select(LawVersion).where(LawVersion.article_count == 86)).id
    page = editor.get(f"/bank/questions/{question.id}").get_data(as_text=True)
    assert f'<a class="cite" href="/laws/versions/{vid}/articles/9">《中华人民共和国行政处罚法》第九条</a>' in page
    assert '<span class="cite-problem" title="the law has no such article">第三百条</span>' in page
    assert "“本法第三条”: not readable as a citation of a law article" in page
    # The text stays as written: the pieces put together are the legal basis.
    shown = re.search(r'<span class="legal-basis">(.*?)</span>\s*<ul', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", shown) == "《中华人民共和国行政处罚法》第九条、第三百条；本法第三条"


def test_saving_a_question_with_an_unknown_law_saves_it_as_written_and_says_so(editor, db):
    basis = "《中华人民共和国物权法》第十条；宪法第五条"
    response = editor.form_post("/bank/questions/new", question_form(legal_basis=basis))
    assert response.status_code == 302
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Question" in page and "saved as a draft" in page
    assert "The legal basis was saved as written, but 1 citation(s) need checking:" in page
    assert "“《中华人民共和国物权法》第十条” (the law catalogue has no law of this name)" in page
    assert db.scalar(select(Question)).current_version.legal_basis == basis


def test_the_bank_list_links_the_cited_articles_under_each_stem(editor, db, make):
    make.question(legal_basis="宪法第5条、第33条")
    page = editor.get("/bank/questions").get_data(as_text=True)
    constitution = db.scalar(select(LawVersion).where(LawVersion.article_count == 143)).id
    assert f'href="/laws/versions/{constitution}/articles/5">宪法第5条</a>' in page
    assert f'href="/laws/versions/{constitution}/articles/33">第33条</a>' in page


def test_an_import_batch_reports_how_many_citations_resolved_and_lists_the_others(editor, db):
    rows = [("单选", f"第{n}题（　）", "甲", "乙", "丙", "丁", "A", "", "", "", basis, "学法", "")
            for n, basis in enumerate(["行政处罚法第36条第二款", "《物权法》第10条"], start=1)]
    response = editor.form_post("/bank/import", {"file": (__import__("io").BytesIO(questions_xlsx(rows)), "q.xlsx"),
                                                 "mode": "all_or_nothing"}, content_type="multipart/form-data")
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 of 2 legal-basis citations were found in the law catalogue." in page
    assert 'data-count="citations-resolved">1 of 2<' in page
    assert re.search(r"<td[^>]*>3</td><td[^>]*>《物权法》第10条</td><td[^>]*>the law catalogue has no law of this name</td>", page)


def test_the_review_page_links_the_legal_basis_only_when_explanations_are_shown(client, db, make):
    make.laws(PENALTY)
    for show in (False, True):
        make.questions(1, "single_choice", key=["B"], legal_basis="《中华人民共和国行政处罚法》第九条")
        cadre = make.cadre()
        paper = make.paper([("single_choice", 1, 100, "行政处罚法")])
        sitting = make.sitting(paper, roster=[cadre], shuffle=False, show_answers=show)
        client.login(cadre.username)
        attempt_id = start_through_web(client, sitting)
        submit(client, attempt_id, {1: ["A"]})
        page = client.get(f"/me/attempts/{attempt_id}/review").get_data(as_text=True)
        assert ('/articles/9">《中华人民共和国行政处罚法》第九条</a>' in page) is show
        client.post("/logout", data={"csrf_token": client.csrf})


def test_the_form_checks_a_legal_basis_as_typed(editor, db):
    answer = editor.get("/laws/api/check", query_string={"text": "行政处罚法第36条、第300条"}).get_json()
    assert [(c["text"], c["ok"], c["reason"]) for c in answer["citations"]] == [
        ("行政处罚法第36条", True, ""), ("第300条", False, "the law has no such article")]
    assert answer["citations"][0]["url"].endswith("/articles/36") and "1 of 2" in answer["summary"]


def test_the_picker_finds_a_law_and_lists_or_narrows_its_articles(editor, db):
    laws = editor.get("/laws/api/laws", query_string={"q": "处罚"}).get_json()["laws"]
    assert [law["title"] for law in laws] == ["中华人民共和国行政处罚法"]
    vid = laws[0]["version_id"]
    every = editor.get(f"/laws/api/versions/{vid}/articles").get_json()
    assert len(every["articles"]) == 86 and every["articles"][35]["label"] == "第三十六条"
    by_number = editor.get(f"/laws/api/versions/{vid}/articles", query_string={"q": "第36条"}).get_json()
    assert [a["slug"] for a in by_number["articles"]] == ["36"]
    by_words = editor.get(f"/laws/api/versions/{vid}/articles", query_string={"q": "听证"}).get_json()
    assert len(by_words["articles"]) > 3


def test_the_form_offers_the_picker_and_the_check(editor):
    page = editor.get("/bank/questions/new").get_data(as_text=True)
    assert 'id="law-picker"' in page and 'id="basis-check"' in page and "law_picker.js" in page


def test_a_cadre_cannot_use_the_editor_check(client, make):
    signed_in(client, make.cadre())
    assert client.get("/laws/api/check", query_string={"text": "宪法第1条"}).status_code == 403
