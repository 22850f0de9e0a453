"""Hand-built events for the product-analytics tests: a few visitors each, every time
written out, so each expected answer can be worked by hand in the test."""

from __future__ import annotations

from typing import Any

BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PERSON_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
MOBILE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def ev(
    client: str,
    when: str,
    kind: str = "pageview",
    path: str | None = None,
    *,
    ua: str = PERSON_UA,
    **extra: Any,
) -> dict[str, Any]:
    """One contract-v1 event of site ST-TEST at ``when`` (UTC, ``YYYY-MM-DD HH:MM:SS``)."""
    event: dict[str, Any] = {
        "tracking_id": "ST-TEST",
        "client_id": client,
        "event_type": kind,
        "timestamp": when.replace(" ", "T") + ".000Z",
        "context": {"user_agent": ua, "ip": "81.2.69.160"},
    }
    if path is not None:
        event["page"] = {"url": f"https://shop.example{path}"}
    event.update(extra)
    return event


def add_to_cart(client: str, when: str, **extra: Any) -> dict[str, Any]:
    """The reference design's add-to-cart click."""
    return ev(
        client, when, "click", "/products/x", properties={"element_id": "add-to-cart"}, **extra
    )
