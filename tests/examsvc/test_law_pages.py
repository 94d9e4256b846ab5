"""The law pages: anyone signed in reads the list, a law by its table of contents, jumps to an
article (第36条, 第三十六条, 36), searches the text with the words marked, and opens an article's
permalink; earlier versions say so. Law administrators and bank editors load texts (files or
pasted, problems named by line, nothing loaded) and correct particulars; nobody else may."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from question_bank.models import Law, LawArticle, LawVersion, Role
from tests.examsvc.test_bank_question_pages import signed_in
from tests.shared_data import LAW_TEXTS

PENALTY = "行政法/行政处罚法(2021-01-22).md"


def version_id(db, short: str, year: int | None = None) -> int:
    versions = [v for v in db.scalars(select(LawVersion)) if v.law.short_title == short]
    return next(v.id for v in versions if year is None or v.version_date.year == year)


@pytest.fixture
def reader(client, make):
    return signed_in(client, make.cadre())


def test_anyone_signed_in_sees_the_laws_with_kind_versions_and_state(reader, make):
    make.laws(PENALTY, "诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    page = reader.get("/laws/").get_data(as_text=True)
    assert "中华人民共和国行政处罚法" in page and "中华人民共和国行政复议法" in page
    assert "National law" in page and "2 versions" in page and "Version of 2023-09-01" in page


def test_signed_out_visitors_are_sent_to_sign_in(client, make):
    make.laws(PENALTY)
    assert client.get("/laws/").status_code == 302


def test_a_law_page_has_its_contents_history_and_whole_text_with_article_anchors(reader, db, make):
    make.laws(PENALTY)
    page = reader.get(f"/laws/{db.scalar(select(Law)).id}", follow_redirects=True).get_data(as_text=True)
    assert 'id="toc"' in page and "第一章 总则" in page and "第五章 行政处罚的决定" in page
    assert "1996-03-17" in page and "第十三届全国人民代表大会常务委员会第二十五次会议修订" in page
    assert page.count('class="article"') == 86 and 'id="a36"' in page
    assert "行政处罚遵循公正、公开的原则。" in page


def test_a_long_law_is_read_part_by_part_from_its_contents(reader, db, make):
    make.laws("刑法/刑法.md")
    vid = version_id(db, "刑法")
    first = reader.get(f"/laws/versions/{vid}").get_data(as_text=True)
    assert 'class="article"' not in first and "Choose a part to read" in first
    parts = re.findall(rf'href="/laws/versions/{vid}\?part=(\d+)">([^<]+)<', first)
    captions = [caption for _, caption in parts]
    assert "第一编 总则" in captions and any("第八章 贪污贿赂罪" in c for c in captions)
    bribery = next(pid for pid, caption in parts if "第八章 贪污贿赂罪" in caption)
    page = reader.get(f"/laws/versions/{vid}?part={bribery}").get_data(as_text=True)
    assert 'id="a382"' in page and 'id="a381"' not in page and 'rel="next"' in page
    annex = next(pid for pid, caption in parts if caption == "附件一")
    assert "中华人民共和国惩治军人违反职责罪暂行条例" in reader.get(f"/laws/versions/{vid}?part={annex}").get_data(as_text=True)


@pytest.mark.parametrize("typed,slug", [("第36条", "36"), ("第三十六条", "36"), ("36", "36"), ("３６", "36"),
                                        (" 第 36 条 ", "36"), ("第36条第二款", "36"), ("第三十六条第二款第一项", "36"),
                                        ("36条第2款", "36")])
def test_jump_to_an_article_by_what_a_person_types(reader, db, make, typed, slug):
    make.laws(PENALTY)
    vid = version_id(db, "行政处罚法")
    response = reader.get(f"/laws/versions/{vid}/jump", query_string={"to": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/laws/versions/{vid}/articles/{slug}")


def test_jump_to_an_inserted_article_and_to_one_the_law_does_not_have(reader, db, make):
    make.laws("刑法/刑法.md")
    vid = version_id(db, "刑法")
    response = reader.get(f"/laws/versions/{vid}/jump", query_string={"to": "第一百三十三条之一"})
    assert response.headers["Location"].endswith("/articles/133-1")
    missing = reader.get(f"/laws/versions/{vid}/jump", query_string={"to": "第999条"})
    assert missing.status_code == 404 and "has no article 第999条" in missing.get_data(as_text=True)


def test_search_finds_chinese_substrings_and_marks_the_words(reader, db, make):
    make.laws(PENALTY)
    vid = version_id(db, "行政处罚法")
    page = reader.get(f"/laws/versions/{vid}", query_string={"q": "听证"}).get_data(as_text=True)
    hits = re.search(r'data-count="(\d+)"', page)
    assert hits and int(hits.group(1)) > 3
    assert "<mark>听证</mark>" in page and f'href="/laws/versions/{vid}/articles/63"' in page
    none = reader.get(f"/laws/versions/{vid}", query_string={"q": "量子计算"}).get_data(as_text=True)
    assert "No article contains these words." in none
    wildcard = reader.get(f"/laws/versions/{vid}", query_string={"q": "%"}).get_data(as_text=True)
    assert 'data-count="0"' in wildcard


def test_search_across_every_law_in_force_names_the_law(reader, make):
    make.laws(PENALTY, "宪法/宪法.md")
    page = reader.get("/laws/", query_string={"q": "人民代表大会"}).get_data(as_text=True)
    assert "宪法 第" in page and "<mark>人民代表大会</mark>" in page


def test_an_article_permalink_shows_its_paragraphs_place_and_neighbours(reader, db, make):
    make.laws(PENALTY)
    vid = version_id(db, "行政处罚法")
    page = reader.get(f"/laws/versions/{vid}/articles/9").get_data(as_text=True)
    assert "中华人民共和国行政处罚法 第九条" in page and "第二章 行政处罚的种类和设定" in page
    assert '<p class="xiang">（一）警告、通报批评；</p>' in page
    assert f'href="/laws/versions/{vid}/articles/8"' in page and f'href="/laws/versions/{vid}/articles/10"' in page
    assert reader.get(f"/laws/versions/{vid}/articles/900").status_code == 404
    assert reader.get(f"/laws/versions/{vid}/articles/x9").status_code == 404


def test_an_earlier_version_is_marked_and_points_to_the_version_in_force(reader, db, make):
    make.laws("诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    old, new = version_id(db, "行政复议法", 2017), version_id(db, "行政复议法", 2023)
    page = reader.get(f"/laws/versions/{old}").get_data(as_text=True)
    assert 'id="earlier-version"' in page and f'href="/laws/versions/{new}"' in page
    article = reader.get(f"/laws/versions/{old}/articles/9").get_data(as_text=True)
    assert 'id="earlier-version"' in article and f'href="/laws/versions/{new}/articles/9"' in article
    assert 'id="earlier-version"' not in reader.get(f"/laws/versions/{new}").get_data(as_text=True)
    law = db.scalar(select(Law))
    assert reader.get(f"/laws/{law.id}/articles/9").headers["Location"].endswith(f"/laws/versions/{new}/articles/9")


def _upload(client, files=(), text="", **fields):
    data = {"text": text, **fields}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.form_post("/laws/load", data, content_type="multipart/form-data")


def test_a_law_administrator_uploads_the_civil_code_parts_as_one_law(client, db, make):
    signed_in(client, make.user(Role.LAW_ADMIN))
    parts = sorted((LAW_TEXTS / "民法典").glob("*.md"))
    response = _upload(client, [(p.name, p.read_bytes()) for p in parts])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Loaded 中华人民共和国民法典 of 2020-05-28: 1260 articles." in page
    again = _upload(client, [(p.name, p.read_bytes()) for p in parts])
    assert "was already in the catalogue with the same text; nothing changed." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(LawVersion)) == 1


def test_a_bank_editor_pastes_a_text_in_gb18030_or_not_and_problems_name_the_line(client, db, make):
    signed_in(client, make.user(Role.BANK_EDITOR))
    bad = "某某条例\n\n2020年1月1日 某某省人民代表大会常务委员会通过\n\n第一条 甲\n\n第三条 乙\n"
    response = _upload(client, text=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was loaded." in page
    assert "粘贴的文本, line 7" in page and "第三条 follows 第一条" in page
    assert db.scalar(select(func.count()).select_from(Law)) == 0
    good = (LAW_TEXTS / PENALTY).read_text("utf-8")
    response = _upload(client, [("行政处罚法.txt", good.encode("gb18030"))])
    assert response.status_code == 302 and db.scalar(select(Law)).short_title == "行政处罚法"


def test_an_empty_load_form_asks_for_a_file_or_text(client, make):
    signed_in(client, make.user(Role.LAW_ADMIN))
    response = _upload(client)
    assert response.status_code == 422 and "Choose a file or paste a text." in response.get_data(as_text=True)


def test_only_keepers_of_the_catalogue_load_and_edit(client, db, make):
    make.laws(PENALTY)
    law = db.scalar(select(Law))
    signed_in(client, make.cadre())
    assert client.get("/laws/load").status_code == 403
    assert _upload(client, text="某法").status_code == 403
    assert client.get(f"/laws/{law.id}/edit").status_code == 403
    assert "Load a law text" not in client.get("/laws/").get_data(as_text=True)


def test_a_law_administrator_adds_an_alias_and_citations_using_it_resolve(client, db, make):
    make.laws(PENALTY)
    law = db.scalar(select(Law))
    question = make.question(legal_basis="行罚法第九条")
    assert question.current_version.law_refs[0].status == "unknown_law"
    signed_in(client, make.user(Role.LAW_ADMIN))
    response = client.form_post(f"/laws/{law.id}/edit", {"short_title": "行政处罚法", "kind": "law",
                                                          "issuing_body": "全国人民代表大会", "aliases": "行罚法、处罚法"})
    assert response.status_code == 302
    db.expire_all()
    assert law.aliases == ["处罚法", "行罚法"]
    assert question.current_version.law_refs[0].status == "resolved"


def test_a_law_administrator_lands_on_the_laws(client, make):
    client.login(make.user(Role.LAW_ADMIN).username)
    assert client.get("/").headers["Location"].endswith("/laws/")
