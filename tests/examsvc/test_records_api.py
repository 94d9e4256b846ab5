"""The read-only records API (issue 6): bearer tokens only, scoped to scopes and a unit subtree,
refused with 401/403 JSON when missing, unknown, revoked, expired or short of scope, every use and
refusal audited; sittings, score records (exact decimal strings, masked ID numbers, the ledger
history, nothing that disagrees with the ledger) and audit events, paged by a stable cursor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from question_bank.models import AuditEvent, Role
from question_bank.services import api_tokens, audit
from question_bank import id_vault
from question_bank.services.api_tokens import Scope
from tests.conftest import at
from tests.examsvc.records_api_world import build


@pytest.fixture
def world(make, db, clock):
    return build(make, db, clock)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_scores_are_exact_decimal_strings_with_masked_id_numbers_and_the_ledger_history(client, db, clock, world):
    _token, secret = world.token(db, clock, Scope.SCORES)
    response = client.get(f"/api/v1/sittings/{world.sitting.id}/scores", headers=bearer(secret))
    assert response.status_code == 200
    items = {i["candidate"]["name"]: i for i in response.get_json()["items"]}
    zhang, li = items["张三"], items["李四"]
    assert (zhang["score"], zhang["max_score"], zhang["passed"], zhang["score_state"]) == ("100.00", "100.00", True, "recorded")
    assert (li["score"], li["passed"], li["status"]) == ("37.50", False, "submitted")
    assert zhang["candidate"]["id_number"] == "110101********4514"
    assert "19900307" not in response.get_data(as_text=True)
    assert [(h["score"], h["reason"], h["intact"]) for h in li["history"]] == [("37.50", "submitted", True)]
    assert li["attempt"]["attempt_no"] == 1 and li["attempt"]["finished_at"].endswith("+00:00")


def test_a_regrade_shows_in_the_history_after_what_it_changed(client, db, clock, make, world):
    from question_bank.models import RegradeKind
    from question_bank.services import regrade

    admin = make.user(Role.EXAM_ADMIN, username="examadmin")
    question_id = regrade.questions_used(db, world.sitting)[-1].id  # slot 8: 李四 answered it wrong
    regrade.apply(db, clock, admin, world.sitting.id, question_id, RegradeKind.VOID_FULL_MARKS, "题干有误")
    db.commit()
    _token, secret = world.token(db, clock, Scope.SCORES)
    items = client.get(f"/api/v1/sittings/{world.sitting.id}/scores", headers=bearer(secret)).get_json()["items"]
    li = next(i for i in items if i["candidate"]["name"] == "李四")
    assert [h["score"] for h in li["history"]] == ["37.50", "50.00"]
    assert li["history"][1]["reason"].startswith("regrade") and li["score"] == "50.00"


def test_a_question_removed_from_the_total_scales_the_pass_mark_given_with_the_score(client, db, clock, make, world):
    from question_bank.models import RegradeKind
    from question_bank.services import regrade

    _token, secret = world.token(db, clock, Scope.SCORES)
    url = f"/api/v1/sittings/{world.sitting.id}/scores"
    before = {i["candidate"]["name"]: i for i in client.get(url, headers=bearer(secret)).get_json()["items"]}
    assert (before["李四"]["max_score"], before["李四"]["pass_mark"]) == ("100.00", "60.00")
    admin = make.user(Role.EXAM_ADMIN, username="examadmin")
    question_id = regrade.questions_used(db, world.sitting)[-1].id
    regrade.apply(db, clock, admin, world.sitting.id, question_id, RegradeKind.VOID_REMOVED, "超出范围")
    db.commit()
    after = {i["candidate"]["name"]: i for i in client.get(url, headers=bearer(secret)).get_json()["items"]}
    # 60 of 100 becomes 52.50 of 87.5: the same share, so a reader can judge the score without the paper.
    assert (after["李四"]["score"], after["李四"]["max_score"], after["李四"]["pass_mark"]) == ("37.50", "87.50", "52.50")
    assert after["张三"]["pass_mark"] == "52.50"


def test_a_score_changed_behind_the_ledger_is_not_given(client, db, clock, world):
    db.execute(text("UPDATE attempt SET score = max_score, passed = :yes WHERE user_id = :uid"),
               {"yes": True, "uid": world.cadre_b.id})
    db.commit()
    _token, secret = world.token(db, clock, Scope.SCORES)
    items = client.get(f"/api/v1/sittings/{world.sitting.id}/scores", headers=bearer(secret)).get_json()["items"]
    li = next(i for i in items if i["candidate"]["name"] == "李四")
    assert (li["score_state"], li["score"], li["passed"]) == ("mismatch", None, None)
    assert li["history"][-1]["score"] == "37.50"


def test_a_city_token_reads_only_its_own_cadres_and_sittings(client, db, clock, world):
    _token, secret = world.token(db, clock, unit=world.city_a)
    sittings = client.get("/api/v1/sittings", headers=bearer(secret)).get_json()["items"]
    assert [(s["id"], s["roster_in_scope"]) for s in sittings] == [(world.sitting.id, 1)]
    items = client.get(f"/api/v1/sittings/{world.sitting.id}/scores", headers=bearer(secret)).get_json()["items"]
    assert [i["candidate"]["name"] for i in items] == ["张三"]
    for path in (f"/api/v1/sittings/{world.b_only.id}", f"/api/v1/sittings/{world.b_only.id}/scores",
                 f"/api/v1/sittings?unit_id={world.city_b.id}", f"/api/v1/sittings/{world.sitting.id}/scores?unit_id={world.city_b.id}"):
        response = client.get(path, headers=bearer(secret))
        assert (response.status_code, response.get_json()["error"]) == (404, "not_found"), path


def test_filters_by_kind_unit_and_opening_time(client, db, clock, world):
    _token, secret = world.token(db, clock, Scope.SITTINGS)

    def ids(query: str) -> list[int]:
        response = client.get("/api/v1/sittings?" + query, headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        return [s["id"] for s in response.get_json()["items"]]

    both = [world.sitting.id, world.b_only.id]
    assert ids("") == both
    assert ids(f"unit_id={world.city_a.id}") == [world.sitting.id]
    assert ids("opens_from=2026-05-31T16:00:00%2B00:00") == [world.b_only.id]
    assert ids("opens_before=2026-06-01T09:00:00%2B08:00") == [world.sitting.id]
    assert ids("kind=annual") == []
    assert ids("kind=pre_appointment") == both


@pytest.mark.parametrize("query, place", [("limit=0", "limit"), ("limit=201", "limit"), ("after=-1", "after"),
                                          ("opens_from=2026-05-01T09:00:00", "opens_from"),  # no offset: which zone?
                                          ("kind=exam", "kind"), ("unit_id=abc", "unit_id")])
def test_a_parameter_out_of_bounds_is_refused_naming_it(client, db, clock, world, query, place):
    _token, secret = world.token(db, clock, Scope.SITTINGS)
    response = client.get("/api/v1/sittings?" + query, headers=bearer(secret))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid" and [p["place"] for p in body["problems"]] == [place]


def test_pages_follow_the_cursor_without_skipping_or_repeating_when_records_are_added(client, db, clock, make, world):
    _token, secret = world.token(db, clock, Scope.SITTINGS)
    first = client.get("/api/v1/sittings?limit=1", headers=bearer(secret)).get_json()
    assert [s["id"] for s in first["items"]] == [world.sitting.id] and first["next_after"] == world.sitting.id
    added = make.sitting(roster=[world.cadre_a], title="后加的场次")
    second = client.get(f"/api/v1/sittings?limit=1&after={first['next_after']}", headers=bearer(secret)).get_json()
    third = client.get(f"/api/v1/sittings?limit=1&after={second['next_after']}", headers=bearer(secret)).get_json()
    assert [s["id"] for s in second["items"] + third["items"]] == [world.b_only.id, added.id]
    assert third["next_after"] is None


@pytest.mark.parametrize("header, reason", [
    (None, "missing"), ("Bearer", "malformed"), ("Basic cm9vdDpwYXNz", "malformed"), ("Bearer not-ours", "malformed"),
    ("Bearer exs_" + "A" * 43, "unknown")])
def test_requests_without_a_good_token_are_refused_with_401_and_audited(client, db, clock, world, header, reason):
    response = client.get("/api/v1/sittings", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["reason"] == reason and response.get_json()["error"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm=')
    refused = events(db, api_tokens.REFUSED)
    assert [(e.after["reason"], e.after["path"]) for e in refused] == [(reason, "/api/v1/sittings")]
    assert "exs_AAAA" not in str(refused[0].after)  # what was presented is not kept


def test_revoked_and_expired_tokens_are_refused_and_the_refusal_names_the_token(client, db, clock, world):
    revoked, revoked_secret = world.token(db, clock)
    expired, expired_secret = world.token(db, clock, days=1)
    assert client.get("/api/v1/sittings", headers=bearer(revoked_secret)).status_code == 200
    api_tokens.revoke_token(db, clock, world.root_admin, revoked.id)
    db.commit()
    clock.set(at("10:00:00") + dt.timedelta(days=1))
    for secret, reason in ((revoked_secret, "revoked"), (expired_secret, "expired")):
        response = client.get("/api/v1/sittings", headers=bearer(secret))
        assert (response.status_code, response.get_json()["reason"]) == (401, reason)
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert [(e.object_id, e.after["reason"]) for e in events(db, api_tokens.REFUSED)] == [
        (str(revoked.id), "revoked"), (str(expired.id), "expired")]


def test_a_token_without_the_scope_gets_403_and_each_use_is_audited_with_its_last_use(client, db, clock, world):
    token, secret = world.token(db, clock, Scope.SITTINGS)
    assert token.last_used_at is None
    clock.advance(seconds=60)
    assert client.get("/api/v1/sittings?kind=annual", headers=bearer(secret)).status_code == 200
    for path in (f"/api/v1/sittings/{world.sitting.id}/scores", "/api/v1/audit-events"):
        response = client.get(path, headers=bearer(secret))
        assert (response.status_code, response.get_json()["reason"]) == (403, "scope")
    db.refresh(token)
    assert token.last_used_at == clock.now()
    assert [(e.after["path"], e.after["query"]) for e in events(db, api_tokens.USED)] == [("/api/v1/sittings", "kind=annual")]
    assert [e.after["reason"] for e in events(db, api_tokens.REFUSED)] == ["scope", "scope"]
    assert events(db, "auth.refused") == []  # the page access log leaves token refusals to the API


def test_a_signed_in_browser_session_does_not_open_the_api(client, make, db, clock, world):
    make.user(Role.HR, Role.AUDITOR, username="hr_auditor")
    client.login("hr_auditor")
    for path in ("/api/v1/sittings", f"/api/v1/sittings/{world.sitting.id}/scores", "/api/v1/audit-events"):
        response = client.get(path)
        assert (response.status_code, response.get_json()["reason"]) == (401, "missing"), path
        assert "Set-Cookie" not in response.headers


def test_a_token_does_not_sign_anyone_in_to_the_pages(client, db, clock, world):
    _token, secret = world.token(db, clock)
    for path in ("/reports/sittings", "/audit/", "/users", "/api-tokens"):
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_audit_events_of_a_city_token_are_its_people_and_id_numbers_are_masked(client, db, clock, world):
    audit.record(db, clock, world.admin_a, "user.update", "user", world.cadre_a.id,
                 after={"id_number": id_vault.reveal(world.cadre_a), "nested": [{"id_number": "110101199003074514"}]})
    audit.record(db, clock, world.root_admin, "unit.rename", "org_unit", world.city_b.id, after={"name": "乙市"})
    # A provincial admin's changes: about the city's cadre (the city reads it) and another city's (it does not).
    audit.record(db, clock, world.root_admin, "user.update", "user", world.cadre_a.id, after={"rank": "处级"})
    audit.record(db, clock, world.root_admin, "user.update", "user", world.cadre_b.id, after={"rank": "处级"})
    db.commit()
    _token, city_secret = world.token(db, clock, Scope.AUDIT, unit=world.city_a, admin=world.admin_a)
    _token, root_secret = world.token(db, clock, Scope.AUDIT)
    city = client.get("/api/v1/audit-events?action=user.update", headers=bearer(city_secret)).get_json()["items"]
    assert [(e["actor"], e["action"], e["object_id"]) for e in city] == [
        ("admin_a", "user.update", str(world.cadre_a.id)), ("root_admin", "user.update", str(world.cadre_a.id))]
    assert city[0]["after"] == {"id_number": "110101********4514", "nested": [{"id_number": "110101********4514"}]}
    everything = client.get("/api/v1/audit-events?limit=200", headers=bearer(root_secret)).get_json()["items"]
    assert "unit.rename" in [e["action"] for e in everything]
    assert "unit.rename" not in [e["action"] for e in
                                 client.get("/api/v1/audit-events?limit=200", headers=bearer(city_secret)).get_json()["items"]]
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids)


def test_audit_events_filter_by_object_and_period_and_refuse_a_period_ending_before_it_starts(client, db, clock, world):
    clock.set(at("08:00:00"))
    audit.record(db, clock, world.root_admin, "sitting.update", "sitting", world.sitting.id, after={"title": "改"})
    clock.set(at("11:00:00"))
    audit.record(db, clock, world.root_admin, "sitting.update", "sitting", world.b_only.id, after={"title": "改"})
    db.commit()
    _token, secret = world.token(db, clock, Scope.AUDIT)

    def found(query: str) -> list[str]:
        response = client.get("/api/v1/audit-events?action=sitting.update&" + query, headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        return [e["object_id"] for e in response.get_json()["items"]]

    assert found("") == [str(world.sitting.id), str(world.b_only.id)]
    assert found(f"object_type=sitting&object_id={world.b_only.id}") == [str(world.b_only.id)]
    assert found("since=2026-05-11T02:00:00Z") == [str(world.b_only.id)]
    assert found("until=2026-05-11T10:00:00%2B08:00") == [str(world.sitting.id)]
    refused = client.get("/api/v1/audit-events?since=2026-05-11T10:00:00Z&until=2026-05-11T09:00:00Z",
                         headers=bearer(secret))
    assert refused.status_code == 422 and [p["place"] for p in refused.get_json()["problems"]] == ["until"]


def test_a_nul_character_in_a_parameter_is_refused_naming_it_on_both_databases(client, db, clock, world):
    """Found by schemathesis: PostgreSQL failed on object_type=%00 (it cannot store NUL), SQLite did not."""
    _token, secret = world.token(db, clock, Scope.AUDIT)
    response = client.get("/api/v1/audit-events?object_type=%00&action=x", headers=bearer(secret))
    assert response.status_code == 422 and [p["place"] for p in response.get_json()["problems"]] == ["object_type"]
