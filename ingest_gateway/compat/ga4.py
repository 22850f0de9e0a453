"""GA4 Measurement Protocol (``POST /mp/collect?measurement_id=…&api_secret=…``).

The site is the ``measurement_id``.  Each of the body's ``events`` becomes one
event: ``page_view`` a pageview (``page_location``, ``page_title``,
``page_referrer``), ``purchase`` a purchase (``value``, ``currency``,
``transaction_id``), anything else a custom event named as sent.
"""

from __future__ import annotations

from typing import Any

from ingest_gateway.compat.common import flat_properties

__all__ = ["ga4_events"]

_PAGE_KEYS = {"page_location", "page_title", "page_referrer"}


def ga4_events(body: Any, measurement_id: str | None) -> list[dict[str, Any]]:
    """Contract-v1 events of one Measurement Protocol request."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return [{}]
    base: dict[str, Any] = {
        "tracking_id": measurement_id,
        "client_id": body.get("client_id") or body.get("app_instance_id"),
        "user_id": body.get("user_id"),
    }
    micros = body.get("timestamp_micros")
    out = []
    for raw in body["events"]:
        if not isinstance(raw, dict):
            out.append({})
            continue
        params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
        name = raw.get("name")
        ts = params.get("timestamp_micros", micros)
        event: dict[str, Any] = {**base}
        if isinstance(ts, int | float | str) and str(ts).isdigit():
            event["timestamp"] = int(ts) / 1000  # contract numbers are epoch milliseconds
        page = {
            "url": params.get("page_location"),
            "title": params.get("page_title"),
            "referrer": params.get("page_referrer"),
        }
        if any(page.values()):
            event["page"] = {k: v for k, v in page.items() if isinstance(v, str)}
        rest = {k: v for k, v in params.items() if k not in _PAGE_KEYS and k != "timestamp_micros"}
        if name == "page_view":
            event["event_type"] = "pageview"
        elif name == "purchase" and isinstance(params.get("value"), int | float):
            event.update(event_type="purchase", event_name="purchase")
            event["revenue"] = {
                "amount": params["value"],
                "currency": str(params.get("currency") or "USD").upper(),
                "transaction_id": params.get("transaction_id"),
            }
        else:
            event.update(event_type="event", event_name=name)
        event["properties"] = flat_properties(rest)
        out.append({k: v for k, v in event.items() if v is not None})
    return out
