"""``POST /api/v1/events``: contract v1 ingest, acknowledged once durable in the WAL."""

from __future__ import annotations

import time

import msgspec
import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ingest_gateway.contract import decode_batch, event_decoder
from ingest_gateway.enrich.rows import enrich

__all__ = ["router"]

router = APIRouter()

MAX_BODY_BYTES = 1024 * 1024
_CONTENT_TYPES = ("application/json", "text/plain", "")


def _json(status: int, body: dict) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json(status, {"error": message})


@router.post("/api/v1/events", status_code=202)
async def ingest_events(request: Request) -> Response:
    """Accept one event or an array of up to 500; invalid items are reported by index.

    ``202 {"accepted", "rejected": [{"index", "error"}]}`` means every accepted event is
    in the write-ahead log; ``400`` when nothing is valid, ``413`` over 1 MiB, ``415`` for
    a content type other than JSON (or ``text/plain`` as ``sendBeacon`` sends).
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _CONTENT_TYPES:
        return _error(415, f"content type {ctype!r} not supported; send application/json")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"body is {len(body)} bytes; at most {MAX_BODY_BYTES}")
    try:
        items = decode_batch(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _error(400, "body must be a JSON event object or an array of event objects")
    except ValueError as exc:
        return _error(400, str(exc))

    state = request.app.state
    received_us = time.time_ns() // 1000
    header_ua = request.headers.get("user-agent")
    header_ip = request.client.host if request.client else None
    rows: list[list] = []
    rejected: list[dict] = []
    for index, raw in enumerate(items):
        try:
            event = event_decoder.decode(raw)
        except msgspec.ValidationError as exc:
            rejected.append({"index": index, "error": str(exc)})
            continue
        if state.sites.get(event.tracking_id) is None:
            rejected.append({"index": index, "error": f"unknown tracking_id {event.tracking_id!r}"})
            continue
        rows.append(enrich(event, received_us, header_ua, header_ip))
    if not rows:
        return _json(400, {"accepted": 0, "rejected": rejected})
    pending = await run_in_threadpool(state.wal.append, rows)
    state.flusher.notify(pending)
    return _json(202, {"accepted": len(rows), "rejected": rejected})
