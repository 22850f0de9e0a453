"""``GET /api/v1/realtime`` and its Server-Sent Events stream: who is on a site now."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from serving.analyses.realtime import RecentEvents, realtime_document
from serving.deps import KeySite, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import RealtimeResponse

__all__ = ["router"]

router = APIRouter()

_SITE = Query(description="The site, e.g. `ST-DEMO`; the key must be its key.", max_length=200)


def _document(request: Request, tracking_id: str) -> dict:
    recent: RecentEvents = request.app.state.recent
    now = dt.datetime.now(dt.UTC)
    return realtime_document(recent.frame(tracking_id, now), tracking_id, now)


@router.get("/api/v1/realtime", response_model=RealtimeResponse, responses=ERROR_RESPONSES)
async def realtime(request: Request, key_site: KeySite, tracking_id: str = _SITE) -> dict:
    """Active users and sessions (last 5 minutes), events per minute, top pages, sources
    and devices (last 30 minutes), fresh within seconds of the gateway's ack."""
    site = site_for(tracking_id, request, key_site)
    return await run_in_threadpool(_document, request, site.tracking_id)


@router.get(
    "/api/v1/realtime/stream",
    responses={
        200: {
            "description": "`text/event-stream`: an `event: realtime` whose `data` is the "
            "realtime document, every `interval` seconds.",
            "content": {"text/event-stream": {"example": "event: realtime\ndata: {…}\n\n"}},
        },
        **ERROR_RESPONSES,
    },
)
async def realtime_stream(
    request: Request,
    key_site: KeySite,
    tracking_id: str = _SITE,
    interval: float = Query(5.0, ge=1.0, le=60.0, description="Seconds between documents."),
    count: int | None = Query(
        None, ge=1, le=100_000, description="Stop after this many documents (default: never)."
    ),
) -> StreamingResponse:
    """The realtime document pushed as Server-Sent Events every ``interval`` seconds, until
    the client goes away (or ``count`` documents were sent)."""
    site = site_for(tracking_id, request, key_site)

    async def events() -> AsyncIterator[bytes]:
        sent = 0
        while count is None or sent < count:
            doc = await run_in_threadpool(_document, request, site.tracking_id)
            yield b"event: realtime\ndata: " + orjson.dumps(doc) + b"\n\n"
            sent += 1
            if (count is not None and sent >= count) or await request.is_disconnected():
                break
            await asyncio.sleep(interval)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
