"""``POST /api/v1/events``: contract v1 ingest, acknowledged once durable in the WAL.

In the running gateway :mod:`ingest_gateway.fastpath` answers this path before
FastAPI routing; the route here documents it (OpenAPI) and serves it when the app
runs without that middleware.  Both are the same edge (:mod:`ingest_gateway.edge`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ingest_gateway.edge import accept_post, request_sender, respond

__all__ = ["router"]

router = APIRouter()


@router.post("/api/v1/events", status_code=202)
async def ingest_events(request: Request) -> Response:
    """Accept one event or an array of up to 500; invalid items are reported by index.

    ``202 {"accepted", "rejected": [{"index", "error"}]}`` means every accepted event is
    in the write-ahead log; ``400`` when nothing is valid, ``413`` over 1 MiB, ``415`` for
    a content type other than JSON (or ``text/plain``), ``429`` over the site's rate,
    ``503`` when the WAL is over its disk budget.
    """
    return respond(await accept_post(request.app.state.intake, request.scope, request.stream()))


@router.options("/api/v1/events")
@router.options("/api/v1/beacon")
async def preflight(request: Request) -> Response:
    """CORS preflight: allowed for pages on a domain of some registered site."""
    headers = request.app.state.intake.cors(request_sender(request))
    if not headers:
        return Response(
            b'{"error":"origin is not a domain of any site"}', 403, media_type="application/json"
        )
    return Response(status_code=204, headers=headers)
