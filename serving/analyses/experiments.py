"""A/B experiments: exposures, conversions and revenue per variant, and whether the
differences are likely to be chance.

A visitor is *exposed* to a variant when any of their events (in the range) carries the
experiment's id and that variant; their first such event is their *exposure*.  They
*convert* when they have a goal event at or after it (in the range), and their revenue
is that of their orders (purchases, transactions) at or after it.  Visitors seen in
several variants are left out (``multiple="exclude"``, the default) or kept in the
first variant they saw (``multiple="first"``), and counted either way.  The statistics
live in :mod:`serving.analyses.experiment_stats`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from serving.analyses.experiment_stats import VariantTotals, compare_variants
from serving.analyses.tiers import analysis_backend
from serving.backends import Backend, Tiers
from serving.conditions import EventCondition, Segment
from serving.sql.conditions import Binder, event_sql, events_in_range, revenue_sql, segment_sql
from serving.sql.dialect import Dialect, RenderedQuery, utc_bounds

__all__ = ["list_experiments", "render_experiment", "run_experiment"]


def render_experiment(
    experiment_id: str,
    goal: EventCondition,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    dialect: Dialect,
    segment: Segment | None = None,
) -> RenderedQuery:
    """Rows ``(variant, mixed, visitors, conversions, cents, cents_squares)`` per first
    variant seen and whether the visitor saw several: revenue is summed in whole cents,
    so both engines add exactly the same numbers in any order.

    One pass over the range's exposures, goal events and orders, grouped by visitor:
    the first exposure, the latest goal event (the visitor converted when it is at or
    after the exposure) and the orders' moments and cents (summed from the exposure on).
    """
    params: dict[str, Any] = {}
    bind = Binder(dialect, params)
    lo, hi = utc_bounds(start, end, timezone)
    where = events_in_range(tracking_id, lo, hi, bind)
    if segment is not None:  # a condition on the visitor: narrows who is exposed
        where += " AND " + segment_sql(segment, tracking_id, timezone, lo, hi, bind)
    exposure = (
        f"(experiment_id = {bind(experiment_id, 'String')} AND experiment_variant IS NOT NULL)"
    )
    goal_sql = event_sql(goal, bind)
    cents = f"CAST(round({revenue_sql()} * 100) AS BIGINT)"
    order = f"{revenue_sql()} != 0"
    exposed_at = f"CASE WHEN {exposure} THEN event_at END"
    exposed_variant = f"CASE WHEN {exposure} THEN experiment_variant END"
    visitors = (
        f"SELECT min({exposed_at}) AS first_at, "
        f"{dialect.arg_min(exposed_variant, exposed_at)} "
        f"AS variant, min({exposed_variant}) != max({exposed_variant}) AS mixed, "
        f"max(CASE WHEN {goal_sql} THEN event_at END) AS last_goal, "
        f"{dialect.timed_values('event_at', cents, order)} AS orders FROM events "
        f"WHERE {where} AND ({exposure} OR {goal_sql} OR {order}) "
        f"GROUP BY {dialect.visitor_key()}"
    )
    outcomes = (
        f"SELECT variant, CASE WHEN mixed THEN 1 ELSE 0 END AS several, "
        f"CASE WHEN last_goal >= first_at THEN 1 ELSE 0 END AS converted, "
        f"{dialect.sum_since('orders', 'first_at')} AS spent "
        f"FROM ({visitors}) AS x WHERE first_at IS NOT NULL"
    )
    sql = (
        f"SELECT variant, several, count(*) AS visitors, sum(converted) AS conversions, "
        f"sum(spent) AS cents, sum(spent * spent) AS cents_squares "
        f"FROM ({outcomes}) AS o GROUP BY variant, several"
    )
    return RenderedQuery(sql, params)


def run_experiment(
    experiment_id: str,
    goal: EventCondition,
    goal_label: dict[str, Any],
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    backend: Backend | Tiers,
    control: str | None = None,
    multiple: str = "exclude",
    segment: Segment | None = None,
) -> dict[str, Any] | None:
    """The experiment's answer, or None when nobody was exposed in the range.  Raises
    ``KeyError`` naming ``control`` when no visitor saw that variant."""
    engine, tier = analysis_backend(backend, start)
    started = time.perf_counter()
    rendered = render_experiment(
        experiment_id, goal, tracking_id, timezone, start, end, engine.dialect, segment
    )
    totals: dict[str, VariantTotals] = {}
    excluded = 0
    for variant, mixed, visitors, conversions, cents, squares in engine.run(rendered).rows:
        if mixed:
            excluded += int(visitors)
            if multiple == "exclude":
                continue
        found = totals.setdefault(str(variant), VariantTotals(str(variant)))
        found.add(int(visitors), int(conversions or 0), int(cents or 0), int(squares or 0))
    if not totals:
        return None
    answer = compare_variants(list(totals.values()), control)
    return {
        "experiment_id": experiment_id,
        "goal": goal_label,
        "multiple_variants": multiple,
        "excluded_visitors": excluded if multiple == "exclude" else 0,
        "visitors_in_several_variants": excluded,
        **answer,
        "source": f"{engine.source}.events",
        "tier": tier,
        "execution_time_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def list_experiments(
    tracking_id: str, timezone: str, start: dt.date, end: dt.date, backend: Backend | Tiers
) -> list[dict[str, Any]]:
    """The experiments seen in the range: id, variants, exposed visitors, first and last
    day seen (site time zone)."""
    engine, _ = analysis_backend(backend, start)
    params: dict[str, Any] = {}
    bind = Binder(engine.dialect, params)
    lo, hi = utc_bounds(start, end, timezone)
    tz = bind(timezone, "String")
    day = engine.dialect.local_date("event_at", tz)
    sql = (
        f"SELECT experiment_id, experiment_variant, count(DISTINCT client_id) AS visitors, "
        f"min({day}) AS first_day, max({day}) AS last_day FROM events "
        f"WHERE {events_in_range(tracking_id, lo, hi, bind)} AND experiment_id IS NOT NULL "
        f"AND experiment_variant IS NOT NULL GROUP BY experiment_id, experiment_variant"
    )
    found: dict[str, dict[str, Any]] = {}
    for experiment, variant, visitors, first, last in engine.run(RenderedQuery(sql, params)).rows:
        item = found.setdefault(
            experiment,
            {"experiment_id": experiment, "variants": {}, "first_seen": first, "last_seen": last},
        )
        item["variants"][variant] = int(visitors)
        item["first_seen"] = min(item["first_seen"], first)
        item["last_seen"] = max(item["last_seen"], last)
    return [
        {**item, "first_seen": str(item["first_seen"]), "last_seen": str(item["last_seen"])}
        for _, item in sorted(found.items())
    ]
