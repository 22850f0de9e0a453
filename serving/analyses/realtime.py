"""Realtime: who is on a site right now, fresh within seconds of the gateway's ack.

The gateway lands its write-ahead log in the lake every ``STRATA_FLUSH_SECONDS``
(default 2 s); the lake is the only contract between gateway and serving, so this
reads the recent landing files directly (each file once: landed files never change)
and adds what the hot tier's ``events`` table already holds for the window (in case
landing files were consumed and deleted).  An event in both is one event: rows are
deduplicated by ``(tracking_id, event_id)``, as bronze does.

Definitions (people only: bots and engagement records left out): *active users* are
visitors (client ids) with an event in the last 5 minutes, as Plausible counts them;
*active sessions* the distinct sessions among those events (the sender's session id,
or the visitor when it sends none); *events per minute* the events of each of the last
30 whole minutes (the current one included); *top pages*, *traffic sources* (channel)
and *devices* count visitors over the last 30 minutes.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import polars as pl

from lake.hot_tier import hot_tier
from lake.settings import Settings
from lake.storage import Lake, LakePaths

__all__ = ["ACTIVE", "WINDOW", "RecentEvents", "realtime_document"]

#: How far back "active" looks, and the window of the per-minute series and breakdowns.
ACTIVE, WINDOW = dt.timedelta(minutes=5), dt.timedelta(minutes=30)

_COLUMNS: dict[str, pl.DataType] = {
    "tracking_id": pl.String(),
    "event_id": pl.String(),
    "client_id": pl.String(),
    "session_hint": pl.String(),
    "event_type": pl.String(),
    "event_at": pl.Datetime("us", "UTC"),
    "received_at": pl.Datetime("us", "UTC"),
    "page_path": pl.String(),
    "channel": pl.String(),
    "device": pl.String(),
    "is_bot": pl.Boolean(),
}
#: Landing folders are by the UTC hour a file landed; events of the window landed in
#: this hour or the one before (plus lateness allowed here, a file written at :59:59).
_LOOKBACK = dt.timedelta(minutes=35)


class RecentEvents:
    """The last ~35 minutes of events: landing files read once each, cached by path, plus
    the hot tier's rows of the window.  Thread-safe; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lake = Lake(settings)
        self.paths = LakePaths(settings.lake_uri)
        self._files: dict[str, pl.DataFrame] = {}
        self._lock = threading.Lock()

    def _landing(self, now: dt.datetime) -> pl.DataFrame:
        since = now - _LOOKBACK
        hours = {since.replace(minute=0, second=0, microsecond=0), now.replace(minute=0)}
        folders = [
            f"{self.paths.landing_events}/date={h:%Y-%m-%d}/hour={h:%H}/"
            for h in sorted({h.replace(second=0, microsecond=0) for h in hours})
        ]
        files = [f for folder in folders for f in self.lake.list_files(folder)]
        with self._lock:
            for uri in files:
                if uri not in self._files:
                    self._files[uri] = self.lake.read_parquet([uri], _COLUMNS)
            keep = set(files)
            for uri in [u for u in self._files if u not in keep]:
                del self._files[uri]  # its hour left the window
            frames = list(self._files.values())
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=_COLUMNS)
        return frame.filter(pl.col("event_at") >= since)

    def _hot(self, tracking_id: str, now: dt.datetime) -> pl.DataFrame:
        since = now - _LOOKBACK
        with hot_tier(self.settings) as client:
            found = client.query(
                f"SELECT {', '.join(_COLUMNS)} FROM events WHERE tracking_id = {{t:String}} "
                "AND event_date >= {d:Date} AND event_at >= {since:DateTime64(6, 'UTC')}",
                parameters={
                    "t": tracking_id,
                    "d": since.date(),
                    "since": since.replace(tzinfo=None),
                },
            )
            rows = found.result_rows
        if not rows:
            return pl.DataFrame(schema=_COLUMNS)
        return pl.DataFrame(rows, schema=_COLUMNS, orient="row")

    def frame(self, tracking_id: str, now: dt.datetime) -> pl.DataFrame:
        """Site ``tracking_id``'s events of the last ~35 minutes, each once."""
        landing = self._landing(now).filter(pl.col("tracking_id") == tracking_id)
        hot = self._hot(tracking_id, now)
        return pl.concat([landing, hot]).unique(["tracking_id", "event_id"], keep="first")


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = (
        frame.group_by(pl.col(column).fill_null("(not set)"))
        .agg(visitors=pl.col("client_id").n_unique())
        .sort(["visitors", column], descending=[True, False])
    )
    return {row[column]: row["visitors"] for row in counted.iter_rows(named=True)}


def realtime_document(
    events: pl.DataFrame, tracking_id: str, now: dt.datetime, top: int = 10
) -> dict[str, Any]:
    """The realtime document of ``events`` (one site's recent events) at ``now``."""
    minute = now.replace(second=0, microsecond=0)
    first_minute = minute - dt.timedelta(minutes=29)
    people = events.filter(
        ~pl.col("is_bot").fill_null(False)
        & (pl.col("event_type") != "engagement")
        & (pl.col("event_at") <= now)
        & (pl.col("event_at") >= first_minute)
    )
    active = people.filter(pl.col("event_at") > now - ACTIVE)
    sessions = active.select(pl.coalesce("session_hint", "client_id").n_unique()).item()
    per_minute = dict(
        people.group_by(pl.col("event_at").dt.truncate("1m").alias("m")).agg(pl.len()).iter_rows()
    )
    pages = (
        people.filter(pl.col("event_type") == "pageview")
        .group_by(pl.col("page_path").fill_null("(not set)").alias("url"))
        .agg(active_users=pl.col("client_id").n_unique(), pageviews=pl.len())
        .sort(["active_users", "pageviews", "url"], descending=[True, True, False])
        .head(top)
    )
    series = []
    for i in range(30):
        start = first_minute + dt.timedelta(minutes=i)
        series.append({"minute": start.isoformat().replace("+00:00", "Z"), "events": 0})
        series[-1]["events"] = int(per_minute.get(start, 0))
    return {
        "tracking_id": tracking_id,
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "active_users": active["client_id"].n_unique(),
        "active_sessions": int(sessions),
        "events_per_minute": series,
        "top_pages": pages.to_dicts(),
        "traffic_sources": _counts(people, "channel"),
        "devices": _counts(people, "device"),
    }
