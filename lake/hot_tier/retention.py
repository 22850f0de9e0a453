"""Data retention in the hot tier: the rows of ``events``/``sessions`` older than their
site's raw retention, and of the rollups, cubes and dbt marts older than its aggregate
retention, are deleted (``ALTER TABLE … DELETE``, a mutation that rewrites the parts:
the rows are gone from disk, not hidden).  The tables' TTLs already age out the rows of
the hot window and of the default aggregate retention; this removes what a site's
shorter retention expires, and whatever TTL has not reached yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from lake.hot_tier.ddl import ROLLUP_TABLES
from lake.hot_tier.inserts import insert_rows
from lake.hot_tier.migrations import table_names
from lake.hot_tier.mutations import delete_where
from lake.hot_tier.raw_tables import RAW_TABLES
from lake.hot_tier.visitor_numbers import REGISTRY
from lake.storage import RetentionPolicy

__all__ = ["MART_TABLES", "apply_hot_retention", "prune_visitor_numbers"]

#: The dbt marts, each with its site-local day column.
MART_TABLES = (
    "site_traffic_daily",
    "channel_performance_daily",
    "page_performance_daily",
    "ecommerce_revenue_daily",
    "funnel_conversion_daily",
    "retention_cohorts_weekly",
)


def _predicate(policy: RetentionPolicy, kind: str, day: str) -> tuple[str, dict[str, Any]]:
    """The expired rows of a table whose day is ``day`` (SQL), with bound parameters."""
    sites = sorted(policy.overrides)
    params: dict[str, Any] = {"others": sites, "cutoff": policy.cutoff(kind)}
    clauses = []
    for i, site in enumerate(sites):
        params[f"s{i}"], params[f"c{i}"] = site, policy.cutoff(kind, site)
        clauses.append(f"(tracking_id = {{s{i}:String}} AND {day} < {{c{i}:Date}})")
    clauses.append(f"(tracking_id NOT IN {{others:Array(String)}} AND {day} < {{cutoff:Date}})")
    return " OR ".join(clauses), params


def apply_hot_retention(
    client: Any,
    policy: RetentionPolicy,
    cluster: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Delete the expired rows of every hot-tier table; rows removed per table."""
    existing = table_names(client)
    plan: list[tuple[str, str, str]] = [
        *((name, "raw", table.date_col) for name, table in RAW_TABLES.items()),
        *(
            (name, "aggregate", f"toDate({ROLLUP_TABLES[name][0].split()[0]})")
            for name in ROLLUP_TABLES
        ),
        *((name, "aggregate", "site_date") for name in MART_TABLES),
    ]
    report: dict[str, int] = {}
    for name, kind, day in plan:
        if name not in existing:
            continue
        where, params = _predicate(policy, kind, day)
        found = client.query(f"SELECT count() FROM {name} WHERE {where}", parameters=params)
        count = int(found.result_rows[0][0])
        report[f"clickhouse/{name}_rows"] = count
        if count:
            delete_where(client, name, where, params, cluster)
        log(f"clickhouse/{name}: {count} rows older than their site's {kind} retention deleted")
    return report


def prune_visitor_numbers(
    client: Any,
    retained: pl.DataFrame,
    cluster: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Delete the registry rows of visitors the lake no longer holds anywhere
    (``retained``: the (tracking_id, client_id) pairs it still holds, see
    ``lake.storage.retained_visitors``).  No kept cube bitmap holds their numbers
    (the cubes are made from the lake's lists), so nothing counts them twice should
    they return and be numbered anew."""
    if REGISTRY not in table_names(client):
        return {}
    registry = pl.from_arrow(client.query_arrow(f"SELECT tracking_id, client_id FROM {REGISTRY}"))
    assert isinstance(registry, pl.DataFrame)
    registry = registry.with_columns(pl.col(pl.Categorical).cast(pl.String))
    registry = registry.filter(~pl.col("client_id").str.starts_with("erased:"))
    stale = registry.join(retained, on=["tracking_id", "client_id"], how="anti")
    if stale.height:
        client.command(f"DROP TABLE IF EXISTS {REGISTRY}__prune")
        client.command(
            f"CREATE TABLE {REGISTRY}__prune (tracking_id String, client_id String) ENGINE = Memory"
        )
        insert_rows(client, f"{REGISTRY}__prune", stale)
        stale_pairs = f"(SELECT tracking_id, client_id FROM {REGISTRY}__prune)"
        delete_where(
            client, REGISTRY, f"(tracking_id, client_id) GLOBAL IN {stale_pairs}", None, cluster
        )
        client.command(f"DROP TABLE {REGISTRY}__prune")
    log(f"clickhouse/{REGISTRY}: {stale.height} visitors the lake no longer holds removed")
    return {f"clickhouse/{REGISTRY}_rows": stale.height}
