"""Sample events the tests share (one place, instead of importing from test modules)."""

from __future__ import annotations

import datetime as dt

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)

#: One valid contract-v1 pageview of site ST-TEST: a paid-search visit from an iPhone in GB.
GOOD = {
    "tracking_id": "ST-TEST",
    "client_id": "c1",
    "event_type": "pageview",
    "timestamp": "2026-03-01T10:00:00.000Z",
    "page": {
        "url": "https://shop.example/products/x?utm_source=google&utm_medium=cpc&utm_campaign=Brand",
        "referrer": "https://www.google.com/",
    },
    "context": {"user_agent": IPHONE_UA, "ip": "81.2.69.142"},
}

FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def day_event(client: str, time: str, kind: str, path: str, **extra: object) -> dict:
    """A desktop Firefox event of site ST-TEST on 2026-03-01 at ``time`` (UTC), on ``path``."""
    return {
        "tracking_id": "ST-TEST",
        "client_id": client,
        "event_type": kind,
        "timestamp": f"2026-03-01T{time}Z",
        "page": {"url": f"https://shop.example{path}"},
        "context": {"user_agent": FIREFOX_UA, "ip": "3.0.0.7"},
        **extra,
    }


def event_at(client: str, at: dt.datetime | dt.date, kind: str, path: str, **extra: object) -> dict:
    """A desktop Firefox event of site ST-TEST at moment ``at`` (a date: its noon UTC)."""
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(12), dt.UTC)
    return {
        "tracking_id": "ST-TEST",
        "client_id": client,
        "event_type": kind,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "page": {"url": f"https://shop.example{path}"},
        "context": {"user_agent": FIREFOX_UA, "ip": "3.0.0.7"},
        **extra,
    }
