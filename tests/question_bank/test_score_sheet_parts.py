"""A big sitting's score sheet is built a part of the roster at a time (issue 7): HR must get the
same cells as from the sheet built from the whole roster at once, for every kind of row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from question_bank import idnumbers
from question_bank.models import ExamKind, Role, UnitLevel
from question_bank.reports import score_sheet as sheets
from question_bank.services import attempts, makeups, proctoring, score_check, score_sheets
from question_bank.services import sittings as sitting_service
from question_bank.services.sittings import SittingSpec
from tests import tamper
from tests.conftest import at
from tests.scenarios import handed_in

def id_number(first17: str) -> str:
    return first17 + idnumbers.check_character(first17)


RIGHT, WRONG = {1: ["B"], 2: ["B"]}, {1: ["A"], 2: ["A"]}


@pytest.fixture
def every_kind(make, db, clock, engine):
    """A closed sitting whose roster, spread over two units in an order other than the roster's,
    holds every kind of row: passed, failed, absent, voided, re-opened and handed in again, a score
    changed behind the ledger's back (withheld), a second attempt (补考), one left open and closed at its deadline;
    and its make-up, which the one who failed passes. Returns (sitting, make-up, HR of the province)."""
    make.questions(2, "single_choice", key=["B"])
    admin = make.user(Role.EXAM_ADMIN)
    south, north = make.unit("乙市", level=UnitLevel.CITY), make.unit("甲市", level=UnitLevel.CITY)
    names = ("及格者", "不及格者", "缺考者", "作废者", "重开者", "篡改者", "二考者", "未交卷者")
    cadres = {name: make.cadre(display_name=name, unit=(south, north)[n % 2], id_number=id_number(f"110101199003114{n:02d}"))
              for n, name in enumerate(names)}
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    sitting = make.sitting(paper, roster=list(cadres.values()), opens_at=at("09:00:00"), closes_at=at("12:00:00"),
                           shuffle=False, attempts_allowed=2)
    handed_in(db, clock, cadres["及格者"], sitting, RIGHT)
    handed_in(db, clock, cadres["不及格者"], sitting, WRONG)
    voided = handed_in(db, clock, cadres["作废者"], sitting, RIGHT)
    proctoring.void_attempt(db, clock, admin, voided.id, "替考")
    reopened = handed_in(db, clock, cadres["重开者"], sitting, RIGHT)
    clock.set(at("10:20:00"))
    proctoring.reopen_attempt(db, clock, admin, reopened.id, "手机故障", at("10:40:00"))
    clock.set(at("10:25:00"))
    attempts.submit_attempt(db, clock, cadres["重开者"], reopened.id)
    changed = handed_in(db, clock, cadres["篡改者"], sitting, WRONG)
    handed_in(db, clock, cadres["二考者"], sitting, WRONG)
    clock.set(at("10:30:00"))
    handed_in(db, clock, cadres["二考者"], sitting, RIGHT)
    attempts.start_attempt(db, clock, cadres["未交卷者"], sitting, None)  # left open: closed at its deadline later
    db.commit()
    tamper.execute(engine, db, "UPDATE attempt SET score = max_score, band = 'excellent', passed = :t WHERE id = :id",
                   t=True, id=changed.id)
    clock.set(at("13:00:00"))
    makeup = sitting_service.create_sitting(db, clock, admin, SittingSpec(
        title="补考", kind=ExamKind.MAKEUP, paper_id=paper.id, opens_at=at("14:00:00"), closes_at=at("17:00:00"),
        time_limit_s=1800, makeup_of_id=sitting.id, shuffle_questions=False, shuffle_options=False))
    db.commit()
    clock.set(at("14:05:00"))
    handed_in(db, clock, cadres["不及格者"], makeup, RIGHT)
    db.commit()
    clock.set(at("17:30:00"))
    return sitting, makeup, make.user(Role.HR)


def whole_roster_sheet(db, clock, sitting, viewer):
    """The sheet as it was built before issue 7: every roster entry, attempt and ledger entry of
    the sheet loaded at once, then the rows."""
    entries = score_sheets._entries_in_scope(db, viewer, [sitting.id])
    ids = score_sheets.related_sitting_ids(db, sitting)
    loaded = score_sheets._attempts_in_scope(db, viewer, ids)
    results = score_check.checked_scores(db, (a for i in ids for group in loaded[i].values() for a in group))
    original, later, now = makeups.original_of(db, sitting), makeups.makeups_of(db, sitting), clock.now()
    if original is not None:
        return sheets.build_makeup(sitting, original, entries, loaded[sitting.id], loaded[original.id], results, now)
    rosters = [(m, loaded[m.id], {e.user_id: e for e in m.roster}) for m in later]
    return sheets.build_with_makeups(sitting, entries, loaded[sitting.id], rosters, results, now)


def cells(rows) -> list[tuple]:
    return [tuple(row) for row in rows]


def test_a_sheet_built_in_parts_has_the_cells_of_the_sheet_built_from_the_whole_roster(db, clock, every_kind, monkeypatch):
    sitting, makeup, hr = every_kind
    monkeypatch.setattr(score_sheets, "SHEET_CHUNK", 3)  # 8 entries: three parts, each unit in two of them
    headers, rows = score_sheets.score_sheet(db, clock, sitting, hr)
    expected_headers, expected = whole_roster_sheet(db, clock, sitting, hr)
    assert headers == expected_headers == sheets.WITH_MAKEUP_HEADERS
    assert cells(rows) == cells(expected)
    said = " ".join(f"{row.ended} {row.check} {row.attempt_kind} {row.passed} {row.other_ended}" for row in rows)
    for kind in ("合格", "不合格", "缺考", "作废：", sheets.REOPENED, "与成绩档案不符", sheets.MAKEUP_ATTEMPT,
                 sheets.CHECK_AGREES, "交卷", "到时自动交卷"):
        assert kind in said, kind
    assert [row.unit for row in rows] == ["乙市"] * 4 + ["甲市"] * 4  # by unit, then roster order
    withheld = next(row for row in rows if row.name == "篡改者")
    assert withheld.score is None and sheets.is_withheld(withheld)

    makeup_headers, makeup_rows = score_sheets.score_sheet(db, clock, makeup, hr)
    expected_headers, expected = whole_roster_sheet(db, clock, makeup, hr)
    assert makeup_headers == expected_headers == sheets.MAKEUP_HEADERS
    assert cells(makeup_rows) == cells(expected) and len(makeup_rows) == 4


def test_the_full_id_export_pairs_each_row_with_its_own_entry_across_parts(db, clock, every_kind, monkeypatch):
    sitting, _makeup, hr = every_kind
    monkeypatch.setattr(score_sheets, "SHEET_CHUNK", 3)
    _headers, rows, entries = score_sheets.score_sheet_of_entries(db, clock, sitting, hr)
    assert [row.name for row in rows] == [entry.user.display_name for entry in entries]
    assert len(entries) == 8
