"""The metadata catalog: sites and API keys (shared by the services) and the query
API's saved definitions (SQLite or PostgreSQL)."""

from __future__ import annotations

from lake.catalog.definitions import Definition, DefinitionStore
from lake.catalog.schema import HEAD, migrate
from lake.catalog.store import KEY_SCOPES, ApiKey, MetadataStore, Site, SiteError

__all__ = [
    "HEAD",
    "KEY_SCOPES",
    "ApiKey",
    "Definition",
    "DefinitionStore",
    "MetadataStore",
    "Site",
    "SiteError",
    "migrate",
]
