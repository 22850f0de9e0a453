"""The one settings object: every knob Strata reads from the environment.

Each setting is written once, as a field of :class:`Settings` with its default and
its documentation; the environment variable is ``STRATA_`` + the field name in upper
case.  :meth:`Settings.from_env` and the settings table of ``docs/operations.md``
(:func:`settings_markdown`, printed by ``python -m lake.settings``) are generated from
the fields.  Values come from the environment with embedded defaults, so a fresh
machine runs everything under ``./.strata`` and production differs by values only.
Read once in factories (``create_app``, Dagster resources, the CLI), never at import
time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Settings", "env_var", "settings_markdown"]

#: A default that depends on ``STRATA_HOME`` (the lake, the WAL … live under it).
HomeDefault = Callable[[Path], Any]


def _setting(default: Any, doc: str, shown: str | None = None) -> Any:
    """A settings field: ``default`` (a value or a function of the home directory),
    ``doc`` (one sentence for the docs table) and how the default reads there."""
    meta = {"doc": doc, "shown": shown}
    if callable(default):
        return field(default=None, metadata={**meta, "home_default": default})
    return field(default=default, metadata=meta)


def _truthy(text: str) -> bool:
    return text.strip().lower() not in ("0", "false", "no", "off")


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list (``none``: an empty one)."""
    if text.strip().lower() == "none":
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _parser(annotation: Any) -> Callable[[str], Any]:
    if typing.get_origin(annotation) is tuple:
        return _names
    kinds = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    kind = kinds[0]
    parsers: dict[Any, Callable[[str], Any]] = {
        bool: _truthy,
        int: int,
        float: float,
        dt.date: dt.date.fromisoformat,
        Path: lambda text: Path(text).resolve(),
    }
    return parsers.get(kind, str)


def env_var(name: str) -> str:
    """The environment variable of the setting ``name`` (a field of :class:`Settings`)."""
    return f"STRATA_{name.upper()}"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build it with :meth:`from_env` or construct it in tests."""

    home: Path = _setting(lambda home: home, "Directory for all local state.", shown="`./.strata`")
    lake_uri: str = _setting(
        lambda home: str(home / "lake"),
        "Lake root: a local path or `s3://bucket/prefix`.",
        shown="`$STRATA_HOME/lake`",
    )
    clickhouse_url: str = _setting(
        lambda home: f"chdb://{home / 'clickhouse'}",
        "Hot tier: `chdb:///abs/path` (embedded) or `http(s)://user:pass@host:8123/db`.",
        shown="`chdb://$STRATA_HOME/clickhouse`",
    )
    metadata_url: str = _setting(
        lambda home: f"sqlite:///{home / 'metadata.db'}",
        "SQLAlchemy URL of the metadata store, SQLite or PostgreSQL "
        "(`postgresql+psycopg://user:pass@host/db`).",
        shown="`sqlite:///$STRATA_HOME/metadata.db`",
    )
    wal_dir: Path = _setting(
        lambda home: home / "wal",
        "Gateway write-ahead log directory.",
        shown="`$STRATA_HOME/wal`",
    )
    gateway_id: str = _setting("gw1", "Name of this gateway instance, part of landing file names.")
    wal_fsync: bool = _setting(
        True,
        "`true`: fsync the WAL before acknowledging, with group commit; `false` trades "
        "crash safety of the last moments for speed.",
    )
    wal_max_bytes: int = _setting(
        1 << 30, "WAL disk budget; past it the gateway answers 503 + Retry-After.", "1 GiB"
    )
    rate_limit_eps: int = _setting(
        1000,
        "Events per second each tracking id may send, unless its site sets its own "
        "(`strata sites add --rate-limit`).",
    )
    geoip_city_mmdb: str | None = _setting(
        None,
        "Path of a MaxMind GeoIP2/GeoLite2 City `.mmdb` for region and city (country "
        "works without it).",
    )
    flush_events: int = _setting(20_000, "The gateway lands its WAL after this many events …")
    flush_seconds: float = _setting(2.0, "… or after this many seconds, whichever comes first.")
    session_timeout_minutes: int = _setting(30, "Inactivity gap that ends a session, at most 1440.")
    allowed_lateness_hours: float = _setting(
        72.0,
        "Events arriving later than this after they happened go to quarantine instead of "
        "bronze, unless their site allows more (`strata sites add --allowed-lateness-hours`).",
    )
    landing_retention_hours: float = _setting(
        72.0, "Landing files are deleted this long after bronze consumed them."
    )
    partitions_start: dt.date = _setting(
        dt.date(2020, 1, 1),
        "First day of the daily partitions of sessions, rollups and the hot tier; older "
        "events go to quarantine.",
    )
    vacuum_retention_hours: float = _setting(
        168.0, "Delta files no longer referenced are vacuumed after this long."
    )
    clickhouse_cluster: str | None = _setting(
        None,
        "A ClickHouse server's cluster (from its `remote_servers`): tables are made "
        "`ON CLUSTER`, replicated on every shard behind `Distributed` tables (see "
        "docs/bi-tools.md). Unset: one server.",
    )
    clickhouse_lock_timeout_seconds: float = _setting(
        60.0, "Embedded mode: how long a process waits for the chdb data path."
    )
    clickhouse_idle_release_seconds: float = _setting(
        5.0,
        "Embedded mode: an idle process keeps the chdb engine open this long for its next "
        "query, unless another process asks.",
    )
    warehouse_models: bool = _setting(
        True,
        "`true`: the warehouse models (the marts) are built for the days each refresh "
        "rebuilt (`strata pipeline`: right after it; Dagster's daemon: within 5 minutes); "
        "`false` leaves them out of Dagster (and to `strata dbt build`).",
    )
    query_timeout_seconds: float = _setting(
        10.0,
        "A report or realtime query running longer is stopped and answered 504 (ClickHouse "
        "`max_execution_time`, DuckDB interrupt).",
    )
    query_cache_seconds: float = _setting(
        60.0,
        "How long the query API reuses a report's answer; every hot-tier load ends the reuse "
        "at once. 0 turns the cache off.",
    )
    api_rate_limit_per_minute: int = _setting(
        600, "Requests per minute each API key may make; past it the API answers 429."
    )
    sql_port: int = _setting(
        8123,
        "`strata serve` also answers ClickHouse's HTTP interface (read-only SQL for BI tools, "
        "keys with the `sql` scope) on this port; 0 turns it off. Embedded engine only.",
    )
    sql_max_execution_seconds: float = _setting(
        30.0,
        "An SQL endpoint query running longer is stopped (ClickHouse `max_execution_time`); "
        "keep it below `STRATA_CLICKHOUSE_LOCK_TIMEOUT_SECONDS` so a load never starves.",
    )
    sql_max_result_rows: int = _setting(
        1_000_000, "An SQL endpoint query returning more rows is stopped with an error."
    )
    sql_max_result_bytes: int = _setting(
        268_435_456, "An SQL endpoint query returning more bytes is stopped with an error."
    )
    sql_max_memory_bytes: int = _setting(
        2_147_483_648, "Memory one SQL endpoint query may use in the engine (`max_memory_usage`)."
    )
    hot_window_days: int = _setting(
        30, "Days the hot tier keeps raw `events` and `sessions` (ClickHouse TTL)."
    )
    hot_properties: tuple[str, ...] = _setting(
        ("element_id",),
        "Custom property keys the hot tier's raw `events` also keeps as columns "
        "(`prop_<key>`, filled by ClickHouse from `properties` on insert): funnel steps, "
        "goals, filters and breakdowns on them read the column, not the map (2-3x faster). "
        "Comma-separated keys of letters, digits and `_`; `none` for none.",
    )
    raw_retention_days: int = _setting(
        395,
        "Days raw events are kept everywhere (landing, bronze and its id index, silver "
        "sessions, quarantine, ClickHouse `events`/`sessions`); `strata retention` and the "
        "daily schedule delete older days. Per site: `strata sites add --raw-retention-days`.",
    )
    aggregate_retention_days: int = _setting(
        730,
        "Days the rollups, cubes and dbt marts are kept, in the lake and in ClickHouse (TTL, "
        "and `strata retention`). Per site: `strata sites add --aggregate-retention-days`.",
    )
    s3_endpoint_url: str | None = _setting(None, "S3 endpoint for a non-AWS S3 API such as MinIO.")
    s3_region: str = _setting("us-east-1", "S3 region.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every ``STRATA_*`` variable once and fill in the embedded defaults."""
        env = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        home = Path(env.get(env_var("home")) or "./.strata").resolve()
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            text = env.get(env_var(f.name))
            if text:
                values[f.name] = _parser(hints[f.name])(text)
            elif "home_default" in f.metadata:
                values[f.name] = f.metadata["home_default"](home)
        values["home"] = home
        cluster = values.get("clickhouse_cluster")
        if cluster is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", cluster):
            raise ValueError(f"{env_var('clickhouse_cluster')}: not a cluster name: {cluster!r}")
        for key in values.get("hot_properties", ()):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,59}", key):
                raise ValueError(
                    f"{env_var('hot_properties')}: not a property key of letters, digits "
                    f"and _: {key!r}"
                )
        return cls(**values)

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


def _shown_default(f: dataclasses.Field) -> str:
    if f.metadata.get("shown"):
        return str(f.metadata["shown"])
    if f.default is None:
        return "none"
    if isinstance(f.default, tuple):
        return f"`{','.join(f.default)}`"
    if isinstance(f.default, bool):
        return f"`{str(f.default).lower()}`"
    if isinstance(f.default, float) and f.default.is_integer():
        return f"`{int(f.default)}`"
    return f"`{f.default}`"


def settings_markdown() -> str:
    """The settings table of the docs: variable, meaning, default (generated, never edited)."""
    rows = ["| variable | meaning | default |", "| --- | --- | --- |"]
    for f in dataclasses.fields(Settings):
        rows.append(f"| `{env_var(f.name)}` | {f.metadata['doc']} | {_shown_default(f)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
