"""Rendering conditions on raw events and segments of visitors for either dialect.

Shared by the analyses (funnels, goals, segments, retention, experiments): every value is
bound through a :class:`Binder`; names come from the semantic layer only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from serving.conditions import TIME_FIELDS, EventCondition, Segment, SegmentCondition
from serving.planner import Plan
from serving.report_query import Filter, is_property
from serving.semantic import FILTER_OPS, PROPERTY_PREFIX, RAW_COLUMNS, RAW_ROWS, RAW_TIME
from serving.sql.dialect import Dialect, utc_bounds

__all__ = [
    "ORDER_TYPES",
    "Binder",
    "event_field_sql",
    "event_sql",
    "events_in_range",
    "filter_sql",
    "order_sql",
    "revenue_sql",
    "segment_sql",
    "split_at_utc_days",
]

#: Event types that are orders: their ``revenue_amount`` is revenue.
ORDER_TYPES = ("purchase", "transaction")


class Binder:
    """Binds values as named parameters (``<prefix><n>``) of one query."""

    def __init__(self, dialect: Dialect, params: dict[str, Any], prefix: str = "p") -> None:
        self.dialect = dialect
        self.params = params
        self.prefix = prefix

    def __call__(self, value: Any, sql_type: str) -> str:
        """The placeholder of ``value`` (``sql_type`` as :meth:`Dialect.param` takes it)."""
        name = f"{self.prefix}{len(self.params)}"
        while name in self.params:
            name += "_"
        self.params[name] = value
        return self.dialect.param(name, sql_type)

    def moment(self, moment: dt.datetime) -> str:
        """A UTC moment compared with ``event_at``."""
        return self(self.dialect.utc_time(moment), "DateTime")


def event_field_sql(field: str, bind: Binder, timezone: str | None = None) -> str:
    """A raw event's ``field`` as text: a dimension column, ``properties.<key>``, or (with
    the site's ``timezone``) its ``date``/``hour``/``week``/``month`` label."""
    if is_property(field):
        key = field[len(PROPERTY_PREFIX) :]
        return bind.dialect.property(key, bind(key, "String"))
    if field in TIME_FIELDS and timezone is not None:
        return bind.dialect.time_dimension(field, Plan("events"), bind(timezone, "String"))
    return f"coalesce({RAW_COLUMNS['events'].get(field, field)}, '(not set)')"


#: Ops true only for the values given: with none of ``_ANY_ABSENT`` among them, an
#: absent property may read as any text an engine finds cheapest.
_MATCHING = frozenset({"eq", "in"})
_ANY_ABSENT = frozenset({"", "(not set)"})


def filter_sql(f: Filter, bind: Binder, column: str | None = None) -> str:
    """``f`` over a raw event (or over ``column`` of another raw table), values bound."""
    takes = FILTER_OPS[f.op]
    if column is not None:
        expr = f"coalesce({column}, '(not set)')"
    elif is_property(f.field) and f.op in _MATCHING and _ANY_ABSENT.isdisjoint(f.values):
        key = f.field[len(PROPERTY_PREFIX) :]
        expr = bind.dialect.matched_property(key, bind(key, "String"))
    else:
        expr = event_field_sql(f.field, bind)
    if takes == "number":
        return bind.dialect.filter(
            f.op, bind.dialect.number(expr), bind(float(f.values[0]), "Number")
        )
    if takes == "many":
        return bind.dialect.filter(f.op, expr, bind(list(f.values), "Strings"))
    return bind.dialect.filter(f.op, expr, bind(f.values[0], "String"))


def event_sql(condition: EventCondition, bind: Binder) -> str:
    """True for a raw event that matches ``condition``."""
    parts = []
    if condition.event_type is not None:
        parts.append(f"event_type = {bind(condition.event_type, 'String')}")
    if condition.event_name is not None:
        parts.append(f"coalesce(event_name, '') = {bind(condition.event_name, 'String')}")
    parts += [filter_sql(f, bind) for f in condition.filters]
    return "(" + " AND ".join(parts or ["1 = 1"]) + ")"


def order_sql() -> str:
    """A raw event that is an order with revenue (the rows :func:`revenue_sql` is not
    0 on), on the columns alone."""
    types = ", ".join(f"'{t}'" for t in ORDER_TYPES)
    return f"(event_type IN ({types}) AND revenue_amount != 0)"


def revenue_sql() -> str:
    """A raw event's revenue: its amount when it is an order, else 0."""
    types = ", ".join(f"'{t}'" for t in ORDER_TYPES)
    return f"(CASE WHEN event_type IN ({types}) THEN coalesce(revenue_amount, 0) ELSE 0 END)"


def events_in_range(
    tracking_id: str,
    lo: dt.datetime,
    hi: dt.datetime,
    bind: Binder,
    people: bool = True,
    table: str = "events",
) -> str:
    """``WHERE`` terms: the site's rows of raw ``table`` (``events`` or ``sessions``, by
    their time column) from ``lo`` (inclusive) to ``hi`` (exclusive), pruned by their
    UTC date partitions; ``people``: the rows reports count (no bots, no engagement
    records)."""
    time_col, date_col = RAW_TIME[table]
    terms = [f"tracking_id = {bind(tracking_id, 'String')}"]
    if people:
        terms.append(RAW_ROWS[table])
    one = dt.timedelta(days=1)
    if lo.time() == hi.time() == dt.time():
        # whole UTC days (a UTC site's ranges): the date partition column alone, exact
        # (it is the UTC date of the time column) and far cheaper than reading times
        terms.append(
            f"{date_col} BETWEEN {bind(lo.date(), 'Date')} AND {bind(hi.date() - one, 'Date')}"
        )
        return " AND ".join(terms)
    terms.append(
        f"{date_col} BETWEEN {bind(lo.date() - one, 'Date')} AND {bind(hi.date() + one, 'Date')}"
    )
    terms.append(f"{time_col} >= {bind.moment(lo)} AND {time_col} < {bind.moment(hi)}")
    return " AND ".join(terms)


def split_at_utc_days(lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """``lo``..``hi`` (``hi`` exclusive) as the cut day at its start, the whole UTC days
    inside it and the cut day at its end (the empty parts left out): each part is one
    :func:`events_in_range`, the whole days by their date partition alone."""

    def midnight(moment: dt.datetime, after: bool) -> dt.datetime:
        day = moment.date() + dt.timedelta(days=int(after and moment.time() != dt.time()))
        return dt.datetime.combine(day, dt.time(), dt.UTC)

    start, end = midnight(lo, after=True), midnight(hi, after=False)
    if start >= end:
        return [(lo, hi)]
    return [(a, b) for a, b in ((lo, start), (start, end), (end, hi)) if a < b]


def _condition_sql(
    condition: SegmentCondition, tracking_id: str, timezone: str, bind: Binder
) -> str:
    if condition.kind == "event":
        assert condition.event is not None
        count = f"sum(CASE WHEN {event_sql(condition.event, bind)} THEN 1 ELSE 0 END)"
        terms = [f"{count} >= {bind(condition.min_times, 'Count')}"]
        if condition.max_times is not None:
            terms.append(f"{count} <= {bind(condition.max_times, 'Count')}")
        return "(" + " AND ".join(terms) + ")"
    if condition.kind == "revenue":
        return f"(sum({revenue_sql()}) > {bind(condition.amount, 'Number')})"
    assert condition.day is not None
    before = condition.kind == "first_seen_before"
    day = condition.day if before else condition.day + dt.timedelta(days=1)
    start, _ = utc_bounds(day, day, timezone)
    compare = "<" if before else ">="
    return (
        f"(client_id IN (SELECT client_id FROM events WHERE tracking_id = "
        f"{bind(tracking_id, 'String')} AND {RAW_ROWS['events']} GROUP BY client_id "
        f"HAVING min(event_at) {compare} {bind.moment(start)}))"
    )


def segment_sql(
    segment: Segment,
    tracking_id: str,
    timezone: str,
    lo: dt.datetime,
    hi: dt.datetime,
    bind: Binder,
) -> str:
    """``client_id IN (…)``: the visitors of ``segment`` among those with an event from
    ``lo`` to ``hi`` (the request's range)."""
    joiner = " AND " if segment.match == "all" else " OR "
    having = joiner.join(_condition_sql(c, tracking_id, timezone, bind) for c in segment.conditions)
    return (
        f"client_id IN (SELECT client_id FROM events WHERE "
        f"{events_in_range(tracking_id, lo, hi, bind)} GROUP BY client_id HAVING {having})"
    )
