"""Bearer API keys: each key reads its sites, with scopes (``read``, ``write``, ``admin``,
``sql``).

Authentication runs first, as ASGI middleware, before any body is read or validated:
a request without a valid key learns nothing but 401 (not the request schema).  The
route then checks the key's site against the one asked for (403) through
:func:`key_site`, which also declares the Bearer scheme in the OpenAPI document.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import orjson
from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lake.catalog import ApiKey, MetadataStore
from serving.ratelimit import KeyRateLimiter

__all__ = ["ApiKeyMiddleware", "authorize", "bearer", "key_site"]

#: The OpenAPI security scheme (the middleware does the checking).
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A site's API key (`strata keys create --site ST-XXXX`).",
)

_PROTECTED = "/api/"


def _key_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return (key.strip() or None) if scheme.lower() == "bearer" else None
    return None


class ApiKeyMiddleware:
    """401 for a request under ``/api/`` without a known key, before anything else.

    On success the key's site is left in the request state for :func:`key_site`.
    """

    def __init__(self, app: Any, store: MetadataStore, limiter: KeyRateLimiter) -> None:
        self.app = app
        self.store = store
        self.limiter = limiter

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Check the key of API requests; pass everything else through."""
        if scope["type"] == "http" and scope["path"].startswith(_PROTECTED):
            key = _key_of(scope["headers"])
            if key is None:
                await _unauthorized(send, "missing API key: send Authorization: Bearer <key>")
                return
            found = self.store.key(key)
            if found is None:
                await _unauthorized(send, "unknown, revoked or expired API key")
                return
            wait = self.limiter.take(found.key_id)
            if wait > 0:
                await _refuse(
                    send,
                    429,
                    f"rate limit of this API key exceeded; retry in {math.ceil(wait)} s",
                    [(b"retry-after", str(math.ceil(wait)).encode())],
                )
                return
            scope.setdefault("state", {})["api_key"] = found
        await self.app(scope, receive, send)


async def _unauthorized(send: Any, detail: str) -> None:
    await _refuse(send, 401, detail, [(b"www-authenticate", b"Bearer")])


async def _refuse(send: Any, status: int, detail: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = orjson.dumps({"detail": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def key_site(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> ApiKey:
    """The request's API key: its sites and scopes (checked by :class:`ApiKeyMiddleware`)."""
    found = getattr(request.state, "api_key", None)
    if found is None:  # the app runs without the middleware: refuse rather than guess
        raise HTTPException(401, "missing API key: send Authorization: Bearer <key>")
    return found


def authorize(api_key: ApiKey, tracking_id: str, scope: str = "read") -> None:
    """403 when the key is not for site ``tracking_id`` or lacks ``scope`` (``admin``
    also allows ``write``: saving goals, funnels and segments)."""
    if tracking_id not in api_key.sites:
        raise HTTPException(403, f"this key may not read site {tracking_id!r}")
    if scope not in api_key.scopes and not (scope == "write" and "admin" in api_key.scopes):
        raise HTTPException(403, f"this key lacks the {scope!r} scope")
