"""Hot-tier schema migrations: applied once, in order, by their owner (the pipeline or
``strata hot-tier migrate``); the query API never changes a schema (a restart during
a load leaves the load's tables alone) and answers 503 while the schema is behind."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from lake.hot_tier import (
    LATEST_VERSION,
    SCHEMA_TABLE,
    HotTierBusyError,
    hot_tier,
    migrate_hot_tier,
    schema_version,
)
from lake.hot_tier.migrations import _LOCK_TABLE, _server_lock
from serving.app import create_app
from tests.conftest import Env

QUERY = {"tracking_id": "ST-TEST", "metrics": ["pageviews"], "start_date": "2026-03-01",
         "end_date": "2026-03-02"}  # fmt: skip


def test_migrations_apply_once_in_order_and_are_recorded(env: Env) -> None:
    with hot_tier(env.settings) as client:
        assert schema_version(client) == 0
        assert migrate_hot_tier(client, env.settings, log=lambda _: None) == list(
            range(1, LATEST_VERSION + 1)
        )
        assert migrate_hot_tier(client, env.settings, log=lambda _: None) == []
        rows = client.query(
            f"SELECT version, description FROM {SCHEMA_TABLE} ORDER BY version"
        ).result_rows
    assert [v for v, _ in rows] == list(range(1, LATEST_VERSION + 1))
    assert all(description for _, description in rows)


def test_an_api_start_leaves_a_loads_tables_alone(env: Env) -> None:
    """A day waiting in ``events__staging`` (between a load's INSERT and its REPLACE
    PARTITION) is still there after the API starts and answers; before migrations the
    API's start made the staging tables anew."""
    with hot_tier(env.settings) as client:
        migrate_hot_tier(client, env.settings, log=lambda _: None)
        client.command(
            "INSERT INTO events__staging (tracking_id, event_id, client_id, event_type, "
            "event_at, event_date) VALUES ('ST-TEST', 'e1', 'c1', 'pageview', "
            "'2026-03-01 10:00:00', '2026-03-01')"
        )
    for _ in range(2):  # restarts
        with TestClient(create_app(env.settings)) as api:
            answer = api.post(
                "/api/v1/query", json=QUERY, headers={"Authorization": f"Bearer {env.key}"}
            )
            assert answer.status_code == 200, answer.text
    with hot_tier(env.settings) as client:
        assert client.query("SELECT event_id FROM events__staging").result_rows == [("e1",)]


def test_a_schema_behind_the_release_is_a_503_until_migrated(env: Env) -> None:
    with hot_tier(env.settings) as client:
        migrate_hot_tier(client, env.settings, log=lambda _: None)
        client.command(f"TRUNCATE TABLE {SCHEMA_TABLE}")  # as a release before migrations left it
    auth = {"Authorization": f"Bearer {env.key}"}
    with TestClient(create_app(env.settings)) as api:
        refused = api.post("/api/v1/query", json=QUERY, headers=auth)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        assert "strata hot-tier migrate" in refused.json()["detail"]
        with hot_tier(env.settings) as client:
            assert schema_version(client) == 0  # the API did not migrate it
            migrate_hot_tier(client, env.settings, log=lambda _: None)
        assert api.post("/api/v1/query", json=QUERY, headers=auth).status_code == 200


def test_the_server_lock_admits_one_migrator_and_breaks_a_stale_one(env: Env) -> None:
    with hot_tier(env.settings) as client:
        with (
            _server_lock(client, timeout_s=5),
            pytest.raises(HotTierBusyError),
            _server_lock(client, timeout_s=0),
        ):
            pass
        stale = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
        client.command(
            f"CREATE TABLE {_LOCK_TABLE} (at DateTime) ENGINE = Memory COMMENT '{stale}'"
        )
        with _server_lock(client, timeout_s=0):  # a crashed holder's lock is taken over
            pass
        tables = client.query("SELECT name FROM system.tables WHERE name = {t:String}",
                              parameters={"t": _LOCK_TABLE}).result_rows  # fmt: skip
        assert tables == []
