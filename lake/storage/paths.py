"""The lake layout: every path under ``STRATA_LAKE_URI`` is spelled here and only here."""

from __future__ import annotations

import datetime as dt

__all__ = ["LakePaths"]


class LakePaths:
    """Locations of the lake's tables under one root URI (local path or ``s3://``)."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    @property
    def landing_events(self) -> str:
        """Immutable Parquet micro-batches written by the gateway."""
        return f"{self.root}/landing/events"

    def landing_file(self, when: dt.datetime, gateway_id: str, segment: str) -> str:
        """Idempotent landing name: the same WAL segment always lands at the same path."""
        return (
            f"{self.landing_events}/date={when:%Y-%m-%d}/hour={when:%H}/"
            f"{gateway_id}-{segment}.parquet"
        )

    @property
    def landing_consumed(self) -> str:
        """Delta table of landing files already merged into bronze (the bronze cursor)."""
        return f"{self.root}/bronze/landing_consumed"

    @property
    def changed_days(self) -> str:
        """Delta table of event dates bronze appended to, and which refreshes covered them."""
        return f"{self.root}/bronze/changed_days"

    @property
    def raw_changed_days(self) -> str:
        """Delta table of the dates refreshes rebuilt, and which raw-table loads covered
        them (ClickHouse's raw ``events``/``sessions`` follow the refreshes)."""
        return f"{self.root}/gold/raw_changed_days"

    @property
    def marts_changed_days(self) -> str:
        """Delta table of the dates the raw-table loads covered, and which dbt marts runs
        covered them (the marts follow the raw tables on their own cadence)."""
        return f"{self.root}/gold/marts_changed_days"

    @property
    def bronze_events(self) -> str:
        """Delta, partitioned by event_date, one row per (tracking_id, event_id)."""
        return f"{self.root}/bronze/events"

    def event_id_index(self, fingerprint: str) -> str:
        """Delta: a hash of every bronze event's key with its date (see ``lake.storage.known_ids``);
        ``fingerprint`` names the hash function that built it."""
        return f"{self.root}/bronze/event_id_index/{fingerprint}"

    @property
    def silver_sessions(self) -> str:
        """Delta, partitioned by session_date, one row per session."""
        return f"{self.root}/silver/sessions"

    def gold(self, rollup: str) -> str:
        """Delta rollups: ``rollup_hourly``, ``rollup_daily``, ``session_rollup_hourly`` …"""
        return f"{self.root}/gold/{rollup}"

    def quarantine(self, asset: str) -> str:
        """Rows of ``asset`` that failed validation, with the reason."""
        return f"{self.root}/quarantine/{asset}"
