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
from serving.sql.conditions import (
    Binder,
    event_sql,
    events_in_range,
    order_sql,
    revenue_sql,
    segment_sql,
    split_at_utc_days,
)
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

    Two passes joined by visitor: the exposures (each visitor's first exposure, its
    variant, and whether they saw several; :func:`_exposure_parts`) and the goal events
    and orders (the latest goal event: the visitor converted when it is at or after the
    exposure; the orders' moments and cents, summed from the exposure on).
    """
    params: dict[str, Any] = {}
    bind = Binder(dialect, params)
    lo, hi = utc_bounds(start, end, timezone)
    who = ""  # a segment: a condition on the visitor, narrows who is exposed
    if segment is not None:
        who = " AND " + segment_sql(segment, tracking_id, timezone, lo, hi, bind)
    where = events_in_range(tracking_id, lo, hi, bind) + who
    key = dialect.visitor_key()
    goal_sql = event_sql(goal, bind)
    cents = f"CAST(round({revenue_sql()} * 100) AS BIGINT)"
    order = order_sql()
    exposed = (
        f"SELECT v, {dialect.arg_min('seen', 'm')} AS variant, min(m) AS first_at, "
        f"min(seen) != max(seen) AS mixed FROM ("
        + " UNION ALL ".join(_exposure_parts(experiment_id, tracking_id, lo, hi, bind, key, who))
        + ") AS p GROUP BY v"
    )
    outcomes = (
        f"SELECT {key} AS v, max(CASE WHEN {goal_sql} THEN event_at END) AS last_goal, "
        f"{dialect.timed_values('event_at', cents, order)} AS orders FROM events "
        f"WHERE {where} AND ({goal_sql} OR {order}) GROUP BY {key}"
    )
    outcome = (
        "SELECT ex.variant AS variant, CASE WHEN ex.mixed THEN 1 ELSE 0 END AS several, "
        "CASE WHEN oc.last_goal >= ex.first_at THEN 1 ELSE 0 END AS converted, "
        f"coalesce({dialect.sum_since('oc.orders', 'ex.first_at')}, 0) AS spent "
        f"FROM ({exposed}) AS ex LEFT JOIN ({outcomes}) AS oc ON ex.v = oc.v"
    )
    sql = (
        f"SELECT variant, several, count(*) AS visitors, sum(converted) AS conversions, "
        f"sum(spent) AS cents, sum(spent * spent) AS cents_squares "
        f"FROM ({outcome}) AS r GROUP BY variant, several"
    )
    return RenderedQuery(sql, params)


def _exposure_parts(
    experiment_id: str,
    tracking_id: str,
    lo: dt.datetime,
    hi: dt.datetime,
    bind: Binder,
    key: str,
    who: str,
) -> list[str]:
    """Each visitor's first moment per variant, in parts: the UTC days wholly inside
    ``lo``..``hi`` by their date alone (the shape of the hot tier's ``exposures``
    projection of ``events``, which answers it from one row per visitor and day), the
    cut days at either end by the moment.  ``who``: more ``WHERE`` terms (a segment)."""
    exposure = f"experiment_id = {bind(experiment_id, 'String')} AND experiment_variant IS NOT NULL"
    return [
        f"SELECT {key} AS v, experiment_variant AS seen, min(event_at) AS m FROM events "
        f"WHERE {events_in_range(tracking_id, a, b, bind)} AND {exposure}{who} "
        f"GROUP BY {key}, experiment_variant"
        for a, b in split_at_utc_days(lo, hi)
    ]


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
