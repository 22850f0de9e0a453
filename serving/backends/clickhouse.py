"""The ClickHouse hot tier (embedded chdb or a server), as a query backend."""

from __future__ import annotations

import threading

from lake.hot_tier import ensure_raw_tables, ensure_schema, hot_tier, ready_cubes
from lake.settings import Settings
from lake.transforms import CUBES
from serving.backends.base import QueryTimeoutError, Result
from serving.sql import ClickHouseDialect, RenderedQuery

__all__ = ["ClickHouseBackend"]

#: Hot tier (its URL) -> the cubes known ready there.  A cube becomes ready once, when a
#: load swaps it in whole, and stays so: the question is asked again only while some
#: cube is not ready yet (a fresh or just upgraded hot tier).
_ready: dict[str, frozenset[str]] = {}
_ready_lock = threading.Lock()
#: Hot tiers (their URLs) whose ``events`` carry visitor numbers (once so, always so).
_numbered: set[str] = set()


class ClickHouseBackend:
    """Queries the hot tier; in embedded mode each query leases the engine briefly."""

    source = "clickhouse"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dialect = ClickHouseDialect()

    def prepare(self) -> None:
        """Create the hot-tier tables if the pipeline has not yet, so reports answer zeros."""
        with hot_tier(self.settings) as client:
            cluster = self.settings.clickhouse_cluster
            ensure_schema(client, self.settings.aggregate_retention_days, cluster)
            ensure_raw_tables(client, self.settings.hot_window_days, cluster)

    def has_cube(self, name: str) -> bool:
        """The hot tier holds cube ``name`` whole (:func:`lake.hot_tier.ready_cubes`);
        the engine is asked only while some cube is not ready."""
        key = self.settings.clickhouse_url
        with _ready_lock:
            found = _ready.get(key, frozenset())
        if len(found) < len(CUBES):
            with hot_tier(self.settings) as client:
                found = ready_cubes(client)
            with _ready_lock:
                _ready[key] = found
        return name in found

    def numbers_events(self) -> bool:
        """``events`` has its ``visitor_number`` column (every table this release makes
        or upgrades, but not on a cluster); asked until it is so."""
        key = self.settings.clickhouse_url
        if self.settings.clickhouse_cluster:
            return False
        if key not in _numbered:
            with hot_tier(self.settings) as client:
                found = client.query(
                    "SELECT count() FROM system.columns WHERE database = currentDatabase() "
                    "AND table = 'events' AND name = 'visitor_number'"
                ).result_rows[0][0]
            if found:
                _numbered.add(key)
        return key in _numbered

    def run(self, query: RenderedQuery) -> Result:
        """Run ``query`` with its bound parameters, stopped after the query timeout."""
        limit = self.settings.query_timeout_seconds
        with hot_tier(self.settings) as client:
            try:
                result = client.query(
                    query.sql, parameters=query.parameters, settings={"max_execution_time": limit}
                )
            except Exception as exc:
                if "TIMEOUT_EXCEEDED" in str(exc) or "Timeout exceeded" in str(exc):
                    raise QueryTimeoutError(
                        f"the query ran longer than {limit:g} s and was stopped"
                    ) from None
                raise
            return Result(list(result.column_names), [tuple(r) for r in result.result_rows])
