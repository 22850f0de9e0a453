"""Segment HTTP tracking API (``/v1/track``, ``/v1/page``, ``/v1/identify``, ``/v1/batch``).

The site is the ``writeKey`` (HTTP Basic user name, or ``writeKey`` in the body).
``anonymousId`` (else ``userId``) is the client; ``messageId`` the event id;
``context.ip``/``context.userAgent``/``context.page`` fill the contract's context
and page; ``Order Completed`` (Segment's e-commerce spec) becomes a purchase.
"""

from __future__ import annotations

import base64
from typing import Any

from ingest_gateway.compat.common import Mapped, flat_properties, map_safely, text
from ingest_gateway.validation import InvalidEvent

__all__ = ["segment_events", "write_key_from_auth"]

_PURCHASE_EVENTS = {"Order Completed", "Checkout Completed"}


def write_key_from_auth(authorization: str | None) -> str | None:
    """The write key from ``Authorization: Basic base64(writeKey:)``."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None


def _one(msg: dict[str, Any], write_key: str | None, kind: str | None) -> dict[str, Any]:
    kind = kind or msg.get("type")
    ctx = msg.get("context") if isinstance(msg.get("context"), dict) else {}
    props = msg.get("properties") if isinstance(msg.get("properties"), dict) else {}
    page_ctx = ctx.get("page") if isinstance(ctx.get("page"), dict) else {}
    timestamp = msg.get("timestamp") or msg.get("originalTimestamp")
    event: dict[str, Any] = {
        "tracking_id": text(msg.get("writeKey")) or write_key,
        "client_id": text(msg.get("anonymousId")) or text(msg.get("userId")),
        "event_id": text(msg.get("messageId")),
        "user_id": text(msg.get("userId")),
        "timestamp": timestamp if isinstance(timestamp, str) else None,
        "context": {
            k: v
            for k, v in {
                "user_agent": ctx.get("userAgent"),
                "ip": ctx.get("ip"),
                "language": ctx.get("locale"),
                "timezone": ctx.get("timezone"),
            }.items()
            if isinstance(v, str)
        },
    }
    page = {
        "url": props.get("url") or page_ctx.get("url"),
        "title": props.get("title") or page_ctx.get("title"),
        "referrer": props.get("referrer") or page_ctx.get("referrer"),
    }
    if any(page.values()):
        event["page"] = {k: v for k, v in page.items() if isinstance(v, str)}
    if kind in ("page", "screen"):  # a screen is an app's page view
        event["event_type"] = "pageview"
        event["properties"] = flat_properties(props)
        if kind == "screen" and isinstance(msg.get("name"), str):
            event.setdefault("page", {}).setdefault("title", msg["name"])
    elif kind == "identify":
        event["event_type"] = "identify"
        event["properties"] = flat_properties(msg.get("traits"))
    elif kind == "track":
        name = msg.get("event")
        if not isinstance(name, str):
            raise InvalidEvent("event must be a string naming the action")
        event["event_name"] = name
        event["properties"] = flat_properties(props)
        amount = props.get("revenue", props.get("total"))
        if (
            name in _PURCHASE_EVENTS
            and isinstance(amount, int | float)
            and not isinstance(amount, bool)
        ):
            currency = props.get("currency")
            event["event_type"] = "purchase"
            event["revenue"] = {
                "amount": amount,
                "currency": currency.upper() if isinstance(currency, str) and currency else "USD",
                "transaction_id": text(props.get("order_id")),
            }
        else:
            event["event_type"] = "event"
    else:
        event["event_type"] = kind  # unsupported types are rejected by validation
    return {k: v for k, v in event.items() if v is not None}


def segment_events(body: Any, kind: str | None, write_key: str | None) -> list[Mapped]:
    """Contract-v1 events of one Segment request (``kind`` None for ``/v1/batch``)."""
    if not isinstance(body, dict):
        return [InvalidEvent("body must be a JSON object")]
    if kind is None:
        batch = body.get("batch")
        if not isinstance(batch, list):
            return [InvalidEvent("batch must be a list of messages")]
        key = text(body.get("writeKey")) or write_key
        return [
            map_safely(_one, m, key, None)
            if isinstance(m, dict)
            else InvalidEvent("message must be an object")
            for m in batch
        ]
    return [map_safely(_one, body, write_key, kind)]
