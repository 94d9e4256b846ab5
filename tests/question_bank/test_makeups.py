"""Make-up sittings (补考): linked to the sitting they make up for, a roster that starts with
those who failed or were absent there, and a score sheet showing the first attempt beside the
make-up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.errors import InvalidInput
from question_bank.models import Attempt, AuditEvent, ExamKind, Role
from question_bank.reports.score_sheet import (
    COL_FIRST_ENDED, COL_FIRST_SCORE, COL_MAKEUP_ENDED, COL_MAKEUP_SCORE, COL_MAKEUP_SITTING, MAKEUP_HEADERS,
    WITH_MAKEUP_HEADERS,
)
from question_bank.services import attempts, makeups, score_sheets
from question_bank.services import sittings as sitting_service
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.scenarios import handed_in


@pytest.fixture
def first_sitting(make, db, clock):
    """Four cadres at a closed sitting: one passed, one failed, one absent, and one whose attempt
    is not decided yet (passed unknown, as while a short answer awaits its marker)."""
    make.questions(2, "single_choice", key=["B"])
    admin = make.user(Role.EXAM_ADMIN)
    cadres = [make.cadre(display_name=name) for name in ("及格者", "不及格者", "缺考者", "待阅者")]
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    sitting = make.sitting(paper, roster=cadres, opens_at=at("09:00:00"), closes_at=at("12:00:00"), shuffle=False)
    passer, failer, _absent, pending = cadres
    for cadre, answer in ((passer, ["B"]), (failer, ["A"]), (pending, ["B"])):
        handed_in(db, clock, cadre, sitting, {1: answer, 2: answer})
    pending_attempt = db.scalars(select(Attempt).where(Attempt.user_id == pending.id)).one()
    pending_attempt.passed = None  # as if a short answer still awaited its marker
    sitting.roster[1].extra_time_s = 600  # the failer's accommodation carries over
    db.commit()
    clock.set(at("13:00:00"))
    return {"admin": admin, "cadres": cadres, "sitting": sitting, "paper": paper}


def _makeup_spec(first, **changes) -> SittingSpec:
    values = dict(title="补考", kind=ExamKind.MAKEUP, paper_id=first["paper"].id, opens_at=at("14:00:00"),
                  closes_at=at("17:00:00"), time_limit_s=1800, makeup_of_id=first["sitting"].id,
                  shuffle_questions=False, shuffle_options=False)
    values.update(changes)
    return SittingSpec(**values)


def test_a_makeup_roster_defaults_to_those_who_failed_or_were_absent(db, clock, first_sitting):
    makeup = sitting_service.create_sitting(db, clock, first_sitting["admin"], _makeup_spec(first_sitting))
    names = sorted(entry.user.display_name for entry in makeup.roster)
    assert names == ["不及格者", "缺考者"]
    assert {e.user.display_name: e.extra_time_s for e in makeup.roster}["不及格者"] == 600
    assert makeups.original_of(db, makeup).id == first_sitting["sitting"].id
    assert makeups.makeups_of(db, first_sitting["sitting"]) == [makeup]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "sitting.makeup_roster"))
    assert event.after == {"makeup_of": first_sitting["sitting"].id, "added": 2, "awaiting_marking": 1}


@pytest.mark.parametrize("changes, message", [
    ({"kind": ExamKind.ANNUAL}, "only a make-up sitting"),
    ({"opens_at": at("11:00:00")}, "must open after"),
])
def test_a_makeup_link_that_makes_no_sense_is_refused(db, clock, first_sitting, changes, message):
    with pytest.raises(InvalidInput) as refused:
        sitting_service.create_sitting(db, clock, first_sitting["admin"], _makeup_spec(first_sitting, **changes))
    assert any(message in str(p) and p.place == "makeup_of" for p in refused.value.problems)


def _makeup_passed_by_the_failer(db, clock, first_sitting):
    """The make-up of ``first_sitting``, which the one who failed the first takes at 14:05 and
    passes (both answers right); the clock at 17:30, after it closed. Returns the make-up."""
    makeup = sitting_service.create_sitting(db, clock, first_sitting["admin"], _makeup_spec(first_sitting))
    db.commit()
    clock.set(at("14:05:00"))
    handed_in(db, clock, first_sitting["cadres"][1], makeup, {1: ["B"], 2: ["B"]})
    db.commit()
    clock.set(at("17:30:00"))
    return makeup


def test_the_makeup_score_sheet_shows_the_first_attempt_beside_the_makeup(db, clock, make, first_sitting):
    makeup = _makeup_passed_by_the_failer(db, clock, first_sitting)
    hr = make.user(Role.HR)
    headers, rows = score_sheets.score_sheet(db, clock, makeup, hr)
    assert headers == MAKEUP_HEADERS
    by_name = {row.name: dict(zip(headers, row)) for row in rows}
    assert by_name["不及格者"]["考试类别"] == "补考" and by_name["不及格者"]["成绩"] == Decimal(100)
    assert by_name["不及格者"][COL_FIRST_SCORE] == Decimal(0) and by_name["不及格者"]["首考是否合格"] == "不合格"
    assert by_name["缺考者"][COL_FIRST_ENDED] == "缺考" and by_name["缺考者"][COL_FIRST_SCORE] is None
    assert by_name["缺考者"]["结束方式"] == "缺考"


def test_the_original_score_sheet_shows_each_candidates_makeup_result(db, clock, make, first_sitting):
    makeup = _makeup_passed_by_the_failer(db, clock, first_sitting)
    headers, rows = score_sheets.score_sheet(db, clock, first_sitting["sitting"], make.user(Role.HR))
    assert headers == WITH_MAKEUP_HEADERS
    by_name = {row.name: dict(zip(headers, row)) for row in rows}
    # The original's own columns are unchanged: the failer still failed there.
    assert by_name["不及格者"]["成绩"] == Decimal(0) and by_name["不及格者"]["考试类别"] == "首考"
    assert (by_name["不及格者"][COL_MAKEUP_SITTING], by_name["不及格者"][COL_MAKEUP_SCORE],
            by_name["不及格者"]["补考是否合格"]) == ("补考", Decimal(100), "合格")
    assert (by_name["缺考者"][COL_MAKEUP_ENDED], by_name["缺考者"][COL_MAKEUP_SCORE]) == ("缺考", None)
    # Someone who passed was never on the make-up's roster: its cells stay empty.
    assert [by_name["及格者"][h] for h in headers[-4:]] == ["", "", None, ""]


def test_a_candidate_whose_overdue_attempt_was_never_closed_is_on_the_default_roster(db, clock, make):
    """Issue 6: the attempt ran out while no request came to close it, so the database still says
    "in progress"; building the roster closes it (auto-submitted, failed) and includes its candidate."""
    make.questions(2, "single_choice", key=["B"])
    admin = make.user(Role.EXAM_ADMIN)
    quitter = make.cadre(display_name="中途离开者")
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    sitting = make.sitting(paper, roster=[quitter], opens_at=at("09:00:00"), closes_at=at("12:00:00"), shuffle=False)
    clock.set(at("09:10:00"))
    attempt = attempts.start_attempt(db, clock, quitter, sitting)
    attempts.save_response(db, clock, quitter, attempt.id, 1, ["A"], 1)
    db.commit()
    clock.set(at("13:00:00"))
    assert db.get(Attempt, attempt.id).state == "in_progress"
    first = {"sitting": sitting, "paper": paper}
    makeup = sitting_service.create_sitting(db, clock, admin, _makeup_spec(first))
    assert [entry.user.display_name for entry in makeup.roster] == ["中途离开者"]
    assert db.get(Attempt, attempt.id).state == "auto_submitted"
