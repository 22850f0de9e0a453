"""Which statements the SQL endpoint runs, decided on the engine's own parse of them.

A query is first re-printed by ClickHouse (``formatQuerySingleLine``, the text bound as
a parameter: nothing of it is interpolated yet), which refuses several statements in
one and gives one canonical line.  Its ``FORMAT`` clause is taken off (the endpoint
appends its own), and ``EXPLAIN AST`` of that one statement (parsed, never run) is
walked here: only reads are allowed (``SELECT``, ``WITH … SELECT``, ``SHOW``,
``DESCRIBE``, ``EXISTS``, ``EXPLAIN``), no ``SETTINGS`` clause, no ``INTO OUTFILE``, no
table function that reaches files, URLs, S3 or other engines, no function that reads
files or dictionaries, and only the tables of :mod:`serving.sql_endpoint.tables`.  The
query then runs with ``readonly = 1`` and the key's row filters as its settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from serving.sql_endpoint.errors import ClickHouseError
from serving.sql_endpoint.tables import SCHEMA_DATABASES, SYSTEM_TABLES, TableCatalog

__all__ = ["Statement", "check_ast", "split_format"]

#: Table functions that only make rows up; every other one (file, url, s3, remote,
#: mysql, postgresql, executable, merge, cluster, view, input …) is refused.
TABLE_FUNCTIONS = frozenset(
    {
        "numbers",
        "numbers_mt",
        "zeros",
        "zeros_mt",
        "generate_series",
        "generateseries",
        "values",
        "null",
        "one",
    }
)
#: Functions that read files, dictionaries or join tables (around the row filters) or
#: reveal the server's configuration; lower case, ``*`` a prefix.
_FORBIDDEN_FUNCTIONS = (
    "file",
    "dictget*",
    "dicthas",
    "dictisin",
    "joinget*",
    "catboostevaluate",
    "modelevaluate",
    "getserversetting",
    "filesystem*",
)
_READS = {
    "SelectWithUnionQuery": "SELECT",
    "ShowTables": "SHOW",
    "ShowColumns": "SHOW COLUMNS",
    "DescribeQuery": "DESCRIBE",
    "ExistsTableQuery": "EXISTS",
    "ShowCreateTableQuery": "SHOW CREATE TABLE",
    "Explain": "EXPLAIN",
}
_FORMAT = re.compile(r"^(?P<sql>.*\S) FORMAT (?P<fmt>[A-Za-z][A-Za-z0-9_]*)$", re.S)
_LINE = re.compile(
    r"^(?P<indent> *)(?P<kind>\S+)(?: (?P<rest>.*?))?(?: \(alias [^)]*\))?(?: \(children \d+\))?$"
)


@dataclass(frozen=True)
class Statement:
    """A checked statement: its kind (``SELECT``, ``SHOW`` …) and the tables it reads."""

    kind: str
    tables: tuple[str, ...]


def split_format(canonical: str) -> tuple[str, str | None]:
    """The statement without its trailing ``FORMAT`` clause, and that format's name."""
    found = _FORMAT.match(canonical)
    if found is None:
        return canonical, None
    return found.group("sql"), found.group("fmt")


def _forbidden(name: str) -> bool:
    low = name.lower()
    return any(
        low.startswith(f[:-1]) if f.endswith("*") else low == f for f in _FORBIDDEN_FUNCTIONS
    )


def _resolve(name: str, catalog: TableCatalog) -> tuple[str, str]:
    db, _, table = name.rpartition(".")
    return (db or catalog.database), table


def _check_table(name: str, catalog: TableCatalog) -> str:
    db, table = _resolve(name, catalog)
    if db in SCHEMA_DATABASES:
        if db == "system" and table not in SYSTEM_TABLES:
            raise ClickHouseError(
                "ACCESS_DENIED", f"system.{table} is not readable through Strata's SQL endpoint"
            )
        return f"{db}.{table}"
    if f"{db}.{table}" in catalog.hidden:
        raise ClickHouseError("UNKNOWN_TABLE", f"Table {db}.{table} does not exist")
    return f"{db}.{table}"


def check_ast(ast: str, catalog: TableCatalog) -> Statement:
    """Refuse anything but a plain read of the allowed tables, from ``EXPLAIN AST`` text
    (one node per line, indented by depth); the statement's kind and tables if it passes."""
    nodes = []
    for line in ast.splitlines():
        found = _LINE.match(line)
        if found is None or not line.strip():
            continue
        nodes.append(
            (len(found.group("indent")), found.group("kind"), (found.group("rest") or "").strip())
        )
    if not nodes:
        raise ClickHouseError("SYNTAX_ERROR", "Empty query")
    root = nodes[0][1]
    kind = _READS.get(root)
    if kind is None:
        raise ClickHouseError(
            "READONLY",
            f"Strata's SQL endpoint is read-only: only SELECT, WITH … SELECT, SHOW, DESCRIBE, "
            f"EXISTS and EXPLAIN run here (this is {root.removesuffix('Query') or root})",
        )
    if root == "Explain" and (len(nodes) < 2 or nodes[1][1] != "SelectWithUnionQuery"):
        raise ClickHouseError("READONLY", "EXPLAIN runs here for SELECT statements only")
    tables: list[str] = []
    parents: list[str] = []
    for depth, node, rest in nodes:
        del parents[depth:]
        parent = parents[-1] if parents else ""
        parents.append(node)
        if node == "Set":
            raise ClickHouseError(
                "READONLY",
                "SETTINGS clauses are not accepted by Strata's SQL endpoint (its limits and "
                "row filters are fixed per key); output format settings go in URL parameters",
            )
        if depth == 1 and root == "SelectWithUnionQuery" and node == "Literal":
            raise ClickHouseError("READONLY", "INTO OUTFILE is not allowed")
        if node == "TableIdentifier" and rest:
            tables.append(_check_table(rest, catalog))
        elif node == "Identifier" and (
            f"{catalog.database}.{rest}" in catalog.hidden or rest in catalog.hidden
        ):
            raise ClickHouseError("UNKNOWN_TABLE", f"Table {rest} does not exist")
        elif node == "Function" and rest:
            name = rest.split(" ")[0]
            if parent == "TableExpression":
                if name.lower() not in TABLE_FUNCTIONS:
                    raise ClickHouseError(
                        "ACCESS_DENIED",
                        f"table function {name}() is not allowed by Strata's SQL endpoint "
                        "(it reads files, URLs, S3 or other engines, or tables around the row "
                        "filters)",
                    )
            elif _forbidden(name):
                raise ClickHouseError(
                    "ACCESS_DENIED", f"function {name}() is not allowed by Strata's SQL endpoint"
                )
    if root == "ShowCreateTableQuery":
        names = [rest for _, node, rest in nodes[1:] if node == "Identifier"]
        tables.append(_check_table(".".join(names[-2:]), catalog))
        db, table = _resolve(tables[-1], catalog)
        if db == catalog.database and table not in catalog.visible:
            raise ClickHouseError("UNKNOWN_TABLE", f"Table {db}.{table} does not exist")
    return Statement(kind, tuple(tables))
