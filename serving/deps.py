"""FastAPI dependencies: the key's site, the site asked for, the backend that answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from lake.catalog import ApiKey, MetadataStore, Site
from serving.auth import authorize, key_site
from serving.backends import Backend, Tiers

__all__ = ["EndDate", "KeySite", "QueryBackend", "StartDate", "backend", "date_params", "site_for"]


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
StartDate = Annotated[dt.date | None, Query(description="First day (YYYY-MM-DD), site's zone.")]
EndDate = Annotated[dt.date | None, Query(description="Last day (YYYY-MM-DD), site's zone.")]
QueryBackend = Annotated[Backend | Tiers, Depends(backend)]


def date_params(
    start_date: dt.date | None, end_date: dt.date | None, today: dt.date, days: int
) -> tuple[dt.date, dt.date]:
    """A range from ``start_date``/``end_date`` query parameters (both or neither; by
    default the last ``days`` days, today included)."""
    if (start_date is None) != (end_date is None):
        raise HTTPException(400, "start_date and end_date: give both or neither")
    if start_date is None or end_date is None:
        return today - dt.timedelta(days=days - 1), today
    if end_date < start_date:
        raise HTTPException(400, "end_date is before start_date")
    return start_date, end_date
