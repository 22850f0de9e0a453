"""The metadata store on a real PostgreSQL server, alone and behind the whole pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from lake.catalog import MetadataStore, SiteError
from orchestration.runner import run_pipeline
from tests.conftest import make_env
from tests.samples import GOOD


def test_sites_and_keys_on_postgresql(postgres_url: str) -> None:
    store = MetadataStore(postgres_url)
    assert store.engine.dialect.name == "postgresql"
    store.add_site("ST-1", ["a.example", " B.example "], "Europe/Berlin", rate_limit_eps=50)
    store.add_site("ST-1", ["a.example"], "Europe/Berlin", session_timeout_minutes=15)
    site = store.sites()["ST-1"]
    assert (site.domains, site.timezone, site.rate_limit_eps) == (
        ("a.example",),
        "Europe/Berlin",
        None,
    )
    assert site.session_timeout_minutes == 15
    key = store.create_key("ST-1")
    assert store.site_for_key(key) == "ST-1" and store.site_for_key("sk_nope") is None
    with pytest.raises(SiteError, match="1 to 1440"):
        store.add_site("ST-2", ["b.example"], session_timeout_minutes=2000)


def test_an_older_postgresql_schema_gets_the_new_columns(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:  # the sites table as the first release created it
        conn.execute(
            sa.text(
                "CREATE TABLE sites (tracking_id VARCHAR(64) PRIMARY KEY, domains TEXT NOT NULL,"
                " timezone VARCHAR(64) NOT NULL, created_at TIMESTAMPTZ NOT NULL)"
            )
        )
        conn.execute(sa.text("INSERT INTO sites VALUES ('ST-OLD', 'old.example', 'UTC', now())"))
    store = MetadataStore(postgres_url)
    old = store.sites()["ST-OLD"]
    assert (old.domains, old.store_raw_ip, old.allowed_lateness_hours) == (
        ("old.example",),
        False,
        None,
    )


def test_pipeline_and_api_with_metadata_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    from ingest_gateway.app import create_app
    from serving.app import create_app as create_api

    env = make_env(tmp_path, monkeypatch, STRATA_METADATA_URL=postgres_url)
    with TestClient(create_app(env.settings)) as gw:
        assert (
            gw.post("/api/v1/events", json=[GOOD, {**GOOD, "client_id": "c2"}]).json()["accepted"]
            == 2
        )
    run_pipeline(echo=False)
    day = GOOD["timestamp"][:10]
    with TestClient(create_api(env.settings)) as api:
        r = api.post(
            "/api/v1/query",
            json={
                "tracking_id": "ST-TEST",
                "metrics": ["pageviews", "unique_users"],
                "dimensions": [],
                "date_range": {"start": day, "end": day},
            },
            headers={"Authorization": f"Bearer {env.key}"},
        )
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [{"pageviews": 2, "unique_users": 2}]
