"""SEC-A3: role × route matrix, deny by default. Every route of ``app.url_map`` has a row in the policy
table (``examsvc/policy.py``), and calling each route with each role's signed-in session lets in exactly
the roles the row names: the others get 403 (signed in) or the sign-in page / 401 (signed out)."""

from __future__ import annotations

import pytest

from examsvc.policy import API_TOKEN, CANDIDATE_OWN, POLICY, PUBLIC, SIGNED_IN, allows, rule_for
from question_bank.models import Role
from tests.examsvc.route_matrix import ANONYMOUS, ROLE_NAMES, call, client_as, refused, requests_of

LOGOUT = "auth.logout"


def test_sec_a3_every_route_has_a_row_and_every_row_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - POLICY.keys()) == [], "routes without a row in examsvc/policy.py (deny by default)"
    assert sorted(POLICY.keys() - endpoints) == [], "rows in examsvc/policy.py for routes that no longer exist"
    for rule, method, _ in requests_of(app):
        assert rule_for(rule.endpoint, method) is not None, f"{rule.endpoint} {method}: no rule for this method"


def _signed_out_now(client) -> bool:
    return refused(client.get("/password"))


@pytest.mark.parametrize("role_name", ROLE_NAMES)
def test_sec_a3_each_role_reaches_exactly_the_routes_the_policy_allows(role_name, app, make, client_factory):
    role = None if role_name == ANONYMOUS else Role(role_name)
    client = client_as(role_name, make, client_factory)
    wrong = []
    for rule, method, url in requests_of(app):
        expected = allows(rule_for(rule.endpoint, method), role)
        response = call(client, rule, method, url)
        if rule.endpoint == LOGOUT and role is not None:
            # Signing out answers with the sign-in page either way: it was let in if the session ended.
            let_in = response.status_code == 302 and _signed_out_now(client)
        else:
            let_in = not refused(response)
        if response.status_code >= 500:
            wrong.append(f"{method} {url}: {response.status_code}")
        elif let_in != expected:
            wrong.append(f"{method} {url} ({rule.endpoint}): {'let in' if let_in else 'refused'} with "
                         f"{response.status_code}, the policy says {'allow' if expected else 'deny'}")
        elif not let_in and rule_for(rule.endpoint, method) == API_TOKEN:
            # A browser session counts for nothing on the records API: it asks for a Bearer token.
            assert response.status_code == 401 and "Bearer" in response.headers.get("WWW-Authenticate", ""), url
        elif not let_in and role is not None:
            # A signed-in person without the role is told no, not sent to sign in again.
            assert response.status_code == 403, f"{method} {url}: {response.status_code}"
    assert wrong == []


def _let_in(role: Role) -> set[str]:
    return {endpoint for endpoint in POLICY if any(allows(rule_for(endpoint, m), role) for m in ("GET", "POST"))}


#: Writes anyone may send for themselves: their session, language and password, and the public check of a
#: printed score report's verification code (it stores only the lookup, for its rate limit) and using a one-time
#: reset link (the link is the credential).
SELF_SERVICE = {"static", "auth.login", "auth.set_language", "auth.index", "auth.logout", "auth.change_password",
                "verification.lookup", "auth.reset_with_link"}


def test_sec_a3_the_policy_keeps_duties_apart(app):
    """The separations SEC-A3 names, read off the table (the matrix test holds the app to the table)."""
    cadre = _let_in(Role.CADRE)
    # The candidate cannot create admins, edit the bank, assemble papers, change scores or export.
    for endpoint in ("auth.new_user", "auth.edit_user", "bank.edit_question", "bank.new_question", "bank.import_upload",
                     "exams.new_paper", "exams.edit_paper", "exams.propose_change", "exams.decide_change",
                     "exams.regrade_post", "marking.mark", "reports.scores_csv", "reports.scores_xlsx",
                     "bank.export_questions", "audit.events_csv", "study_reports.download"):
        assert endpoint not in cadre, endpoint
    assert all(rule_for(e, "GET") in (PUBLIC, SIGNED_IN, CANDIDATE_OWN) or rule_for(e, "POST") in
               (PUBLIC, SIGNED_IN, CANDIDATE_OWN) for e in cadre)
    # HR can export but not edit questions or scores.
    hr = _let_in(Role.HR)
    assert {"reports.scores_csv", "reports.scores_xlsx", "study_reports.download"} <= hr
    assert not hr & {"bank.edit_question", "bank.new_question", "bank.import_upload", "exams.propose_change",
                     "exams.decide_change", "exams.regrade_post", "marking.mark"}
    # The bank editor cannot export personal data.
    assert not _let_in(Role.BANK_EDITOR) & {"reports.scores_csv", "reports.scores_xlsx", "study_reports.download",
                                            "audit.events_csv", "audit.events_xlsx", "auth.users"}
    # The auditor is read-only: no write beyond their own session and password.
    auditor_writes = {rule.endpoint for rule, method, _ in requests_of(app)
                      if method != "GET" and allows(rule_for(rule.endpoint, method), Role.AUDITOR)}
    assert auditor_writes <= SELF_SERVICE, auditor_writes - SELF_SERVICE
