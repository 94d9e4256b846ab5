"""The auditor's pages: every audit event filterable by actor, object, action and time; the export
(CSV and xlsx) with formula-like cells neutralised and itself audited; score records read-only;
the ledger check; and every role's home page and nav offering only what the role can do."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, Role
from question_bank.services import audit
from tests.conftest import at


@pytest.fixture
def events(db, clock, make):
    """Three events by two people on two days; one carries a formula-like detail."""
    alice, bob = make.user(Role.EXAM_ADMIN, username="alice"), make.user(Role.MARKER, username="bob")
    make.user(Role.AUDITOR, username="auditor1")
    clock.set(at("09:00:00", dt.date(2026, 5, 9)))
    audit.record(db, clock, alice, "sitting.create", "sitting", 7, after={"title": "任前考试"})
    clock.set(at("10:00:00", dt.date(2026, 5, 10)))
    audit.record(db, clock, bob, "mark.given", "attempt_item", 42, after={"score": "12.50"})
    audit.record(db, clock, alice, "sitting.update", "sitting", 8, detail="=HYPERLINK(\"http://evil\")")
    db.commit()
    clock.set(at("10:00:00"))
    return alice, bob


def shown_actions(client, query: str) -> list[str]:
    page = client.get("/audit/?" + query)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return [a for a in ("sitting.create", "mark.given", "sitting.update") if f'data-action="{a}"' in text]


def test_events_filter_by_actor_object_action_and_time(client, events):
    client.login("auditor1")
    assert shown_actions(client, "") == ["sitting.create", "mark.given", "sitting.update"]
    assert shown_actions(client, "actor=ALICE") == ["sitting.create", "sitting.update"]
    assert shown_actions(client, "actor=nobody") == []
    assert shown_actions(client, "object_type=sitting&object_id=8") == ["sitting.update"]
    assert shown_actions(client, "action=sitting") == ["sitting.create", "sitting.update"]
    assert shown_actions(client, "action=mark.given") == ["mark.given"]
    assert shown_actions(client, "since=2026-05-10&until=2026-05-10") == ["mark.given", "sitting.update"]
    assert shown_actions(client, "until=2026-05-09") == ["sitting.create"]
    assert client.get("/audit/?since=2026-05-10&until=2026-05-01").status_code == 422


def test_the_export_neutralises_formulas_keeps_the_filter_and_is_audited(client, db, events):
    client.login("auditor1")
    response = client.get("/audit/events.csv?actor=alice")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["sitting.create", "sitting.update"]
    assert rows[2][8].startswith("'=")  # the detail cell cannot run as a formula in Excel
    book = openpyxl.load_workbook(io.BytesIO(client.get("/audit/events.xlsx?action=sitting.update").data))
    cells = next(book.active.iter_rows(min_row=2, max_row=2))
    assert cells[3].value == "sitting.update"
    # Text, shown as typed, never a formula: a text cell with Excel's quote prefix.
    assert cells[8].data_type == "s" and cells[8].quotePrefix
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.audit_log").order_by(AuditEvent.id)).all()
    assert [e.after["format"] for e in exports] == ["csv", "xlsx"]
    assert exports[0].after["filter"]["actor"] == "alice" and exports[0].after["rows"] == 2


def test_the_auditor_reads_score_records_and_the_ledger_check_but_changes_nothing(client, make, events):
    sitting = make.sitting()
    client.login("auditor1")
    assert client.get("/audit/sittings").status_code == 200
    assert sitting.title in client.get("/audit/sittings").get_data(as_text=True)
    assert client.get(f"/audit/sittings/{sitting.id}").status_code == 200
    ledger_page = client.get("/audit/ledger").get_data(as_text=True)
    assert 'id="ledger-verdict"' in ledger_page and "badge ok" in ledger_page
    # No page of the exam admin, HR or bank is the auditor's.
    for path in ("/exams/sittings", f"/exams/sittings/{sitting.id}", "/reports/sittings", "/marking/", "/bank/questions"):
        assert client.get(path).status_code == 403, path


def test_only_auditors_read_the_audit_log(client, events):
    client.login("bob")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/events.csv").status_code == 403


@pytest.mark.parametrize("role, home, offered, not_offered", [
    (Role.MARKER, "/marking/", ["/marking/"], ["/audit/", "/exams/sittings", "/reports/sittings"]),
    (Role.SENIOR_MARKER, "/marking/", ["/marking/"], ["/audit/", "/exams/sittings"]),
    (Role.AUDITOR, "/audit/", ["/audit/", "/audit/sittings", "/audit/ledger"], ["/marking/", "/exams/sittings"]),
    (Role.HR, "/reports/sittings", ["/reports/sittings"], ["/marking/", "/audit/"]),
    (Role.EXAM_ADMIN, "/exams/sittings", ["/exams/sittings"], ["/marking/", "/audit/"]),
])
def test_every_role_lands_on_its_home_and_the_nav_offers_only_what_it_can_do(client, make, role, home, offered,
                                                                             not_offered):
    make.user(role, username="someone")
    client.login("someone")
    landing = client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith(home)
    page = client.get(home)
    assert page.status_code == 200
    nav = page.get_data(as_text=True).split('<nav class="nav">')[1].split("</nav>")[0]
    for path in offered:
        assert f'href="{path}"' in nav
        assert client.get(path).status_code == 200
    for path in not_offered:
        assert f'href="{path}"' not in nav
        assert client.get(path).status_code == 403
