"""FastAPI dependencies: the key's site, the site asked for, the backend that answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from lake.catalog import MetadataStore, Site
from serving.auth import authorize, key_site
from serving.backends import Backend

__all__ = ["backend", "site_for"]


def backend(request: Request) -> Backend:
    """The backend reports run on (the hot tier; tests may override this dependency)."""
    return request.app.state.backend


def site_for(tracking_id: str, request: Request, key_site_id: str) -> Site:
    """The site ``tracking_id`` names, once the key may read it: 403 for another site's
    key, 404 for a site that does not exist."""
    authorize(key_site_id, tracking_id)
    store: MetadataStore = request.app.state.metadata
    site = store.sites().get(tracking_id)
    if site is None:
        raise HTTPException(404, f"unknown site {tracking_id!r}")
    return site


KeySite = Annotated[str, Depends(key_site)]
QueryBackend = Annotated[Backend, Depends(backend)]
