"""Score reports and their verification codes: issued for a trusted score only, random and kept,
audited; a lookup shows only masked facts, reflects a later regrade and a void, and is counted per
address in the database (issue 6, "Reports")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from question_bank.errors import Conflict, NotFound, PermissionDenied
from question_bank.models import Attempt, AuditEvent, RegradeKind, Role
from question_bank.services import proctoring, regrade, report_codes
from question_bank.services.report_codes import TooManyLookups
from tests.scenarios import TWO_LAWS_PAPER, handed_in, two_laws_and_two_cities

@pytest.fixture
def scene(db, clock, make):
    """张三丰 of 甲市 answers slot 1 wrong (40 of 100, failed); HR of 甲市 and of 乙市."""
    city_a, city_b = two_laws_and_two_cities(make)
    cadre = make.cadre(display_name="张三丰", unit=make.unit("法制科", parent=city_a), id_number="110101199003114512")
    sitting = make.sitting(make.paper(TWO_LAWS_PAPER), roster=[cadre], shuffle=False, title="任前考试")
    attempt = handed_in(db, clock, cadre, sitting, {1: ["A"], 2: ["B"]}, seed=1)
    db.commit()
    return dict(attempt=attempt, sitting=sitting, hr=make.user(Role.HR, unit=city_a),
                hr_b=make.user(Role.HR, unit=city_b), admin=make.user(Role.EXAM_ADMIN))


def test_a_code_is_random_kept_printed_in_groups_and_audited(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    assert len(code.code) == 16 and set(code.code) <= set(report_codes.ALPHABET)
    assert report_codes.issue(db, clock, scene["hr"], scene["attempt"].id).code == code.code  # kept, not reissued
    assert report_codes.printed(code.code).count("-") == 3
    assert len({report_codes.new_code() for _ in range(200)}) == 200
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "report.issue")).one()
    assert (event.actor_id, event.object_id) == (scene["hr"].id, str(scene["attempt"].id))


def test_hr_of_another_city_and_other_roles_get_no_report(db, clock, make, scene):
    with pytest.raises(NotFound):
        report_codes.report(db, scene["hr_b"], scene["attempt"].id)
    with pytest.raises(NotFound):
        report_codes.issue(db, clock, scene["hr_b"], scene["attempt"].id)
    with pytest.raises(PermissionDenied):
        report_codes.report(db, scene["admin"], scene["attempt"].id)


def test_no_code_for_a_score_that_does_not_match_the_record(db, clock, scene):
    db.execute(update(Attempt).where(Attempt.id == scene["attempt"].id).values(score=Decimal(100), passed=True))
    db.commit()
    db.refresh(scene["attempt"])
    assert not report_codes.report(db, scene["hr"], scene["attempt"].id).can_issue
    with pytest.raises(Conflict):
        report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)


def test_a_lookup_shows_masked_facts_only(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    typed = report_codes.printed(code.code).lower().replace("0", "o")  # as a person might type it
    found = report_codes.verify(db, clock, "203.0.113.5", f"  {typed} ")
    assert found.masked_name == "张**" and found.sitting == "任前考试"
    assert (found.score, found.max_score, found.passed, found.changed_at, found.voided) == \
        (Decimal(40), Decimal(100), False, None, False)
    assert "110101" not in repr(found) and "张三丰" not in repr(found)


@pytest.mark.parametrize("typed", ["", "0" * 16, "ABCD", "' OR 1=1 --", "Ａ" * 16, "x" * 64])
def test_a_code_that_is_no_ones_finds_nothing(db, clock, scene, typed):
    report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    assert report_codes.verify(db, clock, "203.0.113.5", typed) is None


def test_a_regrade_after_printing_shows_the_current_score_and_that_it_changed(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    clock.advance(minutes=30)
    question_id = next(i.question_version.question_id for i in scene["attempt"].items if i.slot == 1)
    regrade.apply(db, clock, scene["admin"], scene["sitting"].id, question_id, RegradeKind.VOID_FULL_MARKS, "题目有歧义")
    db.commit()
    found = report_codes.verify(db, clock, "203.0.113.5", code.code)
    assert (found.score, found.passed, found.printed_score) == (Decimal(100), True, Decimal(40))
    assert found.changed_at == clock.now()


def test_a_voided_attempt_shows_as_void_without_a_score(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    proctoring.void_attempt(db, clock, scene["admin"], scene["attempt"].id, "替考")
    db.commit()
    found = report_codes.verify(db, clock, "203.0.113.5", code.code)
    assert found.voided and found.score is None and found.passed is None and found.changed_at is not None


def test_a_score_changed_behind_the_ledgers_back_is_not_confirmed(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.execute(update(Attempt).where(Attempt.id == scene["attempt"].id).values(score=Decimal(100), passed=True))
    db.commit()
    found = report_codes.verify(db, clock, "203.0.113.5", code.code)
    assert not found.matches_record and found.score is None and found.passed is None


def test_lookups_are_limited_per_address_in_the_database_and_free_again_later(db, clock, scene):
    code = report_codes.issue(db, clock, scene["hr"], scene["attempt"].id)
    db.commit()
    limit = report_codes.LOOKUP_LIMIT
    for n in range(limit.failures):
        report_codes.verify(db, clock, "198.51.100.7", f"WRONG{n}")
        db.commit()
    with pytest.raises(TooManyLookups) as refused:
        report_codes.verify(db, clock, "198.51.100.7", code.code)  # even the right code
    assert refused.value.until == clock.now() + limit.window
    assert report_codes.verify(db, clock, "198.51.100.8", code.code) is not None  # another address
    clock.advance(seconds=int(limit.window.total_seconds()) + 1)
    assert report_codes.verify(db, clock, "198.51.100.7", code.code) is not None
    assert report_codes.lookups_counted(db, "198.51.100.7") == 1  # old lookups were cleared away


@pytest.mark.parametrize("name, masked", [("张三丰", "张**"), ("李四", "李*"), ("王", "*"), ("", "")])
def test_names_are_masked_after_the_first_character(name, masked):
    assert report_codes.mask_name(name) == masked


def test_typed_codes_are_read_as_printed():
    assert report_codes.normalised("abcd-efgh-jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert report_codes.normalised("ＡＢＣＤ ＥＦＧＨ ＪＫＭＮ ＰＱＲＳ") == "ABCDEFGHJKMNPQRS"
    assert report_codes.normalised("OIL0" * 4) == "0110" * 4
    assert report_codes.normalised("UUUU" * 4) is None and report_codes.normalised("ABC") is None
