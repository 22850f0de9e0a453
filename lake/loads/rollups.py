"""Silver → gold rollups and cubes: computed a day partition at a time, committed a few
days at a time.

:func:`load_rollup` rebuilds ``gold/rollup_hourly`` (UTC days) or ``gold/rollup_daily``
(site-local days) from bronze and silver (:func:`lake.transforms.rollup_day`);
:func:`load_cubes` rebuilds every cube's days from its rollup
(:func:`lake.transforms.cube_of`).  Each yields what it wrote, for the asset's metadata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

import polars as pl

from lake.loads.groups import grouped
from lake.loads.sessions import client_buckets
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from lake.storage import Lake, LakePaths, RetentionPolicy
from lake.transforms import CUBES, complete_measures, cube_of, long_sessions, rollup_day

__all__ = [
    "WRITE_DAYS",
    "WRITE_ROWS",
    "day_batches",
    "keep_expired_sites",
    "load_cubes",
    "load_rollup",
]

#: Day partitions a write commits together at most, and the rows it holds at most
#: (a day of more is written alone): a refresh's few small days go in one commit (each
#: costs ~50 ms whatever its size), while big days are held one at a time, as before.
WRITE_DAYS, WRITE_ROWS = 7, 50_000


def day_batches(
    days: Sequence[dt.date], rows_per_day: Mapping[str, int]
) -> Iterator[list[dt.date]]:
    """``days`` in order, in consecutive groups of at most :data:`WRITE_DAYS` days and
    :data:`WRITE_ROWS` rows by ``rows_per_day`` (ISO date -> rows, from a table's log;
    a day it lacks counts 0)."""
    return grouped(days, lambda day: rows_per_day.get(day.isoformat(), 0), WRITE_ROWS, WRITE_DAYS)


def keep_expired_sites(
    lake: Lake, uri: str, column: str, day: dt.date, out: pl.DataFrame, policy: RetentionPolicy
) -> pl.DataFrame:
    """``out`` for ``day`` with the rows of sites whose raw data of ``day`` has expired
    taken from the partition as it is: a refresh reaching into such a day (a late event
    next to it) rebuilds it from what bronze still holds, and an expired site's
    aggregates, kept longer than its raw rows, must not be lost to that."""
    if day >= policy.latest_cutoff("raw"):
        return out
    expired = policy.expired("raw", "_day")
    table = lake.delta_table(uri)
    before = pl.DataFrame()
    if table is not None:
        found = pl.from_arrow(table.to_pyarrow_table(partitions=[(column, "=", str(day))]))
        assert isinstance(found, pl.DataFrame)
        before = found.with_columns(pl.lit(day).alias(column))
    fresh = out.with_columns(_day=pl.lit(day)).filter(~expired).drop("_day")
    if not before.height:
        return fresh
    kept = before.with_columns(_day=pl.lit(day)).filter(expired).drop("_day")
    return pl.concat([fresh, kept.select(fresh.columns).cast(fresh.schema)])


def load_rollup(
    lake: Lake,
    paths: LakePaths,
    name: str,
    days: list[dt.date],
    timezones: Mapping[str, str],
    policy: RetentionPolicy,
) -> Iterator[tuple[dt.date, pl.DataFrame]]:
    """Rebuild rollup ``name`` (``rollup_hourly`` or ``rollup_daily``) for ``days``,
    a day at a time, committing a few days at once (:data:`WRITE_DAYS`,
    :data:`WRITE_ROWS`); rows of sites whose raw data expired are kept as they were.
    Yields each day's rows once written."""
    daily = name == "rollup_daily"
    events = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
    sessions = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
    long = long_sessions(sessions)
    buckets = client_buckets(lake, paths, days)  # very large days: a group of clients at a time
    column = "date" if daily else "utc_date"
    written: list[tuple[dt.date, pl.DataFrame]] = []
    for day in days:
        out = rollup_day(events, sessions, long, day, dict(timezones), daily, buckets)
        written.append((day, keep_expired_sites(lake, paths.gold(name), column, day, out, policy)))
        held = sum(f.height for _, f in written)
        if len(written) == WRITE_DAYS or held >= WRITE_ROWS or day == days[-1]:
            rows = pl.concat([f for _, f in written], how="vertical_relaxed")
            lake.replace_partitions(rows, paths.gold(name), column, [d for d, _ in written])
            yield from written
            written = []


def load_cubes(lake: Lake, paths: LakePaths, days: list[dt.date]) -> Iterator[tuple[str, int, int]]:
    """Rebuild every cube's ``days`` from its rollup, a few days per commit
    (:func:`day_batches`; a day the rollup no longer holds is emptied); a cube not
    built before is made for every day its rollup holds.  Yields ``(cube, rows
    written, days written)`` per cube."""
    rollups: dict[str, pl.LazyFrame | None] = {}  # each log read once; None: not built yet
    held: dict[tuple[str, str], dict[str, int]] = {}  # (rollup, column) -> rows per day
    for table in ("rollup_daily", "rollup_hourly"):
        scan = lake.scan_delta(paths.gold(table), {})
        rollups[table] = complete_measures(scan) if scan.collect_schema().names() else None
    for name, cube in CUBES.items():
        source, part_col = rollups[cube.rollup], cube.partition_column
        if source is None:  # its rollup was never built: nothing to make it from
            yield name, 0, 0
            continue
        if (cube.rollup, part_col) not in held:  # rows per day, from the log: once each
            held[cube.rollup, part_col] = lake.partition_rows(paths.gold(cube.rollup), part_col)
        rows_per_day = held[cube.rollup, part_col]
        todo = days
        if lake.delta_table(paths.gold(name)) is None:
            # a new cube (a Strata upgrade): made once for every day its rollup holds
            todo = sorted({*days, *(dt.date.fromisoformat(d) for d in rows_per_day)})
        rows = 0
        for some in day_batches(todo, rows_per_day):
            out = cube_of(source.filter(pl.col(part_col).is_in(some)), cube).collect()
            lake.replace_partitions(out, paths.gold(name), part_col, some)
            rows += out.height
        yield name, rows, len(todo)
