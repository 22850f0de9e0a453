"""Compatibility endpoints: keep your Segment, Plausible, GA4 or Umami sender, change the host.

Each maps its sender's payload onto contract v1 (:mod:`ingest_gateway.compat`) and
goes through the same intake as ``/api/v1/events``; answers use the status codes
the senders' own clients expect.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from ingest_gateway.compat.common import Mapped, map_safely
from ingest_gateway.compat.ga4 import ga4_engagement_records, ga4_events
from ingest_gateway.compat.plausible import domains_of, plausible_event
from ingest_gateway.compat.segment import segment_events, write_key_from_auth
from ingest_gateway.compat.umami import umami_event
from ingest_gateway.contract import MAX_BATCH
from ingest_gateway.edge import read_body, request_sender, respond
from ingest_gateway.intake import MAX_BODY_BYTES, Answer, Intake, error_answer
from ingest_gateway.validation import InvalidEvent

__all__ = ["router"]

router = APIRouter(tags=["compatibility"])


def _gunzip(body: bytes, limit: int) -> bytes | Answer:
    """Decompress a gzip body, stopping at ``limit`` decompressed bytes (413 past it)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error:
        return error_answer(400, "body is not valid gzip")
    if len(out) > limit or inflater.unconsumed_tail:
        return error_answer(413, f"decompressed body is over {limit} bytes; at most {limit}")
    if not inflater.eof:
        return error_answer(400, "body is not valid gzip (truncated)")
    return out


async def _json_body(request: Request) -> Any | Response:
    """The request's JSON, after the same size limits as ``/api/v1/events`` on the
    decoded payload (gzip included)."""
    body = await read_body(request.app.state.intake, request.stream(), request_sender(request))
    if isinstance(body, Answer):
        return respond(body)
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding == "gzip":
        body = _gunzip(body, MAX_BODY_BYTES)
        if isinstance(body, Answer):
            return respond(body)
    elif encoding not in ("", "identity"):
        return respond(error_answer(415, f"content encoding {encoding!r} not supported"))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return respond(error_answer(400, f"body is not valid JSON: {exc}"))


def _too_many(events: list[Mapped]) -> Response | None:
    if len(events) > MAX_BATCH:
        msg = f"batch has {len(events)} events; at most {MAX_BATCH} per request"
        return respond(error_answer(400, msg))
    return None


def _encode(event: Mapped) -> bytes | InvalidEvent:
    if isinstance(event, InvalidEvent):
        return event
    try:
        return orjson.dumps(event)
    except (orjson.JSONEncodeError, TypeError) as exc:
        return InvalidEvent(f"event cannot be encoded: {exc}")


async def _accept(request: Request, events: list[Mapped]) -> Answer:
    intake: Intake = request.app.state.intake
    return await intake.accept([_encode(e) for e in events], request_sender(request))


async def _segment(request: Request, kind: str | None) -> Response:
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    key = write_key_from_auth(request.headers.get("authorization"))
    events = segment_events(body, kind, key)
    if (too_many := _too_many(events)) is not None:
        return too_many
    answer = await _accept(request, events)
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


@router.post("/v1/screen")
async def segment_screen(request: Request) -> Response:
    """Segment ``screen`` call (a mobile app's page view)."""
    return await _segment(request, "screen")


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
    sender = request_sender(request)
    site = next((s for d in domains_of(body) if (s := intake.sites.by_domain(d)) is not None), None)
    if site is None:
        return respond(Answer(400, b'{"error":"no site with that domain"}'))
    event = map_safely(plausible_event, body, site.tracking_id, sender.ip, sender.user_agent)
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
    events = ga4_events(body, request.query_params.get("measurement_id"))
    if (too_many := _too_many(events)) is not None:
        return too_many
    answer = await _accept(request, [*events, *ga4_engagement_records(events)])
    if answer.status == 202 and not orjson.loads(answer.body)["rejected"]:
        return Response(status_code=204, headers=answer.headers)
    return respond(answer)


@router.post("/api/send")
async def umami_send(request: Request) -> Response:
    """Umami collector: ``200`` JSON on success."""
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    sender = request_sender(request)
    event = map_safely(umami_event, body, sender.ip, sender.user_agent)
    answer = await _accept(request, [event])
    return respond(Answer(200, answer.body, answer.headers) if answer.status == 202 else answer)
