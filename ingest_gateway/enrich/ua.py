"""User agent → browser, OS, device class and bot flag (cached: real traffic repeats UAs)."""

from __future__ import annotations

import functools
from typing import NamedTuple

import ua_parser
from crawlerdetect import CrawlerDetect

__all__ = ["UserAgentInfo", "parse_user_agent"]

_crawlers = CrawlerDetect()
_HEADLESS = ("HeadlessChrome", "PhantomJS", "Puppeteer", "Playwright", "Selenium", "Lighthouse")


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
    """Classify a user agent string; an empty one counts as a bot (no browser sends none)."""
    if not ua:
        return UserAgentInfo("Unknown", None, "Unknown", None, "desktop", True)
    result = ua_parser.parse(ua)
    agent, os_, device = result.user_agent, result.os, result.device
    family = device.family if device else "Other"
    is_bot = (
        family == "Spider" or any(sig in ua for sig in _HEADLESS) or bool(_crawlers.isCrawler(ua))
    )
    return UserAgentInfo(
        browser=agent.family if agent else "Other",
        browser_version=agent.major if agent else None,
        os=os_.family if os_ else "Other",
        os_version=os_.major if os_ else None,
        device="bot" if is_bot else _device_class(ua, family),
        is_bot=is_bot,
    )
