"""ClickHouse hot tier: every table's DDL and the partition loads, in one place."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pyarrow as pa

from lake.hot_tier.inserts import insert_rows
from lake.hot_tier.visitor_numbers import (
    REGISTRY,
    bitmap_insert_sql,
    number_visitors_sql,
    registry_cluster_ddl,
    registry_ddl,
)
from lake.schemas import ROLLUP_DIMENSIONS, SESSION_DIMENSIONS
from lake.transforms.cubes import CUBES
from lake.transforms.rollups import ADDED_MEASURES

__all__ = [
    "CUBE_USERS_TYPE",
    "DISTINCT_USERS_MERGE",
    "DISTRIBUTED_SYNC",
    "ROLLUP_DOCS",
    "ROLLUP_TABLES",
    "SCHEMA_STATE_TABLE",
    "add_cube_rows",
    "begin_cube_build",
    "distinct_users_merge",
    "ensure_schema",
    "finish_cube_build",
    "replace_partitions",
    "rollup_cluster_ddl",
    "rollup_comments",
    "set_ttl",
    "staged_names",
    "table_dimensions",
]

#: In the rollups, distinct users are uniqCombined64 sketches at precision 20 (states ≤
#: 768 KiB): exact up to about 15,000 distinct users per answer row, within ~0.1% beyond
#: (checked in tests).  The default precision 17 is already off by ~0.2% at 5,000.
_SKETCH, _PRECISION = "uniqCombined64", 20
_USERS_TYPE = f"AggregateFunction({_SKETCH}({_PRECISION}), String)"
#: SQL that merges the ``users`` states of a group of rollup rows.
DISTINCT_USERS_MERGE = f"{_SKETCH}Merge({_PRECISION})(users)"
#: In the cubes, distinct users are exact bitmaps of visitor numbers
#: (:mod:`lake.hot_tier.visitor_numbers`): small, and cheap to merge.
CUBE_USERS_TYPE = "AggregateFunction(groupBitmap, UInt32)"


def _users_type(name: str) -> str:
    """The ``users`` column type of aggregate table ``name``."""
    return CUBE_USERS_TYPE if name in CUBES else _USERS_TYPE


def distinct_users_merge(name: str) -> str:
    """SQL merging the ``users`` of a group of rows of aggregate table ``name`` into the
    number of distinct users (exact for a cube; the sketch's estimate for a rollup)."""
    return "groupBitmapMerge(users)" if name in CUBES else DISTINCT_USERS_MERGE


def _time_name(name: str) -> str:
    """The time column of aggregate table ``name`` (``hour`` or ``date``)."""
    return ROLLUP_TABLES[name][0].split()[0]


def table_dimensions(name: str) -> tuple[str, ...]:
    """The dimension columns of aggregate table ``name`` (a rollup's, or a cube's few)."""
    return CUBES[name].dimensions if name in CUBES else ROLLUP_DIMENSIONS


def _dims_ddl(name: str) -> str:
    """The dimension columns' DDL, each followed by a comma."""
    types = {
        d: "String" if d == "page_path" else "LowCardinality(String)" for d in ROLLUP_DIMENSIONS
    }
    return "".join(f"\n    {d} {types[d]}," for d in table_dimensions(name))


def _keys(name: str, time_name: str) -> str:
    """The sorting key: site, time, then the dimensions."""
    return ", ".join(["tracking_id", time_name, *table_dimensions(name)])


def _metrics_ddl(name: str) -> str:
    """The measure columns' DDL of aggregate table ``name``."""
    return f"""
    count_pageviews SimpleAggregateFunction(sum, UInt64),
    count_events SimpleAggregateFunction(sum, UInt64),
    users {_users_type(name)},
    count_sessions SimpleAggregateFunction(sum, UInt64),
    count_bounces SimpleAggregateFunction(sum, UInt64),
    sum_session_duration_s SimpleAggregateFunction(sum, Float64)"""


_RAW_METRICS_DDL = """
    count_pageviews UInt64,
    count_events UInt64,
    users Array(String),
    count_sessions UInt64,
    count_bounces UInt64,
    sum_session_duration_s Float64"""

#: Measures added after the first release (``ADDED_MEASURES``) are appended to every
#: rollup table (``ALTER … ADD COLUMN IF NOT EXISTS`` upgrades an existing one), so they
#: keep their place at the end of the column list.
_ADDED_TYPES = {c: "Float64" if c == "sum_revenue" else "UInt64" for c in ADDED_MEASURES}
_ENGAGEMENT_DDL = "".join(
    f",\n    {c} SimpleAggregateFunction(sum, {t})" for c, t in _ADDED_TYPES.items()
)
_RAW_ENGAGEMENT_DDL = "".join(f",\n    {c} {t}" for c, t in _ADDED_TYPES.items())

_HOURLY, _DAILY = ("hour DateTime('UTC')", "toDate(hour)"), ("date Date", "date")
#: Aggregate tables of the hot tier (the rollups, then the cubes made from them):
#: name -> (time column DDL, partition column).
ROLLUP_TABLES: dict[str, tuple[str, str]] = {
    "rollup_hourly": _HOURLY,
    "rollup_daily": _DAILY,
    **{name: _DAILY if cube.daily else _HOURLY for name, cube in CUBES.items()},
}


#: What each rollup column holds (the tables carry these as column comments).
ROLLUP_DOCS: dict[str, str] = {
    "tracking_id": "Site",
    "hour": "UTC hour the row covers (rollup_hourly)",
    "date": "Day in the site's time zone the row covers (rollup_daily)",
    "page_path": "Page path (for session measures: the session's entry page)",
    **{d: f"{d} of the session (its first event)" for d in SESSION_DIMENSIONS},
    "count_pageviews": "Page views (bots excluded)",
    "count_events": "Events of every type but engagement records",
    "users": "Distinct clients, as a mergeable uniqCombined64(20) state: never add them up",
    "cube_users": "Distinct clients, as a bitmap of their visitor_numbers (exact): merge "
    "with groupBitmapMerge, never add counts up",
    "count_sessions": "Sessions that started in this bucket with this entry page",
    "count_bounces": "Of those, bounces",
    "sum_session_duration_s": "Of those, summed duration in seconds",
    "sum_engaged_ms": "Engaged milliseconds of the page views",
    "count_engaged_pageviews": "Page views that reported engagement",
    "sum_scroll_depth": "Summed deepest scroll (percent) of the page views that reported one",
    "count_scrolled_pageviews": "Page views that reported a scroll depth",
    "sum_session_engaged_ms": "Engaged milliseconds of the sessions counted here",
    "sum_revenue": "Revenue of purchases and transactions, amounts as sent (no conversion)",
    "count_orders": "Purchases and transactions",
    "count_converted_sessions": "Sessions counted here with a purchase or transaction",
}


def rollup_comments(name: str) -> list[str]:
    """``ALTER TABLE … COMMENT COLUMN`` statements for every column of rollup ``name``."""
    columns = ["tracking_id", _time_name(name), *table_dimensions(name)]
    columns += ["count_pageviews", "count_events", "users", "count_sessions", "count_bounces"]
    columns += ["sum_session_duration_s", *ADDED_MEASURES]
    docs = {**ROLLUP_DOCS, "users": ROLLUP_DOCS["cube_users" if name in CUBES else "users"]}
    return [
        f"ALTER TABLE {name} COMMENT COLUMN {c} '{docs[c].replace(chr(39), ' ')}'" for c in columns
    ]


def _rollup_ddl(name: str, raw: bool, table: str | None = None) -> str:
    """``CREATE TABLE`` of aggregate table ``name`` (as ``table``, default its own name),
    or with ``raw`` of its ``__raw`` input (visitors as lists of client ids)."""
    time_col, partition = ROLLUP_TABLES[name]
    time_name = _time_name(name)
    if raw:
        return (
            f"CREATE TABLE IF NOT EXISTS {name}__raw (tracking_id String, {time_col},"
            f"{_dims_ddl(name)}{_RAW_METRICS_DDL}{_RAW_ENGAGEMENT_DDL}\n) ENGINE = Memory"
        )
    return (
        f"CREATE TABLE IF NOT EXISTS {table or name} (tracking_id LowCardinality(String), "
        f"{time_col},{_dims_ddl(name)}{_metrics_ddl(name)}{_ENGAGEMENT_DDL}\n) "
        f"ENGINE = AggregatingMergeTree\n"
        f"PARTITION BY {partition}\nORDER BY ({_keys(name, time_name)})"
    )


def _rollup_comment(name: str) -> str:
    if name in CUBES:
        text = CUBES[name].description.rstrip(".")
    else:
        grain = "UTC hours" if name == "rollup_hourly" else "days in each site time zone"
        text = f"Traffic per site, {grain}, page and session attributes"
    kind = "exact bitmaps of visitor numbers" if name in CUBES else "mergeable states"
    return f"{text}; distinct users as {kind}"


def rollup_cluster_ddl(name: str, aggregate_retention_days: int, cluster: str) -> list[str]:
    """Statements that make rollup ``name`` on a cluster: a replicated
    ``<name>_local`` (and its staging twin) on every shard, ``ON CLUSTER``, behind
    ``Distributed`` tables sharded by site, plus the raw input on the loading node."""
    on = f" ON CLUSTER '{cluster}'"
    time_col, partition = ROLLUP_TABLES[name]
    time_name = _time_name(name)
    statements = []
    for table in (name, f"{name}__staging"):
        local = f"{table}_local"
        engine = (
            f"ReplicatedAggregatingMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{local}'"
            ", '{replica}')"
        )
        ttl = (
            f"\nTTL toDate({time_name}) + INTERVAL {int(aggregate_retention_days)} DAY"
            if table == name
            else ""
        )
        statements += [
            f"CREATE TABLE IF NOT EXISTS {local}{on} (tracking_id LowCardinality(String), "
            f"{time_col},{_dims_ddl(name)}{_metrics_ddl(name)}{_ENGAGEMENT_DDL}\n) "
            f"ENGINE = {engine}\n"
            f"PARTITION BY {partition}\nORDER BY ({_keys(name, time_name)}){ttl}\n"
            f"COMMENT '{_rollup_comment(name)}'",
            f"CREATE TABLE IF NOT EXISTS {table}{on} AS {local} ENGINE = "
            f"Distributed('{cluster}', currentDatabase(), '{local}', cityHash64(tracking_id))",
        ]
    statements += [
        s.replace(f"ALTER TABLE {name} ", f"ALTER TABLE {name}_local{on} ")
        for s in rollup_comments(name)
    ]
    statements.append(_rollup_ddl(name, raw=True))
    return statements


def ensure_schema(
    client: Any, aggregate_retention_days: int = 730, cluster: str | None = None
) -> None:
    """Create the hot-tier tables (idempotent): each rollup, its staging twin and raw input,
    and the visitor-number registry.

    A rollup whose distinct-user state has another type (an older Strata) is dropped
    and created anew: the hot tier is derived data, and the next load refills it.  A
    cube is only finished here (comments, TTL, staging twin) once it exists with its
    bitmap type: a load makes it whole from the lake first (:func:`begin_cube_build`),
    and until then reports read its rollup (:func:`lake.hot_tier.ready_cubes`).
    With ``cluster`` (``STRATA_CLICKHOUSE_CLUSTER``) the tables are made ``ON CLUSTER``
    (:func:`rollup_cluster_ddl`).
    """
    if cluster:
        for statement in registry_cluster_ddl(cluster):
            client.command(statement)
        for name in ROLLUP_TABLES:
            for statement in rollup_cluster_ddl(name, aggregate_retention_days, cluster):
                client.command(statement)
        return
    types = _users_types(client)
    fingerprint = _schema_fingerprint(aggregate_retention_days)
    if _schema_current(client, types, fingerprint):
        return  # every statement below would change nothing (~1 s of DDL per load saved)
    client.command(registry_ddl())
    whole = True
    for name in ROLLUP_TABLES:
        if name in CUBES and types.get(name) != CUBE_USERS_TYPE:
            whole = False
            continue  # missing or of an older Strata: a load builds it whole
        if name in types and types[name] != _users_type(name):
            for table in (name, f"{name}__staging"):
                client.command(f"DROP TABLE IF EXISTS {table}")
        _ensure_table(client, name, aggregate_retention_days)
    if whole:
        _record_fingerprint(client, fingerprint)


#: Where :func:`ensure_schema` notes the fingerprint of the schema it last made whole.
SCHEMA_STATE_TABLE = "strata_schema_state"


def _schema_fingerprint(aggregate_retention_days: int) -> str:
    """A hash of everything :func:`ensure_schema` would state: any change to a table's
    DDL, comments, added measures or the retention makes it differ."""
    parts = [registry_ddl(), str(int(aggregate_retention_days))]
    parts += [f"{column} {_ADDED_TYPES[column]}" for column in ADDED_MEASURES]
    for name in ROLLUP_TABLES:
        parts += [_rollup_ddl(name, raw=False), _rollup_ddl(name, raw=True)]
        parts += [_rollup_comment(name), _users_type(name), *rollup_comments(name)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _schema_current(client: Any, types: dict[str, str], fingerprint: str) -> bool:
    """The schema is as :func:`ensure_schema` last made it whole with this
    ``fingerprint``, and every table of it (staging twins and raw inputs too) exists:
    nothing to state.  Their emptiness does not matter: a load truncates both first."""
    if any(types.get(name) != _users_type(name) for name in ROLLUP_TABLES):
        return False
    wanted = [SCHEMA_STATE_TABLE, REGISTRY]
    wanted += [f"{n}{suffix}" for n in ROLLUP_TABLES for suffix in ("__staging", "__raw")]
    (found,) = client.query(
        "SELECT count() FROM system.tables WHERE database = currentDatabase() "
        "AND name IN {names:Array(String)}",
        parameters={"names": wanted},
    ).result_rows[0]
    if found != len(wanted):
        return False
    stored = client.query(f"SELECT fingerprint FROM {SCHEMA_STATE_TABLE}").result_rows
    return [r[0] for r in stored] == [fingerprint]


def _record_fingerprint(client: Any, fingerprint: str) -> None:
    """Note ``fingerprint`` as the schema's (one row; emptied first, so a load cut off
    between the two statements only makes the next one state the schema again)."""
    client.command(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA_STATE_TABLE} (fingerprint String, "
        "stated_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY tuple() "
        "COMMENT 'Fingerprint of the hot tier schema as last stated (a load skips the "
        "DDL while it matches)'"
    )
    client.command(f"TRUNCATE TABLE {SCHEMA_STATE_TABLE}")
    client.command(
        f"INSERT INTO {SCHEMA_STATE_TABLE} VALUES ({{f:String}}, now64(3))",
        parameters={"f": fingerprint},
    )


def _ensure_table(
    client: Any, name: str, aggregate_retention_days: int, table: str | None = None
) -> None:
    """Aggregate table ``name`` made or brought up to date (comment, TTL, measures added
    since, column comments), with an empty staging twin and raw input; with ``table``,
    that table of ``name``'s shape instead (a cube's ``__building`` twin, no staging)."""
    target = table or name
    client.command(_rollup_ddl(name, raw=False, table=target))
    client.command(f"ALTER TABLE {target} MODIFY COMMENT '{_rollup_comment(name)}'")
    set_ttl(client, target, f"toDate({_time_name(name)})", aggregate_retention_days)
    for column in ADDED_MEASURES:  # tables of an older Strata gain the new measures
        client.command(
            f"ALTER TABLE {target} ADD COLUMN IF NOT EXISTS {column} "
            f"SimpleAggregateFunction(sum, {_ADDED_TYPES[column]})"
        )
    for statement in rollup_comments(name):
        client.command(statement.replace(f"ALTER TABLE {name} ", f"ALTER TABLE {target} ", 1))
    if table is None:
        _fresh_inputs(client, name)


def _fresh_inputs(client: Any, name: str) -> None:
    """``name``'s staging twin and raw input made anew, empty (they are between loads)."""
    for transient in (f"{name}__staging", f"{name}__raw"):
        client.command(f"DROP TABLE IF EXISTS {transient}")
    client.command(f"CREATE TABLE {name}__staging AS {name}")
    client.command(_rollup_ddl(name, raw=True))


def set_ttl(client: Any, table: str, day_expr: str, days: int) -> None:
    """``TTL day_expr + days`` on ``table``, altered only when it differs (altering
    rewrites every part of a full table, on every start and load otherwise)."""
    (engine,) = client.query(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase() "
        "AND name = {t:String}",
        parameters={"t": table},
    ).result_rows[0]
    if f" TTL {day_expr} + toIntervalDay({int(days)})" not in f" {engine}":
        client.command(f"ALTER TABLE {table} MODIFY TTL {day_expr} + INTERVAL {int(days)} DAY")


def _users_types(client: Any) -> dict[str, str]:
    """Aggregate table -> the type of its ``users`` column, for those that exist."""
    rows = client.query(
        "SELECT table, type FROM system.columns WHERE database = currentDatabase() "
        "AND name = 'users' AND table IN {tables:Array(String)}",
        parameters={"tables": list(ROLLUP_TABLES)},
    ).result_rows
    return {table: kind for table, kind in rows}


def begin_cube_build(client: Any, name: str, aggregate_retention_days: int = 730) -> None:
    """Start making cube ``name`` whole (see :func:`cubes_to_build`): an empty
    ``__building`` twin that :func:`add_cube_rows` fills and :func:`finish_cube_build`
    swaps in.  Each step is short, so an embedded engine's lease can pass between them."""
    client.command(f"DROP TABLE IF EXISTS {name}__building")
    _ensure_table(client, name, aggregate_retention_days, table=f"{name}__building")
    client.command(_rollup_ddl(name, raw=True))


def add_cube_rows(client: Any, name: str, rows: pa.Table) -> None:
    """Add the lake's cube ``rows`` (some days of them, visitors as lists of client ids,
    as :func:`replace_partitions` takes them) to the cube being built."""
    if rows.num_rows:
        _load_raw_rows(client, name, rows, f"{name}__building")


def finish_cube_build(client: Any, name: str) -> None:
    """Put the built cube in place with one ``EXCHANGE`` (or ``RENAME`` when there was
    none), so readers see the old table (which reports skip) or the whole new one, with
    its staging twin and raw input."""
    building = f"{name}__building"
    if name in _users_types(client):
        client.command(f"EXCHANGE TABLES {building} AND {name}")
        client.command(f"DROP TABLE {building}")
    else:
        client.command(f"RENAME TABLE {building} TO {name}")
    _fresh_inputs(client, name)


def _load_raw_rows(
    client: Any, name: str, rows: pa.Table, target: str, settings: dict[str, Any] | None = None
) -> None:
    """``rows`` (visitors as lists of client ids) into ``target``, an aggregate table of
    ``name``'s shape, through ``name``'s ``__raw`` input: sketches for a rollup, bitmaps
    of visitor numbers for a cube (numbering the visitors the registry lacks)."""
    time_col = _time_name(name)
    raw = f"{name}__raw"
    client.command(f"TRUNCATE TABLE {raw}")
    insert_rows(client, raw, rows)
    after = ["count_sessions", "count_bounces", "sum_session_duration_s", *ADDED_MEASURES]
    if name in CUBES:
        client.command(number_visitors_sql(raw, time_col), settings=settings)
        keys = ["tracking_id", time_col, *table_dimensions(name)]
        sql = bitmap_insert_sql(target, raw, keys, ["count_pageviews", "count_events", *after])
        client.command(sql, settings=settings)
    else:
        client.command(
            f"INSERT INTO {target} SELECT {_keys(name, time_col)}, "
            f"count_pageviews, count_events, arrayReduce('{_SKETCH}State({_PRECISION})', users), "
            f"{', '.join(after)} FROM {raw}",
            settings=settings,
        )
    client.command(f"TRUNCATE TABLE {raw}")


def staged_names(name: str, cluster: str | None) -> tuple[str, str, str]:
    """How a load addresses table ``name``: (the table to alter, its staging twin to
    alter or truncate, the staging table to read) — ``<t>_local ON CLUSTER`` on a
    cluster, so every shard swaps its own part of a partition."""
    if not cluster:
        return name, f"{name}__staging", f"{name}__staging"
    on = f" ON CLUSTER '{cluster}'"
    return f"{name}_local{on}", f"{name}__staging_local{on}", f"{name}__staging_local"


#: Inserts through a Distributed table reach every shard before they return.
DISTRIBUTED_SYNC = {"distributed_foreground_insert": 1}


def replace_partitions(
    client: Any,
    name: str,
    rows: pa.Table | None,
    partitions: list[str],
    cluster: str | None = None,
) -> None:
    """Make ``partitions`` (dates) of rollup ``name`` hold exactly ``rows``: a rerun replaces.

    Rows go through a staging twin and ``REPLACE PARTITION``, so a reader on a server
    sees either the old or the new day, never half of one; days absent from ``rows``
    are dropped.  Distinct users arrive as exact key lists and become mergeable
    ``uniqCombined64(20)`` states here (a rollup), or exact bitmaps of visitor numbers
    (a cube, which must be ready: :func:`lake.hot_tier.ready_cubes`).
    """
    if name not in ROLLUP_TABLES:
        raise ValueError(f"unknown rollup {name!r}")
    target, staging, _ = staged_names(name, cluster)
    client.command(f"TRUNCATE TABLE {staging}")
    if rows is not None and rows.num_rows:
        sync = DISTRIBUTED_SYNC if cluster else None
        _load_raw_rows(client, name, rows, f"{name}__staging", sync)
    present = {
        str(r[0])
        for r in client.query(
            f"SELECT DISTINCT toString({ROLLUP_TABLES[name][1]}) FROM {name}__staging"
        ).result_rows
    }
    for day in partitions:
        verb = "REPLACE" if day in present else "DROP"
        source = f" FROM {staged_names(name, cluster)[2]}" if day in present else ""
        # a date, checked here: ON CLUSTER DDL travels as text, without parameters
        partition = dt.date.fromisoformat(day).isoformat()
        client.command(f"ALTER TABLE {target} {verb} PARTITION '{partition}'{source}")
    client.command(f"TRUNCATE TABLE {staging}")
