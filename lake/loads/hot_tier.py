"""Lake → the ClickHouse hot tier: the rollups and the cubes, and the raw
``events``/``sessions`` of the hot window, a day partition at a time (each swapped in
whole).

:func:`load_hot_aggregates` loads the rollups and cubes (what the reports read: a
refresh ends with it) and :func:`load_raw_tables` the raw tables (a job of their own
that follows the refreshes: their load grows with the day's events, and the reports do
not wait for it).  Each applies the hot tier's migrations first and yields ``(table,
metadata)`` as each table is done; ``connect`` opens a client for one unit of work
(embedded: the engine's lease, held per raw day or per few days of an aggregate table,
:func:`lake.loads.day_batches`, so reports answer in between).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import polars as pl

from lake.hot_tier import (
    add_cube_rows,
    begin_cube_build,
    cubes_to_build,
    ensure_raw_tables,
    ensure_schema,
    finish_cube_build,
    migrate_hot_tier,
    replace_partitions,
    replace_raw_day,
    table_dimensions,
)
from lake.loads.rollups import day_batches
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from lake.settings import Settings
from lake.storage import DataVersion, Lake, LakePaths
from lake.transforms import CUBES, ROLLUP_METRIC_COLUMNS, complete_measures, local_date

__all__ = ["HOT_TABLES", "RAW_SOURCES", "load_hot_aggregates", "load_raw_tables"]

#: Hot-tier aggregate table (rollups and cubes) -> (its time column, the gold partition
#: column of a day).
HOT_TABLES = {
    "rollup_hourly": ("hour", "utc_date"),
    "rollup_daily": ("date", "date"),
    **{name: (cube.time_column, cube.partition_column) for name, cube in CUBES.items()},
}

#: Raw hot-tier table -> (the lake table's partition column, the time whose site-local
#: date is ``site_date``).
RAW_SOURCES = {"events": ("event_date", "event_at"), "sessions": ("session_date", "started_at")}

#: Days of the lake a cube build reads at a time (and loads in one lease hold).
_BUILD_DAYS = 7

Connect = Callable[[], AbstractContextManager[Any]]


def _prepare(client: Any, settings: Settings, log: Callable[[str], None]) -> None:
    """The hot tier's migrations and tables (a no-op while they match, a few ms)."""
    for version in migrate_hot_tier(client, settings, log):
        log(f"hot tier schema migrated to version {version}")
    ensure_schema(client, settings.aggregate_retention_days, settings.clickhouse_cluster)
    ensure_raw_tables(
        client, settings.hot_window_days, settings.clickhouse_cluster, settings.hot_properties
    )


def load_hot_aggregates(
    lake: Lake,
    paths: LakePaths,
    connect: Connect,
    days: list[dt.date],
    log: Callable[[str], None] = lambda _: None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Load ``days`` of every rollup and cube from the lake, yielding each table's
    ``(name, metadata)``.  A day the lake no longer holds is dropped, so the hot tier
    equals the lake for every day loaded; cached query answers are stale afterwards
    (the data version is renewed).  Settings are the lake's."""
    settings = lake.settings
    with connect() as client:
        _prepare(client, settings, log)
        to_build = cubes_to_build(client, settings.clickhouse_cluster)
    for name, (time_col, part_col) in HOT_TABLES.items():
        columns = ["tracking_id", time_col, *table_dimensions(name), *ROLLUP_METRIC_COLUMNS]
        gold = lake.scan_delta(paths.gold(name), {})  # the table's log read once, not per day
        exists = bool(gold.collect_schema().names())
        gold = complete_measures(gold) if exists else gold
        if name in to_build:
            retention = settings.aggregate_retention_days
            built_days, loaded = _build_cube(
                connect, name, gold if exists else None, columns, retention, log
            )
            yield name, {"days": len(days), "rows": loaded, "built_whole_days": built_days}
            continue
        loaded = 0
        for some in day_batches(days, lake.partition_rows(paths.gold(name), part_col)):
            rows = (
                gold.filter(pl.col(part_col).is_in(some)).select(columns).collect()
                if exists
                else None
            )
            with connect() as client:
                replace_partitions(
                    client,
                    name,
                    rows.to_arrow() if rows is not None and rows.height else None,
                    [day.isoformat() for day in some],
                    settings.clickhouse_cluster,
                )
            loaded += rows.height if rows is not None else 0
        log(f"{name}: {loaded} rows over {len(days)} days")
        yield name, {"days": len(days), "rows": loaded}
    DataVersion(lake, paths).renew()  # cached query answers are stale from now on


def _build_cube(
    connect: Connect,
    name: str,
    gold: pl.LazyFrame | None,
    columns: list[str],
    retention_days: int,
    log: Callable[[str], None],
) -> tuple[int, int]:
    """Make hot-tier cube ``name`` whole from every day the lake's cube holds within the
    aggregate retention (a new cube, or one an older Strata made with sketches), a few
    days per lease hold; reports read its rollup until it is swapped in."""
    _, part_col = HOT_TABLES[name]
    oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=retention_days)
    days: list[dt.date] = []
    if gold is not None:
        found = gold.select(pl.col(part_col).unique()).collect().to_series()
        days = sorted(d for d in found.to_list() if d >= oldest)
    with connect() as client:
        begin_cube_build(client, name, retention_days)
    loaded = 0
    for i in range(0, len(days), _BUILD_DAYS):
        assert gold is not None
        some = days[i : i + _BUILD_DAYS]
        rows = gold.filter(pl.col(part_col).is_in(some)).select(columns).collect()
        with connect() as client:
            add_cube_rows(client, name, rows.to_arrow())
        loaded += rows.height
    with connect() as client:
        finish_cube_build(client, name)
    log(f"{name}: built whole, {loaded} rows over {len(days)} days")
    return len(days), loaded


def load_raw_tables(
    lake: Lake,
    paths: LakePaths,
    connect: Connect,
    days: list[dt.date],
    timezones: Mapping[str, str],
    log: Callable[[str], None] = lambda _: None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Bronze's and silver's rows of ``days`` into ``events`` and ``sessions``, with
    ``site_date`` (the day in the site's time zone, ``timezones`` per site), yielding
    each table's ``(name, metadata)``; days older than the hot window are dropped (their
    TTL would remove them anyway).  Cached query answers are stale afterwards."""
    settings = lake.settings
    with connect() as client:
        _prepare(client, settings, log)
    oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=settings.hot_window_days)
    tables = {
        "events": lake.scan_delta(paths.bronze_events, EVENT_SCHEMA),
        "sessions": lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA),
    }
    for name, scan in tables.items():
        part_col, time_col = RAW_SOURCES[name]
        site_date = local_date(time_col, dict(timezones)).alias("site_date")
        loaded = 0
        for day in days:
            rows = (
                scan.filter(pl.col(part_col) == day).with_columns(site_date)
                if day >= oldest
                else pl.DataFrame()
            )
            with connect() as client:
                loaded += replace_raw_day(client, name, rows, day, settings.clickhouse_cluster)
        log(f"{name}: {loaded} rows over {len(days)} days")
        yield name, {"days": len(days), "rows": loaded}
    DataVersion(lake, paths).renew()  # raw reports' cached answers are stale too
