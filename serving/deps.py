"""FastAPI dependencies: the key's site, the site asked for, the backend that answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from lake.catalog import ApiKey, MetadataStore, Site
from serving.auth import authorize, key_site
from serving.backends import Backend, Tiers

__all__ = ["backend", "site_for"]


def backend(request: Request) -> Backend | Tiers:
    """The backends reports run on, by tier (tests may pin one backend by overriding
    this dependency)."""
    return request.app.state.backend


def site_for(tracking_id: str, request: Request, api_key: ApiKey, scope: str = "read") -> Site:
    """The site ``tracking_id`` names, once the key may use it with ``scope``: 403 for
    another site's key or a missing scope, 404 for a site that does not exist."""
    authorize(api_key, tracking_id, scope)
    store: MetadataStore = request.app.state.metadata
    site = store.sites().get(tracking_id)
    if site is None:
        raise HTTPException(404, f"unknown site {tracking_id!r}")
    return site


KeySite = Annotated[ApiKey, Depends(key_site)]
QueryBackend = Annotated[Backend | Tiers, Depends(backend)]
