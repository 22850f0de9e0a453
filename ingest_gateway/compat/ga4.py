"""GA4 Measurement Protocol (``POST /mp/collect?measurement_id=…&api_secret=…``).

The site is the ``measurement_id``.  Each of the body's ``events`` becomes one
event: ``page_view`` a pageview (``page_location``, ``page_title``,
``page_referrer``), ``purchase`` a purchase (``value``, ``currency``,
``transaction_id``), ``user_engagement`` an engagement record
(``engagement_time_msec``), anything else a custom event named as sent.  GA4 puts
``engagement_time_msec`` on other events too (time engaged since the last event): there
it becomes an engagement record of the event's page as well
(:func:`ga4_engagement_records`), which adds to that page view's engaged time.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from ingest_gateway.compat.common import Mapped, count, flat_properties, map_safely, text
from ingest_gateway.validation import InvalidEvent

__all__ = ["ga4_engagement_records", "ga4_events"]

_PAGE_KEYS = {"page_location", "page_title", "page_referrer"}
#: Where an event's own ``engagement_time_msec`` waits for :func:`ga4_engagement_records`.
_ENGAGED = "_ga4_engaged_ms"
_RECORD_KEYS = ("tracking_id", "client_id", "user_id", "timestamp", "page")
#: Microseconds since the epoch have 16 digits until the year 2286.
_MAX_MICROS_DIGITS = 17


def _micros(value: Any, field: str) -> int | None:
    """``timestamp_micros`` as an integer (GA4 sends a number or a string of digits)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    digits = isinstance(value, str) and value.isascii() and value.isdigit()
    if digits and len(value) <= _MAX_MICROS_DIGITS:
        return int(value)
    raise InvalidEvent(f"{field} must be an integer count of microseconds")


def ga4_events(body: Any, measurement_id: str | None) -> list[Mapped]:
    """Contract-v1 events of one Measurement Protocol request, one per ``events`` item."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return [InvalidEvent("body must be an object with an events list")]
    return [
        map_safely(_one, body, raw, index, measurement_id)
        for index, raw in enumerate(body["events"])
    ]


def _one(body: dict[str, Any], raw: Any, index: int, measurement_id: str | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidEvent(f"events[{index}] must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidEvent(f"events[{index}].name is required")
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    client = text(body.get("client_id")) or text(body.get("app_instance_id"))
    event: dict[str, Any] = {
        "tracking_id": measurement_id,
        "client_id": client,
        "user_id": text(body.get("user_id")),
    }
    micros = _micros(params.get("timestamp_micros"), f"events[{index}].params.timestamp_micros")
    if micros is None:
        micros = _micros(body.get("timestamp_micros"), "timestamp_micros")
    if micros is not None:
        event["timestamp"] = micros / 1000  # contract numbers are epoch milliseconds
        # GA4 events carry no id: one from the request's own values, so a re-sent
        # request dedups and two alike events in one request stay two.
        key = f"{measurement_id}\x1f{client}\x1f{micros}\x1f{index}\x1f{name}"
        event["event_id"] = "ga4_" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    page = {
        "url": params.get("page_location"),
        "title": params.get("page_title"),
        "referrer": params.get("page_referrer"),
    }
    page = {k: v for k, v in page.items() if isinstance(v, str) and v}
    if page:
        event["page"] = page
    rest = {k: v for k, v in params.items() if k not in _PAGE_KEYS and k != "timestamp_micros"}
    value = params.get("value")
    if name == "page_view":
        event["event_type"] = "pageview"
    elif name == "user_engagement":  # GA4's time-on-page report: telemetry, not an action
        ms = params.get("engagement_time_msec", 0)
        event["event_type"] = "engagement"
        event["engagement"] = {"engaged_ms": count(ms, f"events[{index}].engagement_time_msec")}
        return {k: v for k, v in event.items() if v is not None}
    elif name == "purchase" and isinstance(value, int | float) and not isinstance(value, bool):
        event.update(event_type="purchase", event_name="purchase")
        currency = params.get("currency")
        event["revenue"] = {
            "amount": value,
            "currency": currency.upper() if isinstance(currency, str) and currency else "USD",
            "transaction_id": text(params.get("transaction_id")),
        }
    else:
        event.update(event_type="event", event_name=name)
    event["properties"] = flat_properties(rest)
    engaged = params.get("engagement_time_msec")
    if engaged is not None:
        event[_ENGAGED] = count(engaged, f"events[{index}].engagement_time_msec")
    return {k: v for k, v in event.items() if v is not None}


def ga4_engagement_records(events: list[Mapped]) -> list[Mapped]:
    """The engagement records that events with ``engagement_time_msec`` carry (taken off
    them): one per such event, of its page and time, with an id of its own."""
    records: list[Mapped] = []
    for event in events:
        if not isinstance(event, dict) or _ENGAGED not in event:
            continue
        engaged_ms = event.pop(_ENGAGED)
        if not engaged_ms:
            continue
        record = {k: event[k] for k in _RECORD_KEYS if k in event}
        record.update(event_type="engagement", engagement={"engaged_ms": engaged_ms})
        if "event_id" in event:
            record["event_id"] = event["event_id"] + ".engagement"
        records.append(record)
    return records
