"""What differs between engines when rendering SQL (:class:`Dialect`), the rendered
query, and the UTC bounds of a range of site-local days."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Protocol

from serving.planner import Plan
from serving.semantic import Measure

__all__ = ["Dialect", "RenderedQuery", "utc_bounds"]


@dataclass(frozen=True)
class RenderedQuery:
    """SQL text with named parameters, for one backend."""

    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


class Dialect(Protocol):
    """What differs between engines when rendering a report."""

    name: str

    def param(self, name: str, sql_type: str) -> str:
        """A bound parameter (``sql_type``: String, Date, DateTime, Strings, Count, Number)."""
        ...

    def property(self, key: str, key_param: str) -> str:
        """The text of custom property ``key`` (bound as ``key_param``) of a raw event
        (``(not set)`` if absent).  ``key`` itself only chooses among the engine's own
        columns (it never becomes SQL)."""
        ...

    def matched_property(self, key: str, key_param: str) -> str:
        """Custom property ``key`` (bound as ``key_param``) for an ``eq``/``in`` against
        values that are neither empty nor ``(not set)``: an absent property may read as
        any text that is none of those (so the engine can skip its presence check)."""
        ...

    def number(self, expr: str) -> str:
        """``expr`` (text) as a float, NULL when it is not a number."""
        ...

    def client_hash(self) -> str:
        """The first 32 bits of MD5(client_id) as 8 lower-case hex digits (sampling)."""
        ...

    def measure(self, measure: Measure, spread: bool, table: str) -> str:
        """The aggregate of one measure over the selected rows of aggregate ``table``
        (``spread``: the rows come from :meth:`aggregate_source` with ``visitors`` true)."""
        ...

    def raw_visitors(self, plan: Plan) -> str:
        """Distinct visitors (``client_id``) over the rows of raw table ``plan.table``."""
        ...

    def row_visitors(self, table: str) -> str:
        """The visitors of the one row of cube ``table`` in each group (the plan says
        :attr:`Plan.rows_are_groups`): no merging across rows."""
        ...

    def aggregate_source(self, table: str, visitors: bool) -> str:
        """What a report on cube/rollup ``table`` selects from; ``visitors`` says it
        counts distinct visitors (an engine may lay the lists out for that)."""
        ...

    def ratio(self, numerator: str, denominator: str) -> str:
        """``numerator / denominator`` as a float, 0 when the denominator is 0."""
        ...

    def time_dimension(self, grain: str, plan: Plan, tz_param: str) -> str:
        """The ``date``/``hour``/``week``/``month`` label of a row, site's zone, as text."""
        ...

    def time_group(self, grain: str, plan: Plan, tz_param: str) -> str | None:
        """What rows are grouped by for time dimension ``grain`` when not by its label
        (the label then being a function of it), or None."""
        ...

    def filter(self, op: str, expr: str, param: str) -> str:
        """``expr`` satisfies filter ``op`` (see ``FILTER_OPS``) with the bound ``param``."""
        ...

    def total_rows(self) -> str:
        """The number of result groups before the limit (a window count)."""
        ...

    def visitor_pairs(self, plan: Plan, dimensions: tuple[str, ...]) -> str | None:
        """A visitor key to group raw rows by first (answer row × visitor), so each
        row's visitors are counted as its pairs, when the engine does that faster than
        a distinct count per row; None to count distinct visitors directly."""
        ...

    def local_date(self, column: str, tz_param: str) -> str:
        """The site-local date (a DATE) of UTC timestamp ``column``."""
        ...

    def day_number(self, date: str) -> str:
        """Days from 1970-01-01 to ``date`` (an integer)."""
        ...

    def month_number(self, date: str) -> str:
        """``year * 12 + month - 1`` of ``date`` (an integer)."""
        ...

    def arg_min(self, value: str, by: str) -> str:
        """The ``value`` of the row with the least ``by`` in each group."""
        ...

    def epoch_us(self, column: str) -> str:
        """Microseconds since 1970 of timestamp ``column`` (an integer)."""
        ...

    def utc_time(self, moment: dt.datetime) -> Any:
        """A UTC moment as this engine's driver binds it against the hourly time column."""
        ...

    def visitor_key(self) -> str:
        """The raw ``events`` column an analysis groups a visitor's rows by (one value
        per client id, the cheapest the engine holds)."""
        ...

    def coded_text(self, expr: str) -> str:
        """Text ``expr`` sent as a dictionary of its values and small codes where the
        engine can (a column of millions of rows and few values: cheaper to ship, sort
        and compare; see ``Backend.frame``'s ``categorical``)."""
        ...

    def timed_values(self, moment: str, value: str, condition: str) -> str:
        """An aggregate: the group's ``(moment, value)`` pairs of rows matching
        ``condition``, kept for :meth:`sum_since`."""
        ...

    def sum_since(self, pairs: str, start: str) -> str:
        """The sum of the values of :meth:`timed_values` ``pairs`` whose moment is at or
        after ``start`` (0 when none)."""
        ...

    def visitor_days(self, tracking_id_param: str, before_param: str, end_param: str | None) -> str:
        """A query of rows ``(v, day)``: each visitor active on each site-local day up to
        ``end`` in ``cube_daily_totals`` (its visitors are the raw events' people); days
        before ``before`` may be folded into one earlier day."""
        ...


def utc_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments where local day ``start`` begins and local day ``end`` ends."""
    zone = zoneinfo.ZoneInfo(tz)
    lo = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return lo, hi
