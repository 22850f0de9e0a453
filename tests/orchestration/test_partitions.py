"""Partitioned refreshes: late data rebuilds exactly the affected days; sensor and CLI backfill."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import polars as pl
import pytest
from dagster import (
    DagsterInstance,
    DagsterRun,
    Definitions,
    ExecuteInProcessResult,
    SensorResult,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
)
from dagster._core.storage.dagster_run import DagsterRunStatus
from deltalake import DeltaTable
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from lake.hot_tier import hot_tier
from lake.storage import ChangedDays, Lake, LakePaths
from lake.transforms import CUBES, RefreshRange, refresh_ranges
from orchestration.definitions import defs
from orchestration.defs.resources import RESOURCES
from orchestration.runner import run_pipeline
from tests.conftest import Env, make_env
from tests.reference import report

ROOT = Path(__file__).resolve().parents[2]
D = dt.date.fromisoformat
T1 = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(minutes=5)
BOUNDS = (D("2020-01-01"), D("2026-12-31"))
NO_LONG = pl.DataFrame(schema={"session_date": pl.Date(), "end_date": pl.Date()})


def _long(*spans: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"session_date": [D(a) for a, _ in spans], "end_date": [D(b) for _, b in spans]}
    )


def test_a_changed_day_rebuilds_its_neighbours_padded_by_a_day() -> None:
    # E = 03-10: sessions of 03-09..03-11 may change; rollups one day more either way.
    assert refresh_ranges({D("2026-03-10"): T1}, NO_LONG, BOUNDS) == [
        RefreshRange(D("2026-03-08"), D("2026-03-12"), (D("2026-03-10"),), T1)
    ]


def test_overlapping_ranges_merge_and_distant_ones_stay_apart() -> None:
    pending = {D("2026-03-10"): T1, D("2026-03-13"): T2, D("2026-03-25"): T1}
    assert refresh_ranges(pending, NO_LONG, BOUNDS) == [
        RefreshRange(D("2026-03-08"), D("2026-03-15"), (D("2026-03-10"), D("2026-03-13")), T2),
        RefreshRange(D("2026-03-23"), D("2026-03-27"), (D("2026-03-25"),), T1),
    ]


def test_sessions_spanning_midnights_widen_the_range() -> None:
    # A session 03-05 → 03-09 may absorb an event of 03-10 (starts move back); one of
    # 03-11 → 03-14 may merge with it (its later days' rollups change).
    long = _long(("2026-03-05", "2026-03-09"), ("2026-03-11", "2026-03-14"))
    (got,) = refresh_ranges({D("2026-03-10"): T1}, long, BOUNDS)
    assert (got.first, got.last) == (D("2026-03-04"), D("2026-03-15"))
    # Ones that ended before the day before, or started after the day after, do not.
    far = _long(("2026-03-01", "2026-03-08"), ("2026-03-12", "2026-03-20"))
    (got,) = refresh_ranges({D("2026-03-10"): T1}, far, BOUNDS)
    assert (got.first, got.last) == (D("2026-03-08"), D("2026-03-12"))


def test_ranges_stay_within_the_partitions_that_exist() -> None:
    (got,) = refresh_ranges({D("2026-03-10"): T1}, NO_LONG, (D("2026-03-09"), D("2026-03-11")))
    assert (got.first, got.last) == (D("2026-03-09"), D("2026-03-11"))


def test_changed_days_stay_pending_until_a_refresh_covers_their_newest_note(env: Env) -> None:
    changes = ChangedDays(Lake(env.settings), LakePaths(env.settings.lake_uri))
    assert changes.pending() == {}
    changes.note([D("2026-03-01"), D("2026-03-02")])
    first = changes.pending()
    assert sorted(first) == [D("2026-03-01"), D("2026-03-02")]
    changes.mark_done([D("2026-03-01")], first[D("2026-03-01")])
    assert list(changes.pending()) == [D("2026-03-02")]
    changes.note([D("2026-03-01")])  # bronze appended again after that refresh planned
    assert sorted(changes.pending()) == [D("2026-03-01"), D("2026-03-02")]


# -- end to end ----------------------------------------------------------------------------

END = D("2026-03-10")
DAYS = 9
LATE_DAY = D("2026-03-07")


def _send(env: Env, events: list[dict]) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        for i in range(0, len(events), 500):
            r = gw.post("/api/v1/events", json=events[i : i + 500])
            assert r.status_code == 202 and r.json()["accepted"] == len(events[i : i + 500])


def _by_date(env: Env, cold: bool = False) -> dict[str, tuple[int, int, int]]:
    from serving.app import create_app
    from serving.backends import DuckDBBackend
    from serving.deps import backend

    app = create_app(env.settings)
    if cold:
        app.dependency_overrides[backend] = lambda: DuckDBBackend(env.settings)
    with TestClient(app) as client:
        r = client.post(
            "/api/v1/query",
            json={
                "tracking_id": env.tracking_id,
                "metrics": ["pageviews", "unique_users", "sessions"],
                "dimensions": ["date"],
                "date_range": {"start": "2026-03-01", "end": "2026-03-12"},
                "limit": 100,
            },
            headers={"Authorization": f"Bearer {env.key}"},
        )
    assert r.status_code == 200, r.text
    return {
        row["date"]: (row["pageviews"], row["unique_users"], row["sessions"])
        for row in r.json()["rows"]
    }


def _expected(traffic, events: list[dict], tz: str) -> dict[str, tuple[int, int, int]]:
    label_of = {id(e): label for e, label in zip(traffic.events, traffic.labels, strict=True)}
    labels = [label_of[id(e)] for e in events]
    return {
        day: (n.pageviews, n.unique_users, n.sessions)
        for day, n in report(events, labels, traffic.bot_clients, tz, by="date").items()
    }


def _files_by_partition(uri: str) -> dict[str, set[str]]:
    actions = pl.DataFrame(DeltaTable(uri).get_add_actions(flatten=True))
    part = next(c for c in actions.columns if c.startswith("partition."))
    out: dict[str, set[str]] = {}
    for day, path in actions.select(part, "path").rows():
        out.setdefault(str(day), set()).add(path)
    return out


def test_late_events_rebuild_exactly_the_affected_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch, tz="America/New_York")
    traffic = generate_traffic("ST-TEST", days=DAYS, events=3000, end=END, host="shop.example")
    on_time = [e for e in traffic.events if not e["timestamp"].startswith(str(LATE_DAY))]
    late = [e for e in traffic.events if e["timestamp"].startswith(str(LATE_DAY))][::3]
    _send(env, on_time)
    run_pipeline(echo=False)
    assert _by_date(env) == _expected(traffic, on_time, "America/New_York")

    paths = LakePaths(env.settings.lake_uri)
    tables = [paths.silver_sessions, paths.gold("rollup_hourly"), paths.gold("rollup_daily")]
    before = {uri: _files_by_partition(uri) for uri in tables}
    _send(env, late)  # a phone that was offline on the 7th comes back
    report_ = run_pipeline(echo=False)

    rebuilt = report_["silver/sessions"]["days"]
    assert 5 <= rebuilt < DAYS  # E-2..E+2 at least, never every day
    assert report_["bronze/events"]["new_events"] == len(late)
    assert _by_date(env) == _expected(traffic, on_time + late, "America/New_York")
    for uri in tables:  # days outside the refresh were not rewritten; the late day was
        after = _files_by_partition(uri)
        kept = {d for d in before[uri] if after.get(d) == before[uri][d]}
        assert str(LATE_DAY) not in kept
        assert {"2026-03-02", "2026-03-03"} <= kept, uri  # far from the 7th
    assert ChangedDays(Lake(env.settings), paths).pending() == {}
    settled = _files_by_partition(paths.silver_sessions)
    again = run_pipeline(echo=False)  # nothing new: nothing rebuilt
    assert "silver/sessions" not in again
    assert _files_by_partition(paths.silver_sessions) == settled


def _seen_succeeded(
    instance: DagsterInstance,
    refresh: ExecuteInProcessResult,
    sensor: str = "refresh_done",
    location: Definitions | None = None,
) -> None:
    """What the daemon does once it sees ``refresh`` (or another job's run) succeeded:
    its run-status ``sensor``."""
    done = build_run_status_sensor_context(
        sensor_name=sensor,
        dagster_instance=instance,
        dagster_run=refresh.dagster_run,
        dagster_event=refresh.get_run_success_event(),
        resources=RESOURCES,
    )
    (location or defs()).resolve_sensor_def(sensor)(done)


def _look(instance: DagsterInstance, sensor: str, location: Definitions | None = None):
    """One evaluation of ``sensor`` (of the pipeline's location unless ``location``)."""
    with build_sensor_context(resources=RESOURCES, instance=instance) as ctx:
        return (location or defs()).resolve_sensor_def(sensor)(ctx)


def _raw_counts(env: Env) -> dict[str, int]:
    with hot_tier(env.settings) as client:
        return {
            table: client.query(f"SELECT count() FROM {table}").result_rows[0][0]
            for table in ("events", "sessions")
        }


def test_refresh_sensor_runs_bring_every_partition_up_to_date(env: Env) -> None:
    traffic = generate_traffic("ST-TEST", days=3, events=1500, end=END, host="shop.example")
    _send(env, traffic.events)
    instance = DagsterInstance.ephemeral()
    with build_sensor_context(resources=RESOURCES, instance=instance) as ctx:
        landed = defs().resolve_sensor_def("landing_sensor")(
            ctx
        )  # the landing hours of the new files, as one run
    folders = {  # .../landing/events/date=D/hour=HH/<file>
        (Path(f).parent.parent.name[5:], Path(f).parent.name[5:])
        for f in Lake(env.settings).list_files(LakePaths(env.settings.lake_uri).landing_events)
    }
    hours = sorted(f"{d}-{h}:00" for d, h in folders)
    assert landed.tags["dagster/asset_partition_range_start"] == hours[0]
    assert landed.tags["dagster/asset_partition_range_end"] == hours[-1]
    started = DagsterRun(
        job_name="strata_ingest", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED
    )
    instance.add_run(started)  # a bronze run under way: the next waits for it to end
    with build_sensor_context(resources=RESOURCES, instance=instance) as ctx:
        assert "under way" in str(defs().resolve_sensor_def("landing_sensor")(ctx))
    instance.delete_run(started.run_id)
    ingest = (
        defs()
        .resolve_job_def("strata_ingest")
        .execute_in_process(instance=instance, tags=landed.tags)
    )
    assert ingest.success

    def evaluate():
        with build_sensor_context(resources=RESOURCES, instance=instance) as ctx:
            return defs().resolve_sensor_def("refresh_sensor")(ctx)

    result = evaluate()
    assert isinstance(result, SensorResult)
    (request,) = result.run_requests
    # while a planned refresh is running (or queued) the sensor asks for nothing more;
    # a backfill or nightly run (no changed-days tag) does not hold it back
    for tags, held in (({"strata/changed_days": "x"}, True), ({}, False)):
        running = DagsterRun(
            job_name="strata_refresh",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.STARTED,
            tags=tags,
        )
        instance.add_run(running)
        assert isinstance(evaluate(), SkipReason) is held
        instance.delete_run(running.run_id)
    days = sorted({D(e["timestamp"][:10]) for e in traffic.events})  # consecutive days
    two = dt.timedelta(days=2)  # no silver yet: each day's neighbours, padded by one
    assert request.tags["dagster/asset_partition_range_start"] == str(days[0] - two)
    assert request.tags["dagster/asset_partition_range_end"] == str(days[-1] + two)
    refresh = (
        defs()
        .resolve_job_def("strata_refresh")
        .execute_in_process(instance=instance, tags=request.tags)
    )
    assert refresh.success
    assert _by_date(env) == _expected(traffic, traffic.events, "UTC")
    assert isinstance(evaluate(), SensorResult)  # pending until the run is seen succeeded
    # the refresh ends with the reports' tables: the raw ones and the suites follow it
    assert _raw_counts(env) == {"events": 0, "sessions": 0}
    assert not refresh.get_asset_check_evaluations()
    assert "up to date" in str(_look(instance, "raw_tables_sensor"))
    _seen_succeeded(instance, refresh)
    assert isinstance(evaluate(), SkipReason)
    (follow,) = _look(instance, "raw_tables_sensor").run_requests
    for tag in ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end"):
        assert follow.tags[tag] == request.tags[tag]
    assert follow.tags["strata/raw_days"].split(",") == [
        str(days[0] - two + dt.timedelta(days=i)) for i in range((days[-1] - days[0]).days + 5)
    ]
    raw = (
        defs()
        .resolve_job_def("strata_raw_tables")
        .execute_in_process(instance=instance, tags=follow.tags)
    )
    assert raw.success
    sessions = pl.read_delta(LakePaths(env.settings.lake_uri).silver_sessions).height
    assert _raw_counts(env) == {"events": len(traffic.events), "sessions": sessions}
    suites = raw.get_asset_check_evaluations()
    assert suites and all(c.passed for c in suites)
    assert {c.asset_key.to_user_string() for c in suites} == {"bronze/events", "silver/sessions"}
    # pending until the run is seen succeeded (asked again under the same key: Dagster
    # starts a key once), nothing asked while one of its runs is under way
    (again,) = _look(instance, "raw_tables_sensor").run_requests
    assert again.run_key == follow.run_key
    running = DagsterRun(
        job_name="strata_raw_tables", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED
    )
    instance.add_run(running)
    assert "under way" in str(_look(instance, "raw_tables_sensor"))
    instance.delete_run(running.run_id)
    _seen_succeeded(instance, raw, "raw_tables_done")
    assert "up to date" in str(_look(instance, "raw_tables_sensor"))


def test_backfill_a_date_range_from_the_dagster_cli(env: Env) -> None:
    traffic = generate_traffic("ST-TEST", days=3, events=1500, end=END, host="shop.example")
    _send(env, traffic.events)
    run_pipeline(echo=False)
    expected = _expected(traffic, traffic.events, "UTC")
    assert _by_date(env) == expected
    paths = LakePaths(env.settings.lake_uri)
    aggregates = ["rollup_hourly", "rollup_daily", *CUBES]
    for uri in (paths.silver_sessions, *(paths.gold(t) for t in aggregates)):
        shutil.rmtree(uri)  # lose everything downstream of bronze
    dagster = str(Path(sys.executable).with_name("dagster"))
    home = env.settings.home / "dagster"
    home.mkdir()
    out = subprocess.run(
        [
            dagster,
            "asset",
            "materialize",
            "-m",
            "orchestration.definitions",
            "--select",
            ",".join(
                [
                    "silver/sessions",
                    *(f"{layer}/{t}" for layer in ("gold", "clickhouse") for t in aggregates),
                    "clickhouse/events",
                    "clickhouse/sessions",
                ]
            ),
            "--partition-range",
            "2026-03-06...2026-03-11",
        ],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert _by_date(env) == expected


def test_nightly_refresh_rebuilds_yesterday() -> None:
    from dagster import build_schedule_context

    at = dt.datetime(2026, 3, 10, 1, 7, tzinfo=dt.UTC)
    with build_schedule_context(scheduled_execution_time=at) as ctx:
        request = defs().resolve_schedule_def("nightly_refresh")(ctx)
    assert request.partition_key == "2026-03-09"


def test_the_run_report_adds_counts_over_ranges_but_never_distinct_counts() -> None:
    from orchestration.runner import _finish, _merge

    report: dict[str, dict] = {}
    _merge(
        report, "silver/sessions", {"sessions": 5, "distinct_clients": 4, "_checks": (3, [])}, 1.0
    )
    _merge(
        report,
        "silver/sessions",
        {"sessions": 7, "distinct_clients": 6, "_checks": (3, ["x"])},
        2.0,
    )
    _finish(report)
    got = report["silver/sessions"]
    assert (got["sessions"], got["distinct_clients"], got["seconds"]) == (12, 6, 3.0)
    assert got["checks"] == "5/6 passed (failed: x)"


def test_bronze_partitions_are_landing_hours(env: Env) -> None:
    from dagster import materialize

    from lake.storage import EVENT_SCHEMA
    from orchestration.defs.partitions import landing_hour

    lake, paths = Lake(env.settings), LakePaths(env.settings.lake_uri)
    at = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    for hour, client in ((9, "early"), (10, "late")):
        row = {c: None for c in EVENT_SCHEMA} | {
            "event_id": client,
            "tracking_id": "ST-TEST",
            "client_id": client,
            "event_type": "pageview",
            "event_at": at,
            "received_at": at,
            "event_date": at.date(),
            "is_bot": False,
        }
        landed = at.replace(hour=hour)
        uri = paths.landing_file(landed, "gw1", f"{hour:08d}")
        assert landing_hour(uri) == f"2026-03-01-{hour:02d}:00"
        lake.write_parquet(pl.DataFrame([row], schema=EVENT_SCHEMA).to_arrow(), uri)

    one_hour = materialize(
        list(defs().assets or []),
        selection=["bronze/events"],
        partition_key="2026-03-01-09:00",
        resources=RESOURCES,
    )
    assert one_hour.success
    assert pl.read_delta(paths.bronze_events)["client_id"].to_list() == ["early"]
    report_ = run_pipeline(echo=False)  # picks up the other hour only
    assert report_["bronze/events"]["new_files"] == 1
    assert sorted(pl.read_delta(paths.bronze_events)["client_id"]) == ["early", "late"]


def test_cubes_are_made_for_every_day_after_an_upgrade(env: Env) -> None:
    # A lake and hot tier built before the cubes existed: the next refresh makes the cubes
    # for every day, not only for the days it refreshes.
    traffic = generate_traffic("ST-TEST", days=4, events=1200, end=END, host="shop.example")
    _send(env, traffic.events)
    run_pipeline(echo=False)
    before = _by_date(env)
    assert before == _expected(traffic, traffic.events, "UTC")
    paths = LakePaths(env.settings.lake_uri)
    for cube in CUBES:
        shutil.rmtree(paths.gold(cube))
    with hot_tier(env.settings) as client:
        for cube in CUBES:
            client.command(f"DROP TABLE {cube}")
    assert _by_date(env, cold=True) == before  # the lake's rollups answer until then
    newcomer = {
        "tracking_id": "ST-TEST",
        "client_id": "newcomer",
        "timestamp": f"{END.isoformat()}T12:00:00Z",
        "page": {"url": "https://shop.example/new"},
        "context": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Firefox/127.0"},
    }
    _send(env, [newcomer])
    run_pipeline(echo=False)
    pv, users, sessions = before[END.isoformat()]
    after = {**before, END.isoformat(): (pv + 1, users + 1, sessions + 1)}
    assert _by_date(env) == _by_date(env, cold=True) == after
    lake = Lake(env.settings)
    rollup_days = lake.partition_rows(paths.gold("rollup_daily"), "date")
    assert len(rollup_days) >= 4
    for cube in CUBES:
        part, rollup = CUBES[cube].partition_column, CUBES[cube].rollup
        assert set(lake.partition_rows(paths.gold(cube), part)) == set(
            lake.partition_rows(paths.gold(rollup), part)
        ), cube


def test_marts_follow_the_refreshes_on_their_own_cadence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration import warehouse
    from orchestration.defs.follow import mark_followed
    from orchestration.defs.partitions import MARTS_DAYS_TAG, span_tags
    from orchestration.lib.resources import LakeResource

    make_env(tmp_path, monkeypatch, STRATA_WAREHOUSE_MODELS="true")
    pipeline, marts = defs(), warehouse.defs()
    refresh_job = pipeline.resolve_job_def("strata_refresh")
    assert "warehouse_models" not in refresh_job.graph.node_dict  # a refresh waits for no dbt
    assert "warehouse_models" in marts.resolve_job_def("strata_marts").graph.node_dict
    instance = DagsterInstance.ephemeral()

    def look():
        return _look(instance, "marts_sensor", marts)

    assert "up to date" in str(look())
    refresh = refresh_job.execute_in_process(
        instance=instance, tags=span_tags(["2026-03-02", "2026-03-04"])
    )
    _seen_succeeded(instance, refresh)  # its days are now the raw tables'
    assert "up to date" in str(look())  # the marts read the raw tables: they wait for them
    (follow,) = _look(instance, "raw_tables_sensor").run_requests
    raw = pipeline.resolve_job_def("strata_raw_tables").execute_in_process(
        instance=instance, tags=follow.tags
    )
    _seen_succeeded(instance, raw, "raw_tables_done")  # the raw tables' days: the marts'
    (request,) = look().run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-03-02"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-03-04"
    assert request.tags["strata/marts_days"] == "2026-03-02,2026-03-03,2026-03-04"
    assert "strata/changed_days" not in request.tags  # no refresh queues behind it
    assert "strata/raw_days" not in request.tags  # nor a raw tables' load
    assert mark_followed(LakeResource(), MARTS_DAYS_TAG, request.tags)  # as marts_done
    assert "up to date" in str(look())
