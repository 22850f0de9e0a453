"""The `strata` console script, used as a person would."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from lake.catalog import MetadataStore
from lake.settings import Settings

STRATA = str(Path(sys.executable).with_name("strata"))


def _run(
    home: Path, *args: str, cwd: Path | None = None, **settings: str
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env["STRATA_HOME"] = str(home)
    env.update(settings)
    return subprocess.run(
        [STRATA, *args], env=env, capture_output=True, text=True, timeout=600, cwd=cwd
    )


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
    listed = _run(tmp_path, "sites", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"ST-X  {'Asia/Tokyo':<20}  x.example"]
    assert _run(tmp_path, "keys", "create", "--site", "ST-NONE").returncode == 2
    admin = _run(
        tmp_path,
        "keys",
        "create",
        "--site",
        "ST-X",
        "--scope",
        "admin",
        "--scope",
        "read",
        "--expires-in-days",
        "30",
        "--name",
        "ops",
    )
    assert admin.returncode == 0, admin.stderr
    info = store.key(admin.stdout.split()[-1])
    assert info is not None and info.scopes == ("read", "admin") and info.expires_at
    listed = _run(tmp_path, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["KEY_ID", "NAME", "SITES", "SCOPES", "CREATED", "EXPIRES", "STATUS"]
    assert len(lines) == 3 and lines[2].split()[1:4] == ["ops", "ST-X", "read,admin"]
    first_id = lines[1].split()[0]
    assert _run(tmp_path, "keys", "revoke", first_id).returncode == 0
    assert store.key(key) is None  # revoked: it stops working at once
    assert _run(tmp_path, "keys", "revoke", first_id).returncode == 2
    assert _run(tmp_path, "keys", "list").stdout.splitlines()[1].endswith("revoked")


def test_demo_twice_does_not_double_the_data(tmp_path: Path) -> None:
    # a relative home, as `make demo` has (./.strata): dbt runs elsewhere and must find it
    home = Path(".strata")
    first = _run(home, "demo", "--days", "2", "--events", "3000", "--no-serve", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "clickhouse/tables ..." in first.stdout
    assert "checks=3/3 passed" in first.stdout  # sessions suite, shown per step
    assert "warehouse/dbt build ..." in first.stdout and "models=12" in first.stdout
    assert "site_date | count_visitors | count_pageviews | bounce_rate |" in first.stdout
    bronze = tmp_path / ".strata" / "lake" / "bronze" / "events"
    events_once = pl.read_delta(str(bronze)).height
    assert events_once >= 3000
    no_dbt = {"STRATA_WAREHOUSE_MODELS": "false"}  # the marts are tested elsewhere
    second = _run(
        home, "demo", "--days", "2", "--events", "3000", "--no-serve", cwd=tmp_path, **no_dbt
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert pl.read_delta(str(bronze)).height == events_once
    assert (tmp_path / ".strata" / "demo.key").read_text().strip().startswith("sk_")


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


def test_erase_and_the_erasure_log(tmp_path: Path) -> None:
    """`strata erase` runs at once and prints what it removed; `strata erasures list`
    shows the audit record with a salted hash, never the id.  (What an erasure removes
    is tested in tests/orchestration/test_erasure.py.)"""
    assert _run(tmp_path, "sites", "add", "--tracking-id", "ST-X", "--domain", "x").returncode == 0
    bad = _run(tmp_path, "erase", "--site", "ST-X")
    assert bad.returncode == 2 and "exactly one of --client-id and --user-id" in bad.stderr
    unknown = _run(tmp_path, "erase", "--site", "ST-NONE", "--client-id", "c")
    assert unknown.returncode == 2 and "no site 'ST-NONE'" in unknown.stderr
    out = _run(tmp_path, "erase", "--site", "ST-X", "--user-id", "u-secret")
    assert out.returncode == 0, out.stderr
    assert "client_ids_found" in out.stdout and ": done" in out.stdout
    listed = _run(tmp_path, "erasures", "list")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == [
        "ERASURE_ID", "SITE", "KIND", "STATUS", "REQUESTED", "FINISHED", "ROWS", "ID_HASH"
    ]  # fmt: skip
    cells = row.split()
    assert cells[1:4] == ["ST-X", "user_id", "done"] and "u-secret" not in listed.stdout
    salt, digest = cells[-1].split(":")
    assert hashlib.sha256(f"{salt}user_id:u-secret".encode()).hexdigest() == digest


def test_hot_tier_migrate(tmp_path: Path) -> None:
    first = _run(tmp_path, "hot-tier", "migrate")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "hot tier schema migrated from version 0 to 2"
    again = _run(tmp_path, "hot-tier", "migrate")
    assert again.stdout.strip() == "hot tier schema is current (version 2)"
    unknown = _run(tmp_path, "hot-tier", "rebuild", "--site", "ST-NONE")
    assert unknown.returncode == 2 and "no site 'ST-NONE'" in unknown.stderr
