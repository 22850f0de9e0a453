"""The `strata` console script, used as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from lake.catalog import MetadataStore
from lake.settings import Settings

STRATA = str(Path(sys.executable).with_name("strata"))


def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env["STRATA_HOME"] = str(home)
    return subprocess.run([STRATA, *args], env=env, capture_output=True, text=True, timeout=600)


def test_sites_add_and_keys_create(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        "sites",
        "add",
        "--tracking-id",
        "ST-X",
        "--domain",
        "x.example",
        "--timezone",
        "Asia/Tokyo",
    )
    assert out.returncode == 0, out.stderr
    out = _run(tmp_path, "keys", "create", "--site", "ST-X")
    assert out.returncode == 0, out.stderr
    key = out.stdout.split()[-1]
    store = MetadataStore(Settings.from_env({"STRATA_HOME": str(tmp_path)}).metadata_url)
    assert store.site_for_key(key) == "ST-X"
    assert store.sites()["ST-X"].timezone == "Asia/Tokyo"
    bad = _run(
        tmp_path,
        "sites",
        "add",
        "--tracking-id",
        "ST-Y",
        "--domain",
        "y",
        "--timezone",
        "Mars/Base",
    )
    assert bad.returncode == 2 and "unknown time zone" in bad.stderr
    assert _run(tmp_path, "keys", "create", "--site", "ST-NONE").returncode == 2


def test_demo_twice_does_not_double_the_data(tmp_path: Path) -> None:
    first = _run(tmp_path, "demo", "--days", "2", "--events", "3000", "--no-serve")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "clickhouse/tables ..." in first.stdout
    assert "checks=3/3 passed" in first.stdout  # sessions suite, shown per step
    bronze = tmp_path / "lake" / "bronze" / "events"
    events_once = pl.read_delta(str(bronze)).height
    assert events_once >= 3000
    second = _run(tmp_path, "demo", "--days", "2", "--events", "3000", "--no-serve")
    assert second.returncode == 0, second.stdout + second.stderr
    assert pl.read_delta(str(bronze)).height == events_once
    assert (tmp_path / "demo.key").read_text().strip().startswith("sk_")


def test_gateway_and_generate_commands(tmp_path: Path) -> None:
    import signal
    import socket
    import time

    import httpx

    from lake.storage import EVENT_SCHEMA, Lake, LakePaths

    assert (
        _run(
            tmp_path,
            "sites",
            "add",
            "--tracking-id",
            "ST-DEMO",
            "--domain",
            "d.example",
            "--rate-limit",
            "1000000",
        ).returncode
        == 0
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    gateway = subprocess.Popen(
        [STRATA, "gateway", "--port", str(port)], env={**env, "STRATA_HOME": str(tmp_path)}
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        out = _run(
            tmp_path,
            "generate",
            "--events",
            "2000",
            "--days",
            "1",
            "--gateway-url",
            f"http://127.0.0.1:{port}",
        )
        assert out.returncode == 0, out.stderr
        accepted = int(out.stdout.split()[1].replace(",", ""))
        assert accepted >= 2000
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=60)
    settings = Settings.from_env({"STRATA_HOME": str(tmp_path)})
    lake = Lake(settings)
    files = lake.list_files(LakePaths(settings.lake_uri).landing_events)
    assert lake.read_parquet(files, EVENT_SCHEMA).height == accepted
