"""Study lists to and from xlsx (one row per item; ``formats.study_list_file`` is the layout).

Importing reads the whole file, resolves every row's law and scope, and creates a draft list
only when all rows resolve: otherwise :class:`InvalidInput` lists every refused row with its
column, and nothing is written; two rows of the same law and scope are refused naming both, and
a cell holding a formula without a saved value is refused, never read as empty. The note row is
kept as the list's audience note, and a rank it names ("县处级以上") becomes the list's rank
levels unless a particulars row (清单信息: 年度, 适用单位, 适用职级) says otherwise. Exporting
writes a list with that row, so that importing the file again gives the same list: year, target
units, rank levels ("全部职级" for every rank) and items (law, version, scope, requirement, hours,
note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank import ranks
from question_bank.clock import Clock
from question_bank.errors import N_, InvalidInput, Place, Problem
from question_bank.formats.study_list_file import ALL_RANKS, ListFile, read_list_file, write_list_file
from question_bank.models import Law, OrgUnit, Requirement, StudyItem, StudyList, User
from question_bank.ranks import levels_named
from question_bank.services import audit, protection, study_lists
from question_bank.services.law_index import LawIndex
from question_bank.services.study_scope import ScopeError, resolve_scope

_YEAR = re.compile(r"(20\d{2})\s*年")


def import_list(session: Session, clock: Clock, actor: User, filename: str, data: bytes, *,
                year: int | None = None, field: str = "") -> StudyList:
    """A draft list from an uploaded workbook. The year is the one given, else the one the title
    names ("2026年度…"). Raises InvalidInput (each problem placed on file, sheet, row, column),
    PermissionDenied."""
    protection.require_role(actor, *study_lists.KEEPERS)
    sheet = read_list_file(filename, data)
    index = LawIndex(session)
    problems: list[Problem] = []
    resolved: list[tuple[int, study_lists.ItemValues]] = []
    first_rows: dict[tuple[int, str], int] = {}
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
        key = (law.id, re.sub(r"\s+", "", row.scope or "全文"))
        if key in first_rows:
            problems.append(Problem(N_("Row %(row)d repeats row %(first)d: the same law and scope. Delete one of them."),
                                    {"row": row.row, "first": first_rows[key]}, sheet.place(row, "scope")))
            continue
        first_rows[key] = row.row
        resolved.append((row.row, study_lists.ItemValues(law.id, row.scope, Requirement(row.requirement), row.hours, row.note)))
    audience = _audience(session, sheet, problems)
    named_year = _YEAR.search(sheet.title)
    list_year = year or audience.year or (int(named_year.group(1)) if named_year else None)
    if list_year is None:
        problems.append(Problem(N_("The title names no year; choose the year."), place="year"))
    if problems:
        raise InvalidInput(problems)
    levels = audience.levels if audience.levels is not None else [str(v) for v in levels_named(sheet.audience_note)]
    values = study_lists.ListValues(title=sheet.title or filename, year=list_year, field=field,
                                    audience_note=sheet.audience_note, target_unit_ids=audience.unit_ids,
                                    levels=levels)
    created = study_lists.create_list(session, clock, actor, values)
    for _row, item in resolved:
        study_lists.add_item(session, clock, actor, created, item)
    audit.record(session, clock, actor, "study_list.import", "study_list", created.id,
                 detail=f"{sheet.filename}: {len(resolved)} items")
    return created


@dataclass
class _Audience:
    """What a particulars row set: the year, the target units' ids, the rank levels (None: the row
    names none, so the note's words decide)."""

    year: int | None = None
    unit_ids: list[int] = field(default_factory=list)
    levels: list[str] | None = None


def _audience(session: Session, sheet: ListFile, problems: list[Problem]) -> _Audience:
    """The particulars row read against the catalogue of units and the rank levels; a value that
    names nothing known is a problem placed on that row."""
    found = _Audience()
    given = sheet.particulars
    place = Place(file=sheet.filename, sheet=sheet.sheet, row=sheet.particulars_row)
    if given.get("year"):
        if re.fullmatch(r"\d{4}", given["year"].removesuffix("年")):
            found.year = int(given["year"].removesuffix("年"))
        else:
            problems.append(Problem(N_("The year must be written as four digits, not %(value)s."),
                                    {"value": given["year"]}, place))
    for name in _names(given.get("units", "")):
        units = session.scalars(select(OrgUnit).where(OrgUnit.name == name)).all()
        if len(units) != 1:
            problems.append(Problem(N_("No single unit is named %(name)s.") if units else N_("No unit is named %(name)s."),
                                    {"name": name}, place))
        else:
            found.unit_ids.append(units[0].id)
    if "levels" in given:
        words = _names(given["levels"])
        by_name = {name: level for level, name in ranks.NAMES.items()}
        if words == [ALL_RANKS]:
            found.levels = []
        else:
            unknown = [w for w in words if w not in by_name]
            if unknown or not words:
                problems.append(Problem(N_("Rank levels must be named as %(names)s, or %(all)s, not %(value)s."),
                                        {"names": "、".join(ranks.NAMES.values()), "all": ALL_RANKS,
                                         "value": given["levels"] or "—"}, place))
            else:
                found.levels = [str(by_name[w]) for w in words]
    return found


def _names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、，,;；]", text) if part.strip()]


def _particulars(study_list: StudyList) -> dict[str, str]:
    levels = [ranks.NAMES[ranks.Level(v)] for v in study_list.target_levels]
    found = {"year": str(study_list.year)}
    if study_list.target_unit_rows:
        found["units"] = "、".join(row.org_unit.name for row in study_list.target_unit_rows)
    found["levels"] = "、".join(levels) or ALL_RANKS
    return found


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
    return write_list_file(study_list.title, study_list.audience_note, rows, _particulars(study_list))
