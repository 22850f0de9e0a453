"""The hot tier is a cache of the lake: after its data directory is deleted,
``strata hot-tier rebuild`` makes every table again and every report answers as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lake.hot_tier import hot_tier
from orchestration.runner import run_hot_tier_rebuild, run_pipeline
from tests.conftest import make_env
from tests.samples import GOOD, day_event

RANGE = {"start": "2026-03-01", "end": "2026-03-02"}
REPORTS = [
    {"metrics": ["pageviews", "unique_users", "sessions", "bounce_rate"], "dimensions": ["date"]},
    {"metrics": ["pageviews"], "dimensions": ["hour"]},
    {"metrics": ["pageviews", "unique_users"], "dimensions": ["page_path"]},
    {"metrics": ["events"], "dimensions": ["event_name"]},  # raw events
    {"metrics": ["sessions"], "dimensions": ["device"], "filters": {"page_path": ["/a"]}},
]
TABLES = [
    "events",
    "sessions",
    "rollup_hourly",
    "rollup_daily",
    "cube_daily_totals",
    "cube_daily_pages",
]


def _answers(settings) -> list[dict]:
    from serving.app import create_app

    with TestClient(create_app(settings)) as api:
        key = api.app.state.metadata.create_key("ST-TEST")
        found = []
        for body in REPORTS:
            r = api.post(
                "/api/v1/query",
                json={"tracking_id": "ST-TEST", "date_range": RANGE, **body},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 200, r.text
            found.append({k: r.json()[k] for k in ("rows", "total_rows", "source")})
    return found


def _counts(settings) -> dict[str, int]:
    with hot_tier(settings) as client:
        return {t: client.query(f"SELECT count() FROM {t}").result_rows[0][0] for t in TABLES}


def test_rebuild_after_the_hot_tier_is_lost_answers_every_report_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest_gateway.app import create_app

    env = make_env(tmp_path, monkeypatch, STRATA_CLICKHOUSE_IDLE_RELEASE_SECONDS="0")
    events = [
        GOOD,
        day_event("c2", "10:00:00", "pageview", "/a"),
        day_event("c2", "10:05:00", "pageview", "/b"),
        day_event("c3", "23:50:00", "pageview", "/a"),
        {**day_event("c3", "23:55:00", "event", "/a"), "event_name": "signup"},
        {**GOOD, "client_id": "c4", "timestamp": "2026-03-02T11:00:00.000Z"},
    ]
    with TestClient(create_app(env.settings)) as gateway:
        assert gateway.post("/api/v1/events", json=events).status_code == 202
    run_pipeline(echo=False)
    before, counts = _answers(env.settings), _counts(env.settings)
    assert counts["events"] == 6 and counts["cube_daily_totals"] > 0

    shutil.rmtree(env.settings.clickhouse_url.removeprefix("chdb://"))  # the hot tier is lost
    report = run_hot_tier_rebuild(echo=False)

    assert report["clickhouse/tables"]["events_rows"] == 6
    assert _counts(env.settings) == counts
    assert _answers(env.settings) == before
