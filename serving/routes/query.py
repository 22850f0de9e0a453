"""``POST /api/v1/query``: custom reports (metrics × dimensions × filters × date range)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zoneinfo
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from serving.backends.clickhouse import run_plan
from serving.planner import plan_query
from serving.registry import DIMENSIONS, FILTERABLE, METRICS

__all__ = ["router"]

router = APIRouter()


class DateRange(BaseModel):
    """Inclusive dates in the site's time zone."""

    start: dt.date
    end: dt.date


class OrderBy(BaseModel):
    """Sort key: a requested metric or dimension."""

    field: str
    direction: Literal["asc", "desc"] = "desc"


class QueryRequest(BaseModel):
    """A custom report request (shape of the reference design's ``/api/v1/query``)."""

    tracking_id: str
    date_range: DateRange | None = None
    metrics: list[str] = Field(min_length=1)
    dimensions: list[str] = Field(default_factory=list)
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int = Field(default=100, ge=1, le=10_000)


def _check(names: list[str], allowed: tuple[str, ...] | dict, kind: str) -> None:
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise HTTPException(
            400, f"unknown {kind} {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}"
        )
    if len(set(names)) != len(names):
        raise HTTPException(400, f"{kind} listed twice")


@router.post("/api/v1/query")
async def query(body: QueryRequest, request: Request) -> dict:
    """Answer a custom report from the ClickHouse hot tier (bots excluded).

    ``dimensions: []`` gives one totals row; distinct users, bounce rate and session
    duration are computed over the whole range and filter, never added up per day.
    """
    state = request.app.state
    state.authorize(request, body.tracking_id)
    site = state.metadata.sites().get(body.tracking_id)
    if site is None:
        raise HTTPException(404, f"unknown site {body.tracking_id!r}")
    _check(body.metrics, METRICS, "metric")
    _check(body.dimensions, DIMENSIONS, "dimension")
    _check(list(body.filters), FILTERABLE, "filter dimension")
    requested = {*body.metrics, *body.dimensions}
    for o in body.order_by:
        if o.field not in requested:
            raise HTTPException(
                400, f"order_by field {o.field!r} must be a requested metric or dimension"
            )
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    rng = body.date_range or DateRange(start=today - dt.timedelta(days=6), end=today)
    if rng.end < rng.start:
        raise HTTPException(400, "date_range.end is before date_range.start")
    filters = {k: [v] if isinstance(v, str) else v for k, v in body.filters.items()}
    order = [(o.field, o.direction) for o in body.order_by]
    if not order and body.dimensions and body.dimensions[0] not in ("date", "hour"):
        order = [(body.metrics[0], "desc")]
    plan = plan_query(
        tracking_id=body.tracking_id,
        timezone=site.timezone,
        start=rng.start,
        end=rng.end,
        metrics=body.metrics,
        dimensions=body.dimensions,
        filters=filters,
        order_by=order,
        limit=body.limit,
    )
    started = time.perf_counter()
    rows, total = await run_in_threadpool(run_plan, state.settings, plan)
    return {
        "query_id": f"q_{uuid.uuid4().hex[:12]}",
        "rows": rows,
        "total_rows": total,
        "is_sampled": False,
        "execution_time_ms": round((time.perf_counter() - started) * 1000, 2),
        "source": f"clickhouse.{plan.table}",
    }
