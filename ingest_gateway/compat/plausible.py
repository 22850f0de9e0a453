"""Plausible Events API (``POST /api/event``), as Plausible's tracker script sends it.

Body: ``{"name"|"n", "url"|"u", "domain"|"d", "referrer"|"r", "props"|"p",
"revenue"}``; the site is the one listing ``domain`` (Plausible sends a
comma-separated list; the first known one wins).  The ``engagement`` pings Plausible's
tracker sends when a page is left (``e``: engaged ms, ``sd``: scroll depth %) become
engagement records, not custom events; an event sent with ``"i": false`` is
non-interactive (it does not end a bounce).  The visitor is identified like
Plausible does, by a hash of site, IP and user agent.
"""

from __future__ import annotations

from typing import Any

from ingest_gateway.compat.common import anonymous_client_id, count, flat_properties, text
from ingest_gateway.validation import InvalidEvent

__all__ = ["plausible_event"]


def plausible_event(
    body: Any, tracking_id: str | None, ip: str | None, user_agent: str | None
) -> dict[str, Any]:
    """The contract-v1 event of one Plausible request (site already resolved)."""
    if not isinstance(body, dict) or tracking_id is None:
        return {}
    name = text(body.get("name", body.get("n")))
    revenue = body.get("revenue", body.get("$"))
    event: dict[str, Any] = {
        "tracking_id": tracking_id,
        "client_id": anonymous_client_id(tracking_id, ip, user_agent),
        "page": {
            k: v
            for k, v in {
                "url": body.get("url", body.get("u")),
                "referrer": body.get("referrer", body.get("r")),
            }.items()
            if isinstance(v, str) and v
        },
        "properties": flat_properties(body.get("props", body.get("p"))),
    }
    if name == "pageview":
        event["event_type"] = "pageview"
    elif name == "engagement":  # sent when the visitor leaves a page: telemetry, not an action
        event.pop("properties", None)
        depth = body.get("sd")
        event["event_type"] = "engagement"
        event["engagement"] = {
            "engaged_ms": count(body.get("e", 0), "e"),
            "scroll_depth": None if depth is None else min(count(depth, "sd"), 100),
        }
    elif isinstance(revenue, dict) and "amount" in revenue:
        event.update(event_type="purchase", event_name=name)
        try:
            amount = float(revenue["amount"])
        except (TypeError, ValueError):
            raise InvalidEvent("revenue.amount must be a number") from None
        currency = revenue.get("currency")
        event["revenue"] = {
            "amount": amount,
            "currency": currency if isinstance(currency, str) and currency else "USD",
        }
    else:
        event.update(event_type="event", event_name=name)
    if body.get("i", body.get("interactive")) is False and name != "engagement":
        event["interactive"] = False  # Plausible's rule: it does not end a bounce
    return {k: v for k, v in event.items() if v is not None}


def domains_of(body: Any) -> list[str]:
    """The domains a Plausible body names (``domain`` may be a comma-separated list)."""
    if not isinstance(body, dict):
        return []
    raw = body.get("domain", body.get("d"))
    return [d.strip().lower() for d in raw.split(",") if d.strip()] if isinstance(raw, str) else []
