"""Lake assets: landing → bronze/events → silver/sessions → gold rollups."""

import datetime as dt
from collections.abc import Iterator

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from lake.io import Lake
from lake.quality import MAX_CLOCK_AHEAD_S
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from lake.transforms.bronze import only_new_events, split_quarantine
from lake.transforms.rollups import rollup_daily, rollup_hourly
from lake.transforms.sessionize import assign_sessions, build_sessions
from orchestration.lib.strata_resource import StrataResource

__all__ = ["bronze_events", "gold_rollup_daily", "gold_rollup_hourly", "silver_sessions"]

#: Landed rows one bronze step holds in memory at a time.
BRONZE_CHUNK_ROWS = 1_000_000

CONSUMED_SCHEMA = {"path": pl.String(), "consumed_at": pl.Datetime("us", "UTC")}


def _preview(df: pl.DataFrame, columns: list[str], rows: int = 5) -> MetadataValue:
    """A small Markdown table of ``df`` for the asset's page in Dagster's UI."""
    head = df.select(columns).head(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in head.rows()]
    return MetadataValue.md("\n".join(lines))


def _consumed(files: list[str]) -> pl.DataFrame:
    now = dt.datetime.now(dt.UTC)
    return pl.DataFrame({"path": files, "consumed_at": [now] * len(files)}, schema=CONSUMED_SCHEMA)


def unconsumed_landing_files(strata: StrataResource) -> list[str]:
    """Landing files not yet merged into bronze (what the sensor and bronze look for)."""
    lake, paths = strata.lake(), strata.paths()
    consumed = lake.scan_delta(paths.landing_consumed, CONSUMED_SCHEMA).select("path").collect()
    done = set(consumed["path"].to_list())
    return [f for f in lake.list_files(paths.landing_events) if f not in done]


@asset(
    key=["bronze", "events"],
    group_name="lake",
    kinds={"delta", "polars"},
    description="Every landed event once (dedup by event_id across batches), "
    "partitioned by event_date; bots kept with is_bot.",
)
def bronze_events(context: AssetExecutionContext, strata: StrataResource) -> MaterializeResult:
    """Append newly landed events bronze does not hold yet, a bounded chunk of files at a time.

    Each chunk is checked against the ids already in the days it touches (only that
    column is read), appended, and its files marked consumed; a crash between the two
    just re-reads the chunk, whose events are then known and skipped.
    """
    lake, paths = strata.lake(), strata.paths()
    files = unconsumed_landing_files(strata)
    totals = {"new_files": len(files), "new_events": 0, "duplicates": 0, "quarantined": 0}
    dates: set[dt.date] = set()
    last: pl.DataFrame | None = None
    default_lateness, lateness_by_site = (
        strata.settings().allowed_lateness_hours,
        strata.allowed_lateness(),
    )
    for chunk in _chunks(lake, files, BRONZE_CHUNK_ROWS):
        new = lake.read_parquet(chunk, EVENT_SCHEMA)
        new, quarantined = split_quarantine(
            new, MAX_CLOCK_AHEAD_S, default_lateness, lateness_by_site
        )
        if quarantined.height:  # kept with the reason, out of bronze and the reports
            stamp = dt.datetime.now(dt.UTC)
            uri = f"{paths.quarantine('bronze_events')}/{stamp:%Y%m%dT%H%M%S%f}.parquet"
            lake.write_parquet(quarantined.to_arrow(), uri)
            reasons = quarantined["reason"].value_counts().rows()
            context.log.warning(f"quarantined {quarantined.height} events: {reasons[:5]}")
        chunk_dates = new["event_date"].unique().to_list()
        known = (
            lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
            .filter(pl.col("event_date").is_in(chunk_dates))
            .select("event_id")
        )
        fresh = only_new_events(new.lazy(), known).collect()
        if fresh.height:
            lake.append_partitioned(fresh, paths.bronze_events, "event_date")
            last = fresh
        lake.append_delta(_consumed(chunk), paths.landing_consumed)
        dates.update(fresh["event_date"].unique().to_list())
        totals["new_events"] += fresh.height
        totals["duplicates"] += new.height - fresh.height
        totals["quarantined"] += quarantined.height
        context.log.info(f"{len(chunk)} files: {fresh.height} new events")
    quarantined_total = totals.pop("quarantined")
    meta: dict = {**totals, "quarantined_events": quarantined_total}
    if last is not None:
        meta["touched_days"] = MetadataValue.text(", ".join(str(d) for d in sorted(dates)))
        meta["bots_in_new_events"] = int(last["is_bot"].sum())
        meta["preview"] = _preview(
            last, ["event_at", "event_type", "page_path", "channel", "country", "device"]
        )
    return MaterializeResult(metadata=meta)


def _chunks(lake: Lake, files: list[str], max_rows: int) -> Iterator[list[str]]:
    """Files grouped so one group holds about ``max_rows`` rows (at least one file)."""
    group: list[str] = []
    rows = 0
    for f in files:
        n = lake.parquet_rows(f)
        if group and rows + n > max_rows:
            yield group
            group, rows = [], 0
        group.append(f)
        rows += n
    if group:
        yield group


def _events_with_sessions(strata: StrataResource) -> pl.LazyFrame:
    events = strata.lake().scan_delta(strata.paths().bronze_events, EVENT_SCHEMA)
    return assign_sessions(
        events, strata.settings().session_timeout_minutes, strata.session_timeouts()
    )


@asset(
    key=["silver", "sessions"],
    deps=[bronze_events],
    group_name="lake",
    kinds={"delta", "polars"},
    description="One row per session (30-minute inactivity gap, whole across hour and day "
    "boundaries), partitioned by the UTC date of its first event.",
)
def silver_sessions(strata: StrataResource) -> MaterializeResult:
    """Sessionize all of bronze (a rebuild: a late event can join or split any session)."""
    sessions = build_sessions(_events_with_sessions(strata)).collect()
    strata.lake().overwrite_delta(sessions, strata.paths().silver_sessions, "session_date")
    return MaterializeResult(
        metadata={
            "sessions": sessions.height,
            "bounces": int(sessions["is_bounce"].sum()),
            "distinct_clients": sessions["client_id"].n_unique(),
            "preview": _preview(
                sessions.sort("started_at"),
                ["started_at", "duration_s", "count_pageviews", "entry_page", "channel"],
            ),
        }
    )


def _write_rollup(strata: StrataResource, df: pl.DataFrame, name: str, part: str) -> dict:
    strata.lake().overwrite_delta(df, strata.paths().gold(name), part)
    return {"rows": df.height, "pageviews": int(df["count_pageviews"].sum())}


@asset(
    key=["gold", "rollup_hourly"],
    deps=[bronze_events, silver_sessions],
    group_name="lake",
    kinds={"delta", "polars"},
    description="Per UTC hour × page × session attributes: pageviews, events, distinct users "
    "(exact key lists), sessions started, bounces, session seconds.",
)
def gold_rollup_hourly(strata: StrataResource) -> MaterializeResult:
    """Hourly rollup from bronze events and silver sessions."""
    sessions = strata.lake().scan_delta(strata.paths().silver_sessions, SESSION_SCHEMA)
    df = rollup_hourly(_events_with_sessions(strata), sessions).collect()
    return MaterializeResult(metadata=_write_rollup(strata, df, "rollup_hourly", "utc_date"))


@asset(
    key=["gold", "rollup_daily"],
    deps=[bronze_events, silver_sessions],
    group_name="lake",
    kinds={"delta", "polars"},
    description="Per site-local date × page × session attributes; same measures as hourly.",
)
def gold_rollup_daily(strata: StrataResource) -> MaterializeResult:
    """Daily rollup in each site's own time zone."""
    sessions = strata.lake().scan_delta(strata.paths().silver_sessions, SESSION_SCHEMA)
    df = rollup_daily(_events_with_sessions(strata), sessions, strata.timezones()).collect()
    return MaterializeResult(metadata=_write_rollup(strata, df, "rollup_daily", "date"))
