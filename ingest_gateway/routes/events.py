"""``POST /api/v1/events``: contract v1 ingest, acknowledged once durable in the WAL."""

from __future__ import annotations

import msgspec
from fastapi import APIRouter, Request, Response

from ingest_gateway.contract import decode_batch
from ingest_gateway.intake import accept, cors_headers, json_response

__all__ = ["MAX_BODY_BYTES", "read_batch", "router"]

router = APIRouter()

MAX_BODY_BYTES = 1024 * 1024
_CONTENT_TYPES = ("application/json", "text/plain", "")


async def read_batch(request: Request) -> list[msgspec.Raw] | Response:
    """The body's events as raw items, or the 4xx response a bad body gets.

    ``text/plain`` is accepted because ``navigator.sendBeacon`` and CORS-simple
    requests send JSON under that type.
    """
    cors = cors_headers(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _CONTENT_TYPES:
        msg = f"content type {ctype!r} not supported; send application/json"
        return json_response(415, {"error": msg}, cors)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        msg = f"body is {len(body)} bytes; at most {MAX_BODY_BYTES}"
        return json_response(413, {"error": msg}, cors)
    try:
        return decode_batch(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        msg = "body must be a JSON event object or an array of event objects"
        return json_response(400, {"error": msg}, cors)
    except ValueError as exc:
        return json_response(400, {"error": str(exc)}, cors)


@router.post("/api/v1/events", status_code=202)
async def ingest_events(request: Request) -> Response:
    """Accept one event or an array of up to 500; invalid items are reported by index.

    ``202 {"accepted", "rejected": [{"index", "error"}]}`` means every accepted event is
    in the write-ahead log; ``400`` when nothing is valid, ``413`` over 1 MiB, ``415`` for
    a content type other than JSON (or ``text/plain``), ``429`` over the site's rate,
    ``503`` when the WAL is over its disk budget.
    """
    items = await read_batch(request)
    if isinstance(items, Response):
        return items
    return await accept(request, items)


@router.options("/api/v1/events")
@router.options("/api/v1/beacon")
async def preflight(request: Request) -> Response:
    """CORS preflight: allowed for pages on a domain of some registered site."""
    headers = cors_headers(request)
    if not headers:
        return json_response(403, {"error": "origin is not a domain of any site"})
    return Response(status_code=204, headers=headers)
