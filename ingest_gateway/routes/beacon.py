"""``/api/v1/beacon``: a 1×1 GIF pixel (event in the query string) and ``sendBeacon`` bodies."""

from __future__ import annotations

import base64
import json
import re

import orjson
from fastapi import APIRouter, Request, Response

from ingest_gateway.edge import accept_post, request_sender, respond

__all__ = ["router"]

router = APIRouter()

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_PAGE = {"url": "url", "title": "title", "referrer": "referrer"}
_EPOCH_MS = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,6})?")
_TOP = ("tracking_id", "client_id", "event_type", "event_id", "user_id", "event_name", "session_id")


def _event_from_query(params: dict[str, str]) -> dict:
    event: dict = {k: params[k] for k in _TOP if k in params}
    if "timestamp" in params:
        ts = params["timestamp"]
        event["timestamp"] = float(ts) if _EPOCH_MS.fullmatch(ts) else ts
    page = {field: params[key] for key, field in _PAGE.items() if key in params}
    if page:
        event["page"] = page
    for key in ("screen", "language"):
        if key in params:
            event.setdefault("context", {})[key] = params[key]
    return event


@router.get("/api/v1/beacon")
async def beacon_pixel(request: Request) -> Response:
    """Ingest one event from the query string (``tracking_id``, ``client_id``, ``event_type``,
    ``url``, ``title``, ``referrer``, ``timestamp`` …) and answer a transparent GIF.

    The pixel is served for rejected events too (a broken image helps nobody); the
    outcome is in the status code and the ``X-Strata-Result`` header.
    """
    raw = orjson.dumps(_event_from_query(dict(request.query_params)))
    answer = await request.app.state.intake.accept([raw], request_sender(request))
    # Header values are Latin-1 on the wire: the result is re-encoded as ASCII JSON.
    result = json.dumps(json.loads(answer.body), separators=(",", ":"))
    headers = {"Cache-Control": "no-store", "X-Strata-Result": result}
    if "Retry-After" in answer.headers:
        headers["Retry-After"] = answer.headers["Retry-After"]
    return Response(GIF, status_code=answer.status, media_type="image/gif", headers=headers)


@router.post("/api/v1/beacon", status_code=202)
async def beacon_post(request: Request) -> Response:
    """``navigator.sendBeacon`` target: the same body and answers as ``/api/v1/events``.

    The running gateway serves this path on its fast path
    (:mod:`ingest_gateway.fastpath`); this route documents it and serves it without.
    """
    return respond(await accept_post(request.app.state.intake, request.scope, request.stream()))
