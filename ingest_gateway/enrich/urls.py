"""Page and referrer URLs → host, path and UTM parameters."""

from __future__ import annotations

import functools
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = ["PageInfo", "parse_page", "referrer_host"]

_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class PageInfo(NamedTuple):
    """The parts of a page URL reports group by."""

    host: str | None
    path: str | None
    utm: dict[str, str]


@functools.lru_cache(maxsize=50_000)
def parse_page(url: str | None) -> PageInfo:
    """Split a page URL; the path has no query string or fragment, and no trailing slash.

    Cached (real traffic repeats URLs); callers must not mutate the returned ``utm``.
    """
    if not url:
        return PageInfo(None, None, {})
    try:
        parts = urlsplit(url)
    except ValueError:
        return PageInfo(None, None, {})
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    utm = {k: v.lower() for k, v in parse_qsl(parts.query) if k in _UTM and v}
    return PageInfo(parts.hostname, path, utm)


@functools.lru_cache(maxsize=20_000)
def referrer_host(url: str | None) -> str | None:
    """Host of a referrer URL without ``www.``, or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None
