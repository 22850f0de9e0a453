"""A storage outage: acknowledged events wait in the WAL and land once storage is back."""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient

from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import make_env
from tests.samples import GOOD


def test_events_wait_out_a_lake_outage_and_land_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> None:
    from ingest_gateway.app import create_app

    bucket = "outage-" + tmp_path.name.lower().replace("_", "-")[-40:]
    env = make_env(
        tmp_path,
        monkeypatch,
        STRATA_LAKE_URI=f"s3://{bucket}/lake",
        STRATA_S3_ENDPOINT_URL=s3_endpoint,
        STRATA_FLUSH_SECONDS="0.2",
    )
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    lake = Lake(env.settings)
    landing = LakePaths(env.settings.lake_uri).landing_events
    with TestClient(create_app(env.settings)) as gw:
        batch = [{**GOOD, "client_id": f"c{i}"} for i in range(50)]
        assert gw.post("/api/v1/events", json=batch).json()["accepted"] == 50  # bucket missing
        time.sleep(1.5)  # the lander tries, fails, backs off
        assert list(env.settings.wal_dir.glob("*.wal")), "acknowledged events must wait in the WAL"
        s3.create_bucket(Bucket=bucket)  # storage is back
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and list(env.settings.wal_dir.glob("*.wal")):
            time.sleep(0.2)
        assert not list(env.settings.wal_dir.glob("*.wal"))
    landed = lake.read_parquet(lake.list_files(landing), EVENT_SCHEMA)
    assert landed.height == 50 and landed["client_id"].n_unique() == 50
