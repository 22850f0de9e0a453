"""Hot-tier schema changes as numbered migrations, applied by one owner.

Each change to the hot tier's tables is a :class:`Migration` with the next number;
:func:`migrate_hot_tier` applies the ones a database lacks, in order, and records each
in ``strata_schema_migrations`` (version, description, when).  The pipeline's hot-tier
load runs it first (the single writer: the embedded engine's lease, or the
``clickhouse`` pool on a server), and so does ``strata hot-tier migrate``; on a
ClickHouse server it also takes a server-side lock (a table only one ``CREATE`` can
make), so two migrators never overlap.  The query API never changes the schema: it
reads :func:`schema_version` and answers 503 while the hot tier is behind
(:class:`HotTierBehindError`); only on an embedded engine that holds no table at all
(a fresh machine) does it apply the migrations itself, so reports answer zeros before
the first load (there is nothing to collide with, and the lease excludes a load).

Version 1 is the schema as releases before migrations made it, and brings any of them
up to date (its steps detect what an older table lacks); later changes are new
numbers.  A migration must be safe to run again (a crash may come between its work
and its record).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lake.hot_tier.ddl import ensure_schema
from lake.hot_tier.lease import HotTierBusyError
from lake.hot_tier.raw_tables import add_exposures_projection, ensure_raw_tables
from lake.settings import Settings

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "SCHEMA_TABLE",
    "HotTierBehindError",
    "Migration",
    "hot_tier_is_empty",
    "migrate_hot_tier",
    "schema_version",
    "table_names",
]

#: Where the applied versions are recorded.
SCHEMA_TABLE = "strata_schema_migrations"
_LOCK_TABLE = "strata_schema_migration_lock"
_STALE_LOCK = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Migration:
    """One numbered change of the hot tier's schema."""

    version: int
    description: str
    apply: Callable[[Any, Settings], None]


def _baseline(client: Any, settings: Settings) -> None:
    """Version 1: the tables as the releases before migrations made them (each step
    adds what an older table lacks)."""
    ensure_schema(client, settings.aggregate_retention_days, settings.clickhouse_cluster)
    ensure_raw_tables(client, settings.hot_window_days, settings.clickhouse_cluster)


def _exposures(client: Any, settings: Settings) -> None:
    """Version 2: the ``exposures`` projection of ``events`` (experiments read it)."""
    add_exposures_projection(client, table_names(client), settings.clickhouse_cluster)


#: Every migration, in order; add new ones at the end with the next number.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "rollups and cubes, the visitor-number registry, raw events and sessions "
        "(and every change releases before migrations made to them)",
        _baseline,
    ),
    Migration(
        2,
        "events: the exposures projection (each visitor's first moment per day, "
        "experiment and variant)",
        _exposures,
    ),
)

#: The version this release needs.
LATEST_VERSION = MIGRATIONS[-1].version


class HotTierBehindError(RuntimeError):
    """The hot tier's schema is older than this release needs."""

    def __init__(self, version: int) -> None:
        super().__init__(
            f"the hot tier's schema is at version {version}, this release needs "
            f"{LATEST_VERSION}: run `strata hot-tier migrate` (or let the pipeline's next "
            "load apply it)"
            if version
            else "the hot tier's tables are missing or older than migrations: run "
            "`strata hot-tier migrate` (tables of an older release) or `strata hot-tier "
            "rebuild` (tables lost or dropped); the pipeline's next load does either"
        )
        self.version = version


def table_names(client: Any) -> set[str]:
    """The tables of the hot tier's database (one ``system.tables`` query)."""
    rows = client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
    ).result_rows
    return {r[0] for r in rows}


def schema_version(client: Any) -> int:
    """The newest migration applied (0: none, or a database made before migrations)."""
    if SCHEMA_TABLE not in table_names(client):
        return 0
    (version,) = client.query(f"SELECT max(version) FROM {SCHEMA_TABLE}").result_rows[0]
    return int(version or 0)


def hot_tier_is_empty(client: Any) -> bool:
    """True when the database holds no table at all (nothing was ever loaded)."""
    return not table_names(client)


def _schema_table_ddl(cluster: str | None) -> str:
    columns = "(version UInt32, description String, applied_at DateTime64(3, 'UTC'))"
    if cluster:
        engine = (
            f"ReplicatedMergeTree('/clickhouse/tables/{{database}}/{SCHEMA_TABLE}', '{{replica}}')"
        )
        return (
            f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} ON CLUSTER '{cluster}' {columns} "
            f"ENGINE = {engine} ORDER BY version"
        )
    return (
        f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} {columns} ENGINE = MergeTree ORDER BY version"
    )


@contextmanager
def _server_lock(client: Any, timeout_s: float) -> Iterator[None]:
    """Hold the migration lock of a ClickHouse server: a table only one ``CREATE`` can
    make (its comment says when); a lock older than 30 minutes is a crashed holder's."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = dt.datetime.now(dt.UTC)
        try:
            client.command(
                f"CREATE TABLE {_LOCK_TABLE} (at DateTime) ENGINE = Memory "
                f"COMMENT '{now.isoformat()}'"
            )
            break
        except Exception as exc:
            if "already exists" not in str(exc).lower():
                raise
        found = client.query(
            "SELECT comment FROM system.tables WHERE database = currentDatabase() "
            "AND name = {t:String}",
            parameters={"t": _LOCK_TABLE},
        ).result_rows
        since = dt.datetime.fromisoformat(found[0][0]) if found and found[0][0] else now
        if now - since > _STALE_LOCK:
            client.command(f"DROP TABLE IF EXISTS {_LOCK_TABLE}")
            continue
        if time.monotonic() > deadline:
            raise HotTierBusyError(f"another migration holds the lock since {since}")
        time.sleep(1.0)
    try:
        yield
    finally:
        client.command(f"DROP TABLE IF EXISTS {_LOCK_TABLE}")


def migrate_hot_tier(
    client: Any, settings: Settings, log: Callable[[str], None] = print
) -> list[int]:
    """Apply the migrations the hot tier lacks, in order, recording each; returns the
    versions applied ([] when it is current)."""
    lock = (
        contextlib.nullcontext()  # the embedded engine's lease already admits one process
        if settings.is_embedded_clickhouse
        else _server_lock(client, settings.clickhouse_lock_timeout_seconds)
    )
    with lock:
        client.command(_schema_table_ddl(settings.clickhouse_cluster))
        current = schema_version(client)
        applied = []
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            log(f"hot tier: migration {migration.version}: {migration.description}")
            migration.apply(client, settings)
            client.insert(
                SCHEMA_TABLE,
                [[migration.version, migration.description, dt.datetime.now(dt.UTC)]],
                column_names=["version", "description", "applied_at"],
            )
            applied.append(migration.version)
        return applied
