"""Data quality: GE suites as Dagster asset checks, and quarantine of impossible timestamps."""

from __future__ import annotations

import datetime as dt

import polars as pl
from fastapi.testclient import TestClient

from lake.storage import Lake, LakePaths
from orchestration.lib.quality import validate
from orchestration.runner import run_pipeline
from tests.conftest import Env
from tests.samples import GOOD

JOBS = ("strata_ingest", "strata_refresh", "strata_raw_tables")


def test_suites_count_failing_rows_per_property() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    bronze = pl.DataFrame(
        {
            "event_id": ["a", None, "c"],
            "tracking_id": ["t", "t", "t"],
            "client_id": ["c", "c", "c"],
            "event_type": ["pageview", "bogus", "event"],
            "event_at": [now, now - dt.timedelta(hours=80), now + dt.timedelta(hours=1)],
            "received_at": [now, now, now],
            "allowed_lateness_h": [72.0, 72.0, 72.0],
        }
    )
    got = {o.name: (o.passed, o.failing_rows) for o in validate("bronze_events", bronze)}
    assert got == {
        "event_id_not_null": (False, 1),
        "tracking_id_not_null": (True, 0),
        "client_id_not_null": (True, 0),
        "event_type_known": (False, 1),
        "event_at_not_in_the_future": (False, 1),
        "event_at_within_allowed_lateness": (False, 1),
    }
    sessions = pl.DataFrame(
        {
            "session_id": ["s1", "s2"],
            "duration_s": [-1.0, 5.0],
            "count_events": [1, 3],
            "count_pageviews": [2, 3],
        }
    )
    got = {o.name: (o.passed, o.failing_rows) for o in validate("silver_sessions", sessions)}
    assert got == {
        "session_id_not_null": (True, 0),
        "duration_not_negative": (False, 1),
        "pageviews_not_above_events": (False, 1),
    }


def test_future_stamped_events_are_quarantined_and_checks_pass(env: Env) -> None:
    from ingest_gateway.app import create_app

    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    batch = [GOOD, {**GOOD, "client_id": "clock-ahead", "timestamp": future}]
    with TestClient(create_app(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=batch).json()["accepted"] == 2
    report = run_pipeline(echo=False)
    paths, lake = LakePaths(env.settings.lake_uri), Lake(env.settings)
    assert pl.read_delta(paths.bronze_events)["client_id"].to_list() == ["c1"]
    (qfile,) = lake.list_files(paths.quarantine("bronze_events"))
    quarantined = pl.read_parquet(qfile)
    assert quarantined["client_id"].to_list() == ["clock-ahead"]
    assert quarantined["reason"].to_list() == ["event_at more than 300 s after received_at"]
    assert report["bronze/events"]["quarantined_events"] == 1
    assert report["bronze/events"]["checks"] == "6/6 passed"
    assert report["silver/sessions"]["checks"] == "3/3 passed"


def test_events_later_than_the_site_allows_are_quarantined_with_the_reason(env: Env) -> None:
    from ingest_gateway.app import create_app

    env.store.add_site("ST-TEST", ["shop.example"], rate_limit_eps=1_000_000)  # default 72 h
    now = dt.datetime.now(dt.UTC)
    batch = [
        {**GOOD, "client_id": "yesterday", "timestamp": (now - dt.timedelta(days=1)).isoformat()},
        {**GOOD, "client_id": "last-week", "timestamp": (now - dt.timedelta(days=7)).isoformat()},
    ]
    with TestClient(create_app(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=batch).json()["accepted"] == 2
    report = run_pipeline(echo=False)
    paths, lake = LakePaths(env.settings.lake_uri), Lake(env.settings)
    assert pl.read_delta(paths.bronze_events)["client_id"].to_list() == ["yesterday"]
    (qfile,) = lake.list_files(paths.quarantine("bronze_events"))
    (row,) = pl.read_parquet(qfile).to_dicts()
    assert row["client_id"] == "last-week"
    assert row["reason"] == "arrived 168.0 h after it happened; the site allows 72.0 h"
    assert report["bronze/events"]["quarantined_events"] == 1


def test_bronze_checks_validate_what_bronze_took_since_they_last_ran(env: Env) -> None:
    from dagster import AssetSelection, materialize

    from ingest_gateway.app import create_app
    from orchestration.definitions import defs
    from orchestration.defs.lake.bronze import (
        BRONZE,
        new_landing_hours,
        unconsumed_landing_files,
    )
    from orchestration.defs.partitions import span_tags
    from orchestration.defs.resources import RESOURCES
    from orchestration.lib.resources import LakeResource

    definitions = defs()
    everything = [*(definitions.assets or []), *(definitions.asset_checks or [])]

    def bronze_with_checks(events: list[dict]) -> dict[str, tuple[bool, int]]:
        with TestClient(create_app(env.settings)) as gw:
            assert gw.post("/api/v1/events", json=events).json()["accepted"] == len(events)
        hours = new_landing_hours(unconsumed_landing_files(LakeResource()))
        result = materialize(
            everything,
            selection=AssetSelection.assets(BRONZE),  # the asset and its checks
            resources=RESOURCES,
            tags=span_tags(hours),
        )
        return {
            e.check_name: (e.passed, e.metadata["rows"].value)
            for e in result.get_asset_check_evaluations()
        }

    first = bronze_with_checks([{**GOOD, "event_id": f"a{i}"} for i in range(2)])
    assert len(first) == 6 and set(first.values()) == {(True, 2)}
    second = bronze_with_checks([{**GOOD, "event_id": f"b{i}"} for i in range(3)])
    assert set(second.values()) == {(True, 3)}  # the 3 new events, not all 5
    # bronze's own runs and the refreshes leave the checks to the job that follows the
    # refreshes (they import the suite's library)
    nodes = {job: defs().resolve_job_def(job).graph.node_dict for job in JOBS}
    for suite in ("bronze_events_suite", "silver_sessions_suite"):
        assert [job for job in JOBS if suite in nodes[job]] == ["strata_raw_tables"]
