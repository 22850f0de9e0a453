"""Raw-ASGI handling of the hot ingest paths (``POST /api/v1/events``, ``/api/v1/beacon``).

FastAPI's per-request machinery (dependency solving, ``Request`` objects, header
mappings) costs more than validating and logging a single event; these two
routes are served straight from the ASGI scope instead, with the same
:class:`ingest_gateway.intake.Intake` the FastAPI routes use.  Everything else
passes through to FastAPI.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ingest_gateway.intake import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    Answer,
    Intake,
    Sender,
    error_answer,
    plain_json,
)

__all__ = ["GatewayApp", "send_answer"]

_PATHS = frozenset({"/api/v1/events", "/api/v1/beacon"})


async def send_answer(send: Any, answer: Answer, content_type: bytes = b"application/json") -> None:
    """Send an :class:`Answer` as a complete HTTP response."""
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(answer.body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in answer.headers.items()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class GatewayApp:
    """The gateway's ASGI entry point: hot POST paths here, everything else to FastAPI.

    It sits in front of FastAPI's whole middleware stack, which costs more per
    request than validating and logging a small batch does.
    """

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self.state = api.state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Serve POSTs to the ingest paths directly; delegate everything else.

        Requests whose headers together pass :data:`MAX_HEADER_BYTES` get 431 before
        any of them is read (HTTP parsers here set no such limit of their own).
        """
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > MAX_HEADER_BYTES:
                msg = f"request headers are {size} bytes; at most {MAX_HEADER_BYTES}"
                await send_answer(send, error_answer(431, msg))
                return
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in _PATHS:
            await self.api(scope, receive, send)
            return
        intake: Intake = self.state.intake
        ctype = ua = origin = ""
        for name, value in scope["headers"]:
            if name == b"content-type":
                ctype = value.decode("latin-1")
            elif name == b"user-agent":
                ua = value.decode("latin-1")
            elif name == b"origin":
                origin = value.decode("latin-1")
        client = scope.get("client")
        sender = Sender(ua or None, client[0] if client else None, origin or None)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)  # past the limit, read on but keep nothing
            if not message.get("more_body"):
                break
        if size > MAX_BODY_BYTES:
            await send_answer(send, intake.too_large(size, sender))
            return
        body = b"".join(chunks)
        parsed = intake.parse(ctype, body, sender)
        if isinstance(parsed, Answer):
            await send_answer(send, parsed)
            return
        await send_answer(send, await intake.accept(parsed, sender, plain_json(body)))
