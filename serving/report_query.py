"""The report query: validated against the semantic layer, engine-neutral.

Routes build one from a request with :func:`report_query`; the planner picks the
table, a dialect renders it, a backend runs it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import re2

from serving.semantic import (
    DIMENSIONS,
    FILTER_OPS,
    FILTERABLE,
    METRICS,
    PROPERTY_KEY,
    PROPERTY_PREFIX,
)

if TYPE_CHECKING:  # conditions import this module's Filter
    from serving.conditions import Segment

__all__ = [
    "Filter",
    "ReportError",
    "ReportQuery",
    "check_filter",
    "is_property",
    "report_query",
]


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # both engines match with RE2: validate with it too


class ReportError(ValueError):
    """A request that names something the semantic layer does not have; says what is allowed."""


@dataclass(frozen=True)
class Filter:
    """Keep rows whose ``field`` satisfies ``op`` with ``values`` (one value, or a list)."""

    field: str
    op: str
    values: tuple[str | float, ...]


@dataclass(frozen=True)
class ReportQuery:
    """One report: metrics × dimensions over a site's dates, filtered, ordered, limited."""

    tracking_id: str
    timezone: str
    start: dt.date
    end: dt.date
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_by: tuple[tuple[str, str], ...] = ()
    limit: int = 100
    offset: int = 0
    sampling: float | None = None  # the share of visitors a raw-table answer may read
    segment: Segment | None = None  # only these visitors (answered from the raw tables)


def is_property(name: str) -> bool:
    """``properties.<key>``: a custom property as a dimension or filter field."""
    return name.startswith(PROPERTY_PREFIX)


def _check(
    names: list[str], allowed: tuple[str, ...] | dict, kind: str, properties: bool = False
) -> None:
    for name in names:
        key = name[len(PROPERTY_PREFIX) :]
        if properties and is_property(name) and not re.fullmatch(PROPERTY_KEY, key):
            raise ReportError(
                f"{kind} {name!r}: a property key is 1-128 letters, digits or _ . : $ -"
            )
    unknown = [n for n in names if n not in allowed and not (properties and is_property(n))]
    if unknown:
        extra = ", properties.<key>" if properties else ""
        raise ReportError(
            f"unknown {kind} {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}{extra}"
        )
    if len(set(names)) != len(names):
        raise ReportError(f"{kind} listed twice")


def check_filter(f: Filter, where: str = "filters") -> None:
    """``f``'s operator and values fit each other (its field is checked by the caller):
    the one place filter operators are checked, for reports, funnels, goals and segments."""
    if f.op not in FILTER_OPS:
        raise ReportError(
            f"{where}.op: unknown filter op {f.op!r}; allowed: {', '.join(FILTER_OPS)}"
        )
    takes = FILTER_OPS[f.op]
    if takes == "number":
        if not is_property(f.field):
            raise ReportError(
                f"{where}: filter op {f.op!r} compares numbers: only properties.<key> fields"
            )
        if len(f.values) != 1 or not isinstance(f.values[0], int | float):
            raise ReportError(f"{where}: filter op {f.op!r} on {f.field!r} takes one number")
    elif any(not isinstance(v, str) for v in f.values):
        raise ReportError(f"{where}: filter op {f.op!r} on {f.field!r} takes strings")
    if takes == "one" and len(f.values) != 1:
        raise ReportError(f"{where}: filter op {f.op!r} on {f.field!r} takes one string value")
    if takes == "many" and not f.values:
        raise ReportError(f"{where}: filter op {f.op!r} on {f.field!r} takes a list of strings")
    if f.op == "regex":
        try:
            re2.compile(str(f.values[0]), _RE2_OPTIONS)
        except re2.error:
            raise ReportError(
                f"{where}: filter regex {f.values[0]!r} is not valid (RE2 syntax)"
            ) from None


def report_query(
    *,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    metrics: list[str],
    dimensions: list[str],
    filters: list[Filter],
    order_by: list[tuple[str, str]],
    limit: int,
    offset: int = 0,
    sampling: float | None = None,
    segment: Segment | None = None,
) -> ReportQuery:
    """A validated :class:`ReportQuery`; raises :class:`ReportError` naming the bad field.

    Without an explicit order, rows come by the first metric, descending, unless the
    first dimension is time (then in time order).
    """
    _check(metrics, METRICS, "metric")
    _check(dimensions, DIMENSIONS, "dimension", properties=True)
    for i, f in enumerate(filters):
        _check([f.field], FILTERABLE, "filter dimension", properties=True)
        check_filter(f, f"filters[{i}]")
    requested = {*metrics, *dimensions}
    for name, _ in order_by:
        if name not in requested:
            raise ReportError(f"order_by field {name!r} must be a requested metric or dimension")
    if end < start:
        raise ReportError("date_range.end is before date_range.start")
    if sampling is not None and not 0 < sampling <= 1:
        raise ReportError("sampling is a share of visitors: more than 0, at most 1")
    order = list(order_by)
    first_is_time = (
        bool(dimensions)
        and dimensions[0] in DIMENSIONS
        and (DIMENSIONS[dimensions[0]].time is not None)
    )
    if not order and dimensions and not first_is_time:
        order = [(metrics[0], "desc")]
    return ReportQuery(
        tracking_id=tracking_id,
        timezone=timezone,
        start=start,
        end=end,
        metrics=tuple(metrics),
        dimensions=tuple(dimensions),
        filters=tuple(filters),
        order_by=tuple(order),
        limit=limit,
        offset=offset,
        sampling=sampling,
        segment=segment,
    )
