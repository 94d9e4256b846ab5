"""Far dates in filters (issue-6 outside tester: years like 0001 or 99999 crashed or returned
nonsense on one database): the appraisal and audit pages give a form error naming the field, the
records API a 422 naming the parameter, and the first and last searchable days (1900-01-01,
9998-12-31) work and find what lies between them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import html

import pytest

from question_bank.models import Role
from question_bank.services.api_tokens import Scope
from tests.examsvc.records_api_world import build


@pytest.fixture
def world(make, db, clock):
    found = build(make, db, clock)
    make.user(Role.HR, username="hr_root")
    make.user(Role.AUDITOR, username="auditor_root")
    return found


def page(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("query, taken", [("first_day=9998-01-01&last_day=9998-12-31", "0"), ("year=1900", "0"),
                                          ("year=9998", "0"), ("first_day=2026-01-01&last_day=2026-12-31", "1")])
def test_the_appraisal_page_takes_the_first_and_last_searchable_years(client, world, query, taken):
    client.login("hr_root")
    status, text = page(client, "/reports/appraisal/?" + query)
    assert status == 200 and 'id="appraisal-cadre"' in text
    csv_text = client.get("/reports/appraisal/cadre.csv?" + query).data.decode("utf-8-sig")
    zhang = next(line for line in csv_text.splitlines() if "张三" in line).split(",")
    assert zhang[5] == taken  # 参考场次: the 2026 sitting only in 2026


APPRAISAL = ("hr_root", "/reports/appraisal/", "/reports/appraisal/cadre.csv", 'id="appraisal-cadre"')
AUDIT = ("auditor_root", "/audit/", "/audit/events.csv", 'class="audit-event"')


@pytest.mark.parametrize("where, query, label", [
    (APPRAISAL, "first_day=0001-01-01&last_day=0001-12-31", "起始日"),
    (APPRAISAL, "first_day=2026-01-01&last_day=99999-12-31", "截止日期"),
    (APPRAISAL, "first_day=1899-12-31&last_day=1900-01-02", "起始日"), (APPRAISAL, "year=0001", "年度"),
    (APPRAISAL, "year=99999", "年度"), (APPRAISAL, "year=9999", "年度"),
    (AUDIT, "since=0001-01-01", "起始日期"), (AUDIT, "until=9999-12-31", "截至"), (AUDIT, "until=99999-01-01", "截至"),
    (AUDIT, "since=1899-12-31&until=2026-12-31", "起始日期"),
])
def test_a_page_refuses_a_far_date_naming_the_field(client, world, where, query, label):
    username, path, download, table = where
    client.login(username)
    status, text = page(client, f"{path}?{query}")
    assert status == 422 and f"<strong>{label}</strong>" in text and "1900" in text and "9998" in text
    assert table not in text
    assert client.get(f"{download}?{query}").status_code == 422


def test_the_audit_page_finds_every_event_between_the_first_and_last_searchable_days(client, world):
    client.login("auditor_root")
    _status, everything = page(client, "/audit/")
    status, text = page(client, "/audit/?since=1900-01-01&until=9998-12-31")
    assert status == 200 and text.count('class="audit-event"') == everything.count('class="audit-event"') > 0
    _status, none = page(client, "/audit/?since=9998-12-31&until=9998-12-31")
    assert none.count('class="audit-event"') == 0


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("path, query, place", [
    ("/api/v1/audit-events", "since=0001-01-01T00:00:00Z", "since"),
    ("/api/v1/audit-events", "until=9999-12-31T23:00:00-08:00", "until"),
    ("/api/v1/audit-events", "since=1899-12-31T23:59:59%2B08:00", "since"),
    ("/api/v1/audit-events", "until=99999-01-01T00:00:00Z", "until"),
    ("/api/v1/sittings", "opens_from=0001-01-01T00:00:00%2B08:00", "opens_from"),
    ("/api/v1/sittings", "opens_before=9999-12-31T00:00:00Z", "opens_before"),
    ("/api/v1/appraisal/cadres", "first_day=0001-01-01&last_day=0001-12-31", "first_day,last_day"),
    ("/api/v1/appraisal/units", "first_day=2026-01-01&last_day=9999-12-31", "last_day"),
    ("/api/v1/appraisal/cadres", "year=1", "year"), ("/api/v1/appraisal/cadres", "year=99999", "year"),
    ("/api/v1/appraisal/units", "year=1899", "year"),
])
def test_the_api_refuses_a_far_date_with_422_naming_the_parameter(client, db, clock, world, path, query, place):
    _token, secret = world.token(db, clock)
    response = client.get(f"{path}?{query}", headers=bearer(secret))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "invalid" and [p["place"] for p in body["problems"]] == place.split(",")


def test_the_api_takes_the_first_and_last_searchable_years(client, db, clock, world):
    _token, secret = world.token(db, clock)

    def items(path: str, query: str) -> list[dict]:
        response = client.get(f"{path}?{query}&limit=200", headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def events(query: str) -> list[dict]:
        """The events but the API's own reads (each read adds a token use and a read event)."""
        return [e for e in items("/api/v1/audit-events", query)
                if e["action"] != "api_token.use" and not e["action"].startswith("read.")]

    every = events("")
    assert len(every) > 0
    assert events("since=1900-01-01T00:00:00%2B08:00&until=9998-12-31T23:59:59-08:00") == every
    assert items("/api/v1/audit-events", "since=9998-12-31T00:00:00Z") == []
    assert [s["id"] for s in items("/api/v1/sittings", "opens_from=1900-01-01T00:00:00Z"
                                                       "&opens_before=9998-12-31T23:59:59-08:00")] == \
        [world.sitting.id, world.b_only.id]
    assert items("/api/v1/sittings", "opens_before=1900-01-02T00:00:00Z") == []
    assert [i["taken"] for i in items("/api/v1/appraisal/cadres", "first_day=9998-01-01&last_day=9998-12-31")] == [0, 0]
    assert [i["taken"] for i in items("/api/v1/appraisal/cadres", "year=1900")] == [0, 0]
    assert sorted(i["taken"] for i in items("/api/v1/appraisal/cadres", "year=2026")) == [1, 1]
