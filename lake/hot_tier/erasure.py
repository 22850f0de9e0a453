"""Erasure in the hot tier: one person's rows leave ``events`` and ``sessions`` (a
mutation that rewrites the parts, so the rows are gone from disk, not hidden), and
their ``visitor_numbers`` rows lose the client id.

A registry row is replaced by a tombstone (the number, no id): numbers are never
reused, so the cube bitmaps of other days stay right.  The rollups' sketches and the
cubes' bitmaps cannot drop one visitor; the days the person touched are loaded again
from the erased lake by the refresh that follows (see ``lake.storage.erasure``), and
the dbt marts are rebuilt after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lake.hot_tier.mutations import delete_where
from lake.hot_tier.visitor_numbers import REGISTRY

__all__ = ["erase_from_hot_tier", "find_in_hot_tier"]

_PERSON = "tracking_id = {site:String} AND client_id IN {ids:Array(String)}"


def _tables_with_client_id(client: Any) -> list[str]:
    """Every table of the database with a ``client_id`` column (views excluded: they
    read the tables), internal staging tables included."""
    rows = client.query(
        "SELECT c.table FROM system.columns AS c INNER JOIN system.tables AS t "
        "ON t.database = c.database AND t.name = c.table "
        "WHERE c.database = currentDatabase() AND c.name = 'client_id' "
        "AND t.engine NOT IN ('View', 'MaterializedView') ORDER BY c.table"
    ).result_rows
    return [r[0] for r in rows]


def _params(site: str, client_ids: frozenset[str]) -> dict[str, Any]:
    return {"site": site, "ids": sorted(client_ids)}


def erase_from_hot_tier(
    client: Any,
    site: str,
    client_ids: frozenset[str],
    cluster: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Delete the person's rows from every table holding client ids; rows per table."""
    params = _params(site, client_ids)
    report: dict[str, int] = {}
    tables = _tables_with_client_id(client)
    for name in tables:
        if name.endswith("_local") or name == REGISTRY:
            continue
        count = int(
            client.query(
                f"SELECT count() FROM {name} WHERE {_PERSON}", parameters=params
            ).result_rows[0][0]
        )
        report[f"clickhouse/{name}_rows"] = count
        if count:
            delete_where(client, name, _PERSON, params, cluster)
    if REGISTRY in tables:
        numbers = client.query(
            f"SELECT tracking_id, number FROM {REGISTRY} WHERE {_PERSON}", parameters=params
        ).result_rows
        report[f"clickhouse/{REGISTRY}_rows"] = len(numbers)
        if numbers:
            delete_where(client, REGISTRY, _PERSON, params, cluster)
            client.insert(
                REGISTRY,
                [[s, f"erased:{n}", n] for s, n in numbers],
                column_names=["tracking_id", "client_id", "number"],
            )
    removed = sum(report.values())
    log(f"clickhouse: {removed} rows of the person deleted")
    return report


def find_in_hot_tier(client: Any, site: str, client_ids: frozenset[str]) -> dict[str, int]:
    """Rows of the person each hot-tier table still holds (all 0 once erased)."""
    params = _params(site, client_ids)
    found = {}
    for name in _tables_with_client_id(client):
        if name.endswith("_local"):
            continue
        query = f"SELECT count() FROM {name} WHERE {_PERSON}"
        found[f"clickhouse/{name}"] = int(client.query(query, parameters=params).result_rows[0][0])
    return found
