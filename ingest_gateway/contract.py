"""Event contract v1 on the wire, as msgspec structs (fast, strict, no per-field Python code)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from lake.storage import EVENT_TYPES

__all__ = [
    "MAX_BATCH",
    "Context",
    "Engagement",
    "Event",
    "Page",
    "PropertyValue",
    "Revenue",
    "decode_batch",
    "event_decoder",
]

MAX_BATCH = 500

#: Contract v1's event types (lake.storage.EVENT_TYPES: bronze checks the same list).
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
ShortStr = Annotated[str, msgspec.Meta(max_length=256)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Url = Annotated[str, msgspec.Meta(max_length=4096)]
Scalar = str | int | float | bool | None
#: A property value: a JSON scalar or a flat list of them (limits: ``validation.py``).
PropertyValue = Scalar | list[Scalar]


class Page(msgspec.Struct, frozen=True):
    """Where the event happened."""

    url: Url | None = None
    title: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    referrer: Url | None = None


class Revenue(msgspec.Struct, frozen=True):
    """Money attached to a purchase or transaction."""

    amount: float
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] = "USD"
    transaction_id: ShortStr | None = None


class Engagement(msgspec.Struct, frozen=True):
    """What an ``engagement`` record reports about the page view it follows: time the
    page was visible and focused since the last report, and the deepest scroll so far."""

    engaged_ms: Annotated[int, msgspec.Meta(ge=0, le=86_400_000)] = 0
    scroll_depth: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None


class Experiment(msgspec.Struct, frozen=True):
    """A/B test exposure."""

    id: ShortStr
    variant: ShortStr


class Context(msgspec.Struct, frozen=True):
    """Client context.  ``user_agent`` and ``ip`` let server-side senders (and the demo
    traffic generator) forward the original visitor's values instead of their own."""

    screen: ShortStr | None = None
    language: ShortStr | None = None
    timezone: ShortStr | None = None
    user_agent: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    ip: ShortStr | None = None


class Event(msgspec.Struct, frozen=True):
    """One event of contract v1 (see ARCHITECTURE.md)."""

    tracking_id: Id
    client_id: Id
    event_type: EventType = "pageview"
    event_id: Id | None = None
    session_id: ShortStr | None = None
    user_id: ShortStr | None = None
    event_name: ShortStr | None = None
    timestamp: dt.datetime | float | None = None
    page: Page | None = None
    properties: dict[str, PropertyValue] | None = None
    revenue: Revenue | None = None
    experiment: Experiment | None = None
    context: Context | None = None
    engagement: Engagement | None = None
    #: False for an event that is no interaction (Plausible's ``"i": false``): it does
    #: not end a bounce.
    interactive: bool = True


event_decoder = msgspec.json.Decoder(Event)
_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_object_decoder = msgspec.json.Decoder(msgspec.Raw)


def decode_batch(body: bytes) -> list[msgspec.Raw]:
    """Split a body (one event object or an array) into raw items, validated one by one later.

    Raises ``msgspec.DecodeError`` when the body is not JSON or not an object/array
    (or nests deeper than the decoder's recursion limit), and ``ValueError`` when the
    array is longer than :data:`MAX_BATCH`.  Invalid UTF-8 inside one item is found
    when that item is decoded, so only that item is rejected.
    """
    first = body.lstrip()[:1]
    try:
        if first == b"[":
            items = _list_decoder.decode(body)
        elif first == b"{":
            items = [_object_decoder.decode(body)]
        else:
            raise msgspec.DecodeError("body is neither a JSON object nor an array")
    except RecursionError:
        raise msgspec.DecodeError("JSON is nested too deeply") from None
    if len(items) > MAX_BATCH:
        raise ValueError(f"batch has {len(items)} events; at most {MAX_BATCH} per request")
    return items
