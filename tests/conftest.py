"""Shared fixtures: an isolated STRATA_HOME per test, a site, a key, a moto S3 server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient

from lake.metadata import MetadataStore
from lake.settings import Settings


@dataclass
class Env:
    """One isolated Strata installation."""

    settings: Settings
    store: MetadataStore
    key: str
    tracking_id: str = "ST-TEST"


def make_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tz: str = "UTC", **extra: str) -> Env:
    """Point every STRATA_* variable at ``tmp_path`` and register site ST-TEST."""
    for name in list(os.environ):
        if name.startswith("STRATA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STRATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STRATA_CLICKHOUSE_LOCK_TIMEOUT_SECONDS", "120")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    settings.ensure_dirs()
    store = MetadataStore(settings.metadata_url)
    store.add_site("ST-TEST", ["shop.example"], tz, rate_limit_eps=10_000_000)
    return Env(settings, store, store.create_key("ST-TEST"))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """A fresh embedded installation with site ST-TEST in UTC."""
    return make_env(tmp_path, monkeypatch)


@pytest.fixture
def gateway(env: Env) -> Iterator[TestClient]:
    """The ingest gateway app, started (WAL replay, flusher) and stopped (final flush)."""
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as client:
        yield client


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 HTTP endpoint on 127.0.0.1 (moto server), with bucket ``strata``."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="strata"
    )
    yield endpoint
    server.stop()
