"""Page and referrer URLs → host, path and UTM parameters."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = ["MAX_UTM_CHARS", "PageInfo", "parse_page", "referrer_host"]

_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
#: UTM values are kept up to this length; longer ones (or with control characters,
#: which percent-decoding can produce) are dropped.
MAX_UTM_CHARS = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class PageInfo(NamedTuple):
    """The parts of a page URL reports group by."""

    host: str | None
    path: str | None
    utm: dict[str, str]
    dropped: tuple[str, ...] = ()  # UTM keys whose values broke the rules above


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
    utm: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in parse_qsl(parts.query):
        if key in _UTM and value:
            if len(value) > MAX_UTM_CHARS or _CONTROL.search(value):
                dropped.append(key)
            else:
                utm[key] = value.lower()
    return PageInfo(parts.hostname, path, utm, tuple(dropped))


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
