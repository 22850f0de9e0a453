"""The hot tier's raw tables, ``events`` and ``sessions``: bronze's and silver's rows for
the hot window, for analysts and BI tools, with a comment on every table and column.

Both are ``MergeTree`` tables partitioned by UTC day and kept ``STRATA_HOT_WINDOW_DAYS``
by TTL; a day is loaded whole (staging table + ``REPLACE PARTITION``), so a refresh
replaces exactly the days it rebuilt and a rerun changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl

from lake.hot_tier.ddl import (
    DISTRIBUTED_SYNC,
    ROLLUP_TABLES,
    rollup_cluster_ddl,
    set_ttl,
    staged_names,
)
from lake.hot_tier.inserts import block_settings, insert_rows, rows_source
from lake.hot_tier.visitor_numbers import number_clients_sql, registry_ddl, with_numbers_sql
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA

__all__ = [
    "EXPOSURES_PROJECTION",
    "HOT_PROPERTY_PREFIX",
    "RAW_TABLES",
    "RawTable",
    "add_exposures_projection",
    "ensure_raw_tables",
    "exposures_projection_ddl",
    "hot_property_column",
    "hot_property_ddl",
    "raw_table_ddl",
    "replace_raw_day",
]

_EVENT_DOCS: dict[str, str] = {
    "event_id": "Id of the event, unique within its site (the sender's, or derived)",
    "tracking_id": "Site the event belongs to",
    "client_id": "Anonymous device or browser id",
    "session_hint": "Session id the sender suggested (Strata sessionizes itself)",
    "user_id": "Logged-in user id, when the site sent one",
    "event_type": "pageview, event, click, transaction, purchase, identify, web_vital, "
    "error or engagement",
    "event_name": "Name of a custom event",
    "event_at": "When the event happened (UTC, microseconds)",
    "received_at": "When the gateway received it (UTC, microseconds)",
    "event_date": "UTC date of event_at (the partition)",
    "site_date": "Date of event_at in the site's report time zone (the day reports use)",
    "page_url": "Full page URL",
    "page_title": "Page title",
    "page_referrer": "Referrer URL",
    "page_host": "Host of the page URL",
    "page_path": "Path of the page URL, without query string or trailing slash",
    "referrer_host": "Host of an external referrer, without www.",
    "utm_source": "utm_source of the page URL, lower case",
    "utm_medium": "utm_medium of the page URL, lower case",
    "utm_campaign": "utm_campaign of the page URL, lower case",
    "utm_term": "utm_term of the page URL, lower case",
    "utm_content": "utm_content of the page URL, lower case",
    "channel": "GA4-style default channel group",
    "properties": "Custom properties: key to value (non-strings as JSON text)",
    "properties_json": "Custom properties as sent (a JSON object)",
    "revenue_amount": "Revenue of a purchase or transaction, in revenue_currency",
    "revenue_currency": "ISO 4217 currency code of revenue_amount",
    "transaction_id": "Order or transaction id",
    "experiment_id": "A/B experiment the visitor was exposed to",
    "experiment_variant": "Variant of the experiment",
    "screen": "Screen size, <width>x<height> pixels",
    "language": "Browser language (BCP 47 tag)",
    "client_timezone": "Browser time zone (IANA name)",
    "ip": "IP address, anonymized to /24 (IPv6 /48) unless the site opted in",
    "country": "ISO 3166-1 alpha-2 country of the IP",
    "region": "Region of the IP (with a MaxMind City database)",
    "city": "City of the IP (with a MaxMind City database)",
    "device": "desktop, mobile, tablet or bot",
    "browser": "Browser family",
    "browser_version": "Browser major version",
    "os": "Operating system family",
    "os_version": "Operating system major version",
    "is_bot": "Crawler, monitor or headless browser (excluded from reports)",
    "engaged_ms": "Engagement records: milliseconds the page was visible since the last record",
    "scroll_depth": "Engagement records: deepest scroll so far, percent of the page",
    "is_interactive": "False for an event that is no interaction (it does not end a bounce)",
}

_SESSION_DOCS: dict[str, str] = {
    "session_id": "Id of the session (s_ + its first event's id)",
    "tracking_id": "Site the session belongs to",
    "client_id": "Anonymous device or browser id",
    "user_id": "Last logged-in user id seen in the session",
    "started_at": "First event (UTC, microseconds)",
    "ended_at": "Last event (UTC, microseconds)",
    "session_date": "UTC date of started_at (the partition)",
    "site_date": "Date of started_at in the site's report time zone (the day reports use)",
    "duration_s": "ended_at - started_at, seconds",
    "count_pageviews": "Page views in the session",
    "count_events": "Events in the session (engagement records excluded)",
    "entry_page": "Path of the first page view",
    "exit_page": "Path of the last page view",
    "referrer_host": "External referrer of the first event",
    "country": "Country of the first event",
    "device": "Device class of the first event",
    "browser": "Browser of the first event",
    "os": "Operating system of the first event",
    "channel": "Default channel group of the first event",
    "utm_source": "utm_source of the first event",
    "utm_medium": "utm_medium of the first event",
    "utm_campaign": "utm_campaign of the first event",
    "is_bounce": "One page view and no engagement event",
    "is_converted": "Has a purchase or transaction",
    "revenue": "Revenue of the session's purchases and transactions",
    "is_bot": "Any event of the session came from a bot",
}

_KEYS = {"event_id", "tracking_id", "client_id", "session_id", "event_type"}


#: A 64-bit hash of ``client_id`` kept beside it: the query API counts distinct visitors
#: of the raw tables over it (``uniqExact`` of 8-byte keys is 2-3x faster than of the
#: strings; two of a million visitors collide with a chance of about 1 in 37 million).
CLIENT_KEY_DDL = (
    "client_key UInt64 MATERIALIZED sipHash64(client_id) COMMENT "
    "'sipHash64(client_id), computed on insert: count distinct visitors over it'"
)


#: The visitor's number in its site (``visitor_numbers``), set by the load: the query API
#: counts raw events' distinct visitors as a ``groupBitmap`` of it (exact, and ~1.6x
#: faster than a hash set of ``client_key``).  Not on a cluster, where the registry is
#: sharded by site and the events by visitor: there ``client_key`` is counted.
VISITOR_NUMBER_DDL = (
    "visitor_number UInt32 DEFAULT 0 COMMENT 'The visitor number in the site "
    "(visitor_numbers), set on load: count distinct visitors as a bitmap of it'"
)


#: An aggregate projection of ``events`` (kept by ClickHouse with every part): each
#: visitor's first moment per site, UTC day, experiment and variant (bots and
#: engagement records apart).  An experiment's exposures are read from it, ~one row per
#: exposed visitor and day instead of every event they sent; a part without it (made
#: before migration 2 materialized it) is read from its rows, with the same answer.
EXPOSURES_PROJECTION = "exposures"


def exposures_projection_ddl(cluster: str | None) -> str:
    """The ``exposures`` projection: by visitor number (by ``client_key`` on a cluster,
    whose events are not numbered), the key the query API groups visitors by."""
    keys = (
        "tracking_id, event_date, is_bot, event_type = 'engagement', experiment_id, "
        f"experiment_variant, {'client_key' if cluster else 'visitor_number'}"
    )
    return f"PROJECTION {EXPOSURES_PROJECTION} (SELECT {keys}, min(event_at) GROUP BY {keys})"


class RawTable:
    """One raw hot-tier table: its columns, partition, order and documentation."""

    def __init__(
        self,
        name: str,
        schema: dict[str, pl.DataType],
        docs: dict[str, str],
        date_col: str,
        order_by: tuple[str, ...],
        comment: str,
    ) -> None:
        self.name, self.schema, self.docs = name, schema, docs
        self.date_col, self.order_by, self.comment = date_col, order_by, comment


#: Text columns holding few distinct values (names, paths, places, devices, campaigns):
#: stored as ``LowCardinality`` (a per-part dictionary and small integer codes), which
#: groups, filters and compares them several times faster than plain strings.  Ids,
#: URLs, titles and the properties' JSON stay ``String``.
LOW_CARDINALITY = frozenset(
    {
        "tracking_id",
        "event_type",
        "event_name",
        "page_host",
        "page_path",
        "entry_page",
        "exit_page",
        "referrer_host",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "channel",
        "country",
        "region",
        "city",
        "device",
        "browser",
        "browser_version",
        "os",
        "os_version",
        "language",
        "screen",
        "client_timezone",
        "revenue_currency",
        "experiment_id",
        "experiment_variant",
    }
)


def _type(column: str, dtype: pl.DataType) -> str:
    base = {
        pl.String: "String",
        pl.Date: "Date",
        pl.Float64: "Float64",
        pl.Boolean: "Bool",
        pl.Int64: "Int64",
        pl.Int16: "Int16",
        pl.UInt32: "UInt32",
    }
    if isinstance(dtype, pl.Datetime):
        return "DateTime64(6, 'UTC')"
    name = base[type(dtype)]
    required = column in _KEYS or name in ("Date", "Bool", "UInt32") or column.endswith("_at")
    typed = name if required else f"Nullable({name})"
    return f"LowCardinality({typed})" if column in LOW_CARDINALITY else typed


def _with_site_date(schema: dict[str, pl.DataType], after: str) -> dict[str, pl.DataType]:
    """``schema`` with ``site_date`` (the site-local day, set when loading) after ``after``."""
    out: dict[str, pl.DataType] = {}
    for column, dtype in schema.items():
        out[column] = dtype
        if column == after:
            out["site_date"] = pl.Date()
    return out


RAW_TABLES: dict[str, RawTable] = {
    "events": RawTable(
        "events",
        _with_site_date(
            {
                **{c: t for c, t in EVENT_SCHEMA.items() if c != "properties"},
                "properties_json": pl.String(),
            },
            "event_date",
        ),
        _EVENT_DOCS,
        "event_date",
        ("tracking_id", "event_date", "client_id", "event_at"),
        "Every event of the hot window, bots included (is_bot); one row per "
        "(tracking_id, event_id); times in UTC",
    ),
    "sessions": RawTable(
        "sessions",
        _with_site_date(dict(SESSION_SCHEMA), "session_date"),
        _SESSION_DOCS,
        "session_date",
        ("tracking_id", "session_date", "client_id", "started_at"),
        "Every session of the hot window, one row per session, on the UTC day it started",
    ),
}


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


#: Raw ``events`` columns ``prop_<key>`` hold custom property ``key`` (the
#: ``hot_properties`` setting): ClickHouse fills them from ``properties`` on every insert
#: (and a mutation on upgrade), so a condition on the property reads a small dictionary
#: column instead of every row's map.
HOT_PROPERTY_PREFIX = "prop_"


def hot_property_column(key: str) -> str:
    """The name of kept property ``key``'s column, ``key`` checked to be letters, digits
    and ``_`` (the setting's keys are checked so; checked again here: it becomes SQL)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,59}", key):
        raise ValueError(f"not a property key of letters, digits and _: {key!r}")
    return f"{HOT_PROPERTY_PREFIX}{key}"


def hot_property_ddl(key: str) -> str:
    """The column of custom property ``key``: its value, NULL when the event has no such
    property."""
    return (
        f"{hot_property_column(key)} LowCardinality(Nullable(String)) MATERIALIZED "
        f"if(mapContains(properties, '{key}'), properties['{key}'], NULL) COMMENT "
        f"'The custom property {key} (NULL when absent), filled from properties on insert'"
    )


def raw_table_ddl(
    table: RawTable,
    hot_window_days: int,
    cluster: str | None = None,
    suffix: str = "",
    hot_properties: tuple[str, ...] = (),
) -> list[str]:
    """``CREATE TABLE`` statements of ``table`` (and, for a cluster, its ``Distributed``
    front: the data lives in ``<name>_local`` on every shard, replicated)."""
    on = f" ON CLUSTER {_quote(cluster)}" if cluster else ""
    local = f"{table.name}{suffix}_local" if cluster else f"{table.name}{suffix}"
    columns = [
        f"{c} {_type(c, t)} COMMENT {_quote(table.docs[c])}" for c, t in table.schema.items()
    ]
    if table.name == "events":
        columns.insert(
            columns.index(next(c for c in columns if c.startswith("revenue_amount"))),
            f"properties Map(String, String) COMMENT {_quote(table.docs['properties'])}",
        )
    columns.append(CLIENT_KEY_DDL)
    if table.name == "events" and not cluster:
        columns.append(VISITOR_NUMBER_DDL)
    if table.name == "events":
        columns += [hot_property_ddl(key) for key in hot_properties]
        columns.append(exposures_projection_ddl(cluster))
    engine = (
        f"ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{local}', '{{replica}}')"
        if cluster
        else "MergeTree"
    )
    ttl = f"TTL {table.date_col} + INTERVAL {int(hot_window_days)} DAY" if not suffix else ""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {local}{on} (\n    "
        + ",\n    ".join(columns)
        + f"\n) ENGINE = {engine}\nPARTITION BY {table.date_col}\n"
        f"ORDER BY ({', '.join(table.order_by)})\n{ttl}\nCOMMENT {_quote(table.comment)}"
    ]
    if cluster:
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table.name}{suffix}{on} AS {local} ENGINE = "
            f"Distributed({_quote(cluster)}, currentDatabase(), {_quote(local)}, "
            "cityHash64(tracking_id, client_id))"
        )
    return statements


def add_exposures_projection(client: Any, existing: set[str], cluster: str | None = None) -> None:
    """Give ``events`` made before it (and its staging twins, of the ``existing``
    tables) the ``exposures`` projection, and build it for the parts already loaded (a
    mutation, waited for)."""
    if cluster:
        on = f" ON CLUSTER '{cluster}'"
        tables = ["events_local", "events__staging_local"]
    else:
        on, tables = "", ["events", "events__staging", "events__input"]
    for table in tables:
        if table not in existing:
            continue
        client.command(
            f"ALTER TABLE {table}{on} ADD PROJECTION IF NOT EXISTS "
            + exposures_projection_ddl(cluster).removeprefix("PROJECTION ")
        )
        client.command(
            f"ALTER TABLE {table}{on} MATERIALIZE PROJECTION {EXPOSURES_PROJECTION}",
            settings={"mutations_sync": 2},
        )


def ensure_raw_tables(
    client: Any,
    hot_window_days: int,
    cluster: str | None = None,
    hot_properties: tuple[str, ...] = (),
) -> None:
    """Create ``events`` and ``sessions`` (and their staging twins) if missing, and add the
    columns a table made by an earlier release lacks, and the ``hot_properties`` columns
    ``events`` lacks (filled for the rows already loaded; a key no longer listed keeps
    its column).  With ``cluster`` the tables are made ``ON CLUSTER`` (replicated locals
    behind ``Distributed`` tables)."""
    if cluster:
        for table in RAW_TABLES.values():
            for suffix in ("", "__staging"):
                for statement in raw_table_ddl(
                    table, hot_window_days, cluster, suffix, hot_properties
                ):
                    client.command(statement)
        _add_hot_properties(client, hot_properties, cluster)
        return
    for table in RAW_TABLES.values():
        for statement in raw_table_ddl(table, hot_window_days, hot_properties=hot_properties):
            client.command(statement)
        found = _upgrade_columns(client, table)
        if table.name == "events":
            _add_hot_properties(client, hot_properties, None, found)
        client.command(f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {CLIENT_KEY_DDL}")
        if table.name == "events":
            client.command(registry_ddl())  # the load numbers each day's new visitors
            if "visitor_number" not in found:
                _number_loaded_events(client)
        # the staging twin copies the table as it is (a partition moves only between
        # tables of one structure), without its TTL: a day waits there to be swapped in
        for transient in ("staging", "input"):
            client.command(f"DROP TABLE IF EXISTS {table.name}__{transient}")
        client.command(f"CREATE TABLE {table.name}__staging AS {table.name}")
        client.command(f"ALTER TABLE {table.name}__staging REMOVE TTL")
        if table.name == "events":  # the rows as the lake has them, before numbering
            client.command(f"CREATE TABLE {table.name}__input AS {table.name}__staging")
        set_ttl(client, table.name, table.date_col, hot_window_days)


def _add_hot_properties(
    client: Any, keys: tuple[str, ...], cluster: str | None, found: set[str] | None = None
) -> None:
    """Give ``events`` (on a cluster: every shard's tables and the ``Distributed`` ones)
    the column of each of ``keys`` it lacks, filled for the rows already loaded (a
    mutation, waited for; ``found``: the columns it has, when known)."""
    if not keys:
        return
    if found is None:
        found = {
            name
            for (name,) in client.query(
                "SELECT name FROM system.columns WHERE database = currentDatabase() "
                "AND table = 'events'"
            ).result_rows
        }
    missing = [key for key in keys if hot_property_column(key) not in found]
    if cluster:
        on = f" ON CLUSTER {_quote(cluster)}"
        stored, fronts = ["events_local", "events__staging_local"], ["events", "events__staging"]
    else:
        on, stored, fronts = "", ["events"], []
    for key in missing:
        column = hot_property_ddl(key)
        for table in [*stored, *fronts]:
            client.command(f"ALTER TABLE {table}{on} ADD COLUMN IF NOT EXISTS {column}")
        for table in stored:
            client.command(
                f"ALTER TABLE {table}{on} MATERIALIZE COLUMN {hot_property_column(key)}",
                settings={"mutations_sync": 2},
            )


def _number_loaded_events(client: Any) -> None:
    """Give an ``events`` table made before visitor numbers its ``visitor_number``
    column, every row numbered: a numbered copy is built, then swapped in with one
    ``EXCHANGE`` (a reader sees the table without the column, counted by its
    ``client_key``, or the whole numbered one)."""
    client.command(number_clients_sql("events", "event_at"))
    client.command("DROP TABLE IF EXISTS events__numbering")
    client.command("CREATE TABLE events__numbering AS events")
    client.command(f"ALTER TABLE events__numbering ADD COLUMN {VISITOR_NUMBER_DDL}")
    kept = [*RAW_TABLES["events"].schema, "properties"]
    client.command(
        f"INSERT INTO events__numbering ({', '.join(kept)}, visitor_number) "
        + with_numbers_sql("events", [f"r.{c}" for c in kept])
    )
    client.command("OPTIMIZE TABLE events__numbering FINAL")  # a part per day, as loads leave
    client.command("EXCHANGE TABLES events__numbering AND events")
    client.command("DROP TABLE events__numbering")


def _upgrade_columns(client: Any, table: RawTable) -> set[str]:
    """Give a raw table made by an earlier release the columns it lacks, and the types
    this release keeps its columns in (``LowCardinality`` text: one mutation rewriting
    those columns, waited for).  Sorting-key columns keep the type they were made with
    (ClickHouse cannot change them in place).  Returns the columns it found."""
    have = dict(
        client.query(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase() "
            "AND table = {t:String}",
            parameters={"t": table.name},
        ).result_rows
    )
    previous = None
    changes = []
    for column, dtype in table.schema.items():
        wanted, found = _type(column, dtype), have.get(column)
        if found is None:
            after = f" AFTER {previous}" if previous else " FIRST"
            client.command(
                f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {column} "
                f"{wanted} COMMENT {_quote(table.docs[column])}{after}"
            )
        elif found != wanted and column not in (*table.order_by, table.date_col):
            changes.append(f"MODIFY COLUMN {column} {wanted} COMMENT {_quote(table.docs[column])}")
        previous = column
    if changes:
        # a projection's columns cannot change type under it: dropped, then built again
        projected = table.name == "events" and _has_projection(client, table.name)
        if projected:
            client.command(f"ALTER TABLE {table.name} DROP PROJECTION {EXPOSURES_PROJECTION}")
        client.command(
            f"ALTER TABLE {table.name} {', '.join(changes)}", settings={"mutations_sync": 2}
        )
        if projected:
            add_exposures_projection(client, {table.name})
    return set(have)


def _has_projection(client: Any, table: str) -> bool:
    return bool(
        client.query(
            "SELECT 1 FROM system.projections WHERE database = currentDatabase() "
            "AND table = {t:String} AND name = {p:String}",
            parameters={"t": table, "p": EXPOSURES_PROJECTION},
        ).result_rows
    )


def replace_raw_day(
    client: Any,
    name: str,
    rows: pl.DataFrame | pl.LazyFrame,
    day: dt.date,
    cluster: str | None = None,
) -> int:
    """Make day ``day`` of raw table ``name`` hold exactly ``rows`` (none: the day is
    dropped); on a cluster every shard swaps its own part of the day.  A lazy frame is
    streamed to the engine on the embedded default, not collected.  Returns the number
    of rows loaded."""
    table = RAW_TABLES[name]
    target, staging, source_table = staged_names(name, cluster)
    client.command(f"TRUNCATE TABLE {staging}")
    count = (
        rows.height if isinstance(rows, pl.DataFrame) else rows.select(pl.len()).collect().item()
    )
    if count:
        if name == "events":
            rows = rows.rename({"properties": "properties_json"})
        rows = rows.select(list(table.schema))
        blocks = block_settings(count)
        if name == "events" and not cluster:
            _insert_numbered_events(client, rows, blocks)
        else:
            insert_rows(
                client,
                f"{name}__staging",
                rows,
                settings=DISTRIBUTED_SYNC if cluster else None,
                blocks=blocks,
            )
        if name == "events" and cluster:
            client.command(
                f"ALTER TABLE {staging} UPDATE properties = {_properties_map('properties_json')} "
                "WHERE properties_json IS NOT NULL SETTINGS mutations_sync = 2"
            )
        # one part per day: a day read as one part groups and counts ~30% faster than
        # as the several parts a large insert makes (and a merge would make it later)
        if cluster or _parts(client, staging) > 1:
            client.command(f"OPTIMIZE TABLE {staging} FINAL")
        verb, source = "REPLACE", f" FROM {source_table}"
    else:
        verb, source = "DROP", ""
    # a date object's text: ON CLUSTER DDL travels as text, without parameters
    client.command(f"ALTER TABLE {target} {verb} PARTITION '{day.isoformat()}'{source}")
    client.command(f"TRUNCATE TABLE {staging}")
    return int(count)


def _parts(client: Any, table: str) -> int:
    """How many active parts ``table`` has (on a cluster: this replica's)."""
    return int(
        client.query(
            "SELECT count() FROM system.parts WHERE database = currentDatabase() "
            "AND table = {table:String} AND active",
            parameters={"table": table},
        ).result_rows[0][0]
    )


def _properties_map(json_col: str) -> str:
    """The ``properties`` map of a row's JSON text: strings as themselves, other values
    as their JSON text."""
    pairs = f"JSONExtractKeysAndValuesRaw(ifNull({json_col}, '{{}}'))"
    return (
        f"mapFromArrays(arrayMap(kv -> kv.1, {pairs}), arrayMap(kv -> "
        f"if(JSONType(kv.2) = 'String', JSONExtractString(kv.2), kv.2), {pairs}))"
    )


def _insert_numbered_events(
    client: Any, rows: pl.DataFrame | pl.LazyFrame, blocks: dict[str, int]
) -> None:
    """A day's events into ``events__staging``: the clients the registry lacks numbered,
    then each row copied with its properties map and its visitor number (one pass over
    the rows, read from a file on the in-process engine, else from ``events__input``)."""
    columns = list(RAW_TABLES["events"].schema)
    structure = ", ".join(f"{c} {_type(c, t)}" for c, t in RAW_TABLES["events"].schema.items())
    with rows_source(client, rows, structure, "events__input") as source:
        client.command(number_clients_sql(source, "event_at"))
        values = [f"r.{c}" for c in columns] + [_properties_map("r.properties_json")]
        client.command(
            f"INSERT INTO events__staging ({', '.join(columns)}, properties, visitor_number) "
            + with_numbers_sql(source, values),
            settings=blocks,
        )


if __name__ == "__main__":  # the DDL for a cluster, to run once with clickhouse-client
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m lake.hot_tier.raw_tables",
        description="Print the hot tier's DDL for a cluster (what STRATA_CLICKHOUSE_CLUSTER runs).",
    )
    parser.add_argument("--cluster", required=True, help="the cluster name in remote_servers")
    parser.add_argument("--hot-window-days", type=int, default=30, help="raw tables' TTL, days")
    parser.add_argument("--retention-days", type=int, default=730, help="rollups' TTL, days")
    parser.add_argument(
        "--hot-properties",
        default="element_id",
        help="property keys kept as events columns, comma-separated (STRATA_HOT_PROPERTIES)",
    )
    args = parser.parse_args()
    keys = tuple(k.strip() for k in args.hot_properties.split(",") if k.strip())
    for raw in RAW_TABLES.values():
        for suffix in ("", "__staging"):
            for statement in raw_table_ddl(raw, args.hot_window_days, args.cluster, suffix, keys):
                print(statement + ";\n")
    for rollup in ROLLUP_TABLES:
        for statement in rollup_cluster_ddl(rollup, args.retention_days, args.cluster):
            print(statement + ";\n")
