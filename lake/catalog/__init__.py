"""The catalog two services share: sites and API keys (SQLite or PostgreSQL)."""

from __future__ import annotations

from lake.catalog.store import MetadataStore, Site, SiteError

__all__ = [
    "MetadataStore",
    "Site",
    "SiteError",
]
