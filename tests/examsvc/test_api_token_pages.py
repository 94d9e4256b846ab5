"""API tokens in the browser: a sysadmin makes one for a unit of their subtree and sees it once;
only its SHA-256 is stored; it can be revoked at once; a sysadmin of one city can neither make nor
revoke tokens of another, and no other role reaches the pages."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from question_bank.models import ApiToken, AuditEvent, Role
from question_bank.services import api_tokens
from tests.examsvc.records_api_world import build

TOKEN = re.compile(r"exs_[A-Za-z0-9_-]{43}")


def make_token(client, **fields):
    data = {"name": "组织部干部信息系统", "scopes": ["scores:read", "sittings:read"], "days": "90", **fields}
    return client.form_post("/api-tokens", data)


def test_a_token_is_shown_once_and_only_its_hash_is_kept(client, db, make, clock):
    world = build(make, db, clock)
    client.login("admin_a")
    page = make_token(client, org_unit_id=str(world.city_a.id))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = TOKEN.search(page.get_data(as_text=True)).group(0)
    token = db.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.scopes, token.org_unit_id, token.prefix) == (["scores:read", "sittings:read"], world.city_a.id, secret[:8])
    assert (token.expires_at - token.created_at).days == 90
    listing = client.get("/api-tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing and "组织部干部信息系统" in listing
    created = db.scalar(select(AuditEvent).where(AuditEvent.action == api_tokens.CREATED))
    assert secret not in str(created.after) and token.token_hash not in str(created.after)
    # The token works for the API until it is revoked in the browser.
    assert client.get("/api/v1/sittings", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoked = client.form_post(f"/api-tokens/{token.id}/revoke", follow_redirects=True)
    assert "令牌“组织部干部信息系统”已撤销" in revoked.get_data(as_text=True)
    refused = client.get("/api/v1/sittings", headers={"Authorization": f"Bearer {secret}"})
    assert (refused.status_code, refused.get_json()["reason"]) == (401, "revoked")


def test_bad_fields_are_named_and_nothing_is_made(client, db, make, clock):
    world = build(make, db, clock)
    client.login("admin_a")
    for fields in ({"scopes": []}, {"days": "400"}, {"days": "0"}, {"name": ""}, {"scopes": ["scores:write"]},
                   {"org_unit_id": str(world.city_b.id)}):
        response = make_token(client, **{"org_unit_id": str(world.city_a.id), **fields})
        assert response.status_code == 422, fields
        assert 'class="error"' in response.get_data(as_text=True), fields
    assert db.scalar(select(ApiToken)) is None


def test_a_city_sysadmin_cannot_touch_another_citys_token_and_other_roles_are_refused(client, db, make, clock):
    world = build(make, db, clock)
    token_b, _secret = world.token(db, clock, unit=world.city_b)
    client.login("admin_a")
    assert "乙市" not in client.get("/api-tokens").get_data(as_text=True)
    assert client.form_post(f"/api-tokens/{token_b.id}/revoke").status_code == 404
    db.refresh(token_b)
    assert token_b.revoked_at is None
    make.user(Role.HR, Role.AUDITOR, username="hr1")
    other = client.__class__(client.application, client.response_wrapper)
    other.db_session = db
    other.login("hr1")
    assert other.get("/api-tokens").status_code == 403
    assert other.post(f"/api-tokens/{token_b.id}/revoke", data={"csrf_token": other.csrf}).status_code == 403
