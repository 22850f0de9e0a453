"""The resources Strata's assets use: the lake, the hot tier and the catalog of sites.

Each is a swappable ``ConfigurableResource`` whose fields default to the ``STRATA_*``
settings (an unset field means "from the environment", read once when a run or a
sensor tick starts using the resource), so environments differ by values only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from lake.catalog import ErasureStore, MetadataStore, Site
from lake.hot_tier import hot_tier
from lake.settings import Settings
from lake.storage import Lake, LakePaths, RetentionPolicy

__all__ = ["CatalogResource", "HotTierResource", "LakeResource"]


def _settings(**overrides: Any) -> Settings:
    base = Settings.from_env()
    given = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(base, **given) if given else base


class LakeResource(ConfigurableResource):
    """The lake (a local directory or ``s3://``): Delta/Parquet I/O and the table paths."""

    lake_uri: str | None = None  # None: STRATA_LAKE_URI, else $STRATA_HOME/lake
    _settings: Settings | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        """Every setting, with this resource's fields applied (read once)."""
        if self._settings is None:
            self._settings = _settings(lake_uri=self.lake_uri)
        return self._settings

    @property
    def lake(self) -> Lake:
        """Lake I/O for this run."""
        return Lake(self.settings)

    @property
    def paths(self) -> LakePaths:
        """The lake layout under this run's lake root."""
        return LakePaths(self.settings.lake_uri)


class HotTierResource(ConfigurableResource):
    """The ClickHouse hot tier: embedded chdb (leased) or a server URL."""

    clickhouse_url: str | None = None  # None: STRATA_CLICKHOUSE_URL, else embedded chdb
    _settings: Settings | None = PrivateAttr(default=None)

    @contextmanager
    def client(self) -> Iterator[Any]:
        """A ClickHouse client for one unit of work (embedded mode holds the engine meanwhile)."""
        if self._settings is None:  # read once, not per unit of work
            self._settings = _settings(clickhouse_url=self.clickhouse_url)
        with hot_tier(self._settings) as client:
            yield client


class CatalogResource(ConfigurableResource):
    """Sites and their own settings (time zone, session gap, lateness), read once per run."""

    metadata_url: str | None = None  # None: STRATA_METADATA_URL, else SQLite under home
    _sites: dict[str, Site] | None = PrivateAttr(default=None)

    @property
    def sites(self) -> dict[str, Site]:
        """Every site, by tracking id (read on first use, then kept for the run)."""
        if self._sites is None:
            url = _settings(metadata_url=self.metadata_url).metadata_url
            self._sites = MetadataStore(url).sites()
        return self._sites

    @property
    def erasures(self) -> ErasureStore:
        """Erasure requests and the erasure log."""
        url = _settings(metadata_url=self.metadata_url).metadata_url
        return ErasureStore(MetadataStore(url).engine)

    def session_timeouts(self) -> dict[str, int]:
        """Session inactivity gap in minutes of the sites that set their own."""
        return {
            tid: s.session_timeout_minutes
            for tid, s in self.sites.items()
            if s.session_timeout_minutes
        }

    def allowed_lateness(self) -> dict[str, float]:
        """Allowed lateness in hours of the sites that set their own."""
        return {
            tid: s.allowed_lateness_hours
            for tid, s in self.sites.items()
            if s.allowed_lateness_hours is not None
        }

    def retention_policy(
        self, settings: Settings, today: dt.date, hold_from: dt.date | None = None
    ) -> RetentionPolicy:
        """The retention in force ``today``: the settings' days, each site's own, and the
        days from ``hold_from`` on that nothing may delete."""
        overrides = {
            tid: (site.raw_retention_days, site.aggregate_retention_days)
            for tid, site in self.sites.items()
            if site.raw_retention_days or site.aggregate_retention_days
        }
        return RetentionPolicy(
            today,
            settings.raw_retention_days,
            settings.aggregate_retention_days,
            overrides,
            hold_from,
        )

    def timezones(self) -> dict[str, str]:
        """Report time zone of every site, by tracking id."""
        return {tid: s.timezone for tid, s in self.sites.items()}
