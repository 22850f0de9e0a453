"""bronze/events: landed micro-batches merged into one Delta table, each event once."""

import datetime as dt
from collections.abc import Iterator

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    LastPartitionMapping,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset_check,
)

from lake.loads import BRONZE_CHUNK_ROWS, grouped, ingest_landing
from lake.loads import unconsumed_landing_files as landing_files_left
from lake.storage import CONSUMED_SCHEMA, EVENT_SCHEMA
from lake.transforms import allowed_lateness
from orchestration.defs.lake.checks import merge_outcomes, suite_results, suite_specs
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, landing_hour
from orchestration.lib.preview import preview
from orchestration.lib.quality import MAX_CLOCK_AHEAD_S, CheckOutcome, suite_columns, validate
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = [
    "BRONZE",
    "BRONZE_AS_IT_STANDS",
    "CONSUMED_SCHEMA",
    "bronze_events_asset",
    "bronze_events_checks",
    "new_landing_hours",
    "unconsumed_landing_files",
]

BRONZE = AssetKey(["bronze", "events"])

#: How a day downstream depends on bronze (partitioned by landing hour): it reads
#: bronze as it stands — every hour landed so far, since any hour can hold a late event
#: of any day — and Dagster records that as its newest hour.  (Mapping to *all* hours
#: made Dagster list every hour since ``STRATA_PARTITIONS_START`` for each asset of
#: each run, ~0.7 s apiece at six years of hours, to then skip them as too many.)
BRONZE_AS_IT_STANDS = LastPartitionMapping()


def unconsumed_landing_files(lake_res: LakeResource) -> list[str]:
    """Landing files not yet merged into bronze (what the sensor and bronze look for)."""
    return landing_files_left(lake_res.lake, lake_res.paths)


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
    """Merge this run's landing hours into bronze (:func:`lake.loads.ingest_landing`)."""
    lake, paths = lake_res.lake, lake_res.paths
    hours = set(context.partition_keys)
    files = [f for f in unconsumed_landing_files(lake_res) if landing_hour(f) in hours]
    totals = dict.fromkeys(("new_events", "duplicates", "quarantined_events"), 0)
    totals |= {"new_files": len(files), "bots_in_new_events": 0}
    dates: set[dt.date] = set()
    last: pl.DataFrame | None = None
    chunks = ingest_landing(
        lake,
        paths,
        files,
        catalog.allowed_lateness(),
        MAX_CLOCK_AHEAD_S,
        log=context.log.info,
    )
    for chunk in chunks:
        fresh = chunk.fresh
        if fresh.height:
            last = fresh.head(5)  # for the preview; holding the chunk would double memory
            dates.update(fresh["event_date"].unique().to_list())
        totals["new_events"] += fresh.height
        totals["bots_in_new_events"] += int(fresh["is_bot"].sum())
        totals["duplicates"] += chunk.duplicates
        totals["quarantined_events"] += chunk.quarantined.height
        del chunk, fresh
    meta: dict = {**totals, "table_files": lake.file_count(paths.bronze_events)}
    if last is not None:
        meta["touched_days"] = MetadataValue.text(", ".join(str(d) for d in sorted(dates)))
        meta["preview"] = preview(
            last, ["event_at", "event_type", "page_path", "channel", "country", "device"]
        )
    yield MaterializeResult(metadata=meta)


#: The bronze version the bronze_events suite has validated up to (a text file).
_CHECKED_VERSION = "_state/bronze_checked_version"


def bronze_events_checks() -> AssetChecksDefinition:
    """The bronze_events suite (:mod:`orchestration.lib.quality`) as checks of
    ``bronze/events``, over every event appended since the suite last ran.

    A step of its own: ``strata pipeline`` runs it right after bronze, and Dagster's
    daemon in the job that follows the refreshes (``strata_raw_tables``), after the raw
    tables' load — not in the frequent bronze runs, which would each spend ~3 s of CPU
    importing the suite's library (bronze's run is then a fraction of that).
    """

    @multi_asset_check(specs=suite_specs("bronze_events", BRONZE), name="bronze_events_suite")
    def bronze_events_suite(
        context: AssetCheckExecutionContext, lake: LakeResource, catalog: CatalogResource
    ) -> Iterator:
        """Validate the events bronze took since the last validation, a chunk at a time."""
        lake_, paths = lake.lake, lake.paths
        marker = f"{paths.root}/{_CHECKED_VERSION}"
        seen = lake_.read_text(marker)
        files, version = lake_.files_since(paths.bronze_events, int(seen) if seen else None)
        lateness = allowed_lateness(
            lake.settings.allowed_lateness_hours, catalog.allowed_lateness()
        )
        schema = {c: EVENT_SCHEMA[c] for c in suite_columns("bronze_events") if c in EVENT_SCHEMA}
        outcomes: dict[str, CheckOutcome] = {}
        for group in grouped(files, lake_.parquet_rows, BRONZE_CHUNK_ROWS):
            rows = lake_.read_parquet(group, schema).with_columns(allowed_lateness_h=lateness)
            merge_outcomes(outcomes, validate("bronze_events", rows))
        if version is not None:
            lake_.write_text(marker, str(version))
        context.log.info(f"validated {len(files)} new bronze files")
        yield from suite_results("bronze_events", BRONZE, outcomes)

    return bronze_events_suite
