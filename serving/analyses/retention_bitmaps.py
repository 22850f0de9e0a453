"""Retention on ClickHouse from the daily cube's visitor bitmaps, without a row per visitor.

For a grid that needs only who was active on which day (see
:func:`serving.analyses.retention.reads_visitor_days`) counted ``on`` period N, every
number is a bitmap operation over ``cube_daily_totals``' day bitmaps (exact visitor
numbers):

* a day's *newcomers* are its visitors minus everyone seen on an earlier day (a running
  union over the days, as a window);
* a ``first_time`` cohort is the union of its period's newcomers on the range's days (a
  ``recurring`` one, of its period's visitors on those days);
* period N's active visitors are the union of its days' visitors from the range's start
  on, and ``counts[N]`` is the size of the cohort's intersection with them; a period
  with no newcomers is no cohort.

The result has the rows :func:`serving.analyses.retention.render_retention` returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from serving.sql.conditions import Binder
from serving.sql.dialect import RenderedQuery

__all__ = ["render_bitmap_retention"]


def render_bitmap_retention(
    cohort_type: str,
    periods: int,
    period_of: Callable[[str], str],
    tracking_id: str,
    start: dt.date,
    end: dt.date,
    bind: Binder,
) -> RenderedQuery:
    """Rows ``(cohort, b, n, visitors)`` for cohorts starting ``start``..``end``;
    ``period_of`` renders the period number of a date column."""
    params: dict[str, Any] = bind.params
    first, last = bind(start, "Date"), bind(end, "Date")
    days = (
        f"SELECT date, groupBitmapMergeState(users) AS b FROM cube_daily_totals "
        f"WHERE tracking_id = {bind(tracking_id, 'String')} GROUP BY date"
    )
    if cohort_type == "first_time":
        earlier = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        members = (
            f"SELECT date, bitmapAndnot(b, groupBitmapOrState(b) OVER (ORDER BY date {earlier})) "
            f"AS b FROM days"
        )
    else:
        members = "SELECT date, b FROM days"
    sql = (
        f"WITH days AS ({days}), members AS ({members}), "
        f"c AS (SELECT {period_of('date')} AS cohort, groupBitmapOrState(b) AS b FROM members "
        f"WHERE date BETWEEN {first} AND {last} GROUP BY cohort), "
        f"a AS (SELECT {period_of('date')} AS p, groupBitmapOrState(b) AS b FROM days "
        f"WHERE date >= {first} GROUP BY p) "
        f"SELECT c.cohort AS cohort, '' AS b, CAST(a.p - c.cohort AS Int64) AS n, "
        f"bitmapAndCardinality(c.b, a.b) AS visitors FROM c CROSS JOIN a "
        f"WHERE a.p >= c.cohort AND a.p <= c.cohort + {bind(periods, 'Count')} "
        f"AND bitmapCardinality(c.b) > 0"
    )
    return RenderedQuery(sql, params)
