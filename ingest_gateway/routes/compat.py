"""Compatibility endpoints: keep your Segment, Plausible, GA4 or Umami sender, change the host.

Each maps its sender's payload onto contract v1 (:mod:`ingest_gateway.compat`) and
goes through the same intake as ``/api/v1/events``; answers use the status codes
the senders' own clients expect.
"""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from ingest_gateway.compat.ga4 import ga4_events
from ingest_gateway.compat.plausible import domains_of, plausible_event
from ingest_gateway.compat.segment import segment_events, write_key_from_auth
from ingest_gateway.compat.umami import umami_event
from ingest_gateway.intake import MAX_BODY_BYTES, Answer, Intake
from ingest_gateway.routes.events import respond, sender_of

__all__ = ["router"]

router = APIRouter(tags=["compatibility"])


async def _json_body(request: Request) -> Any | Response:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return respond(request.app.state.intake.too_large(len(body), sender_of(request)))
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return respond(Answer(400, b'{"error":"body is not valid gzip"}'))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return respond(Answer(400, b'{"error":"body is not JSON"}'))


async def _accept(request: Request, events: list[dict[str, Any]]) -> Answer:
    intake: Intake = request.app.state.intake
    return await intake.accept([orjson.dumps(e) for e in events], sender_of(request))


async def _segment(request: Request, kind: str | None) -> Response:
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    key = write_key_from_auth(request.headers.get("authorization"))
    answer = await _accept(request, segment_events(body, kind, key))
    if answer.status == 202:  # Segment's clients expect 200 {"success": true}
        data = orjson.loads(answer.body)
        return respond(Answer(200, orjson.dumps({"success": True, **data}), answer.headers))
    return respond(answer)


@router.post("/v1/track")
async def segment_track(request: Request) -> Response:
    """Segment ``track`` call."""
    return await _segment(request, "track")


@router.post("/v1/page")
async def segment_page(request: Request) -> Response:
    """Segment ``page`` call."""
    return await _segment(request, "page")


@router.post("/v1/identify")
async def segment_identify(request: Request) -> Response:
    """Segment ``identify`` call."""
    return await _segment(request, "identify")


@router.post("/v1/batch")
async def segment_batch(request: Request) -> Response:
    """Segment ``batch`` call (what Segment's server libraries send)."""
    return await _segment(request, None)


@router.post("/api/event")
async def plausible(request: Request) -> Response:
    """Plausible Events API: ``202 ok`` like Plausible."""
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    intake: Intake = request.app.state.intake
    sender = sender_of(request)
    site = next((s for d in domains_of(body) if (s := intake.sites.by_domain(d)) is not None), None)
    if site is None:
        return respond(Answer(400, b'{"error":"no site with that domain"}'))
    event = plausible_event(body, site.tracking_id, sender.ip, sender.user_agent)
    answer = await _accept(request, [event])
    if answer.status == 202:
        return Response(b"ok", 202, headers=answer.headers, media_type="text/plain")
    return respond(answer)


@router.post("/mp/collect")
async def ga4_collect(request: Request) -> Response:
    """GA4 Measurement Protocol: ``204`` on success, like Google's endpoint."""
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    answer = await _accept(request, ga4_events(body, request.query_params.get("measurement_id")))
    if answer.status == 202 and not orjson.loads(answer.body)["rejected"]:
        return Response(status_code=204, headers=answer.headers)
    return respond(answer)


@router.post("/api/send")
async def umami_send(request: Request) -> Response:
    """Umami collector: ``200`` JSON on success."""
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    sender = sender_of(request)
    answer = await _accept(request, [umami_event(body, sender.ip, sender.user_agent)])
    return respond(Answer(200, answer.body, answer.headers) if answer.status == 202 else answer)
