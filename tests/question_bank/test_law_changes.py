"""Comparing two versions' articles (what the amendment flags build on): spacing and punctuation
width are no change, a changed word is; articles that disappear or appear are named; the real
pairs of the dataset (行政复议法 2017/2023, 监察法 2018/2024) give the differences they have."""

from __future__ import annotations

from dataclasses import dataclass

from question_bank.analysis.law_changes import compare_articles
from tests.question_bank.test_law_text import civil_code, read


@dataclass
class Art:
    number: int
    suffix: int
    text: str


def as_articles(parsed):
    return [Art(a.number, a.suffix, "\n".join(a.lines)) for a in parsed.articles]


def test_respacing_and_full_width_punctuation_are_no_change():
    old = [Art(1, 0, "为了规范行政处罚，制定本法。"), Art(2, 0, "（一）警告;")]
    new = [Art(1, 0, "为了规范 行政处罚,制定本法。"), Art(2, 0, "(一) 警告；")]
    changes = compare_articles(old, new)
    assert (changes.changed, changes.removed, changes.added, changes.unchanged) == ([], [], [], 2)


def test_a_changed_word_a_removed_and_an_added_article_are_each_named():
    old = [Art(1, 0, "甲"), Art(2, 0, "乙"), Art(3, 0, "丙"), Art(17, 1, "丁")]
    new = [Art(1, 0, "甲"), Art(2, 0, "乙二"), Art(17, 1, "丁"), Art(4, 0, "新")]
    changes = compare_articles(old, new)
    assert changes.changed == [(2, 0)] and changes.removed == [(3, 0)] and changes.added == [(4, 0)]
    assert changes.affected == [(2, 0), (3, 0)] and changes.unchanged == 2


def test_the_civil_code_compared_with_itself_has_no_change():
    articles = as_articles(civil_code())
    changes = compare_articles(articles, articles)
    assert changes.unchanged == 1260 and not (changes.changed or changes.removed or changes.added)


def test_the_real_version_pairs_differ_as_the_amendments_did():
    review_2017 = as_articles(read("诉讼与非诉讼程序法/行政复议法(2017-09-01).md"))
    review_2023 = as_articles(read("诉讼与非诉讼程序法/行政复议法(2023-09-01).md"))
    revision = compare_articles(review_2017, review_2023)
    # A full revision: 43 articles became 90, and nearly every old number holds other words.
    assert revision.added == [(n, 0) for n in range(44, 91)] and revision.removed == []
    assert len(revision.changed) >= 40
    supervision = compare_articles(as_articles(read("宪法相关法/监察法(2018-03-20).md")),
                                   as_articles(read("宪法相关法/监察法(2024-12-25).md")))
    assert supervision.added == [(n, 0) for n in range(70, 79)]
    assert (2, 0) not in supervision.changed and (1, 0) in supervision.changed
