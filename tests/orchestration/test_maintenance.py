"""The nightly maintenance job: compaction, vacuum and landing clean-up change no data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from dagster import build_sensor_context
from fastapi.testclient import TestClient

from lake.storage import Lake, LakePaths
from orchestration.definitions import defs
from orchestration.defs.lake.bronze import CONSUMED_SCHEMA
from orchestration.defs.maintenance.jobs import lake_maintenance
from orchestration.defs.resources import RESOURCES
from orchestration.runner import run_pipeline
from tests.conftest import make_env
from tests.samples import GOOD

HOUR = dt.timedelta(hours=1)


def test_maintenance_compacts_vacuums_and_removes_consumed_landing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest_gateway.app import create_app

    env = make_env(
        tmp_path,
        monkeypatch,
        STRATA_LANDING_RETENTION_HOURS="0",
        STRATA_VACUUM_RETENTION_HOURS="0",
    )
    paths, lake = LakePaths(env.settings.lake_uri), Lake(env.settings)
    for n in range(3):  # three gateway lifetimes, three pipeline runs: small files everywhere
        with TestClient(create_app(env.settings)) as gw:
            batch = [{**GOOD, "client_id": f"c{n}-{i}"} for i in range(10)]
            assert gw.post("/api/v1/events", json=batch).status_code == 202
        run_pipeline(echo=False)
    bronze_before = pl.read_delta(paths.bronze_events).sort("event_id")
    sessions_before = pl.read_delta(paths.silver_sessions).sort("session_id")
    assert len(lake.list_files(paths.landing_events)) == 3
    files_before = len(lake.list_files(paths.bronze_events))
    # a cursor row newer than the cutoff (bronze consuming a file meanwhile) stays
    racing = pl.DataFrame(
        {"path": ["landing/racing.parquet"], "consumed_at": [dt.datetime.now(dt.UTC) + HOUR]},
        schema=CONSUMED_SCHEMA,
    )
    lake.append_delta(racing, paths.landing_consumed)

    result = lake_maintenance.execute_in_process(resources=RESOURCES)
    assert result.success
    assert pl.read_delta(paths.landing_consumed)["path"].to_list() == ["landing/racing.parquet"]

    assert lake.list_files(paths.landing_events) == []
    assert len(lake.list_files(paths.bronze_events)) < files_before  # compacted + vacuumed
    assert pl.read_delta(paths.bronze_events).sort("event_id").equals(bronze_before)
    assert pl.read_delta(paths.silver_sessions).sort("session_id").equals(sessions_before)
    with build_sensor_context(resources=RESOURCES) as ctx:
        assert "no new landing files" in str(defs().resolve_sensor_def("landing_sensor")(ctx))
    run_pipeline(echo=False)  # and the pipeline still runs, changing nothing
    assert pl.read_delta(paths.bronze_events).height == 30
