"""Raw-ASGI handling of the hot ingest paths (``POST /api/v1/events``, ``/api/v1/beacon``).

FastAPI's per-request machinery (dependency solving, ``Request`` objects, header
mappings) costs more than validating and logging a single event; these two
routes are served straight from the ASGI scope instead, through the same edge
(:mod:`ingest_gateway.edge`) the FastAPI routes use.  Everything else passes
through to FastAPI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from ingest_gateway.edge import accept_post
from ingest_gateway.intake import MAX_HEADER_BYTES, Answer, error_answer

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

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                yield message.get("body", b"")
                if not message.get("more_body"):
                    return

        try:
            answer = await accept_post(self.state.intake, scope, chunks())
        except _ClientGone:  # left mid-body: nothing accepted, nobody to answer
            return
        await send_answer(send, answer)


class _ClientGone(Exception):
    """The client disconnected before its body was whole."""
