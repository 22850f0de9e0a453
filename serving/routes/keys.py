"""``GET /api/v1/keys``: the API keys of a site (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from lake.catalog import MetadataStore
from serving.deps import KeySite, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import KeyInfo

__all__ = ["router"]

router = APIRouter()


@router.get("/api/v1/keys", response_model=list[KeyInfo], responses=ERROR_RESPONSES)
async def list_keys(
    request: Request,
    key_site: KeySite,
    tracking_id: str = Query(description="The site whose keys to list.", max_length=200),
) -> list[KeyInfo]:
    """Every key that can use site ``tracking_id`` (ids and metadata, never the keys);
    needs a key with the ``admin`` scope for that site."""
    site = site_for(tracking_id, request, key_site, scope="admin")
    store: MetadataStore = request.app.state.metadata
    keys = await run_in_threadpool(store.list_keys)
    return [
        KeyInfo(
            key_id=k.key_id,
            name=k.name,
            sites=list(k.sites),
            scopes=list(k.scopes),
            created_at=k.created_at,
            expires_at=k.expires_at,
            revoked_at=k.revoked_at,
        )
        for k in keys
        if site.tracking_id in k.sites
    ]
