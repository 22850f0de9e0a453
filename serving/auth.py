"""Bearer API keys: each key reads exactly one site."""

from __future__ import annotations

from fastapi import HTTPException, Request

from lake.metadata import MetadataStore

__all__ = ["authorize"]


def authorize(request: Request, tracking_id: str) -> None:
    """401 without a valid ``Authorization: Bearer <key>``; 403 when the key is another site's."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(401, "missing API key: send Authorization: Bearer <key>")
    store: MetadataStore = request.app.state.metadata
    site = store.site_for_key(key.strip())
    if site is None:
        raise HTTPException(401, "unknown API key")
    if site != tracking_id:
        raise HTTPException(403, f"this key may not read site {tracking_id!r}")
