"""Item exposure control (issue 9, "Papers"): a make-up candidate is not given the questions of
their earlier attempts, and a question stops being drawn once it reached the paper's yearly cap."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from question_bank.errors import InvalidInput
from question_bank.models import AuditEvent, ExamKind, Role
from question_bank.services import attempts, exposure
from question_bank.services.attempts import PaperUnavailable


def question_ids(attempt) -> set[int]:
    return {item.question_version.question_id for item in attempt.items}


@pytest.fixture
def admin(make):
    return make.user(Role.EXAM_ADMIN)


def set_rules(db, clock, admin, paper, avoid_seen=False, cap=None):
    paper.org_unit = admin.org_unit
    exposure.set_exposure(db, clock, admin, paper, avoid_seen, cap)
    db.commit()


def sit(db, clock, make, paper, cadre, kind=ExamKind.ANNUAL):
    sitting = make.sitting(paper, roster=[cadre], kind=kind)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


def test_a_make_up_candidate_is_never_given_a_question_of_their_earlier_attempt(db, clock, make, admin):
    make.questions(4)
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    set_rules(db, clock, admin, paper, avoid_seen=True)
    cadre, other = make.cadre(), make.cadre()
    first = sit(db, clock, make, paper, cadre)
    for _ in range(5):  # whatever the seeds, the make-up draws the two questions not seen
        make_up = make.sitting(paper, roster=[cadre], kind=ExamKind.MAKEUP)
        again = attempts.start_attempt(db, clock, cadre, make_up)
        assert not question_ids(again) & question_ids(first)
        db.rollback()
    # Someone else may be given any of them.
    seen_by_other = set()
    for _ in range(12):
        sitting = make.sitting(paper, roster=[other])
        seen_by_other |= question_ids(attempts.start_attempt(db, clock, other, sitting))
        db.rollback()
    assert question_ids(first) & seen_by_other


def test_a_shortfall_caused_by_the_seen_rule_says_so(db, clock, make, admin):
    make.questions(3)
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    set_rules(db, clock, admin, paper, avoid_seen=True)
    cadre = make.cadre()
    sit(db, clock, make, paper, cadre)
    make_up = make.sitting(paper, roster=[cadre], kind=ExamKind.MAKEUP)
    with pytest.raises(PaperUnavailable) as refused:
        attempts.start_attempt(db, clock, cadre, make_up)
    text = str(refused.value.shortfalls[0])
    assert "requested 2, available 1 once exposure rules" in text and "2 seen by this candidate before" in text


def test_the_yearly_cap_stops_a_question_being_drawn_until_the_next_year(db, clock, make, admin):
    make.questions(4)
    paper = make.paper([("single_choice", 2, 50, "行政处罚法")])
    set_rules(db, clock, admin, paper, cap=1)
    one, two, three = make.cadre(), make.cadre(), make.cadre()
    first, second = sit(db, clock, make, paper, one), sit(db, clock, make, paper, two)
    assert not question_ids(first) & question_ids(second)
    sitting = make.sitting(paper, roster=[three])
    with pytest.raises(PaperUnavailable) as refused:
        attempts.start_attempt(db, clock, three, sitting)
    assert "4 at the yearly cap" in str(refused.value.shortfalls[0])
    [pool] = exposure.pool_exposure(db, paper, clock.now())
    assert (pool.questions, pool.seen, pool.most_seen_by, pool.at_cap) == (4, 4, 1, 4)

    next_year = clock.now().replace(year=clock.now().year + 1)
    clock.set(next_year)
    later = make.sitting(paper, roster=[three])
    assert len(attempts.start_attempt(db, clock, three, later).items) == 2


def test_exposure_rules_are_audited_and_a_bad_cap_is_refused_naming_the_field(db, clock, make, admin):
    paper = make.paper()
    set_rules(db, clock, admin, paper, avoid_seen=True, cap=3)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.exposure")).one()
    assert event.after == {"avoid_seen": True, "yearly_cap": 3}
    with pytest.raises(InvalidInput) as refused:
        exposure.set_exposure(db, clock, admin, paper, True, 0)
    assert refused.value.problems[0].place == "yearly_cap"


def test_the_year_runs_by_china_time():
    start, end = exposure.year_bounds(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc))
    assert start.year == 2027 and end.year == 2028
