"""The bank list's faster query shapes (categories looked up first, used versions read from their
own index, category order paged through per-category counts, short Chinese substrings the trigram
index cannot serve) find exactly what the search means: each filter and their combinations are
checked against the same rule applied in Python to every question of a varied bank."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import update

from question_bank.drafts import QuestionDraft
from question_bank.models import QuestionStatus, QuestionVersion, Role
from question_bank.services import authoring
from question_bank.services.bank_search import MAX_PAGE_SIZE, BasisText, QuestionQuery, search_questions
from question_bank.text import search_basis, search_document, search_fold

STEMS = ["关于行政处罚听证程序，下列说法正确的是（　）", "２０１５年修正的行政诉讼法规定的起诉期限是？",
         "当事人要求听证的，行政机关应当组织听证。", "罚款的数额（　）", "下列关于行政复议的说法正确的是：",
         "《行政许可法》第36条规定的（　）", "因不可抗力不能履行合同的，部分或者全部免除责任", "复议"]
OPTIONS = [["警告", "通报批评", "罚款", "没收违法所得"], ["6个月", "1年", "2015年", "3年"], [], ["听证", "复议"]]
CATEGORIES = ["宪法", "宪法/国家机构", "宪法/国家机构/国务院", "宪法学", "行政法/处罚", "行政法/复议"]
TAGS = [[], ["听证"], ["听证", "罚款"], ["复议"]]
BASES = ["《中华人民共和国行政许可法》第３６条", "《中华人民共和国行政处罚法》第九条", ""]
STATUSES = [QuestionStatus.PUBLISHED, QuestionStatus.DRAFT, QuestionStatus.IN_REVIEW, QuestionStatus.RETIRED]


@pytest.fixture
def bank(db, make):
    """About forty questions crossing every filter's values; a third of them used in an attempt."""
    authors = [make.user(Role.BANK_EDITOR), make.user(Role.BANK_EDITOR)]
    made = []
    for n in range(40):
        stem, options = STEMS[n % len(STEMS)], OPTIONS[n % len(OPTIONS)]
        qtype = "true_false" if not options else "single_choice"
        draft = QuestionDraft(qtype, f"{stem}（第{n}题）", options, True if qtype == "true_false" else ["A"],
                              CATEGORIES[n % len(CATEGORIES)], difficulty=n % 5 + 1, tags=TAGS[n % len(TAGS)],
                              legal_basis=BASES[n % len(BASES)])
        made.append(authoring.create_question(db, make.clock, authors[n % 2], draft,
                                              status=STATUSES[n % len(STATUSES)], check_duplicates=False))
    db.flush()
    used = [q.current_version_id for q in made if q.id % 3 == 0]
    db.execute(update(QuestionVersion).where(QuestionVersion.id.in_(used)).values(used_at=make.clock.now()),
               execution_options={"synchronize_session": False})
    db.commit()
    db.expire_all()
    return {"questions": made, "authors": [a.id for a in authors]}


def meant(question, query: QuestionQuery) -> bool:
    """The search's rule for one question, from its current version as written."""
    version = question.current_version
    path = question.category.path
    folded = search_fold(query.text)
    basis = search_fold(query.legal_basis.text) if query.legal_basis else ""
    return all([
        not folded or folded in search_document(version.stem, version.options),
        not query.qtype or version.qtype == query.qtype,
        not query.status or question.status == query.status,
        query.difficulty is None or version.difficulty == query.difficulty,
        not query.category or path == query.category or path.startswith(query.category + "/"),
        not query.tag or query.tag in version.tags,
        not basis or basis in search_basis(version.legal_basis),
        query.author_id is None or question.author_id == query.author_id,
        not query.used or (version.used_at is not None) == (query.used == "yes"),
    ])


def found(db, query: QuestionQuery) -> list[int]:
    page = search_questions(db, query, page_size=MAX_PAGE_SIZE)
    assert page.total == len(page.questions)
    return [q.id for q in page.questions]


TEXTS = ["", "听", "听证", "行政处罚", "2015", "２０１５", "？", "?", "不可抗力不能", "罚款", "无此文字"]


@pytest.mark.parametrize("text", TEXTS)
def test_text_alone_and_with_each_other_filter_finds_what_the_rule_says(db, bank, text):
    others = [QuestionQuery(), QuestionQuery(qtype="true_false"), QuestionQuery(status="draft"),
              QuestionQuery(category="宪法"), QuestionQuery(category="宪法/国家机构"), QuestionQuery(category="无此类"),
              QuestionQuery(tag="听证"), QuestionQuery(difficulty=2), QuestionQuery(used="yes"),
              QuestionQuery(used="no"), QuestionQuery(author_id=bank["authors"][1]),
              QuestionQuery(legal_basis=BasisText("行政许可法》第36条")),
              QuestionQuery(category="行政法", difficulty=3, used="no", tag="听证")]
    for other in others:
        query = QuestionQuery(**{**other.__dict__, "text": text, "sort": "id"})
        expected = sorted(q.id for q in bank["questions"] if meant(q, query))
        assert found(db, query) == expected, query


def test_combined_filters_find_what_the_rule_says(db, bank):
    for category, tag, used, qtype in itertools.product(["", "宪法", "行政法/处罚"], ["", "罚款"], ["", "yes", "no"],
                                                       ["", "single_choice"]):
        query = QuestionQuery(category=category, tag=tag, used=used, qtype=qtype, sort="id")
        expected = sorted(q.id for q in bank["questions"] if meant(q, query))
        assert found(db, query) == expected, query


@pytest.mark.parametrize("query", [QuestionQuery(sort="category"), QuestionQuery(sort="category", used="yes"),
                                   QuestionQuery(sort="category", text="听证", category="宪法")])
@pytest.mark.parametrize("size", [1, 4, 7, 100])
def test_pages_in_category_order_hold_every_match_once_in_path_then_id_order(db, bank, query, size):
    expected = [q.id for q in sorted((q for q in bank["questions"] if meant(q, query)),
                                     key=lambda q: (q.category.path, q.id))]
    first = search_questions(db, query, page_size=size)
    assert first.total == len(expected)
    seen = []
    for number in range(1, first.pages + 1):
        page = search_questions(db, query, page=number, page_size=size)
        assert (page.page, page.pages, page.total) == (number, first.pages, len(expected))
        seen.extend(q.id for q in page.questions)
    assert seen == expected
    past = search_questions(db, query, page=first.pages + 5, page_size=size)
    assert [q.id for q in past.questions] == expected[(first.pages - 1) * size:]


def test_category_order_with_nothing_found_is_one_empty_page(db, bank):
    page = search_questions(db, QuestionQuery(sort="category", text="无此文字"))
    assert (page.total, page.pages, page.questions) == (0, 1, [])
