"""Loading sittings' results into item-analysis score matrices (issue 6, "Reports"); the
statistics themselves are ``question_bank.analysis.item_analysis`` (pure). Reads only: nothing is
closed, changed or audited here (the views audit a download).

Rules:
- exam admins and auditors read the sittings of their unit subtree; any other sitting is
  :class:`NotFound`, exactly like one that does not exist;
- each candidate counts once, with their first closed attempt: a later attempt follows a review
  of the same paper, so its answers say less about the questions;
- an attempt counts only when its score agrees with the score ledger (``score_check``); one still
  awaiting marking, or whose score does not agree, is left out and counted, so the page can say so;
- an item's score is its newest mark ÷ its mark (partial credit as a share); the options chosen
  are the slot's current response, and the key options are those of the key in force in the
  sitting (``item_overrides.key_in_force``: the corrected key after a key-correction regrade).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.analysis.item_analysis import Cell, Item, ScoreMatrix
from question_bank.models import CLOSED_STATES, Attempt, QuestionVersion, Role, Sitting, User
from question_bank.services import item_overrides, protection, score_check
from question_bank.services.regrade import attempts_with_marks_and_answers
from question_bank.types.choice import letters_for

#: Roles that read item analysis (the web guard says the same; this is the domain's own check).
READER_ROLES = (Role.EXAM_ADMIN, Role.AUDITOR)
#: How a true/false response shows among the options.
TRUE_FALSE_OPTIONS = {True: "对", False: "错"}


def sittings_in_scope(session: Session, viewer: User) -> list[Sitting]:
    """The sittings of the viewer's unit subtree, latest window first."""
    protection.require_role(viewer, *READER_ROLES)
    return list(session.scalars(protection.scoped(Sitting, viewer).order_by(Sitting.opens_at.desc(), Sitting.id.desc())))


def visible_sitting(session: Session, viewer: User, sitting_id: int) -> Sitting:
    """The sitting if it is in the viewer's subtree; :class:`NotFound` otherwise."""
    return protection.get_in_scope(session, viewer, Sitting, sitting_id, *READER_ROLES)


@dataclass(frozen=True)
class Candidate:
    """A counted attempt as the charts need it: the candidate's unit, the checked score and
    whether it passed, and the sitting it belongs to."""

    sitting_id: int
    unit: str
    score: Decimal
    max_score: Decimal
    passed: bool


@dataclass(frozen=True)
class Loaded:
    """A score matrix with the counted candidates (in row order), and how many closed attempts
    were left out because they await marking (``unmarked``) or disagree with the ledger
    (``unverified``). ``voided``: the question versions left out of the matrix because their
    question was voided for a sitting (full marks to all, or out of the total: their marks say
    nothing about the candidates), each with its stem."""

    matrix: ScoreMatrix
    candidates: tuple[Candidate, ...]
    unmarked: int
    unverified: int
    versions: dict[int, QuestionVersion]
    voided: dict[int, QuestionVersion] = field(default_factory=dict)


def _first_closed(session: Session, sitting_ids: Sequence[int]) -> list[int]:
    """Ids of each candidate's first closed attempt at each of the sittings."""
    first: dict[tuple[int, int], tuple[int, int]] = {}
    rows = session.execute(
        select(Attempt.id, Attempt.sitting_id, Attempt.user_id, Attempt.attempt_no)
        .where(Attempt.sitting_id.in_(list(sitting_ids)), Attempt.state.in_([str(s) for s in CLOSED_STATES])))
    for attempt_id, sitting_id, user_id, attempt_no in rows:
        known = first.get((sitting_id, user_id))
        if known is None or attempt_no < known[0]:
            first[(sitting_id, user_id)] = (attempt_no, attempt_id)
    return sorted(attempt_id for _, attempt_id in first.values())


def option_labels(version: QuestionVersion) -> tuple[str, ...]:
    """The options a response can pick: letters of a choice question, 对/错 of a true/false one,
    none for the others."""
    if version.qtype == "true_false":
        return tuple(TRUE_FALSE_OPTIONS.values())
    return tuple(letters_for(len(version.options))) if version.options else ()


def chosen_labels(version: QuestionVersion, answer: Any) -> frozenset[str]:
    """The options a stored response picked, in :func:`option_labels` terms."""
    if version.qtype == "true_false":
        return frozenset({TRUE_FALSE_OPTIONS[answer]}) if isinstance(answer, bool) else frozenset()
    if version.options and isinstance(answer, list):
        return frozenset(a for a in answer if isinstance(a, str))
    return frozenset()


def _item(version: QuestionVersion, keys: Counter[str]) -> Item:
    """The matrix item of ``version``, its options marked by the key its candidates were scored by
    (a sitting's corrected key after a key-correction regrade); pooled over sittings that disagree,
    the key most of its counted candidates were scored by."""
    key = json.loads(keys.most_common(1)[0][0]) if keys else version.key
    return Item(version.id, version.stem, option_labels(version), chosen_labels(version, key))


def load(session: Session, sittings: Iterable[Sitting]) -> Loaded:
    """The score matrix of ``sittings`` (already checked to be in the viewer's scope): items are
    question versions, in order of first appearance; rows the counted attempts."""
    ids = [s.id for s in sittings]
    attempt_ids = _first_closed(session, ids) if ids else []
    attempts, marks, answers = attempts_with_marks_and_answers(session, attempt_ids)
    newest = score_check.newest_entries(session, attempt_ids)
    rows: list[dict[Hashable, Cell]] = []
    candidates: list[Candidate] = []
    versions: dict[int, QuestionVersion] = {}
    unmarked = unverified = 0
    voided: dict[int, QuestionVersion] = {}
    # Questions voided for a sitting (regrade) are left out of its rows, and named on the page.
    overrides = {sitting_id: item_overrides.for_sitting(session, sitting_id) for sitting_id in ids}
    void_questions = {sitting_id: {question_id for question_id, o in found.items() if o.voids}
                      for sitting_id, found in overrides.items()}
    keys: dict[int, Counter[str]] = defaultdict(Counter)
    for attempt_id in attempt_ids:
        attempt = attempts[attempt_id]
        result = score_check.check(attempt, newest.get(attempt_id))
        if not result.trusted or any(item.id not in marks for item in attempt.items):
            unverified += result.suspect
            unmarked += not result.suspect
            continue
        row: dict[Hashable, Cell] = {}
        for item in attempt.items:
            version = item.question_version
            if version.question_id in void_questions.get(attempt.sitting_id, ()):
                voided.setdefault(version.id, version)
                continue
            versions.setdefault(version.id, version)
            in_force = item_overrides.key_in_force(version, overrides[attempt.sitting_id].get(version.question_id))
            keys[version.id][json.dumps(in_force, sort_keys=True)] += 1
            share = min(Decimal(1), marks[item.id].score / item.mark)
            row[version.id] = Cell(float(share), float(item.mark),
                                   chosen_labels(version, answers.get((attempt_id, item.slot))))
        rows.append(row)
        candidates.append(Candidate(attempt.sitting_id, attempt.user.org_unit.name, result.score,
                                    result.max_score, bool(result.passed)))
    items = tuple(_item(v, keys[v.id]) for v in versions.values())
    return Loaded(ScoreMatrix(items, tuple(rows)), tuple(candidates), unmarked, unverified, versions, voided)


def versions_used(session: Session, viewer: User) -> Loaded:
    """The pool: every counted attempt of every sitting in the viewer's scope, so that each
    question version's statistics cover all the sittings that used it."""
    return load(session, sittings_in_scope(session, viewer))


def sittings_using(loaded: Loaded, version_id: int) -> set[int]:
    """Ids of the sittings among ``loaded`` whose counted candidates were given ``version_id``."""
    return {c.sitting_id for c, row in zip(loaded.candidates, loaded.matrix.rows) if version_id in row}
