"""Conditions on raw events and on visitors, validated once and engine-neutral.

An :class:`EventCondition` says which events count (a funnel step, an event goal, a
segment's ``did`` condition, an experiment's goal); a :class:`Segment` says which
visitors count.  Requests reach these through :func:`event_condition` and
:func:`segment_of`, which check every name against the semantic layer and raise
:class:`ReportError` naming the field at fault; the SQL dialects render them
(:mod:`serving.sql.conditions`) with every value bound as a parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from serving.report_query import Filter, ReportError, check_filter, is_property
from serving.semantic import PROPERTY_KEY, PROPERTY_PREFIX, RAW_COLUMNS

__all__ = [
    "EVENT_FIELDS",
    "TIME_FIELDS",
    "EventCondition",
    "Segment",
    "SegmentCondition",
    "event_condition",
    "event_field",
    "glob_pattern",
    "segment_of",
]

#: Fields an event condition may test: every column the raw ``events`` table groups by,
#: and the event's external referrer (``properties.<key>`` besides).
EVENT_FIELDS: tuple[str, ...] = (*RAW_COLUMNS["events"], "referrer_host")
#: What a breakdown may group entries or cohorts by besides those: the event's time.
TIME_FIELDS: tuple[str, ...] = ("date", "hour", "week", "month")


@dataclass(frozen=True)
class EventCondition:
    """Events of ``event_type`` and/or named ``event_name``, satisfying every filter."""

    event_type: str | None = None
    event_name: str | None = None
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class SegmentCondition:
    """One test a visitor passes over the range.

    ``kind``: ``event`` (at least ``min_times`` and at most ``max_times`` events matching
    ``event``), ``revenue`` (purchase and transaction revenue above ``amount``),
    ``first_seen_before`` / ``first_seen_after`` (the visitor's first event, site-local
    date, before or after ``day``).
    """

    kind: Literal["event", "revenue", "first_seen_before", "first_seen_after"]
    event: EventCondition | None = None
    min_times: int = 1
    max_times: int | None = None
    amount: float = 0.0
    day: dt.date | None = None


@dataclass(frozen=True)
class Segment:
    """A set of visitors: those seen in the range passing ``all`` (or ``any``) conditions."""

    conditions: tuple[SegmentCondition, ...]
    match: Literal["all", "any"] = "all"


def event_field(name: str, where: str) -> str:
    """``name`` as an event field: a dimension the raw events have, ``properties.<key>``,
    or (short form) any other key, meaning the custom property of that name."""
    if name in EVENT_FIELDS:
        return name
    key = name[len(PROPERTY_PREFIX) :] if is_property(name) else name
    if not re.fullmatch(PROPERTY_KEY, key):
        raise ReportError(
            f"{where}: {name!r} is neither an event dimension ({', '.join(EVENT_FIELDS)}) nor "
            "a property key (1-128 letters, digits or _ . : $ -)"
        )
    return PROPERTY_PREFIX + key


def glob_pattern(values: Sequence[str]) -> str:
    """An RE2 pattern matching any of ``values`` whole, ``*`` standing for any text."""
    parts = [".*".join(re.escape(piece) for piece in value.split("*")) for value in values]
    return "^(?:" + "|".join(parts) + ")$"


def _short_filter(field: str, value: Any, where: str) -> Filter:
    """A short-form filter: a value (or list) to match; a ``*`` in a value is a glob."""
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(v, str) for v in values):
        raise ReportError(f"{where}.{field}: give a string or a list of strings")
    if len(values) == 1 and values[0].endswith("*") and values[0].count("*") == 1:
        return Filter(field, "starts_with", (values[0][:-1],))  # a prefix test: 2x a regex's speed
    if any("*" in v for v in values):
        return Filter(field, "regex", (glob_pattern(values),))
    return (
        Filter(field, "eq", (values[0],))
        if isinstance(value, str)
        else Filter(field, "in", tuple(values))
    )


def event_condition(
    event_type: str | None,
    event_name: str | None,
    filters: Mapping[str, Any] | Sequence[tuple[str, str, tuple[str | float, ...]]],
    where: str,
) -> EventCondition:
    """A validated :class:`EventCondition`; ``filters`` in short form (field -> value or
    values, a key that is no event dimension meaning ``properties.<key>``, ``*`` a glob)
    or as ``(field, op, values)`` triples of the query API's list form.  ``where`` names
    the request field in errors (``steps[1]``)."""
    found: list[Filter] = []
    if isinstance(filters, Mapping):
        for name, value in filters.items():
            field = event_field(name, f"{where}.filters")
            found.append(_short_filter(field, value, f"{where}.filters"))
    else:
        for i, (name, op, values) in enumerate(filters):
            field = event_field(name, f"{where}.filters[{i}].field")
            flt = Filter(field, op, values)
            check_filter(flt, f"{where}.filters[{i}]")
            found.append(flt)
    for label, value in (("event_type", event_type), ("event_name", event_name)):
        if value is not None and not value.strip():
            raise ReportError(f"{where}.{label}: must not be empty")
    if event_type is None and event_name is None and not found:
        raise ReportError(f"{where}: give event_type, event_name or filters")
    return EventCondition(event_type, event_name, tuple(found))


def segment_of(conditions: Sequence[Mapping[str, Any]], match: str, where: str) -> Segment:
    """A validated :class:`Segment` from request conditions (see docs/product-analytics.md):
    ``{"property": field, "op": op, "value": v}``, ``{"did": {event…}, "min_times": n,
    "max_times": m}``, ``{"revenue_above": y}``, ``{"first_seen_before": "YYYY-MM-DD"}``,
    ``{"first_seen_after": "YYYY-MM-DD"}``."""
    if match not in ("all", "any"):
        raise ReportError(f"{where}.match: 'all' or 'any'")
    if not conditions:
        raise ReportError(f"{where}.conditions: give at least one condition")
    found = [_segment_condition(c, f"{where}.conditions[{i}]") for i, c in enumerate(conditions)]
    return Segment(tuple(found), "all" if match == "all" else "any")


def _segment_condition(raw: Mapping[str, Any], where: str) -> SegmentCondition:
    if raw.get("property") is not None:
        op = raw.get("op") or "eq"
        value = raw.get("value")
        values = tuple(value) if isinstance(value, list) else (value,)
        event = event_condition(None, None, [(raw["property"], op, values)], where)
        return SegmentCondition("event", event)
    if raw.get("did") is not None:
        did = raw["did"]
        event = event_condition(
            did.get("event_type"), did.get("event_name"), did.get("filters") or {}, f"{where}.did"
        )
        low, high = raw.get("min_times"), raw.get("max_times")
        low = 1 if low is None and high is None else (low or 0)
        if high is not None and high < low:
            raise ReportError(f"{where}.max_times: less than min_times")
        return SegmentCondition("event", event, min_times=low, max_times=high)
    if raw.get("revenue_above") is not None:
        return SegmentCondition("revenue", amount=float(raw["revenue_above"]))
    for kind in ("first_seen_before", "first_seen_after"):
        if raw.get(kind) is not None:
            return SegmentCondition(kind, day=raw[kind])  # type: ignore[arg-type]
    raise ReportError(
        f"{where}: give one of property, did, revenue_above, first_seen_before, first_seen_after"
    )
