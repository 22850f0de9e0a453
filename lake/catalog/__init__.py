"""The catalog two services share: sites and API keys (SQLite or PostgreSQL)."""

from __future__ import annotations

from lake.catalog.schema import HEAD, migrate
from lake.catalog.store import KEY_SCOPES, ApiKey, MetadataStore, Site, SiteError

__all__ = [
    "HEAD",
    "KEY_SCOPES",
    "ApiKey",
    "MetadataStore",
    "Site",
    "SiteError",
    "migrate",
]
