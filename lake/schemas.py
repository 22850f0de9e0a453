"""Column contracts of the lake tables, as Polars schemas.

The gateway writes landing files with :data:`EVENT_SCHEMA`; bronze keeps the same
columns; sessions and rollups have their own.  Changing a schema here changes a
contract between packages: change its tests with it.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "CONSUMED_SCHEMA",
    "ENGAGEMENT_EVENT_TYPES",
    "EVENT_SCHEMA",
    "EVENT_TYPES",
    "ROLLUP_DIMENSIONS",
    "SESSION_DIMENSIONS",
    "SESSION_SCHEMA",
    "TELEMETRY_EVENT_TYPES",
    "UTC_US",
]

UTC_US = pl.Datetime("us", "UTC")

#: Event types of contract v1.
EVENT_TYPES: tuple[str, ...] = (
    "pageview",
    "event",
    "click",
    "transaction",
    "purchase",
    "identify",
    "web_vital",
    "error",
    "engagement",
)

#: Records a sender emits about a page rather than a visitor's action (Plausible's and
#: our tracker's engagement pings): kept in bronze with their measures, but never
#: events, never sessions, never visitors, never a reason a session is no bounce.
TELEMETRY_EVENT_TYPES: tuple[str, ...] = ("engagement",)

#: Event types that mean the visitor engaged: a session with one of these is no bounce.
ENGAGEMENT_EVENT_TYPES: tuple[str, ...] = ("event", "click", "transaction", "purchase")

#: One enriched event: landing files and bronze/events.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "tracking_id": pl.String(),
    "client_id": pl.String(),
    "session_hint": pl.String(),
    "user_id": pl.String(),
    "event_type": pl.String(),
    "event_name": pl.String(),
    "event_at": UTC_US,
    "received_at": UTC_US,
    "event_date": pl.Date(),
    "page_url": pl.String(),
    "page_title": pl.String(),
    "page_referrer": pl.String(),
    "page_host": pl.String(),
    "page_path": pl.String(),
    "referrer_host": pl.String(),
    "utm_source": pl.String(),
    "utm_medium": pl.String(),
    "utm_campaign": pl.String(),
    "utm_term": pl.String(),
    "utm_content": pl.String(),
    "channel": pl.String(),
    "properties": pl.String(),
    "revenue_amount": pl.Float64(),
    "revenue_currency": pl.String(),
    "transaction_id": pl.String(),
    "experiment_id": pl.String(),
    "experiment_variant": pl.String(),
    "screen": pl.String(),
    "language": pl.String(),
    "client_timezone": pl.String(),
    "ip": pl.String(),
    "country": pl.String(),
    "region": pl.String(),
    "city": pl.String(),
    "device": pl.String(),
    "browser": pl.String(),
    "browser_version": pl.String(),
    "os": pl.String(),
    "os_version": pl.String(),
    "is_bot": pl.Boolean(),
    # engagement records only (last, so WAL rows written before they existed still fit)
    "engaged_ms": pl.Int64(),
    "scroll_depth": pl.Int16(),
    # false for a non-interactive event (no end to a bounce); null: interactive
    "is_interactive": pl.Boolean(),
}

#: Session attributes copied onto every rollup row (taken from a session's first event).
SESSION_DIMENSIONS: tuple[str, ...] = (
    "country",
    "device",
    "browser",
    "os",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)

#: The dimensions a rollup row is keyed by, besides site and time.
ROLLUP_DIMENSIONS: tuple[str, ...] = ("page_path", *SESSION_DIMENSIONS)

#: silver/sessions: one row per session, partitioned by ``session_date`` (UTC date of start).
SESSION_SCHEMA: dict[str, pl.DataType] = {
    "session_id": pl.String(),
    "tracking_id": pl.String(),
    "client_id": pl.String(),
    "user_id": pl.String(),
    "started_at": UTC_US,
    "ended_at": UTC_US,
    "session_date": pl.Date(),
    "duration_s": pl.Float64(),
    "count_pageviews": pl.UInt32(),
    "count_events": pl.UInt32(),
    "entry_page": pl.String(),
    "exit_page": pl.String(),
    "referrer_host": pl.String(),
    **{name: pl.String() for name in SESSION_DIMENSIONS},
    "is_bounce": pl.Boolean(),
    "is_converted": pl.Boolean(),
    "revenue": pl.Float64(),
    "is_bot": pl.Boolean(),
}


#: ``bronze/landing_consumed``: the landing files bronze has merged (its cursor).
CONSUMED_SCHEMA = {"path": pl.String(), "consumed_at": pl.Datetime("us", "UTC")}
