"""Engines a report can run on, behind one protocol."""

from serving.backends.base import Backend, QueryTimeoutError, Result, Tiers
from serving.backends.clickhouse import ClickHouseBackend
from serving.backends.duckdb import DuckDBBackend

__all__ = [
    "Backend",
    "ClickHouseBackend",
    "DuckDBBackend",
    "QueryTimeoutError",
    "Result",
    "Tiers",
]
