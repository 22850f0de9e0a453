"""Data retention end to end: two sites over ten days through the gateway and the
pipeline, one site given a 3-day raw and 5-day aggregate retention; the retention job
leaves no older raw row of that site in any file of the lake (Delta history included)
or table of the hot tier, keeps its aggregates to their own retention, and changes
nothing of the other site.  A day a pending refresh still has to read is never deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from lake.catalog import ErasureStore
from lake.hot_tier import hot_tier
from lake.storage import ChangedDays, Lake, LakePaths
from orchestration.runner import run_erasures, run_pipeline, run_retention
from tests.conftest import BACKFILL_H, Env, make_env
from tests.orchestration.test_erasure import ids_in_s3
from tests.samples import GOOD

TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [TODAY - dt.timedelta(days=n) for n in range(10, 0, -1)]  # ten days before today
SHORT, KEEP = "ST-TEST", "ST-KEEP"


def _send(env: Env) -> None:
    from ingest_gateway.app import create_app

    batch = [
        {
            **GOOD,
            "tracking_id": site,
            "client_id": f"{site}-{day:%d}-{n}",
            "timestamp": f"{day}T12:{n:02d}:00.000Z",
            "page": {"url": f"https://{domain}/p{n}"},
        }
        for site, domain in ((SHORT, "shop.example"), (KEEP, "keep.example"))
        for day in DAYS
        for n in range(3)
    ]
    with TestClient(create_app(env.settings)) as gateway:
        assert gateway.post("/api/v1/events", json=batch).status_code == 202


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    env = make_env(tmp_path, monkeypatch, STRATA_HOT_WINDOW_DAYS="30")
    env.store.add_site(KEEP, ["keep.example"], allowed_lateness_hours=BACKFILL_H)
    _send(env)
    run_pipeline(echo=False)
    env.store.add_site(
        SHORT,
        ["shop.example"],
        allowed_lateness_hours=BACKFILL_H,
        raw_retention_days=3,
        aggregate_retention_days=5,
    )
    return env


def _rows_in_every_file(root: str) -> pl.DataFrame:
    """Every row of every Parquet file under ``root``: the current table and all the
    versions Delta still keeps on disk."""
    frames = []
    for path in sorted(Path(root).rglob("*.parquet")):
        if "_delta_log" in path.parts:  # a checkpoint: the log, not rows
            continue
        frame = pl.from_arrow(pq.read_table(path, partitioning=None))
        assert isinstance(frame, pl.DataFrame)
        part = path.parent.name  # a Hive partition directory: column=value
        frames.append(frame.select("tracking_id", day=pl.lit(part.partition("=")[2])))
    return pl.concat(frames) if frames else pl.DataFrame()


def _hot(env: Env, sql: str) -> list[tuple]:
    with hot_tier(env.settings) as client:
        return client.query(sql).result_rows


def test_retention_holds_pending_days_then_removes_expired_rows_everywhere(loaded: Env) -> None:
    """One lake through the whole story (a pipeline load costs half a minute): a pending
    refresh holds its days; once it ran, every expired row goes and the rest stays; a
    later refresh reaching into expired days keeps their aggregates."""
    _held_until_the_refresh_ran(loaded)
    _expired_rows_leave_everything(loaded)
    _a_refresh_into_expired_raw_days_keeps_their_aggregates(loaded)


def _expired_rows_leave_everything(loaded: Env) -> None:
    paths = LakePaths(loaded.settings.lake_uri)
    raw_kept, agg_kept = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=5)
    daily_before = pl.read_delta(paths.gold("rollup_daily"))
    hot_before = _hot(
        loaded, "SELECT tracking_id, date, count_pageviews FROM rollup_daily FINAL ORDER BY 1, 2"
    )
    # the held run already took DAYS[0..2]; DAYS[3..6] were held for the refresh
    held_back = [d for d in DAYS if DAYS[3] <= d < raw_kept]
    assert pl.read_delta(paths.bronze_events).height == 60 - 3 * (7 - len(held_back))

    report = run_retention(echo=False)

    assert report["bronze/events_rows"] == 3 * len(held_back) == 12
    assert report["clickhouse/events_rows"] == 12
    bronze = pl.read_delta(paths.bronze_events)
    assert sorted(bronze.filter(pl.col("tracking_id") == SHORT)["event_date"].unique()) == [
        d for d in DAYS if d >= raw_kept
    ]
    assert bronze.filter(pl.col("tracking_id") == KEEP).height == 30
    for root in (paths.bronze_events, paths.silver_sessions):  # physically gone
        files = _rows_in_every_file(root)
        assert files.filter(pl.col("tracking_id") == KEEP).height > 0
        old = files.filter((pl.col("tracking_id") == SHORT) & (pl.col("day") < str(raw_kept)))
        assert old.height == 0, root
    daily = pl.read_delta(paths.gold("rollup_daily"))
    short_days = sorted(daily.filter(pl.col("tracking_id") == SHORT)["date"].unique())
    assert short_days == [d for d in DAYS if d >= agg_kept]  # aggregates outlive raw rows
    expected = daily_before.filter((pl.col("tracking_id") == KEEP) | (pl.col("date") >= agg_kept))
    assert (
        daily.sort(daily.columns[:4])
        .select("tracking_id", "date", "count_pageviews")
        .equals(expected.sort(daily.columns[:4]).select("tracking_id", "date", "count_pageviews"))
    )
    assert _hot(
        loaded, f"SELECT min(event_date), count() FROM events WHERE tracking_id = '{SHORT}'"
    ) == [(raw_kept, 9)]
    assert _hot(loaded, f"SELECT count() FROM events WHERE tracking_id = '{KEEP}'") == [(30,)]
    hot_after = _hot(
        loaded, "SELECT tracking_id, date, count_pageviews FROM rollup_daily FINAL ORDER BY 1, 2"
    )
    assert hot_after == [r for r in hot_before if r[0] == KEEP or r[1] >= agg_kept]
    registry = _hot(loaded, "SELECT tracking_id, client_id FROM visitor_numbers ORDER BY ALL")
    assert registry == sorted(  # visitors of no kept raw row or aggregate left the registry
        [(KEEP, f"{KEEP}-{d:%d}-{n}") for d in DAYS for n in range(3)]
        + [(SHORT, f"{SHORT}-{d:%d}-{n}") for d in DAYS if d >= agg_kept for n in range(3)]
    )
    again = run_retention(echo=False)  # nothing left to do
    assert sum(again.values()) == 0


def _held_until_the_refresh_ran(loaded: Env) -> None:
    paths, lake = LakePaths(loaded.settings.lake_uri), Lake(loaded.settings)
    late_day = DAYS[5]  # a late event noted for this day: its refresh reads from two days before
    ChangedDays(lake, paths).note([late_day])
    run_retention(echo=False)
    short = pl.read_delta(paths.bronze_events).filter(pl.col("tracking_id") == SHORT)
    assert sorted(short["event_date"].unique()) == [
        d for d in DAYS if d >= late_day - dt.timedelta(days=2)
    ]
    run_pipeline(echo=False)  # the refresh runs and marks its days done


def _a_refresh_into_expired_raw_days_keeps_their_aggregates(loaded: Env) -> None:
    """After retention, a late event of the other site on a day whose raw rows of ST-TEST
    are gone (but its aggregates are kept) rebuilds that day: ST-TEST's rollup rows of
    the days the refresh covers stay as they were."""
    from ingest_gateway.app import create_app

    paths = LakePaths(loaded.settings.lake_uri)
    before = pl.read_delta(paths.gold("rollup_daily"))
    late_day = TODAY - dt.timedelta(days=4)  # raw of ST-TEST expired, aggregates kept
    late = {
        **GOOD,
        "tracking_id": KEEP,
        "client_id": "late",
        "timestamp": f"{late_day}T18:00:00.000Z",
        "page": {"url": "https://keep.example/late"},
    }
    with TestClient(create_app(loaded.settings)) as gateway:
        assert gateway.post("/api/v1/events", json=[late]).status_code == 202
    run_pipeline(echo=False)
    after = pl.read_delta(paths.gold("rollup_daily"))
    short = ["tracking_id", "date", "page_path", "count_pageviews"]
    assert (
        after.filter(pl.col("tracking_id") == SHORT)
        .select(short)
        .sort(short)
        .equals(before.filter(pl.col("tracking_id") == SHORT).select(short).sort(short))
    )
    keep_views = after.filter((pl.col("tracking_id") == KEEP) & (pl.col("date") == late_day))
    assert int(keep_views["count_pageviews"].sum()) == 3 + 1
    hot = _hot(
        loaded,
        f"SELECT sum(count_pageviews) FROM rollup_daily WHERE tracking_id = '{SHORT}' "
        f"AND date = '{late_day}'",
    )
    assert hot == [(3,)]


def test_retention_and_erasure_on_s3_leave_nothing_behind_in_any_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> None:
    import io
    import uuid

    import boto3

    prefix = f"retention-{uuid.uuid4().hex[:8]}"
    env = make_env(
        tmp_path,
        monkeypatch,
        STRATA_HOT_WINDOW_DAYS="30",
        STRATA_LAKE_URI=f"s3://strata/{prefix}/lake",
        STRATA_S3_ENDPOINT_URL=s3_endpoint,
    )
    env.store.add_site(KEEP, ["keep.example"], allowed_lateness_hours=BACKFILL_H)
    _send(env)
    run_pipeline(echo=False)
    env.store.add_site(
        SHORT, ["shop.example"], allowed_lateness_hours=BACKFILL_H, raw_retention_days=3
    )
    report = run_retention(echo=False)
    assert report["bronze/events_rows"] == 21 and report["bronze/events_files"] > 0
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket="strata", Prefix=f"{prefix}/lake/bronze/events/")
    keys = [
        o["Key"]
        for o in listed["Contents"]
        if o["Key"].endswith(".parquet") and "_delta_log" not in o["Key"]
    ]
    seen = {SHORT: set(), KEEP: set()}
    for key in keys:
        body = s3.get_object(Bucket="strata", Key=key)["Body"].read()
        day = dt.date.fromisoformat(key.split("event_date=")[1].split("/")[0])
        for site in pq.read_table(io.BytesIO(body), columns=["tracking_id"])["tracking_id"]:
            seen[site.as_py()].add(day)
    assert min(seen[SHORT]) == TODAY - dt.timedelta(days=3)
    assert seen[KEEP] == set(DAYS)

    # the same lake: one visitor erased (the erasure on a local lake is tested in
    # tests/orchestration/test_erasure.py); no object, Delta logs included, holds the id
    person = f"{KEEP}-{DAYS[-1]:%d}-1"
    assert ids_in_s3(s3_endpoint, prefix, (person,)), "the visitor is in the lake before"
    ErasureStore(env.store.engine).request(KEEP, "client_id", person)
    (done,) = run_erasures(echo=False)
    assert done.counts["bronze/events_rows"] == 1 and done.counts["old_file_versions"] > 0
    assert ids_in_s3(s3_endpoint, prefix, (person,)) == []
    kept = pl.read_delta(
        LakePaths(env.settings.lake_uri).bronze_events,
        storage_options=Lake(env.settings).storage_options,
    )
    assert kept.filter(pl.col("tracking_id") == KEEP).height == 29
