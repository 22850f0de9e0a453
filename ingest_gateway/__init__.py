"""Ingest gateway: the HTTP collector that lands events in the lake."""
