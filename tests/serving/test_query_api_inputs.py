"""Query API input handling found by the hostile-input probe: authentication comes
before any validation, and out-of-range or malformed values are 400, never 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Env


@pytest.fixture
def api(env: Env) -> Iterator[TestClient]:
    from serving.app import create_app

    with TestClient(create_app(env.settings), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {env.key}"
        yield client


def _q(api: TestClient, **body: object):
    return api.post(
        "/api/v1/query", json={"tracking_id": "ST-TEST", "metrics": ["pageviews"], **body}
    )


@pytest.mark.parametrize(
    ("date_range", "message"),
    [
        ({"start": "9999-12-31", "end": "9999-12-31"}, "between 2000-01-01 and 2100-12-31"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "between 2000-01-01 and 2100-12-31"),
        ({"start": 0, "end": "2026-03-01"}, "YYYY-MM-DD"),
        ({"start": "2026-03-01T00:00:00", "end": "2026-03-01"}, "YYYY-MM-DD"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "date_range.start"),
    ],
)
@pytest.mark.parametrize("dimensions", [["hour"], ["date"]])
def test_dates_outside_the_supported_range_or_not_iso_are_400(
    api: TestClient, date_range: dict, message: str, dimensions: list[str]
) -> None:
    r = _q(api, dimensions=dimensions, date_range=date_range)
    assert r.status_code == 400, r.text
    assert message in r.json()["detail"]


@pytest.mark.parametrize("kind", ["first_seen_after", "first_seen_before"])
@pytest.mark.parametrize("path", ["/api/v1/retention", "/api/v1/query"])
def test_a_segments_first_seen_date_outside_the_supported_range_is_400(
    api: TestClient, kind: str, path: str
) -> None:
    """Found by the schema fuzzer: year 999 reached ClickHouse, which cannot hold it."""
    body = {"tracking_id": "ST-TEST", "segment": {"conditions": [{kind: "0999-01-01"}]}}
    if path == "/api/v1/query":
        body["metrics"] = ["visitors"]
    r = api.post(path, json=body)
    assert r.status_code == 400, r.text
    assert kind in r.json()["detail"] and "between 2000-01-01 and 2100-12-31" in r.json()["detail"]


def test_the_last_supported_day_answers(api: TestClient) -> None:
    r = _q(api, dimensions=["hour"], date_range={"start": "2100-12-31", "end": "2100-12-31"})
    assert r.status_code == 200 and r.json()["rows"] == []


def test_a_lone_surrogate_in_a_filter_value_is_400(api: TestClient) -> None:
    body = '{"tracking_id": "ST-TEST", "metrics": ["pageviews"], "filters": {"country": "\\ud800"}}'
    r = api.post("/api/v1/query", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "filters" in r.json()["detail"] and "surrogate" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"metrics": 5}', b'{"tracking_id": "ST-TEST", "metrics": ["pageviews"]}'],
)
def test_without_a_key_every_request_is_401_before_its_body_is_read(
    api: TestClient, body: bytes
) -> None:
    for auth in ("", "Bearer", "Bearer sk_nope", "Basic abc"):
        r = api.post(
            "/api/v1/query",
            content=body,
            headers={"Authorization": auth, "Content-Type": "application/json"},
        )
        assert r.status_code == 401, (auth, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert set(r.json()) == {"detail"} and "metrics" not in r.json()["detail"]


def test_bad_input_is_400_not_422(api: TestClient) -> None:
    r = api.post("/api/v1/query", json={"tracking_id": "ST-TEST"})
    assert r.status_code == 400 and "metrics" in r.json()["detail"]
