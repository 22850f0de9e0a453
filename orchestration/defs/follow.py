"""Jobs that follow the refreshes over the days they rebuilt, each on its own cadence:
ClickHouse's raw ``events``/``sessions`` (with the Great Expectations suites) after
every refresh, the dbt marts after the raw tables.

A refresh that succeeded notes its days for the first follower; a follower's run that
succeeded marks them done and notes them for the next.  Each follower keeps its days
in a small Delta table (:class:`lake.storage.ChangedDays`'s shape) and names them in
its runs under a tag of its own, whose run limit of one (``tag_concurrency_limits``)
keeps its runs from queueing behind one another or behind a refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
    sensor,
)

from lake.storage import ChangedDays, LakePaths
from lake.transforms import RefreshRange
from orchestration.defs.partitions import (
    MARTS_DAYS_TAG,
    NOTED_UNTIL_TAG,
    RAW_DAYS_TAG,
    PipelinePartitions,
    tagged_days,
)
from orchestration.defs.runs import SENSOR_INTERVAL_S, busy, range_runs
from orchestration.lib.resources import LakeResource

__all__ = [
    "FollowerJob",
    "follower_changes",
    "follower_job",
    "mark_done",
    "mark_followed",
    "note_to_follow",
    "to_follow",
]

#: A follower's days tag -> the Delta table of the days it has yet to cover.
_TABLES = {
    RAW_DAYS_TAG: lambda paths: paths.raw_changed_days,
    MARTS_DAYS_TAG: lambda paths: paths.marts_changed_days,
}


def follower_changes(lake_res: LakeResource, days_tag: str) -> ChangedDays:
    """The days the follower of ``days_tag`` has yet to cover (and has covered)."""
    paths: LakePaths = lake_res.paths
    return ChangedDays(lake_res.lake, paths, _TABLES[days_tag](paths))


def mark_done(changes: ChangedDays, tags: Mapping[str, str], days_tag: str) -> bool:
    """Mark the changes a run's tags name (its days under ``days_tag``, noted until) done
    in ``changes``; False for a run whose tags name none (a backfill, a schedule)."""
    if days_tag not in tags or NOTED_UNTIL_TAG not in tags:
        return False
    changes.mark_done(
        [dt.date.fromisoformat(d) for d in tags[days_tag].split(",")],
        dt.datetime.fromisoformat(tags[NOTED_UNTIL_TAG]),
    )
    return True


def note_to_follow(lake_res: LakeResource, days_tag: str, tags: Mapping[str, str]) -> list[dt.date]:
    """After a run succeeded: the days it covered (its partition range, from ``tags``) are
    the follower's of ``days_tag`` to cover; returns them ([] for a run without)."""
    days = tagged_days(tags)
    follower_changes(lake_res, days_tag).note(days)  # (nothing is written for no days)
    return days


def to_follow(lake_res: LakeResource, days_tag: str) -> list[RefreshRange]:
    """Contiguous ranges of the days the follower of ``days_tag`` has yet to cover."""
    pending = follower_changes(lake_res, days_tag).pending()
    ranges: list[list[dt.date]] = []
    for day in sorted(pending):
        if ranges and day == ranges[-1][-1] + dt.timedelta(days=1):
            ranges[-1].append(day)
        else:
            ranges.append([day])
    return [RefreshRange(r[0], r[-1], tuple(r), max(pending[d] for d in r)) for r in ranges]


def mark_followed(lake_res: LakeResource, days_tag: str, tags: Mapping[str, str]) -> bool:
    """After a follower's run succeeded: the days it covered (its tags) are done."""
    return mark_done(follower_changes(lake_res, days_tag), tags, days_tag)


@dataclass(frozen=True)
class FollowerJob:
    """A follower's job, the sensor that plans its runs, and the one that closes them."""

    job: Any  # what define_asset_job returns (resolved when definitions load)
    sensor: SensorDefinition
    done_sensor: SensorDefinition


def follower_job(
    name: str,
    short: str,
    what: str,
    selection: AssetSelection,
    parts: PipelinePartitions,
    days_tag: str,
    interval_s: int = SENSOR_INTERVAL_S,
    then: str | None = None,
) -> FollowerJob:
    """Job ``name`` over ``selection`` (``what`` it makes, for messages) and its sensors:
    ``<short>_sensor`` asks (every ``interval_s``) for one run per contiguous range of the
    days its ``days_tag`` table holds, none while one of its runs is queued or running;
    ``<short>_done`` marks a successful run's days done and notes them for the follower
    of the ``then`` tag, if any."""
    job = define_asset_job(
        name, selection=selection, partitions_def=parts.daily, executor_def=in_process_executor
    )

    @sensor(
        job=job,
        name=f"{short}_sensor",
        minimum_interval_seconds=interval_s,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def plan(context: SensorEvaluationContext, lake: LakeResource):
        """Request one run per contiguous range of days refreshed since this job last
        covered them (none while one of its runs is queued or running)."""
        if busy(context, name):
            return SkipReason(f"a run of {name} is under way")
        ranges = to_follow(lake, days_tag)
        if not ranges:
            return SkipReason(f"{what} are up to date with the refreshes")
        return range_runs(ranges, f"{short}-", days_tag)

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[job],
        name=f"{short}_done",
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def done(context: RunStatusSensorContext, lake: LakeResource) -> None:
        """A run succeeded: its days are the next follower's (noted first, so that no
        moment shows them covered by neither), then done here."""
        tags = context.dagster_run.tags
        if then is not None:
            note_to_follow(lake, then, tags)
        mark_followed(lake, days_tag, tags)

    return FollowerJob(job, plan, done)
