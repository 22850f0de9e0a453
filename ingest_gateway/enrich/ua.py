"""User agent → browser, OS, device class and bot flag (cached: real traffic repeats UAs)."""

from __future__ import annotations

import functools
from typing import NamedTuple

import ua_parser

from ingest_gateway.enrich.bots import MAX_UA_CHARS, is_bot_user_agent

__all__ = ["UserAgentInfo", "parse_user_agent"]


class UserAgentInfo(NamedTuple):
    """What a report needs to know about a user agent."""

    browser: str
    browser_version: str | None
    os: str
    os_version: str | None
    device: str
    is_bot: bool


def _device_class(ua: str, device_family: str) -> str:
    if device_family == "iPad" or "Tablet" in ua or ("Android" in ua and "Mobile" not in ua):
        return "tablet"
    if "Mobi" in ua or device_family == "iPhone":
        return "mobile"
    return "desktop"


@functools.lru_cache(maxsize=20_000)
def parse_user_agent(ua: str | None) -> UserAgentInfo:
    """Classify a user agent string; an empty one counts as a bot (no browser sends none).

    Only the first :data:`MAX_UA_CHARS` characters are read, so a hostile header costs
    no more than a real one; callers pass it already cut (it is also the cache key).
    """
    ua = ua[:MAX_UA_CHARS] if ua else ua
    if not ua or not ua.strip():
        return UserAgentInfo("Unknown", None, "Unknown", None, "desktop", True)
    result = ua_parser.parse(ua)
    agent, os_, device = result.user_agent, result.os, result.device
    family = device.family if device else "Other"
    is_bot = family == "Spider" or is_bot_user_agent(ua)
    return UserAgentInfo(
        browser=agent.family if agent else "Other",
        browser_version=agent.major if agent else None,
        os=os_.family if os_ else "Other",
        os_version=os_.major if os_ else None,
        device="bot" if is_bot else _device_class(ua, family),
        is_bot=is_bot,
    )
