"""Query backends (ClickHouse now; DuckDB over the lake later)."""
