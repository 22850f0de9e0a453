"""Rules for the values an event may store, applied to every event before it is logged.

The wire decoder (:mod:`ingest_gateway.contract`) checks types and lengths; these
rules check content, so that nothing in bronze breaks a reader downstream:

- **Ids** (``tracking_id``, ``client_id``, ``event_id``, ``user_id``, ``session_id``,
  ``revenue.transaction_id``, ``experiment.id``/``variant``) and ``event_name``: no
  control characters; surrounding whitespace is trimmed and an id left empty is
  refused.
- ``page.url``: at most 4,096 characters, no control characters.
- ``revenue``: ``amount`` finite within ±:data:`MAX_REVENUE` (negative for refunds);
  ``currency`` an ISO 4217 code, upper-cased (``"usd"`` → ``"USD"``).
- ``properties``: at most :data:`MAX_PROPERTY_KEYS` keys of 1–128 characters without
  control characters; values JSON scalars or flat lists of at most
  :data:`MAX_LIST_ITEMS` scalars; strings at most :data:`MAX_PROPERTY_CHARS`
  characters without NUL; integers beyond 64 bits kept as strings; the whole object
  at most :data:`MAX_PROPERTIES_BYTES` bytes as JSON.

Breaking one of these rejects the event (:class:`InvalidEvent`, reported by index).
Descriptive fields a report can do without are dropped instead, with a note in the
answer's ``rejected`` list (``"dropped": true``): ``page.title`` (control
characters), ``page.referrer`` (control characters), ``context.screen`` (not
``<width>x<height>``), ``context.language`` (not a BCP 47 tag),
``context.timezone`` (not an IANA name) and UTM values over 256 characters or with
control characters.
"""

from __future__ import annotations

import functools
import math
import re
import zoneinfo
from typing import Any

import msgspec
import orjson
import pycountry

from ingest_gateway.contract import Event
from ingest_gateway.enrich.urls import MAX_UTM_CHARS, parse_page

__all__ = [
    "MAX_LIST_ITEMS",
    "MAX_PROPERTIES_BYTES",
    "MAX_PROPERTY_CHARS",
    "MAX_PROPERTY_KEYS",
    "MAX_REVENUE",
    "InvalidEvent",
    "check_event",
    "has_control_chars",
]

MAX_REVENUE = 1e12
MAX_PROPERTY_KEYS = 100
MAX_PROPERTY_KEY_CHARS = 128
MAX_PROPERTY_CHARS = 2048
MAX_LIST_ITEMS = 100
MAX_PROPERTIES_BYTES = 32 * 1024
_INT64 = 2**63

#: C0 and C1 controls, DEL, and lone surrogates (not encodable as UTF-8).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NUL_OR_SURROGATE = re.compile(r"[\x00\ud800-\udfff]")
_SCREEN = re.compile(r"[0-9]{1,5}x[0-9]{1,5}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,6}")


class InvalidEvent(ValueError):
    """An event breaking a storage rule; the message names the field."""


def has_control_chars(value: str) -> bool:
    """True when ``value`` holds a control character or a lone surrogate."""
    return _CONTROL.search(value) is not None


@functools.cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _id(value: str | None, field: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidEvent(f"{field} is required")
        return None
    if has_control_chars(value):
        raise InvalidEvent(f"{field} contains control characters")
    trimmed = value.strip()
    if not trimmed:
        raise InvalidEvent(f"{field} is empty")
    return trimmed


def _property_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_PROPERTY_CHARS:
            raise InvalidEvent(f"properties.{key} is longer than {MAX_PROPERTY_CHARS} characters")
        if _NUL_OR_SURROGATE.search(value):
            raise InvalidEvent(f"properties.{key} contains NUL or a lone surrogate")
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)  # JSON readers stop at 64 bits
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidEvent(f"properties.{key} is not a finite number")
        return value
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise InvalidEvent(f"properties.{key} has more than {MAX_LIST_ITEMS} items")
        if any(isinstance(v, list) for v in value):
            raise InvalidEvent(f"properties.{key} must be a flat list")
        return [_property_value(key, v) for v in value]
    raise InvalidEvent(f"properties.{key} must be a JSON scalar or a flat list")


def _properties(props: dict[str, Any] | None) -> dict[str, Any] | None:
    if not props:
        return None
    if len(props) > MAX_PROPERTY_KEYS:
        raise InvalidEvent(f"properties has {len(props)} keys; at most {MAX_PROPERTY_KEYS}")
    out: dict[str, Any] = {}
    for key, value in props.items():
        if not key or len(key) > MAX_PROPERTY_KEY_CHARS or has_control_chars(key):
            shown = repr(key[:40])
            raise InvalidEvent(
                f"properties key {shown} must be 1-{MAX_PROPERTY_KEY_CHARS} characters "
                "without control characters"
            )
        out[key] = _property_value(key, value)
    size = len(orjson.dumps(out))
    if size > MAX_PROPERTIES_BYTES:
        raise InvalidEvent(f"properties is {size} bytes as JSON; at most {MAX_PROPERTIES_BYTES}")
    return out


def _note(index: int, field: str, why: str) -> dict[str, Any]:
    return {"index": index, "field": field, "error": f"{field} dropped: {why}", "dropped": True}


def check_event(event: Event, index: int) -> tuple[Event, list[dict[str, Any]]]:
    """The event as it may be stored, and notes on the fields dropped from it.

    Raises :class:`InvalidEvent` when a rule rejects the whole event (see the module
    docstring for the rules and which fields are dropped rather than rejected).
    """
    notes: list[dict[str, Any]] = []
    changes: dict[str, Any] = {
        "tracking_id": _id(event.tracking_id, "tracking_id", required=True),
        "client_id": _id(event.client_id, "client_id", required=True),
        "event_id": _id(event.event_id, "event_id"),
        "user_id": _id(event.user_id, "user_id"),
        "session_id": _id(event.session_id, "session_id"),
        "event_name": _id(event.event_name, "event_name"),
        "properties": _properties(event.properties),
    }
    page = event.page
    if page is not None:
        page_changes: dict[str, Any] = {}
        if page.url is not None and has_control_chars(page.url):
            raise InvalidEvent("page.url contains control characters")
        if page.title is not None and has_control_chars(page.title):
            notes.append(_note(index, "page.title", "contains control characters"))
            page_changes["title"] = None
        if page.referrer is not None and has_control_chars(page.referrer):
            notes.append(_note(index, "page.referrer", "contains control characters"))
            page_changes["referrer"] = None
        for key in parse_page(page.url).dropped:
            why = f"longer than {MAX_UTM_CHARS} characters or has control characters"
            notes.append(_note(index, key, why))
        if page_changes:
            changes["page"] = msgspec.structs.replace(page, **page_changes)
    revenue = event.revenue
    if revenue is not None:
        amount = revenue.amount
        if not math.isfinite(amount) or abs(amount) > MAX_REVENUE:
            raise InvalidEvent(f"revenue.amount must be a finite number within ±{MAX_REVENUE:g}")
        currency = revenue.currency.upper()
        if currency not in _currencies():
            raise InvalidEvent(f"revenue.currency {revenue.currency!r} is not an ISO 4217 code")
        tid = _id(revenue.transaction_id, "revenue.transaction_id")
        changes["revenue"] = msgspec.structs.replace(revenue, currency=currency, transaction_id=tid)
    exp = event.experiment
    if exp is not None:
        changes["experiment"] = msgspec.structs.replace(
            exp,
            id=_id(exp.id, "experiment.id", required=True),
            variant=_id(exp.variant, "experiment.variant", required=True),
        )
    ctx = event.context
    if ctx is not None:
        ctx_changes: dict[str, Any] = {}
        if ctx.screen is not None and not _SCREEN.fullmatch(ctx.screen):
            notes.append(_note(index, "context.screen", "not <width>x<height>"))
            ctx_changes["screen"] = None
        if ctx.language is not None and not _LANGUAGE.fullmatch(ctx.language):
            notes.append(_note(index, "context.language", "not a BCP 47 language tag"))
            ctx_changes["language"] = None
        if ctx.timezone is not None and ctx.timezone not in _timezones():
            notes.append(_note(index, "context.timezone", "not an IANA time zone name"))
            ctx_changes["timezone"] = None
        if ctx.ip is not None and has_control_chars(ctx.ip):
            ctx_changes["ip"] = None  # not an address: the request's own is used
        if ctx_changes:
            changes["context"] = msgspec.structs.replace(ctx, **ctx_changes)
    return msgspec.structs.replace(event, **changes), notes
