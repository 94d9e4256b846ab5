"""Issue-10 trial F8: reading personal data or scores is audited. Each page, export and records API
endpoint that shows them writes a ``read.<what>`` event (who, which object, the query, where from)
for every answer it gives; a refused request records no read; and the views that must be audited
are, checked over the app's routes so that one left out fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import AuditEvent, Role, UnitLevel
from question_bank.services import attempts
from question_bank.services.api_tokens import Scope
from tests.examsvc.records_api_world import build

#: Every view that shows or exports personal data or scores, with the read it records.
AUDITED = {
    "reports.sitting": "score_sheet", "reports.scores_csv": "score_sheet_export",
    "reports.scores_xlsx": "score_sheet_export", "score_reports.show": "score_report",
    "appraisal.page": "appraisal", "appraisal.download": "appraisal_export",
    "study_reports.progress": "study_progress", "study_reports.download": "study_progress_export",
    "audit.events_csv": "audit_export", "audit.events_xlsx": "audit_export", "audit.sitting": "score_records",
    "records.list_scores": "api_scores", "records.list_roster": "api_roster",
    "records.list_appraisal_cadres": "api_appraisal_cadres", "records.list_appraisal_units": "api_appraisal_units",
    "records.list_audit_events": "api_audit_events",
}


def reads(db, what: str) -> list[AuditEvent]:
    db.rollback()
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == f"read.{what}").order_by(AuditEvent.id)))


@pytest.fixture
def scene(db, clock, make):
    make.questions(2, category="行政处罚法")
    city = make.unit("甲市", level=UnitLevel.CITY)
    cadre = make.cadre(display_name="张三", unit=city)
    sitting = make.sitting(roster=[cadre], shuffle=False, title="任前考试")
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    hr = make.user(Role.HR, username="hr_a", unit=city)
    auditor = make.user(Role.AUDITOR, username="auditor_a")
    return dict(sitting=sitting, attempt=attempt, hr=hr, auditor=auditor, cadre=cadre)


def test_f8_every_view_of_personal_data_or_scores_is_audited(app):
    assert {endpoint: getattr(app.view_functions[endpoint], "audited_read", None) for endpoint in AUDITED} == AUDITED


def test_f8_hr_reading_a_score_sheet_its_exports_and_a_score_report_is_audited(client, db, scene):
    client.login("hr_a")
    sitting_id, attempt_id = scene["sitting"].id, scene["attempt"].id
    for path in (f"/reports/sittings/{sitting_id}", f"/reports/sittings/{sitting_id}/scores.csv",
                 f"/reports/sittings/{sitting_id}/scores.xlsx", f"/reports/attempts/{attempt_id}"):
        assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.60"},
                          headers={"User-Agent": "Firefox/128.0"}).status_code == 200, path
    (page,) = reads(db, "score_sheet")
    assert (page.actor_id, page.object_type, page.object_id) == (scene["hr"].id, "sitting", str(sitting_id))
    assert page.origin == {"channel": "web", "address": "192.0.2.60", "agent": "Firefox/128.0"}
    assert page.after["path"] == f"/reports/sittings/{sitting_id}"
    assert [e.after["path"].rsplit(".", 1)[1] for e in reads(db, "score_sheet_export")] == ["csv", "xlsx"]
    (report,) = reads(db, "score_report")
    assert (report.actor_id, report.object_type, report.object_id) == (scene["hr"].id, "attempt", str(attempt_id))


def test_f8_the_appraisal_page_and_export_are_audited_with_their_filter(client, db, scene):
    client.login("hr_a")
    assert client.get("/reports/appraisal/").status_code == 200
    assert client.get("/reports/appraisal/cadre.csv?kind=all").status_code == 200
    (page,), (export,) = reads(db, "appraisal"), reads(db, "appraisal_export")
    assert page.actor_id == export.actor_id == scene["hr"].id
    assert export.after == {"path": "/reports/appraisal/cadre.csv", "query": "kind=all"}


def test_f8_the_auditors_export_and_score_records_are_audited(client, db, scene):
    client.login("auditor_a")
    assert client.get("/audit/events.csv").status_code == 200
    assert client.get(f"/audit/sittings/{scene['sitting'].id}").status_code == 200
    (export,), (records,) = reads(db, "audit_export"), reads(db, "score_records")
    assert export.actor_id == records.actor_id == scene["auditor"].id
    assert (records.object_type, records.object_id) == ("sitting", str(scene["sitting"].id))


def test_f8_records_api_reads_are_audited_with_the_token_as_origin(client, db, clock, make):
    world = build(make, db, clock)
    token, secret = world.token(db, clock)
    bearer = {"Authorization": f"Bearer {secret}"}
    for path in (f"/api/v1/sittings/{world.sitting.id}/scores", f"/api/v1/sittings/{world.sitting.id}/roster",
                 "/api/v1/appraisal/cadres", "/api/v1/appraisal/units", "/api/v1/audit-events"):
        assert client.get(path, headers=bearer, environ_base={"REMOTE_ADDR": "203.0.113.70"}).status_code == 200, path
    for what in ("api_scores", "api_roster", "api_appraisal_cadres", "api_appraisal_units", "api_audit_events"):
        (event,) = reads(db, what)
        assert event.actor_id is None and event.origin["token"] == token.id, what
        assert event.origin["channel"] == "api" and event.origin["address"] == "203.0.113.70"
    assert reads(db, "api_scores")[0].object_id == str(world.sitting.id)


@pytest.mark.parametrize("who, path", [
    ("cadre", "/reports/sittings/{sitting}"), ("cadre", "/reports/attempts/{attempt}"),
    ("auditor_a", "/reports/sittings/{sitting}/scores.csv"), ("hr_a", "/audit/events.csv"),
])
def test_f8_a_refused_read_records_no_read(client, db, scene, who, path):
    client.login(scene["cadre"].username if who == "cadre" else who)
    response = client.get(path.format(sitting=scene["sitting"].id, attempt=scene["attempt"].id))
    assert response.status_code == 403
    db.rollback()
    assert db.scalars(select(AuditEvent).where(AuditEvent.action.startswith("read."))).all() == []


def test_f8_a_records_api_request_without_the_scope_records_no_read(client, db, clock, make):
    world = build(make, db, clock)
    _token, secret = world.token(db, clock, Scope.SITTINGS)
    response = client.get(f"/api/v1/sittings/{world.sitting.id}/scores", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert reads(db, "api_scores") == []
