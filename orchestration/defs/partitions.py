"""Partitions: daily for sessions, rollups and the hot tier, hourly (landing hours) for
bronze; and how runs address them.  Built from the settings when the definitions load
(:func:`pipeline_partitions`), never at import."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dagster import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    BackfillPolicy,
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
)

from lake.transforms import RefreshRange

__all__ = [
    "CHANGED_DAYS_TAG",
    "MARTS_DAYS_TAG",
    "NOTED_UNTIL_TAG",
    "ONE_RUN",
    "RAW_DAYS_TAG",
    "STEP_TAG",
    "PipelinePartitions",
    "landing_hour",
    "partition_days",
    "pipeline_partitions",
    "range_tags",
    "span_tags",
    "tagged_days",
]


@dataclass(frozen=True)
class PipelinePartitions:
    """The two partitionings of the pipeline."""

    daily: DailyPartitionsDefinition
    hourly: HourlyPartitionsDefinition

    def bounds(self) -> tuple[dt.date, dt.date]:
        """First and last day that exist as daily partitions right now."""
        keys = self.daily.get_partition_keys()
        return dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])


def pipeline_partitions(start: dt.date) -> PipelinePartitions:
    """Partitions from ``start`` (``STRATA_PARTITIONS_START``).

    Daily: one per UTC day (site-local days for the daily rollup), up to two days
    ahead, so a site east of UTC can have "tomorrow" already.  Hourly: bronze ingests
    landing files by the UTC hour they landed in (their ``date=…/hour=…`` folder);
    re-materializing an hour re-reads whatever of it is left.
    """
    return PipelinePartitions(
        daily=DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=2),
        hourly=HourlyPartitionsDefinition(start_date=f"{start.isoformat()}-00:00", end_offset=1),
    )


_LANDING_HOUR = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")

#: A backfill of a date range is one run that streams day by day (not a run per day).
ONE_RUN = BackfillPolicy.single_run()

#: Run tags a refresh carries so its last asset can mark the changes it covered as done.
CHANGED_DAYS_TAG, NOTED_UNTIL_TAG = "strata/changed_days", "strata/noted_until"
#: The dbt marts' runs name their days under a tag of their own: a run limit of one each
#: (the instance's ``tag_concurrency_limits``), so a refresh never queues behind dbt (on
#: the embedded engine only the hot-tier load waits for dbt, through the ``clickhouse``
#: pool, while the lake's steps go on).
MARTS_DAYS_TAG = "strata/marts_days"
#: The same for the runs that load ClickHouse's raw ``events``/``sessions`` after each
#: refresh (and run the Great Expectations suites).
RAW_DAYS_TAG = "strata/raw_days"

#: Op tag of an asset node making several assets: the name ``strata pipeline`` reports
#: its step under (a node making one asset is reported by that asset's key).
STEP_TAG = "strata/step"


def partition_days(
    context: AssetExecutionContext | AssetCheckExecutionContext,
) -> list[dt.date]:
    """The days this run materializes, in order (one for a single partition, or a range)."""
    return [dt.date.fromisoformat(k) for k in context.partition_keys]


def landing_hour(uri: str) -> str | None:
    """The hourly partition key of a landing file (None for a file outside the layout)."""
    found = _LANDING_HOUR.search(uri)
    return f"{found[1]}-{found[2]}:00" if found else None


#: Dagster's tags of a run over a range of partitions, and of a run over one.
_RANGE_START, _RANGE_END = (
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
)
_PARTITION = "dagster/partition"


def span_tags(keys: list[str]) -> dict[str, str]:
    """Tags of one run over the partitions from the first to the last of ``keys``."""
    return {_RANGE_START: min(keys), _RANGE_END: max(keys)}


def tagged_days(tags: Mapping[str, str]) -> list[dt.date]:
    """The days a run over daily partitions covers, from its tags (:func:`span_tags`,
    :func:`range_tags`, or a single partition's); [] for a run without partitions."""
    first = tags.get(_RANGE_START) or tags.get(_PARTITION)
    last = tags.get(_RANGE_END) or first
    if not first or not last:
        return []
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def range_tags(refresh: RefreshRange, days_tag: str = CHANGED_DAYS_TAG) -> dict[str, str]:
    """Tags of a single run over ``refresh``'s partition range that marks its changes done
    (``days_tag``: where the changed days go, :data:`MARTS_DAYS_TAG` for the marts)."""
    return {
        _RANGE_START: refresh.first.isoformat(),
        _RANGE_END: refresh.last.isoformat(),
        days_tag: ",".join(d.isoformat() for d in refresh.changed),
        NOTED_UNTIL_TAG: refresh.noted_until.isoformat(),
    }
