"""The intake path shared by every ingest route: validate, admit, enrich, log, acknowledge.

Routes turn their wire format into contract-v1 items (raw JSON per event) and
call :func:`accept`; everything after that — per-event errors, unknown sites,
browser origins, rate limits, the WAL disk budget and the durable append — is
decided here once.
"""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import urlsplit

import msgspec
import orjson
from fastapi import Request, Response

from ingest_gateway.contract import event_decoder
from ingest_gateway.enrich.rows import enrich

__all__ = ["accept", "cors_headers", "json_response", "origin_host"]


def json_response(status: int, body: dict, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialized with orjson."""
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def origin_host(request: Request) -> str | None:
    """Host of the browser page that sent the request (``Origin`` header), if any."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return None
    try:
        return urlsplit(origin).hostname
    except ValueError:
        return None


def cors_headers(request: Request) -> dict[str, str]:
    """CORS headers when the request's origin belongs to some site's domains, else none."""
    host = origin_host(request)
    if host is None or not request.app.state.sites.any_allows_origin(host):
        return {}
    return {
        "Access-Control-Allow-Origin": request.headers["origin"],
        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
        "Vary": "Origin",
    }


async def accept(request: Request, items: list[msgspec.Raw] | list[bytes]) -> Response:
    """Validate and durably log ``items``; the answer every ingest route gives.

    ``202 {"accepted", "rejected": [{"index", "error"}]}`` once every accepted event is
    in the WAL; ``400`` when none is valid; ``429`` + ``Retry-After`` when a site is over
    its rate; ``503`` + ``Retry-After`` when the WAL is over its disk budget.
    """
    state = request.app.state
    cors = cors_headers(request)
    if state.wal.disk_bytes > state.settings.wal_max_bytes:
        return json_response(
            503, {"error": "write-ahead log is full; retry later"}, {**cors, "Retry-After": "5"}
        )
    received_us = time.time_ns() // 1000
    header_ua = request.headers.get("user-agent")
    header_ip = request.client.host if request.client else None
    browser_host = origin_host(request)
    rows: list[list] = []
    sites: Counter[str] = Counter()
    rejected: list[dict] = []
    for index, raw in enumerate(items):
        try:
            event = event_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            rejected.append({"index": index, "error": str(exc)})
            continue
        site = state.sites.get(event.tracking_id)
        if site is None:
            rejected.append({"index": index, "error": f"unknown tracking_id {event.tracking_id!r}"})
            continue
        if browser_host is not None and not site.allows_origin(browser_host):
            error = f"origin {browser_host!r} is not a domain of site {event.tracking_id!r}"
            rejected.append({"index": index, "error": error})
            continue
        sites[event.tracking_id] += 1
        rows.append(enrich(event, received_us, header_ua, header_ip))
    if not rows:
        return json_response(400, {"accepted": 0, "rejected": rejected}, cors)
    for tracking_id, count in sites.items():
        rate = state.sites.get(tracking_id).rate_limit_eps or state.settings.rate_limit_eps
        wait = state.limiter.try_take(tracking_id, count, rate)
        if wait:
            error = f"rate limit of {rate} events/s exceeded for {tracking_id!r}"
            return json_response(429, {"error": error}, {**cors, "Retry-After": str(int(wait))})
    frame_no, pending = state.wal.write(rows)
    state.flusher.notify(pending)
    await state.commit.durable(frame_no)
    return json_response(202, {"accepted": len(rows), "rejected": rejected}, cors)
