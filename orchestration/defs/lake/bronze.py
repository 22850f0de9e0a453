"""bronze/events: landed micro-batches merged into one Delta table, each event once."""

import datetime as dt
from collections.abc import Iterator

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from lake.storage import EVENT_SCHEMA, ChangedDays, KnownIds, Lake, index_fingerprint
from lake.transforms import allowed_lateness, split_quarantine
from orchestration.defs.lake.checks import merge_outcomes, suite_results, suite_specs
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, landing_hour
from orchestration.lib.preview import preview
from orchestration.lib.quality import MAX_CLOCK_AHEAD_S, CheckOutcome, validate
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = [
    "BRONZE",
    "CONSUMED_SCHEMA",
    "bronze_events_asset",
    "new_landing_hours",
    "unconsumed_landing_files",
]

BRONZE = AssetKey(["bronze", "events"])

#: Landed rows one bronze step holds in memory at a time.
BRONZE_CHUNK_ROWS = 500_000

CONSUMED_SCHEMA = {"path": pl.String(), "consumed_at": pl.Datetime("us", "UTC")}


def _consumed(files: list[str]) -> pl.DataFrame:
    now = dt.datetime.now(dt.UTC)
    return pl.DataFrame({"path": files, "consumed_at": [now] * len(files)}, schema=CONSUMED_SCHEMA)


def unconsumed_landing_files(lake_res: LakeResource) -> list[str]:
    """Landing files not yet merged into bronze (what the sensor and bronze look for)."""
    lake, paths = lake_res.lake, lake_res.paths
    consumed = lake.scan_delta(paths.landing_consumed, CONSUMED_SCHEMA).select("path").collect()
    done = set(consumed["path"].to_list())
    return [f for f in lake.list_files(paths.landing_events) if f not in done]


def new_landing_hours(files: list[str]) -> list[str]:
    """The hourly partitions (landing hours) of ``files``, sorted, each once."""
    return sorted({h for h in map(landing_hour, files) if h is not None})


def bronze_events_asset(parts: PipelinePartitions) -> AssetsDefinition:
    """The ``bronze/events`` asset over the landing-hour partitions."""

    @asset(
        key=BRONZE,
        partitions_def=parts.hourly,
        backfill_policy=ONE_RUN,
        group_name="lake",
        kinds={"delta", "polars"},
        check_specs=suite_specs("bronze_events", BRONZE),
    )
    def bronze_events(
        context: AssetExecutionContext, lake: LakeResource, catalog: CatalogResource
    ) -> Iterator:
        """Every landed event once (dedup by tracking_id + event_id across all of bronze,
        through the event id index), partitioned by event_date; bots kept with is_bot.

        Dagster partitions are the hours events landed in: a run ingests the landing
        files of its hours bronze has not consumed yet.
        """
        yield from _ingest(context, lake, catalog)

    return bronze_events


def _ingest(
    context: AssetExecutionContext, lake_res: LakeResource, catalog: CatalogResource
) -> Iterator:
    """Append newly landed events bronze does not hold yet, a bounded chunk of files at a time.

    Each chunk is checked against every event key bronze holds (the id index, read
    once per run and site, kept as hashes: see :mod:`lake.storage.known_ids`), recorded in the
    index, appended, its dates noted as
    changed (what the refresh of sessions and rollups picks up) and its files marked
    consumed; a crash in between re-reads the chunk, whose events are then known and
    skipped but noted again.
    The bronze_events suite validates the new events of each chunk.
    """
    lake, paths = lake_res.lake, lake_res.paths
    hours = set(context.partition_keys)
    files = [f for f in unconsumed_landing_files(lake_res) if landing_hour(f) in hours]
    totals = {"new_files": len(files), "new_events": 0, "duplicates": 0}
    totals |= {"quarantined_events": 0, "bots_in_new_events": 0}
    dates: set[dt.date] = set()
    last: pl.DataFrame | None = None
    settings, lateness_by_site = lake_res.settings, catalog.allowed_lateness()
    changes = ChangedDays(lake, paths)
    outcomes: dict[str, CheckOutcome] = {}
    known = KnownIds(lake, paths.bronze_events, paths.event_id_index(index_fingerprint()))
    for chunk in _chunks(lake, files, BRONZE_CHUNK_ROWS):
        new = lake.read_parquet(chunk, EVENT_SCHEMA)
        new, quarantined = split_quarantine(
            new,
            MAX_CLOCK_AHEAD_S,
            settings.allowed_lateness_hours,
            lateness_by_site,
            settings.partitions_start,
        )
        if quarantined.height:  # kept with the reason, out of bronze and the reports
            stamp = dt.datetime.now(dt.UTC)
            uri = f"{paths.quarantine('bronze_events')}/{stamp:%Y%m%dT%H%M%S%f}.parquet"
            lake.write_parquet(quarantined.to_arrow(), uri)
            reasons = quarantined["reason"].value_counts().rows()
            context.log.warning(f"quarantined {quarantined.height} events: {reasons[:5]}")
        chunk_dates = new["event_date"].unique().to_list()
        fresh = known.only_new(new)
        if fresh.height:
            known.record(fresh)  # before the append: see lake.storage.known_ids
            lake.append_partitioned(fresh, paths.bronze_events, "event_date")
            last = fresh.head(5)  # for the preview; holding the chunk would double memory
            totals["bots_in_new_events"] += int(fresh["is_bot"].sum())
            lateness = allowed_lateness(settings.allowed_lateness_hours, lateness_by_site)
            checked = fresh.lazy().with_columns(allowed_lateness_h=lateness)
            merge_outcomes(outcomes, validate("bronze_events", checked))
        changes.note(chunk_dates)
        lake.append_delta(_consumed(chunk), paths.landing_consumed)
        dates.update(fresh["event_date"].unique().to_list())
        totals["new_events"] += fresh.height
        totals["duplicates"] += new.height - fresh.height
        totals["quarantined_events"] += quarantined.height
        context.log.info(f"{len(chunk)} files: {fresh.height} new events")
    meta: dict = {**totals, "table_files": lake.file_count(paths.bronze_events)}
    if last is not None:
        meta["touched_days"] = MetadataValue.text(", ".join(str(d) for d in sorted(dates)))
        meta["preview"] = preview(
            last, ["event_at", "event_type", "page_path", "channel", "country", "device"]
        )
    yield MaterializeResult(metadata=meta)
    yield from suite_results("bronze_events", BRONZE, outcomes)


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
