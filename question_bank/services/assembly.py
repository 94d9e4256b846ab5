"""Paper assembly (组卷): checking that the bank can fill a blueprint, and drawing a candidate's
questions from it (domain.md §5, case C-12).

A blueprint must never be under-filled silently. Sections may overlap (a section on ``宪法`` and
one on ``宪法/国家机构`` of the same type draw from nested pools), and a question may appear at most
once on a paper, so the check is Hall's marriage condition over the sections: every group of
sections must together find at least as many distinct questions as it requests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from question_bank.errors import N_, InvalidInput, Msg, Place, Problem
from question_bank.models import (
    BlueprintSection,
    Category,
    Paper,
    Question,
    QuestionStatus,
    QuestionVersion,
)
from question_bank.types import REGISTRY

#: Beyond this many sections, only single sections and the whole paper are checked (2^k groups).
MAX_SECTIONS_FOR_FULL_CHECK = 12


@dataclass(frozen=True)
class Shortfall:
    """A section, or a group of overlapping sections, that the bank cannot fill."""

    sections: tuple[int, ...]
    category_path: str
    qtype: str
    requested: int
    available: int

    def problem(self) -> Problem:
        """The refusal: placed on the section and naming its type ("section 3: category
        司法考试/知识型, True/false: requested 5, available 0"); a group names its sections in the
        message and has no single place."""
        if len(self.sections) == 1:
            qtype = REGISTRY.get(self.qtype)
            return Problem(
                N_("category %(category)s, %(type)s: requested %(requested)d, available %(available)d"),
                {"category": self.category_path, "type": Msg(qtype.label) if qtype else self.qtype,
                 "requested": self.requested, "available": self.available},
                place=Place(section=self.sections[0]),
            )
        return Problem(
            N_("sections %(sections)s draw on the same questions: requested %(requested)d, available %(available)d"),
            {"sections": ", ".join(map(str, self.sections)), "requested": self.requested,
             "available": self.available},
        )


@dataclass(frozen=True)
class DrawnItem:
    """One question drawn for a paper: its section (1-based), version and mark in points."""

    section_no: int
    version: QuestionVersion
    section: BlueprintSection


def live_question():
    """The SQL condition for a question papers may draw (``Question.is_live``): a reviewer approved
    a version of it and it is not retired. An edit awaiting review leaves it live."""
    return and_(Question.published_version_id.is_not(None), Question.status != QuestionStatus.RETIRED)


def section_pool(session: Session, section: BlueprintSection) -> list[int]:
    """Ids of the published versions of live questions that fit ``section`` (type, difficulty and
    category are all the published version's own), in a stable order (by question id) so that a
    stored seed reproduces the same draw.

    Papers draw the version a reviewer approved, never a revision still in review or in draft; a
    revision that files the question under another category (``Question.category_id`` follows the
    current version) moves it between pools only when a reviewer approves it."""
    category = section.category
    if section.include_subcategories:
        in_category = or_(Category.id == category.id,
                          Category.path.startswith(category.path + "/", autoescape=True))
    else:
        in_category = Category.id == category.id
    query = (
        select(QuestionVersion.id)
        .join(Question, Question.published_version_id == QuestionVersion.id)
        .join(Category, QuestionVersion.category_id == Category.id)
        .where(
            live_question(),
            QuestionVersion.qtype == section.qtype,
            QuestionVersion.difficulty.between(section.difficulty_min, section.difficulty_max),
            in_category,
        )
        .order_by(Question.id)
    )
    return list(session.scalars(query))


def _groups(count: int) -> list[tuple[int, ...]]:
    if count <= MAX_SECTIONS_FOR_FULL_CHECK:
        return [g for size in range(1, count + 1) for g in combinations(range(count), size)]
    return [(i,) for i in range(count)] + [tuple(range(count))]


def shortfalls(session: Session, paper: Paper) -> list[Shortfall]:
    """Every section, or group of sections, the bank cannot fill now. Empty when the paper can be
    drawn. A group is reported only when none of its sections is short on its own."""
    sections = paper.sections
    pools = [set(section_pool(session, s)) for s in sections]
    found: list[Shortfall] = []
    short_alone: set[int] = set()
    for group in _groups(len(sections)):
        if len(group) > 1 and short_alone.intersection(group):
            continue
        requested = sum(sections[i].count for i in group)
        available = len(set().union(*(pools[i] for i in group)))
        if available < requested:
            first = sections[group[0]]
            found.append(Shortfall(tuple(i + 1 for i in group), first.category.path, first.qtype,
                                   requested, available))
            if len(group) == 1:
                short_alone.add(group[0])
    return found


def check_paper(session: Session, paper: Paper) -> None:
    """Raise :class:`InvalidInput` naming each short section ("requested N, available M")."""
    if not paper.sections:
        raise InvalidInput([Problem(N_("the paper has no sections"), place="sections")])
    problems = [s.problem() for s in shortfalls(session, paper)]
    if problems:
        raise InvalidInput(problems)


def draw(session: Session, paper: Paper, seed: int) -> list[DrawnItem]:
    """Draw one candidate's questions: ``count`` distinct questions per section, no question twice
    on the paper, reproducible from ``seed``. Items come out section by section.

    Sections with the smallest pools draw first, which always succeeds when the pools are nested
    or disjoint (categories form a tree and types are disjoint) and Hall's condition holds.
    Raises :class:`InvalidInput` when the bank cannot fill the paper.
    """
    check_paper(session, paper)
    rng = random.Random(seed)
    sections = paper.sections
    pools = [section_pool(session, s) for s in sections]
    taken: set[int] = set()
    chosen: dict[int, list[int]] = {}
    for index in sorted(range(len(sections)), key=lambda i: (len(pools[i]), i)):
        free = [v for v in pools[index] if v not in taken]
        if len(free) < sections[index].count:
            # Only reachable with overlapping pools that are not nested; report it, never under-fill.
            raise InvalidInput([Shortfall((index + 1,), sections[index].category.path, sections[index].qtype,
                                          sections[index].count, len(free)).problem()])
        picked = rng.sample(free, sections[index].count)
        taken.update(picked)
        chosen[index] = picked
    versions = {v.id: v for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(taken)))}
    return [
        DrawnItem(index + 1, versions[version_id], section)
        for index, section in enumerate(sections)
        for version_id in chosen[index]
    ]
