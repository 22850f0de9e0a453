"""``POST /api/v1/events``: contract v1 ingest, acknowledged once durable in the WAL.

In the running gateway :mod:`ingest_gateway.fastpath` answers this path before
FastAPI routing; the route here documents it (OpenAPI) and serves it when the app
runs without that middleware.  Both go through the same :class:`Intake`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ingest_gateway.intake import MAX_BODY_BYTES, Answer, Intake, Sender, plain_json

__all__ = ["read_and_accept", "read_body", "respond", "router", "sender_of"]

router = APIRouter()


def sender_of(request: Request) -> Sender:
    """The :class:`Sender` of a FastAPI request."""
    client = request.client
    return Sender(
        request.headers.get("user-agent"),
        client.host if client else None,
        request.headers.get("origin"),
    )


def respond(answer: Answer, media_type: str = "application/json") -> Response:
    """A FastAPI response for an :class:`Answer`."""
    return Response(answer.body, answer.status, headers=answer.headers, media_type=media_type)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | Answer:
    """The request body, or a 413 answer once it passes ``limit`` bytes.

    Read as a stream and dropped past the limit, so an oversized body never sits in
    memory whole.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        return request.app.state.intake.too_large(size, sender_of(request))
    return b"".join(chunks)


async def read_and_accept(request: Request) -> Answer:
    """Parse the body and accept its events (the whole POST path)."""
    intake: Intake = request.app.state.intake
    sender = sender_of(request)
    body = await read_body(request)
    if isinstance(body, Answer):
        return body
    parsed = intake.parse(request.headers.get("content-type", ""), body, sender)
    if isinstance(parsed, Answer):
        return parsed
    return await intake.accept(parsed, sender, plain_json(body))


@router.post("/api/v1/events", status_code=202)
async def ingest_events(request: Request) -> Response:
    """Accept one event or an array of up to 500; invalid items are reported by index.

    ``202 {"accepted", "rejected": [{"index", "error"}]}`` means every accepted event is
    in the write-ahead log; ``400`` when nothing is valid, ``413`` over 1 MiB, ``415`` for
    a content type other than JSON (or ``text/plain``), ``429`` over the site's rate,
    ``503`` when the WAL is over its disk budget.
    """
    return respond(await read_and_accept(request))


@router.options("/api/v1/events")
@router.options("/api/v1/beacon")
async def preflight(request: Request) -> Response:
    """CORS preflight: allowed for pages on a domain of some registered site."""
    headers = request.app.state.intake.cors(sender_of(request))
    if not headers:
        return Response(
            b'{"error":"origin is not a domain of any site"}', 403, media_type="application/json"
        )
    return Response(status_code=204, headers=headers)
