"""``POST /api/v1/retention``: cohort retention by day, week or month."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from serving.analyses.retention import run_retention
from serving.definitions import RetentionRequest, default_range, retention_spec
from serving.deps import KeySite, QueryBackend, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import FIRST_DATE
from serving.report_query import ReportError
from serving.routes.definitions import resolve_segment

__all__ = ["router"]

router = APIRouter()

_PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}


@router.post("/api/v1/retention", responses=ERROR_RESPONSES)
async def retention(
    body: RetentionRequest, request: Request, key_site: KeySite, backend: QueryBackend
) -> dict[str, Any]:
    """Cohorts of the range by ``period`` (site time zone), each with its size and, for
    periods 0..``periods`` after it, the visitors active then (``counts``), their share
    (``rates``) and whether the period is over (``complete``); see
    docs/product-analytics.md for the exact definitions."""
    site = site_for(body.tracking_id, request, key_site)
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    segment = resolve_segment(request, key_site, site.tracking_id, body.segment_id, body.segment)
    try:
        if body.date_range is None:  # the last `periods` periods (never before 2000)
            back = dt.timedelta(days=_PERIOD_DAYS[body.period] * body.periods)
            start, end = max(FIRST_DATE, today - back), today
        else:
            start, end = default_range(body.date_range, today)
        spec = retention_spec(body, segment)
    except ReportError as exc:
        raise HTTPException(400, str(exc)) from None
    answer = await run_in_threadpool(
        run_retention, spec, site.tracking_id, site.timezone, start, end, backend, today
    )
    return {
        "period": spec.period,
        "week_start": spec.week_start if spec.period == "week" else None,
        "cohort_type": spec.cohort_type,
        "counting": spec.counting,
        "periods": spec.periods,
        "date_range": {"start": start.isoformat(), "end": end.isoformat()},
        **answer,
    }
