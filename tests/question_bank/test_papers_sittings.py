"""Paper blueprints, sittings and rosters at the service level (domain.md §5, §2 scope, §9 audit)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from question_bank.idnumbers import check_character
from question_bank.models import Attempt, AttemptState, AuditEvent, Category, Paper, Role, RosterEntry, Sitting, UnitLevel
from question_bank.reports.score_sheet import CandidateStatus
from question_bank.services import attempts, deadlines, papers, review, roster, sittings
from question_bank.services.papers import PaperSpec, SectionSpec
from question_bank.services.sittings import SittingSpec
from tests.conftest import at
from tests.factories import roster_xlsx


@pytest.fixture
def org(make):
    """Two cities under the province, a department in city A, an exam admin in each city."""
    city_a = make.unit("甲市", level=UnitLevel.CITY)
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    dept_a = make.unit("甲市司法局", parent=city_a)
    return {
        "city_a": city_a, "city_b": city_b, "dept_a": dept_a,
        "admin_a": make.user(Role.EXAM_ADMIN, unit=city_a),
        "admin_b": make.user(Role.EXAM_ADMIN, unit=city_b),
    }


@pytest.fixture
def bank(make):
    make.questions(4, "single_choice", category="行政处罚法")
    make.questions(3, "true_false", category="行政许可法")


def spec(*sections: SectionSpec, title: str = "任前考试卷") -> PaperSpec:
    return PaperSpec(title, list(sections) or [SectionSpec("single_choice", 2, Decimal(25), "行政处罚法"),
                                                SectionSpec("true_false", 2, Decimal(25), "行政许可法")])


def sitting_spec(paper, **changes) -> SittingSpec:
    values = dict(title="任前法律知识考试", kind="pre_appointment", paper_id=paper.id, opens_at=at("09:00:00"),
                  closes_at=at("17:00:00"), time_limit_s=3600)
    values.update(changes)
    return SittingSpec(**values)


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- papers -------------------------------------------------------------------------------------

def test_create_paper_saves_the_sections_in_the_admins_unit_and_audits(db, clock, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    db.commit()
    assert paper.org_unit_id == org["city_a"].id
    assert [(s.position, s.qtype, s.count, s.mark) for s in paper.sections] == [
        (1, "single_choice", 2, Decimal(25)), (2, "true_false", 2, Decimal(25))]
    assert paper.total_marks == Decimal(100)
    [event] = events(db, "paper.create")
    assert event.actor_id == org["admin_a"].id and event.after["total_marks"] == "100"


def test_every_short_section_is_reported_and_nothing_is_saved(db, clock, org, bank):
    with pytest.raises(InvalidInput) as refused:
        papers.create_paper(db, clock, org["admin_a"], spec(
            SectionSpec("single_choice", 5, Decimal(10), "行政处罚法"),
            SectionSpec("true_false", 4, Decimal(10), "行政许可法"),
        ))
    texts = [str(p) for p in refused.value.problems]
    assert len(texts) == 2
    assert "行政处罚法" in texts[0] and "requested 5, available 4" in texts[0]
    assert "行政许可法" in texts[1] and "requested 4, available 3" in texts[1]
    db.rollback()
    assert db.scalar(select(func.count(Paper.id))) == 0


def test_malformed_sections_and_unknown_categories_are_named_without_creating_categories(db, clock, org, bank):
    before = db.scalar(select(func.count(Category.id)))
    with pytest.raises(InvalidInput) as refused:
        papers.create_paper(db, clock, org["admin_a"], PaperSpec("", [
            SectionSpec("essay", 1, Decimal(10), "行政处罚法"),
            SectionSpec("single_choice", 0, Decimal(-1), "行政处罚法"),
            SectionSpec("single_choice", 1, Decimal(10), "刑法/分则"),
            SectionSpec("single_choice", 1, Decimal(10), "行政处罚法", difficulty_min=4, difficulty_max=2),
        ]))
    places = [str(p.place) for p in refused.value.problems]
    assert places == ["title", "section 1", "section 2", "section 2", "section 3", "section 4"]
    assert "刑法/分则" in str(refused.value)
    assert db.scalar(select(func.count(Category.id))) == before


def test_a_refused_update_leaves_the_paper_as_it_was(db, clock, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    db.commit()
    with pytest.raises(InvalidInput):
        papers.update_paper(db, clock, org["admin_a"], paper, spec(SectionSpec("single_choice", 9, Decimal(10), "行政处罚法"),
                                                                    title="改过的"))
    db.rollback()
    db.expire_all()
    assert paper.title == "任前考试卷" and [s.count for s in paper.sections] == [2, 2]
    assert events(db, "paper.update") == []


def test_an_update_replaces_the_sections_and_records_before_and_after(db, clock, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    papers.update_paper(db, clock, org["admin_a"], paper, spec(SectionSpec("single_choice", 4, Decimal(25), "行政处罚法")))
    db.commit()
    db.expire_all()
    assert [(s.qtype, s.count) for s in paper.sections] == [("single_choice", 4)]
    [event] = events(db, "paper.update")
    assert len(event.before["sections"]) == 2 and len(event.after["sections"]) == 1


def test_a_paper_candidates_have_sat_cannot_change(db, clock, make, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    cadre = make.cadre()
    attempts.start_attempt(db, clock, cadre, make.sitting(paper, roster=[cadre]))
    db.commit()
    with pytest.raises(Conflict):
        papers.update_paper(db, clock, org["admin_a"], paper, spec(title="新标题"))


def test_an_update_that_drops_the_total_below_a_sittings_pass_mark_is_refused(db, clock, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, pass_mark=Decimal(60)))
    with pytest.raises(InvalidInput) as refused:
        papers.update_paper(db, clock, org["admin_a"], paper, spec(SectionSpec("single_choice", 2, Decimal(25), "行政处罚法")))
    assert "pass mark 60" in str(refused.value)


def test_an_admin_sees_papers_of_their_subtree_only(db, clock, make, org, bank):
    paper = papers.create_paper(db, clock, org["admin_a"], spec())
    province_admin = make.user(Role.EXAM_ADMIN)
    db.commit()
    with pytest.raises(NotFound):
        papers.get_paper(db, org["admin_b"], paper.id)
    assert papers.get_paper(db, province_admin, paper.id) is paper
    assert db.scalars(papers.papers_in_scope(org["admin_b"])).all() == []
    assert db.scalars(papers.papers_in_scope(province_admin)).all() == [paper]
    with pytest.raises(NotFound):
        papers.update_paper(db, clock, org["admin_b"], paper, spec(title="不是我的"))


def test_only_exam_admins_create_papers(db, clock, make, bank):
    with pytest.raises(PermissionDenied):
        papers.create_paper(db, clock, make.cadre(), spec())


def test_availability_counts_the_published_questions_each_row_could_draw(db, make, bank):
    make.question("single_choice", category="行政处罚法/罚款", difficulty=5)
    rows = [SectionSpec("single_choice", 1, Decimal(1), "行政处罚法"),
            SectionSpec("single_choice", 1, Decimal(1), "行政处罚法", include_subcategories=False),
            SectionSpec("single_choice", 1, Decimal(1), "行政处罚法", difficulty_min=5),
            SectionSpec("multiple_choice", 1, Decimal(1), "行政处罚法"),
            SectionSpec("single_choice", 1, Decimal(1), "没有的分类")]
    assert papers.availability(db, rows) == [5, 4, 1, 0, None]


# --- sittings -----------------------------------------------------------------------------------

@pytest.fixture
def paper(db, clock, org, bank):
    return papers.create_paper(db, clock, org["admin_a"], spec())


def test_a_sitting_takes_60_and_90_percent_of_the_total_by_default(db, clock, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))
    assert (sitting.pass_mark, sitting.excellent_mark) == (Decimal(60), Decimal(90))
    assert sitting.org_unit_id == org["city_a"].id and sitting.time_limit_s == 3600
    assert sitting.opens_at == at("09:00:00") and sitting.opens_at.tzinfo == dt.timezone.utc
    half = papers.create_paper(db, clock, org["admin_a"], spec(SectionSpec("single_choice", 2, Decimal(25), "行政处罚法")))
    assert sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(half)).pass_mark == Decimal(30)
    [first, _] = events(db, "sitting.create")
    assert (first.after["pass_mark"], first.after["excellent_mark"]) == ("60.00", "90.00")


@pytest.mark.parametrize("changes, place", [
    ({"pass_mark": Decimal(101)}, "pass_mark"),
    ({"pass_mark": Decimal(70), "excellent_mark": Decimal(65)}, "excellent_mark"),
    ({"closes_at": at("08:00:00")}, "closes_at"),
    ({"opens_at": dt.datetime(2026, 5, 11, 9, 0)}, "opens_at"),
    ({"time_limit_s": 0}, "time_limit"),
    ({"attempts_allowed": 0}, "attempts_allowed"),
    ({"title": " "}, "title"),
])
def test_a_sitting_with_impossible_settings_is_refused(db, clock, org, paper, changes, place):
    with pytest.raises(InvalidInput) as refused:
        sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, **changes))
    assert [p.place for p in refused.value.problems] == [place]


def test_a_sitting_cannot_use_a_paper_of_another_unit(db, clock, org, paper):
    with pytest.raises(InvalidInput) as refused:
        sittings.create_sitting(db, clock, org["admin_b"], sitting_spec(paper))
    assert refused.value.problems[0].place == "paper"


def test_an_admin_of_another_city_cannot_find_the_sitting(db, clock, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))
    with pytest.raises(NotFound):
        sittings.get_sitting(db, org["admin_b"], sitting.id)
    assert db.scalars(sittings.sittings_in_scope(org["admin_b"])).all() == []


def test_settings_that_decided_scores_are_locked_once_a_candidate_started(db, clock, make, org, paper):
    cadre = make.cadre(unit=org["dept_a"])
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(Conflict) as refused:
        sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, pass_mark=Decimal(50)))
    assert "pass mark" in str(refused.value)
    with pytest.raises(Conflict):
        sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, closes_at=at("16:00:00")))
    sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, closes_at=at("18:00:00")))
    [event] = events(db, "sitting.update")
    assert event.before["closes_at"] != event.after["closes_at"]
    assert sitting.closes_at == at("18:00:00")


@pytest.mark.parametrize("grace_s", [0, 31, 600])
def test_the_grace_a_started_sitting_gave_cannot_change(db, clock, make, org, paper, grace_s):
    """Grace decides which late saves count (deadline + grace), so it locks like the time limit."""
    cadre = make.cadre(unit=org["dept_a"])
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, grace_s=30))
    sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, grace_s=grace_s))
    assert sitting.grace_s == grace_s  # free to change before anyone started
    sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, grace_s=30))
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempts.start_attempt(db, clock, cadre, sitting)
    with pytest.raises(Conflict) as refused:
        sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, grace_s=grace_s))
    assert "grace for late saves" in str(refused.value)
    assert sitting.grace_s == 30


def test_times_shown_in_whole_minutes_are_no_change_to_a_started_sitting_stored_with_seconds(db, clock, make, org, paper):
    cadre = make.cadre(unit=org["dept_a"])
    opens, closes = at("09:00:12"), at("17:27:46") + dt.timedelta(microseconds=670_000)
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, opens_at=opens, closes_at=closes,
                                                                              time_limit_s=3630))
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempts.start_attempt(db, clock, cadre, sitting)
    as_the_form_shows_it = sitting_spec(paper, opens_at=at("09:00:00"), closes_at=at("17:27:00"), time_limit_s=3600)
    sittings.update_sitting(db, clock, org["admin_a"], sitting, as_the_form_shows_it)
    assert (sitting.opens_at, sitting.closes_at, sitting.time_limit_s) == (opens, closes, 3630)
    assert events(db, "sitting.update") == []
    for earlier in ({"closes_at": at("17:26:00")}, {"opens_at": at("09:01:00")}):
        with pytest.raises(Conflict):
            sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(
                paper, **{"opens_at": at("09:00:00"), "closes_at": at("17:27:00"), "time_limit_s": 3600, **earlier}))


def test_a_time_limit_longer_than_the_window_is_refused_on_create_and_on_update(db, clock, org, paper):
    with pytest.raises(InvalidInput) as refused:
        sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, opens_at=at("10:00:00"),
                                                                        closes_at=at("10:59:00"), time_limit_s=3600))
    [problem] = refused.value.problems
    assert (problem.place, str(problem)) == ("time_limit", "time_limit: the time limit is longer than the window")
    # A limit exactly as long as the window is fine (and the window may have opened already).
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, opens_at=at("09:30:00"),
                                                                              closes_at=at("10:30:00"), time_limit_s=3600))
    with pytest.raises(InvalidInput) as also_refused:
        sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, opens_at=at("09:30:00"),
                                                                                 closes_at=at("10:30:00"), time_limit_s=3660))
    assert [p.place for p in also_refused.value.problems] == ["time_limit"]
    assert sitting.time_limit_s == 3600


def test_a_new_sitting_whose_window_has_already_closed_is_refused(db, clock, org, paper):
    with pytest.raises(InvalidInput) as refused:
        sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, opens_at=at("08:00:00"),
                                                                        closes_at=at("10:00:00")))
    assert [(p.place, p.message) for p in refused.value.problems] == [("closes_at", "the window has already closed")]
    db.rollback()
    assert db.scalar(select(func.count(Sitting.id))) == 0


def test_a_sitting_whose_window_has_closed_can_still_be_renamed(db, clock, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, closes_at=at("11:00:00")))
    clock.set(at("12:00:00"))
    sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, closes_at=at("11:00:00"), title="改名"))
    assert sitting.title == "改名"


def test_open_and_upcoming_sittings_whose_paper_the_bank_cannot_fill_are_found(db, clock, make, org):
    singles = make.questions(3, "single_choice", category="宪法")
    paper = papers.create_paper(db, clock, org["admin_a"], spec(SectionSpec("single_choice", 3, Decimal(10), "宪法")))
    clock.set(at("07:00:00"))
    closed = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, opens_at=at("07:00:00"),
                                                                             closes_at=at("09:00:00")))
    clock.set(at("10:00:00"))
    open_now = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))
    upcoming = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(
        paper, opens_at=at("09:00:00") + dt.timedelta(days=1), closes_at=at("17:00:00") + dt.timedelta(days=1)))
    everything = [closed, open_now, upcoming]
    assert sittings.unfillable(db, clock, everything) == set() and sittings.short_sections(db, clock, open_now) == []

    review.retire_question(db, clock, make.system_user(), singles[0], "不再使用")
    assert sittings.unfillable(db, clock, everything) == {open_now.id, upcoming.id}
    [short] = sittings.short_sections(db, clock, upcoming)
    assert (short.sections, short.requested, short.available) == ((1,), 3, 2)
    assert sittings.short_sections(db, clock, closed) == []


# --- rosters ------------------------------------------------------------------------------------

@pytest.fixture
def sitting(db, clock, org, paper):
    return sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))


def test_cadres_of_the_admins_units_are_added_with_their_posts(db, clock, make, org, sitting):
    mine = make.cadre(unit=org["dept_a"], current_post="科长", proposed_post="副局长")
    also_mine = make.cadre(unit=org["city_a"])
    added = roster.add_to_roster(db, clock, org["admin_a"], sitting, [mine.id, also_mine.id])
    assert [(e.user_id, e.current_post, e.proposed_post) for e in added] == [
        (mine.id, "科长", "副局长"), (also_mine.id, None, None)]
    assert roster.add_to_roster(db, clock, org["admin_a"], sitting, [mine.id]) == []
    assert len(events(db, "roster.add")) == 2
    assert roster.cadres_in_scope(db, org["admin_a"], exclude_sitting=sitting) == []


def test_a_cadre_outside_the_admins_units_is_refused_and_nobody_is_added(db, clock, make, org, sitting):
    mine = make.cadre(unit=org["dept_a"])
    theirs = make.cadre(unit=org["city_b"])
    staff = make.user(Role.HR, unit=org["city_a"])
    with pytest.raises(InvalidInput) as refused:
        roster.add_to_roster(db, clock, org["admin_a"], sitting, [mine.id, theirs.id, staff.id])
    assert len(refused.value.problems) == 2
    db.rollback()
    assert db.scalar(select(func.count(RosterEntry.id))) == 0


def test_a_roster_entry_with_an_attempt_stays(db, clock, make, org, sitting):
    sat, absent = make.cadre(unit=org["dept_a"]), make.cadre(unit=org["dept_a"])
    entries = roster.add_to_roster(db, clock, org["admin_a"], sitting, [sat.id, absent.id])
    attempts.start_attempt(db, clock, sat, sitting)
    with pytest.raises(Conflict):
        roster.remove_from_roster(db, clock, org["admin_a"], sitting, entries[0].id)
    roster.remove_from_roster(db, clock, org["admin_a"], sitting, entries[1].id)
    assert [e.user_id for e in sitting.roster] == [sat.id]
    [event] = events(db, "roster.remove")
    assert event.before["user"] == absent.id


def test_extra_time_lengthens_the_next_attempt_and_is_audited(db, clock, make, org, sitting):
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    with pytest.raises(InvalidInput):
        roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, -60)
    roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 900)
    [event] = events(db, "roster.extra_time")
    assert (event.before["extra_time_s"], event.after["extra_time_s"]) == (0, 900)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    assert attempt.deadline == at("11:15:00")
    with pytest.raises(NotFound):
        roster.set_extra_time(db, clock, org["admin_b"], sitting, entry.id, 60)


def test_roster_rows_show_each_candidates_attempt(db, clock, make, org, sitting):
    sat, absent = make.cadre(unit=org["dept_a"]), make.cadre(unit=org["dept_a"])
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [sat.id, absent.id])
    attempt = attempts.start_attempt(db, clock, sat, sitting)
    attempts.submit_attempt(db, clock, sat, attempt.id)
    rows = {row.entry.user_id: row for row in sittings.roster_rows(db, clock, sitting)}
    assert rows[sat.id].latest is attempt and rows[sat.id].latest.score == Decimal(0)
    assert rows[sat.id].status == CandidateStatus.SUBMITTED and rows[sat.id].attempt is attempt
    assert rows[absent.id].latest is None and rows[absent.id].removable
    assert (rows[absent.id].status, rows[absent.id].attempt, rows[absent.id].progress) == (CandidateStatus.NOT_STARTED, None, None)


def moment(text: str) -> dt.datetime:
    """An audited time (ISO 8601 with its offset) as a datetime."""
    return dt.datetime.fromisoformat(text)


def answer_slot(db, clock, cadre, attempt, slot: int, seq: int = 1) -> None:
    """Save the first option of the question in ``slot``, whatever its type."""
    item = next(i for i in attempt.items if i.slot == slot)
    answer = "T" if item.question_version.qtype == "true_false" else ["A"]
    attempts.save_response(db, clock, cadre, attempt.id, slot, answer, seq)


def test_roster_rows_show_answered_questions_last_save_and_time_left(db, clock, make, org, sitting):
    running, idle = make.cadre(unit=org["dept_a"]), make.cadre(unit=org["dept_a"])
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [running.id, idle.id])
    attempt = attempts.start_attempt(db, clock, running, sitting)
    clock.set(at("10:05:00"))
    answer_slot(db, clock, running, attempt, 1)
    clock.set(at("10:07:30"))
    answer_slot(db, clock, running, attempt, 2)
    answer_slot(db, clock, running, attempt, 3)
    attempts.save_response(db, clock, running, attempt.id, 3, None, 2)  # cleared again: not answered
    clock.set(at("10:20:00"))
    rows = {row.entry.user_id: row for row in sittings.roster_rows(db, clock, sitting)}
    shown = rows[running.id]
    assert (shown.status, shown.attempt) == (CandidateStatus.IN_PROGRESS, attempt)
    assert shown.progress == sittings.Progress(answered=2, total=4, last_saved_at=at("10:07:30"), remaining_s=40 * 60)
    assert shown.progress.last_saved_at.utcoffset() == dt.timedelta(0)
    assert rows[idle.id].status == CandidateStatus.NOT_STARTED


def test_after_the_close_a_candidate_who_never_started_is_absent_and_an_abandoned_attempt_is_closed(db, clock, make, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, closes_at=at("11:30:00")))
    gone, absent = make.cadre(unit=org["dept_a"]), make.cadre(unit=org["dept_a"])
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [gone.id, absent.id])
    attempt = attempts.start_attempt(db, clock, gone, sitting)
    answer_slot(db, clock, gone, attempt, 1)
    clock.set(at("11:45:00"))
    rows = {row.entry.user_id: row for row in sittings.roster_rows(db, clock, sitting)}
    assert rows[absent.id].status == CandidateStatus.ABSENT
    closed = rows[gone.id]
    assert closed.status == CandidateStatus.AUTO_SUBMITTED and closed.attempt.finished_at == at("11:00:00")
    assert (closed.progress.answered, closed.progress.total, closed.progress.remaining_s) == (1, 4, 0)


# --- extra time for an attempt in progress ------------------------------------------------------

def test_extra_time_lengthens_the_attempt_in_progress_and_audits_its_deadline(db, clock, make, org, sitting):
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    assert attempt.deadline == at("11:00:00")
    clock.set(at("10:30:00"))
    assert attempts.status(db, clock, attempt).remaining_s == 30 * 60

    outcome = roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 15 * 60)
    assert outcome.attempt is attempt and outcome.lengthened and outcome.old_deadline == at("11:00:00")
    assert attempt.deadline == at("11:15:00")
    assert attempts.status(db, clock, attempt).remaining_s == 45 * 60
    [event] = events(db, "attempt.deadline")
    assert (event.actor_id, event.object_type, event.object_id) == (org["admin_a"].id, "attempt", str(attempt.id))
    assert (moment(event.before["deadline"]), moment(event.after["deadline"])) == (at("11:00:00"), at("11:15:00"))
    db.commit()

    # Past the old deadline and its grace: a save still counts, and the sweep leaves the attempt open.
    clock.set(at("11:05:00"))
    assert deadlines.sweep(db, clock) == []
    answer_slot(db, clock, cadre, attempt, 1)
    assert attempts.submit_attempt(db, clock, cadre, attempt.id).attempt.finished_at == at("11:05:00")


def test_extra_time_never_shortens_a_running_attempt_nor_runs_past_the_close(db, clock, make, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, closes_at=at("11:20:00")))
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 15 * 60)
    assert attempt.deadline == at("11:15:00")

    fewer = roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 5 * 60)
    assert not fewer.lengthened and attempt.deadline == at("11:15:00") and entry.extra_time_s == 300
    more = roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 60 * 60)
    assert more.lengthened and attempt.deadline == at("11:20:00")  # the window's close
    assert [moment(e.after["deadline"]) for e in events(db, "attempt.deadline")] == [at("11:15:00"), at("11:20:00")]
    assert [e.after["extra_time_s"] for e in events(db, "roster.extra_time")] == [900, 300, 3600]


def test_extra_time_does_not_reopen_an_attempt_past_its_deadline_and_grace(db, clock, make, org, sitting):
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("11:00:31"))
    outcome = roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 15 * 60)
    assert outcome.closed and not outcome.lengthened
    assert (attempt.state, attempt.finished_at, attempt.deadline) == (AttemptState.AUTO_SUBMITTED, at("11:00:00"), at("11:00:00"))
    assert entry.extra_time_s == 900 and events(db, "attempt.deadline") == []


def test_extra_time_within_the_grace_still_lengthens_the_attempt(db, clock, make, org, sitting):
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("11:00:20"))
    assert roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 10 * 60).lengthened
    assert attempt.is_open and attempt.deadline == at("11:10:00")


# --- a window that closes later ----------------------------------------------------------------

def test_a_later_close_lengthens_an_attempt_the_old_close_had_cut_short_and_audits_it(db, clock, make, org, paper):
    """10-minute limit, window closing at 10:05: the attempt started at 10:00 ends at the close.
    Moved an hour later, the close no longer cuts it short: it runs its full 10 minutes."""
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(
        paper, opens_at=at("09:00:00"), closes_at=at("10:05:00"), time_limit_s=600))
    cadre = make.cadre(unit=org["dept_a"])
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    assert attempt.deadline == at("10:05:00")
    clock.set(at("10:03:00"))

    update = sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(
        paper, opens_at=at("09:00:00"), closes_at=at("11:05:00"), time_limit_s=600))
    assert update.sitting is sitting and [c.attempt for c in update.lengthened] == [attempt]
    assert attempt.deadline == at("10:10:00") and update.lengthened[0].old_deadline == at("10:05:00")
    [event] = events(db, "attempt.deadline")
    assert (event.actor_id, event.object_id) == (org["admin_a"].id, str(attempt.id))
    assert (moment(event.before["deadline"]), moment(event.after["deadline"])) == (at("10:05:00"), at("10:10:00"))
    assert moment(event.after["closes_at"]) == at("11:05:00")
    db.commit()
    clock.set(at("10:08:00"))
    assert attempts.status(db, clock, attempt).remaining_s == 2 * 60


def test_a_later_close_gives_each_running_attempt_its_extra_time_and_caps_it_at_the_new_close(db, clock, make, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(
        paper, opens_at=at("09:00:00"), closes_at=at("10:30:00"), time_limit_s=3600))
    plain, extra, done, idle = (make.cadre(unit=org["dept_a"]) for _ in range(4))
    entries = roster.add_to_roster(db, clock, org["admin_a"], sitting, [plain.id, extra.id, done.id, idle.id])
    roster.set_extra_time(db, clock, org["admin_a"], sitting, next(e for e in entries if e.user_id == extra.id).id, 1800)
    running = attempts.start_attempt(db, clock, plain, sitting)
    lengthy = attempts.start_attempt(db, clock, extra, sitting)
    finished = attempts.start_attempt(db, clock, done, sitting)
    attempts.submit_attempt(db, clock, done, finished.id)
    assert running.deadline == lengthy.deadline == finished.deadline == at("10:30:00")

    update = sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(
        paper, opens_at=at("09:00:00"), closes_at=at("11:20:00"), time_limit_s=3600))
    assert [c.attempt for c in update.lengthened] == [running, lengthy]
    assert running.deadline == at("11:00:00")  # its hour in full
    assert lengthy.deadline == at("11:20:00")  # an hour and a half, capped by the new close
    assert finished.deadline == at("10:30:00") and len(events(db, "attempt.deadline")) == 2


def test_a_later_close_never_shortens_a_deadline_and_other_changes_leave_deadlines_alone(db, clock, make, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, closes_at=at("10:50:00")))
    cadre = make.cadre(unit=org["dept_a"])
    [entry] = roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 0)
    assert attempt.deadline == at("10:50:00")
    # Extra time taken back meanwhile, then the close moves: the deadline given stays as it is.
    sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, closes_at=at("10:50:00"), title="改名"))
    assert attempt.deadline == at("10:50:00") and events(db, "attempt.deadline") == []
    roster.set_extra_time(db, clock, org["admin_a"], sitting, entry.id, 1800)
    assert attempt.deadline == at("10:50:00")  # capped by the close
    db.execute(Sitting.__table__.update().where(Sitting.id == sitting.id).values(time_limit_s=600))
    db.expire_all()
    # Even were the limit now shorter than what was given, a later close takes nothing back.
    update = sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(
        paper, closes_at=at("17:00:00"), time_limit_s=600))
    assert update.lengthened == [] and db.get(Attempt, attempt.id).deadline == at("10:50:00")


def test_a_later_close_does_not_reopen_an_attempt_past_its_deadline_and_grace(db, clock, make, org, paper):
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper, closes_at=at("10:30:00")))
    cadre = make.cadre(unit=org["dept_a"])
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    clock.set(at("10:30:31"))
    update = sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(paper, closes_at=at("12:00:00")))
    [change] = update.deadlines
    assert change.closed and not change.lengthened and update.lengthened == []
    assert (attempt.state, attempt.finished_at) == (AttemptState.AUTO_SUBMITTED, at("10:30:00"))


# --- roster import ------------------------------------------------------------------------------

def ids(n: int) -> str:
    """A valid ID number (born 1980-01-01, sequence ``n``); ids(18) ends in the check character X."""
    body = f"32010219800101{n:03d}"
    return body + check_character(body)


def test_import_matches_cadres_by_id_number_and_keeps_the_files_posts(db, clock, make, org, sitting):
    first = make.cadre(unit=org["dept_a"], display_name="张三", id_number=ids(1), current_post="科员")
    second = make.cadre(unit=org["dept_a"], display_name="李四", id_number=ids(18))
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [second.id])
    workbook = roster_xlsx([
        ("张三", ids(1), "甲市司法局", "副科长", "科长", "13800000000"),
        (None, None, None, None, None, None),
        ("李 四", ids(18).lower(), "甲市司法局", None, None, None),
    ])
    result = roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(workbook))
    assert [(e.user_id, e.current_post, e.proposed_post) for e in result.added] == [(first.id, "副科长", "科长")]
    assert result.already == [second]
    [event] = events(db, "roster.import")
    assert event.after == {"rows": 2, "added": 1, "already": 1}


def test_import_reports_every_bad_row_and_adds_nobody(db, clock, make, org, sitting):
    make.cadre(unit=org["dept_a"], display_name="张三", id_number=ids(1))
    make.cadre(unit=org["city_b"], display_name="外市", id_number=ids(3))
    make.user(Role.HR, unit=org["dept_a"], display_name="人事", id_number=ids(4))
    make.cadre(unit=org["dept_a"], display_name="王五", id_number=ids(5))
    workbook = roster_xlsx([
        ("张三", ids(1), "", "", "", ""),            # row 2: good
        ("查无此人", ids(9), "", "", "", ""),         # row 3: nobody has it
        ("外市", ids(3), "", "", "", ""),             # row 4: a cadre of another city
        ("人事", ids(4), "", "", "", ""),             # row 5: not a cadre
        ("赵六", ids(5), "", "", "", ""),             # row 6: name differs
        ("数字", int(ids(6)), "", "", "", ""),       # row 7: stored as a number
        ("短号", "12345", "", "", "", ""),            # row 8: malformed
        ("张三", ids(1), "", "", "", ""),             # row 9: repeats row 2
        ("空号", "", "", "", "", ""),                 # row 10: empty
    ])
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(workbook))
    rows = [p.place.row for p in refused.value.problems]
    assert rows == list(range(3, 11))
    text = str(refused.value)
    assert ids(9)[:6] + "********" + ids(9)[-4:] in text and ids(9) not in text
    assert "does not create accounts" in text
    db.rollback()
    assert db.scalar(select(func.count(RosterEntry.id))) == 0


def test_import_of_something_that_is_not_a_roster_is_refused(db, clock, org, sitting):
    with pytest.raises(InvalidInput) as picture:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "名单.xlsx")
    assert picture.value.problems[0].place.file == "名单.xlsx" and "PNG image" in str(picture.value)
    with pytest.raises(InvalidInput) as no_id_column:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(b"name,id\n"), "名单.csv")
    assert "身份证号" in str(no_id_column.value) and no_id_column.value.problems[0].place.file == "名单.csv"
    with pytest.raises(InvalidInput) as no_column:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(roster_xlsx([("x",)], header=("姓名",))))
    assert "身份证号" in str(no_column.value)


def test_import_checks_id_numbers_by_gb_11643_before_looking_for_accounts(db, clock, make, org, sitting):
    make.cadre(unit=org["dept_a"], display_name="张三", id_number=ids(1))
    wrong_check = ids(1)[:17] + ("0" if ids(1)[-1] != "0" else "1")
    body = "32010219800231001"  # 31 February
    no_such_day = body + check_character(body)
    workbook = roster_xlsx([
        ("张三", wrong_check, "", "", "", ""),     # row 2: one typing error away from 张三's number
        ("李四", no_such_day, "", "", "", ""),     # row 3: the check character fits, the date does not
        ("张三", f" {ids(1)[:6]} {ids(1)[6:]} ", "", "", "", ""),  # row 4: spaces are dropped: good
    ])
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(workbook))
    assert [(p.place.row, p.place.header, p.message) for p in refused.value.problems] == [
        (2, "身份证号", "the last character of the ID number does not match the others; check it for a typing error"),
        (3, "身份证号", "the birth date in the ID number (characters 7 to 14) is not a real date"),
    ]


UNSAVED = "this cell holds a formula without a saved value; enter the value itself"


def test_import_names_formulas_without_a_saved_value_and_refuses_an_empty_name(db, clock, make, org, sitting):
    make.cadre(unit=org["dept_a"], display_name="张三", id_number=ids(1), current_post="科员")
    make.cadre(unit=org["dept_a"], display_name="李四", id_number=ids(2))
    make.cadre(unit=org["dept_a"], display_name="王五", id_number=ids(3))
    workbook = roster_xlsx([
        ("张三", ids(1), "", '=IF(TRUE,"副科长","")', "", ""),     # row 2: never the account's post instead
        ("", ids(2), "", "", "", ""),                               # row 3: empty name
        ("  ", ids(3), "", "", "", ""),                             # row 4: blank name
        ("=VLOOKUP(B5,花名册!A:B,2,0)", ids(3), "", "", "", ""),    # row 5: the name is a formula
        ("赵六", f'="{ids(4)}"', "", "", "", ""),                  # row 6: the ID number is a formula
        ("=A2", None, None, None, None, None),                      # row 7: nothing but a formula
    ])
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(workbook))
    assert [(p.place.row, p.place.header, p.message) for p in refused.value.problems] == [
        (2, "现任职务", UNSAVED),
        (3, "姓名", "the name is empty"),
        (4, "姓名", "the name is empty"),
        (5, "姓名", UNSAVED),
        (5, "身份证号", "this ID number is also in row %(row)d"),
        (6, "身份证号", UNSAVED),
        (7, "姓名", UNSAVED),
        (7, "身份证号", "the ID number is empty"),
    ]
    db.rollback()
    assert db.scalar(select(func.count(RosterEntry.id))) == 0


def test_import_needs_a_name_column(db, clock, make, org, sitting):
    make.cadre(unit=org["dept_a"], display_name="张三", id_number=ids(1))
    workbook = roster_xlsx([(ids(1), "副科长")], header=("身份证号", "现任职务"))
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(db, clock, org["admin_a"], sitting, io.BytesIO(workbook))
    [problem] = refused.value.problems
    assert (problem.place.sheet, problem.place.row) == ("名单", 1) and "姓名" in problem.message


def test_a_province_admin_sees_the_sittings_of_the_cities_below(db, clock, make, org, paper):
    province_admin = make.user(Role.EXAM_ADMIN)
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(paper))
    assert db.scalars(sittings.sittings_in_scope(province_admin)).all() == [sitting]
    assert db.scalar(select(func.count(Sitting.id))) == 1


def test_second_marking_and_its_tolerance_are_locked_like_the_pass_mark(db, clock, make, org, paper):
    """Issue 6: the tolerance decides whether a senior marker sets a mark, so it cannot move once
    candidates started (while the pass mark could not, the tolerance could)."""
    cadre = make.cadre(unit=org["dept_a"])
    sitting = sittings.create_sitting(db, clock, org["admin_a"], sitting_spec(
        paper, second_marking=True, marking_tolerance=Decimal(3)))
    roster.add_to_roster(db, clock, org["admin_a"], sitting, [cadre.id])
    attempts.start_attempt(db, clock, cadre, sitting)
    for changed in ({"marking_tolerance": Decimal(20)}, {"second_marking": False, "marking_tolerance": Decimal(3)}):
        with pytest.raises(Conflict) as refused:
            sittings.update_sitting(db, clock, org["admin_a"], sitting, sitting_spec(
                paper, **{"second_marking": True, **changed}))
        assert "marking" in str(refused.value)
    assert (sitting.second_marking, sitting.marking_tolerance) == (True, Decimal(3))
