"""Study lists to and from xlsx (one row per item; ``formats.study_list_file`` is the layout).

Importing reads the whole file, resolves every row's law and scope, and creates a draft list
only when all rows resolve: otherwise :class:`InvalidInput` lists every refused row with its
column, and nothing is written. The note row is kept as the list's audience note, and a rank
it names ("县处级以上") becomes the list's rank levels. Exporting writes a list so that importing
the file again gives the same items (law, version, scope, requirement, hours, note).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, PermissionDenied, Problem
from question_bank.formats.study_list_file import read_list_file, write_list_file
from question_bank.models import Law, Requirement, StudyItem, StudyList, User
from question_bank.ranks import levels_named
from question_bank.services import audit, study_lists
from question_bank.services.law_index import LawIndex
from question_bank.services.study_scope import ScopeError, resolve_scope

_YEAR = re.compile(r"(20\d{2})\s*年")


def import_list(session: Session, clock: Clock, actor: User, filename: str, data: bytes, *,
                year: int | None = None, field: str = "") -> StudyList:
    """A draft list from an uploaded workbook. The year is the one given, else the one the title
    names ("2026年度…"). Raises InvalidInput (each problem placed on file, sheet, row, column),
    PermissionDenied."""
    if not actor.has_role(*study_lists.KEEPERS):
        raise PermissionDenied()
    sheet = read_list_file(filename, data)
    index = LawIndex(session)
    problems: list[Problem] = []
    resolved: list[tuple[int, study_lists.ItemValues]] = []
    for row in sheet.rows:
        entry = index.find_law(row.law)
        if entry is None:
            problems.append(Problem(N_("The law catalogue has no law named %(law)s."), {"law": row.law},
                                    sheet.place(row, "law")))
            continue
        law = session.get(Law, entry.id)
        try:
            resolve_scope(session, law, row.scope)
        except ScopeError as error:
            problems.append(Problem(error.message, error.params, sheet.place(row, "scope")))
            continue
        resolved.append((row.row, study_lists.ItemValues(law.id, row.scope, Requirement(row.requirement), row.hours, row.note)))
    named_year = _YEAR.search(sheet.title)
    list_year = year or (int(named_year.group(1)) if named_year else None)
    if list_year is None:
        problems.append(Problem(N_("The title names no year; choose the year."), place="year"))
    if problems:
        raise InvalidInput(problems)
    values = study_lists.ListValues(title=sheet.title or filename, year=list_year, field=field,
                                    audience_note=sheet.audience_note,
                                    levels=[str(v) for v in levels_named(sheet.audience_note)])
    created = study_lists.create_list(session, clock, actor, values)
    for _row, item in resolved:
        study_lists.add_item(session, clock, actor, created, item)
    audit.record(session, clock, actor, "study_list.import", "study_list", created.id,
                 detail=f"{sheet.filename}: {len(resolved)} items")
    return created


def scope_for_export(item: StudyItem) -> str:
    """The scope as exported: as written, with the version named when it is not the law's
    current one (so that importing it again, later, finds the same text)."""
    text = item.scope_text or "全文"
    current = item.law.current_version
    if current is not None and current.id != item.law_version_id and not re.search(r"\d{4}\s*年", text):
        text += f"（{item.law_version.version_date.year}年文本）"
    return text


def export_list(session: Session, clock: Clock, actor: User, study_list: StudyList) -> bytes:
    """The list as a workbook (audited as "export.study_list")."""
    rows = [(item.law.title, scope_for_export(item), item.requirement, item.hours, item.note)
            for item in study_list.items]
    audit.record(session, clock, actor, "export.study_list", "study_list", study_list.id)
    return write_list_file(study_list.title, study_list.audience_note, rows)
