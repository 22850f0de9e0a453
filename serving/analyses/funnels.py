"""Funnels: how many visitors (or sessions) go through ordered steps within a window.

The engine selects each unit's candidate events with their step flags
(:func:`render_funnel_rows`, either dialect); :mod:`serving.analyses.funnel_levels`
applies the definition (each unit's level and the times of its reported chain);
:mod:`serving.analyses.funnel_tally` counts them, and :func:`summarize` turns the
counts into the answer (per step users, conversion, drop-off, in progress, time to
convert), for the whole funnel and per breakdown value.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from serving.analyses import funnel_levels as levels_module
from serving.analyses.funnel_levels import Exclusion, FunnelRules, Levels, funnel_levels
from serving.analyses.funnel_tally import Tally, tally
from serving.analyses.tiers import analysis_backend
from serving.backends import Backend, Tiers
from serving.conditions import EventCondition, Segment
from serving.sql.base import Dialect, RenderedQuery, utc_bounds
from serving.sql.conditions import Binder, event_field_sql, event_sql, events_in_range, segment_sql

__all__ = [
    "HISTOGRAM_EDGES",
    "FunnelSpec",
    "duration_text",
    "run_funnel",
    "summarize",
    "warm_up",
]

#: Time-to-convert histogram buckets (seconds): under a minute, 1-5 min … a week and more.
HISTOGRAM_EDGES: tuple[int, ...] = (0, 60, 300, 900, 3600, 21600, 86400, 259200, 604800)
_BREAKDOWN_VALUES = 100
_EDGES_US = np.array(HISTOGRAM_EDGES, dtype=np.int64) * 1_000_000


@dataclass(frozen=True)
class FunnelSpec:
    """A validated funnel (see :func:`serving.definitions.funnel_spec`)."""

    steps: tuple[EventCondition, ...]
    names: tuple[str, ...]
    window_s: int
    order: str = "ordered"
    exclusions: tuple[tuple[EventCondition, int, int], ...] = ()
    breakdown_by: str | None = None
    count_by: str = "visitors"
    segment: Segment | None = None


def funnel_rules(spec: FunnelSpec) -> FunnelRules:
    """The shape of ``spec`` the definition needs (steps, window, order, exclusions)."""
    return FunnelRules(
        len(spec.steps),
        spec.window_s * 1_000_000,
        spec.order,
        tuple(Exclusion(i, f, t) for i, (_, f, t) in enumerate(spec.exclusions)),
    )


def render_funnel_rows(
    spec: FunnelSpec,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    dialect: Dialect,
) -> RenderedQuery:
    """The candidate events of every unit: from the range's start to its end plus the
    window (a later step may come after the range, within the window of an entry in it),
    in unit order: by visitor (the engine's visitor key), then time; events of the same
    moment by the steps they match (one matching step 1 first; if both or neither do,
    step 2 decides, and so on, then the exclusions: ``m``, one bit per condition, the
    first the highest, descending), then by breakdown value.  Rows equal in all of that
    are equal in every column sent, so their order cannot change an answer (and no
    event id needs sorting: that took half the query's time).  ``strict`` order and
    ``sessions`` need every event of the visitor (what comes between steps, the gaps
    between sessions); else only events matching a step or an exclusion are sent (the
    same order among themselves)."""
    params: dict[str, Any] = {}
    bind = Binder(dialect, params)
    lo, hi = utc_bounds(start, end, timezone)
    where = events_in_range(tracking_id, lo, hi + dt.timedelta(seconds=spec.window_s), bind)
    if spec.segment is not None:
        where += " AND " + segment_sql(spec.segment, tracking_id, timezone, lo, hi, bind)
    rules = funnel_rules(spec)
    conditions = [*spec.steps, *(c for c, _, _ in spec.exclusions)]
    mask = " + ".join(
        f"(CASE WHEN {event_sql(c, bind)} THEN {rules.bit(name)} ELSE 0 END)"
        for c, name in zip(conditions, rules.columns, strict=True)
    )
    columns = [f"{dialect.visitor_key()} AS u", f"{dialect.epoch_us('event_at')} AS t"]
    # 16 bits while the conditions fit (less to sort and ship); 20 steps and 10
    # exclusions at most fit 32
    width = "SMALLINT" if len(conditions) < 16 else "INTEGER"
    columns.append(f"CAST({mask} AS {width}) AS m")
    extra = ""
    if spec.breakdown_by is not None:
        value = event_field_sql(spec.breakdown_by, bind, timezone)
        columns.append(f"{dialect.coded_text(value)} AS b")
        extra = ", b"
    inner = f"SELECT {', '.join(columns)} FROM events WHERE {where}"
    in_order = f"ORDER BY u, t, m DESC{extra}"
    if spec.order == "strict" or spec.count_by == "sessions":
        return RenderedQuery(f"{inner} {in_order}", params)
    sql = f"SELECT u, t, m{extra} FROM ({inner}) AS e WHERE m > 0 {in_order}"
    return RenderedQuery(sql, params)


def _sessions(rows: pl.DataFrame, timeout_s: int) -> pl.DataFrame:
    """Units become sessions: a visitor's events with gaps under the site's timeout
    (``rows`` in unit order, as :func:`render_funnel_rows` sends them)."""
    new = (pl.col("u") != pl.col("u").shift(1)).fill_null(True) | (
        pl.col("t").diff().fill_null(0) >= timeout_s * 1_000_000
    )
    return rows.with_columns(u=new.cum_sum().cast(pl.Int64))


def duration_text(seconds: float | None) -> str | None:
    """``"2h 34m"``, ``"3d 4h"``, ``"12m 5s"``, ``"45s"``: a duration as people read it."""
    if seconds is None:
        return None
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _durations(micros: np.ndarray, counts: np.ndarray) -> dict[str, Any]:
    """Average, median, 90th percentile (linear interpolation) of whole microseconds, in
    seconds, and the histogram's ``counts``: from the integers (an exact integer sum,
    the order statistics the quantiles need), so the answer does not depend on the
    order the engine sent the rows in; no full sort (selecting those few ranks is
    cheaper; ``micros`` is reordered in place)."""
    n = len(micros)
    if not n:
        return {
            "count": 0,
            "avg_seconds": None,
            "median_seconds": None,
            "p90_seconds": None,
            "text": None,
            "histogram": [],
        }

    def around(q: float) -> tuple[int, int]:  # the ranks either side of quantile q
        low = int((n - 1) * q)
        return low, min(low + 1, n - 1)

    micros.partition(sorted({r for q in (0.5, 0.9) for r in around(q)}))

    def quantile(q: float) -> float:
        low, high = around(q)
        return float(micros[low]) + float(micros[high] - micros[low]) * ((n - 1) * q - low)

    histogram = [
        {"from_seconds": lo, "to_seconds": hi, "count": int(c)}
        for lo, hi, c in zip(HISTOGRAM_EDGES, [*HISTOGRAM_EDGES[1:], None], counts, strict=True)
    ]
    avg = int(micros.sum()) / n / 1e6
    return {
        "count": n,
        "avg_seconds": round(avg, 3),
        "median_seconds": round(quantile(0.5) / 1e6, 3),
        "p90_seconds": round(quantile(0.9) / 1e6, 3),
        "text": duration_text(avg),
        "histogram": histogram,
    }


def _tally(levels: Levels, n_groups: int = 1, total: bool = False) -> Tally:
    """``levels`` tallied by breakdown value (``n_groups`` values; ``total``: and all of
    them as group ``n_groups``), or as one group."""
    return tally(levels.level, levels.times, levels.open, levels.value, n_groups, _EDGES_US, total)


def summarize(counted: Tally, spec: FunnelSpec, group: int = 0) -> dict[str, Any]:
    """Per step users, conversion from the previous step and from the first, drop-off
    (not counting units still in progress), in progress, and time to convert, of
    ``group`` (a breakdown value's, or the whole funnel's) of ``counted``."""
    n = len(spec.steps)
    reached, waiting_at = counted.reached[group], counted.waiting[group]
    users = [int(reached[k + 1 :].sum()) for k in range(n)]
    steps = []
    for k in range(n):
        previous = users[k - 1] if k else users[0]
        waiting = int(waiting_at[k]) if k else 0
        dropped = previous - users[k] - waiting
        took = counted.slot(group, k) if k else (np.empty(0, np.int64), np.empty(0, np.int64))
        steps.append(
            {
                "step": k + 1,
                "name": spec.names[k],
                "users": users[k],
                "conversion_rate": _rate(users[k], previous),
                "conversion_rate_from_first": _rate(users[k], users[0]),
                "drop_off": dropped,
                "drop_off_rate": _rate(dropped, previous) if k else 0.0,
                "in_progress": waiting,
                "time_to_convert": _durations(*took),
            }
        )
    total = _durations(*counted.slot(group, 0))
    return {
        "total_users": users[0],
        "steps": steps,
        "overall_conversion_rate": _rate(users[-1], users[0]),
        "avg_time_to_convert": total["text"],
        "avg_time_to_convert_seconds": total["avg_seconds"],
        "time_to_convert": total,
        "excluded_visitors": int(reached[0]),
    }


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 12) if whole else 0.0


def _breakdown(counted: Tally, values: list[str | None], spec: FunnelSpec) -> list[dict[str, Any]]:
    """The answer per breakdown value (group ``c`` of ``counted`` is ``values[c]``'s):
    the values with the most units counted first (by value on ties), at most
    :data:`_BREAKDOWN_VALUES` of them."""
    units = counted.reached[: len(values), 1:].sum(axis=1)
    ranked = sorted(
        (c for c in range(len(values)) if units[c]),
        key=lambda c: (-units[c], values[c] is not None, values[c] or ""),
    )[:_BREAKDOWN_VALUES]
    return [{"value": values[c], **summarize(counted, spec, c)} for c in ranked]


def warm_up() -> None:
    """Compile the funnel's kernels now (or load them from Numba's cache beside their
    modules): a process calls this at start so its first funnel does not wait seconds."""
    levels_module.warm_up()
    _tally(Levels(np.ones(1, np.int64), np.zeros((1, 1), np.int64), np.zeros(1, np.bool_)))


def run_funnel(
    spec: FunnelSpec,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    backend: Backend | Tiers,
    session_timeout_minutes: int = 30,
) -> dict[str, Any]:
    """Analyse ``spec`` over local days ``start``..``end`` on the tier the range falls in."""
    engine, tier = analysis_backend(backend, start)
    started = time.perf_counter()
    query = render_funnel_rows(spec, tracking_id, timezone, start, end, engine.dialect)
    rows = engine.frame(query, categorical=True)
    if spec.count_by == "sessions":
        rows = _sessions(rows, session_timeout_minutes * 60)
    lo, hi = (int(m.timestamp() * 1_000_000) for m in utc_bounds(start, end, timezone))
    units, per_value, values = funnel_levels(rows, funnel_rules(spec), lo, hi)
    if per_value is not None and per_value.level is units.level:
        # each unit of one value: one pass tallies the values and the whole funnel
        counted = _tally(per_value, len(values), total=True)
        answer = summarize(counted, spec, len(values))
        answer["breakdown"] = _breakdown(counted, values, spec)
    else:
        answer = summarize(_tally(units), spec)
        if per_value is not None:
            answer["breakdown"] = _breakdown(_tally(per_value, len(values)), values, spec)
    answer["source"] = f"{engine.source}.events"
    answer["tier"] = tier
    answer["execution_time_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return answer
