"""An event is its site's: (tracking_id, event_id) identifies it in bronze, across
every run and whatever timestamp a retry carries (gateway → landing → pipeline)."""

from __future__ import annotations

import polars as pl
from fastapi.testclient import TestClient

from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import BACKFILL_H, Env


def _send(env: Env, events: list[dict]) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        r = gw.post("/api/v1/events", json=events)
        assert r.status_code == 202 and r.json()["accepted"] == len(events), r.text


def _bronze(env: Env) -> list[tuple]:
    lake = Lake(env.settings)
    rows = lake.scan_delta(LakePaths(env.settings.lake_uri).bronze_events, EVENT_SCHEMA)
    return sorted(
        rows.select("tracking_id", "event_id", "client_id", pl.col("event_date").cast(pl.String))
        .collect()
        .rows()
    )


def _event(site: str, client: str, ts: str, event_id: str = "evt-1") -> dict:
    return {"tracking_id": site, "client_id": client, "event_id": event_id, "timestamp": ts}


def test_two_sites_sending_the_same_event_id_both_keep_their_event(env: Env) -> None:
    env.store.add_site("ST-OTHER", ["other.example"], allowed_lateness_hours=BACKFILL_H)
    _send(env, [_event("ST-TEST", "a", "2026-03-01T10:00:00Z")])
    run_pipeline(echo=False)
    # later, and in the same batch as a copy of the first site's event
    _send(
        env,
        [
            _event("ST-OTHER", "b", "2026-03-01T10:00:00Z"),
            _event("ST-TEST", "a", "2026-03-01T10:00:00Z"),
        ],
    )
    run_pipeline(echo=False)
    assert _bronze(env) == [
        ("ST-OTHER", "evt-1", "b", "2026-03-01"),
        ("ST-TEST", "evt-1", "a", "2026-03-01"),
    ]


def test_a_resent_event_with_another_timestamp_is_stored_once(env: Env) -> None:
    _send(env, [_event("ST-TEST", "a", "2026-03-01T10:00:00Z")])
    run_pipeline(echo=False)
    # a retry whose clock moved to another day, after the first copy reached bronze
    _send(
        env,
        [
            _event("ST-TEST", "a", "2026-03-04T08:00:00Z"),
            _event("ST-TEST", "a", "2026-03-04T08:00:00Z", "evt-2"),
        ],
    )
    run_pipeline(echo=False)
    assert _bronze(env) == [
        ("ST-TEST", "evt-1", "a", "2026-03-01"),
        ("ST-TEST", "evt-2", "a", "2026-03-04"),
    ]
