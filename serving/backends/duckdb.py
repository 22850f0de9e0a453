"""DuckDB over the lake's Delta tables (the cold tier), as a query backend.

Each query opens a connection to the process's in-memory DuckDB for the lake (the
extensions and S3 secret loaded once), exposes the tables it names as temporary views over
``delta_scan`` (the Delta extension ships with the pinned ``duckdb-extension-delta``
wheel: nothing is downloaded) and runs there: the gold rollups, and bronze and silver
as ``events`` and ``sessions`` (the raw tables' names in ClickHouse).  S3 lakes get a
secret from the settings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

import duckdb
import duckdb_extensions
import polars as pl

from lake.settings import Settings
from lake.storage import EVENT_SCHEMA, ROLLUP_DIMENSIONS, SESSION_SCHEMA, Lake, LakePaths
from lake.transforms import CUBES, ROLLUP_METRIC_COLUMNS
from serving.backends.base import QueryTimeoutError, Result
from serving.sql import DuckDBDialect, RenderedQuery

__all__ = ["DuckDBBackend"]

T = TypeVar("T")
_GOLD = ("rollup_daily", "rollup_hourly", *CUBES)
_RAW = ("events", "sessions")
_METRIC_TYPES = {"users": "VARCHAR[]", "sum_session_duration_s": "DOUBLE"}
_loaded = False
#: (lake URI, S3 endpoint, region) -> the process's in-memory DuckDB for that lake.
_instances: dict[tuple[str, str, str], duckdb.DuckDBPyConnection] = {}
_instances_lock = threading.Lock()


def _load_extensions() -> None:
    global _loaded
    if not _loaded:
        for name in ("delta", "httpfs"):
            duckdb_extensions.import_extension(name)
        _loaded = True


class _LakeCubes(Collection[str]):
    """The cubes a lake holds, each looked up in the lake when first asked about."""

    def __init__(self, backend: DuckDBBackend) -> None:
        self.backend = backend
        self.found: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or name not in CUBES:
            return False
        if name not in self.found:
            uri = self.backend.paths.gold(name)
            self.found[name] = self.backend.lake.delta_table(uri) is not None
        return self.found[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in CUBES if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class DuckDBBackend:
    """Queries the lake itself: exact visitor lists, every day the lake holds."""

    source = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = LakePaths(settings.lake_uri)
        self.lake = Lake(settings)
        self.dialect = DuckDBDialect()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A fresh connection (its own temporary views) to this process's in-memory
        database for the lake, which has loaded the extensions and S3 secret once:
        loading them took ~160 ms, a new cursor takes ~1 ms."""
        endpoint = self.settings.s3_endpoint_url or ""
        key = (self.settings.lake_uri, endpoint, self.settings.s3_region)
        with _instances_lock:
            parent = _instances.get(key)
            if parent is None:
                parent = _instances[key] = self._open(endpoint)
            return parent.cursor()

    def _open(self, endpoint: str) -> duckdb.DuckDBPyConnection:
        _load_extensions()
        con = duckdb.connect()
        con.execute("LOAD delta")
        if self.lake.is_s3:
            con.execute("LOAD httpfs")
            host = re.sub(r"^https?://", "", endpoint)
            con.execute(
                "CREATE SECRET lake (TYPE s3, PROVIDER credential_chain, REGION $region"
                + (", ENDPOINT $endpoint, URL_STYLE 'path', USE_SSL $ssl" if host else "")
                + ")",
                {"region": self.settings.s3_region}
                | ({"endpoint": host, "ssl": endpoint.startswith("https")} if host else {}),
            )
        return con

    def cubes(self) -> Collection[str]:
        """The cubes the lake has made (a refresh after an upgrade that adds a cube
        builds it for every day: until then reports read its rollup); each is looked up
        only when the planner asks for it (opening a Delta log costs ~20 ms on a lake)."""
        return _LakeCubes(self)

    def run(self, query: RenderedQuery) -> Result:
        """Run ``query`` over views of the gold tables (empty when a table is not built yet)."""
        return self._ask(
            query, lambda cursor: Result([d[0] for d in cursor.description], cursor.fetchall())
        )

    def frame(self, query: RenderedQuery, categorical: bool = False) -> pl.DataFrame:
        """``query``'s rows as a Polars frame (``categorical`` changes nothing: DuckDB
        sends text as text)."""
        return self._ask(query, lambda cursor: cursor.pl())

    def _ask(self, query: RenderedQuery, fetch: Callable[[Any], T]) -> T:
        con = self._connect()
        try:
            for table in (*_GOLD, *_RAW):
                if re.search(rf"\bFROM {table}\b", query.sql):
                    self._view(con, table)
            used = {  # DuckDB refuses parameters the statement does not name
                k: v for k, v in query.parameters.items() if re.search(rf"\${k}\b", query.sql)
            }
            limit = self.settings.query_timeout_seconds
            timer = threading.Timer(limit, con.interrupt)  # stops a query past the limit
            timer.start()
            try:
                return fetch(con.execute(query.sql, used))
            except duckdb.InterruptException:
                raise QueryTimeoutError(
                    f"the query ran longer than {limit:g} s and was stopped"
                ) from None
            finally:
                timer.cancel()
        finally:
            con.close()

    def _view(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        if table in _RAW:
            uri = self.paths.bronze_events if table == "events" else self.paths.silver_sessions
        else:
            uri = self.paths.gold(table)  # a cube the lake lacks is never planned (cubes)
        found = self.lake.delta_table(uri) is not None
        if not found and table in _RAW:
            schema = EVENT_SCHEMA if table == "events" else SESSION_SCHEMA
            empty = pl.DataFrame(schema=schema).to_arrow()  # noqa: F841 - read by DuckDB
            con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM empty")
            return
        if not found:  # not built yet: an empty table of its shape
            cube = CUBES.get(table)
            daily = cube.daily if cube else table == "rollup_daily"
            columns = [
                "tracking_id VARCHAR",
                "date DATE" if daily else "hour TIMESTAMPTZ",
                *(f"{d} VARCHAR" for d in (cube.dimensions if cube else ROLLUP_DIMENSIONS)),
                *(f"{m} {_METRIC_TYPES.get(m, 'UBIGINT')}" for m in ROLLUP_METRIC_COLUMNS),
            ]
            con.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)})")
            return
        path = uri.replace("'", "''")  # a settings value, not request text
        con.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM delta_scan('{path}')")
