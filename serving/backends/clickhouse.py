"""The ClickHouse hot tier (embedded chdb or a server), as a query backend."""

from __future__ import annotations

from lake.hot_tier import ensure_raw_tables, ensure_schema, hot_tier
from lake.settings import Settings
from serving.backends.base import Result
from serving.sql import ClickHouseDialect, RenderedQuery

__all__ = ["ClickHouseBackend"]


class ClickHouseBackend:
    """Queries the hot tier; in embedded mode each query leases the engine briefly."""

    source = "clickhouse"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dialect = ClickHouseDialect()

    def prepare(self) -> None:
        """Create the hot-tier tables if the pipeline has not yet, so reports answer zeros."""
        with hot_tier(self.settings) as client:
            ensure_schema(client, self.settings.aggregate_retention_days)
            ensure_raw_tables(client, self.settings.hot_window_days)

    def run(self, query: RenderedQuery) -> Result:
        """Run ``query`` with its bound parameters."""
        with hot_tier(self.settings) as client:
            result = client.query(query.sql, parameters=query.parameters)
            return Result(list(result.column_names), [tuple(r) for r in result.result_rows])
