"""The metadata catalog: sites and API keys (shared by the services), the query
API's saved definitions, erasure requests and their audit log (SQLite or PostgreSQL)."""

from __future__ import annotations

from lake.catalog.definitions import Definition, DefinitionStore
from lake.catalog.erasures import ERASURE_ID_KINDS, Erasure, ErasureStore
from lake.catalog.schema import HEAD, migrate
from lake.catalog.store import KEY_SCOPES, ApiKey, MetadataStore, Site, SiteError

__all__ = [
    "ERASURE_ID_KINDS",
    "HEAD",
    "KEY_SCOPES",
    "ApiKey",
    "Definition",
    "DefinitionStore",
    "Erasure",
    "ErasureStore",
    "MetadataStore",
    "Site",
    "SiteError",
    "migrate",
]
