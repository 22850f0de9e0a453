"""Goals: which visitors completed what the site owner counts as success.

A goal is an ``event`` (events matching an event condition), a ``destination`` (page
views of a path: equals, begins with, or matches an RE2 pattern), a ``duration`` (a
session longer than N seconds) or ``pages_per_session`` (a session with at least N page
views).  In ``/api/v1/query`` the ``goal`` dimension gives a row per goal (and per
value of the other dimensions) with ``goal_visitors`` (distinct visitors who completed
it), ``goal_conversions`` (matching events; a session counts once for the session
goals) and ``goal_conversion_rate`` (goal visitors over all visitors of the range and
filters, as Plausible's goal breakdown).  Bots never count.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from serving.analyses.report import run_report
from serving.analyses.tiers import analysis_backend
from serving.backends import Backend, Tiers
from serving.conditions import EventCondition
from serving.models import GOAL_METRICS
from serving.planner import Plan
from serving.report_query import Filter, ReportError, ReportQuery
from serving.semantic import DIMENSIONS, RAW_COLUMNS
from serving.sql.conditions import Binder, event_sql, events_in_range, filter_sql, segment_sql
from serving.sql.dialect import Dialect, RenderedQuery, utc_bounds

__all__ = ["GOAL_DIMENSIONS", "GOAL_METRICS", "GoalSpec", "is_goal_report", "run_goal_report"]

#: What a goal report may group and filter by besides ``goal``: what both raw tables have.
GOAL_DIMENSIONS: tuple[str, ...] = (
    "date",
    *(d for d in RAW_COLUMNS["sessions"] if d in RAW_COLUMNS["events"]),
)


@dataclass(frozen=True)
class GoalSpec:
    """A validated goal: ``event`` for the event goals (destinations included), else a
    session test (``seconds``: longer than; ``pages``: at least)."""

    goal_id: str
    name: str
    kind: str
    event: EventCondition | None = None
    seconds: int | None = None
    pages: int | None = None

    @property
    def table(self) -> str:
        """``events`` or ``sessions``: where completions are counted."""
        return "events" if self.event is not None else "sessions"


def is_goal_report(metrics: list[str], dimensions: list[str]) -> bool:
    """A request for the goal breakdown (a goal metric or the ``goal`` dimension)."""
    return "goal" in dimensions or any(m in GOAL_METRICS for m in metrics)


def check_goal_report(query: ReportQuery) -> None:
    """Goal reports take goal metrics, the ``goal`` dimension, and dimensions and filters
    both raw tables have (a session goal has no event attributes)."""
    bad = [m for m in query.metrics if m not in GOAL_METRICS]
    if bad:
        raise ReportError(
            f"metric {', '.join(map(repr, bad))} cannot be combined with goals; "
            f"goal reports take {', '.join(GOAL_METRICS)}"
        )
    if "goal" not in query.dimensions:
        raise ReportError("dimensions: goal metrics need the 'goal' dimension")
    allowed = ("goal", *GOAL_DIMENSIONS)
    for name in [*query.dimensions, *(f.field for f in query.filters)]:
        if name not in allowed:
            raise ReportError(f"{name!r} cannot be used with goals; allowed: {', '.join(allowed)}")


def _dimension(name: str, table: str, dialect: Dialect, tz: str) -> str:
    if DIMENSIONS[name].time is not None:
        return dialect.time_dimension(DIMENSIONS[name].time or "date", Plan(table), tz)
    return f"coalesce({RAW_COLUMNS[table][name]}, '(not set)')"


def render_goals(
    goals: list[GoalSpec], query: ReportQuery, dims: list[str], dialect: Dialect
) -> RenderedQuery:
    """Completions of ``goals`` (all counted on one raw table) over the range, grouped
    by ``dims``, in one pass: columns ``d_<i>``, then ``v_<j>`` (visitors) and ``c_<j>``
    (completions) of the j-th goal."""
    params: dict[str, Any] = {}
    bind = Binder(dialect, params)
    table = goals[0].table
    lo, hi = utc_bounds(query.start, query.end, query.timezone)
    where = [events_in_range(query.tracking_id, lo, hi, bind, table=table)]
    tz = bind(query.timezone, "String")
    for f in query.filters:
        if f.field == "goal":
            continue
        column = RAW_COLUMNS[table][f.field]
        where.append(filter_sql(Filter(f.field, f.op, f.values), bind, column=column))
    if query.segment is not None:
        where.append(segment_sql(query.segment, query.tracking_id, query.timezone, lo, hi, bind))
    select = [f"{_dimension(d, table, dialect, tz)} AS d_{i}" for i, d in enumerate(dims)]
    for j, goal in enumerate(goals):
        if goal.event is not None:
            done = event_sql(goal.event, bind)
        elif goal.seconds is not None:
            done = f"duration_s > {bind(float(goal.seconds), 'Number')}"
        else:
            done = f"count_pageviews >= {bind(goal.pages, 'Count')}"
        select.append(f"count(DISTINCT CASE WHEN {done} THEN client_id END) AS v_{j}")
        select.append(f"sum(CASE WHEN {done} THEN 1 ELSE 0 END) AS c_{j}")
    sql = f"SELECT {', '.join(select)} FROM {table} WHERE {' AND '.join(where)}"
    if dims:
        sql += f" GROUP BY {', '.join(f'd_{i}' for i in range(len(dims)))}"
    return RenderedQuery(sql, params)


def _chosen(goals: list[GoalSpec], filters: tuple[Filter, ...]) -> list[GoalSpec]:
    """The goals a ``goal`` filter keeps (by name: eq, neq, in, not_in)."""
    for f in filters:
        if f.field != "goal":
            continue
        if f.op not in ("eq", "neq", "in", "not_in"):
            raise ReportError(f"filter on goal: op eq, neq, in or not_in, not {f.op!r}")
        keep = f.op in ("eq", "in")
        goals = [g for g in goals if (g.name in f.values) == keep]
    return goals


def run_goal_report(
    query: ReportQuery, goals: list[GoalSpec], backend: Backend | Tiers
) -> dict[str, Any]:
    """Rows of the goal breakdown: one per goal and value of the other dimensions."""
    check_goal_report(query)
    engine, _ = analysis_backend(backend, query.start)
    started = time.perf_counter()
    dims = [d for d in query.dimensions if d != "goal"]
    totals: dict[tuple[Any, ...], int] = {}
    if "goal_conversion_rate" in query.metrics:
        plain = tuple(f for f in query.filters if f.field != "goal")
        everyone = dataclasses.replace(
            query, metrics=("visitors",), dimensions=tuple(dims), filters=plain, order_by=(),
            limit=10_000, offset=0,
        )  # fmt: skip
        answer = run_report(everyone, engine)
        totals = {tuple(r[d] for d in dims): int(r["visitors"]) for r in answer.rows}
    rows = []
    chosen = _chosen(goals, query.filters)
    counted: dict[str, dict[tuple[Any, ...], tuple[int, int]]] = {}
    for table in ("events", "sessions"):  # one pass over each raw table for all its goals
        mine = [g for g in chosen if g.table == table]
        if not mine:
            continue
        found = engine.run(render_goals(mine, query, dims, engine.dialect))
        for j, goal in enumerate(mine):
            counted[goal.goal_id] = {
                tuple(r[: len(dims)]): (
                    int(r[len(dims) + 2 * j] or 0),
                    int(r[len(dims) + 2 * j + 1] or 0),
                )
                for r in found.rows
            }
    for goal in chosen:
        groups = {k: v for k, v in counted[goal.goal_id].items() if dims == [] or v[1] > 0}
        if not dims and not groups:
            groups = {(): (0, 0)}
        for key, (visitors, conversions) in groups.items():
            whole = totals.get(key, 0)
            values = {
                "goal_visitors": int(visitors),
                "goal_conversions": int(conversions),
                "goal_conversion_rate": round(int(visitors) / whole, 12) if whole else 0.0,
            }
            row = {"goal": goal.name, "goal_id": goal.goal_id, **dict(zip(dims, key, strict=True))}
            rows.append(row | {m: values[m] for m in query.metrics})
    order = list(query.order_by) or [(query.metrics[0], "desc")]
    for name, direction in reversed([*order, ("goal", "asc")]):
        rows.sort(key=lambda r, n=name: (r.get(n) is None, r.get(n)), reverse=direction == "desc")
    page = rows[query.offset : query.offset + query.limit]
    return {
        "rows": page,
        "total_rows": len(rows),
        "is_sampled": False,
        "execution_time_ms": round((time.perf_counter() - started) * 1000, 2),
        "source": f"{engine.source}.{'+'.join(sorted({g.table for g in goals})) or 'events'}",
    }
