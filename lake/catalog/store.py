"""Metadata store: sites and API keys, through SQLAlchemy (SQLite embedded, PostgreSQL in prod).

Lives in ``lake`` because the gateway (which tracking ids exist) and serving (which
key may read which site) both need it and never import each other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa

from lake.catalog.schema import api_key_sites_table, api_keys_table, migrate, sites_table

__all__ = ["KEY_SCOPES", "ApiKey", "MetadataStore", "Site", "SiteError"]

#: What a key may do: ``read`` reports and analyses of its sites; ``write`` save goals,
#: funnels and segments; ``admin`` manage keys.
KEY_SCOPES = ("read", "write", "admin", "sql")


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
    raw_retention_days: int | None = None  # None: STRATA_RAW_RETENTION_DAYS
    aggregate_retention_days: int | None = None  # None: STRATA_AGGREGATE_RETENTION_DAYS

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
        migrate(self.engine)

    def add_site(
        self,
        tracking_id: str,
        domains: list[str],
        timezone: str = "UTC",
        rate_limit_eps: int | None = None,
        store_raw_ip: bool = False,
        session_timeout_minutes: int | None = None,
        allowed_lateness_hours: float | None = None,
        raw_retention_days: int | None = None,
        aggregate_retention_days: int | None = None,
    ) -> Site:
        """Create or update a site; the time zone must be an IANA name.  The retention
        days override the deployment's defaults for this site (None: the defaults)."""
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
        for name, days in (("raw", raw_retention_days), ("aggregate", aggregate_retention_days)):
            if days is not None and days < 1:
                raise SiteError(f"{name} retention must be at least 1 day")
        domains = [d.strip().lower() for d in domains if d.strip()]
        row = {
            "domains": ",".join(domains),
            "timezone": timezone,
            "rate_limit_eps": rate_limit_eps,
            "store_raw_ip": store_raw_ip,
            "session_timeout_minutes": session_timeout_minutes,
            "allowed_lateness_hours": allowed_lateness_hours,
            "raw_retention_days": raw_retention_days,
            "aggregate_retention_days": aggregate_retention_days,
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
            raw_retention_days,
            aggregate_retention_days,
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
                r["raw_retention_days"],
                r["aggregate_retention_days"],
            )
            for r in rows
        }

    def create_key(
        self,
        sites: str | list[str],
        *,
        scopes: tuple[str, ...] = ("read",),
        expires_at: dt.datetime | None = None,
        name: str | None = None,
    ) -> str:
        """Issue a new API key for one site or several; only its hash is stored, so show
        it once.  ``scopes``: ``read`` (reports), ``write``, ``admin``, ``sql`` (the read-only SQL
        endpoint); ``expires_at``: when it
        stops working (None: never)."""
        tracking_ids = [sites] if isinstance(sites, str) else list(dict.fromkeys(sites))
        known = self.sites()
        unknown = [t for t in tracking_ids if t not in known]
        if not tracking_ids or unknown:
            raise SiteError(f"unknown site {', '.join(map(repr, unknown)) or '(none given)'}")
        bad = [s for s in scopes if s not in KEY_SCOPES]
        if bad or not scopes:
            raise SiteError(f"unknown scope {bad!r}; allowed: {', '.join(KEY_SCOPES)}")
        if expires_at is not None and expires_at.tzinfo is None:
            raise SiteError("expires_at needs a time zone")
        key = "sk_" + secrets.token_urlsafe(24)
        key_hash = _hash_key(key)
        with self.engine.begin() as conn:
            conn.execute(
                api_keys_table.insert(),
                {
                    "key_hash": key_hash,
                    "key_id": key_hash[:12],
                    "tracking_id": tracking_ids[0],
                    "name": name,
                    "scopes": ",".join(s for s in KEY_SCOPES if s in scopes),
                    "expires_at": expires_at,
                    "created_at": dt.datetime.now(dt.UTC),
                },
            )
            conn.execute(
                api_key_sites_table.insert(),
                [{"key_hash": key_hash, "tracking_id": t} for t in tracking_ids],
            )
        return key

    def _keys(self, where: sa.ColumnElement[bool] | None = None) -> list[ApiKey]:
        query = sa.select(api_keys_table, api_key_sites_table.c.tracking_id.label("site")).join(
            api_key_sites_table, api_key_sites_table.c.key_hash == api_keys_table.c.key_hash
        )
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(api_keys_table.c.created_at)).mappings().all()
        keys: dict[str, ApiKey] = {}
        for r in rows:
            found = keys.get(r["key_hash"])
            if found is None:
                keys[r["key_hash"]] = ApiKey(
                    r["key_id"],
                    r["name"],
                    (r["site"],),
                    tuple(r["scopes"].split(",")),
                    _aware(r["created_at"]),
                    _aware(r["expires_at"]),
                    _aware(r["revoked_at"]),
                )
            else:
                keys[r["key_hash"]] = dataclasses.replace(found, sites=(*found.sites, r["site"]))
        return list(keys.values())

    def key(self, key: str) -> ApiKey | None:
        """What ``key`` may do, or None when it is unknown, revoked or expired."""
        found = self._keys(api_keys_table.c.key_hash == _hash_key(key))
        if not found or not found[0].is_valid(dt.datetime.now(dt.UTC)):
            return None
        return found[0]

    def list_keys(self) -> list[ApiKey]:
        """Every key ever issued (never the key itself), oldest first."""
        return self._keys()

    def revoke_key(self, key_id: str) -> bool:
        """Revoke the key with this id (it stops working at once); False if unknown."""
        with self.engine.begin() as conn:
            done = conn.execute(
                api_keys_table.update()
                .where(api_keys_table.c.key_id == key_id)
                .where(api_keys_table.c.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            )
        return done.rowcount > 0

    def site_for_key(self, key: str) -> str | None:
        """The (first) tracking id a valid key may read, or None."""
        found = self.key(key)
        return found.sites[0] if found else None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; every stored moment is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ApiKey:
    """An issued API key (its id, never the key): sites, scopes, expiry, revocation."""

    key_id: str
    name: str | None
    sites: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def is_valid(self, now: dt.datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
