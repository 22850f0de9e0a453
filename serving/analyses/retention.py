"""Cohort retention: of the visitors who started in a period, how many came back N
periods later.

Periods are site-local days, weeks (starting Monday or Sunday) or calendar months, so
a daylight-saving change never moves an event into another period.  ``first_time``
cohorts (the default) hold each visitor once, in the period of their first event ever
in the data the answering tier holds (or first event matching ``cohort_event``), for
first events inside the date range; ``recurring`` cohorts hold a visitor in every
period of the range they were active in.  ``counts[N]`` is the cohort's visitors with
an event (or one matching ``return_event``) in period N after the cohort's (``on``), or
in period N or any later one (``on_or_after``).  Period N is listed once it has begun
and flagged ``complete`` once it is over (site's today); a period still to come is
never shown as a zero.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from serving.analyses.retention_bitmaps import render_bitmap_retention
from serving.analyses.tiers import analysis_backend
from serving.backends import Backend, Tiers
from serving.conditions import EventCondition, Segment
from serving.semantic import RAW_ROWS
from serving.sql.conditions import Binder, event_field_sql, event_sql, segment_sql
from serving.sql.dialect import Dialect, RenderedQuery, utc_bounds

__all__ = [
    "RetentionSpec",
    "period_start",
    "reads_visitor_days",
    "render_retention",
    "run_retention",
]

_EPOCH = dt.date(1970, 1, 1)
#: Days added before dividing day numbers by 7: 1970-01-01 was a Thursday.
_WEEK_SHIFT = {"monday": 3, "sunday": 4}


@dataclass(frozen=True)
class RetentionSpec:
    """A validated retention request."""

    period: str = "week"  # day | week | month
    periods: int = 8
    week_start: str = "monday"
    cohort_type: str = "first_time"  # first_time | recurring
    counting: str = "on"  # on | on_or_after
    cohort_event: EventCondition | None = None
    return_event: EventCondition | None = None
    breakdown_by: str | None = None
    segment: Segment | None = None


def _period_sql(spec: RetentionSpec, dialect: Dialect, day: str) -> str:
    """The period number of site-local date ``day``."""
    if spec.period == "month":
        return dialect.month_number(day)
    number = dialect.day_number(day)
    if spec.period == "day":
        return number
    return f"CAST(floor(({number} + {_WEEK_SHIFT[spec.week_start]}) / 7) AS BIGINT)"


def reads_visitor_days(spec: RetentionSpec) -> bool:
    """True when the grid needs only who was active on which day (no event conditions,
    breakdown or segment): the daily cube's visitors answer it, far fewer rows than
    the raw events."""
    return (
        spec.cohort_event is None
        and spec.return_event is None
        and spec.breakdown_by is None
        and spec.segment is None
    )


def period_start(spec: RetentionSpec, number: int) -> dt.date:
    """The first day of period ``number`` (as :func:`render_retention` numbers them)."""
    if spec.period == "month":
        year, month = divmod(number, 12)
        return dt.date(year, month + 1, 1)
    if spec.period == "day":
        return _EPOCH + dt.timedelta(days=number)
    return _EPOCH + dt.timedelta(days=number * 7 - _WEEK_SHIFT[spec.week_start])


def period_of(spec: RetentionSpec, day: dt.date) -> int:
    """The number of the period holding ``day``."""
    if spec.period == "month":
        return day.year * 12 + day.month - 1
    days = (day - _EPOCH).days
    return days if spec.period == "day" else (days + _WEEK_SHIFT[spec.week_start]) // 7


def render_retention(
    spec: RetentionSpec, tracking_id: str, timezone: str, start: dt.date, end: dt.date,
    dialect: Dialect, visitor_days: bool = False,
) -> RenderedQuery:  # fmt: skip
    """Rows ``(cohort, b, n, visitors)``: the visitors active in period ``cohort + n``
    (``on``), or whose last active period is ``cohort + n`` (``on_or_after``, capped at
    ``periods``: summed from the top later); with a ``return_event``, also ``n = -1``,
    the cohort's size (without one, every member is active in period 0, so the size is
    that count, and the cohorts are read once).  ``visitor_days``: read the daily cube's
    visitors per day instead of the raw events (see :func:`reads_visitor_days`)."""
    params: dict[str, Any] = {}
    bind = Binder(dialect, params)
    if visitor_days and dialect.name == "clickhouse" and spec.counting == "on":
        return render_bitmap_retention(
            spec.cohort_type,
            spec.periods,
            lambda day: _period_sql(spec, dialect, day),
            tracking_id,
            start,
            end,
            bind,
        )
    if visitor_days:
        cohorts, active = _from_visitor_days(spec, tracking_id, start, end, bind)
    else:
        cohorts, active = _from_events(spec, tracking_id, timezone, start, end, bind)
    periods = bind(spec.periods, "Count")
    if spec.counting == "on_or_after":
        active = f"SELECT v, max(p) AS p FROM ({active}) AS x GROUP BY v"
        n = f"least(a.p - c.cohort, {periods})"
        within = "a.p >= c.cohort"
    else:
        n = "a.p - c.cohort"
        within = f"a.p >= c.cohort AND a.p <= c.cohort + {periods}"
    sql = (
        f"SELECT c.cohort AS cohort, c.b AS b, CAST({n} AS BIGINT) AS n, count(*) AS visitors "
        f"FROM ({cohorts}) AS c INNER JOIN ({active}) AS a ON a.v = c.v "
        f"WHERE {within} GROUP BY c.cohort, c.b, CAST({n} AS BIGINT)"
    )
    if spec.return_event is not None:  # not every member is active in period 0: count them
        sql = (
            f"SELECT cohort, b, CAST(-1 AS BIGINT) AS n, count(*) AS visitors FROM "
            f"({cohorts}) AS c GROUP BY cohort, b UNION ALL {sql}"
        )
    return RenderedQuery(sql, params)


def _from_events(
    spec: RetentionSpec, tracking_id: str, timezone: str, start: dt.date, end: dt.date,
    bind: Binder,
) -> tuple[str, str]:  # fmt: skip
    """Cohort rows ``(v, cohort, b)`` and activity rows ``(v, p)`` from the raw events."""
    dialect = bind.dialect
    tz = bind(timezone, "String")
    lo, hi = utc_bounds(start, end, timezone)
    site = f"tracking_id = {bind(tracking_id, 'String')} AND {RAW_ROWS['events']}"
    segment = (
        f" AND {segment_sql(spec.segment, tracking_id, timezone, lo, hi, bind)}"
        if spec.segment is not None
        else ""
    )
    period = _period_sql(spec, dialect, dialect.local_date("event_at", tz))
    value = event_field_sql(spec.breakdown_by, bind, timezone) if spec.breakdown_by else "''"
    joins_on = f" AND {event_sql(spec.cohort_event, bind)}" if spec.cohort_event else ""
    since, until = bind.moment(lo), bind.moment(hi)
    key = dialect.visitor_key()
    if spec.cohort_type == "first_time":
        cohorts = (
            f"SELECT {key} AS v, min({period}) AS cohort, "
            f"{dialect.arg_min(value, 'event_at')} AS b FROM events "
            f"WHERE {site}{joins_on}{segment} AND event_at < {until} "
            f"GROUP BY {key} HAVING min(event_at) >= {since}"
        )
    else:
        cohorts = (
            f"SELECT {key} AS v, {period} AS cohort, {dialect.arg_min(value, 'event_at')} AS b "
            f"FROM events WHERE {site}{joins_on}{segment} AND event_at >= {since} "
            f"AND event_at < {until} GROUP BY {key}, cohort"
        )
    returns_on = f" AND {event_sql(spec.return_event, bind)}" if spec.return_event else ""
    active = (
        f"SELECT {key} AS v, {period} AS p FROM events WHERE {site}{returns_on}{segment} "
        f"AND event_at >= {since} GROUP BY {key}, p"
    )
    return cohorts, active


def _from_visitor_days(
    spec: RetentionSpec, tracking_id: str, start: dt.date, end: dt.date, bind: Binder
) -> tuple[str, str]:
    """Cohort rows ``(v, cohort, b)`` and activity rows ``(v, p)`` from the visitors of
    each site-local day in ``cube_daily_totals`` (the same people as the raw events)."""
    dialect = bind.dialect
    site, first, last = bind(tracking_id, "String"), bind(start, "Date"), bind(end, "Date")
    period = _period_sql(spec, dialect, "day")
    if spec.cohort_type == "first_time":
        cohorts = (
            f"SELECT v, min({period}) AS cohort, '' AS b "
            f"FROM ({dialect.visitor_days(site, first, last)}) AS d "
            f"GROUP BY v HAVING min(day) >= {first}"
        )
    else:
        cohorts = (
            f"SELECT v, {period} AS cohort, '' AS b "
            f"FROM ({dialect.visitor_days(site, first, last)}) AS d "
            f"WHERE day >= {first} GROUP BY v, cohort"
        )
    active = (
        f"SELECT v, {period} AS p FROM ({dialect.visitor_days(site, first, None)}) AS d "
        f"WHERE day >= {first} GROUP BY v, p"
    )
    return cohorts, active


def _grid(
    spec: RetentionSpec, rows: list[tuple[int, int, int]], today: dt.date
) -> list[dict[str, Any]]:
    """Cohort rows from ``(cohort, n, visitors)``: sizes, counts, rates, complete flags."""
    sizes: dict[int, int] = {}
    found: dict[tuple[int, int], int] = {}
    for cohort, n, visitors in rows:
        if n < 0:
            sizes[cohort] = sizes.get(cohort, 0) + visitors
        else:
            found[(cohort, n)] = found.get((cohort, n), 0) + visitors
    now = period_of(spec, today)
    cohorts = []
    for cohort in sorted(sizes or {c for c, _ in found}):
        shown = max(0, min(spec.periods, now - cohort) + 1)
        counts = [found.get((cohort, n), 0) for n in range(spec.periods + 1)]
        if spec.counting == "on_or_after":  # each visitor counted up to their last period
            for n in range(spec.periods - 1, -1, -1):
                counts[n] += counts[n + 1]
        size = sizes.get(cohort, counts[0])  # without a size row: period 0's count
        counts = counts[:shown]
        cohorts.append(
            {
                "cohort": period_start(spec, cohort).isoformat(),
                "size": size,
                "counts": counts,
                "rates": [round(c / size, 12) if size else 0.0 for c in counts],
                "complete": [cohort + n < now for n in range(len(counts))],
            }
        )
    return cohorts


def _of(rows: list[tuple[int, str, int, int]], value: str) -> list[tuple[int, int, int]]:
    return [(c, n, x) for c, b, n, x in rows if b == value]


def run_retention(
    spec: RetentionSpec,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    backend: Backend | Tiers,
    today: dt.date,
) -> dict[str, Any]:
    """The retention grid over cohorts starting ``start``..``end`` (``today``: the site's
    date now, which decides which periods are over)."""
    engine, tier = analysis_backend(backend, start)
    started = time.perf_counter()
    from_cube = reads_visitor_days(spec) and "cube_daily_totals" in engine.cubes()
    result = engine.run(
        render_retention(spec, tracking_id, timezone, start, end, engine.dialect, from_cube)
    )
    rows = [(int(c), str(b), int(n), int(v)) for c, b, n, v in result.rows]
    answer: dict[str, Any] = {
        "cohorts": _grid(spec, [(c, n, v) for c, _, n, v in rows], today),
    }
    if spec.breakdown_by is not None:
        values = sorted({b for _, b, _, _ in rows})
        breakdown = [
            {
                "value": v,
                "cohorts": _grid(spec, [(c, n, x) for c, b, n, x in rows if b == v], today),
            }
            for v in values
        ]
        answer["breakdown"] = sorted(
            breakdown, key=lambda g: (-sum(c["size"] for c in g["cohorts"]), g["value"])
        )
    answer.update(
        source=f"{engine.source}.{'cube_daily_totals' if from_cube else 'events'}",
        tier=tier,
        execution_time_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return answer
