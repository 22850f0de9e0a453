"""``GET /tracker.js``: the browser snippet (no dependencies, ≤ 2 KB gzipped)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response

__all__ = ["TRACKER_JS", "router"]

router = APIRouter()

TRACKER_JS = (Path(__file__).resolve().parent.parent / "static" / "tracker.js").read_bytes()


@router.get("/tracker.js")
def tracker_js() -> Response:
    """The tracking snippet: pageviews (SPA too), ``strata.track()``, batching, retries.

    Use ``<script defer src="https://GATEWAY/tracker.js" data-site="ST-XXXX"></script>``;
    ``data-respect-dnt`` honours Do-Not-Track, ``data-persist`` keeps the visitor id
    across sessions (localStorage; default: per tab session, never a cookie).
    """
    return Response(
        TRACKER_JS,
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )
