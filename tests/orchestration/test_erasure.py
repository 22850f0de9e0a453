"""Erasure end to end: one person (a user id on three devices, one of them only in the
gateway's WAL) among others over four days, through the gateway and the pipeline.

After ``run_erasures`` no file of the lake (every Parquet file and Delta log entry,
older versions included), no WAL segment and no hot-tier table holds any of their ids;
every lake table and hot-tier aggregate equals a pipeline run over the same events
without the person (the independent reference); the audit log keeps a salted hash,
never the id; erasing again is harmless.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from lake.catalog import ErasureStore
from lake.hot_tier import hot_tier
from lake.storage import WAL_COLUMNS, Lake, LakePaths, encode_frame, read_segment, segments
from orchestration.defs.maintenance.retention import GOLD_TABLES
from orchestration.runner import run_erasures, run_pipeline
from tests.conftest import Env, make_env
from tests.samples import event_at

DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(4)]
ALICE = ("alice-laptop", "alice-phone")  # in the lake; alice-tablet only in the WAL
ALICE_IDS = (*ALICE, "alice-tablet", "u-alice")
OTHERS = ("bob", "carol", "dan")


def _events(with_alice: bool) -> list[dict]:
    events = []
    for d, day in enumerate(DAYS):
        at = dt.datetime.combine(day, dt.time(9), dt.UTC)
        for n, client in enumerate(OTHERS):
            start = at + dt.timedelta(hours=n)
            events += [
                event_at(client, start, "pageview", "/"),
                event_at(client, start + dt.timedelta(minutes=2), "pageview", f"/p{d}"),
            ]
            if client == "bob":
                events.append(
                    event_at(
                        client,
                        start + dt.timedelta(minutes=3),
                        "purchase",
                        "/checkout",
                        revenue={"amount": 12.5, "currency": "EUR"},
                    )
                )
        if with_alice:
            laptop = at + dt.timedelta(minutes=30)
            events += [
                event_at("alice-laptop", laptop, "pageview", "/", user_id="u-alice"),
                event_at("alice-laptop", laptop + dt.timedelta(minutes=1), "click", "/p1"),
            ]
            if d % 2:  # the phone on two days, identified once
                phone = at + dt.timedelta(hours=5)
                events += [
                    event_at("alice-phone", phone, "pageview", f"/p{d}"),
                    event_at("alice-phone", phone, "identify", f"/p{d}", user_id="u-alice"),
                ]
    if with_alice:  # a clock far ahead: bronze quarantines it
        ahead = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        events.append(event_at("alice-laptop", ahead, "pageview", "/future"))
    return events


def _load(env: Env, with_alice: bool) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gateway:
        answer = gateway.post("/api/v1/events", json=_events(with_alice))
        assert answer.status_code == 202 and not answer.json()["rejected"]
    run_pipeline(echo=False)


def _unlanded_segment(env: Env) -> Path:
    """A sealed WAL segment no gateway landed: a row of alice's tablet (carrying her
    user id) and a row of erin, made from bronze rows."""
    bronze = pl.read_delta(LakePaths(env.settings.lake_uri).bronze_events)
    row = bronze.filter(pl.col("client_id") == "bob").row(0, named=True)
    rows = []
    for client, user in (("alice-tablet", "u-alice"), ("erin", None)):
        values = {**row, "client_id": client, "user_id": user, "event_id": f"wal-{client}"}
        for c in ("event_at", "received_at"):
            values[c] = int(values[c].timestamp() * 1_000_000)
        rows.append([values[c] for c in WAL_COLUMNS])
    env.settings.wal_dir.mkdir(parents=True, exist_ok=True)
    path = env.settings.wal_dir / "00000000000000001.wal"
    path.write_bytes(encode_frame(rows))
    return path


def _lake_tables(env: Env) -> dict[str, pl.DataFrame]:
    """Every lake table a person's data reaches, in a comparable order (columns that
    depend on when events were received left out)."""
    paths = LakePaths(env.settings.lake_uri)
    bronze = pl.read_delta(paths.bronze_events).drop("received_at")
    tables = {
        "bronze": bronze.drop("event_id").sort("client_id", "event_at", "event_type"),
        "silver": pl.read_delta(paths.silver_sessions).sort("session_id"),
    }
    for name in GOLD_TABLES:
        gold = pl.read_delta(paths.gold(name)).with_columns(pl.col("users").list.sort())
        keys = [c for c in gold.columns if gold.schema[c] != pl.List(pl.String)]
        tables[name] = gold.select(sorted(gold.columns)).sort(sorted(keys), nulls_last=True)
    return tables


_HOT_QUERIES = {
    "events": "SELECT client_id, event_type, event_at FROM events ORDER BY ALL",
    "sessions": "SELECT session_id, count_pageviews FROM sessions ORDER BY ALL",
    "rollup_daily": "SELECT date, page_path, sum(count_pageviews), sum(count_sessions), "
    "uniqCombined64Merge(20)(users) FROM rollup_daily GROUP BY ALL ORDER BY ALL",
    "rollup_hourly": "SELECT hour, sum(count_events), uniqCombined64Merge(20)(users) "
    "FROM rollup_hourly GROUP BY ALL ORDER BY ALL",
    "cube_daily_totals": "SELECT date, sum(count_pageviews), groupBitmapMerge(users) "
    "FROM cube_daily_totals GROUP BY ALL ORDER BY ALL",
    "cube_daily_pages": "SELECT date, page_path, groupBitmapMerge(users) "
    "FROM cube_daily_pages GROUP BY ALL ORDER BY ALL",
}


def _hot(env: Env) -> dict[str, list[tuple]]:
    with hot_tier(env.settings) as client:
        return {name: client.query(sql).result_rows for name, sql in _HOT_QUERIES.items()}


def _ids_in_hot_tier(env: Env, ids: tuple[str, ...]) -> dict[str, int]:
    """Rows of every hot-tier table (views aside) with one of ``ids`` anywhere in a
    column holding strings (plain, nullable, arrays, maps)."""
    found = {}
    with hot_tier(env.settings) as client:
        columns = client.query(
            "SELECT c.table, c.name FROM system.columns AS c "
            "JOIN system.tables AS t ON t.database = c.database AND t.name = c.table "
            "WHERE c.database = currentDatabase() AND t.engine NOT LIKE '%View' "
            "AND c.type LIKE '%String%' AND c.type NOT LIKE 'AggregateFunction%'"
        ).result_rows
        for table, column in columns:
            sql = (
                f"SELECT count() FROM `{table}` "
                f"WHERE multiSearchAny(toString(`{column}`), {{ids:Array(String)}})"
            )
            count = client.query(sql, parameters={"ids": list(ids)}).result_rows[0][0]
            if count:
                found[f"{table}.{column}"] = count
    return found


def ids_in_s3(endpoint: str, prefix: str, ids: tuple[str, ...]) -> list[str]:
    """Objects under ``prefix`` of bucket ``strata`` holding one of ``ids``: every
    Parquet object's values, the bytes of every other object (Delta logs)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="strata", Prefix=prefix)
    holding = []
    for key in (o["Key"] for page in pages for o in page.get("Contents", [])):
        body = s3.get_object(Bucket="strata", Key=key)["Body"].read()
        text = (
            str(pq.read_table(io.BytesIO(body)).to_pylist())
            if key.endswith(".parquet")
            else body.decode("utf-8", "replace")
        )
        if any(i in text for i in ids):
            holding.append(key)
    return holding


def _ids_on_disk(home: Path, ids: tuple[str, ...]) -> list[str]:
    """Files under ``home`` holding one of ``ids``: every Parquet file's values (Delta
    history and checkpoints included), and the bytes of every Delta log entry and WAL
    segment."""
    hits = []
    for path in sorted(home.rglob("*")):
        if not path.is_file() or "clickhouse" in path.parts:
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(io.BytesIO(path.read_bytes()))
            text = str(table.to_pylist())
        elif path.suffix in (".json", ".wal", ".open", ".crc") or "_delta_log" in path.parts:
            text = path.read_bytes().decode("utf-8", "replace")
        else:
            continue
        if any(i in text for i in ids):
            hits.append(str(path.relative_to(home)))
    return hits


@pytest.fixture
def reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The lake tables and hot-tier answers of the same events without the person."""
    env = make_env(tmp_path / "reference", monkeypatch)
    _load(env, with_alice=False)
    return {"lake": _lake_tables(env), "hot": _hot(env)}


def test_erasure_by_user_id_leaves_no_copy_and_everyone_else_unchanged(
    reference: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path / "main", monkeypatch, STRATA_FLUSH_SECONDS="0.2")
    _load(env, with_alice=True)
    paths = LakePaths(env.settings.lake_uri)
    quarantined = Lake(env.settings).list_files(paths.quarantine("bronze_events"))
    assert quarantined, "the clock-ahead event was quarantined"
    assert _ids_on_disk(env.settings.home, ALICE), "the person is in the lake before"
    segment = _unlanded_segment(env)
    store = ErasureStore(env.store.engine)
    request = store.request("ST-TEST", "user_id", "u-alice")

    (done,) = run_erasures(echo=False)

    assert done.erasure_id == request.erasure_id and done.status == "done"
    assert done.target is None and done.matches("u-alice") and not done.matches("bob")
    counts = done.counts
    assert counts["client_ids_found"] == 3  # laptop, phone (lake) and tablet (WAL only)
    assert counts["bronze/events_rows"] == 4 * 2 + 2 * 2  # laptop 2 a day, phone 2 on 2 days
    assert counts["wal_rows"] == 1
    assert counts["quarantine/bronze_events_rows"] == 1
    assert counts["silver/sessions_rows"] == 4 + 2
    assert counts["clickhouse/events_rows"] == 12
    assert counts["clickhouse/visitor_numbers_rows"] == 2
    assert _ids_on_disk(env.settings.home, ALICE_IDS) == []
    assert _ids_in_hot_tier(env, ALICE_IDS) == {}
    assert [r[2] for r in read_segment(segment)] == ["erin"]  # the rest of the WAL stays
    assert [p.name for p in segments(env.settings.wal_dir)] == [segment.name]
    lake = _lake_tables(env)
    for name, expected in reference["lake"].items():
        assert lake[name].equals(expected), name
    assert _hot(env) == reference["hot"]

    again = store.request("ST-TEST", "client_id", "alice-laptop")
    (second,) = run_erasures(echo=False)
    assert second.erasure_id == again.erasure_id and second.status == "done"
    removed = {k: v for k, v in second.counts.items() if k.endswith("_rows")}
    assert second.counts["client_ids_found"] == 1 and sum(removed.values()) == 0
    assert [e.erasure_id for e in store.log("ST-TEST")] == [again.erasure_id, request.erasure_id]
    assert _lake_tables(env)["bronze"].height == reference["lake"]["bronze"].height


def test_under_the_daemon_the_sensor_begins_then_finishes_an_erasure(env: Env) -> None:
    """The ``erasure_requests`` sensor asks for ``erase_people`` while a request is
    pending and for ``finish_erasure_requests`` once its days are rebuilt."""
    from dagster import DagsterInstance, SkipReason, build_sensor_context

    from orchestration.defs.maintenance.erasure import (
        erase_people,
        erasure_requests,
        finish_erasure_requests,
    )
    from orchestration.defs.resources import RESOURCES

    store = ErasureStore(env.store.engine)
    assert isinstance(erasure_requests(build_sensor_context(resources=RESOURCES)), SkipReason)
    request = store.request("ST-TEST", "client_id", "nobody")
    instance = DagsterInstance.ephemeral()

    (begin,) = erasure_requests(build_sensor_context(resources=RESOURCES, instance=instance))
    assert begin.job_name == "erase_people"
    assert erase_people.execute_in_process(resources=RESOURCES, instance=instance).success
    assert store.get(request.erasure_id).status == "rebuilding"  # type: ignore[union-attr]

    (finish,) = erasure_requests(build_sensor_context(resources=RESOURCES, instance=instance))
    assert finish.job_name == "finish_erasure_requests"
    assert finish_erasure_requests.execute_in_process(
        resources=RESOURCES, instance=instance
    ).success
    assert store.get(request.erasure_id).status == "done"  # type: ignore[union-attr]


def test_an_erasure_finishes_after_the_raw_tables_load_that_follows_its_refresh(
    env: Env,
) -> None:
    """Under the daemon an erasure's days are rebuilt by a refresh, then loaded into the
    raw tables by the job that follows it; a load that read bronze before the erasure
    could copy the person back, so the erasure is ready only once neither waits."""
    from orchestration.defs.follow import mark_followed, note_to_follow, to_follow
    from orchestration.defs.maintenance.erasure import ready_to_finish
    from orchestration.defs.partitions import RAW_DAYS_TAG, range_tags, span_tags
    from orchestration.lib.resources import LakeResource

    store = ErasureStore(env.store.engine)
    request = store.request("ST-TEST", "client_id", "someone")
    store.update(request.erasure_id, "rebuilding", days=["2026-03-02"])
    lake = LakeResource()
    erasure = store.get(request.erasure_id)
    assert erasure is not None and ready_to_finish(erasure, lake)
    other = span_tags(["2026-03-04", "2026-03-05"])
    note_to_follow(lake, RAW_DAYS_TAG, other)  # another day's load: no matter
    assert ready_to_finish(erasure, lake)
    refreshed = span_tags(["2026-03-01", "2026-03-03"])
    note_to_follow(lake, RAW_DAYS_TAG, refreshed)  # what refresh_done notes
    assert not ready_to_finish(erasure, lake)
    (load,) = [r for r in to_follow(lake, RAW_DAYS_TAG) if r.first.isoformat() == "2026-03-01"]
    tags = range_tags(load, RAW_DAYS_TAG)
    assert mark_followed(lake, RAW_DAYS_TAG, tags)  # what raw_tables_done marks
    assert ready_to_finish(erasure, lake)
