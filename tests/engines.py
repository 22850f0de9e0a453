"""The query API over the same data on both engines: ClickHouse (the hot tier) and DuckDB
(the lake's gold tables), for tests that compare them or check both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from serving.backends import DuckDBBackend
from serving.deps import backend
from tests.conftest import make_env


@contextmanager
def two_engines(
    factory: pytest.TempPathFactory, events: list[dict], tz: str = "UTC", **env_extra: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """``events`` through a gateway and the pipeline; then (ClickHouse API, DuckDB API),
    both holding a key of site ST-TEST that reads and saves definitions."""
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    monkeypatch = pytest.MonkeyPatch()
    env = make_env(factory.mktemp("engines"), monkeypatch, tz=tz, **env_extra)
    try:
        with TestClient(create_gateway(env.settings)) as gw:
            for i in range(0, len(events), 500):
                r = gw.post("/api/v1/events", json=events[i : i + 500])
                assert r.status_code == 202 and not r.json()["rejected"], r.text
        run_pipeline(echo=False)
        key = env.store.create_key("ST-TEST", scopes=("read", "write"))  # saves definitions too
        hot, cold = create_app(env.settings), create_app(env.settings)
        cold.dependency_overrides[backend] = lambda: DuckDBBackend(env.settings)
        with TestClient(hot) as h, TestClient(cold) as c:
            for client in (h, c):
                client.headers["Authorization"] = f"Bearer {key}"
            yield h, c
    finally:
        monkeypatch.undo()


def ask(api: TestClient, date_range: dict, **body: object) -> dict:
    """``POST /api/v1/query`` for site ST-TEST over ``date_range``: the answer (a 200)."""
    answer = api.post(
        "/api/v1/query", json={"tracking_id": "ST-TEST", "date_range": date_range, **body}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
