"""Bearer API keys: each key reads exactly one site.

Authentication runs first, as ASGI middleware, before any body is read or validated:
a request without a valid key learns nothing but 401 (not the request schema).  The
route then checks the key's site against the one asked for (403) through
:func:`key_site`, which also declares the Bearer scheme in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lake.catalog import MetadataStore

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

    def __init__(self, app: Any, store: MetadataStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Check the key of API requests; pass everything else through."""
        if scope["type"] == "http" and scope["path"].startswith(_PROTECTED):
            key = _key_of(scope["headers"])
            if key is None:
                await _unauthorized(send, "missing API key: send Authorization: Bearer <key>")
                return
            site = self.store.site_for_key(key)
            if site is None:
                await _unauthorized(send, "unknown API key")
                return
            scope.setdefault("state", {})["key_site"] = site
        await self.app(scope, receive, send)


async def _unauthorized(send: Any, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b"Bearer"),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def key_site(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> str:
    """The site the request's API key reads (checked by :class:`ApiKeyMiddleware`)."""
    site = getattr(request.state, "key_site", None)
    if site is None:  # the app runs without the middleware: refuse rather than guess
        raise HTTPException(401, "missing API key: send Authorization: Bearer <key>")
    return site


def authorize(key_site: str, tracking_id: str) -> None:
    """403 when the key belongs to another site than ``tracking_id``."""
    if key_site != tracking_id:
        raise HTTPException(403, f"this key may not read site {tracking_id!r}")
