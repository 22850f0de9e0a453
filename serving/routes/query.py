"""``POST /api/v1/query``: custom reports (metrics × dimensions × filters × date range)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from serving.analyses import run_report
from serving.cache import ResultCache
from serving.deps import KeySite, QueryBackend, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import QueryRequest, QueryResponse
from serving.report_query import Filter, ReportError, report_query

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
