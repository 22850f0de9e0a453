"""The gateway's HTTP edge, written once: who sent a request, its body read under the
size limit, and the ingest POST's answer.

Two front doors use it: :mod:`ingest_gateway.fastpath` (raw ASGI, the running
gateway's hot paths) and the FastAPI routes (``ingest_gateway.routes``: the OpenAPI
document, the compatible senders, and the app without the fast path).  Both read the
ASGI scope's headers the same way and pass the body through the same :class:`Intake`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from fastapi import Request, Response

from ingest_gateway.intake import MAX_BODY_BYTES, Answer, Intake, Sender, plain_json

__all__ = ["accept_post", "read_body", "request_sender", "respond", "scope_sender"]


def scope_sender(headers: Iterable[tuple[bytes, bytes]], client: Any) -> tuple[str, Sender]:
    """The content type and :class:`Sender` (user agent, address, origin) of an ASGI
    request's raw headers and client."""
    ctype = ua = origin = ""
    for name, value in headers:
        if name == b"content-type":
            ctype = value.decode("latin-1")
        elif name == b"user-agent":
            ua = value.decode("latin-1")
        elif name == b"origin":
            origin = value.decode("latin-1")
    return ctype, Sender(ua or None, client[0] if client else None, origin or None)


def request_sender(request: Request) -> Sender:
    """The :class:`Sender` of a FastAPI request."""
    return scope_sender(request.scope["headers"], request.scope.get("client"))[1]


async def _read(chunks: AsyncIterator[bytes], limit: int) -> tuple[bytes, int]:
    """The body and its size; past ``limit`` bytes it is read on but nothing is kept,
    so an oversized body never sits in memory whole."""
    kept: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size <= limit:
            kept.append(chunk)
    return (b"".join(kept) if size <= limit else b""), size


async def read_body(
    intake: Intake, chunks: AsyncIterator[bytes], sender: Sender, limit: int = MAX_BODY_BYTES
) -> bytes | Answer:
    """The request body, or the 413 answer once it passes ``limit`` bytes."""
    body, size = await _read(chunks, limit)
    return intake.too_large(size, sender) if size > limit else body


async def accept_post(intake: Intake, scope: dict, chunks: AsyncIterator[bytes]) -> Answer:
    """The whole ingest POST (``/api/v1/events``, ``/api/v1/beacon``) of an ASGI
    request (``scope``, its body as ``chunks``): the body read under the limit, parsed,
    and its events accepted into the WAL."""
    content_type, sender = scope_sender(scope["headers"], scope.get("client"))
    body = await read_body(intake, chunks, sender)
    if isinstance(body, Answer):
        return body
    parsed = intake.parse(content_type, body, sender)
    if isinstance(parsed, Answer):
        return parsed
    return await intake.accept(parsed, sender, plain_json(body))


def respond(answer: Answer, media_type: str = "application/json") -> Response:
    """A FastAPI response for an :class:`Answer`."""
    return Response(answer.body, answer.status, headers=answer.headers, media_type=media_type)
