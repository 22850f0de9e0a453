"""Hygiene of the query API: a query past the time limit is stopped (504), and each key
has its own request rate (429 with Retry-After)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.backends import ClickHouseBackend, DuckDBBackend, QueryTimeoutError
from serving.ratelimit import KeyRateLimiter
from serving.sql import RenderedQuery
from tests.conftest import make_env


@pytest.mark.parametrize(
    ("backend", "sql"),
    [
        (ClickHouseBackend, "SELECT sum(number * number) FROM numbers(100000000000)"),
        (DuckDBBackend, "SELECT sum(i * i) FROM range(100000000000) t(i)"),
    ],
    ids=["clickhouse", "duckdb"],
)
def test_a_query_past_the_time_limit_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: type, sql: str
) -> None:
    env = make_env(tmp_path, monkeypatch)
    settings = dataclasses.replace(env.settings, query_timeout_seconds=0.5)
    engine = backend(settings)
    getattr(
        engine, "prepare", lambda: None
    )()  # a fresh hot tier gets its schema, as the API's start
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"longer than 0\.5 s"):
        engine.run(RenderedQuery(sql))
    assert time.monotonic() - started < 30  # stopped, not run to the end (hours)


def test_each_key_has_its_own_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch, STRATA_API_RATE_LIMIT_PER_MINUTE="3")
    other = env.store.create_key("ST-TEST")
    body = {"tracking_id": "ST-TEST", "metrics": ["pageviews"]}
    with TestClient(create_app(env.settings)) as api:
        first = {"Authorization": f"Bearer {env.key}"}
        assert [
            api.post("/api/v1/query", json=body, headers=first).status_code for _ in range(3)
        ] == [200] * 3
        refused = api.post("/api/v1/query", json=body, headers=first)
        assert refused.status_code == 429 and "rate limit" in refused.json()["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 20  # one token every 20 s
        second = {"Authorization": f"Bearer {other}"}
        assert api.post("/api/v1/query", json=body, headers=second).status_code == 200


def test_the_bucket_refills_at_its_rate() -> None:
    limiter = KeyRateLimiter(per_minute=60)  # one a second
    assert all(limiter.take("k") == 0 for _ in range(60))
    wait = limiter.take("k")
    assert 0.9 < wait <= 1.0
    limiter._buckets["k"] = (0.0, time.monotonic() - 2.5)  # 2.5 s later: 2.5 tokens
    assert limiter.take("k") == 0 and limiter.take("k") == 0 and limiter.take("k") > 0
