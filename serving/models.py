"""Request and response bodies of the query API (pydantic: they are the OpenAPI shapes)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from serving.semantic import DIMENSIONS, FILTERABLE, METRICS

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "DateRange",
    "FilterItem",
    "OrderBy",
    "QueryRequest",
    "QueryResponse",
]

#: Reports cover dates in this range (the gateway accepts event times 2000–2100).
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _iso_date(value: Any) -> Any:
    """Dates are ``YYYY-MM-DD`` strings only (a number is not read as a Unix time)."""
    if isinstance(value, dt.date):  # built in Python (the default range), not sent
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


ReportDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _text(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
    return value


class DateRange(BaseModel):
    """Inclusive dates (``YYYY-MM-DD``) in the site's time zone, 2000-01-01 to 2100-12-31."""

    start: ReportDate
    end: ReportDate

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, value: dt.date) -> dt.date:
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
        return value


class OrderBy(BaseModel):
    """Sort key: a requested metric or dimension."""

    field: str = Field(
        description="A requested metric or dimension.",
        json_schema_extra={"enum": [*METRICS, *DIMENSIONS]},
    )
    direction: Literal["asc", "desc"] = "desc"


class FilterItem(BaseModel):
    """One condition of the list form of ``filters``."""

    field: str = Field(
        description="A dimension to filter on.", json_schema_extra={"enum": list(FILTERABLE)}
    )
    op: Literal["eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "regex"]
    value: str | list[str] = Field(
        description="A string; a list for `in`/`not_in`; an RE2 pattern for `regex`."
    )


class QueryRequest(BaseModel):
    """A custom report request (shape of the reference design's ``/api/v1/query``)."""

    tracking_id: str = Field(description="The site, e.g. `ST-DEMO`; the key must be its key.")
    date_range: DateRange | None = Field(
        default=None, description="Default: the last 7 days, today included."
    )
    metrics: list[str] = Field(
        min_length=1,
        description="What to compute.",
        json_schema_extra={"items": {"type": "string", "enum": list(METRICS)}},
    )
    dimensions: list[str] = Field(
        default_factory=list,
        description="What to group by; none gives one totals row.",
        json_schema_extra={"items": {"type": "string", "enum": list(DIMENSIONS)}},
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

    @field_validator("filters")
    @classmethod
    def _filter_text(
        cls, value: dict[str, str | list[str]] | list[FilterItem]
    ) -> dict[str, str | list[str]] | list[FilterItem]:
        items = value.values() if isinstance(value, dict) else [f.value for f in value]
        for values in items:
            for item in [values] if isinstance(values, str) else values:
                _text(item)
        return value

    def filter_list(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """Both forms as ``(field, op, values)``: the short form means ``eq``/``in``."""
        if isinstance(self.filters, dict):
            return [
                (k, "eq", (v,)) if isinstance(v, str) else (k, "in", tuple(v))
                for k, v in self.filters.items()
            ]
        return [
            (f.field, f.op, (f.value,) if isinstance(f.value, str) else tuple(f.value))
            for f in self.filters
        ]


class QueryResponse(BaseModel):
    """A report: one row per combination of the requested dimensions."""

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
