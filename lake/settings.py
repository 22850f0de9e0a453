"""The one settings object: every knob Strata reads from the environment.

Values come from ``STRATA_*`` environment variables with embedded defaults, so a
fresh machine runs everything under ``./.strata`` and production differs by
values only.  Read once in factories (``create_app``, Dagster resources, the CLI),
never at import time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SETTINGS_DOC", "Settings"]

#: Every setting, its environment variable and what it means (the README renders this).
SETTINGS_DOC: dict[str, str] = {
    "STRATA_HOME": "Directory for all local state (default `./.strata`).",
    "STRATA_LAKE_URI": "Lake root: a local path or `s3://bucket/prefix` "
    "(default `$STRATA_HOME/lake`).",
    "STRATA_CLICKHOUSE_URL": "Hot tier: `chdb:///abs/path` (embedded) or "
    "`http(s)://user:pass@host:8123/db` (default `chdb://$STRATA_HOME/clickhouse`).",
    "STRATA_METADATA_URL": "SQLAlchemy URL of the metadata store, SQLite or PostgreSQL "
    "(default `sqlite:///$STRATA_HOME/metadata.db`).",
    "STRATA_WAL_DIR": "Gateway write-ahead log directory (default `$STRATA_HOME/wal`).",
    "STRATA_GATEWAY_ID": "Name of this gateway instance, part of landing file names "
    "(default `gw1`).",
    "STRATA_WAL_FSYNC": "`true` (default): fsync the WAL before acknowledging, with group "
    "commit; `false` trades crash safety of the last moments for speed.",
    "STRATA_WAL_MAX_BYTES": "WAL disk budget; past it the gateway answers 503 + Retry-After "
    "(default 1073741824, 1 GiB).",
    "STRATA_RATE_LIMIT_EPS": "Events per second each tracking id may send, unless its site "
    "sets its own (default 1000).",
    "STRATA_GEOIP_CITY_MMDB": "Path of a MaxMind GeoIP2/GeoLite2 City `.mmdb` for region and "
    "city (optional; country works without it).",
    "STRATA_FLUSH_EVENTS": "Gateway lands its WAL after this many events (default 20000).",
    "STRATA_FLUSH_SECONDS": "… or after this many seconds, whichever comes first (default 2).",
    "STRATA_ALLOWED_LATENESS_HOURS": "Events arriving later than this after they happened go to "
    "quarantine instead of bronze, unless their site allows more (default 72).",
    "STRATA_LANDING_RETENTION_HOURS": "Landing files are deleted this long after bronze consumed "
    "them (default 72).",
    "STRATA_VACUUM_RETENTION_HOURS": "Delta files no longer referenced are vacuumed after this "
    "long (default 168).",
    "STRATA_SESSION_TIMEOUT_MINUTES": "Inactivity gap that ends a session, at most 1440 "
    "(default 30).",
    "STRATA_PARTITIONS_START": "First day of the daily partitions of sessions, rollups and the "
    "hot tier; older events go to quarantine (default `2020-01-01`).",
    "STRATA_CLICKHOUSE_LOCK_TIMEOUT_SECONDS": "Embedded mode: how long a process waits for "
    "the chdb data path before giving up (default 60).",
    "STRATA_CLICKHOUSE_IDLE_RELEASE_SECONDS": "Embedded mode: an idle process keeps the chdb "
    "engine open this long for its next query, unless another process asks (default 5).",
    "STRATA_S3_ENDPOINT_URL": "S3 endpoint for a non-AWS S3 API such as MinIO (optional).",
    "STRATA_S3_REGION": "S3 region (default `us-east-1`).",
}


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build it with :meth:`from_env` or construct it in tests."""

    home: Path
    lake_uri: str
    clickhouse_url: str
    metadata_url: str
    wal_dir: Path
    gateway_id: str = "gw1"
    wal_fsync: bool = True
    wal_max_bytes: int = 1 << 30
    rate_limit_eps: int = 1000
    geoip_city_mmdb: str | None = None
    flush_events: int = 20_000
    flush_seconds: float = 2.0
    session_timeout_minutes: int = 30
    allowed_lateness_hours: float = 72.0
    landing_retention_hours: float = 72.0
    partitions_start: dt.date = dt.date(2020, 1, 1)
    vacuum_retention_hours: float = 168.0
    clickhouse_lock_timeout_seconds: float = 60.0
    clickhouse_idle_release_seconds: float = 5.0
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``STRATA_*`` variable once and fill in the embedded defaults."""
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(name) or default

        home = Path(get("STRATA_HOME", "./.strata")).resolve()
        return cls(
            home=home,
            lake_uri=get("STRATA_LAKE_URI", str(home / "lake")),
            clickhouse_url=get("STRATA_CLICKHOUSE_URL", f"chdb://{home / 'clickhouse'}"),
            metadata_url=get("STRATA_METADATA_URL", f"sqlite:///{home / 'metadata.db'}"),
            wal_dir=Path(get("STRATA_WAL_DIR", str(home / "wal"))).resolve(),
            gateway_id=get("STRATA_GATEWAY_ID", "gw1"),
            wal_fsync=get("STRATA_WAL_FSYNC", "true").lower() not in ("0", "false", "no", "off"),
            wal_max_bytes=int(get("STRATA_WAL_MAX_BYTES", str(1 << 30))),
            rate_limit_eps=int(get("STRATA_RATE_LIMIT_EPS", "1000")),
            geoip_city_mmdb=env.get("STRATA_GEOIP_CITY_MMDB") or None,
            flush_events=int(get("STRATA_FLUSH_EVENTS", "20000")),
            flush_seconds=float(get("STRATA_FLUSH_SECONDS", "2")),
            session_timeout_minutes=int(get("STRATA_SESSION_TIMEOUT_MINUTES", "30")),
            allowed_lateness_hours=float(get("STRATA_ALLOWED_LATENESS_HOURS", "72")),
            landing_retention_hours=float(get("STRATA_LANDING_RETENTION_HOURS", "72")),
            partitions_start=dt.date.fromisoformat(get("STRATA_PARTITIONS_START", "2020-01-01")),
            vacuum_retention_hours=float(get("STRATA_VACUUM_RETENTION_HOURS", "168")),
            clickhouse_lock_timeout_seconds=float(
                get("STRATA_CLICKHOUSE_LOCK_TIMEOUT_SECONDS", "60")
            ),
            clickhouse_idle_release_seconds=float(
                get("STRATA_CLICKHOUSE_IDLE_RELEASE_SECONDS", "5")
            ),
            s3_endpoint_url=env.get("STRATA_S3_ENDPOINT_URL") or None,
            s3_region=get("STRATA_S3_REGION", "us-east-1"),
        )

    @property
    def is_embedded_clickhouse(self) -> bool:
        """True when the hot tier is the in-process chdb engine (one process per data path)."""
        return self.clickhouse_url.startswith("chdb://")

    def ensure_dirs(self) -> None:
        """Create the local directories the embedded default needs."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        if "://" not in self.lake_uri:
            Path(self.lake_uri).mkdir(parents=True, exist_ok=True)
