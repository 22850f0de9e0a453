"""Erasure of one person, in two steps around a refresh of the days they touched.

``begin``: find the person's client ids, remove their rows from the WAL, landing,
bronze and its id index, silver, quarantine, the gold visitor lists and the hot
tier's tables with client ids (``visitor_numbers`` keeps a tombstone), and note the
days they touched as changed.  The refresh of those days (the ``strata_refresh`` job
the refresh sensor starts, or ``strata erase`` at once) recomputes sessions, rollups,
cubes and the hot tier's aggregates from the erased bronze (the raw tables and the dbt
marts follow it: ``strata_raw_tables`` and ``strata_marts`` under the daemon, at once
in ``strata erase``).
``finish``: check every store holds none of the person's rows (a writer racing the
erasure may have copied some back: then ``begin`` again), purge old Delta file
versions, and keep the audit record (``done``; the ids are forgotten, a salted hash of
the requested one stays).

Under Dagster's daemon the ``erasure_requests`` sensor runs both steps; ``strata
erase`` and ``strata pipeline`` run them in one go.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from dagster import (
    DefaultSensorStatus,
    OpExecutionContext,
    RunRequest,
    SkipReason,
    job,
    op,
    sensor,
)

from lake.catalog import Erasure, ErasureStore
from lake.hot_tier import erase_from_hot_tier, find_in_hot_tier
from lake.storage import (
    ChangedDays,
    Person,
    clients_of_user,
    erase_from_lake,
    erase_from_wal,
    find_in_lake,
    index_fingerprint,
    purge_history,
)
from orchestration.defs.follow import follower_changes
from orchestration.defs.maintenance.retention import GOLD_TABLES
from orchestration.defs.partitions import RAW_DAYS_TAG
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = [
    "begin_erasure",
    "begin_erasures",
    "erasure_requests",
    "finish_erasure",
    "finish_erasures",
    "ready_to_finish",
]

#: An erasure ``running`` this long was left by a crashed run: begin it again.
_STALE_RUN = dt.timedelta(hours=1)


def _add(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """Rows removed add up over repeated steps; the client ids found are the latest."""
    added = {k: counts.get(k, 0) + more.get(k, 0) for k in sorted({*counts, *more})}
    if "client_ids_found" in more:
        added["client_ids_found"] = more["client_ids_found"]
    return added


def _person(erasure: Erasure, lake_res: LakeResource) -> Person:
    value = erasure.value or ""
    if erasure.id_kind == "client_id":
        ids = {value}
    else:
        wal = lake_res.settings.wal_dir
        ids = clients_of_user(lake_res.lake, lake_res.paths, wal, erasure.tracking_id, value)
    return Person(erasure.tracking_id, frozenset({*ids, *erasure.client_ids}))


def begin_erasure(
    erasure: Erasure,
    store: ErasureStore,
    lake_res: LakeResource,
    hot_tier: HotTierResource,
    log: Callable[[str], None] = print,
) -> None:
    """Remove the person from every raw store and visitor list; their days are noted
    for a refresh (status ``rebuilding``).  A failure leaves ``failed`` with the error,
    and the next run begins again (every step is safe to repeat)."""
    store.update(erasure.erasure_id, "running", error=None)
    try:
        person = _person(erasure, lake_res)
        log(
            f"erasure {erasure.erasure_id}: site {person.site}, {len(person.client_ids)} client ids"
        )
        store.update(erasure.erasure_id, "running", client_ids=sorted(person.client_ids))
        settings = lake_res.settings
        counts: dict[str, int] = {"client_ids_found": len(person.client_ids)}
        if person.client_ids:
            counts["wal_rows"] = erase_from_wal(settings.wal_dir, person, log=log)
            erased = erase_from_lake(lake_res.lake, lake_res.paths, person, GOLD_TABLES, log)
            counts |= erased.report
            with hot_tier.client() as client:
                counts |= erase_from_hot_tier(
                    client, person.site, person.client_ids, settings.clickhouse_cluster, log
                )
            days = sorted({*erasure.days, *(d.isoformat() for d in erased.days)})
        else:
            days = list(erasure.days)
        store.update(
            erasure.erasure_id, "rebuilding", counts=_add(erasure.counts, counts), days=days
        )
    except Exception as error:
        store.update(erasure.erasure_id, "failed", error=f"{type(error).__name__}: {error}")
        raise


def ready_to_finish(erasure: Erasure, lake_res: LakeResource) -> bool:
    """True once no day the erasure touched waits for a refresh, nor for the raw tables'
    load that follows it (one that read bronze before the erasure would copy rows back
    after the check)."""
    pending = {d.isoformat() for d in ChangedDays(lake_res.lake, lake_res.paths).pending()}
    raw = {d.isoformat() for d in follower_changes(lake_res, RAW_DAYS_TAG).pending()}
    return erasure.status == "rebuilding" and not (pending | raw) & set(erasure.days)


def finish_erasure(
    erasure: Erasure,
    store: ErasureStore,
    lake_res: LakeResource,
    hot_tier: HotTierResource,
    log: Callable[[str], None] = print,
) -> bool:
    """After the refresh: when no store holds the person any more, purge old file
    versions and mark the erasure ``done`` (True); otherwise erase again (False: it
    waits for another refresh)."""
    person = Person(erasure.tracking_id, frozenset(erasure.client_ids))
    lake, paths, settings = lake_res.lake, lake_res.paths, lake_res.settings
    found: dict[str, int] = {}
    if person.client_ids:
        found = find_in_lake(lake, paths, settings.wal_dir, person, GOLD_TABLES)
        with hot_tier.client() as client:
            found |= find_in_hot_tier(client, person.site, person.client_ids)
    left = {k: v for k, v in found.items() if v}
    if left:
        log(f"erasure {erasure.erasure_id}: rows came back meanwhile ({left}); erasing again")
        begin_erasure(erasure, store, lake_res, hot_tier, log)
        return False
    tables = [
        paths.bronze_events,
        paths.event_id_index(index_fingerprint()),
        paths.silver_sessions,
        *(paths.gold(name) for name in GOLD_TABLES),
    ]
    purged = purge_history(lake, tables)
    log(f"erasure {erasure.erasure_id}: done; {purged} old file versions deleted")
    store.update(
        erasure.erasure_id, "done", counts=_add(erasure.counts, {"old_file_versions": purged})
    )
    return True


@op
def begin_erasures(
    context: OpExecutionContext,
    lake: LakeResource,
    hot_tier: HotTierResource,
    catalog: CatalogResource,
) -> int:
    """Begin every requested (or failed) erasure; returns how many."""
    store = catalog.erasures
    todo = [e for e in store.open() if e.status in ("pending", "running", "failed")]
    for erasure in todo:
        begin_erasure(erasure, store, lake, hot_tier, context.log.info)
    return len(todo)


@op
def finish_erasures(
    context: OpExecutionContext,
    lake: LakeResource,
    hot_tier: HotTierResource,
    catalog: CatalogResource,
) -> int:
    """Finish the erasures whose days were refreshed; returns how many are done."""
    store = catalog.erasures
    finished = 0
    for erasure in store.open():
        if ready_to_finish(erasure, lake):
            finished += finish_erasure(erasure, store, lake, hot_tier, context.log.info)
    return finished


@job
def erase_people() -> None:
    """Erase the people of every pending erasure request from the raw stores."""
    begin_erasures()


@job
def finish_erasure_requests() -> None:
    """Check, purge and close the erasures whose days were rebuilt."""
    finish_erasures()


@sensor(
    jobs=[erase_people, finish_erasure_requests],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def erasure_requests(lake: LakeResource, catalog: CatalogResource) -> Any:
    """Start erasures as they are requested (``POST /api/v1/admin/erasures``), and
    finish them once the refresh sensor has rebuilt their days.  A failed erasure is
    begun again once per failure; one left ``running`` by a crashed run for an hour
    too.  Run keys name each erasure's attempt, so no attempt is started twice."""
    now = dt.datetime.now(dt.UTC)
    open_ = catalog.erasures.open()
    stale = now - _STALE_RUN
    begin = [
        e
        for e in open_
        if e.status in ("pending", "failed")
        or (e.status == "running" and e.started_at is not None and e.started_at < stale)
    ]
    finish = [e for e in open_ if ready_to_finish(e, lake)]
    runs = []
    if begin:
        key = "-".join(f"{e.erasure_id}@{e.status}@{e.started_at}" for e in begin)
        runs.append(RunRequest(run_key=f"begin-{key}", job_name="erase_people"))
    if finish:
        key = "-".join(f"{e.erasure_id}@{e.started_at}" for e in finish)
        runs.append(RunRequest(run_key=f"finish-{key}", job_name="finish_erasure_requests"))
    return runs or SkipReason("no erasure to start or finish")
