"""SQL dialects: one report rendered for ClickHouse or DuckDB."""

from serving.sql.base import Dialect, RenderedQuery, render_report
from serving.sql.clickhouse import ClickHouseDialect
from serving.sql.duckdb import DuckDBDialect

__all__ = ["ClickHouseDialect", "Dialect", "DuckDBDialect", "RenderedQuery", "render_report"]
