"""The Dagster resource every Strata asset uses: settings plus lake and metadata handles."""

from dagster import ConfigurableResource

from lake.catalog import MetadataStore, Site
from lake.settings import Settings
from lake.storage import Lake, LakePaths

__all__ = ["StrataResource"]


class StrataResource(ConfigurableResource):
    """Reads ``STRATA_*`` settings when a run starts; swap values by environment, not code."""

    def settings(self) -> Settings:
        """The resolved settings for this run."""
        return Settings.from_env()

    def lake(self) -> Lake:
        """Lake I/O (local directory or S3) for this run."""
        return Lake(self.settings())

    def paths(self) -> LakePaths:
        """The lake layout under this run's lake root."""
        return LakePaths(self.settings().lake_uri)

    def sites(self) -> dict[str, Site]:
        """Every site of the metadata store, by tracking id."""
        return MetadataStore(self.settings().metadata_url).sites()

    def session_timeouts(self) -> dict[str, int]:
        """Session inactivity gap in minutes of the sites that set their own."""
        return {
            tid: s.session_timeout_minutes
            for tid, s in self.sites().items()
            if s.session_timeout_minutes
        }

    def allowed_lateness(self) -> dict[str, float]:
        """Allowed lateness in hours of the sites that set their own."""
        return {
            tid: s.allowed_lateness_hours
            for tid, s in self.sites().items()
            if s.allowed_lateness_hours is not None
        }

    def timezones(self) -> dict[str, str]:
        """Report time zone of every site, by tracking id."""
        return {tid: s.timezone for tid, s in self.sites().items()}
