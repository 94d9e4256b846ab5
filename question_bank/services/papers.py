"""Paper blueprints (组卷): creating and changing them, checked against the bank on every save
(domain.md §5, case C-12).

A blueprint the bank cannot fill is refused with "requested N, available M" for each short section
(or group of overlapping sections), and nothing is saved: the candidate paper is checked as a
transient object before anything touches the session.

Exam admins see and manage the papers of their own unit's subtree (domain.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.drafts import category_parts
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied, Place, Problem
from question_bank.field_limits import MAX_SCORE
from question_bank.points import is_exact_points
from question_bank.models import (
    Attempt,
    BlueprintSection,
    Category,
    ListStatus,
    MultiChoiceRule,
    Paper,
    Role,
    Sitting,
    StudyList,
    User,
)
from question_bank.services import assembly, audit, protection
from question_bank.types import REGISTRY

#: Most sections a blueprint may have (the form offers this many rows at most).
MAX_SECTIONS = 20
#: Most questions one section may draw.
MAX_SECTION_COUNT = 500
#: Largest mark of one question, in points: a question's own default mark has the same limit.
MAX_MARK = MAX_SCORE


@dataclass
class SectionSpec:
    """One blueprint section as a form supplies it: draw ``count`` published questions of type
    ``qtype`` from the category at ``category_path`` (and its sub-categories when
    ``include_subcategories``), with difficulty in ``difficulty_min..difficulty_max``, at ``mark``
    points each."""

    qtype: str
    count: int
    mark: Decimal
    category_path: str
    include_subcategories: bool = True
    difficulty_min: int = 1
    difficulty_max: int = 5
    title: str = ""
    #: Draw only questions citing articles within this published study list's items; ``None`` = any.
    study_list_id: int | None = None


@dataclass
class PaperSpec:
    """The editable content of a paper blueprint; ``sections`` in paper order."""

    title: str
    sections: list[SectionSpec] = field(default_factory=list)
    multi_rule: MultiChoiceRule = MultiChoiceRule.ALL_OR_NOTHING
    description: str = ""


def papers_in_scope(actor: User) -> Select[tuple[Paper]]:
    """A query for the papers of the actor's unit subtree, newest first."""
    return protection.scoped(Paper, actor).order_by(Paper.updated_at.desc(), Paper.id.desc())


def get_paper(session: Session, actor: User, paper_id: int) -> Paper:
    """The paper, if the actor is an exam admin whose subtree holds it. Raises :class:`NotFound`
    otherwise (the same answer as for a missing paper, so ids cannot be probed)."""
    return protection.get_in_scope(session, actor, Paper, paper_id, Role.EXAM_ADMIN)


def paper_used(session: Session, paper: Paper) -> bool:
    """Whether any attempt has drawn from the paper (then its sections and rule are fixed)."""
    return bool(session.scalar(select(exists().where(Attempt.sitting_id == Sitting.id, Sitting.paper_id == paper.id))))


def sitting_counts(session: Session, paper_ids: list[int]) -> dict[int, int]:
    """Paper id → how many sittings use it (papers without sittings are absent)."""
    if not paper_ids:
        return {}
    query = select(Sitting.paper_id, func.count(Sitting.id)).where(Sitting.paper_id.in_(paper_ids)).group_by(Sitting.paper_id)
    return {paper_id: count for paper_id, count in session.execute(query)}


def specs_of(paper: Paper) -> list[SectionSpec]:
    """A saved paper's sections as specs (for the bank's counts and the edit form)."""
    return [SectionSpec(s.qtype, s.count, s.mark, s.category.path, s.include_subcategories, s.difficulty_min,
                        s.difficulty_max, s.title, s.study_list_id) for s in paper.sections if not s.fixed]


def _section_problems(index: int, spec: SectionSpec) -> list[Problem]:
    place = Place(section=index)
    found: list[Problem] = []
    if spec.qtype not in REGISTRY:
        found.append(Problem(N_("unknown question type %(code)s"), {"code": spec.qtype}, place))
    if not isinstance(spec.count, int) or not 1 <= spec.count <= MAX_SECTION_COUNT:
        found.append(Problem(N_("the number of questions must be 1 to %(n)d"), {"n": MAX_SECTION_COUNT}, place))
    try:
        mark = Decimal(spec.mark)
        good_mark = is_exact_points(mark) and 0 < mark <= MAX_MARK
    except (InvalidOperation, TypeError, ValueError):
        good_mark = False
    if not good_mark:
        found.append(Problem(N_("the mark must be above 0 and at most %(n)s points, to the hundredth"),
                             {"n": MAX_MARK}, place))
    if not category_parts(spec.category_path):
        found.append(Problem(N_("the category is empty"), place=place))
    if not (1 <= spec.difficulty_min <= spec.difficulty_max <= 5):
        found.append(Problem(N_("the difficulty range must lie within 1 to 5, lowest first"), place=place))
    if len(spec.title) > 100:
        found.append(Problem(N_("the section title is longer than %(n)d characters"), {"n": 100}, place))
    return found


def _find_category(session: Session, path: str) -> Category | None:
    return session.scalar(select(Category).where(Category.path == "/".join(category_parts(path))))


def _is_published_list(session: Session, list_id: int) -> bool:
    found = session.get(StudyList, list_id)
    return found is not None and found.status != ListStatus.DRAFT


def build_sections(session: Session, specs: list[SectionSpec]) -> list[BlueprintSection]:
    """Transient sections for ``specs``, with their categories looked up (never created: an admin
    cannot add categories to the bank). Raises :class:`InvalidInput` listing every problem."""
    problems: list[Problem] = []
    if not specs:
        problems.append(Problem(N_("the paper has no sections"), place="sections"))
    if len(specs) > MAX_SECTIONS:
        problems.append(Problem(N_("a paper has at most %(n)d sections"), {"n": MAX_SECTIONS}, "sections"))
    sections: list[BlueprintSection] = []
    for index, spec in enumerate(specs, start=1):
        found = _section_problems(index, spec)
        category = _find_category(session, spec.category_path) if category_parts(spec.category_path) else None
        if category is None and category_parts(spec.category_path):
            found.append(Problem(N_("there is no category %(path)s in the bank"),
                                 {"path": spec.category_path.strip()}, Place(section=index)))
        if spec.study_list_id is not None and not _is_published_list(session, spec.study_list_id):
            found.append(Problem(N_("the study list chosen is not a published list"), place=Place(section=index)))
        problems.extend(found)
        if found:
            continue
        sections.append(BlueprintSection(
            position=index, title=spec.title.strip(), qtype=spec.qtype, count=spec.count,
            mark=Decimal(spec.mark), category=category, category_id=category.id,
            include_subcategories=spec.include_subcategories,
            difficulty_min=spec.difficulty_min, difficulty_max=spec.difficulty_max, study_list_id=spec.study_list_id,
        ))
    if problems:
        raise InvalidInput(problems)
    return sections


def availability(session: Session, specs: list[SectionSpec]) -> list[int | None]:
    """How many distinct published questions (a repeat counted once) fit each section on its own (None for a section that is not
    well formed or names no category), for showing beside the form's rows."""
    return [None if probe is None else assembly.pool_size(session, probe) for probe in _probes(session, specs)]


def held_out(session: Session, specs: list[SectionSpec]) -> int:
    """How many questions the well-formed sections of ``specs`` would draw but for an open law
    review flag (each counted once), for the form's check."""
    return assembly.held_out_of(session, [probe for probe in _probes(session, specs) if probe is not None])


def _probes(session: Session, specs: list[SectionSpec]) -> list[BlueprintSection | None]:
    """A transient section per spec (None where it is not well formed or names no category)."""
    probes: list[BlueprintSection | None] = []
    for spec in specs:
        category = _find_category(session, spec.category_path) if category_parts(spec.category_path) else None
        if category is None or spec.qtype not in REGISTRY or not (1 <= spec.difficulty_min <= spec.difficulty_max <= 5):
            probes.append(None)
            continue
        probes.append(BlueprintSection(qtype=spec.qtype, category=category, include_subcategories=spec.include_subcategories,
                                       difficulty_min=spec.difficulty_min, difficulty_max=spec.difficulty_max,
                                       study_list_id=spec.study_list_id))
    return probes


def _checked_sections(session: Session, spec: PaperSpec) -> list[BlueprintSection]:
    """The sections of ``spec`` once the bank is known to fill them; raises :class:`InvalidInput`."""
    problems = []
    if not spec.title.strip():
        problems.append(Problem(N_("the title is empty"), place="title"))
    elif len(spec.title) > 200:
        problems.append(Problem(N_("the title is longer than %(n)d characters"), {"n": 200}, "title"))
    try:
        sections = build_sections(session, spec.sections)
    except InvalidInput as exc:
        raise InvalidInput(problems + exc.problems) from None
    if problems:
        raise InvalidInput(problems)
    # A transient paper that is never added to the session: refusing it leaves nothing behind.
    probe = Paper(title=spec.title, multi_rule=spec.multi_rule)
    probe.sections = sections
    assembly.check_paper(session, probe)
    return probe.sections


def check_spec(session: Session, spec: PaperSpec) -> None:
    """Whether the bank can fill ``spec`` now, saving nothing: raises :class:`InvalidInput` as
    :func:`create_paper` would ("requested N, available M" per short section)."""
    _checked_sections(session, spec)


def snapshot(paper: Paper) -> dict[str, Any]:
    """A JSON-able picture of a paper for audit before/after."""
    return {
        "title": paper.title,
        "description": paper.description,
        "multi_rule": str(paper.multi_rule),
        "total_marks": str(paper.total_marks),
        "sections": [_section_snapshot(s) for s in paper.sections],
    }


def _section_snapshot(s: BlueprintSection) -> dict[str, Any]:
    if s.fixed:
        return {"title": s.title, "fixed": [{"question": i.question_id, "version": i.question_version_id,
                                             "mark": str(i.mark)} for i in s.items]}
    return {"qtype": s.qtype, "count": s.count, "mark": str(s.mark), "category": s.category.path,
            "include_subcategories": s.include_subcategories, "difficulty": [s.difficulty_min, s.difficulty_max],
            "title": s.title, **({"study_list": s.study_list_id} if s.study_list_id else {})}


def create_paper(session: Session, clock: Clock, actor: User, spec: PaperSpec) -> Paper:
    """Save a new blueprint in the actor's unit once the bank can fill it.

    Raises :class:`PermissionDenied` (not an exam admin) or :class:`InvalidInput` listing every
    problem, including "requested N, available M" per short section, naming its category; nothing
    is then saved.
    """
    protection.require_role(actor, Role.EXAM_ADMIN)
    sections = _checked_sections(session, spec)
    now = clock.now()
    paper = Paper(title=spec.title.strip(), description=spec.description.strip(), multi_rule=spec.multi_rule,
                  org_unit=actor.org_unit, created_by_id=actor.id, created_at=now, updated_at=now)
    paper.sections = _persistable(sections)
    session.add(paper)
    session.flush()
    audit.record(session, clock, actor, "paper.create", "paper", paper.id, after=snapshot(paper))
    return paper


def update_paper(session: Session, clock: Clock, actor: User, paper: Paper, spec: PaperSpec) -> Paper:
    """Replace a blueprint's title, rule and sections, checked against the bank as on create.

    Raises :class:`NotFound` (outside the actor's subtree), :class:`Conflict` (an attempt has drawn
    from the paper: its questions, marks and rule must stay as they were), or :class:`InvalidInput`
    (short sections; a sitting's pass or excellent mark above the new total). Nothing changes when it raises.
    """
    paper = get_paper(session, actor, paper.id)
    if paper_used(session, paper):
        raise Conflict(N_("Candidates have already sat this paper, so it cannot change. Create a new paper instead."))
    sections = _with_fixed(paper, _checked_sections(session, spec))
    with session.no_autoflush:
        assembly.check_sections(session, sections)
    total = sum((s.total_marks for s in sections), Decimal(0))
    problems = [
        Problem(N_("the sitting %(title)s has pass mark %(mark)s, above the new total of %(total)s points"),
                {"title": s.title, "mark": s.pass_mark, "total": total}, "sections")
        for s in session.scalars(select(Sitting).where(Sitting.paper_id == paper.id, Sitting.pass_mark > total))
    ] + [
        Problem(N_("the sitting %(title)s has excellent mark %(mark)s, above the new total of %(total)s points"),
                {"title": s.title, "mark": s.excellent_mark, "total": total}, "sections")
        for s in session.scalars(select(Sitting).where(Sitting.paper_id == paper.id, Sitting.excellent_mark > total))
    ]
    if problems:
        raise InvalidInput(problems)
    before = snapshot(paper)
    paper.title = spec.title.strip()
    paper.description = spec.description.strip()
    paper.multi_rule = spec.multi_rule
    paper.sections = [s if s.fixed else _persistable([s])[0] for s in sections]
    for position, section in enumerate(paper.sections, start=1):
        section.position = position
    paper.updated_at = clock.now()
    session.flush()
    audit.record(session, clock, actor, "paper.update", "paper", paper.id, before=before, after=snapshot(paper))
    return paper


def _with_fixed(paper: Paper, drawn: list[BlueprintSection]) -> list[BlueprintSection]:
    """The paper's sections after an edit of its drawn ones (the form edits only those): each
    fixed section keeps its place among them, the drawn ones take the other places in the form's
    order (any beyond go last); the caller numbers them anew once the change is accepted."""
    rest = list(drawn)
    merged = [s if s.fixed else rest.pop(0) for s in paper.sections if s.fixed or rest]
    merged.extend(rest)
    return merged


def _persistable(sections: list[BlueprintSection]) -> list[BlueprintSection]:
    """Fresh section rows from the checked transient ones (those belong to the probe paper)."""
    return [
        BlueprintSection(position=s.position, title=s.title, qtype=s.qtype, count=s.count, mark=s.mark,
                         category=s.category, include_subcategories=s.include_subcategories,
                         difficulty_min=s.difficulty_min, difficulty_max=s.difficulty_max, study_list_id=s.study_list_id)
        for s in sections
    ]


def preview_draw(session: Session, actor: User, paper: Paper, seed: int) -> list[assembly.DrawnItem]:
    """A sample of what one candidate could get from the paper with ``seed``: the same draw
    :func:`assembly.draw` makes for an attempt, stored nowhere. Raises :class:`NotFound` outside
    the actor's subtree and :class:`InvalidInput` when the bank can no longer fill the paper."""
    paper = get_paper(session, actor, paper.id)
    return assembly.draw(session, paper, seed)


#: The audit action of keeping a paper's pools out of practice, or letting them back in.
PRACTICE_EXCLUSION_ACTION = "paper.practice_exclusion"


def set_practice_exclusion(session: Session, clock: Clock, actor: User, paper: Paper, excluded: bool) -> Paper:
    """Keep the questions of ``paper``'s section pools out of practice at all times (``excluded``)
    or only while one of its sittings is open (the default). A setting about practice, not the
    paper's content, so it may change after candidates have sat the paper. Audited; setting it
    to what it is records nothing. Raises :class:`PermissionDenied` / :class:`NotFound` as
    :func:`get_paper`."""
    paper = get_paper(session, actor, paper.id)
    if paper.practice_excluded == excluded:
        return paper
    paper.practice_excluded = excluded
    session.flush()
    audit.record(session, clock, actor, PRACTICE_EXCLUSION_ACTION, "paper", paper.id,
                 before={"practice_excluded": not excluded}, after={"practice_excluded": excluded})
    return paper
