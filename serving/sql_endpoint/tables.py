"""What a key may read through the SQL endpoint: the hot tier's tables that carry a
``tracking_id`` (each filtered to the key's sites), a few system tables for schema
browsers (filtered to what the key may see), and nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SYSTEM_TABLES",
    "TableCatalog",
    "filters_setting",
    "read_catalog",
]

#: System tables clients read on connecting or to browse a schema; none holds events.
SYSTEM_TABLES = frozenset(
    {
        "one",
        "numbers",
        "numbers_mt",
        "zeros",
        "zeros_mt",
        "settings",
        "tables",
        "columns",
        "databases",
        "functions",
        "table_functions",
        "formats",
        "data_type_families",
        "table_engines",
        "time_zones",
        "collations",
        "keywords",
        "aggregate_function_combinators",
        "build_options",
        "contributors",
        "licenses",
        "users",
        "current_roles",
        "enabled_roles",
    }
)
#: Databases that are views over the system tables above (filtered with them).
SCHEMA_DATABASES = frozenset({"system", "information_schema", "INFORMATION_SCHEMA"})

#: Tables of the hot tier that stay hidden although they carry a ``tracking_id``: the
#: visitor registry and the load's working copies.
_INTERNAL = re.compile(r"^visitor_numbers($|_)|__(staging|raw|building|input|dbt)|_local$")
_SITE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


@dataclass(frozen=True)
class TableCatalog:
    """The hot tier's tables: ``visible`` (readable, filtered by site) and ``hidden``
    (every other table that exists, by ``database.table``) in ``database``."""

    database: str
    visible: frozenset[str]
    hidden: frozenset[str]


def read_catalog(client: Any, database: str) -> TableCatalog:
    """Ask the engine which tables exist and which of them carry a ``tracking_id``."""
    rows = client.query(
        "SELECT t.database, t.name, countIf(c.name = 'tracking_id') > 0 "
        "FROM system.tables AS t LEFT JOIN system.columns AS c "
        "ON c.database = t.database AND c.table = t.name "
        "WHERE t.database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA') "
        "GROUP BY t.database, t.name"
    ).result_rows
    visible = {
        name
        for db, name, has_site in rows
        if db == database and has_site and not _INTERNAL.search(name)
    }
    hidden = {f"{db}.{name}" for db, name, _ in rows if not (db == database and name in visible)}
    return TableCatalog(database, frozenset(visible), frozenset(hidden))


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def filters_setting(catalog: TableCatalog, sites: tuple[str, ...]) -> str:
    """The ``additional_table_filters`` value that limits every visible table to ``sites``
    and the schema tables to what the key may see (built from registry values only)."""
    bad = [s for s in sites if not _SITE_ID.match(s)]
    if bad:
        raise ValueError(f"not a site id: {bad!r}")
    site_list = ", ".join(_literal(s) for s in sites) or "NULL"
    own = f"tracking_id IN ({site_list})"
    db = _literal(catalog.database)
    tables = ", ".join(_literal(t) for t in sorted(catalog.visible)) or "''"
    system = ", ".join(_literal(t) for t in sorted(SYSTEM_TABLES))
    schemas = ", ".join(_literal(d) for d in sorted(SCHEMA_DATABASES))
    views = ", ".join(_literal(d) for d in sorted(SCHEMA_DATABASES - {"system"}))
    filters = {t: own for t in sorted(catalog.visible)}
    filters["system.tables"] = (
        f"(database = {db} AND name IN ({tables})) OR "
        f"(database = 'system' AND name IN ({system})) OR database IN ({views})"
    )
    filters["system.columns"] = (
        f"(database = {db} AND table IN ({tables})) OR "
        f"(database = 'system' AND table IN ({system})) OR database IN ({views})"
    )
    filters["system.databases"] = f"name = {db} OR name IN ({schemas})"
    pairs = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in filters.items())
    return "{" + pairs + "}"
