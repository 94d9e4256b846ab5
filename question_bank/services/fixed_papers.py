"""Fixed papers (固定试卷): sections whose questions an exam admin picked from the bank search,
ordered, each at its own mark (issue 9, "Papers").

A fixed section (``BlueprintSection.fixed``) holds :class:`~question_bank.models.FixedItem` rows:
the question, the version the paper was built with and the mark. A paper may mix fixed and drawn
sections; drawn sections never draw a question a fixed one holds, nor a repeat of it (same content
fingerprint, case C-21), and a fixed paper never holds two questions with the same fingerprint.

A fixed paper keeps the versions it was built with: an edit a reviewer publishes later reaches the
paper only when someone republishes it (:func:`republish`, audited as "paper.republish"). A fixed
question retired or held for law review stays on the paper as it is and :func:`warnings` says so
(the paper page shows it), never swapped for another.

Changes follow ``services.papers``: exam admins of the paper's unit subtree, not once candidates
have sat the paper, audited with the paper's snapshot before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Place, Problem
from question_bank.models import BlueprintSection, FixedItem, LawReviewFlag, Paper, Question, QuestionVersion, User
from question_bank.points import is_exact_points
from question_bank.services import assembly, audit
from question_bank.services.papers import MAX_MARK, MAX_SECTION_COUNT, MAX_SECTIONS, get_paper, paper_used, snapshot

#: The audit action of republishing a fixed paper with its questions' current published versions.
REPUBLISH_ACTION = "paper.republish"


@dataclass(frozen=True)
class PickedQuestion:
    """One question an admin picked for a fixed section: its id and its mark as typed (a string
    from a form or a Decimal), in the order the section shows them."""

    question_id: int
    mark: str | Decimal


def _mark_of(index: int, raw: str | Decimal) -> tuple[Decimal | None, list[Problem]]:
    """The mark of the ``index``-th pick (from 1), or the problem naming its field
    (``items-<index>-mark``): more than two decimal places is refused, never rounded (C-20)."""
    field = f"items-{index}-mark"
    try:
        mark = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None, [Problem(N_("question %(n)d: the mark %(mark)s is not a number"), {"n": index, "mark": str(raw)}, field)]
    if not mark.is_finite() or not 0 < mark <= MAX_MARK:
        return None, [Problem(N_("question %(n)d: the mark must be above 0 and at most %(max)s points"),
                              {"n": index, "max": MAX_MARK}, field)]
    if not is_exact_points(mark):
        return None, [Problem(N_("question %(n)d: the mark %(mark)s has more than two decimal places"),
                              {"n": index, "mark": str(raw).strip()}, field)]
    return mark, []


def _other_fingerprints(paper: Paper, leaving_out: BlueprintSection | None = None) -> dict[str, int]:
    """Fingerprint → question id of the fixed questions on ``paper`` outside ``leaving_out``."""
    return {item.question_version.fingerprint: item.question_id
            for section in paper.sections if section.fixed and section is not leaving_out for item in section.items}


def _checked_items(session: Session, paper: Paper, picks: list[PickedQuestion],
                   leaving_out: BlueprintSection | None = None) -> list[FixedItem]:
    """Transient items for ``picks`` at the questions' published versions; raises
    :class:`InvalidInput` listing every problem (unknown or not live question, one held for law
    review, a question twice or a repeat of one already on the paper, a bad mark)."""
    problems: list[Problem] = []
    if not picks:
        problems.append(Problem(N_("pick at least one question"), place="items"))
    if len(picks) > MAX_SECTION_COUNT:
        problems.append(Problem(N_("a section holds at most %(n)d questions"), {"n": MAX_SECTION_COUNT}, "items"))
    ids = [pick.question_id for pick in picks]
    questions = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    held = set(session.scalars(select(Question.id).where(Question.id.in_(ids), assembly.held_for_law_review())))
    taken = _other_fingerprints(paper, leaving_out)
    items: list[FixedItem] = []
    for index, pick in enumerate(picks, start=1):
        mark, found = _mark_of(index, pick.mark)
        field = f"items-{index}-question"
        question = questions.get(pick.question_id)
        if question is None:
            found.append(Problem(N_("question %(n)d: there is no question %(id)s"), {"n": index, "id": pick.question_id}, field))
        elif not question.is_live:
            found.append(Problem(N_("question %(n)d: question %(id)s is not published"), {"n": index, "id": question.id}, field))
        elif question.id in held:
            found.append(Problem(N_("question %(n)d: question %(id)s is held out pending law review"),
                                 {"n": index, "id": question.id}, field))
        else:
            version = question.published_version
            if version.fingerprint in taken:
                found.append(Problem(N_("question %(n)d: question %(id)s repeats question %(other)s already on the paper"),
                                     {"n": index, "id": question.id, "other": taken[version.fingerprint]}, field))
            taken.setdefault(version.fingerprint, question.id)
        problems.extend(found)
        if not found:
            items.append(FixedItem(position=index, question=question, question_id=question.id,
                                   question_version=question.published_version,
                                   question_version_id=question.published_version_id, mark=mark))
    if problems:
        raise InvalidInput(problems)
    return items


def _editable(session: Session, actor: User, paper: Paper) -> Paper:
    paper = get_paper(session, actor, paper.id)
    if paper_used(session, paper):
        raise Conflict(N_("Candidates have already sat this paper, so it cannot change. Create a new paper instead."))
    return paper


def _fill(section: BlueprintSection, items: list[FixedItem]) -> None:
    section.items = items
    section.count = len(items)
    section.mark = max(item.mark for item in items)
    section.qtype = items[0].question_version.qtype


def add_fixed_section(session: Session, clock: Clock, actor: User, paper: Paper, title: str,
                      picks: list[PickedQuestion]) -> BlueprintSection:
    """Add a fixed section holding ``picks`` in order, at the end of the paper, each question at
    its published version now. Then the whole paper is checked against the bank again: drawn
    sections must still fill without the fixed questions (and their repeats).

    Raises :class:`NotFound`/:class:`PermissionDenied` (as ``papers.get_paper``), :class:`Conflict`
    (candidates have sat the paper) or :class:`InvalidInput` (every problem, each naming its
    field, e.g. ``items-3-mark``); nothing changes then. Audited as "paper.update".
    """
    paper = _editable(session, actor, paper)
    problems = [] if len(title) <= 100 else [Problem(N_("the section title is longer than %(n)d characters"), {"n": 100}, "title")]
    if len(paper.sections) >= MAX_SECTIONS:
        problems.append(Problem(N_("a paper has at most %(n)d sections"), {"n": MAX_SECTIONS}, "sections"))
    try:
        items = _checked_items(session, paper, picks)
    except InvalidInput as exc:
        raise InvalidInput(problems + exc.problems) from None
    if problems:
        raise InvalidInput(problems)
    section = BlueprintSection(position=len(paper.sections) + 1, title=title.strip(), fixed=True,
                               include_subcategories=False, difficulty_min=1, difficulty_max=5)
    _fill(section, items)
    # Checked while the new section is not on the paper yet: a refusal leaves the paper as it was.
    with session.no_autoflush:
        assembly.check_sections(session, [*paper.sections, section])
    before = snapshot(paper)
    paper.sections.append(section)
    _saved(session, clock, actor, paper, before)
    return section


def replace_fixed_items(session: Session, clock: Clock, actor: User, paper: Paper, section_id: int,
                        picks: list[PickedQuestion]) -> BlueprintSection:
    """Replace the questions, order and marks of the fixed section ``section_id`` with ``picks``
    (each at its published version now); raises as :func:`add_fixed_section`, and
    :class:`InvalidInput` when the section is not a fixed one of the paper."""
    paper = _editable(session, actor, paper)
    section = next((s for s in paper.sections if s.id == section_id and s.fixed), None)
    if section is None:
        raise InvalidInput([Problem(N_("the paper has no such fixed section"), place="section")])
    items = _checked_items(session, paper, picks, leaving_out=section)
    probe = BlueprintSection(position=section.position, title=section.title, fixed=True)
    _fill(probe, items)
    with session.no_autoflush:
        assembly.check_sections(session, [probe if s is section else s for s in paper.sections])
    before = snapshot(paper)
    _fill(section, items)
    _saved(session, clock, actor, paper, before)
    return section


def _saved(session: Session, clock: Clock, actor: User, paper: Paper, before: dict) -> None:
    """Flush a checked change of ``paper`` and audit it as "paper.update"."""
    paper.updated_at = clock.now()
    session.flush()
    audit.record(session, clock, actor, "paper.update", "paper", paper.id, before=before, after=snapshot(paper))


class FixedWarning(StrEnum):
    """What is wrong with a question a fixed paper holds."""

    #: The question was retired from the bank.
    RETIRED = "retired"
    #: The version the paper holds cites an article an amendment changed or dropped (open flag).
    LAW_REVIEW = "law_review"
    #: A newer version was published since the paper was built: republishing would take it.
    NEWER_VERSION = "newer_version"


@dataclass(frozen=True)
class ItemWarning:
    """One fixed item and what is wrong with it (``kinds``, in :class:`FixedWarning` order)."""

    item: FixedItem
    kinds: tuple[FixedWarning, ...]


def warnings(session: Session, paper: Paper) -> list[ItemWarning]:
    """The fixed items of ``paper`` (in paper order) whose question is retired, held for law review
    (an open flag on the version the paper holds) or has a newer published version; the others
    are left out. Two queries, however many items."""
    items = [item for section in paper.sections if section.fixed for item in section.items]
    if not items:
        return []
    flagged = set(session.scalars(select(LawReviewFlag.question_version_id).where(
        LawReviewFlag.question_version_id.in_([i.question_version_id for i in items]), LawReviewFlag.outcome.is_(None))))
    found = []
    for item in items:
        kinds = []
        if not item.question.is_live:
            kinds.append(FixedWarning.RETIRED)
        if item.question_version_id in flagged:
            kinds.append(FixedWarning.LAW_REVIEW)
        if item.question.is_live and item.question.published_version_id != item.question_version_id:
            kinds.append(FixedWarning.NEWER_VERSION)
        if kinds:
            found.append(ItemWarning(item, tuple(kinds)))
    return found


def republish(session: Session, clock: Clock, actor: User, paper: Paper) -> list[FixedItem]:
    """Move every fixed item of ``paper`` to its question's current published version (an explicit
    action: until then the paper keeps the versions it was built with). Returns the items that
    changed (none: nothing is recorded).

    Raises as ``papers.get_paper``, :class:`Conflict` (candidates have sat the paper), or
    :class:`InvalidInput` naming each item whose question is retired (take it off the paper
    first) or whose new version repeats another question on the paper; nothing changes then.
    Audited as "paper.republish" with each changed item's old and new version id.
    """
    paper = _editable(session, actor, paper)
    items = [item for section in paper.sections if section.fixed for item in section.items]
    problems = [Problem(N_("question %(id)s is retired; take it off the paper first"), {"id": item.question_id},
                        _place(item)) for item in items if not item.question.is_live]
    if problems:
        raise InvalidInput(problems)
    seen: dict[str, int] = {}
    for item in items:
        fingerprint = item.question.published_version.fingerprint
        if fingerprint in seen:
            problems.append(Problem(N_("question %(id)s would repeat question %(other)s"),
                                    {"id": item.question_id, "other": seen[fingerprint]}, _place(item)))
        seen.setdefault(fingerprint, item.question_id)
    if problems:
        raise InvalidInput(problems)
    changed = [item for item in items if item.question_version_id != item.question.published_version_id]
    if not changed:
        return []
    versions = {item.id: (item.question_version_id, item.question.published_version_id) for item in changed}
    before = snapshot(paper)
    _move(changed, {item.id: item.question.published_version for item in changed})
    try:
        with session.no_autoflush:
            assembly.check_paper(session, paper)
    except InvalidInput:
        _move(changed, {item.id: session.get(QuestionVersion, versions[item.id][0]) for item in changed})
        raise
    _saved(session, clock, actor, paper, before)
    audit.record(session, clock, actor, REPUBLISH_ACTION, "paper", paper.id,
                 before={"versions": {str(i): old for i, (old, _) in versions.items()}},
                 after={"versions": {str(i): new for i, (_, new) in versions.items()}})
    return changed


def _move(items: list[FixedItem], to: dict[int, QuestionVersion]) -> None:
    """Point each item at ``to[item.id]`` and its section's listed type at its first item's."""
    for item in items:
        item.question_version = to[item.id]
        item.question_version_id = to[item.id].id
        item.section.qtype = item.section.items[0].question_version.qtype


def _place(item: FixedItem) -> Place:
    """The place of a fixed item in problems: its section and its question number there."""
    return Place(section=item.section.position, item=item.position)
