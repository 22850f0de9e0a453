"""ClickHouse's HTTP interface over the embedded engine: read-only SQL for BI tools,
filtered to each API key's sites (see docs/bi-tools.md)."""

from serving.sql_endpoint.app import create_sql_app, mount_sql
from serving.sql_endpoint.engine import SqlEngine

__all__ = ["SqlEngine", "create_sql_app", "mount_sql"]
