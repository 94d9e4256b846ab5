"""Legal bases resolved against the catalogue and stored with each question version: the version in
force when the question was written unless the citation names one, 款/项 and 之一 checked, ranges
expanded, unknown laws and articles kept with their reason; at import (with the report's counts),
on create and on edit; and resolved again when the law they name is loaded later."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from question_bank.formats.citations import parse_citations
from question_bank.models import CitationSource, CitationStatus, LawArticle, LawVersion, QuestionCitation, Role
from question_bank.services import authoring, citing, importing
from question_bank.services.law_index import LawIndex
from tests.factories import questions_xlsx
from tests.question_bank.test_citation_parsing import TABLE

TODAY = dt.date(2026, 5, 11)
R, NP, DEL, NA, VNL, UL, NL = (CitationStatus.RESOLVED, CitationStatus.NO_SUCH_PARAGRAPH, CitationStatus.ARTICLE_DELETED,
                               CitationStatus.NO_SUCH_ARTICLE, CitationStatus.VERSION_NOT_LOADED,
                               CitationStatus.UNKNOWN_LAW, CitationStatus.NO_LAW_NAMED)


@pytest.fixture
def catalogue(make):
    """The laws most citations of the table name (the 民法典 is left out to keep the test quick)."""
    return make.laws("宪法/宪法.md", "刑法/刑法.md", "行政法/行政处罚法(2021-01-22).md", "行政法/行政许可法(2019-04-23).md",
                     "诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md",
                     "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md", "宪法相关法/国家赔偿法(2012-10-26).md",
                     "宪法相关法/监察法(2018-03-20).md", "宪法相关法/监察法(2024-12-25).md")


def resolve(db, text: str, on: dt.date = TODAY):
    index = LawIndex(db)
    return [r for c in parse_citations(text).citations for r in index.resolve(c, on)]


def statuses(db, text: str, on: dt.date = TODAY):
    return [(r.status, r.article) for r in resolve(db, text, on)]


def version_of(db, short: str, year: int) -> LawVersion:
    return next(v for v in db.scalars(select(LawVersion)) if v.law.short_title == short and v.version_date.year == year)


def test_the_citation_table_against_the_catalogue(db, catalogue):
    """Every spelling of the table that names a law of the catalogue (or none) resolves as the law
    allows; the others are unknown laws. Prints the table's hit rate."""
    known = {"宪法", "刑法", "行政处罚法", "行政许可法", "行政复议法", "行政诉讼法", "国家赔偿法", "监察法"}
    resolved = total = 0
    for text, expected, _ in TABLE:
        for (key, year, article, through, paragraph, item), result in zip(expected, _by_citation(db, text)):
            total += 1
            if key == "":
                assert result == {NL}, text
            elif key not in known:
                assert result == {UL}, text
            else:
                assert result <= {R, NP, VNL, DEL, NA}, text
            resolved += result == {R}
    print(f"citation table: {resolved} of {total} citations resolved cleanly against the catalogue")
    assert resolved >= 40


def _by_citation(db, text):
    index = LawIndex(db)
    return [{r.status for r in index.resolve(c, TODAY)} for c in parse_citations(text).citations]


def test_the_version_in_force_on_the_day_unless_the_citation_names_one(db, catalogue):
    first = resolve(db, "《行政复议法》第九条")[0]
    assert first.version_id == version_of(db, "行政复议法", 2023).id
    assert resolve(db, "《行政复议法》第九条", dt.date(2020, 6, 1))[0].version_id == version_of(db, "行政复议法", 2017).id
    assert resolve(db, "《行政复议法》（2017年修正）第九条")[0].version_id == version_of(db, "行政复议法", 2017).id
    assert statuses(db, "1979年的《刑法》第158条") == [(VNL, (158, 0))]
    assert statuses(db, "《监察法》第三条", dt.date(2010, 1, 1)) == [(VNL, (3, 0))]


def test_articles_paragraphs_items_and_inserted_articles_are_checked(db, catalogue):
    assert statuses(db, "《刑法》第一百三十三条之一") == [(R, (133, 1))]
    assert statuses(db, "《刑法》第一百三十三条之九") == [(NA, (133, 9))]
    assert statuses(db, "《行政处罚法》第九条第一款第（六）项") == [(R, (9, 0))]
    assert statuses(db, "《行政处罚法》第九条第一款第（七）项") == [(NP, (9, 0))]
    assert statuses(db, "行政处罚法第36条第二款") == [(R, (36, 0))]
    assert statuses(db, "行政处罚法第36条第三款") == [(NP, (36, 0))]
    assert statuses(db, "《行政处罚法》第九十条") == [(NA, (90, 0))]
    assert statuses(db, "《刑法》第一百九十九条") == [(DEL, (199, 0))]
    assert statuses(db, "《中华人民共和国物权法》第十条") == [(UL, (10, 0))]
    assert statuses(db, "行诉法第十二条") == [(R, (12, 0))]


def test_a_range_becomes_every_article_in_it_inserted_ones_included(db, catalogue):
    assert [a for _, a in statuses(db, "《刑法》第一百二十条至第一百二十一条")] == \
        [(120, 0)] + [(120, n) for n in range(1, 7)] + [(121, 0)]
    assert statuses(db, "宪法第一百四十条至第一百五十条") == [(NA, (150, 0))]


def test_a_law_cited_as_a_whole_points_at_its_version(db, catalogue):
    found = resolve(db, "《中华人民共和国监察法》")
    assert [(r.status, r.article_id) for r in found] == [(R, None)]
    assert found[0].version_id == version_of(db, "监察法", 2024).id


def _draft(legal_basis: str, stem: str = "下列说法正确的是（　）。", explanation: str = ""):
    return authoring.QuestionDraft(qtype="single_choice", stem=stem, options=["甲", "乙", "丙", "丁"], key=["A"],
                                   category_path="学法", legal_basis=legal_basis, explanation=explanation)


def test_a_question_keeps_its_legal_basis_as_written_and_the_citations_beside_it(db, clock, make, catalogue):
    editor = make.user(Role.BANK_EDITOR)
    basis = "宪法第5条、第33条；《中华人民共和国民法通则》第156条；另见判例"
    question = authoring.create_question(db, clock, editor, _draft(basis, explanation="依照《刑法》第二十条规定。"))
    db.commit()
    version = question.current_version
    assert version.legal_basis == basis
    rows = version.law_refs
    assert [(r.source, r.text, r.status) for r in rows] == [
        (CitationSource.LEGAL_BASIS, "宪法第5条", R), (CitationSource.LEGAL_BASIS, "第33条", R),
        (CitationSource.LEGAL_BASIS, "《中华人民共和国民法通则》第156条", UL),
        (CitationSource.LEGAL_BASIS, "另见判例", CitationStatus.UNPARSED),
        (CitationSource.EXPLANATION, "《刑法》第二十条", R)]
    article = db.get(LawArticle, rows[1].article_id)
    assert article.label == "第三十三条" and basis[rows[1].start:rows[1].end] == "第33条"


def test_editing_the_legal_basis_resolves_again_and_keeps_unchanged_citations(db, clock, make, catalogue):
    editor = make.user(Role.BANK_EDITOR)
    question = authoring.create_question(db, clock, editor, _draft("《刑法》第二十条"))
    db.commit()
    kept = question.current_version.law_refs[0].id
    version = authoring.update_question(db, clock, editor, question, _draft("《刑法》第二十条、第九百条"))
    db.commit()
    db.refresh(version)
    assert [(r.id == kept, r.status) for r in version.law_refs] == [(True, R), (False, NA)]


def test_a_new_version_of_a_used_question_gets_its_own_citations(db, clock, make, catalogue):
    question = make.question(legal_basis="《行政处罚法》第九条")
    first = question.current_version
    first.used_at = clock.now()
    db.commit()
    newer = make.revision(question, legal_basis="《行政处罚法》第十条")
    assert [r.article_number for r in first.law_refs] == [9]
    assert [r.article_number for r in newer.law_refs] == [10] and newer.law_refs[0].question_version_id == newer.id


def test_citations_of_a_law_loaded_later_are_resolved_then(db, clock, make):
    question = make.question(legal_basis="《中华人民共和国国家赔偿法》第三条")
    assert [r.status for r in question.current_version.law_refs] == [UL]
    make.laws("宪法相关法/国家赔偿法(2012-10-26).md")
    db.expire_all()
    refs = question.current_version.law_refs
    assert [(r.status, r.article.label) for r in refs] == [(R, "第三条")]


def test_the_import_report_counts_resolved_citations_and_lists_the_others_by_row(db, clock, make, catalogue):
    editor = make.user(Role.BANK_EDITOR)
    rows = [
        ("单选", f"第{n}题（　）", "甲", "乙", "丙", "丁", "A", "", "", "", basis, "学法", "")
        for n, basis in enumerate(["《中华人民共和国行政处罚法》第三十六条", "行政处罚法第36条第二款", "《刑法》第一百三十三条之一",
                                   "宪法第5条、第33条", "《物权法》第10条", "《刑法》第九百条", ""], start=1)
    ]
    report = importing.import_questions(db, clock, editor, "q.xlsx", questions_xlsx(rows))
    db.commit()
    assert report.citations["total"] == 7 and report.citations["resolved"] == 5
    assert [(u["row"], u["text"], u["status"]) for u in report.citations["unresolved"]] == [
        (6, "《物权法》第10条", "unknown_law"), (7, "《刑法》第九百条", "no_such_article")]
    assert report.batch.report["citations"]["resolved"] == 5
    assert db.scalar(select(QuestionCitation).where(QuestionCitation.status == "no_such_article")).text == "《刑法》第九百条"


def test_checking_a_legal_basis_being_typed_stores_nothing(db, clock, make, catalogue):
    found = citing.check_legal_basis(db, "宪法第5条、本法第三条", TODAY)
    assert [(r.citation.text, r.status) for r in found] == [("宪法第5条", R), ("本法第三条", CitationStatus.UNPARSED)]
    assert db.scalar(select(QuestionCitation)) is None
