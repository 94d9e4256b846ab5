"""Issue-10 trial F9: every audit event says where it came from (``audit_event.origin``): the
channel (web page, API token, command line, background worker) and, for web and API, the client
address as the configured trusted proxies give it and the whole user agent. The origin is covered
by the event's hash where there is one; events without one verify as before. The auditor's page,
the export (来源) and the records API show it."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select, text

from examsvc.audit_origin import MAX_AGENT_CHARS
from question_bank import import_worker
from question_bank.models import AuditEvent, Role
from question_bank.services import attempts, audit
from question_bank.services.api_tokens import Scope
from tests import tamper
from tests.examsvc.records_api_world import build
from tests.examsvc.sign_in_helpers import events, instance, try_sign_in
from tests.factories import questions_xlsx
from tests.question_bank.test_import_jobs import ROWS, factory, queue  # noqa: F401  (factory: the worker's sessions)
from tests.webclient import PASSWORD

#: What WeChat's in-app browser sends, well over the 300 characters the access log used to keep.
WECHAT = ("Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5197 MMWEBSDK/20230701 MMWEBID/5454 "
          "MicroMessenger/8.0.40.2420(0x28002851) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 "
          "qcloudcdn-xinan Process/toolsmp isDarkMode/0 WindowsWechat(0x63090719) XWEB/8461 Flue miniProgram "
          "wxwork/4.1.10 ColorScheme/Light")


def newest(db, action: str) -> AuditEvent:
    db.rollback()
    db.expire_all()
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())).first()


def test_f9_a_web_event_records_channel_address_and_the_whole_user_agent(db_url, session_clock, db, clock, make):
    assert len(WECHAT) > 300
    officer = make.user(Role.EXAM_ADMIN)
    client = instance(db_url, session_clock, db)
    try_sign_in(client, officer.username, PASSWORD, "192.0.2.10", **{"User-Agent": WECHAT})
    client.refresh_csrf("/exams/sittings")
    client.post("/logout", data={"csrf_token": client.csrf}, environ_base={"REMOTE_ADDR": "192.0.2.11"},
                headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"})
    (sign_in,), (sign_out,) = events(db, "auth.sign_in"), events(db, "auth.sign_out")
    assert sign_in.origin == {"channel": "web", "address": "192.0.2.10", "agent": WECHAT}
    assert sign_in.after["agent"] == WECHAT  # the access log's own copy is whole too
    assert sign_out.origin == {"channel": "web", "address": "192.0.2.11",
                               "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"}
    assert audit.verify(db).ok


def test_f9_a_change_made_on_a_page_carries_the_pages_origin(client, db, make):
    admin = make.user(Role.SYSADMIN, username="sys")
    client.login("sys")
    client.refresh_csrf("/units")
    client.post("/units", data={"name": "丙县司法局", "level": "department", "parent": str(admin.org_unit_id),
                                     "csrf_token": client.csrf},
                environ_base={"REMOTE_ADDR": "198.51.100.40"}, headers={"User-Agent": "Edg/131.0"})
    event = newest(db, "unit.create")
    assert event is not None and event.actor_id == admin.id
    assert event.origin == {"channel": "web", "address": "198.51.100.40", "agent": "Edg/131.0"}


@pytest.mark.parametrize("forged", [{"X-Forwarded-For": "6.6.6.6"}, {"X-Real-IP": "6.6.6.6"},
                                    {"Forwarded": "for=6.6.6.6"}])
def test_f9_without_a_trusted_proxy_a_forwarding_header_changes_no_origin(db_url, session_clock, db, make, forged):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db)
    try_sign_in(client, cadre.username, PASSWORD, "192.0.2.20", **forged)
    assert events(db, "auth.sign_in")[0].origin["address"] == "192.0.2.20"


@pytest.mark.parametrize("hops, forwarded, expected", [
    (1, "6.6.6.6, 198.51.100.77", "198.51.100.77"),
    (2, "6.6.6.6, 198.51.100.77, 10.0.0.9", "198.51.100.77"),
])
def test_f9_behind_trusted_proxies_the_origin_is_the_address_they_saw(db_url, session_clock, db, make, hops,
                                                                       forwarded, expected):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db, PROXY_HOPS=hops)
    try_sign_in(client, cadre.username, PASSWORD, "10.0.0.2", **{"X-Forwarded-For": forwarded})
    assert events(db, "auth.sign_in")[0].origin["address"] == expected


@pytest.mark.parametrize("length, status", [(MAX_AGENT_CHARS, 302), (MAX_AGENT_CHARS + 1, 431), (10_000, 431)])
def test_f9_a_user_agent_is_stored_whole_or_the_request_refused_never_cut(db_url, session_clock, db, make, length,
                                                                         status):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db)
    agent = ("Mozilla/5.0 " + "x" * length)[:length]
    response = try_sign_in(client, cadre.username, PASSWORD, "192.0.2.30", **{"User-Agent": agent})
    assert response.status_code == status
    if status == 431:
        assert "User-Agent" in response.get_data(as_text=True)
        assert events(db, "auth.sign_in") == [] and events(db, "auth.sign_in_failed") == []
    else:
        assert events(db, "auth.sign_in")[0].origin["agent"] == agent


def test_f9_a_records_api_request_is_channel_api_with_its_token(client, db, clock, make):
    world = build(make, db, clock)
    token, secret = world.token(db, clock, Scope.AUDIT)
    response = client.get("/api/v1/audit-events?action=api_token", headers={
        "Authorization": f"Bearer {secret}", "User-Agent": "python-requests/2.32.3"},
        environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert response.status_code == 200
    use = newest(db, "api_token.use")
    assert use.origin == {"channel": "api", "address": "203.0.113.50", "agent": "python-requests/2.32.3",
                          "token": token.id}
    # The API shows origins: the token's creation was made through the service (none), this use through the API.
    again = client.get("/api/v1/audit-events?action=api_token&limit=200",
                       headers={"Authorization": f"Bearer {secret}"}).get_json()["items"]
    shown = {e["id"]: e["origin"] for e in again}
    assert shown[use.id] == use.origin
    assert any(origin is None for origin in shown.values())
    refused = client.get("/api/v1/audit-events", headers={"Authorization": "Bearer not-ours"},
                         environ_base={"REMOTE_ADDR": "203.0.113.51"})
    assert refused.status_code == 401
    assert newest(db, "api_token.refuse").origin["channel"] == "api"
    assert newest(db, "api_token.refuse").origin["address"] == "203.0.113.51"


def test_f9_a_command_records_channel_cli_and_its_name(app, db, clock, make):
    cadre = make.cadre()
    make.questions(2, "single_choice", key=["B"])
    sitting = make.sitting(roster=[cadre])
    attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    db.commit()
    clock.advance(hours=6)
    result = app.test_cli_runner().invoke(args=["sweep-overdue"])
    assert "closed 1" in result.output
    db.rollback()
    (closed,) = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "attempt",
                                                    AuditEvent.origin.is_not(None))).all()
    assert closed.actor_id is None and closed.origin == {"channel": "cli", "command": "sweep-overdue"}


def test_f9_a_background_import_records_channel_worker_and_the_worker(db, clock, make, factory):
    editor = make.user(Role.BANK_EDITOR, username="editor")
    queue(db, clock, editor, questions_xlsx(ROWS[:2]))
    assert import_worker.run_one(factory, clock, "host-1:42:abcd").state == "done"
    db.rollback()
    made = db.scalars(select(AuditEvent).where(AuditEvent.origin.is_not(None))).all()
    assert made and {e.actor_id for e in made if e.action.startswith("question")} <= {editor.id}
    assert all(e.origin == {"channel": "worker", "worker": "host-1:42:abcd"} for e in made)


def test_f9_the_origin_is_under_the_hash_and_events_without_one_still_verify(db, engine, clock, make):
    actor = make.user(Role.EXAM_ADMIN)
    audit.record(db, clock, actor, "sitting.create", "sitting", 1)
    db.info[audit.ORIGIN_KEY] = {"channel": "web", "address": "192.0.2.1", "agent": "Firefox/128.0"}
    with_origin = audit.record(db, clock, actor, "sitting.update", "sitting", 1)
    del db.info[audit.ORIGIN_KEY]
    audit.record(db, clock, actor, "sitting.update", "sitting", 2)
    db.commit()
    assert db.scalar(select(text("count(*)")).select_from(AuditEvent).where(AuditEvent.origin.is_(None))) >= 2
    assert audit.verify(db).ok
    # Someone rewriting where an event came from, behind the service's back, breaks the chain there.
    tamper.execute(engine, db, "UPDATE audit_event SET origin = :o WHERE id = :id",
                   o='{"channel": "cli", "command": "load-demo"}', id=with_origin.id)
    check = audit.verify(db)
    assert not check.ok and check.broken_at == with_origin.id


@pytest.fixture
def shown_events(db, clock, make):
    """Three events: one from a page, one from a command, one from before origins were recorded."""
    admin = make.user(Role.EXAM_ADMIN, username="alice")
    make.user(Role.AUDITOR, username="auditor1")
    db.info[audit.ORIGIN_KEY] = {"channel": "web", "address": "192.0.2.7", "agent": WECHAT}
    audit.record(db, clock, admin, "sitting.create", "sitting", 7)
    db.info[audit.ORIGIN_KEY] = {"channel": "cli", "command": "sweep-overdue"}
    audit.record(db, clock, None, "attempt.timed_out", "attempt", 3)
    del db.info[audit.ORIGIN_KEY]
    audit.record(db, clock, admin, "sitting.update", "sitting", 7)
    db.commit()


def test_f9_the_auditors_page_shows_each_events_origin(client, shown_events):
    client.login("auditor1")
    page = client.get("/audit/").get_data(as_text=True)
    cells = dict(re.findall(r'class="action" data-action="([^"]+)">[^<]*</td>.*?<td class="origin">(.*?)</td>', page, re.S))
    assert "192.0.2.7" in cells["sitting.create"] and WECHAT in cells["sitting.create"]
    assert "命令行" in cells["attempt.timed_out"] or "Command line" in cells["attempt.timed_out"]
    assert "sweep-overdue" in cells["attempt.timed_out"]
    assert cells["sitting.update"] == "—"
    # The auditor's own sign-in, through the page, shows where it came from.
    assert "网页" in cells["auth.sign_in"] or "Web page" in cells["auth.sign_in"]


def test_f9_the_audit_export_has_a_source_column(client, shown_events):
    client.login("auditor1")
    rows = list(csv.reader(io.StringIO(client.get("/audit/events.csv").data.decode("utf-8-sig"))))
    assert rows[0][9] == "来源"
    by_action = {row[3]: row[9] for row in rows[1:]}
    assert by_action["sitting.create"] == f"网页；地址 192.0.2.7；用户代理 {WECHAT}"
    assert by_action["attempt.timed_out"] == "命令行 sweep-overdue"
    assert by_action["sitting.update"] == ""
    book = openpyxl.load_workbook(io.BytesIO(client.get("/audit/events.xlsx?action=sitting.create").data))
    header, first = list(book.active.iter_rows(max_row=2, values_only=True))
    assert header[9] == "来源" and first[9] == f"网页；地址 192.0.2.7；用户代理 {WECHAT}"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "<b>x</b>", "198.51.100.77:8080", "", "999.1.1.1",
                                       "6.6.6.6, not-an-ip", "unknown"])
def test_tester_4_behind_a_proxy_a_forwarded_value_that_is_no_address_gives_the_proxys_address(
        db_url, session_clock, db, make, forwarded):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db, PROXY_HOPS=1)
    try_sign_in(client, cadre.username, PASSWORD, "10.0.0.2", **{"X-Forwarded-For": forwarded})
    origin = events(db, "auth.sign_in")[0].origin
    if forwarded == "":  # an empty header forwards nothing: the peer's address, nothing to note
        assert origin["address"] == "10.0.0.2" and "forwarded_for_unusable" not in origin
    else:
        assert origin["address"] == "10.0.0.2" and origin["forwarded_for_unusable"] is True


@pytest.mark.parametrize("forwarded", ["198.51.100.77", "2001:db8::7", "6.6.6.6, 203.0.113.9"])
def test_tester_4_behind_a_proxy_a_forwarded_address_is_kept_without_a_note(db_url, session_clock, db, make, forwarded):
    cadre = make.cadre()
    client = instance(db_url, session_clock, db, PROXY_HOPS=1)
    try_sign_in(client, cadre.username, PASSWORD, "10.0.0.2", **{"X-Forwarded-For": forwarded})
    origin = events(db, "auth.sign_in")[0].origin
    assert origin["address"] == forwarded.split(", ")[-1] and "forwarded_for_unusable" not in origin


def test_tester_7_an_address_that_is_the_proxys_own_is_said_so_on_the_page_and_in_both_exports(
        db_url, session_clock, db, make):
    """``forwarded_for_unusable``: the page and the CSV/xlsx say in words that the address is the
    proxy's, not the client's; an address forwarded properly carries no such words."""
    make.user(Role.AUDITOR, username="auditor1")
    for forwarded in ("not-an-ip", "198.51.100.77"):
        try_sign_in(instance(db_url, session_clock, db, PROXY_HOPS=1), make.cadre().username, PASSWORD, "10.0.0.2",
                    **{"X-Forwarded-For": forwarded})
    client = instance(db_url, session_clock, db)
    client.login("auditor1")
    page = client.get("/audit/?action=auth.sign_in").get_data(as_text=True)
    cells = re.findall(r'<td class="origin">(.*?)</td>', page, re.S)
    said = [cell for cell in cells if "forwarded-unusable" in cell]
    assert len(said) == 1 and "10.0.0.2" in said[0] and "proxy's own address" in said[0]
    assert any("198.51.100.77" in cell and "forwarded-unusable" not in cell for cell in cells)
    rows = list(csv.reader(io.StringIO(client.get("/audit/events.csv?action=auth.sign_in").data.decode("utf-8-sig"))))
    sources = [row[9] for row in rows[1:]]
    assert "地址 10.0.0.2（代理转发的客户端地址无法识别，记录的是代理自身的地址）" in " ".join(sources)
    assert not any("代理自身的地址" in source for source in sources if "198.51.100.77" in source)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/audit/events.xlsx?action=auth.sign_in").data))
    assert sum("代理自身的地址" in (row[9] or "") for row in book.active.iter_rows(min_row=2, values_only=True)) == 1
