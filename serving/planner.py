"""Which tier and table answer a report (and nothing else: dialects write the SQL).

Table: the smallest that holds every field and measure: a cube (day totals, hour
totals, day × channel/source/medium/campaign, day × country/device/browser/os, day ×
page), else the rollup of the same grain; anything
else — custom properties, event names and types, entry/exit pages, referrers, regions
and cities — goes to the raw ``events`` or ``sessions`` table that has it.  Tier: a
range inside the hot window (``STRATA_HOT_WINDOW_DAYS``) is answered by ClickHouse;
any range reaching further back is answered whole by DuckDB over the lake, which holds
every day — so a range spanning both tiers is merged on one engine, never by adding
distinct counts from two.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from lake.transforms import CUBES
from serving.report_query import ReportError, ReportQuery, is_property
from serving.semantic import (
    DIMENSIONS,
    MEASURES,
    METRICS,
    RAW_COLUMNS,
    RAW_DIMENSIONS,
    RAW_MEASURES,
    RAW_TIME,
)

__all__ = [
    "SAMPLE_SPACE",
    "Plan",
    "Tier",
    "plan_report",
    "rows_are_groups",
    "steady_offset",
    "tier_of",
]

Tier = Literal["hot", "cold"]

#: Visitors are sampled by the first 32 bits of the MD5 of their client id (the same on
#: both engines): a sample keeps those below ``sample_below`` out of this many.
SAMPLE_SPACE = 2**32


@dataclass(frozen=True)
class Plan:
    """The tier and table that answer a report, and how its rows are keyed in time."""

    table: str  # a rollup, a cube (``lake.transforms.CUBES``), ``events`` or ``sessions``
    tier: Tier = "hot"
    sample_below: int | None = None  # sampled: visitors whose hash is below this
    #: Each answer row is one row of the cube (it is grouped by every key of the cube):
    #: a row's visitors need no merging with others' (:func:`rows_are_groups`).
    rows_are_groups: bool = False
    #: The site's zone keeps one UTC offset over the range, so each local hour is one
    #: hour-long span of UTC time: raw rows may be grouped by the instant their local
    #: hour starts (a number) rather than by its label (:func:`steady_offset`).
    hours_are_spans: bool = False

    @property
    def sample_factor(self) -> float:
        """What counts over the sample are multiplied by (1 when not sampled)."""
        return SAMPLE_SPACE / self.sample_below if self.sample_below else 1.0

    @property
    def is_raw(self) -> bool:
        """True for the raw ``events``/``sessions`` tables (one row per event/session)."""
        return self.table in RAW_TIME

    @property
    def time_grain(self) -> Literal["date", "hour", "moment"]:
        """``date``: rows are site-local days; ``hour``: UTC hours; ``moment``: raw rows
        with their own UTC time (``time_column``)."""
        if self.is_raw:
            return "moment"
        return "hour" if self.is_hourly else "date"

    @property
    def is_hourly(self) -> bool:
        """True for the aggregates keyed by UTC hour (``rollup_hourly``, hourly cubes)."""
        cube = CUBES.get(self.table)
        return self.table == "rollup_hourly" or (cube is not None and not cube.daily)

    @property
    def time_column(self) -> str:
        """The column a row's time is in (``date``, ``hour``, ``event_at``, ``started_at``)."""
        if self.is_raw:
            return RAW_TIME[self.table][0]
        return self.time_grain


def _fields(query: ReportQuery) -> list[str]:
    dims = [d for d in query.dimensions if is_property(d) or DIMENSIONS[d].time is None]
    return dims + [f.field for f in query.filters if f.field not in dims]


def _measures_of(metric: str) -> set[str]:
    """The measures one metric needs (its numerator, and denominator if a ratio)."""
    found = METRICS[metric]
    return {found.numerator, found.denominator or found.numerator}


def _measures(query: ReportQuery) -> set[str]:
    return set().union(*(_measures_of(m) for m in query.metrics))


def _has(table: str, field: str) -> bool:
    """Raw ``table`` groups by ``field`` (custom properties live on events)."""
    return (is_property(field) and table == "events") or field in RAW_COLUMNS[table]


def _raw_table(query: ReportQuery, fields: list[str], measures: set[str]) -> str:
    """The raw table that has every field and measure, or a 400 naming what clashes."""
    for table in ("events", "sessions"):
        if all(_has(table, f) for f in fields) and measures <= RAW_MEASURES[table].keys():
            return table
    raw = [f for f in fields if is_property(f) or f in RAW_DIMENSIONS]
    table = next((t for t in ("events", "sessions") if all(_has(t, f) for f in raw)), None)
    if table is None:
        raise ReportError(
            f"{', '.join(map(repr, raw))} cannot be combined: some are event attributes "
            "(event_type, event_name, region, city, properties.<key>), others session "
            "attributes (entry_page, exit_page, referrer_host)"
        )
    # every rollup dimension is on both raw tables: only the measures can be missing
    available = RAW_MEASURES[table].keys()
    answerable = [m for m in METRICS if _measures_of(m) <= available]
    missing = [m for m in query.metrics if not _measures_of(m) <= available]
    reason = ", ".join(map(repr, raw)) if raw else "a segment (it is answered from raw rows)"
    raise ReportError(
        f"metric {', '.join(map(repr, missing))} is not available with "
        f"{reason} ({table} answer: {', '.join(answerable)})"
    )


def tier_of(query: ReportQuery, hot_from: dt.date | None = None) -> Tier:
    """``hot`` when the range starts on or after ``hot_from`` (or no window is given: one
    engine answers everything), else ``cold``."""
    return "hot" if hot_from is None or query.start >= hot_from else "cold"


def plan_report(
    query: ReportQuery,
    tier: Tier = "hot",
    cubes: Collection[str] = frozenset(CUBES),
    raw_only: bool = False,
) -> Plan:
    """The table on ``tier`` (smallest that has every field and measure) among what the
    tier's engine holds: ``cubes`` are the cubes it can read now (a hot tier before a
    load has built a new cube whole lacks it; its rollup holds everything it does).

    Hourly questions on the aggregates go to an hourly table (UTC hours, shown in the
    site's zone); other questions to a daily one (already in the site's zone).  Among
    those, the first cube (smallest first) keeping every field answers, else the rollup.
    ``raw_only`` skips the aggregates (``bench/query.py`` compares the raw tables' speed).
    """
    fields, measures = _fields(query), _measures(query)
    if (
        not raw_only
        and query.segment is None  # a segment is a set of visitors: raw rows only
        and all(f in DIMENSIONS and f not in RAW_DIMENSIONS for f in fields)
        and all(m in MEASURES for m in measures)
    ):
        hourly = any(d in DIMENSIONS and DIMENSIONS[d].time == "hour" for d in query.dimensions)
        rollup = "rollup_hourly" if hourly else "rollup_daily"
        for name, cube in CUBES.items():
            if cube.rollup == rollup and name in cubes and set(fields) <= set(cube.dimensions):
                return Plan(name, tier, rows_are_groups=rows_are_groups(query, name))
        return Plan(rollup, tier)
    sample = None
    if query.sampling is not None and query.sampling < 1:  # only raw rows are worth sampling
        sample = min(max(1, round(query.sampling * SAMPLE_SPACE)), SAMPLE_SPACE - 1)
    hourly = any(d in DIMENSIONS and DIMENSIONS[d].time == "hour" for d in query.dimensions)
    table = _raw_table(query, fields, measures)
    return Plan(table, tier, sample, hours_are_spans=hourly and steady_offset(query))


def rows_are_groups(query: ReportQuery, cube_name: str) -> bool:
    """True when every answer row of ``query`` on cube ``cube_name`` is exactly one cube
    row: it groups by all the cube's dimensions and by the cube's own time grain (the
    site-local ``date`` of a daily cube; the ``hour`` of an hourly one, when the site's
    zone keeps one UTC offset over the range, so no local hour holds two UTC hours)."""
    cube = CUBES[cube_name]
    dims = set(query.dimensions)
    if not set(cube.dimensions) <= dims or ("date" if cube.daily else "hour") not in dims:
        return False
    return cube.daily or steady_offset(query)


def steady_offset(query: ReportQuery) -> bool:
    """True when the site's zone keeps one UTC offset from the day before the range to
    the day after it (no daylight-saving change: no local hour holds two UTC hours)."""
    zone = zoneinfo.ZoneInfo(query.timezone)
    day, last = query.start - dt.timedelta(days=1), query.end + dt.timedelta(days=1)
    offset = dt.datetime.combine(day, dt.time(), zone).utcoffset()
    while day <= last:
        for moment in (dt.time(), dt.time(12)):
            if dt.datetime.combine(day, moment, zone).utcoffset() != offset:
                return False
        day += dt.timedelta(days=1)
    return True
