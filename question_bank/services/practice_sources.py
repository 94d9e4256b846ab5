"""What a cadre can choose to practise from: the laws and the categories that have questions
practice may offer now, each with how many (issue 11, "Practice")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from question_bank.models import Category, Law, Question, QuestionCitation, QuestionVersion
from question_bank.services.categories import category_tree
from question_bank.services.practice_pool import held_out_sections, practicable


@dataclass(frozen=True)
class LawChoice:
    """A law and how many practicable questions cite its articles."""

    law: Law
    questions: int


@dataclass(frozen=True)
class CategoryChoice:
    """A category, its depth in the tree (0 at the top) and how many practicable questions it and
    its sub-categories hold."""

    category: Category
    depth: int
    questions: int


def _practicable_versions(now_sections):
    return (select(Question.id.label("question_id"), QuestionVersion.id.label("version_id"),
                   QuestionVersion.category_id.label("category_id"))
            .join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
            .join(Category, QuestionVersion.category_id == Category.id)
            .where(practicable(now_sections)))


def law_choices(session: Session, now: dt.datetime) -> list[LawChoice]:
    """The laws with at least one practicable question citing an article of theirs, by title."""
    pool = _practicable_versions(held_out_sections(session, now)).subquery()
    counts = dict(session.execute(
        select(QuestionCitation.law_id, func.count(distinct(pool.c.question_id)))
        .join(pool, pool.c.version_id == QuestionCitation.question_version_id)
        .where(QuestionCitation.article_id.is_not(None)).group_by(QuestionCitation.law_id)).all())
    if not counts:
        return []
    laws = session.scalars(select(Law).where(Law.id.in_(list(counts))).order_by(Law.title))
    return [LawChoice(law, counts[law.id]) for law in laws]


def category_choices(session: Session, now: dt.datetime) -> list[CategoryChoice]:
    """Every category whose subtree holds a practicable question, in tree order (parents first)."""
    pool = _practicable_versions(held_out_sections(session, now)).subquery()
    own = dict(session.execute(select(pool.c.category_id, func.count()).group_by(pool.c.category_id)).all())
    nodes = category_tree(session)
    subtree: dict[int, int] = {}
    for node in reversed(nodes):  # children before their parents
        subtree[node.category.id] = own.get(node.category.id, 0) + sum(subtree[c.category.id] for c in node.children)
    return [CategoryChoice(node.category, node.depth, subtree[node.category.id])
            for node in nodes if subtree[node.category.id]]
