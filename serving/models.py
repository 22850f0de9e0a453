"""Request and response bodies of the query API (pydantic: they are the OpenAPI shapes)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from serving.semantic import (
    DIMENSIONS,
    FILTER_OPS,
    FILTERABLE,
    METRICS,
    PROPERTY_KEY,
    PROPERTY_PREFIX,
)

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "DateRange",
    "FilterItem",
    "Filters",
    "KeyInfo",
    "MinuteCount",
    "OrderBy",
    "QueryRequest",
    "QueryResponse",
    "RealtimeResponse",
    "ReportDate",
    "SegmentBody",
    "SegmentCondition",
    "SiteInfo",
    "Step",
    "TopPage",
]

#: The goal breakdown's metrics (``serving.analyses.goals``; listed here for the schema).
GOAL_METRICS = ("goal_visitors", "goal_conversions", "goal_conversion_rate")

#: Reports cover dates in this range (the gateway accepts event times 2000–2100).
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _report_date(value: dt.date) -> dt.date:
    """``value`` if reports can cover it (:data:`FIRST_DATE`..:data:`LAST_DATE`): the
    engines' time types hold no earlier or later day, so a query asking for one fails."""
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return value


def _iso_date(value: Any) -> Any:
    """Dates are ``YYYY-MM-DD`` strings only (a number is not read as a Unix time)."""
    if isinstance(value, dt.date):  # built in Python (the default range), not sent
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


ReportDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_report_date)]


def _text(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
    return value


class DateRange(BaseModel):
    """Inclusive dates (``YYYY-MM-DD``) in the site's time zone, 2000-01-01 to 2100-12-31."""

    start: ReportDate
    end: ReportDate


class OrderBy(BaseModel):
    """Sort key: a requested metric or dimension."""

    field: str = Field(
        description="A requested metric or dimension.",
        json_schema_extra={"enum": [*METRICS, *DIMENSIONS]},
    )
    direction: Literal["asc", "desc"] = "desc"


def _names_or_property(names: list[str]) -> dict:
    """JSON schema of a field that is a listed name or ``properties.<key>``."""
    return {
        "anyOf": [
            {"type": "string", "enum": names},
            {"type": "string", "pattern": f"^{re.escape(PROPERTY_PREFIX)}{PROPERTY_KEY}$"},
        ]
    }


class FilterItem(BaseModel):
    """One condition of the list form of ``filters``."""

    field: str = Field(
        description="A dimension to filter on, or a custom property `properties.<key>`.",
        json_schema_extra=_names_or_property(list(FILTERABLE)),
    )
    op: str = Field(
        description="How `field` is compared with `value`.",
        json_schema_extra={"enum": list(FILTER_OPS)},
    )
    value: str | float | list[str] = Field(
        description="A string; a list for `in`/`not_in`; an RE2 pattern for `regex`; a "
        "number for `gt`/`gte`/`lt`/`lte` (on `properties.<key>` only)."
    )


Filters = dict[str, str | list[str]] | list[FilterItem]
_STRICT = ConfigDict(extra="forbid")


class Step(BaseModel):
    """Events that count as a step: of ``event_type`` and/or named ``event_name``, with
    ``filters`` (short form: field -> value or values, `*` a glob, a key that is no event
    dimension meaning `properties.<key>`; or the query API's list form)."""

    model_config = _STRICT
    name: str | None = Field(default=None, max_length=200)
    event_type: str | None = Field(default=None, max_length=64)
    event_name: str | None = Field(default=None, max_length=200)
    filters: Filters = Field(default_factory=dict)


class SegmentCondition(BaseModel):
    """One condition: a property (``property``, ``op``, ``value``: the visitor had an
    event with it), a behaviour (``did`` a step-like event ``min_times``..``max_times``
    times), ``revenue_above`` (total revenue in the range), or ``first_seen_before`` /
    ``first_seen_after`` a date."""

    model_config = _STRICT
    property: str | None = Field(default=None, max_length=200)
    op: str | None = None
    value: str | float | list[str] | None = None
    did: Step | None = None
    min_times: int | None = Field(default=None, ge=0, le=1_000_000)
    max_times: int | None = Field(default=None, ge=0, le=1_000_000)
    revenue_above: float | None = Field(default=None, allow_inf_nan=False)
    first_seen_before: ReportDate | None = None
    first_seen_after: ReportDate | None = None


class SegmentBody(BaseModel):
    """Visitors seen in the range who pass ``all`` (or ``any``) of the conditions."""

    model_config = _STRICT
    match: Literal["all", "any"] = "all"
    conditions: list[SegmentCondition] = Field(min_length=1, max_length=20)


class QueryRequest(BaseModel):
    """A custom report request (shape of the reference design's ``/api/v1/query``)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "tracking_id": "ST-DEMO",
                    "date_range": {"start": "2026-11-16", "end": "2026-11-22"},
                    "metrics": ["pageviews", "visitors", "bounce_rate"],
                    "dimensions": ["date", "device"],
                    "filters": {"country": "US"},
                    "order_by": [{"field": "pageviews", "direction": "desc"}],
                    "limit": 100,
                },
                {
                    "tracking_id": "ST-DEMO",
                    "metrics": ["events", "visitors"],
                    "dimensions": ["properties.plan"],
                    "filters": [{"field": "properties.seats", "op": "gte", "value": 5}],
                    "compare": "previous_period",
                    "sampling": 0.1,
                },
            ]
        }
    }

    tracking_id: str = Field(description="The site, e.g. `ST-DEMO`; the key must be its key.")
    date_range: DateRange | None = Field(
        default=None, description="Default: the last 7 days, today included."
    )
    metrics: list[str] = Field(
        min_length=1,
        description="What to compute; the goal metrics (`goal_visitors`, `goal_conversions`, "
        "`goal_conversion_rate`) go with the `goal` dimension.",
        json_schema_extra={"items": {"type": "string", "enum": [*METRICS, *GOAL_METRICS]}},
    )
    dimensions: list[str] = Field(
        default_factory=list,
        description="What to group by; none gives one totals row. `properties.<key>` groups "
        "by a custom property.",
        json_schema_extra={"items": _names_or_property([*DIMENSIONS, "goal"])},
    )
    filters: dict[str, str | list[str]] | list[FilterItem] = Field(
        default_factory=dict,
        description="Short form: dimension -> value or values to keep, e.g. "
        '`{"device": ["mobile"], "country": "US"}`; list form: '
        '`[{"field": "page_path", "op": "starts_with", "value": "/blog"}]`.',
    )
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int = Field(default=100, ge=1, le=10_000)
    offset: int = Field(default=0, ge=0, le=1_000_000, description="Rows to skip (pages).")
    compare: Literal["previous_period", "previous_year"] | None = Field(
        default=None,
        description="Also answer each row's metrics over the previous period (as many days, "
        "just before) or the same dates a year earlier, under `comparison`.",
    )
    segment_id: str | None = Field(
        default=None, max_length=64, description="Only the visitors of this saved segment."
    )
    segment: SegmentBody | None = Field(
        default=None, description="Only the visitors of this segment (wins over segment_id)."
    )
    sampling: float | None = Field(
        default=None,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Allow an answer from this share of visitors (e.g. 0.1) when the report "
        "needs raw events or sessions; counts are then estimated for all visitors and "
        "`is_sampled` is true. Reports the rollups and cubes answer are always exact.",
    )

    @field_validator("filters")
    @classmethod
    def _filter_text(
        cls, value: dict[str, str | list[str]] | list[FilterItem]
    ) -> dict[str, str | list[str]] | list[FilterItem]:
        items = value.values() if isinstance(value, dict) else [f.value for f in value]
        for values in items:
            for item in values if isinstance(values, list) else [values]:
                if isinstance(item, str):
                    _text(item)
        return value

    def filter_list(self) -> list[tuple[str, str, tuple[str | float, ...]]]:
        """Both forms as ``(field, op, values)``: the short form means ``eq``/``in``."""
        if isinstance(self.filters, dict):
            return [
                (k, "eq", (v,)) if isinstance(v, str) else (k, "in", tuple(v))
                for k, v in self.filters.items()
            ]
        return [
            (f.field, f.op, tuple(f.value) if isinstance(f.value, list) else (f.value,))
            for f in self.filters
        ]


class QueryResponse(BaseModel):
    """A report: one row per combination of the requested dimensions."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "query_id": "q_3f9a1c2b7d4e",
                    "rows": [
                        {
                            "date": "2026-11-16",
                            "device": "desktop",
                            "pageviews": 1834,
                            "visitors": 512,
                            "bounce_rate": 0.41,
                        }
                    ],
                    "total_rows": 14,
                    "is_sampled": False,
                    "execution_time_ms": 12.4,
                    "source": "clickhouse.rollup_daily",
                }
            ]
        }
    }

    query_id: str = Field(description="Id of this answer, for support requests.")
    rows: list[dict[str, Any]] = Field(
        description="Rows keyed by dimension and metric names; metrics are numbers."
    )
    total_rows: int = Field(description="Rows the report has before `limit`.")
    is_sampled: bool = Field(description="True only when the answer was computed on a sample.")
    execution_time_ms: float
    comparison_range: dict[str, dt.date] | None = Field(
        default=None,
        description="The range (`start`, `end`) `comparison` values cover, when asked for.",
    )
    source: str = Field(
        description="The tier and table that answered, e.g. `clickhouse.rollup_daily`."
    )


class MinuteCount(BaseModel):
    """Events of one minute."""

    minute: str = Field(description="Start of the minute, UTC, ISO 8601 (`…T10:29:00Z`).")
    events: int


class TopPage(BaseModel):
    """A page viewed in the last 30 minutes."""

    url: str = Field(description="Page path.")
    active_users: int = Field(description="Visitors who viewed it in the last 30 minutes.")
    pageviews: int = Field(description="Its page views in the last 30 minutes.")


class RealtimeResponse(BaseModel):
    """Who is on a site right now (people only: bots and engagement records left out)."""

    tracking_id: str
    timestamp: str = Field(description="When this was computed, UTC, ISO 8601.")
    active_users: int = Field(description="Visitors with an event in the last 5 minutes.")
    active_sessions: int = Field(description="Sessions with an event in the last 5 minutes.")
    events_per_minute: list[MinuteCount] = Field(
        description="Events in each of the last 30 minutes, oldest first (the current, "
        "unfinished minute last)."
    )
    top_pages: list[TopPage] = Field(description="Up to 10 pages, by visitors.")
    traffic_sources: dict[str, int] = Field(
        description="Visitors of the last 30 minutes by default channel group."
    )
    devices: dict[str, int] = Field(description="Visitors of the last 30 minutes by device.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "tracking_id": "ST-DEMO",
                    "timestamp": "2026-11-23T10:30:00.000Z",
                    "active_users": 12,
                    "active_sessions": 12,
                    "events_per_minute": [{"minute": "2026-11-23T10:30:00Z", "events": 7}],
                    "top_pages": [{"url": "/pricing", "active_users": 4, "pageviews": 5}],
                    "traffic_sources": {"Direct": 6, "Organic Search": 4},
                    "devices": {"desktop": 8, "mobile": 4},
                }
            ]
        }
    }


class KeyInfo(BaseModel):
    """An API key's id and metadata (the key itself is shown once, when created)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "key_id": "9c1e0b7a4f2d",
                    "name": "dashboard",
                    "sites": ["ST-DEMO"],
                    "scopes": ["read"],
                    "created_at": "2026-11-23T10:00:00Z",
                    "expires_at": None,
                    "revoked_at": None,
                }
            ]
        }
    }

    key_id: str = Field(description="Public id of the key (`strata keys revoke KEY_ID`).")
    name: str | None = None
    sites: list[str] = Field(description="Sites the key may use.")
    scopes: list[str] = Field(
        description="`read` (reports, analyses), `write` (save goals, funnels, segments), `admin`, "
        "`sql` (the read-only SQL endpoint for BI tools)."
    )
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = Field(default=None, description="None: never expires.")
    revoked_at: dt.datetime | None = Field(default=None, description="None: not revoked.")


class SiteInfo(BaseModel):
    """A site an API key may read."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "tracking_id": "ST-DEMO",
                    "domains": ["demo.example"],
                    "timezone": "UTC",
                    "scopes": ["read", "write"],
                }
            ]
        }
    }

    tracking_id: str
    domains: list[str] = Field(description="Domains its browser events may come from.")
    timezone: str = Field(description="IANA zone its reports' dates and hours are in.")
    scopes: list[str] = Field(description="What the key may do on it (`read`, `write` …).")
