"""``GET /api/v1/experiments``: the experiments seen, and one experiment's A/B comparison."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from serving.analyses.experiments import list_experiments, run_experiment
from serving.conditions import EventCondition
from serving.definitions import saved_goal
from serving.deps import EndDate, KeySite, QueryBackend, StartDate, date_params, site_for
from serving.errors import ERROR_RESPONSES
from serving.models import SegmentBody
from serving.routes.definitions import resolve_segment, saved

__all__ = ["router"]

router = APIRouter()

#: Experiments are read over the last 30 days unless a range is given.
_DEFAULT_DAYS = 30
Text = Annotated[str | None, Query(max_length=200)]


@router.get("/api/v1/experiments", responses=ERROR_RESPONSES)
async def experiments(
    request: Request,
    key_site: KeySite,
    backend: QueryBackend,
    tracking_id: Annotated[str, Query(max_length=64, description="The site.")],
    start_date: StartDate = None,
    end_date: EndDate = None,
) -> list[dict[str, Any]]:
    """The experiments whose events were seen in the range (default: the last 30 days):
    id, visitors per variant, first and last day seen."""
    site = site_for(tracking_id, request, key_site)
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    start, end = date_params(start_date, end_date, today, _DEFAULT_DAYS)
    return await run_in_threadpool(
        list_experiments, site.tracking_id, site.timezone, start, end, backend
    )


def _goal(
    request: Request, key: Any, tracking_id: str, event_type: str | None,
    event_name: str | None, goal_id: str | None,
) -> tuple[EventCondition, dict[str, Any]]:  # fmt: skip
    """The goal condition from the query parameters (exactly one way of naming it)."""
    given = [x for x in (event_type or event_name, goal_id) if x]
    if len(given) != 1:
        raise HTTPException(
            400, "goal_event_type, goal_event_name or goal_id: give a goal event or a saved goal"
        )
    if goal_id is None:
        label = {"event_type": event_type, "event_name": event_name}
        return EventCondition(event_type or None, event_name or None), label
    found = saved(request, "goal", goal_id, key)
    if found.tracking_id != tracking_id:
        raise HTTPException(400, f"goal_id: goal {goal_id!r} is of another site")
    spec = saved_goal(found)
    if spec.event is None:
        raise HTTPException(400, "goal_id: experiments take event or destination goals")
    return spec.event, {"goal_id": goal_id, "name": found.name}


@router.get("/api/v1/experiments/{experiment_id}", responses=ERROR_RESPONSES)
async def experiment(
    experiment_id: str,
    request: Request,
    key_site: KeySite,
    backend: QueryBackend,
    tracking_id: Annotated[str, Query(max_length=64, description="The site.")],
    goal_event_type: Text = None,
    goal_event_name: Text = None,
    goal_id: Annotated[str | None, Query(max_length=64)] = None,
    control: Text = None,
    multiple: Annotated[
        Literal["exclude", "first"],
        Query(description="Visitors seen in several variants: left out, or kept in the first."),
    ] = "exclude",
    segment_id: Annotated[str | None, Query(max_length=64)] = None,
    segment: Annotated[
        str | None,
        Query(max_length=20_000, description="A segment as JSON (wins over segment_id)."),
    ] = None,
    start_date: StartDate = None,
    end_date: EndDate = None,
) -> dict[str, Any]:
    """Per variant: exposed visitors, converted visitors (a goal event at or after their
    first exposure), conversion rate and revenue per visitor with 95% intervals; each
    variant against the control (first by name, or ``control``): lift, a two-sided pooled
    z-test on conversion, Welch's t-test on revenue (Holm-adjusted too with several
    variants); a sample-ratio-mismatch check.  Fixed-horizon tests: see ``method``."""
    site = site_for(tracking_id, request, key_site)
    today = dt.datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    start, end = date_params(start_date, end_date, today, _DEFAULT_DAYS)
    goal, label = _goal(request, key_site, tracking_id, goal_event_type, goal_event_name, goal_id)
    try:
        inline = SegmentBody.model_validate_json(segment) if segment is not None else None
    except ValidationError as exc:
        raise HTTPException(400, f"segment: {exc.errors()[0]['msg']}") from None
    visitors = resolve_segment(request, key_site, tracking_id, segment_id, inline)
    try:
        answer = await run_in_threadpool(
            run_experiment, experiment_id, goal, label, site.tracking_id, site.timezone, start,
            end, backend, control, multiple, visitors,
        )  # fmt: skip
    except KeyError:
        raise HTTPException(400, f"control: no visitor saw variant {control!r}") from None
    if answer is None:
        raise HTTPException(404, f"no visitor was exposed to experiment {experiment_id!r}")
    return {"date_range": {"start": start.isoformat(), "end": end.isoformat()}, **answer}
