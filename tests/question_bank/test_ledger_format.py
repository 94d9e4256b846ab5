"""The score ledger's hashes are kept for years, so the exact text each hash covers must never change
(``hashchain.digest``: "part of every stored hash"): an entry written by an earlier release must
still verify after an upgrade. The code that makes a hash and the code that checks it are the same
function, so a change to it passes every round-trip test; these tests spell the text out literally
instead, and any change to a key, a number's format, the order or the escaping of Chinese text
breaks them, as it would break every stored entry."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from types import SimpleNamespace

import pytest

from question_bank.models import ScoreRecord
from question_bank.services import hashchain, ledger
from tests.timezones import SERVER_ZONES, server_time_zone

UTC = dt.timezone.utc
A, B, C = "a" * 64, "b" * 64, "c" * 64


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _record(**digests) -> ScoreRecord:
    return ScoreRecord(attempt_id=7, sitting_id=3, user_id=11, score=Decimal("59.99"), max_score=Decimal("100"),
                       band="fail", passed=False, reason="regrade: 题目有误", actor_id=2,
                       recorded_at=dt.datetime(2026, 5, 11, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                       **digests)


def test_an_entry_hashes_the_published_text_of_its_content_and_link():
    expected = _sha256(
        '{"actor_id": 2, "attempt_id": 7, "band": "fail", "marks_digest": "' + B + '", "max_score": "100.00", '
        '"passed": false, "prev_hash": "' + C + '", "reason": "regrade: 题目有误", '
        '"recorded_at": "2026-05-11T02:00:00+00:00", "responses_digest": "' + A + '", "score": "59.99", '
        '"sitting_id": 3, "user_id": 11}')
    record = _record(responses_digest=A, marks_digest=B)
    assert hashchain.digest(ledger.entry_content(record), C) == expected
    record.prev_hash, record.entry_hash = C, expected
    assert ledger.entry_intact(record)


@pytest.mark.parametrize("zone", SERVER_ZONES)
def test_an_entry_hashes_its_time_in_utc_whatever_zone_the_servers_clock_is_set_to(zone):
    """A ledger moved to a server set to another zone must still verify: the time is hashed in UTC."""
    record = _record(responses_digest=A, marks_digest=B)
    with server_time_zone(zone):
        assert ledger.entry_content(record)["recorded_at"] == "2026-05-11T02:00:00+00:00"
        assert hashchain.timestamp(dt.datetime(2026, 5, 11, 2, 0, tzinfo=UTC)) == "2026-05-11T02:00:00+00:00"


def test_a_digest_kept_inside_an_entry_is_of_its_document_with_sorted_keys_and_no_spaces():
    """The published rule an auditor recomputes a responses or marks digest by: keys sorted
    whatever order the document was built in, no spaces, Chinese text as written."""
    assert hashchain.canonical_digest({"steps": [[1, "页面1"]], "attempt": [7, None]}) == _sha256(
        '{"attempt":[7,null],"steps":[[1,"页面1"]]}')


def test_an_entry_made_before_the_digests_existed_keeps_its_hash():
    expected = _sha256(
        '{"actor_id": 2, "attempt_id": 7, "band": "fail", "max_score": "100.00", "passed": false, '
        '"prev_hash": "' + C + '", "reason": "regrade: 题目有误", "recorded_at": "2026-05-11T02:00:00+00:00", '
        '"score": "59.99", "sitting_id": 3, "user_id": 11}')
    assert hashchain.digest(ledger.entry_content(_record(responses_digest=None, marks_digest=None)), C) == expected


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, 11, hour, minute, tzinfo=UTC)


def test_the_responses_digest_covers_the_attempt_its_paper_and_every_step_in_the_published_text():
    attempt = SimpleNamespace(id=7, sitting_id=3, user_id=11, attempt_no=1, closed_state="submitted", seed=42,
                              started_at=_at(1), deadline=_at(2), finished_at=_at(1, 30), max_score=Decimal("100"))
    items = [SimpleNamespace(slot=2, section_no=1, question_version_id=6, mark=Decimal("2.5"), option_order=[]),
             SimpleNamespace(slot=1, section_no=1, question_version_id=5, mark=Decimal("2"), option_order=[2, 0, 1, 3])]
    steps = [SimpleNamespace(slot=1, writer="页面1", client_seq=2, superseded=False, answer=["B"], received_at=_at(1, 11),
                             source="autosave"),
             SimpleNamespace(slot=1, writer="页面1", client_seq=1, superseded=True, answer=["A"], received_at=_at(1, 10),
                             source="autosave")]
    expected = _sha256(
        '{"attempt":[7,3,11,1,"submitted",42,"2026-05-11T01:00:00+00:00","2026-05-11T02:00:00+00:00",'
        '"2026-05-11T01:30:00+00:00","100.00"],'
        '"items":[[1,1,5,"2.00",[2,0,1,3]],[2,1,6,"2.50",[]]],'
        '"steps":[[1,"页面1",1,true,["A"],"2026-05-11T01:10:00+00:00","autosave"],'
        '[1,"页面1",2,false,["B"],"2026-05-11T01:11:00+00:00","autosave"]]}')
    assert ledger.responses_digest(attempt, items, steps) == expected
    still_open = SimpleNamespace(**{**vars(attempt), "finished_at": None})
    assert ledger.responses_digest(still_open, items, steps) == _sha256(
        '{"attempt":[7,3,11,1,"submitted",42,"2026-05-11T01:00:00+00:00","2026-05-11T02:00:00+00:00",null,"100.00"],'
        '"items":[[1,1,5,"2.00",[2,0,1,3]],[2,1,6,"2.50",[]]],'
        '"steps":[[1,"页面1",1,true,["A"],"2026-05-11T01:10:00+00:00","autosave"],'
        '[1,"页面1",2,false,["B"],"2026-05-11T01:11:00+00:00","autosave"]]}')


def test_the_marks_digest_writes_a_half_hundredth_and_a_set_aside_mark_as_published():
    marks = [(2, SimpleNamespace(score=None, marked_at=_at(3), marker_id=9, reason="remarking", half_cent=False)),
             (1, SimpleNamespace(score=Decimal("30.00"), marked_at=_at(2), marker_id=None, reason="", half_cent=True)),
             (1, SimpleNamespace(score=Decimal("4"), marked_at=_at(1), marker_id=None, reason="", half_cent=False))]
    assert ledger.marks_digest(marks) == _sha256(
        '[[1,"30.005","2026-05-11T02:00:00+00:00",null,""],[1,"4.00","2026-05-11T01:00:00+00:00",null,""],'
        '[2,"","2026-05-11T03:00:00+00:00",9,"remarking"]]')


def test_a_machine_mark_and_a_person_s_equal_mark_of_the_same_instant_are_digested_machine_first():
    # A marker's 0 given the same instant as the machine's 0 for an empty answer: the rows tie up to
    # the marker, None against an id. Two people's marks of that tie keep their ids' order.
    machine = SimpleNamespace(score=Decimal(0), marked_at=_at(2), marker_id=None, reason="unanswered", half_cent=False)
    marks = [(3, SimpleNamespace(score=Decimal(0), marked_at=_at(2), marker_id=12, reason="first", half_cent=False)),
             (3, machine),
             (3, SimpleNamespace(score=Decimal(0), marked_at=_at(2), marker_id=4, reason="second", half_cent=False))]
    expected = _sha256(
        '[[3,"0.00","2026-05-11T02:00:00+00:00",null,"unanswered"],[3,"0.00","2026-05-11T02:00:00+00:00",4,"second"],'
        '[3,"0.00","2026-05-11T02:00:00+00:00",12,"first"]]')
    assert ledger.marks_digest(marks) == expected
    assert ledger.marks_digest(marks[::-1]) == expected


def test_a_passing_entry_hashes_true_for_passed():
    record = ScoreRecord(attempt_id=8, sitting_id=3, user_id=12, score=Decimal("60"), max_score=Decimal("98.32"),
                         band="pass", passed=True, reason="submitted", actor_id=None,
                         recorded_at=dt.datetime(2026, 5, 11, 2, 0, 1, 250000, tzinfo=UTC),
                         responses_digest=A, marks_digest=B)
    assert hashchain.digest(ledger.entry_content(record), C) == _sha256(
        '{"actor_id": null, "attempt_id": 8, "band": "pass", "marks_digest": "' + B + '", "max_score": "98.32", '
        '"passed": true, "prev_hash": "' + C + '", "reason": "submitted", '
        '"recorded_at": "2026-05-11T02:00:01.250000+00:00", "responses_digest": "' + A + '", "score": "60.00", '
        '"sitting_id": 3, "user_id": 12}')
