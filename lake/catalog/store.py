"""Metadata store: sites and API keys, through SQLAlchemy (SQLite embedded, PostgreSQL in prod).

Lives in ``lake`` because the gateway (which tracking ids exist) and serving (which
key may read which site) both need it and never import each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["MetadataStore", "Site", "SiteError"]

_meta = sa.MetaData()

sites_table = sa.Table(
    "sites",
    _meta,
    sa.Column("tracking_id", sa.String(64), primary_key=True),
    sa.Column("domains", sa.Text, nullable=False, default=""),
    sa.Column("timezone", sa.String(64), nullable=False, default="UTC"),
    sa.Column("rate_limit_eps", sa.Integer, nullable=True),
    sa.Column("store_raw_ip", sa.Boolean, nullable=False, default=False, server_default="0"),
    sa.Column("session_timeout_minutes", sa.Integer, nullable=True),
    sa.Column("allowed_lateness_hours", sa.Float, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_keys_table = sa.Table(
    "api_keys",
    _meta,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("tracking_id", sa.String(64), sa.ForeignKey("sites.tracking_id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class SiteError(ValueError):
    """Bad input for a site or key (unknown site, invalid time zone …)."""


@dataclass(frozen=True)
class Site:
    """A tracked site: its id, the domains it may send from and its report time zone."""

    tracking_id: str
    domains: tuple[str, ...]
    timezone: str
    rate_limit_eps: int | None = None  # events/s the gateway admits; None: the default
    store_raw_ip: bool = False  # opt-in: keep full IP addresses instead of /24 and /48
    session_timeout_minutes: int | None = None  # None: STRATA_SESSION_TIMEOUT_MINUTES
    allowed_lateness_hours: float | None = None  # None: STRATA_ALLOWED_LATENESS_HOURS

    def allows_origin(self, host: str) -> bool:
        """True when a browser page on ``host`` may send events for this site."""
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _hash_key(key: str) -> str:
    # API keys carry 192 random bits, so a fast unsalted hash is enough to store them.
    return hashlib.sha256(key.encode()).hexdigest()


class MetadataStore:
    """Sites and API keys in one SQL database (the URL decides which)."""

    def __init__(self, url: str) -> None:
        # SQLite connections may be closed by another thread than the one that opened
        # them (thread pools, Dagster); SQLAlchemy never shares one between threads.
        connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args)
        _meta.create_all(self.engine)
        self._upgrade()

    def _upgrade(self) -> None:
        """Add columns newer than the database (create_all only creates missing tables)."""
        have = {c["name"] for c in sa.inspect(self.engine).get_columns("sites")}
        added = {
            "rate_limit_eps": "INTEGER",
            "store_raw_ip": "BOOLEAN NOT NULL DEFAULT FALSE",
            "session_timeout_minutes": "INTEGER",
            "allowed_lateness_hours": "FLOAT",
        }
        with self.engine.begin() as conn:
            for column, ddl in added.items():
                if column not in have:
                    conn.execute(sa.text(f"ALTER TABLE sites ADD COLUMN {column} {ddl}"))

    def add_site(
        self,
        tracking_id: str,
        domains: list[str],
        timezone: str = "UTC",
        rate_limit_eps: int | None = None,
        store_raw_ip: bool = False,
        session_timeout_minutes: int | None = None,
        allowed_lateness_hours: float | None = None,
    ) -> Site:
        """Create or update a site; the time zone must be an IANA name."""
        if not tracking_id or len(tracking_id) > 64:
            raise SiteError("tracking_id must be 1-64 characters")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise SiteError(f"unknown time zone {timezone!r}") from None
        if allowed_lateness_hours is not None and allowed_lateness_hours < 0:
            raise SiteError("allowed lateness must be zero or more hours")
        if session_timeout_minutes is not None and not 0 < session_timeout_minutes <= 1440:
            raise SiteError("session timeout must be 1 to 1440 minutes")
        if rate_limit_eps is not None and rate_limit_eps <= 0:
            raise SiteError("rate limit must be a positive number of events per second")
        domains = [d.strip().lower() for d in domains if d.strip()]
        row = {
            "domains": ",".join(domains),
            "timezone": timezone,
            "rate_limit_eps": rate_limit_eps,
            "store_raw_ip": store_raw_ip,
            "session_timeout_minutes": session_timeout_minutes,
            "allowed_lateness_hours": allowed_lateness_hours,
        }
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(sites_table.c.tracking_id).where(sites_table.c.tracking_id == tracking_id)
            ).first()
            if exists:
                conn.execute(
                    sites_table.update().where(sites_table.c.tracking_id == tracking_id), row
                )
            else:
                conn.execute(
                    sites_table.insert(),
                    {**row, "tracking_id": tracking_id, "created_at": dt.datetime.now(dt.UTC)},
                )
        return Site(
            tracking_id,
            tuple(domains),
            timezone,
            rate_limit_eps,
            store_raw_ip,
            session_timeout_minutes,
            allowed_lateness_hours,
        )

    def sites(self) -> dict[str, Site]:
        """Every site by tracking id."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sites_table)).mappings().all()
        return {
            r["tracking_id"]: Site(
                r["tracking_id"],
                tuple(d for d in r["domains"].split(",") if d),
                r["timezone"],
                r["rate_limit_eps"],
                bool(r["store_raw_ip"]),
                r["session_timeout_minutes"],
                r["allowed_lateness_hours"],
            )
            for r in rows
        }

    def create_key(self, tracking_id: str) -> str:
        """Issue a new API key for one site; only its hash is stored, so show it once."""
        if tracking_id not in self.sites():
            raise SiteError(f"unknown site {tracking_id!r}")
        key = "sk_" + secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            conn.execute(
                api_keys_table.insert(),
                {
                    "key_hash": _hash_key(key),
                    "tracking_id": tracking_id,
                    "created_at": dt.datetime.now(dt.UTC),
                },
            )
        return key

    def site_for_key(self, key: str) -> str | None:
        """The tracking id a key may read, or None for an unknown key."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(api_keys_table.c.tracking_id).where(
                    api_keys_table.c.key_hash == _hash_key(key)
                )
            ).first()
        return row[0] if row else None
