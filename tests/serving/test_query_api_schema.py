"""The query API against its own OpenAPI document (schemathesis): with a valid key, no
generated request gets a 5xx or a status code the document does not list, and every
answer matches its declared shape."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Env
from tests.drills.harness import FULL, DrillRow, record

#: Examples per route are multiplied by this in the hostile-input drill (``make drills``).
SCALE = 5 if FULL else 1


@pytest.fixture
def query_api_schema(env: Env) -> Iterator[schemathesis.BaseSchema]:
    from serving.app import create_app

    # hundreds of generated requests a minute: lift the per-key rate for this test
    app = create_app(dataclasses.replace(env.settings, api_rate_limit_per_minute=1_000_000))
    with TestClient(app):  # runs the lifespan: the hot tier's tables exist
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_generated_requests_get_no_5xx_and_only_documented_codes(
    query_api_schema: schemathesis.BaseSchema, env: Env
) -> None:
    # Driven by hand rather than schemathesis' pytest plugin, which does not run on
    # this pytest; the checks are the same.
    operations = [result.ok() for result in query_api_schema.get_all_operations()]
    assert sorted(op.label for op in operations) == [
        "DELETE /api/v1/funnels/{definition_id}",
        "DELETE /api/v1/goals/{definition_id}",
        "DELETE /api/v1/segments/{definition_id}",
        "GET /api/v1/admin/erasures",
        "GET /api/v1/admin/erasures/{erasure_id}",
        "GET /api/v1/experiments",
        "GET /api/v1/experiments/{experiment_id}",
        "GET /api/v1/funnels",
        "GET /api/v1/funnels/{definition_id}",
        "GET /api/v1/funnels/{funnel_id}/analysis",
        "GET /api/v1/goals",
        "GET /api/v1/goals/{definition_id}",
        "GET /api/v1/keys",
        "GET /api/v1/realtime",
        "GET /api/v1/realtime/stream",
        "GET /api/v1/segments",
        "GET /api/v1/segments/{definition_id}",
        "GET /api/v1/sites",
        "GET /healthz",
        "POST /api/v1/admin/erasures",
        "POST /api/v1/funnels",
        "POST /api/v1/funnels/analysis",
        "POST /api/v1/goals",
        "POST /api/v1/query",
        "POST /api/v1/retention",
        "POST /api/v1/segments",
        "PUT /api/v1/funnels/{definition_id}",
        "PUT /api/v1/goals/{definition_id}",
        "PUT /api/v1/segments/{definition_id}",
    ]
    # the stream never ends unless asked to stop: tested on its own (test_realtime)
    operations = [op for op in operations if op.label != "GET /api/v1/realtime/stream"]
    writer = env.store.create_key(env.tracking_id, scopes=("read", "write", "admin"))
    auth = {"Authorization": f"Bearer {writer}"}
    statuses: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=(200 if operation.label == "POST /api/v1/query" else 60) * SCALE,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def call(case: schemathesis.Case) -> None:
            if isinstance(case.body, dict) and isinstance(case.body.get("tracking_id"), str):
                case.body["tracking_id"] = env.tracking_id  # past the 403, into the query
            if isinstance(case.query, dict) and isinstance(case.query.get("tracking_id"), str):
                case.query["tracking_id"] = env.tracking_id
            response = case.call_and_validate(headers=auth, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        call()
    print(statuses)
    assert statuses.get(200, 0) > 0 and statuses.get(400, 0) > 0  # both paths were tried
    if FULL:
        record(
            DrillRow(
                "hostile input (query and admin API)",
                f"{sum(statuses.values()):,} schemathesis requests over {len(operations)} routes",
                "every documented route, generated bodies and parameters",
                0,
                0,
                0,
                sum(c for code, c in statuses.items() if code >= 500 and code != 503),
            )
        )


def test_the_document_declares_bearer_auth_and_every_error_code(env: Env) -> None:
    from serving.app import create_app

    doc = TestClient(create_app(env.settings)).get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A site's API key (`strata keys create --site ST-XXXX`).",
    }
    operation = doc["paths"]["/api/v1/query"]["post"]
    assert operation["security"] == [{"ApiKey": []}]
    assert sorted(operation["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "429",
        "503",
        "504",
    ]
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            if path.startswith("/api/"):
                assert operation["security"] == [{"ApiKey": []}], (method, path)
                assert "429" in operation["responses"], (method, path)
