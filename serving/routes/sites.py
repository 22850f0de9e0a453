"""``GET /api/v1/sites``: the sites an API key may read (the dashboard's site switcher)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lake.catalog import MetadataStore
from serving.deps import KeySite
from serving.errors import ERROR_RESPONSES
from serving.models import SiteInfo

__all__ = ["router"]

router = APIRouter()


@router.get("/api/v1/sites", response_model=list[SiteInfo], responses=ERROR_RESPONSES)
async def list_sites(request: Request, key_site: KeySite) -> list[SiteInfo]:
    """The key's sites with their domains and report time zones, by tracking id, and the
    key's scopes (so a client knows whether it may save definitions)."""
    store: MetadataStore = request.app.state.metadata
    known = await run_in_threadpool(store.sites)
    return [
        SiteInfo(
            tracking_id=site.tracking_id,
            domains=list(site.domains),
            timezone=site.timezone,
            scopes=sorted(key_site.scopes),
        )
        for tracking_id in sorted(key_site.sites)
        if (site := known.get(tracking_id)) is not None
    ]
