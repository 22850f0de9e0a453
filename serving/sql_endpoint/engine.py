"""Running one SQL endpoint query on the embedded engine: canonical text, the guard,
then the query itself with ``readonly = 1``, the limits and the key's row filters."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from lake.hot_tier import hot_tier
from lake.settings import Settings
from serving.sql_endpoint.errors import ClickHouseError, engine_error
from serving.sql_endpoint.guard import Statement, check_ast, split_format
from serving.sql_endpoint.tables import TableCatalog, filters_setting, read_catalog

__all__ = ["Answer", "SqlEngine"]

_DATABASE = "default"
_CATALOG_SECONDS = 10.0
_PARAM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Statements refused on their first word, before the engine parses them (``INSERT …
#: VALUES`` data would otherwise read as a syntax error).
_WRITES = re.compile(
    r"^\s*\(?\s*(INSERT|ALTER|CREATE|DROP|TRUNCATE|RENAME|EXCHANGE|DELETE|UPDATE|OPTIMIZE|"
    r"ATTACH|DETACH|SET|SYSTEM|KILL|GRANT|REVOKE|USE|BACKUP|RESTORE|UNDROP|MOVE)\b",
    re.I,
)


def _escaped(text: str) -> str:
    """``text`` as a query parameter value: the engine reads those in the escaped text
    format, where a backslash, tab or line break is written with a backslash."""
    return (
        text.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\0", "\\0")
    )


@dataclass(frozen=True)
class Answer:
    """A query's rendered result and what the ``X-ClickHouse-Summary`` header reports."""

    body: bytes
    fmt: str
    statement: Statement
    read_rows: int
    read_bytes: int
    elapsed_ns: int


class SqlEngine:
    """The SQL endpoint's access to the hot tier (embedded chdb, leased per query)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._catalog: TableCatalog | None = None
        self._catalog_at = 0.0
        self._formats: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self.version = ""
        self.timezone = "UTC"

    def _run(self, client: Any, sql: str, fmt: str, params: dict[str, str]) -> Any:
        """One engine call through clickhouse-connect's chdb backend (the result keeps the
        engine's read statistics, which its public ``raw_query`` drops)."""
        try:
            return client._backend._run(sql, fmt, params=params, database=_DATABASE)
        except Exception as exc:
            raise engine_error(exc) from None

    def _refresh(self, client: Any) -> TableCatalog:
        with self._lock:
            fresh = time.monotonic() - self._catalog_at < _CATALOG_SECONDS
            if self._catalog is not None and fresh:
                return self._catalog
        catalog = read_catalog(client, _DATABASE)
        if not self._formats:
            rows = client.query("SELECT name FROM system.formats WHERE is_output").result_rows
            self._formats = frozenset(r[0] for r in rows)
            self.version, self.timezone = client.query("SELECT version(), timezone()").result_rows[
                0
            ]
        with self._lock:
            self._catalog, self._catalog_at = catalog, time.monotonic()
        return catalog

    def execute(
        self,
        text: str,
        sites: tuple[str, ...],
        fmt: str | None,
        params: dict[str, str],
        limits: dict[str, int | float],
    ) -> Answer:
        """Run ``text`` for a key of ``sites``: refused unless it is a read of allowed
        tables; answered in ``fmt`` (the query's own ``FORMAT`` wins, as on a server)."""
        bad = [p for p in params if not _PARAM.match(p)]
        if bad:
            raise ClickHouseError("BAD_ARGUMENTS", f"not a query parameter name: {bad[0]!r}")
        write = _WRITES.match(text)
        if write:
            raise ClickHouseError(
                "READONLY",
                f"Strata's SQL endpoint is read-only: {write.group(1).upper()} is not allowed "
                "(SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN run here)",
            )
        with hot_tier(self.settings) as client:
            catalog = self._refresh(client)
            canonical = (
                self._run(
                    client,
                    "SELECT formatQuerySingleLine({q:String}) SETTINGS readonly = 1",
                    "TabSeparatedRaw",
                    {"q": _escaped(text)},
                )
                .bytes()
                .decode()
                .rstrip("\n")
            )
            sql, own_format = split_format(canonical)
            fmt = own_format or fmt or "TabSeparated"
            if fmt not in self._formats:
                raise ClickHouseError("UNKNOWN_FORMAT", f"Unknown format {fmt}")
            ast = self._run(client, f"EXPLAIN AST {sql}", "TabSeparatedRaw", params)
            statement = check_ast(ast.bytes().decode(), catalog)
            settings = {
                "readonly": 1,
                "max_execution_time": limits["max_execution_time"],
                "max_result_rows": limits["max_result_rows"],
                "max_result_bytes": limits["max_result_bytes"],
                "result_overflow_mode": "'throw'",
                "max_memory_usage": limits["max_memory_usage"],
                "additional_table_filters": filters_setting(catalog, sites),
            }
            clause = ", ".join(f"{k} = {v}" for k, v in settings.items())
            result = self._run(client, f"{sql}\nSETTINGS {clause}\nFORMAT {fmt}", fmt, params)
            return Answer(
                result.bytes() or b"",
                fmt,
                statement,
                int(result.rows_read()),
                int(result.bytes_read()),
                int(result.elapsed() * 1e9),
            )
