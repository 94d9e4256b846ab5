"""The records API's OpenAPI document: valid OpenAPI 3 (openapi-spec-validator), generated from
the code and covering every records route with its scope; and schemathesis sending generated
requests (good and bad parameters) with a token: no server error, and every answer's status,
content type and body as the document says."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from examsvc.records_api import PREFIX
from tests.examsvc.records_api_world import build


def test_the_document_is_valid_openapi_3_and_describes_every_records_route_with_its_scope(app, client):
    document = client.get("/api/openapi.json", follow_redirects=True).get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]}
    documented = {path: operations["get"] for path, operations in document["paths"].items()}
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("records.")]
    assert len(routes) == len(documented) == len(OPERATIONS)
    assert set(documented) == {PREFIX + path for path in OPERATIONS}
    for rule in routes:
        scope = app.view_functions[rule.endpoint].required_scope
        operation = documented[rule.rule.replace("<int:", "{").replace(">", "}")]
        assert operation["security"] == [{"bearerAuth": []}]
        assert f"`{scope}`" in operation["description"]
        assert {"200", "401", "403"} <= set(operation["responses"])
    # Points are documented as exact decimal strings, never as numbers.
    score = document["components"]["schemas"]["ScoreRecord"]["properties"]["score"]
    assert score["type"] == "string" and score["pattern"] == r"^[0-9]+\.[0-9]{2}$"


@pytest.fixture
def secret(make, db, clock) -> str:
    """A token holding every scope, on a province with sittings, attempts and audit events."""
    return build(make, db, clock).token(db, clock)[1]


#: Every operation of the document (the test above checks there are no others).
OPERATIONS = ("/sittings", "/sittings/{sitting_id}", "/sittings/{sitting_id}/scores", "/sittings/{sitting_id}/roster",
              "/audit-events", "/appraisal/cadres", "/appraisal/units")


@pytest.mark.parametrize("path", OPERATIONS)
def test_generated_requests_get_no_server_error_and_answers_as_documented(app, secret, path):
    # The operations are driven through Hypothesis directly: schemathesis's pytest fixture loader
    # reads a pytest attribute that pytest 9 no longer has.
    operation = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)[PREFIX + path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def answered_as_documented(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"},
                               checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                       response_schema_conformance])

    answered_as_documented()
