"""Issue-10 trial F10-03: ID numbers written with separators or in full width no longer pass the
mask in the auditor's page, the audit export and the records API; ``flask audit-id-numbers`` lists
where free text holds one unmasked (table, id, field) and exits 3, or 0 when there is none."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, QuestionVersion, Role
from question_bank.services import audit
from question_bank.services.api_tokens import Scope
from tests.examsvc.records_api_world import build, id_number

NUMBER = id_number("11010119900307451")
MASKED = f"{NUMBER[:6]}********{NUMBER[-4:]}"
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
#: The same number as people paste it: spaced, hyphenated, full width.
PASTED = (f"{NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]}", f"{NUMBER[:6]}-{NUMBER[6:14]}-{NUMBER[14:]}",
          NUMBER.translate(FULL_WIDTH), f"{NUMBER[:6]}\u3000{NUMBER[6:]}".translate(FULL_WIDTH))


def raw_forms(number: str) -> set[str]:
    """What would give the number away in a page or file: its middle digits (the birth date) in any form."""
    return {number[6:14], number[6:14].translate(FULL_WIDTH)}


@pytest.fixture
def before_masking(monkeypatch):
    """Events recorded as the service did before it masked ID numbers at write time (issue 10, item 1)."""
    monkeypatch.setattr(audit, "masked", lambda value: value)


@pytest.fixture
def pasted_events(db, clock, make, before_masking):
    admin = make.user(Role.EXAM_ADMIN, username="alice")
    make.user(Role.AUDITOR, username="auditor1")
    for n, written in enumerate(PASTED):
        audit.record(db, clock, admin, "score_change.propose", "attempt", n + 1,
                     after={"reason": f"考生 {written} 申请复核"}, detail=f"核对身份证 {written}")
    db.commit()
    return admin


def test_f10_03_the_auditors_page_and_export_mask_numbers_written_any_way(client, pasted_events):
    client.login("auditor1")
    page = client.get("/audit/?action=score_change").get_data(as_text=True)
    # Each event: its labelled snapshot value, the raw JSON beside it, and its detail.
    assert page.count(MASKED) == 3 * len(PASTED)
    assert not any(raw in page for raw in raw_forms(NUMBER))
    export = client.get("/audit/events.csv?action=score_change").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))[1:]
    assert len(rows) == len(PASTED)
    assert all(MASKED in row[7] and row[8] == f"核对身份证 {MASKED}" for row in rows)
    assert not any(raw in export for raw in raw_forms(NUMBER))


def test_f10_03_the_records_api_masks_numbers_written_any_way(client, db, clock, make, pasted_events):
    world = build(make, db, clock)
    _token, secret = world.token(db, clock, Scope.AUDIT)
    items = client.get("/api/v1/audit-events?action=score_change", headers={"Authorization": f"Bearer {secret}"}
                       ).get_json()["items"]
    assert [(e["after"]["reason"], e["detail"]) for e in items] == [
        (f"考生 {MASKED} 申请复核", f"核对身份证 {MASKED}")] * len(PASTED)


def test_f10_03_the_scan_lists_where_free_text_holds_a_number_and_exits_3(app, db, clock, make, pasted_events):
    make.questions(1, "single_choice", key=["B"])  # a question without a number: not listed
    result = app.test_cli_runner().invoke(args=["audit-id-numbers"])
    assert result.exit_code == 3, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    # Each pasted event twice: its detail and its snapshot; each named by table, id and field, masked.
    assert sorted((t, f) for t, _id, f, _n in lines) == sorted([("audit_event", "after"), ("audit_event", "detail")]
                                                              * len(PASTED))
    assert {n for *_rest, n in lines} == {MASKED}
    assert not any(raw in result.output for raw in raw_forms(NUMBER))


def test_f10_03_the_scan_finds_a_number_pasted_into_a_question_and_exits_0_when_there_is_none(app, db, clock, make):
    make.questions(1, "single_choice", key=["B"], stem="下列说法正确的是（ ）")
    clean = app.test_cli_runner().invoke(args=["audit-id-numbers"])
    assert clean.exit_code == 0 and "no unmasked ID number" in clean.output
    (pasted,) = make.questions(1, "single_choice", key=["B"],
                               stem=f"某考生身份证号为{NUMBER[:6]}－{NUMBER[6:]}，下列说法正确的是（ ）".translate(FULL_WIDTH))
    db.rollback()
    version = db.scalars(select(QuestionVersion).where(QuestionVersion.question_id == pasted.id)).one()
    found = app.test_cli_runner().invoke(args=["audit-id-numbers"])
    assert found.exit_code == 3
    assert f"question_version\t{version.id}\tstem\t{MASKED}" in found.output


def url_encoded(number: str) -> list[str]:
    """The number as a query string may carry it: "+" for spaces, "%20", full-width digits percent-encoded
    (UTF-8), and a mix of encoded and plain digits."""
    full_width = quote(number.translate(FULL_WIDTH))
    return [f"{number[:6]}+{number[6:14]}+{number[14:]}", f"{number[:6]}%20{number[6:14]}%20{number[14:]}",
            full_width, f"{number[:6]}%2D{number[6:]}", "".join(f"%{ord(c):02X}" for c in number)]


@pytest.mark.parametrize("encoded", url_encoded(NUMBER))
def test_tester_1_a_read_events_query_is_kept_decoded_with_the_number_masked(client, db, make, encoded):
    make.user(Role.AUDITOR, username="auditor1")
    client.login("auditor1")
    assert client.get(f"/audit/events.csv?q={encoded}&action=read").status_code == 200
    db.rollback()
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "read.audit_export"))
    assert event.after["query"].startswith("q=") and MASKED in event.after["query"]
    assert event.after["query"].endswith("&action=read")
    shown = client.get("/audit/events.csv?action=read").data.decode("utf-8-sig")
    page = client.get("/audit/?action=read").get_data(as_text=True)
    assert MASKED in shown and MASKED in page
    assert not any(raw in text for raw in raw_forms(NUMBER) | {quote(NUMBER[6:14].translate(FULL_WIDTH))}
                   for text in (shown, page, str(event.after)))


def test_tester_1_the_scan_finds_numbers_url_encoded_in_events_kept_before(app, db, clock, make, before_masking):
    admin = make.user(Role.AUDITOR, username="auditor1")
    for n, encoded in enumerate(url_encoded(NUMBER)):
        audit.record(db, clock, admin, "read.audit_export", "", "",
                     after={"path": "/audit/events.csv", "query": f"q={encoded}"})
    db.commit()
    found = app.test_cli_runner().invoke(args=["audit-id-numbers"])
    assert found.exit_code == 3
    lines = [line.split("\t") for line in found.stdout.splitlines()[1:]]
    assert [(t, f, n) for t, _id, f, n in lines] == [("audit_event", "after", MASKED)] * len(url_encoded(NUMBER))
    assert not any(raw in found.output for raw in raw_forms(NUMBER))


def scan(app, *args: str):
    return app.test_cli_runner().invoke(args=["audit-id-numbers", *args])


def test_tester_1_what_the_app_writes_into_an_audit_event_holds_the_number_masked(
        app, client, db, clock, make):
    """An auditor's search filter and an account's disable reason, typed with an ID number in any
    layout: the append-only events hold it masked, the person is told, and the scan passes."""
    city = make.root()
    make.user(Role.AUDITOR, username="auditor1")
    make.user(Role.SYSADMIN, username="root", unit=city)
    cadre = make.cadre(username="someone")
    client.login("auditor1")
    for written in PASTED:
        assert client.get("/audit/events.csv", query_string={"actor": written}).status_code == 200
    client.get("/logout")
    client.login("root")
    client.form_post("/lang/en")
    for written in PASTED:
        done = client.form_post(f"/users/{cadre.id}/disable", {"reason": f"核实身份证 {written} 后停用"},
                                follow_redirects=True)
        assert MASKED in done.get_data(as_text=True) and "masked" in done.get_data(as_text=True)
        client.form_post(f"/users/{cadre.id}/enable", {"reason": ""})
    db.rollback()
    kept = db.scalars(select(AuditEvent).where(AuditEvent.action.in_(("export.audit_log", "user.disable",
                                                                       "read.audit_export")))).all()
    assert len(kept) >= 3 * len(PASTED)
    assert not any(raw in str((e.before, e.after, e.detail)) for e in kept for raw in raw_forms(NUMBER))
    assert sum(MASKED in str((e.after, e.detail)) for e in kept) >= 3 * len(PASTED)
    assert audit.verify(db).ok
    clean = scan(app)
    assert clean.exit_code == 0 and "no unmasked ID number found" in clean.output, clean.output


def acknowledgement_lines(result) -> list[str]:
    """The lines the scan gives to copy into an acknowledgement file."""
    return [line for line in result.stderr.splitlines() if line.startswith("audit_event ")]


def test_tester_1_historical_audit_events_are_failed_until_acknowledged_then_reported_apart(
        app, db, make, pasted_events, tmp_path):
    first = scan(app)
    assert first.exit_code == 3 and "append-only, cannot be rewritten" in first.stderr
    lines = acknowledgement_lines(first)
    assert len(lines) == len(PASTED)
    reviewed = tmp_path / "reviewed.txt"
    reviewed.write_text("# reviewed by auditor1 on 2026-12-02: pasted before masking at write time\n"
                        + "\n".join(f"{line} 已核实" for line in lines) + "\n", encoding="utf-8")
    passed = scan(app, "--acknowledged", str(reviewed))
    assert passed.exit_code == 0, passed.output
    head, *listed = passed.stdout.splitlines()
    assert head == "acknowledged (historical, append-only, cannot be rewritten):"
    assert len([line for line in listed if line.startswith("audit_event\t")]) == 2 * len(PASTED)
    assert f"outside {len(PASTED)} acknowledged historical audit event(s)" in passed.stdout
    assert not any(raw in passed.output for raw in raw_forms(NUMBER))
    # A number written since (here in a question, which can be corrected) fails the check again,
    # and cannot be acknowledged.
    make.questions(1, "single_choice", key=["B"], stem=f"身份证 {NUMBER} 的考生")
    again = scan(app, "--acknowledged", str(reviewed))
    assert again.exit_code == 3 and "question_version\t" in again.stdout
    assert "acknowledged (historical, append-only, cannot be rewritten):" in again.stdout
    refused = tmp_path / "question.txt"
    refused.write_text("question_version 1 " + "0" * 64 + "\n", encoding="utf-8")
    bad = scan(app, "--acknowledged", str(refused))
    assert bad.exit_code == 1 and "line 1" in bad.output and "only audit events" in bad.output


def test_tester_1_an_acknowledgement_covers_only_the_event_with_the_hash_reviewed(app, db, pasted_events, tmp_path):
    lines = acknowledgement_lines(scan(app))
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("\n".join(line[:-64] + "f" * 64 for line in lines), encoding="utf-8")
    result = scan(app, "--acknowledged", str(wrong))
    assert result.exit_code == 3 and "covers nothing" in result.stderr
    assert "acknowledged (historical" not in result.stdout
