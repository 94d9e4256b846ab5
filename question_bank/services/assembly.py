"""Paper assembly (组卷): checking that the bank can fill a blueprint, and drawing a candidate's
questions from it (domain.md §5, case C-12).

A blueprint must never be under-filled silently. Sections may overlap (a section on ``宪法`` and
one on ``宪法/国家机构`` of the same type draw from nested pools), and a question may appear at most
once on a paper, so the check is Hall's marriage condition over the sections: every group of
sections must together find at least as many distinct questions as it requests.

"Distinct" is by content (case C-21): two published questions with the same
``QuestionVersion.fingerprint`` (the same stem and options once punctuation, width, space and
option order are folded away: a repeat flagged at import and published all the same) count as one
question, and no paper ever holds both.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from sqlalchemy import Integer, Select, Text, and_, any_, bindparam, case, cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from question_bank.errors import N_, InvalidInput, Msg, Place, Problem
from question_bank.models import (
    BlueprintSection,
    Category,
    CitationSource,
    LawReviewFlag,
    Paper,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionVersion,
)
from question_bank.services import exposure, pool_cache
from question_bank.services.study_scope import articles_of_list
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
    #: Questions that would fit but are held out pending law review.
    held_out: int = 0

    def problem(self) -> Problem:
        """The refusal: placed on the section and naming its type ("section 3: category
        司法考试/知识型, True/false: requested 5, available 0"); a group names its sections in the
        message and has no single place."""
        counts = {"requested": self.requested, "available": self.available, "held": self.held_out}
        if len(self.sections) == 1:
            qtype = REGISTRY.get(self.qtype)
            template = N_("category %(category)s, %(type)s: requested %(requested)d, available %(available)d") \
                if not self.held_out else N_("category %(category)s, %(type)s: requested %(requested)d, available "
                                             "%(available)d (%(held)d held out pending law review)")
            return Problem(template, {"category": self.category_path,
                                      "type": Msg(qtype.label) if qtype else self.qtype, **counts},
                           place=Place(section=self.sections[0]))
        template = N_("sections %(sections)s draw on the same questions: requested %(requested)d, available "
                      "%(available)d") if not self.held_out else \
            N_("sections %(sections)s draw on the same questions: requested %(requested)d, available %(available)d "
               "(%(held)d held out pending law review)")
        return Problem(template, {"sections": ", ".join(map(str, self.sections)), **counts})


@dataclass(frozen=True)
class VersionBrief:
    """What starting an attempt reads of a drawn question version: a plain row, not an ORM object
    (issue 7: loading a hundred ``QuestionVersion`` objects was a seventh of a start's CPU).
    ``option_count`` is the length of its options (0 for a type without any), ``pinned_options``
    the indexes that option shuffling leaves in place, ``used_at`` its first use (None: never)."""

    id: int
    qtype: str
    option_count: int
    pinned_options: tuple[int, ...]
    used_at: dt.datetime | None

    @classmethod
    def of(cls, version: QuestionVersion) -> VersionBrief:
        """The brief of a version already loaded (a fixed section's)."""
        return cls(version.id, version.qtype, len(version.options or ()), tuple(version.pinned_options or ()),
                   version.used_at)


@dataclass(frozen=True)
class DrawnItem:
    """One question drawn for a paper: its section (1-based), version and section; a fixed
    section's item carries its own mark (``fixed_mark``). ``version`` is the ORM object, or its
    :class:`VersionBrief` for a draw made to start an attempt."""

    section_no: int
    version: QuestionVersion | VersionBrief
    section: BlueprintSection
    fixed_mark: Decimal | None = None

    @property
    def mark(self) -> Decimal:
        """Points the question is worth on the paper: its fixed mark, else the section's."""
        return self.section.mark if self.fixed_mark is None else self.fixed_mark


def fixed_fingerprints(sections: list[BlueprintSection]) -> set[str]:
    """Content fingerprints of the questions the fixed sections among ``sections`` hold (as the
    versions they hold): drawn sections never draw them (case C-21)."""
    return {item.question_version.fingerprint for s in sections if s.fixed for item in s.items}


def published_question():
    """The SQL condition for a question with an approved version in use (``Question.is_live``): a
    reviewer approved a version of it and it is not retired. An edit awaiting review leaves it so."""
    return and_(Question.published_version_id.is_not(None), Question.status != QuestionStatus.RETIRED)


def held_for_law_review():
    """The SQL condition for a question held out pending law review: its published version has an
    open :class:`~question_bank.models.LawReviewFlag` (an amendment changed or dropped an article
    it cites; ``services.amendments``). A newer version published since is not held by the old
    version's flags."""
    return exists().where(LawReviewFlag.question_id == Question.id,
                          LawReviewFlag.question_version_id == Question.published_version_id,
                          LawReviewFlag.outcome.is_(None))


def live_question():
    """The SQL condition for a question new draws may use (papers, and practice): published
    (:func:`published_question`) and not held out pending law review (:func:`held_for_law_review`).
    The one definition of "drawable": use it wherever questions are drawn."""
    return and_(published_question(), ~held_for_law_review())


def section_pool(session: Session, section: BlueprintSection) -> list[int]:
    """Ids of the published versions of live questions that fit ``section`` (type, difficulty and
    category are all the published version's own), in a stable order (by question id) so that a
    stored seed reproduces the same draw.

    A section drawing "from the laws of study list L" (``study_list_id``) keeps only versions whose
    legal basis cites an article within L's items (``services.study_scope``).

    Papers draw the version a reviewer approved, never a revision still in review or in draft; a
    revision that files the question under another category (``Question.category_id`` follows the
    current version) moves it between pools only when a reviewer approves it."""
    return list(_pool(session, section))


def pool_size(session: Session, section: BlueprintSection) -> int:
    """How many distinct questions (by content fingerprint, case C-21) ``section`` can draw."""
    return len(set(_pool(session, section).values()))


def fits_section(section: BlueprintSection):
    """The SQL condition for a question version (``QuestionVersion``, joined to its ``Category``)
    that fits ``section``'s type, difficulty range and category (with its sub-categories when the
    section includes them) and, for a section drawing "from the laws of study list L", whose legal
    basis cites an article within L's items. Pools (:func:`section_pool`) are the live questions
    whose published version fits; the held-out counts and practice (which holds the same questions
    out while a sitting of the paper is open) use the same condition."""
    category = section.category
    if section.include_subcategories:
        in_category = Category.at_or_below(category.path)
    else:
        in_category = Category.id == category.id
    condition = and_(
        QuestionVersion.qtype == section.qtype,
        QuestionVersion.difficulty.between(section.difficulty_min, section.difficulty_max),
        in_category,
    )
    if section.study_list_id is None:
        return condition
    # Probed per candidate (its one or two citations), not by listing every citation of the
    # list's articles: the pool is small, a list's articles can be cited by half the bank.
    return and_(condition, exists(
        select(QuestionCitation.id).where(
            QuestionCitation.question_version_id == QuestionVersion.id,
            QuestionCitation.source == CitationSource.LEGAL_BASIS,
            QuestionCitation.article_id.in_(articles_of_list(section.study_list_id)))))


def _pool(session: Session, section: BlueprintSection, excluded: Select | None = None) -> dict[int, str]:
    """:func:`section_pool` with each version's fingerprint: version id → fingerprint, in order;
    without the questions whose ids ``excluded`` (a subquery, exposure rules) selects."""
    query = (
        select(QuestionVersion.id, QuestionVersion.fingerprint)
        .join(Question, Question.published_version_id == QuestionVersion.id)
        .join(Category, QuestionVersion.category_id == Category.id)
        .where(live_question(), fits_section(section))
        .order_by(Question.id)
    )
    if excluded is not None:
        query = query.where(Question.id.not_in(excluded))
    return {version_id: fingerprint for version_id, fingerprint in session.execute(query)}


def _held(session: Session, section: BlueprintSection) -> set[int]:
    """Ids of the questions that would fit ``section`` but are held out pending law review."""
    return set(session.scalars(
        select(Question.id)
        .join(QuestionVersion, Question.published_version_id == QuestionVersion.id)
        .join(Category, QuestionVersion.category_id == Category.id)
        .where(published_question(), held_for_law_review(), fits_section(section))
    ))


def held_out(session: Session, paper: Paper) -> int:
    """How many questions any section of ``paper`` would draw but for an open law review flag
    (each question counted once): what the paper page and a shortfall say are held out."""
    return held_out_of(session, paper.sections)


def held_out_of(session: Session, sections: list[BlueprintSection]) -> int:
    """:func:`held_out` for sections not (yet) on a paper, such as a blueprint being checked.
    Fixed sections draw nothing, so hold nothing out (``fixed_papers.warnings`` speaks of them)."""
    drawn = [s for s in sections if not s.fixed]
    return len(set().union(*(_held(session, s) for s in drawn))) if drawn else 0


def _groups(count: int) -> list[tuple[int, ...]]:
    if count <= MAX_SECTIONS_FOR_FULL_CHECK:
        return [g for size in range(1, count + 1) for g in combinations(range(count), size)]
    return [(i,) for i in range(count)] + [tuple(range(count))]


def shortfalls(session: Session, paper: Paper) -> list[Shortfall]:
    """Every section, or group of sections, the bank cannot fill now. Empty when the paper can be
    drawn. A group is reported only when none of its sections is short on its own."""
    return sections_short(session, paper.sections)


def sections_short(session: Session, all_sections: list[BlueprintSection],
                   excluded: Select | None = None, drawn_pools: list[dict[int, str]] | None = None) -> list[Shortfall]:
    """:func:`shortfalls` for a list of sections (positions as on the paper). Fixed sections are
    never short; drawn sections count without the questions the fixed ones hold (case C-21) and
    without those ``excluded`` selects (exposure rules). ``drawn_pools`` are the drawn sections'
    pools (:func:`_pool` with ``excluded``, in order) when the caller has them already."""
    fixed = fixed_fingerprints(all_sections)
    numbered = [(i, s) for i, s in enumerate(all_sections) if not s.fixed]
    sections = [s for _, s in numbered]
    if drawn_pools is None:
        drawn_pools = [_pool(session, s, excluded) for s in sections]
    pools = [set(pool.values()) - fixed for pool in drawn_pools]
    held_by: dict[int, set[int]] = {}

    def held(i: int) -> set[int]:
        # Read only for a section that is short: a paper the bank fills (every start) reads none.
        if i not in held_by:
            held_by[i] = _held(session, sections[i])
        return held_by[i]

    found: list[Shortfall] = []
    short_alone: set[int] = set()
    for group in _groups(len(sections)):
        if len(group) > 1 and short_alone.intersection(group):
            continue
        requested = sum(sections[i].count for i in group)
        available = len(set().union(*(pools[i] for i in group)))
        if available < requested:
            first = sections[group[0]]
            found.append(Shortfall(tuple(numbered[i][0] + 1 for i in group), first.category.path, first.qtype,
                                   requested, available, len(set().union(*(held(i) for i in group)))))
            if len(group) == 1:
                short_alone.add(group[0])
    return found


def check_paper(session: Session, paper: Paper) -> None:
    """Raise :class:`InvalidInput` naming each short section ("requested N, available M")."""
    check_sections(session, paper.sections)


def check_sections(session: Session, sections: list[BlueprintSection]) -> None:
    """:func:`check_paper` for a paper's sections as they would be after a change."""
    if not sections:
        raise InvalidInput([Problem(N_("the paper has no sections"), place="sections")])
    problems = [s.problem() for s in sections_short(session, sections)]
    if problems:
        raise InvalidInput(problems)


def draw(session: Session, paper: Paper, seed: int, rules: exposure.Exposure | None = None, *,
         for_attempt: bool = False) -> list[DrawnItem]:
    """Draw one candidate's questions: ``count`` distinct questions per section, no question twice
    on the paper and no two with the same content fingerprint (case C-21), reproducible from
    ``seed``. Items come out section by section, and within a section in the paper's own order
    (the bank order, by question id) whichever questions the seed picked: a sitting that does not
    shuffle questions gives every candidate the same order (case C-23); one that does shuffles
    these per attempt (``attempts.start_attempt``).

    Sections with the smallest pools draw first, which always succeeds when the pools are nested
    or disjoint (categories form a tree and types are disjoint) and Hall's condition holds. Repeats
    can join pools that are otherwise apart (the same stem and options published as a single and
    as a multiple choice); should the greedy draw then paint itself into a corner, the draw is
    completed by augmenting paths (:func:`_match`), which finds one whenever Hall's condition holds.
    With exposure ``rules`` (``services.exposure``), drawn sections leave out the questions the
    rules exclude (seen by the candidate before, at the yearly cap).

    ``for_attempt``: each item's ``version`` is a :class:`VersionBrief`, with only what starting an
    attempt reads (type, number of options, pinned options, first use), read by one Core query
    (issue 7: decoding a hundred keys and stems was a sixth of a start, and making a hundred ORM
    objects of the rest another seventh).

    Raises :class:`InvalidInput` when the bank cannot fill the paper, or when it can but not once
    the exposure rules leave questions out (said as such, with how many each rule took).
    """
    excluded = rules.excluded() if rules is not None else None
    fixed = fixed_fingerprints(paper.sections)
    numbered = [(i, s) for i, s in enumerate(paper.sections) if not s.fixed]
    sections = [s for _, s in numbered]
    if not paper.sections:
        check_paper(session, paper)
    cached = pool_cache.cacheable(sections, excluded)
    signature = pool_cache.signature(paper.sections) if cached else ""
    pools = pool_cache.read(session, paper.id, signature) if cached and paper.id is not None else None
    if pools is None:
        generation = pool_cache.generation(session) if cached else 0  # before the pools: see pool_cache.store
        pools = _checked_pools(session, paper, sections, excluded, rules, fixed)
        if cached and paper.id is not None:
            pool_cache.store(session, paper.id, generation, signature, pools)
    rng = random.Random(seed)
    picked = _pick(sections, pools, rng)
    taken = [version_id for ids in picked.values() for version_id in ids]
    versions = _briefs(session, taken) if for_attempt else \
        {v.id: v for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(taken)))}
    drawn = {numbered[index][0]: [DrawnItem(numbered[index][0] + 1, versions[v], sections[index]) for v in picked[index]]
             for index in range(len(sections))}
    return [
        item
        for position, section in enumerate(paper.sections)
        for item in (_fixed_items(position, section, for_attempt) if section.fixed else drawn[position])
    ]


def _checked_pools(session: Session, paper: Paper, sections: list[BlueprintSection], excluded: Select | None,
                   rules: exposure.Exposure | None, fixed: set[str]) -> pool_cache.Pools:
    """The drawn sections' pools read from the bank, without the fixed sections' contents, once
    the bank is found to fill the paper; raises as :func:`draw`."""
    # Each pool is read once (issue 7): the shortfall check and the draw share it.
    drawn_pools = [_pool(session, s, excluded) for s in sections]
    if excluded is None:
        problems = [s.problem() for s in sections_short(session, paper.sections, drawn_pools=drawn_pools)]
        if problems:
            raise InvalidInput(problems)
    else:
        check_paper(session, paper)
        short = sections_short(session, paper.sections, excluded, drawn_pools)
        if short:
            raise InvalidInput([_exposure_problem(session, rules, paper, s) for s in short])
    return pool_cache.pools_of([{v: fp for v, fp in pool.items() if fp not in fixed} for pool in drawn_pools])


def _pick(sections: list[BlueprintSection], pools: pool_cache.Pools, rng: random.Random) -> dict[int, list[int]]:
    """Drawn section index → the version ids drawn for it, in bank order.

    Greedy, smallest pool first: each section samples ``count`` of its contents not taken by a
    section drawn before it (``random.sample`` of their indexes, listed only when another section
    took content this one shares), then one version of each drawn content (:func:`_one`). Should
    a section find too few left, :func:`_match` completes the draw. The same draw, seed for seed,
    as the maps of every fingerprint built on each draw until issue 7 gave, without building them."""
    taken: set[int] = set()
    chosen: dict[int, list[int]] = {}
    for index in sorted(range(len(sections)), key=lambda i: (pools[i].size, i)):
        pool, count = pools[index], sections[index].count
        free = pool_cache.Outside(pool.size, sorted(c for c, key in pool.shared.items() if key in taken))
        if len(free) < count:
            return _pick_by_matching(sections, pools, rng)
        chosen[index] = rng.sample(free, count)
        taken.update(pool.shared[c] for c in chosen[index] if c in pool.shared)
    picked = {}
    for index, contents in chosen.items():
        pool = pools[index]
        places = [_one(pool.holders(c), rng) for c in contents]
        picked[index] = [pool.versions[place] for place in sorted(places)]
    return picked


def _pick_by_matching(sections: list[BlueprintSection], pools: pool_cache.Pools,
                      rng: random.Random) -> dict[int, list[int]]:
    """:func:`_pick` once the greedy draw painted itself into a corner (only possible with
    content shared across sections): augmenting paths over maps of every content."""
    holders = [{pool.shared.get(c, (index, c)): [pool.versions[p] for p in pool.holders(c)] for c in range(pool.size)}
               for index, pool in enumerate(pools)]
    chosen = _match(sections, holders, rng)
    picked = {index: [_one(holders[index][key], rng) for key in keys] for index, keys in chosen.items()}
    # The random pick is a set: list it in bank order, so the order never depends on the seed.
    positions = [{version_id: place for place, version_id in enumerate(pool.versions)} for pool in pools]
    return {index: sorted(ids, key=positions[index].__getitem__) for index, ids in picked.items()}


#: :func:`_briefs`'s statement per dialect, built once (building it anew was a tenth of a cached draw).
_BRIEFS: dict[str, Select] = {}


def _briefs_statement(postgresql: bool) -> Select:
    length = func.jsonb_array_length if postgresql else func.json_array_length
    # PostgreSQL: the ids as one array literal ('{1,2,3}', text cast to integer[]), which psycopg
    # passes as it is, where a list would be dumped element by element in Python (issue 7).
    wanted = QuestionVersion.id == any_(cast(bindparam("ids", type_=Text()), ARRAY(Integer))) if postgresql \
        else QuestionVersion.id.in_(bindparam("ids", expanding=True))
    pinned = case((QuestionVersion.pinned_options != literal([], QuestionVersion.pinned_options.type),
                   QuestionVersion.pinned_options), else_=None)
    return select(QuestionVersion.id, QuestionVersion.qtype, length(QuestionVersion.options), pinned,
                  QuestionVersion.used_at).where(wanted)


def _briefs(session: Session, version_ids: list[int]) -> dict[int, VersionBrief]:
    """Version id → :class:`VersionBrief` of each of ``version_ids``, in one Core query. The
    database counts the options and sends the pinned ones only where there are any (most have
    none), so no JSON is decoded here; on PostgreSQL the ids go as one array (``= ANY``), so the
    statement's text is the same for every paper and psycopg converts it once, not a hundred
    placeholders anew each time."""
    if not version_ids:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect not in _BRIEFS:
        _BRIEFS[dialect] = _briefs_statement(dialect == "postgresql")
    ids = "{" + ",".join(map(str, version_ids)) + "}" if dialect == "postgresql" else version_ids
    rows = session.execute(_BRIEFS[dialect], {"ids": ids})
    return {row[0]: VersionBrief(row[0], row[1], row[2] or 0, tuple(row[3] or ()), row[4]) for row in rows}


def _exposure_problem(session: Session, rules: exposure.Exposure, paper: Paper, short: Shortfall) -> Problem:
    """A shortfall caused by exposure rules, saying so: "section 2: requested 5, available 3 once
    exposure rules leave out questions (4 seen by this candidate before, 0 at the yearly cap)"."""
    question_ids = set(session.scalars(select(QuestionVersion.question_id).where(QuestionVersion.id.in_(
        [v for n in short.sections for v in _pool(session, paper.sections[n - 1])]))))
    seen, capped = exposure.excluded_count(session, rules, question_ids)
    return Problem(N_("sections %(sections)s: requested %(requested)d, available %(available)d once exposure rules "
                      "leave out questions (%(seen)d seen by this candidate before, %(capped)d at the yearly cap)"),
                   {"sections": ", ".join(map(str, short.sections)), "requested": short.requested,
                    "available": short.available, "seen": seen, "capped": capped},
                   place=Place(section=short.sections[0]) if len(short.sections) == 1 else "sections")


def _fixed_items(position: int, section: BlueprintSection, brief: bool = False) -> list[DrawnItem]:
    """A fixed section's questions in its order, at the versions and marks the paper holds (as
    :class:`VersionBrief` with ``brief``)."""
    return [DrawnItem(position + 1, VersionBrief.of(item.question_version) if brief else item.question_version,
                      section, item.mark) for item in section.items]


def _one(version_ids: list[int], rng: random.Random) -> int:
    # Only a repeat published twice offers a choice; drawing nothing otherwise keeps existing seeds' draws.
    return version_ids[0] if len(version_ids) == 1 else rng.choice(version_ids)


def _match(sections: list[BlueprintSection], holders: list[dict[str, list[int]]],
           rng: random.Random) -> dict[int, list[str]]:
    """Section index → fingerprints, found as a maximum bipartite matching of the paper's slots
    to fingerprints (Kuhn's augmenting paths, each slot trying its pool in a seeded random order).
    Raises :class:`InvalidInput` naming a section that stays short, which Hall's condition
    (checked before) rules out."""
    slots = [index for index, section in enumerate(sections) for _ in range(section.count)]
    orders = {index: rng.sample(list(holders[index]), len(holders[index])) for index in set(slots)}
    owner: dict[str, int] = {}

    def place(slot: int, seen: set[str]) -> bool:
        for fingerprint in orders[slots[slot]]:
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            if fingerprint not in owner or place(owner[fingerprint], seen):
                owner[fingerprint] = slot
                return True
        return False

    for slot in range(len(slots)):
        if not place(slot, set()):
            index = slots[slot]
            raise InvalidInput([Shortfall((index + 1,), sections[index].category.path, sections[index].qtype,
                                          sections[index].count, len(holders[index])).problem()])
    chosen: dict[int, list[str]] = {index: [] for index in range(len(sections))}
    for fingerprint, slot in sorted(owner.items(), key=lambda item: item[1]):
        chosen[slots[slot]].append(fingerprint)
    return chosen
