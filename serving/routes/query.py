"""``POST /api/v1/query``: custom reports (metrics × dimensions × filters × date range)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from lake.catalog import Site
from serving.analyses import run_report
from serving.analyses.goals import is_goal_report, run_goal_report
from serving.cache import ResultCache
from serving.conditions import Segment
from serving.definitions import default_range
from serving.deps import KeySite, QueryBackend, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import QueryRequest, QueryResponse
from serving.report_query import Filter, ReportError, ReportQuery, check_filter, report_query
from serving.routes.definitions import resolve_segment
from serving.routes.goals import site_goals

__all__ = ["router"]

router = APIRouter()


@router.post("/api/v1/query", response_model=QueryResponse, responses=ERROR_RESPONSES)
async def query(
    body: QueryRequest,
    request: Request,
    response: Response,
    key_site: KeySite,
    backend: QueryBackend,
) -> QueryResponse:
    """Answer a custom report from the tier and table the planner picks (bots excluded).

    ``dimensions: []`` gives one totals row; distinct users, bounce rate and session
    duration are computed over the whole range and filter, never added up per day.
    The same report asked again within ``STRATA_QUERY_CACHE_SECONDS`` and before the
    next hot-tier load is answered from the cache (header ``X-Strata-Cache: hit``);
    ``Cache-Control: no-cache`` asks for a fresh answer.
    """
    site = site_for(body.tracking_id, request, key_site)
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    rng = body.date_range
    segment = resolve_segment(request, key_site, site.tracking_id, body.segment_id, body.segment)
    if is_goal_report(body.metrics, body.dimensions):
        return await _goal_report(body, request, site, today, segment, backend)
    try:
        report = report_query(
            tracking_id=site.tracking_id,
            timezone=site.timezone,
            start=rng.start if rng else today - dt.timedelta(days=6),
            end=rng.end if rng else today,
            metrics=body.metrics,
            dimensions=body.dimensions,
            filters=[Filter(*f) for f in body.filter_list()],
            order_by=[(o.field, o.direction) for o in body.order_by],
            limit=body.limit,
            offset=body.offset,
            sampling=body.sampling,
            segment=segment,
        )
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    if body.compare and any(d in ("week", "month") for d in body.dimensions):
        raise HTTPException(400, "compare works with date, hour and non-time dimensions")
    cache: ResultCache = request.app.state.cache
    key = (report, body.compare)
    fresh = "no-cache" in request.headers.get("cache-control", "")
    version = cache.version()  # read once: checks the stored answer, stamps a new one
    answer = None if fresh else cache.get(key, version)
    response.headers["X-Strata-Cache"] = "hit" if answer is not None else "miss"
    if answer is None:
        try:
            answer = await run_in_threadpool(run_report, report, backend, body.compare)
        except ReportError as exc:  # the planner found no table with all the fields asked for
            raise HTTPException(400, str(exc)) from None
        cache.put(key, answer, version)
    compared = answer.comparison_range
    return QueryResponse(
        query_id=f"q_{uuid.uuid4().hex[:12]}",
        rows=answer.rows,
        total_rows=answer.total_rows,
        is_sampled=answer.is_sampled,
        execution_time_ms=answer.execution_time_ms,
        source=answer.source,
        comparison_range={"start": compared[0], "end": compared[1]} if compared else None,
    )


async def _goal_report(
    body: QueryRequest,
    request: Request,
    site: Site,
    today: dt.date,
    segment: Segment | None,
    backend: QueryBackend,
) -> QueryResponse:
    """The goal breakdown (:mod:`serving.analyses.goals`)."""
    rng = body.date_range
    try:
        start, end = default_range(rng, today)
        query = ReportQuery(
            tracking_id=site.tracking_id,
            timezone=site.timezone,
            start=start,
            end=end,
            metrics=tuple(body.metrics),
            dimensions=tuple(body.dimensions),
            filters=tuple(Filter(*f) for f in body.filter_list()),
            order_by=tuple((o.field, o.direction) for o in body.order_by),
            limit=body.limit,
            offset=body.offset,
            segment=segment,
        )
        for i, f in enumerate(query.filters):
            check_filter(f, f"filters[{i}]")
        goals = await run_in_threadpool(site_goals, request.app.state.definitions, site.tracking_id)
        answer = await run_in_threadpool(run_goal_report, query, goals, backend)
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    return QueryResponse(query_id=f"q_{uuid.uuid4().hex[:12]}", **answer)
