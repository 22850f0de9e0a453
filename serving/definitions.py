"""Request bodies of goals, funnels and segments (pydantic: the OpenAPI shapes), and
their conversion to the engine-neutral specs the analyses run.

Unknown fields are refused (``extra: forbid``), so a typo is a 400 naming it rather than
a silently ignored condition.  Every semantic check (fields, filter ops, regexes,
windows) happens here or in :mod:`serving.conditions`, raising :class:`ReportError`
with the request field's path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lake.catalog import Definition
from serving.analyses.funnels import FunnelSpec
from serving.analyses.goals import GoalSpec
from serving.analyses.retention import RetentionSpec
from serving.conditions import (
    EVENT_FIELDS,
    TIME_FIELDS,
    EventCondition,
    Segment,
    event_condition,
    segment_of,
)
from serving.models import DateRange, Filters, SegmentBody, Step
from serving.report_query import Filter, ReportError, check_filter, is_property
from serving.semantic import PROPERTY_KEY, PROPERTY_PREFIX

__all__ = [
    "MAX_WINDOW_S",
    "FunnelAnalysisRequest",
    "FunnelBody",
    "FunnelDefinition",
    "GoalDefinition",
    "RetentionRequest",
    "SegmentBody",
    "SegmentDefinition",
    "Step",
    "funnel_spec",
    "goal_spec",
    "parse_window",
    "retention_spec",
    "saved_goal",
    "segment_spec",
    "step_condition",
]

#: The longest conversion window: 90 days.
MAX_WINDOW_S = 90 * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_STRICT = ConfigDict(extra="forbid")


class ExclusionStep(Step):
    """An event that, between steps ``from_step`` and ``to_step`` (1-based; default the
    first and the last), drops the visitor's attempt."""

    from_step: int = Field(default=1, ge=1, le=20)
    to_step: int | None = Field(default=None, ge=2, le=20)


class SegmentDefinition(SegmentBody):
    """A saved segment."""

    tracking_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)


class FunnelBody(BaseModel):
    """Steps, window, order mode, exclusions, breakdown, segment and counting unit."""

    model_config = _STRICT
    name: str | None = Field(default=None, max_length=200)
    steps: list[Step] = Field(min_length=2, max_length=20)
    window: str = Field(
        default="7d", description="Conversion window: `30m`, `2h`, `7d` … at most 90 days."
    )
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclusions: list[ExclusionStep] = Field(default_factory=list, max_length=10)
    breakdown_by: str | None = Field(default=None, max_length=200)
    count_by: Literal["visitors", "sessions"] = "visitors"
    segment_id: str | None = Field(default=None, max_length=64)
    segment: SegmentBody | None = None


class FunnelDefinition(FunnelBody):
    """A saved funnel (the reference design's create-funnel body)."""

    tracking_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)  # type: ignore[assignment]


class FunnelAnalysisRequest(FunnelBody):
    """An ad hoc funnel over a date range (default: the last 7 days)."""

    tracking_id: str = Field(max_length=64)
    date_range: DateRange | None = None


class RetentionRequest(BaseModel):
    """A retention grid: cohorts by ``period`` over ``date_range`` (default: the last
    ``periods`` periods), returning in periods 0..``periods``."""

    model_config = _STRICT
    tracking_id: str = Field(max_length=64)
    date_range: DateRange | None = None
    period: Literal["day", "week", "month"] = "week"
    periods: int = Field(default=8, ge=1, le=400, description="Periods after the cohort's.")
    week_start: Literal["monday", "sunday"] = "monday"
    cohort_type: Literal["first_time", "recurring"] = Field(
        default="first_time",
        description="`first_time`: a visitor's cohort is the period of their first event "
        "ever; `recurring`: every period of the range they were active in.",
    )
    counting: Literal["on", "on_or_after"] = Field(
        default="on",
        description="`on`: active in period N; `on_or_after`: in period N or any later one.",
    )
    cohort_event: Step | None = Field(
        default=None, description="Cohorts by the first event matching this (default: any)."
    )
    return_event: Step | None = Field(
        default=None, description="Returning means an event matching this (default: any)."
    )
    breakdown_by: str | None = Field(
        default=None, max_length=200, description="A dimension of the cohort's first event."
    )
    segment_id: str | None = Field(default=None, max_length=64)
    segment: SegmentBody | None = None


class GoalDefinition(BaseModel):
    """A goal: ``event`` (``event_type`` and/or ``event_name``, ``filters``),
    ``destination`` (a page path: ``match`` equals | begins_with | regex, ``value``),
    ``duration`` (a session longer than ``seconds``) or ``pages_per_session`` (a session
    with at least ``pages`` page views)."""

    model_config = _STRICT
    tracking_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    type: Literal["event", "destination", "duration", "pages_per_session"]
    event_type: str | None = Field(default=None, max_length=64)
    event_name: str | None = Field(default=None, max_length=200)
    filters: Filters = Field(default_factory=dict)
    match: Literal["equals", "begins_with", "regex"] | None = None
    value: str | None = Field(default=None, max_length=2000)
    seconds: int | None = Field(default=None, ge=1, le=86400 * 7)
    pages: int | None = Field(default=None, ge=1, le=10_000)


def parse_window(text: str, where: str = "window") -> int:
    """``"30m"``, ``"2h"``, ``"7d"`` … as seconds: more than 0, at most 90 days."""
    found = re.fullmatch(r"\s*([0-9]{1,7})\s*([smhdw])\s*", text)
    if not found:
        raise ReportError(f"{where}: a number and a unit (s, m, h, d, w), e.g. '30m', '7d'")
    seconds = int(found.group(1)) * _UNITS[found.group(2)]
    if not 0 < seconds <= MAX_WINDOW_S:
        raise ReportError(f"{where}: must be more than 0 and at most 90 days")
    return seconds


def _filters(filters: Filters) -> Any:
    if isinstance(filters, dict):
        return filters
    return [
        (f.field, f.op, tuple(f.value) if isinstance(f.value, list) else (f.value,))
        for f in filters
    ]


def step_condition(step: Step, where: str) -> EventCondition:
    """A step's :class:`EventCondition` (errors name ``where``)."""
    return event_condition(step.event_type, step.event_name, _filters(step.filters), where)


def segment_spec(body: SegmentBody, where: str = "segment") -> Segment:
    """The engine-neutral :class:`Segment` of a request's segment."""
    conditions = []
    for c in body.conditions:
        raw = c.model_dump(exclude_none=True)
        if c.did is not None:
            raw["did"] = {
                "event_type": c.did.event_type,
                "event_name": c.did.event_name,
                "filters": _filters(c.did.filters),
            }
        conditions.append(raw)
    return segment_of(conditions, body.match, where)


def breakdown_field(name: str, where: str = "breakdown_by") -> str:
    """A breakdown: an event dimension, the event's ``date``/``hour``/``week``/``month``
    (site time zone) or ``properties.<key>``."""
    key = name[len(PROPERTY_PREFIX) :]
    if name in (*EVENT_FIELDS, *TIME_FIELDS) or (
        is_property(name) and re.fullmatch(PROPERTY_KEY, key)
    ):
        return name
    raise ReportError(
        f"{where}: {name!r} is not a dimension of events; allowed: "
        f"{', '.join((*EVENT_FIELDS, *TIME_FIELDS))}, properties.<key>"
    )


def funnel_spec(body: FunnelBody, segment: Segment | None = None) -> FunnelSpec:
    """The validated :class:`FunnelSpec` of a funnel body (``segment``: a saved segment
    the caller looked up for ``segment_id``; an inline ``segment`` wins)."""
    steps = tuple(step_condition(s, f"steps[{i}]") for i, s in enumerate(body.steps))
    names = tuple(
        s.name or s.event_name or s.event_type or f"Step {i + 1}" for i, s in enumerate(body.steps)
    )
    n = len(steps)
    if body.exclusions and body.order == "any":
        raise ReportError("exclusions: need steps in order (order 'ordered' or 'strict')")
    exclusions = []
    for i, ex in enumerate(body.exclusions):
        to_step = ex.to_step or n
        if not ex.from_step < to_step <= n:
            raise ReportError(
                f"exclusions[{i}]: from_step must come before to_step, both within 1..{n}"
            )
        condition = step_condition(ex, f"exclusions[{i}]")
        exclusions.append((condition, ex.from_step - 1, to_step - 1))
    if body.segment is not None:
        segment = segment_spec(body.segment)
    return FunnelSpec(
        steps=steps,
        names=names,
        window_s=parse_window(body.window),
        order=body.order,
        exclusions=tuple(exclusions),
        breakdown_by=breakdown_field(body.breakdown_by) if body.breakdown_by else None,
        count_by=body.count_by,
        segment=segment,
    )


_DESTINATION_OPS = {"equals": "eq", "begins_with": "starts_with", "regex": "regex"}


def goal_spec(body: GoalDefinition, goal_id: str = "") -> GoalSpec:
    """The validated :class:`GoalSpec` of a goal body (each type's fields required)."""
    if body.type == "event":
        event = event_condition(body.event_type, body.event_name, _filters(body.filters), "goal")
        return GoalSpec(goal_id, body.name, body.type, event=event)
    if body.type == "destination":
        if body.match is None or not body.value:
            raise ReportError("match and value: a destination goal needs both")
        path = Filter("page_path", _DESTINATION_OPS[body.match], (body.value,))
        check_filter(path, "value")
        return GoalSpec(
            goal_id, body.name, body.type, event=EventCondition("pageview", None, (path,))
        )
    if body.type == "duration":
        if body.seconds is None:
            raise ReportError("seconds: a duration goal needs the session length to pass")
        return GoalSpec(goal_id, body.name, body.type, seconds=body.seconds)
    if body.pages is None:
        raise ReportError("pages: a pages_per_session goal needs the number of page views")
    return GoalSpec(goal_id, body.name, body.type, pages=body.pages)


def _optional_step(step: Step | None, where: str) -> EventCondition | None:
    return step_condition(step, where) if step is not None else None


def retention_spec(body: RetentionRequest, segment: Segment | None) -> RetentionSpec:
    """The validated :class:`RetentionSpec` of a retention request."""
    return RetentionSpec(
        period=body.period,
        periods=body.periods,
        week_start=body.week_start,
        cohort_type=body.cohort_type,
        counting=body.counting,
        cohort_event=step_condition(body.cohort_event, "cohort_event")
        if body.cohort_event
        else None,
        return_event=step_condition(body.return_event, "return_event")
        if body.return_event
        else None,
        breakdown_by=breakdown_field(body.breakdown_by) if body.breakdown_by else None,
        segment=segment,
    )


def saved_goal(definition: Definition) -> GoalSpec:
    """The :class:`GoalSpec` of a saved goal."""
    body = {**definition.body, "tracking_id": definition.tracking_id, "name": definition.name}
    return goal_spec(GoalDefinition.model_validate(body), definition.definition_id)


def default_range(date_range: DateRange | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """A request's range, or the last 7 days, today included."""
    if date_range is None:
        return today - dt.timedelta(days=6), today
    if date_range.end < date_range.start:
        raise ReportError("date_range.end is before date_range.start")
    return date_range.start, date_range.end
