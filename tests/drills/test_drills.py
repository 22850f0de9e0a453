"""Reliability drills: faults injected under load, then every acknowledged event
counted where it must be (exactly once), each drill one row of the table
(``make drills`` runs the full sizes; ``make test`` the shortened forms).

"Acked" counts come from the senders' own ``202`` answers; "found" from bronze (and
the hot tier's ``events``, which must hold as many rows) after the drill.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx
import polars as pl
import pytest
from fastapi.testclient import TestClient

from lake.catalog import ErasureStore
from lake.storage import LakePaths
from orchestration.runner import run_erasures, run_pipeline
from tests.conftest import Env, LiveGateway, make_env
from tests.drills.harness import (
    DAY0,
    FULL,
    DrillRow,
    Senders,
    bronze_ids,
    exactly_once,
    hot_event_count,
    record,
)
from tests.orchestration.test_erasure import _hot, _ids_in_hot_tier, _ids_on_disk, _lake_tables
from tests.samples import event_at

FAST_FLUSH = {"STRATA_FLUSH_SECONDS": "0.3", "STRATA_FLUSH_EVENTS": "2000"}


def _settle(env: Env, senders: Senders, acked_extra: set[str] | None = None) -> tuple:
    """After the load: the pipeline, then acked-vs-found in bronze and the hot tier."""
    run_pipeline(echo=False)
    found = bronze_ids(env.settings)
    acked = senders.acked | (acked_extra or set())
    seen, duplicates, missing = exactly_once(acked, found)
    assert missing == 0, f"{missing} acknowledged events missing"
    assert duplicates == 0, f"{duplicates} duplicates in bronze"
    assert hot_event_count(env.settings) == sum(found.values())
    return len(acked), seen, duplicates


def test_gateway_crashes(env: Env) -> None:
    """SIGKILL of the gateway at random moments under load from several senders,
    restarted on the same port (its WAL replayed) in between."""
    kills = 5 if FULL else 2
    gateway = LiveGateway(env, **FAST_FLUSH)
    senders = Senders(gateway.url, threads=4, pause=0.0 if FULL else 0.05).start()
    rng = random.Random(7)
    for _ in range(kills):
        time.sleep(rng.uniform(1.0, 3.0))
        gateway.proc.send_signal(signal.SIGKILL)
        gateway.proc.wait(timeout=30)
        gateway = LiveGateway(env, gateway.port, **FAST_FLUSH)
    time.sleep(1.0)
    senders.stop()
    gateway.stop()  # SIGTERM: lands what the last one holds
    acked, found, duplicates = _settle(env, senders)
    assert acked > 0 and senders.errors_5xx == 0
    assert bronze_ids(env.settings).keys() <= senders.sent  # nothing invented
    record(
        DrillRow(
            "gateway crashes",
            f"4 senders × 50-event batches, {acked:,} acked",
            f"{kills} SIGKILLs",
            acked,
            found,
            duplicates,
            senders.errors_5xx,
        )
    )


def test_duplicate_and_reordered_delivery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same batches sent three times in shuffled order through two gateways, over
    several days, with a pipeline run between the deliveries."""
    from ingest_gateway.app import create_app

    env = make_env(tmp_path, monkeypatch)
    batches = 60 if FULL else 12
    rng = random.Random(11)
    sent = []
    for b in range(batches):
        day = DAY0 + dt.timedelta(days=b % 5)
        at = dt.datetime.combine(day, dt.time(8), dt.UTC) + dt.timedelta(minutes=b)
        sent.append(
            [
                {
                    **event_at(
                        f"c{b}-{i % 7}", at + dt.timedelta(seconds=i), "pageview", f"/p{i % 3}"
                    ),
                    "event_id": f"b{b}-{i}",
                }
                for i in range(40)
            ]
        )
    deliveries = [batch for batch in sent for _ in range(3)]
    rng.shuffle(deliveries)
    for batch in deliveries:
        rng.shuffle(batch)
    gateways = []
    for name in ("gw-a", "gw-b"):
        settings = dataclasses.replace(
            env.settings, gateway_id=name, wal_dir=env.settings.home / f"wal-{name}"
        )
        gateways.append(settings)
    statuses: list[int] = []
    half = len(deliveries) // 2
    for part in (deliveries[:half], deliveries[half:]):
        clients = [TestClient(create_app(s)) for s in gateways]
        with clients[0] as a, clients[1] as b:
            for n, batch in enumerate(part):
                statuses.append((a if n % 2 else b).post("/api/v1/events", json=batch).status_code)
        run_pipeline(echo=False)
    acked = {e["event_id"] for batch in sent for e in batch}
    found = bronze_ids(env.settings)
    seen, duplicates, missing = exactly_once(acked, found)
    assert set(statuses) == {202} and missing == 0 and duplicates == 0
    assert hot_event_count(env.settings) == len(acked)
    daily = pl.read_delta(LakePaths(env.settings.lake_uri).gold("rollup_daily"))
    assert int(daily["count_pageviews"].sum()) == len(acked)
    record(
        DrillRow(
            "duplicate and reordered delivery",
            f"{batches} batches × 3, shuffled, 2 gateways, 5 days",
            f"{2 * batches} repeated batches",
            len(acked),
            seen,
            duplicates,
            sum(s >= 500 for s in statuses),
        )
    )


def _pipeline_until(env: Env, step: str, rng: random.Random) -> bool:
    """Run ``strata pipeline`` in a process and SIGKILL it a random moment after it
    starts ``step``; False when the run ended before reaching it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if f" {step} ..." in line:
            time.sleep(rng.uniform(0.1, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True
    proc.wait(timeout=30)
    return False


def _post_all(env: Env, events: list[dict]) -> None:
    """Send ``events`` through an in-process gateway in batches it accepts whole."""
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gateway:
        for start in range(0, len(events), 500):
            answer = gateway.post("/api/v1/events", json=events[start : start + 500])
            assert answer.status_code == 202 and not answer.json()["rejected"], answer.text


def _pipeline_events(days: int, per_day: int) -> list[dict]:
    events = []
    for d in range(days):
        day = DAY0 + dt.timedelta(days=d)
        for n in range(per_day):
            at = dt.datetime.combine(day, dt.time(6), dt.UTC) + dt.timedelta(minutes=7 * n)
            client = f"v{n % 23}"
            events.append(
                {**event_at(client, at, "pageview", f"/p{n % 5}"), "event_id": f"e{d}-{n}"}
            )
            if n % 4 == 0:
                events.append(
                    {
                        **event_at(client, at + dt.timedelta(seconds=30), "click", f"/p{n % 5}"),
                        "event_id": f"k{d}-{n}",
                    }
                )
    return events


def test_pipeline_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL of a pipeline run in the middle of bronze, of sessions, of the hot-tier
    load (and, in the full drill, of the dbt build); after a rerun the lake and the hot
    tier hold each acked event exactly once and every aggregate equals a full
    recomputation from the same events in a fresh installation."""

    warehouse = "true" if FULL else "false"
    days = 4 if FULL else 3
    events = _pipeline_events(days, per_day=120 if FULL else 60)
    reference = make_env(tmp_path / "reference", monkeypatch, STRATA_WAREHOUSE_MODELS=warehouse)
    _post_all(reference, events)
    run_pipeline(echo=False)
    expected = {"lake": _lake_tables(reference), "hot": _hot(reference)}

    env = make_env(tmp_path / "crashed", monkeypatch, STRATA_WAREHOUSE_MODELS=warehouse)
    _post_all(env, events)
    steps = ["bronze/events", "silver/sessions", "clickhouse/tables"]
    steps += ["warehouse/dbt build"] if FULL else []
    rng = random.Random(3)
    killed = [step for step in steps if _pipeline_until(env, step, rng)]
    assert killed == steps, f"the runs ended before reaching {set(steps) - set(killed)}"
    run_pipeline(echo=False)

    acked = {e["event_id"] for e in events}
    seen, duplicates, missing = exactly_once(acked, bronze_ids(env.settings))
    assert missing == 0 and duplicates == 0
    assert hot_event_count(env.settings) == len(acked)
    lake = _lake_tables(env)
    for name, table in expected["lake"].items():
        assert lake[name].equals(table), name
    assert _hot(env) == expected["hot"]
    record(
        DrillRow(
            "pipeline crash",
            f"{len(events):,} events over {days} days",
            f"SIGKILL in {', '.join(steps)}",
            len(acked),
            seen,
            duplicates,
            0,
        )
    )


@pytest.mark.skipif(not FULL, reason="make test erases in tests/orchestration/test_erasure.py")
def test_erasure_under_load(env: Env) -> None:
    """A visitor erased while others' events keep arriving: afterwards no Parquet file
    (Delta history included), WAL segment or hot-tier table holds the id, and every
    acknowledged event of everyone else is there exactly once."""
    gateway = LiveGateway(env, **FAST_FLUSH)
    person = [
        {
            **event_at("erase-me", DAY0 + dt.timedelta(days=d), "pageview", f"/p{n}"),
            "event_id": f"me-{d}-{n}",
            "user_id": "erase-user",
        }
        for d in range(3)
        for n in range(4)
    ]
    assert httpx.post(f"{gateway.url}/api/v1/events", json=person).status_code == 202
    senders = Senders(gateway.url, threads=2, prefix="o", pause=0.0 if FULL else 0.25).start()
    time.sleep(2.0)
    run_pipeline(echo=False)
    ErasureStore(env.store.engine).request(env.tracking_id, "user_id", "erase-user")
    (done,) = run_erasures(echo=False)  # the others keep sending meanwhile
    senders.stop()
    gateway.stop()
    acked, seen, duplicates = _settle(env, senders)
    assert done.status == "done" and done.counts["bronze/events_rows"] == len(person)
    assert _ids_on_disk(env.settings.home, ("erase-me", "erase-user")) == []
    assert _ids_in_hot_tier(env, ("erase-me", "erase-user")) == {}
    assert senders.errors_5xx == 0
    record(
        DrillRow(
            "erasure",
            f"2 senders, {acked:,} acked from others",
            "a user id erased mid-load",
            acked,
            seen,
            duplicates,
            senders.errors_5xx,
        )
    )


def test_storage_outage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> None:
    """The S3 endpoint is unreachable for a while under steady load: the gateway acks
    into its WAL until its budget, then answers 503 + Retry-After; once storage is back
    every acked event lands, exactly once."""
    from ingest_gateway.app import create_app

    outage_s = 60 if FULL else 4
    bucket = "drill-" + tmp_path.name.lower().replace("_", "-")[-40:]
    env = make_env(
        tmp_path,
        monkeypatch,
        STRATA_LAKE_URI=f"s3://{bucket}/lake",
        STRATA_S3_ENDPOINT_URL=s3_endpoint,
        STRATA_FLUSH_SECONDS="0.2",
        STRATA_WAL_MAX_BYTES=str(400_000),
    )
    statuses: list[int] = []
    acked: set[str] = set()
    retry_after: set[str] = set()
    with TestClient(create_app(env.settings)) as gateway:
        deadline = time.monotonic() + outage_s  # the bucket is missing: storage is down
        n = 0
        while time.monotonic() < deadline:
            batch = [
                {**event_at(f"c{i % 9}", DAY0, "pageview", "/"), "event_id": f"o{n}-{i}"}
                for i in range(50)
            ]
            answer = gateway.post("/api/v1/events", json=batch)
            statuses.append(answer.status_code)
            if answer.status_code == 202:
                acked.update(e["event_id"] for e in batch)
            elif answer.status_code == 503:
                retry_after.add(answer.headers.get("Retry-After", ""))
                time.sleep(0.2)
            n += 1
        boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
            Bucket=bucket
        )  # storage is back
        wait = time.monotonic() + 60
        while time.monotonic() < wait and list(env.settings.wal_dir.glob("*.wal")):
            time.sleep(0.2)
    assert 503 in statuses and retry_after == {"5"}, "the WAL budget was reached"
    run_pipeline(echo=False)
    seen, duplicates, missing = exactly_once(acked, bronze_ids(env.settings))
    assert missing == 0 and duplicates == 0
    errors = sum(s >= 500 and s != 503 for s in statuses)
    assert errors == 0
    record(
        DrillRow(
            "storage outage",
            f"one sender, {len(statuses)} batches of 50",
            f"S3 bucket gone for {outage_s} s; WAL budget 400 kB "
            f"({statuses.count(503)} × 503 + Retry-After)",
            len(acked),
            seen,
            duplicates,
            errors,
        )
    )


def _load_days(env: Env, days: int, per_day: int) -> list[dict]:
    events = _pipeline_events(days, per_day)
    _post_all(env, events)
    return events


def _per_day(env: Env) -> dict[str, list[tuple]]:
    """Per day: the lake's counts and the hot tier's, which must agree."""
    from lake.hot_tier import hot_tier

    paths = LakePaths(env.settings.lake_uri)
    bronze = (
        pl.read_delta(paths.bronze_events).group_by("event_date").len().sort("event_date").rows()
    )
    daily = (
        pl.read_delta(paths.gold("rollup_daily"))
        .group_by("date")
        .agg(pl.col("count_pageviews").sum())
        .sort("date")
        .rows()
    )
    with hot_tier(env.settings) as client:
        hot_events = client.query(
            "SELECT event_date, count() FROM events GROUP BY 1 ORDER BY 1"
        ).result_rows
        hot_daily = client.query(
            "SELECT date, sum(count_pageviews) FROM rollup_daily GROUP BY 1 "
            "HAVING sum(count_pageviews) > 0 ORDER BY 1"
        ).result_rows
    return {
        "lake_events": bronze,
        "hot_events": [tuple(r) for r in hot_events],
        "lake_daily": [r for r in daily if r[1]],
        "hot_daily": [tuple(r) for r in hot_daily],
    }


def test_hot_tier_failure(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hot-tier load fails half way (a fault injected before its second day's
    partition swap); the failed refresh stays pending and the next run leaves no
    duplicate or missing partition: every day's counts equal the lake's."""
    import lake.loads.hot_tier as load

    days = 6 if FULL else 3
    events = _load_days(env, days, per_day=40)
    calls = {"n": 0}
    real = load.replace_partitions

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("injected: the hot-tier load failed half way")
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "replace_partitions", failing)
    with pytest.raises(Exception, match="injected"):
        run_pipeline(echo=False)
    monkeypatch.setattr(load, "replace_partitions", real)
    run_pipeline(echo=False)  # the retry
    counts = _per_day(env)
    assert counts["hot_events"] == counts["lake_events"]
    assert counts["hot_daily"] == [(d, int(v)) for d, v in counts["lake_daily"]]
    acked = {e["event_id"] for e in events}
    seen, duplicates, missing = exactly_once(acked, bronze_ids(env.settings))
    assert missing == 0 and duplicates == 0
    record(
        DrillRow(
            "hot-tier failure",
            f"{len(events):,} events over {days} days",
            "load failed before its 2nd partition swap; retried",
            len(acked),
            seen,
            duplicates,
            0,
        )
    )


#: Reports over every kind of table: cubes, hourly rollups, pages, raw events, a filter.
_REPORTS = [
    {"metrics": ["pageviews", "unique_users", "sessions", "bounce_rate"], "dimensions": ["date"]},
    {"metrics": ["pageviews"], "dimensions": ["hour"]},
    {"metrics": ["pageviews", "unique_users"], "dimensions": ["page_path"]},
    {"metrics": ["events"], "dimensions": ["event_name"]},
    {"metrics": ["sessions"], "dimensions": ["device"], "filters": {"page_path": ["/p1"]}},
]


def _table_counts(env: Env) -> dict[str, int]:
    from lake.hot_tier import hot_tier

    tables = ["events", "sessions", "rollup_hourly", "rollup_daily", "cube_daily_totals"]
    with hot_tier(env.settings) as client:
        return {t: client.query(f"SELECT count() FROM {t}").result_rows[0][0] for t in tables}


def test_hot_tier_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded engine's data directory is deleted under a running API: reports
    answer 503 (never 500) until `strata hot-tier rebuild` has run, then every report
    (cubes, hourly rollups, pages, raw events, a filtered one) and every table's row
    count are as before."""
    import shutil
    import threading

    from cli.processes import free_port, start_module, stop, wait_healthy

    env = make_env(  # no result cache: every answer comes from the engine
        tmp_path,
        monkeypatch,
        STRATA_CLICKHOUSE_IDLE_RELEASE_SECONDS="0.3",
        STRATA_QUERY_CACHE_SECONDS="0",
    )
    events = _load_days(env, days=3, per_day=40)
    run_pipeline(echo=False)
    url = f"http://127.0.0.1:{free_port()}"
    api = start_module("serving", "--port", url.rsplit(":", 1)[1], "--sql-port", "0")
    statuses: list[int] = []
    try:
        wait_healthy(url, api)
        auth = {"Authorization": f"Bearer {env.key}"}
        span = {"start": str(DAY0), "end": str(DAY0 + dt.timedelta(days=2))}
        bodies = [{"tracking_id": "ST-TEST", "date_range": span, **r} for r in _REPORTS]

        def answers() -> list:
            found = []
            for body in bodies:
                r = httpx.post(f"{url}/api/v1/query", json=body, headers=auth, timeout=120)
                statuses.append(r.status_code)
                found.append(r.json().get("rows") if r.status_code == 200 else r.status_code)
            return found

        before, counts = answers(), _table_counts(env)
        assert all(isinstance(a, list) and a for a in before) and counts["events"] == len(events)
        time.sleep(1.0)  # the API's engine idles, then the directory goes
        shutil.rmtree(env.settings.clickhouse_url.removeprefix("chdb://"))
        during = answers()
        assert during == [503] * len(bodies)
        polling = threading.Event()

        def poll() -> None:
            while not polling.is_set():
                answers()
                polling.wait(0.5)

        poller = threading.Thread(target=poll)
        poller.start()
        strata = str(Path(sys.executable).with_name("strata"))
        rebuild = subprocess.run(
            [strata, "hot-tier", "rebuild", "--site", "ST-TEST"],  # the days of this site
            capture_output=True,
            text=True,
            timeout=600,
        )
        polling.set()
        poller.join(timeout=180)
        assert rebuild.returncode == 0, rebuild.stderr[-2000:]
        assert answers() == before
        assert _table_counts(env) == counts
    finally:
        stop(api)
    errors = sum(s >= 500 and s != 503 for s in statuses)
    assert errors == 0 and set(statuses) <= {200, 503}
    record(
        DrillRow(
            "hot tier lost",
            f"{len(events):,} events; {len(statuses)} report requests",
            f"data directory deleted under the API ({statuses.count(503)} × 503 until rebuilt)",
            len(events),
            sum(bronze_ids(env.settings).values()),
            0,
            errors,
        )
    )


@pytest.mark.skipif(not FULL, reason="make test runs tests/orchestration/test_retention.py")
def test_retention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A site with a 3-day raw retention and many days of data: after the retention job
    no file (Delta history included) or hot-tier table holds an older raw row of it,
    its aggregates keep every day, and reports on kept days are unchanged."""
    import pyarrow.parquet as pq

    from orchestration.runner import run_retention

    days = 200 if FULL else 20
    env = make_env(tmp_path, monkeypatch)
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=days)
    events = []
    for d in range(days):
        day = first + dt.timedelta(days=d)
        events += [
            {**event_at(f"r{n}", day, "pageview", f"/p{n}"), "event_id": f"r{d}-{n}"}
            for n in range(5)
        ]
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gateway:
        for start in range(0, len(events), 500):
            assert (
                gateway.post("/api/v1/events", json=events[start : start + 500]).status_code == 202
            )
    run_pipeline(echo=False)
    env.store.add_site(
        "ST-TEST",
        ["shop.example"],
        raw_retention_days=3,
        allowed_lateness_hours=24.0 * 365 * 20,
        rate_limit_eps=10_000_000,
    )
    before = _per_day(env)
    report = run_retention(echo=False)
    cutoff = today - dt.timedelta(days=3)
    paths = LakePaths(env.settings.lake_uri)
    old_rows = 0
    for root in (paths.bronze_events, paths.silver_sessions, paths.landing_events):
        for path in Path(root).rglob("*.parquet"):
            if "_delta_log" in path.parts:
                continue
            table = pq.read_table(path, partitioning=None)
            column = next(
                (c for c in ("event_date", "session_date") if c in table.column_names), None
            )
            if column is not None:  # landing files carry the day of each row
                dates = table.column(column).to_pylist()
            else:  # Delta keeps the partition's day in the directory name
                day = dt.date.fromisoformat(path.parent.name.partition("=")[2])
                dates = [day] * table.num_rows
            old_rows += sum(1 for d in dates if d is not None and d < cutoff)
    after = _per_day(env)
    assert old_rows == 0
    assert min(d for d, _ in after["hot_events"]) >= cutoff
    assert after["lake_daily"] == before["lake_daily"] and len(after["lake_daily"]) == days
    assert after["hot_daily"] == before["hot_daily"]
    kept = [r for r in before["lake_events"] if r[0] >= cutoff]
    assert after["lake_events"] == kept
    removed = report["bronze/events_rows"]
    assert removed == len(events) - sum(n for _, n in kept)
    record(
        DrillRow(
            "retention",
            f"{len(events):,} events over {days} days, raw retention 3 days",
            "the retention job",
            len(events),
            sum(n for _, n in kept),
            0,
            0,
        )
    )


@pytest.mark.skipif(not FULL, reason="ten minutes: make drills only")
@pytest.mark.timeout(3600)
def test_soak() -> None:
    """Gateway, pipeline and API together at half the pipeline's measured capacity for
    ten minutes (bench/soak.py): nothing lost, doubled or answered 5xx; RSS over time is
    printed by the soak."""
    bench = Path(__file__).parents[2] / "bench" / "soak.py"
    run = subprocess.run(
        [sys.executable, str(bench), "--minutes", "10"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("BENCH soak"))
    figures = dict(part.split("=") for part in line.split()[2:])
    record(
        DrillRow(
            "soak",
            f"{int(figures['rate']):,} events/s for 10 min + a report every 2 s",
            f"none; ack p99 {figures['ack_p99_ms']} ms, report p99 {figures['report_p99_ms']} ms, "
            f"gateway RSS {figures['gateway_rss_first_mb']}→{figures['gateway_rss_last_mb']} MB, "
            f"API RSS {figures['api_rss_first_mb']}→{figures['api_rss_last_mb']} MB, "
            f"WAL ≤ {figures['wal_max_mb']} MB, "
            f"landing lag ≤ {int(figures['lag_max_events']):,} events",
            int(figures["acked"]),
            int(figures["found"]),
            int(figures["duplicates"]),
            int(figures["errors_5xx"]),
        )
    )
