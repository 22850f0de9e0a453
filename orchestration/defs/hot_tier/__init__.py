"""Assets that load the ClickHouse hot tier."""
