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

from ingest_gateway.contract import Context, Event, Page, Revenue
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


_ID_FIELDS = ("tracking_id", "client_id", "event_id", "user_id", "session_id", "event_name")
_REQUIRED = frozenset({"tracking_id", "client_id"})


class InvalidEvent(ValueError):
    """An event breaking a storage rule; the message names the field."""


def has_control_chars(value: str) -> bool:
    """True when ``value`` holds a control character or a lone surrogate."""
    if value.isascii():  # C-speed answer for the usual case
        return not value.isprintable()
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
    if value.isascii() and value.isprintable() and value[:1] != " " and value[-1:] != " ":
        return value or _empty(field)  # the common case, without a regex
    if has_control_chars(value):
        raise InvalidEvent(f"{field} contains control characters")
    trimmed = value.strip()
    if not trimmed:
        raise InvalidEvent(f"{field} is empty")
    return trimmed


def _empty(field: str) -> str:
    raise InvalidEvent(f"{field} is empty")


def _property_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if len(value) <= MAX_PROPERTY_CHARS and value.isascii() and "\x00" not in value:
            return value
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


def _size_bound(props: dict[str, Any]) -> int:
    """An upper bound of the JSON size (an escaped character takes at most 6 bytes)."""
    total = 2
    for key, value in props.items():
        total += 6 * len(key) + 4
        if isinstance(value, str):
            total += 6 * len(value) + 2
        elif isinstance(value, list):
            return MAX_PROPERTIES_BYTES + 1  # rare: measure exactly
        else:
            total += 24  # numbers, booleans, null
    return total


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
    if _size_bound(out) <= MAX_PROPERTIES_BYTES:
        return out  # cannot be over the limit: skip serializing
    size = len(orjson.dumps(out))
    if size > MAX_PROPERTIES_BYTES:
        raise InvalidEvent(f"properties is {size} bytes as JSON; at most {MAX_PROPERTIES_BYTES}")
    return out


def _note(index: int, field: str, why: str) -> dict[str, Any]:
    return {"index": index, "field": field, "error": f"{field} dropped: {why}", "dropped": True}


def _page(page: Page, index: int, plain: bool, notes: list[dict[str, Any]]) -> Page:
    changes: dict[str, Any] = {}
    if not plain:
        if page.url is not None and has_control_chars(page.url):
            raise InvalidEvent("page.url contains control characters")
        if page.title is not None and has_control_chars(page.title):
            notes.append(_note(index, "page.title", "contains control characters"))
            changes["title"] = None
        if page.referrer is not None and has_control_chars(page.referrer):
            notes.append(_note(index, "page.referrer", "contains control characters"))
            changes["referrer"] = None
    for key in parse_page(page.url).dropped:
        why = f"longer than {MAX_UTM_CHARS} characters or has control characters"
        notes.append(_note(index, key, why))
    return msgspec.structs.replace(page, **changes) if changes else page


def _revenue(revenue: Revenue) -> Revenue:
    amount = revenue.amount
    if not math.isfinite(amount) or abs(amount) > MAX_REVENUE:
        raise InvalidEvent(f"revenue.amount must be a finite number within ±{MAX_REVENUE:g}")
    currency = revenue.currency.upper()
    if currency not in _currencies():
        raise InvalidEvent(f"revenue.currency {revenue.currency!r} is not an ISO 4217 code")
    tid = _id(revenue.transaction_id, "revenue.transaction_id")
    return msgspec.structs.replace(revenue, currency=currency, transaction_id=tid)


@functools.lru_cache(maxsize=4096)
def _context_problems(screen: str | None, language: str | None, timezone: str | None) -> tuple:
    problems = []
    if screen is not None and not _SCREEN.fullmatch(screen):
        problems.append(("screen", "context.screen", "not <width>x<height>"))
    if language is not None and not _LANGUAGE.fullmatch(language):
        problems.append(("language", "context.language", "not a BCP 47 language tag"))
    if timezone is not None and timezone not in _timezones():
        problems.append(("timezone", "context.timezone", "not an IANA time zone name"))
    return tuple(problems)


def _context(ctx: Context, index: int, plain: bool, notes: list[dict[str, Any]]) -> Context:
    changes: dict[str, Any] = {}
    for attr, field, why in _context_problems(ctx.screen, ctx.language, ctx.timezone):
        notes.append(_note(index, field, why))
        changes[attr] = None
    if not plain and ctx.ip is not None and has_control_chars(ctx.ip):
        changes["ip"] = None  # not an address: the request's own is used
    return msgspec.structs.replace(ctx, **changes) if changes else ctx


def check_event(
    event: Event, index: int, plain: bool = False
) -> tuple[Event, list[dict[str, Any]]]:
    """The event as it may be stored, and notes on the fields dropped from it.

    Raises :class:`InvalidEvent` when a rule rejects the whole event (see the module
    docstring for the rules and which fields are dropped rather than rejected).
    ``plain`` says the event's JSON was ASCII without a backslash or DEL, so none of
    its strings can hold a control character (JSON spells the others as escapes):
    the per-string scans are skipped, the hot path's usual case.
    """
    notes: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}
    for name in _ID_FIELDS:
        value = getattr(event, name)
        if value is None:
            if name in _REQUIRED:
                raise InvalidEvent(f"{name} is required")
        elif not (plain and value and value[0] != " " and value[-1] != " "):
            checked = _id(value, name)
            if checked is not value:
                changes[name] = checked
    if event.properties:
        changes["properties"] = _properties(event.properties)
    if event.event_type == "engagement" and event.engagement is None:
        raise InvalidEvent("engagement is required for an engagement record")
    page = event.page
    needs_look = page is not None and (not plain or parse_page(page.url).dropped)
    if needs_look and (checked_page := _page(page, index, plain, notes)) is not page:
        changes["page"] = checked_page
    if event.revenue is not None:
        changes["revenue"] = _revenue(event.revenue)
    exp = event.experiment
    if exp is not None:
        changes["experiment"] = msgspec.structs.replace(
            exp,
            id=_id(exp.id, "experiment.id", required=True),
            variant=_id(exp.variant, "experiment.variant", required=True),
        )
    ctx = event.context
    needs_look = ctx is not None and (
        not plain or bool(_context_problems(ctx.screen, ctx.language, ctx.timezone))
    )
    if needs_look and (checked_ctx := _context(ctx, index, plain, notes)) is not ctx:
        changes["context"] = checked_ctx
    return (msgspec.structs.replace(event, **changes) if changes else event), notes
