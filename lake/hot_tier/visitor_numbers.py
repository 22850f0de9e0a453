"""Visitor numbers: each site's visitors numbered 0, 1, 2 … in the hot tier, so the cubes
can keep their visitors as exact bitmaps.

A cube row's distinct visitors are a ``groupBitmap`` of these numbers: exact at any
size, and merging bitmaps (a bitwise OR) is an order of magnitude cheaper than merging
``uniqCombined64(20)`` sketches, whose states reach 768 KiB per row.  Numbers are given
by the load, which is the only writer (one at a time: the lease, or the ``clickhouse``
pool on a server), to the clients a loaded day brings that the site has not seen,
in order of the first day they appear; a number is never reused, so the cube rows of
every day stay comparable.  The lake keeps the clients themselves (exact lists), so
the registry, like everything in the hot tier, can be rebuilt from it.
"""

from __future__ import annotations

__all__ = [
    "REGISTRY",
    "bitmap_insert_sql",
    "number_clients_sql",
    "number_visitors_sql",
    "registry_cluster_ddl",
    "registry_ddl",
    "with_numbers_sql",
]

#: The registry table: (tracking_id, client_id) -> number.
REGISTRY = "visitor_numbers"

_COLUMNS = (
    "\n    tracking_id LowCardinality(String) COMMENT 'Site',"
    "\n    client_id String COMMENT 'Anonymous device or browser id',"
    "\n    number UInt32 COMMENT 'The visitor number in the site, from 0 in order of the first "
    "day seen; the cube tables keep these in their users bitmaps'"
)
_COMMENT = (
    "Every visitor of each site numbered from 0 (a visitor keeps its number): the users "
    "bitmaps of the cube tables hold these numbers"
)


def registry_ddl() -> str:
    """``CREATE TABLE`` of the registry (one server or the embedded engine)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {REGISTRY} ({_COLUMNS}\n) ENGINE = MergeTree\n"
        f"ORDER BY (tracking_id, client_id)\nCOMMENT '{_COMMENT}'"
    )


def registry_cluster_ddl(cluster: str) -> list[str]:
    """The registry on a cluster: a replicated ``visitor_numbers_local`` on every shard
    behind a ``Distributed`` table sharded by site, as the cubes are, so a site's numbers
    live on the shard that holds its cube rows."""
    on = f" ON CLUSTER '{cluster}'"
    local = f"{REGISTRY}_local"
    engine = (
        f"ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{local}', '{{replica}}')"
    )
    return [
        f"CREATE TABLE IF NOT EXISTS {local}{on} ({_COLUMNS}\n) ENGINE = {engine}\n"
        f"ORDER BY (tracking_id, client_id)\nCOMMENT '{_COMMENT}'",
        f"CREATE TABLE IF NOT EXISTS {REGISTRY}{on} AS {local} ENGINE = "
        f"Distributed('{cluster}', currentDatabase(), '{local}', cityHash64(tracking_id))",
    ]


def _known(clients: str) -> str:
    """The registry rows of the client ids ``clients`` selects, with ``found`` true (a
    set filter, so a load never joins a big site's whole registry; ``GLOBAL``: on a
    cluster the set is built here, where the loaded rows are, and sent to the shards)."""
    return (
        f"(SELECT tracking_id, client_id, number, true AS found FROM {REGISTRY} "
        f"WHERE client_id GLOBAL IN ({clients}))"
    )


def _numbering_sql(firsts: str, clients: str) -> str:
    """``INSERT`` numbering the (tracking_id, client_id, first) rows of ``firsts`` that
    the registry lacks: per site, after its highest number, by first time then id."""
    return f"""INSERT INTO {REGISTRY} (tracking_id, client_id, number)
SELECT n.tracking_id, n.client_id,
       toUInt32(b.next + row_number() OVER (
           PARTITION BY n.tracking_id ORDER BY n.first, n.client_id) - 1)
FROM ({firsts}) AS n
LEFT ANTI JOIN {_known(clients)} AS o ON o.tracking_id = n.tracking_id AND o.client_id = n.client_id
LEFT JOIN (SELECT tracking_id, max(number) + 1 AS next FROM {REGISTRY} GROUP BY tracking_id) AS b
    ON b.tracking_id = n.tracking_id"""


def number_visitors_sql(raw: str, time_col: str) -> str:
    """``INSERT`` numbering the clients of ``raw``'s ``users`` lists the registry lacks:
    per site, after its highest number, in order of first ``time_col`` then client id."""
    return _numbering_sql(
        f"SELECT tracking_id, client_id, min({time_col}) AS first "
        f"FROM {raw} ARRAY JOIN users AS client_id GROUP BY tracking_id, client_id",
        f"SELECT arrayJoin(users) FROM {raw}",
    )


def number_clients_sql(table: str, time_col: str, where: str = "1") -> str:
    """``INSERT`` numbering the ``client_id`` of ``table``'s rows (those ``where``
    keeps) the registry lacks, as :func:`number_visitors_sql` does for lists."""
    return _numbering_sql(
        f"SELECT tracking_id, client_id, min({time_col}) AS first FROM {table} "
        f"WHERE {where} GROUP BY tracking_id, client_id",
        f"SELECT client_id FROM {table} WHERE {where}",
    )


def with_numbers_sql(table: str, columns: list[str], where: str = "1") -> str:
    """``SELECT`` of ``columns`` (expressions over the row ``r``) of ``table``'s rows
    (those ``where`` keeps) and each row's visitor ``number`` (run
    :func:`number_clients_sql` first)."""
    return (
        f"SELECT {', '.join(columns)}, v.number FROM {table} AS r "
        f"LEFT JOIN {_known(f'SELECT client_id FROM {table} WHERE {where}')} AS v "
        f"ON v.tracking_id = r.tracking_id AND v.client_id = r.client_id WHERE {where}"
    )


def bitmap_insert_sql(target: str, raw: str, keys: list[str], measures: list[str]) -> str:
    """``INSERT`` of ``raw``'s rows into ``target`` with each ``users`` list turned into
    a bitmap of visitor numbers (run :func:`number_visitors_sql` first); ``keys`` and
    ``measures`` in the target's column order, ``users`` between the first two measures
    and the rest, as the aggregate tables lay them out.  A row with no visitors gets an
    empty bitmap; rows stay one for one (grouped by their position)."""
    key_cols = ", ".join(f"r.{k}" for k in keys)
    first, rest = measures[:2], measures[2:]
    values = [
        key_cols,
        *(f"any(r.{m})" for m in first),
        "groupBitmapStateIf(v.number, v.found)",
        *(f"any(r.{m})" for m in rest),
    ]
    return f"""INSERT INTO {target}
SELECT {", ".join(values)}
FROM (SELECT *, rowNumberInAllBlocks() AS _row FROM {raw}) AS r
LEFT ARRAY JOIN r.users AS client_id
LEFT JOIN {_known(f"SELECT arrayJoin(users) FROM {raw}")} AS v
    ON v.tracking_id = r.tracking_id AND v.client_id = client_id
GROUP BY r._row, {key_cols}"""
