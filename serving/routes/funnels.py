"""Funnels: saved definitions (``/api/v1/funnels``) and their analysis, saved or ad hoc."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from serving.analyses.funnels import run_funnel
from serving.definitions import (
    FunnelAnalysisRequest,
    FunnelBody,
    FunnelDefinition,
    default_range,
    funnel_spec,
)
from serving.deps import EndDate, KeySite, QueryBackend, StartDate, date_params, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import DateRange
from serving.report_query import ReportError
from serving.routes.definitions import add_definition_routes, resolve_segment, saved

__all__ = ["router"]

router = APIRouter()


def _check(body: FunnelDefinition, request: Request) -> None:
    funnel_spec(body)
    if body.segment_id is not None:
        found = request.app.state.definitions.get("segment", body.segment_id)
        if found is None or found.tracking_id != body.tracking_id:
            raise ReportError(f"segment_id: no segment {body.segment_id!r} of this site")


async def _analyse(
    body: FunnelBody,
    tracking_id: str,
    date_range: DateRange | None,
    request: Request,
    key: Any,
    backend: Any,
) -> dict[str, Any]:
    site = site_for(tracking_id, request, key)
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    segment = resolve_segment(request, key, tracking_id, body.segment_id, body.segment)
    try:
        start, end = default_range(date_range, today)
        spec = funnel_spec(body.model_copy(update={"segment": None}), segment)
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    timeout = site.session_timeout_minutes or request.app.state.settings.session_timeout_minutes
    answer = await run_in_threadpool(
        run_funnel, spec, tracking_id, site.timezone, start, end, backend, timeout
    )
    return {
        "name": body.name,
        "date_range": {"start": start.isoformat(), "end": end.isoformat()},
        "order": spec.order,
        "window": body.window,
        "count_by": spec.count_by,
        "breakdown_by": spec.breakdown_by,
        **answer,
    }


@router.post("/api/v1/funnels/analysis", responses=ERROR_RESPONSES)
async def analyse_funnel(
    body: FunnelAnalysisRequest, request: Request, key_site: KeySite, backend: QueryBackend
) -> dict[str, Any]:
    """Analyse a funnel given inline (steps, window, order, exclusions, breakdown,
    segment) over ``date_range`` (default: the last 7 days): per step users, conversion
    from the previous and first step, drop-off, in progress and time to convert."""
    answer = await _analyse(body, body.tracking_id, body.date_range, request, key_site, backend)
    return {"funnel_id": None, **answer}


@router.get("/api/v1/funnels/{funnel_id}/analysis", responses=ERROR_RESPONSES)
async def saved_funnel_analysis(
    funnel_id: str,
    request: Request,
    key_site: KeySite,
    backend: QueryBackend,
    start_date: StartDate = None,
    end_date: EndDate = None,
    breakdown_by: str | None = Query(default=None, max_length=200),
    segment_id: str | None = Query(default=None, max_length=64),
) -> dict[str, Any]:
    """Analyse a saved funnel over ``start_date``..``end_date`` (site time zone; default
    the last 7 days), optionally broken down or narrowed to a segment."""
    found = saved(request, "funnel", funnel_id, key_site)
    body = FunnelBody.model_validate({**found.body, "name": found.name})
    update: dict[str, Any] = {}
    if breakdown_by is not None:
        update["breakdown_by"] = breakdown_by
    if segment_id is not None:
        update.update(segment_id=segment_id, segment=None)
    body = body.model_copy(update=update)
    rng = None
    if start_date is not None or end_date is not None:
        start, end = date_params(start_date, end_date, dt.date.today(), 7)
        rng = DateRange(start=start, end=end)
    answer = await _analyse(body, found.tracking_id, rng, request, key_site, backend)
    return {"funnel_id": funnel_id, **answer}


add_definition_routes(router, "funnel", "/api/v1/funnels", FunnelDefinition, _check)
