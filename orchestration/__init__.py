"""Dagster code location: landing → bronze → sessions → rollups → ClickHouse."""
