"""Study progress for HR (issue 11, "Progress for HR"; domain.md §2, §8): per cadre and per unit,
for one list version, within the HR officer's unit subtree: items studied, hours recorded,
practice questions answered, accuracy and wrong-answer book size (from
:mod:`question_bank.services.practice_figures`).

Sheets are ``(headers, rows)`` so that the preview, CSV and xlsx come from the same rows
(``formats.tabular`` writes them, as for the score sheet); every download is the audit event
"export.study_progress".
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import NotFound
from question_bank.models import ListStatus, Role, StudyList, StudyProgress, User
from question_bank.services import audit, protection
from question_bank.services.practice_figures import PracticeFigures, practice_figures
from question_bank.services.study_progress import hours_of
from question_bank.services.study_targets import cadres_reached

READER_ROLES = (Role.HR,)
EXPORT_ACTION = "export.study_progress"

CADRE_HEADERS = ("单位", "姓名", "职级", "已学条目", "条目总数", "学习时长（小时）", "练习题数", "正确率", "错题本题数")
UNIT_HEADERS = ("单位", "人数", "全部学完人数", "已学条目合计", "学习时长（小时）", "练习题数", "正确率", "错题本题数")


def lists_for_reader(session: Session, viewer: User) -> list[StudyList]:
    """Published list versions (current and superseded) aimed at units that overlap the viewer's subtree."""
    protection.require_role(viewer, *READER_ROLES)
    found = session.scalars(select(StudyList).where(StudyList.status != ListStatus.DRAFT)
                            .order_by(StudyList.year.desc(), StudyList.title, StudyList.version_no.desc()))
    return [s for s in found if protection.shares_reach(viewer, s.target_units)]


def visible_list(session: Session, viewer: User, list_id: int) -> StudyList:
    """A published list version the viewer reports on; :class:`NotFound` otherwise."""
    protection.require_role(viewer, *READER_ROLES)
    found = session.get(StudyList, list_id)
    if found is None or found.status == ListStatus.DRAFT or not protection.shares_reach(viewer, found.target_units):
        raise NotFound()
    return found


def _accuracy(figures: PracticeFigures) -> Decimal | None:
    value = figures.accuracy
    return None if value is None else (value * 100).quantize(Decimal("0.1"))


def _per_cadre(session: Session, viewer: User, study_list: StudyList) -> list[tuple[User, tuple[Any, ...], PracticeFigures]]:
    """Each cadre the list reaches in the viewer's subtree, with their sheet row and practice figures."""
    protection.require_role(viewer, *READER_ROLES)
    cadres = cadres_reached(session, study_list, within=viewer.org_unit)
    ids = [c.id for c in cadres]
    item_ids = [i.id for i in study_list.items]
    studied: dict[int, tuple[int, int]] = {}
    if ids and item_ids:
        for user_id, done, seconds in session.execute(
                select(StudyProgress.user_id, func.count(StudyProgress.studied_at), func.sum(StudyProgress.seconds_spent))
                .where(StudyProgress.user_id.in_(ids), StudyProgress.study_item_id.in_(item_ids))
                .group_by(StudyProgress.user_id)):
            studied[user_id] = (done, int(seconds or 0))
    practice = practice_figures(session, ids)
    found = []
    for cadre in cadres:
        done, seconds = studied.get(cadre.id, (0, 0))
        figures = practice.get(cadre.id, PracticeFigures(0, 0, 0))
        found.append((cadre, (cadre.org_unit.name, cadre.display_name, cadre.rank or "", done, len(item_ids),
                              hours_of(seconds), figures.answered, _accuracy(figures), figures.wrong_book), figures))
    return found


def cadre_rows(session: Session, viewer: User, study_list: StudyList) -> list[tuple[Any, ...]]:
    """One row per cadre the list reaches in the viewer's subtree (:data:`CADRE_HEADERS`), by unit;
    hours to two decimals; accuracy in percent to one decimal, empty when nothing was practised.
    Raises :class:`PermissionDenied` for anyone but HR."""
    return [row for _cadre, row, _figures in _per_cadre(session, viewer, study_list)]


def unit_rows(session: Session, viewer: User, study_list: StudyList) -> list[tuple[Any, ...]]:
    """:func:`cadre_rows` summed per unit (:data:`UNIT_HEADERS`), in unit order: cadres, cadres
    who studied every item, items studied, hours, practice answered, accuracy, wrong-answer book."""
    by_unit: dict[str, list] = defaultdict(lambda: [0, 0, 0, Decimal(0), 0, 0, 0])
    for _cadre, row, figures in _per_cadre(session, viewer, study_list):
        total = by_unit[row[0]]
        total[0] += 1
        total[1] += 1 if row[3] == row[4] and row[4] else 0
        total[2] += row[3]
        total[3] += row[5]
        total[4] += figures.answered
        total[5] += figures.correct
        total[6] += figures.wrong_book
    return [(unit, n, done, items, hours, answered, _accuracy(PracticeFigures(answered, correct, 0)), wrong)
            for unit, (n, done, items, hours, answered, correct, wrong) in by_unit.items()]


def export_progress(session: Session, clock: Clock, viewer: User, study_list: StudyList, per: str,
                    file_format: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The sheet per "cadre" or "unit" for a download, audited in the caller's transaction."""
    rows = cadre_rows(session, viewer, study_list) if per == "cadre" else unit_rows(session, viewer, study_list)
    audit.record(session, clock, viewer, EXPORT_ACTION, "study_list", study_list.id,
                 after={"per": per, "format": file_format, "rows": len(rows), "scope_unit": viewer.org_unit_id})
    return (CADRE_HEADERS if per == "cadre" else UNIT_HEADERS), rows

