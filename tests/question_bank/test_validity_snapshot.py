"""The legal-validity snapshot (issue 11): an attempt records, when it is drawn, the law versions its
questions cite; an amendment loaded and a citation re-pointed afterwards leave the record as it
was, the versions then showing as since amended; each score ledger entry keeps the same list, and
the ledger verifies with entries made before snapshots and after."""

from __future__ import annotations

from sqlalchemy import select

from question_bank.models import LawReviewFlag, Role, ScoreRecord, VersionStatus
from question_bank.services import attempts, law_review, ledger, validity
from tests.question_bank.test_amendments import REVIEW_2017, SUPERVISION_2018, SUPERVISION_2024


def sat(make, db, clock):
    make.laws(REVIEW_2017, SUPERVISION_2018)
    make.question(category="学法", legal_basis="《监察法》第十二条", key=["B"])
    make.question(category="学法", legal_basis="《监察法》第三条、《行政复议法》第九条", key=["B"])
    make.question(category="学法", legal_basis="《中华人民共和国行政处罚法》第九条", key=["B"])  # not in the catalogue
    cadre = make.cadre()
    sitting = make.sitting(make.paper([("single_choice", 3, 10, "学法")]), roster=[cadre])
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    db.commit()
    return cadre, attempt


def test_an_attempt_records_the_law_versions_its_questions_cited_when_drawn(db, clock, make):
    _, attempt = sat(make, db, clock)
    tested = validity.tested_versions(db, attempt.id)
    assert [(v.short_title, v.version_date.isoformat(), v.items, v.in_force) for v in tested] == [
        ("监察法", "2018-03-20", 2, True), ("行政复议法", "2017-09-01", 1, True)]


def test_an_amendment_and_a_cleared_flag_leave_the_snapshot_as_drawn(db, clock, make):
    _, attempt = sat(make, db, clock)
    make.laws(SUPERVISION_2024)
    for flag in db.scalars(select(LawReviewFlag)).all():
        law_review.clear_flag(db, clock, make.user(Role.BANK_REVIEWER), flag)
    db.commit()
    tested = validity.tested_versions(db, attempt.id)
    supervision = next(v for v in tested if v.short_title == "监察法")
    assert supervision.version_date.year == 2018 and supervision.status == VersionStatus.AMENDED
    assert not supervision.in_force


def test_the_score_record_keeps_the_list_and_the_ledger_verifies(db, clock, make):
    cadre, attempt = sat(make, db, clock)
    for slot in (1, 2, 3):
        attempts.save_response(db, clock, cadre, attempt.id, slot, ["B"], slot)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    record = db.scalar(select(ScoreRecord).where(ScoreRecord.attempt_id == attempt.id))
    assert record.law_versions == [["中华人民共和国监察法", "2018-03-20"], ["中华人民共和国行政复议法", "2017-09-01"]]
    assert ledger.verify(db).ok and ledger.entry_intact(record)
    # What the hash covers is the same whether or not an entry carries a snapshot: entries made
    # before snapshots existed (None) hash as they did.
    assert "law_versions" not in ledger.entry_content(record)


def test_an_attempt_citing_no_article_records_an_empty_snapshot(db, clock, make):
    make.questions(2, legal_basis="")
    cadre = make.cadre()
    attempt = attempts.start_attempt(db, clock, cadre, make.sitting(roster=[cadre]))
    assert validity.tested_versions(db, attempt.id) == [] and validity.ledger_list(db, attempt.id) == []
